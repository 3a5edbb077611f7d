//! What a host's answer means: bytes against the digest and size that named them, a HEAD's
//! size against the descriptor's, a streamed blob's hash against its digest. Kept apart from
//! the walk so the one place that decides whether content is trusted is small and plain.

use super::report::Rule;
use super::walk::Use;
use super::{Action, Supplied};
use crate::digest::Digest;

/// Where a body stands.
#[derive(Clone, Debug)]
pub(crate) enum State {
    Waiting(Vec<Use>),
    /// Verified bytes (manifests, indexes, configs).
    Bytes(Vec<u8>),
    /// There, and as big as said (presence, streamed layers).
    Present,
    Absent,
    /// Served, but not the bytes the digest names (message says how).
    Wrong(String, Rule),
    Failed(String),
}

/// Judges what the host supplied against the digest and size that named it.
pub(crate) fn settle(
    digest: &Digest,
    size: Option<u64>,
    action: Action,
    supplied: Supplied,
) -> State {
    let size_wrong = |got: u64| {
        size.filter(|&s| s != got).map(|s| {
            State::Wrong(
                format!("{digest} is {got} bytes where its descriptor says {s}"),
                Rule::Size,
            )
        })
    };
    match supplied {
        Supplied::Absent => State::Absent,
        Supplied::Failed(m) => State::Failed(m),
        Supplied::Present { size: got } => got.and_then(size_wrong).unwrap_or(State::Present),
        Supplied::Streamed {
            digest: got,
            size: n,
        } => {
            if &got != digest {
                State::Wrong(
                    format!("{digest} was served with other bytes (they hash to {got})"),
                    Rule::Digest,
                )
            } else {
                size_wrong(n).unwrap_or(State::Present)
            }
        }
        Supplied::Bytes(bytes) => {
            if let Err(e) = digest.verify(&bytes) {
                return State::Wrong(format!("{digest}: {e}"), Rule::Digest);
            }
            if let Some(wrong) = size_wrong(bytes.len() as u64) {
                return wrong;
            }
            match action {
                Action::Manifest | Action::Config => State::Bytes(bytes),
                _ => State::Present,
            }
        }
    }
}
