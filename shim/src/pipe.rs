//! Output into a closed pipe (`manifold validate big.json | head`) ends quietly, the way
//! coreutils' `cat` and `seq` end: killed by SIGPIPE, so the shell reports status 141 and
//! `set -o pipefail` sees exactly what it sees from `cat big.json | head`. No message: the
//! reader has gone away on purpose, and saying so on stderr is noise.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe is an `EPIPE` error (and a panic inside
//! `println!`). Rather than restoring the default disposition for the whole run — which would
//! also kill manifold silently when a credential helper closes its stdin early — the default is
//! restored only at the moment standard output is found closed: [`closed`] for the writes that
//! see the error, and [`install`]'s panic hook for `println!` anywhere else.
//!
//! Why not exit 0 like ripgrep? The issue asks for the usual status, and the usual writer is
//! coreutils; a pipeline that checks statuses then treats manifold like every other producer.

use std::io;

/// Ends the process as a writer killed by SIGPIPE does (status 141 in a shell).
pub fn closed() -> ! {
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition and raising it have no memory-safety
    // preconditions; nothing runs after the signal ends the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(128 + 13)
}

/// True for the error a write to a closed pipe gives.
pub fn is_closed(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// A failed write to standard output: a closed pipe ends the process quietly; anything else
/// (a full disk) is an error to report.
pub fn write_failed(e: io::Error) -> crate::error::CliError {
    if is_closed(&e) {
        closed()
    }
    crate::error::CliError::cannot_write_output(e)
}

/// Makes `println!`'s panic on a closed standard output end the process as [`closed`] does;
/// every other panic goes to the hook that was there.
pub fn install() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_stdout_closed_panic(message) {
            closed();
        }
        previous(info)
    }));
}

/// std's `println!` panics with `failed printing to stdout: <io error>`.
fn is_stdout_closed_panic(message: &str) -> bool {
    let closed = io::Error::from(io::ErrorKind::BrokenPipe);
    message
        .strip_prefix("failed printing to stdout: ")
        .is_some_and(|rest| {
            rest.contains(&format!("os error {}", libc::EPIPE)) || rest == closed.to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_stdout_is_taken_for_one() {
        assert!(is_stdout_closed_panic(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_stdout_closed_panic(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_stdout_closed_panic(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_stdout_closed_panic("index out of bounds"));
    }
}
