//! What a registry's unexpected answer means: the status code, the `{"errors":[...]}` body and
//! what the request was about, turned into one [`StatusFailure`].
//!
//! The client calls [`status_failure`] for every response whose status its operation did not
//! expect, and words the value for the user (adding the host, the repository and which
//! credentials it tried, which only the client knows). Docker's endpoint loop and the error
//! messages both depend on this choice, so it is made once, here.

use crate::digest::Digest;

use super::errors::{ErrorCode, RegistryErrors};

/// What a request was about, to tell a missing manifest from a missing blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A manifest, by tag or digest as the request named it.
    Manifest(&'a str),
    /// A blob.
    Blob(&'a Digest),
    /// Anything else: `/v2/`, an upload session, a manifest PUT.
    Other,
}

/// One unexpected response, as the client got it.
#[derive(Clone, Copy, Debug)]
pub struct Reply<'a> {
    pub method: &'a str,
    pub status: u16,
    pub subject: Subject<'a>,
    /// The body as read. A `HEAD` reply has none: whatever is passed for one is ignored.
    pub body: &'a [u8],
    /// When the registry's `/v2/` asked only for schemes manifold does not speak: their names
    /// (an [`super::auth::AuthScheme::Unsupported`]), to say so on a 401.
    pub unsupported_auth: Option<&'a str>,
}

/// What went wrong, decided from the status, the registry's error code and the subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusFailure {
    /// 401, or `UNAUTHORIZED`: the credentials (or their absence) were not accepted. `message`
    /// is the registry's own, or says which scheme it wants that manifold does not speak.
    Unauthorized { message: Option<String> },
    /// 403, or `DENIED`: authenticated but not allowed.
    Denied { message: String },
    /// `NAME_UNKNOWN`: no such repository.
    RepositoryUnknown,
    /// `MANIFEST_UNKNOWN`, or a bare 404 on a manifest. distribution answers this for a
    /// repository that does not exist too: the client asks the repository's tags list and
    /// judges that answer with [`repository_missing`] before calling it a missing manifest.
    ManifestUnknown { reference: String },
    /// `BLOB_UNKNOWN`, or a bare 404 on a blob.
    BlobUnknown { digest: Digest },
    /// Anything else: the registry's own message (or a snippet of the body, or `HTTP <status>`)
    /// and its parsed errors, if the body had that shape.
    Protocol {
        message: String,
        errors: Option<RegistryErrors>,
    },
}

/// The failure an unexpected reply stands for. The first matching rule wins: 401/`UNAUTHORIZED`,
/// 403/`DENIED`, `NAME_UNKNOWN`, then (for a manifest) `MANIFEST_UNKNOWN` or a 404 without an
/// error body, (for a blob) `BLOB_UNKNOWN` or a 404 without one, else a protocol error.
pub fn status_failure(reply: &Reply<'_>) -> StatusFailure {
    let body = if reply.method.eq_ignore_ascii_case("HEAD") {
        &[][..]
    } else {
        reply.body
    };
    let errors = RegistryErrors::parse(body);
    let code = errors.as_ref().and_then(|e| e.first_code().cloned());
    let message = errors.as_ref().map(|e| e.to_string());
    let bare_404 = reply.status == 404 && code.is_none();
    match (reply.status, &code) {
        (401, _) | (_, Some(ErrorCode::Unauthorized)) => StatusFailure::Unauthorized {
            message: match reply.unsupported_auth {
                Some(s) => Some(format!(
                    "it asks for {s} authentication, which manifold does not speak"
                )),
                None => message,
            },
        },
        (403, _) | (_, Some(ErrorCode::Denied)) => StatusFailure::Denied {
            message: message.unwrap_or_else(|| "403 Forbidden".into()),
        },
        (_, Some(ErrorCode::NameUnknown)) => StatusFailure::RepositoryUnknown,
        (_, c) => match reply.subject {
            Subject::Manifest(r) if bare_404 || c == &Some(ErrorCode::ManifestUnknown) => {
                StatusFailure::ManifestUnknown {
                    reference: r.to_string(),
                }
            }
            Subject::Blob(d) if bare_404 || c == &Some(ErrorCode::BlobUnknown) => {
                StatusFailure::BlobUnknown { digest: d.clone() }
            }
            _ => StatusFailure::Protocol {
                message: message.unwrap_or_else(|| {
                    let s = snippet(body);
                    if s.is_empty() {
                        format!("HTTP {}", reply.status)
                    } else {
                        s
                    }
                }),
                errors,
            },
        },
    }
}

/// Judges the answer to `GET /v2/<name>/tags/list` asked after a `MANIFEST_UNKNOWN`: true when
/// it says the repository itself does not exist (a 404 with `NAME_UNKNOWN`).
pub fn repository_missing(status: u16, body: &[u8]) -> bool {
    status == 404 && RegistryErrors::parse(body).is_some_and(|e| e.has(&ErrorCode::NameUnknown))
}

