//! `manifold digest`: the digest of a file's exact bytes, as a registry computes it.

use manifold_engine::digest::{Algorithm, Digest};

use crate::error::{CliError, CliResult};
use crate::input::read_document;

/// `manifold digest [--algorithm A] FILE|-`: the digest of the exact bytes, as a registry computes it.
pub fn run(path: &str, algorithm: &str) -> CliResult {
    let algorithm: Algorithm = algorithm
        .parse()
        .map_err(|e| CliError::usage(format!("--algorithm: {e}")))?;
    if !algorithm.is_registered() {
        return Err(CliError::usage(format!(
            "--algorithm {algorithm}: not a registered digest algorithm; use sha256, sha512 or blake3"
        )));
    }
    let bytes = read_document(path)?;
    let digest =
        Digest::compute(&algorithm, &bytes).expect("registered algorithms can be computed");
    println!("{digest}");
    Ok(())
}
