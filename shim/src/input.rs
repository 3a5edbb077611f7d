//! Reading the document a command works on: a file path, or `-` for standard input.

use std::io::Read;

use crate::error::{CliError, CliResult};

/// Documents larger than this are refused before they are read whole: no index or manifest
/// comes near it, and reading an unbounded stream into memory is how a tool falls over.
pub const MAX_DOCUMENT: u64 = 64 * 1024 * 1024;

/// Reads all of `path` (or stdin for `-`), refusing directories, missing files and oversize input
/// with a message that names the path and the way out.
pub fn read_document(path: &str) -> CliResult<Vec<u8>> {
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_DOCUMENT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CliError::failed(format!("cannot read standard input: {e}")))?;
    } else {
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CliError::failed(format!("{path}: no such file; give the path of a JSON document, or - to read standard input")),
            std::io::ErrorKind::PermissionDenied => CliError::failed(format!("{path}: permission denied; check the file's permissions")),
            _ => CliError::failed(format!("{path}: cannot open: {e}")),
        })?;
        let meta = file
            .metadata()
            .map_err(|e| CliError::failed(format!("{path}: {e}")))?;
        if meta.is_dir() {
            return Err(CliError::failed(format!(
                "{path}: is a directory; give the path of a JSON document"
            )));
        }
        file.take(MAX_DOCUMENT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CliError::failed(format!("{path}: cannot read: {e}")))?;
    }
    if buf.len() as u64 > MAX_DOCUMENT {
        return Err(CliError::failed(format!(
            "{path}: larger than {} MiB; manifests and indexes are far smaller, so this is not one",
            MAX_DOCUMENT / 1024 / 1024
        )));
    }
    Ok(buf)
}
