//! The registry's error bodies: `{"errors":[{"code","message","detail"}]}` (distribution-spec
//! "Error Codes", distribution's `registry/api/errcode`).

use std::fmt;

/// The error codes of the distribution spec and of distribution itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    ManifestUnverified,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    TagInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    Unavailable,
    PaginationNumberInvalid,
    RangeInvalid,
    Unknown,
    /// A code this list does not know, kept as sent.
    Other(String),
}

impl ErrorCode {
    pub fn parse(code: &str) -> ErrorCode {
        match code {
            "BLOB_UNKNOWN" => ErrorCode::BlobUnknown,
            "BLOB_UPLOAD_INVALID" => ErrorCode::BlobUploadInvalid,
            "BLOB_UPLOAD_UNKNOWN" => ErrorCode::BlobUploadUnknown,
            "DIGEST_INVALID" => ErrorCode::DigestInvalid,
            "MANIFEST_BLOB_UNKNOWN" => ErrorCode::ManifestBlobUnknown,
            "MANIFEST_INVALID" => ErrorCode::ManifestInvalid,
            "MANIFEST_UNKNOWN" => ErrorCode::ManifestUnknown,
            "MANIFEST_UNVERIFIED" => ErrorCode::ManifestUnverified,
            "NAME_INVALID" => ErrorCode::NameInvalid,
            "NAME_UNKNOWN" => ErrorCode::NameUnknown,
            "SIZE_INVALID" => ErrorCode::SizeInvalid,
            "TAG_INVALID" => ErrorCode::TagInvalid,
            "UNAUTHORIZED" => ErrorCode::Unauthorized,
            "DENIED" => ErrorCode::Denied,
            "UNSUPPORTED" => ErrorCode::Unsupported,
            "TOOMANYREQUESTS" => ErrorCode::TooManyRequests,
            "UNAVAILABLE" => ErrorCode::Unavailable,
            "PAGINATION_NUMBER_INVALID" => ErrorCode::PaginationNumberInvalid,
            "RANGE_INVALID" => ErrorCode::RangeInvalid,
            "UNKNOWN" => ErrorCode::Unknown,
            other => ErrorCode::Other(other.to_string()),
        }
    }

    /// The code as the spec spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::BlobUnknown => "BLOB_UNKNOWN",
            ErrorCode::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            ErrorCode::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            ErrorCode::DigestInvalid => "DIGEST_INVALID",
            ErrorCode::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            ErrorCode::ManifestInvalid => "MANIFEST_INVALID",
            ErrorCode::ManifestUnknown => "MANIFEST_UNKNOWN",
            ErrorCode::ManifestUnverified => "MANIFEST_UNVERIFIED",
            ErrorCode::NameInvalid => "NAME_INVALID",
            ErrorCode::NameUnknown => "NAME_UNKNOWN",
            ErrorCode::SizeInvalid => "SIZE_INVALID",
            ErrorCode::TagInvalid => "TAG_INVALID",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Denied => "DENIED",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::TooManyRequests => "TOOMANYREQUESTS",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
            ErrorCode::RangeInvalid => "RANGE_INVALID",
            ErrorCode::Unknown => "UNKNOWN",
            ErrorCode::Other(s) => s,
        }
    }

    /// The code as docker prints it: lower case, `_` → space (`manifest unknown`). Codes
    /// distribution does not know print as `unknown`, as docker does.
    pub fn docker_text(&self) -> String {
        let s = match self {
            ErrorCode::Other(_) => "UNKNOWN",
            c => c.as_str(),
        };
        s.replace('_', " ").to_lowercase()
    }

    /// The message distribution gives a code when the registry sent none.
    pub fn default_message(&self) -> &'static str {
        match self {
            ErrorCode::BlobUnknown => "blob unknown to registry",
            ErrorCode::BlobUploadInvalid => "blob upload invalid",
            ErrorCode::BlobUploadUnknown => "blob upload unknown to registry",
            ErrorCode::DigestInvalid => "provided digest did not match uploaded content",
            ErrorCode::ManifestBlobUnknown => "blob unknown to registry",
            ErrorCode::ManifestInvalid => "manifest invalid",
            ErrorCode::ManifestUnknown => "manifest unknown",
            ErrorCode::ManifestUnverified => "manifest failed signature verification",
            ErrorCode::NameInvalid => "invalid repository name",
            ErrorCode::NameUnknown => "repository name not known to registry",
            ErrorCode::SizeInvalid => "provided length did not match content length",
            ErrorCode::TagInvalid => "manifest tag did not match URI",
            ErrorCode::Unauthorized => "authentication required",
            ErrorCode::Denied => "requested access to the resource is denied",
            ErrorCode::Unsupported => "The operation is unsupported.",
            ErrorCode::TooManyRequests => "too many requests",
            ErrorCode::Unavailable => "service unavailable",
            ErrorCode::PaginationNumberInvalid => "invalid number of results requested",
            ErrorCode::RangeInvalid => "invalid content range",
            ErrorCode::Unknown | ErrorCode::Other(_) => "unknown error",
        }
    }
}

