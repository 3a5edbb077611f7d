//! What to do after a chunk of a blob upload (a `PATCH`) failed: ask the registry how much of
//! the upload it holds, then continue from there in the same session, start over on a new
//! one, or give up.
//!
//! The distribution spec's upload status is `GET <location>` → `204 No Content` with
//! `Range: 0-<last byte>` (the bytes received, inclusive) and a `Location` to continue at.
//! CNCF distribution answers `0-0` both for an empty upload and for one that holds a single
//! byte, and answers `404` (`BLOB_UPLOAD_INVALID`, the session cancelled) when a broken PATCH
//! left bytes the session's state does not account for; an offset outside what the client
//! confirmed before the chunk and sent in it means the registry lost or invented bytes.
//! Every such doubt ends in a new session, which is always right; continuing is only chosen
//! when the registry's answer is unambiguous.
//!
//! Attempts count failures of one upload, across chunks and sessions, with the policy every
//! request uses ([`RetryPolicy::tries`]): a link that breaks again and again ends the upload
//! with an error instead of a loop.

use super::retry::RetryPolicy;

/// How a chunk's `PATCH` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchFailure {
    /// No answer: the connection broke (while the body was sent, or before the reply), or a
    /// timeout.
    Connection,
    /// The registry answered with this status instead of `202 Accepted`.
    Status(u16),
}

/// The next step after a failed `PATCH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterPatch {
    /// Ask the registry how much it holds (`GET <location>`), then [`resume_after_status`].
    AskStatus,
    /// The session is gone (`404`): open a new one and send the blob from its first byte.
    StartOver,
    /// Not worth another attempt (out of tries, or an answer no retry changes): report it.
    GiveUp,
}

/// Whether attempt number `attempt` (1-based, failures of this upload so far) may be followed
/// by another, and how: connection failures, `429`, `5xx` (but `501`) and `416` (the registry
/// holds another range than the chunk assumed) ask for the upload's status; a `404` starts
/// over; any other status is final.
pub fn after_patch_failure(
    policy: &RetryPolicy,
    attempt: u32,
    failure: PatchFailure,
) -> AfterPatch {
    if attempt >= policy.tries {
        return AfterPatch::GiveUp;
    }
    match failure {
        PatchFailure::Connection => AfterPatch::AskStatus,
        PatchFailure::Status(code)
            if code == 429 || code == 416 || ((500..=599).contains(&code) && code != 501) =>
        {
            AfterPatch::AskStatus
        }
        PatchFailure::Status(404) => AfterPatch::StartOver,
        PatchFailure::Status(_) => AfterPatch::GiveUp,
    }
}

/// What the upload status request answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadStatus<'a> {
    /// An HTTP answer, with its `Range` and `Location` headers when present.
    Reply {
        code: u16,
        range: Option<&'a str>,
        location: Option<&'a str>,
    },
    /// No answer (after the retries every idempotent request gets).
    Unreachable,
}

/// Where the upload goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Continue in the same session from byte `offset`, at `location` when the status gave a
    /// new one (else at the location the failed chunk was sent to).
    ContinueAt {
        offset: u64,
        location: Option<String>,
    },
    /// Open a new session and send the blob from its first byte.
    StartOver,
    /// The registry cannot be asked: report the chunk's failure.
    GiveUp,
}

/// The upload status read against what the client knows: `confirmed` bytes were accepted
/// before the failed chunk (the registry answered 202 to them), and the chunk carried
/// `chunk_len` more. A received count inside `confirmed..=confirmed + chunk_len` continues
/// there (the whole chunk may have arrived and only its answer been lost); anything else, a
/// missing or unreadable `Range` or an ambiguous `0-0`, starts over.
pub fn resume_after_status(confirmed: u64, chunk_len: u64, status: &UploadStatus<'_>) -> Resume {
    let (code, range, location) = match *status {
        UploadStatus::Unreachable => return Resume::GiveUp,
        UploadStatus::Reply {
            code,
            range,
            location,
        } => (code, range, location),
    };
    match code {
        200..=299 => {}
        // the session is unknown, invalid or refused: a new one may still be opened
        400..=499 => return Resume::StartOver,
        _ => return Resume::GiveUp,
    }
    let received = match range.map(parse_received) {
        Some(Some(Received::Exactly(n))) => n,
        // `0-0`: nothing or one byte; one byte can only be what was confirmed
        Some(Some(Received::NoneOrOne)) if confirmed == 1 => 1,
        _ => return Resume::StartOver,
    };
    if received < confirmed || received - confirmed > chunk_len {
        return Resume::StartOver;
    }
    Resume::ContinueAt {
        offset: received,
        location: location.map(str::to_string),
    }
}

/// What an upload status's `Range` says was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Exactly this many bytes (`0-N` with N ≥ 1: N + 1 bytes).
    Exactly(u64),
    /// `0-0`: an empty upload as distribution reports it, or a single byte.
    NoneOrOne,
}

