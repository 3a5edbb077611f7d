//! Index operations as pure functions: build, add, remove, annotate, convert and resolve.
//! Each one takes an index and returns the changed index or a precise error; the caller
//! (the local store, a push, the browser page) decides what to do with it.
//!
//! One file per kind of operation, each with its tests: `edit` (create, add, remove, annotate),
//! `convert` (between OCI and Docker lists), `config` (the platform an image config declares)
//! and `select` (which entries of a source index to take). Everything is re-exported here, so
//! the paths stay `ops::X`.

use std::fmt;

mod config;
mod convert;
mod edit;
mod select;

pub use config::platform_from_config;
pub use convert::{
    convert, docker_cannot_hold, settle_format, written_format, FormatChange, FormatRule,
    ListFormat, Loss, OnOciOnly,
};
pub use edit::{
    add_position, annotate_entry, annotate_index, create, find_entry, parse_annotation,
    platform_key, remove, same_platform, EntryEdit, EntryKey, Field, IndexEdit,
    COMPRESSION_ANNOTATION_PREFIX,
};
pub use select::{entry_for_platform, select, Attestations, SelectError, Selected, Selection};

/// Why an operation could not be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpsError {
    EntryNotFound(String),
    AmbiguousEntry {
        selector: String,
        count: usize,
    },
    BadAnnotation(String),
    NotOciField {
        field: &'static str,
    },
    BadConfig(String),
    /// An edit gave a Docker manifest list something it cannot hold (at `path`).
    DockerCannotHold {
        path: String,
        field: &'static str,
    },
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsError::EntryNotFound(s) => write!(
                f,
                "no entry {s} in the list; `inspect` the list to see its entries"
            ),
            OpsError::AmbiguousEntry { selector, count } => {
                write!(f, "{count} entries match {selector}; give the full digest")
            }
            OpsError::BadAnnotation(s) => write!(
                f,
                "annotation {s:?} is not KEY=VALUE; write it as key=value with a non-empty key"
            ),
            OpsError::NotOciField { field } => write!(
                f,
                "a Docker manifest list cannot hold {field}; use --format oci"
            ),
            OpsError::DockerCannotHold { path, field } => write!(
                f,
                "a Docker manifest list cannot hold {field} ({path}), and Docker tools would drop \
                 it; make the list an OCI index first (create --amend --format oci LIST, or push \
                 --format oci)"
            ),
            OpsError::BadConfig(m) => {
                write!(f, "cannot read the platform from the image config: {m}")
            }
        }
    }
}

impl std::error::Error for OpsError {}