/// One entry of a registry's `errors` array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryError {
    pub code: ErrorCode,
    pub message: String,
    /// `detail` re-serialised compactly, when present.
    pub detail: Option<String>,
}

impl fmt::Display for RegistryError {
    /// docker's form: `<code lower-cased, _ → space>: <message>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.docker_text(), self.message)
    }
}

/// A registry's error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryErrors(pub Vec<RegistryError>);

impl RegistryErrors {
    /// Reads `{"errors":[...]}`. `None` when the body is not that shape (an HTML page from a
    /// proxy, an empty body): the caller then reports the HTTP status and a snippet of the body.
    pub fn parse(body: &[u8]) -> Option<RegistryErrors> {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        let arr = v.get("errors")?.as_array()?;
        let mut out = Vec::with_capacity(arr.len());
        for e in arr {
            let code =
                ErrorCode::parse(e.get("code").and_then(|c| c.as_str()).unwrap_or("UNKNOWN"));
            let message = e
                .get("message")
                .and_then(|m| m.as_str())
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| code.default_message().to_string());
            let detail = e
                .get("detail")
                .filter(|d| !d.is_null())
                .map(|d| d.to_string());
            out.push(RegistryError {
                code,
                message,
                detail,
            });
        }
        Some(RegistryErrors(out))
    }

    /// The first error's code: what docker's endpoint loop looks at.
    pub fn first_code(&self) -> Option<&ErrorCode> {
        self.0.first().map(|e| &e.code)
    }

    pub fn has(&self, code: &ErrorCode) -> bool {
        self.0.iter().any(|e| &e.code == code)
    }
}

impl fmt::Display for RegistryErrors {
    /// docker's `errcode.Errors` text: one error as is, several as `errors:\n<e1>\n<e2>\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("<nil>"),
            [one] => one.fmt(f),
            many => {
                f.write_str("errors:\n")?;
                for e in many {
                    writeln!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_in_dockers_words() {
        let e = RegistryErrors::parse(
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#,
        )
        .unwrap();
        assert_eq!(e.first_code(), Some(&ErrorCode::ManifestUnknown));
        assert_eq!(e.to_string(), "manifest unknown: manifest unknown");
        assert_eq!(e.0[0].detail.as_deref(), Some(r#"{"Tag":"nope"}"#));
    }

    #[test]
    fn several_errors_and_unknown_codes() {
        let e = RegistryErrors::parse(
            br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"},{"code":"WEIRD_THING","message":"x"},{"code":"TOOMANYREQUESTS"}]}"#,
        )
        .unwrap();
        assert_eq!(
            e.to_string(),
            "errors:\nname unknown: repository name not known to registry\nunknown: x\ntoomanyrequests: too many requests\n"
        );
        assert!(e.has(&ErrorCode::Other("WEIRD_THING".into())));
        assert_eq!(
            ErrorCode::ManifestBlobUnknown.docker_text(),
            "manifest blob unknown"
        );
    }

    #[test]
    fn every_known_code_round_trips() {
        for c in [
            "BLOB_UNKNOWN",
            "BLOB_UPLOAD_INVALID",
            "BLOB_UPLOAD_UNKNOWN",
            "DIGEST_INVALID",
            "MANIFEST_BLOB_UNKNOWN",
            "MANIFEST_INVALID",
            "MANIFEST_UNKNOWN",
            "MANIFEST_UNVERIFIED",
            "NAME_INVALID",
            "NAME_UNKNOWN",
            "SIZE_INVALID",
            "TAG_INVALID",
            "UNAUTHORIZED",
            "DENIED",
            "UNSUPPORTED",
            "TOOMANYREQUESTS",
            "UNAVAILABLE",
            "PAGINATION_NUMBER_INVALID",
            "RANGE_INVALID",
            "UNKNOWN",
        ] {
            let code = ErrorCode::parse(c);
            assert!(!matches!(code, ErrorCode::Other(_)), "{c}");
            assert_eq!(code.as_str(), c);
        }
    }

    #[test]
    fn not_an_error_body() {
        assert_eq!(RegistryErrors::parse(b"<html>502</html>"), None);
        assert_eq!(RegistryErrors::parse(b""), None);
        assert_eq!(RegistryErrors::parse(br#"{"detail":"x"}"#), None);
        assert_eq!(
            RegistryErrors::parse(br#"{"errors":[]}"#)
                .unwrap()
                .to_string(),
            "<nil>"
        );
    }
}