/// Parses an upload status `Range` value: `0-N`, also with a `bytes=` or `bytes ` prefix as
/// some registries write it. `None` when it does not start at 0 or is not a range.
pub fn parse_received(value: &str) -> Option<Received> {
    let v = value.trim();
    let v = v
        .strip_prefix("bytes=")
        .or_else(|| v.strip_prefix("bytes "))
        .unwrap_or(v)
        .trim();
    let (start, end) = v.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start.trim()) || !digits(end.trim()) {
        return None;
    }
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    match (start, end) {
        (0, 0) => Some(Received::NoneOrOne),
        (0, n) => n.checked_add(1).map(Received::Exactly),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tries, as by default: only the count matters here.
    fn p() -> RetryPolicy {
        RetryPolicy::default()
    }

    fn reply<'a>(code: u16, range: Option<&'a str>, location: Option<&'a str>) -> UploadStatus<'a> {
        UploadStatus::Reply {
            code,
            range,
            location,
        }
    }

    #[test]
    fn which_failures_ask_for_the_status() {
        use PatchFailure::*;
        for f in [
            Connection,
            Status(500),
            Status(502),
            Status(503),
            Status(429),
            Status(416),
        ] {
            assert_eq!(
                after_patch_failure(&p(), 1, f),
                AfterPatch::AskStatus,
                "{f:?}"
            );
            assert_eq!(
                after_patch_failure(&p(), 2, f),
                AfterPatch::AskStatus,
                "{f:?}"
            );
            // out of tries: the same policy as every request
            assert_eq!(after_patch_failure(&p(), 3, f), AfterPatch::GiveUp, "{f:?}");
        }
        assert_eq!(
            after_patch_failure(&p(), 1, Status(404)),
            AfterPatch::StartOver
        );
        assert_eq!(
            after_patch_failure(&p(), 3, Status(404)),
            AfterPatch::GiveUp
        );
        for code in [400, 401, 403, 413, 501] {
            assert_eq!(
                after_patch_failure(&p(), 1, Status(code)),
                AfterPatch::GiveUp,
                "{code}"
            );
        }
        let once = RetryPolicy { tries: 1, ..p() };
        assert_eq!(
            after_patch_failure(&once, 1, Connection),
            AfterPatch::GiveUp
        );
    }

    #[test]
    fn ranges_as_registries_write_them() {
        assert_eq!(parse_received("0-1023"), Some(Received::Exactly(1024)));
        assert_eq!(parse_received(" bytes=0-9 "), Some(Received::Exactly(10)));
        assert_eq!(parse_received("bytes 0-9"), Some(Received::Exactly(10)));
        assert_eq!(parse_received("0-0"), Some(Received::NoneOrOne));
        // not from the first byte, not a range, negative, overflowing
        for bad in [
            "5-9",
            "0-",
            "-9",
            "",
            "0--1",
            "0-x",
            "0-18446744073709551615",
            "0-1-2",
        ] {
            assert_eq!(parse_received(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn continue_where_the_registry_stands_inside_what_was_sent() {
        let mib = 1024 * 1024;
        // the chunk did not arrive: resend it from its start, at the new location
        assert_eq!(
            resume_after_status(mib, mib, &reply(204, Some("0-1048575"), Some("/u?s=2"))),
            Resume::ContinueAt {
                offset: mib,
                location: Some("/u?s=2".into())
            }
        );
        // part of it arrived
        assert_eq!(
            resume_after_status(mib, mib, &reply(204, Some("0-1500000"), None)),
            Resume::ContinueAt {
                offset: 1_500_001,
                location: None
            }
        );
        // all of it arrived, only the answer was lost
        assert_eq!(
            resume_after_status(mib, mib, &reply(204, Some("0-2097151"), None)),
            Resume::ContinueAt {
                offset: 2 * mib,
                location: None
            }
        );
        // a single confirmed byte is what `0-0` means then
        assert_eq!(
            resume_after_status(1, 10, &reply(204, Some("0-0"), None)),
            Resume::ContinueAt {
                offset: 1,
                location: None
            }
        );
        // the first chunk, partly received
        assert_eq!(
            resume_after_status(0, 100, &reply(204, Some("0-49"), None)),
            Resume::ContinueAt {
                offset: 50,
                location: None
            }
        );
    }

    #[test]
    fn doubt_starts_over() {
        let mib = 1024 * 1024;
        for (confirmed, status) in [
            // less than it had confirmed
            (mib, reply(204, Some("0-1000"), None)),
            // more than was ever sent
            (mib, reply(204, Some("0-2097152"), None)),
            // empty or one byte: ambiguous with nothing confirmed
            (0, reply(204, Some("0-0"), None)),
            (mib, reply(204, Some("0-0"), None)),
            // no Range, or one that does not start at 0
            (mib, reply(204, None, None)),
            (mib, reply(204, Some("100-200"), None)),
            // the session is gone or invalid (distribution cancels it on a wrong offset)
            (mib, reply(404, None, None)),
            (mib, reply(400, None, None)),
        ] {
            assert_eq!(
                resume_after_status(confirmed, mib, &status),
                Resume::StartOver,
                "{confirmed} {status:?}"
            );
        }
        // the registry cannot be asked at all
        assert_eq!(
            resume_after_status(mib, mib, &UploadStatus::Unreachable),
            Resume::GiveUp
        );
        assert_eq!(
            resume_after_status(mib, mib, &reply(503, Some("0-1048575"), None)),
            Resume::GiveUp
        );
    }
}
