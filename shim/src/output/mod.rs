//! What each personality prints, byte for byte where the tool's output is known.

pub mod docker;
pub mod podman;

use std::io::Write;

use crate::error::{CliError, CliResult};

/// Writes `bytes` to stdout; a closed pipe (`| head`) is not an error worth a message.
pub fn print_bytes(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failed(format!("cannot write output: {e}"))),
    }
}
