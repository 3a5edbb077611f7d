//! The one error type commands return: a message for the user and the exit code that goes with it.
//!
//! Exit codes are decided here, once per reason: a failed operation exits 1, a command-line
//! mistake 2, and the engine's errors map to one of those by what they mean (`From` below). The
//! reasons whose wording differs between docker, podman and pack (no such list, list exists,
//! entry not found, bad name) have one constructor each in [`crate::output::Words`], which also
//! decides the personality's code (podman's 125).

use std::fmt;

/// An error shown to the user as one line (or docker's exact multi-line text) on stderr.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: i32,
    /// The failure is a registry saying the image is not there (404: manifest or repository
    /// unknown), which waiting (`--wait-for-sources`) or leaving it out (`--ignore-missing`)
    /// can answer; every other failure is reported as it is.
    pub absent: bool,
}

impl CliError {
    /// A failure of the operation itself: exit 1, as docker and podman use.
    pub fn failed(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 1,
            absent: false,
        }
    }

    /// The command line was wrong: exit 2 (clap's and manifold's own usage errors).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 2,
            absent: false,
        }
    }

    /// A failure with the exit code a personality gives it (podman's 125).
    pub fn with_code(message: impl Into<String>, code: i32) -> CliError {
        CliError {
            message: message.into(),
            code,
            absent: false,
        }
    }

    /// This failure as one that says the image is not there (see [`CliError::absent`]).
    pub fn marked_absent(mut self) -> CliError {
        self.absent = true;
        self
    }

    /// An exit code with nothing to print (`exists` of a missing list, `validate` of an
    /// invalid document: the answer is the code, or was printed already).
    pub fn silent(code: i32) -> CliError {
        CliError::with_code(String::new(), code)
    }

    /// A document that does not parse as what it must be: `what` names it (the argument it
    /// came from).
    pub fn bad_document(what: impl fmt::Display, e: impl fmt::Display) -> CliError {
        CliError::failed(format!("{what}: {e}"))
    }

    /// A registry was needed where the command was given no client.
    pub fn no_registry_client() -> CliError {
        CliError::failed("no registry client")
    }

    /// Standard output could not be written (a closed pipe ends quietly instead: `pipe.rs`).
    pub fn cannot_write_output(e: impl fmt::Display) -> CliError {
        CliError::failed(format!("cannot write output: {e}"))
    }
}

/// A bad `--annotation` is a usage mistake; an entry that is not there, or cannot be what it is
/// asked to be, is a failure of the operation.
impl From<manifold_engine::ops::OpsError> for CliError {
    fn from(e: manifold_engine::ops::OpsError) -> CliError {
        match e {
            manifold_engine::ops::OpsError::BadAnnotation(_) => CliError::usage(e.to_string()),
            _ => CliError::failed(e.to_string()),
        }
    }
}

/// A source index with nothing to take: the message says what it holds and the ways out.
impl From<manifold_engine::ops::SelectError> for CliError {
    fn from(e: manifold_engine::ops::SelectError) -> CliError {
        CliError::failed(e.0)
    }
}

/// A reference that does not parse, in docker's exact words.
impl From<manifold_engine::reference::ReferenceError> for CliError {
    fn from(e: manifold_engine::reference::ReferenceError) -> CliError {
        CliError::failed(e.to_string())
    }
}

/// An IMAGE or destination argument that names no location, in docker's exact words.
impl From<crate::source::LocationError> for CliError {
    fn from(e: crate::source::LocationError) -> CliError {
        CliError::failed(e.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub type CliResult<T = ()> = Result<T, CliError>;

/// `s` with control characters other than line breaks and tabs escaped (`\u{1b}`), so an
/// argument echoed in a message can neither send escape sequences to the terminal nor hide
/// part of the message.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A user's argument as it appears inside a one-line message: control characters, line
/// breaks included, escaped.
pub fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\nc");
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown("plain"), "plain");
    }
}