/// The start of a body that is not an error document, for a message: at most 200 characters
/// (then `…`), trimmed, on one line.
pub fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str) -> Vec<u8> {
        format!(r#"{{"errors":[{{"code":"{code}","message":"{message}"}}]}}"#).into_bytes()
    }

    fn fail(method: &str, status: u16, subject: Subject<'_>, body: &[u8]) -> StatusFailure {
        status_failure(&Reply {
            method,
            status,
            subject,
            body,
            unsupported_auth: None,
        })
    }

    #[test]
    fn unauthorized_and_denied() {
        assert_eq!(
            fail("GET", 401, Subject::Other, b""),
            StatusFailure::Unauthorized { message: None }
        );
        assert_eq!(
            fail(
                "GET",
                400,
                Subject::Manifest("v1"),
                &err("UNAUTHORIZED", "authentication required")
            ),
            StatusFailure::Unauthorized {
                message: Some("unauthorized: authentication required".into())
            }
        );
        let r = Reply {
            method: "GET",
            status: 401,
            subject: Subject::Other,
            body: &err("UNAUTHORIZED", "x"),
            unsupported_auth: Some("Negotiate"),
        };
        assert_eq!(
            status_failure(&r),
            StatusFailure::Unauthorized {
                message: Some(
                    "it asks for Negotiate authentication, which manifold does not speak".into()
                )
            }
        );
        assert_eq!(
            fail("PUT", 403, Subject::Other, b"<html>no</html>"),
            StatusFailure::Denied {
                message: "403 Forbidden".into()
            }
        );
        assert_eq!(
            fail(
                "PUT",
                400,
                Subject::Other,
                &err("DENIED", "requested access to the resource is denied")
            ),
            StatusFailure::Denied {
                message: "denied: requested access to the resource is denied".into()
            }
        );
    }

    #[test]
    fn missing_things_by_subject() {
        let d = Digest::sha256(b"x");
        assert_eq!(
            fail("GET", 404, Subject::Manifest("v1"), b""),
            StatusFailure::ManifestUnknown {
                reference: "v1".into()
            }
        );
        assert_eq!(
            fail(
                "GET",
                404,
                Subject::Manifest("v1"),
                &err("MANIFEST_UNKNOWN", "m")
            ),
            StatusFailure::ManifestUnknown {
                reference: "v1".into()
            }
        );
        assert_eq!(
            fail(
                "GET",
                404,
                Subject::Manifest("v1"),
                &err("NAME_UNKNOWN", "n")
            ),
            StatusFailure::RepositoryUnknown
        );
        assert_eq!(
            fail("HEAD", 404, Subject::Blob(&d), b""),
            StatusFailure::BlobUnknown { digest: d.clone() }
        );
        assert_eq!(
            fail("PUT", 400, Subject::Blob(&d), &err("BLOB_UNKNOWN", "b")),
            StatusFailure::BlobUnknown { digest: d.clone() }
        );
        // a blob code on a manifest request is the registry's own words, not a missing manifest
        assert!(matches!(
            fail(
                "GET",
                404,
                Subject::Manifest("v1"),
                &err("BLOB_UNKNOWN", "b")
            ),
            StatusFailure::Protocol { .. }
        ));
        // a 404 on anything else is a protocol error
        assert_eq!(
            fail("POST", 404, Subject::Other, b""),
            StatusFailure::Protocol {
                message: "HTTP 404".into(),
                errors: None
            }
        );
    }

    #[test]
    fn protocol_errors_carry_the_registrys_words_or_a_snippet() {
        let body = err("MANIFEST_BLOB_UNKNOWN", "blob unknown to registry");
        match fail("PUT", 400, Subject::Other, &body) {
            StatusFailure::Protocol { message, errors } => {
                assert_eq!(message, "manifest blob unknown: blob unknown to registry");
                assert_eq!(
                    errors.unwrap().first_code(),
                    Some(&ErrorCode::ManifestBlobUnknown)
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            fail(
                "GET",
                502,
                Subject::Other,
                b"  <html>\nbad gateway\n</html> "
            ),
            StatusFailure::Protocol {
                message: "<html> bad gateway </html>".into(),
                errors: None
            }
        );
        assert_eq!(
            fail("HEAD", 500, Subject::Other, &err("UNKNOWN", "ignored")),
            StatusFailure::Protocol {
                message: "HTTP 500".into(),
                errors: None
            }
        );
    }

    #[test]
    fn tags_list_says_whether_the_repository_exists() {
        assert!(repository_missing(
            404,
            &err("NAME_UNKNOWN", "repository name not known")
        ));
        assert!(!repository_missing(200, br#"{"name":"a","tags":["v1"]}"#));
        assert!(!repository_missing(404, b""));
        assert!(!repository_missing(401, &err("NAME_UNKNOWN", "n")));
    }

    #[test]
    fn snippets_are_short_and_on_one_line() {
        assert_eq!(snippet(b""), "");
        assert_eq!(snippet(b" a\r\nb "), "a  b");
        let long = "é".repeat(300);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
    }
}
