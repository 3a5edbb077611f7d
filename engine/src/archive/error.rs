//! What can go wrong reading a layer or an archive, said as the reader found it.

use std::fmt;

/// A layer or archive that could not be read, with where in the stream the reader was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The media type names no tar layer this reader knows (gzip, zstd or plain tar).
    UnknownMediaType(String),
    /// The gzip stream is damaged: what was wrong.
    Gzip(String),
    /// The zstd stream is damaged: what was wrong.
    Zstd(String),
    /// The tar stream is damaged: what was wrong.
    Tar(String),
    /// The stream ended before its end: which part was incomplete.
    Truncated(&'static str),
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveError::UnknownMediaType(m) => write!(
                f,
                "media type {m:?} is not a tar layer (plain, +gzip or +zstd); only tar layers can be read"
            ),
            ArchiveError::Gzip(m) => write!(f, "gzip stream: {m}"),
            ArchiveError::Zstd(m) => write!(f, "zstd stream: {m}"),
            ArchiveError::Tar(m) => write!(f, "tar stream: {m}"),
            ArchiveError::Truncated(what) => write!(f, "{what} ended early (the data is truncated)"),
        }
    }
}

impl std::error::Error for ArchiveError {}
