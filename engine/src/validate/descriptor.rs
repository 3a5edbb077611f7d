//! Content descriptors (`descriptor.md`): the entries of an index, a manifest's `config` and
//! `layers`, every `subject`, and a bare descriptor document.
//!
//! - `mediaType` REQUIRED, RFC 6838 `type/subtype` with restricted names and no parameters
//!   (the schema's regex).
//! - `digest` REQUIRED, the descriptor grammar, and lower-case hex of the right length for the
//!   registered algorithms ([`Digest::parse`] says which rule is broken).
//! - `size` REQUIRED, an int64 that MUST NOT be negative.
//! - `urls` OPTIONAL, each an RFC 3986 URI; they SHOULD use http or https.
//! - `annotations` OPTIONAL, the annotation rules.
//! - `data` OPTIONAL, base64 (RFC 4648 §4) whose decoded bytes MUST be the referenced
//!   content: checked against `size` and `digest`.
//! - `artifactType` OPTIONAL, RFC 6838.
//! - `platform` is defined for index entries and SHOULD be on descriptors of image manifests;
//!   wherever it appears it is checked.

use base64::Engine as _;

use crate::digest::{Digest, VerifyError};
use crate::json::tree::{Member, Node, Value};
use crate::media_type as mt;

use super::context::{fields, span, Ctx, Seg};
use super::document::{is_integer_text, oci_only};
use super::platform::{self, PlatformInfo};
use super::{annotations, Flavor, Severity};

/// Where a descriptor sits, which decides its examples and a few rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// A bare descriptor document.
    Document,
    /// An entry of an index's `manifests`.
    Entry(Flavor),
    /// A manifest's `config`.
    Config(Flavor),
    /// An item of a manifest's `layers`.
    Layer(Flavor),
    /// A `subject`.
    Subject,
}

impl Place {
    fn noun(self) -> &'static str {
        match self {
            Place::Document => "the descriptor",
            Place::Entry(_) => "this manifests entry",
            Place::Config(_) => "config",
            Place::Layer(_) => "this layer",
            Place::Subject => "subject",
        }
    }

    /// A media type to show in messages as an example of what belongs here.
    fn example(self) -> &'static str {
        match self {
            Place::Entry(Flavor::Docker) => mt::DOCKER_MANIFEST,
            Place::Config(Flavor::Docker) => mt::DOCKER_CONFIG,
            Place::Config(Flavor::Oci) => mt::OCI_CONFIG,
            Place::Layer(Flavor::Docker) => mt::DOCKER_LAYER_GZIP,
            Place::Layer(Flavor::Oci) => mt::OCI_LAYER_GZIP,
            Place::Document | Place::Entry(Flavor::Oci) | Place::Subject => mt::OCI_MANIFEST,
        }
    }

    fn is_docker_entry(self) -> bool {
        self == Place::Entry(Flavor::Docker)
    }
}

/// What the callers need from a descriptor they checked.
pub(super) struct Info<'a> {
    /// The `mediaType` when it is a valid media type.
    pub media_type: Option<&'a str>,
    pub artifact_type: Option<&'a Member<'a>>,
    pub platform_field: Option<&'a Member<'a>>,
    /// The platform, when it has string `os` and `architecture`.
    pub platform: Option<PlatformInfo<'a>>,
}

const FIELDS: [&str; 8] = [
    "mediaType",
    "digest",
    "size",
    "urls",
    "annotations",
    "data",
    "artifactType",
    "platform",
];

/// A bare descriptor document.
pub(super) fn validate_document<'a>(ctx: &mut Ctx<'a>, root: &'a Node<'a>) {
    check(ctx, root, Place::Document);
}

/// Checks one descriptor at the current path. `None` when it is not an object.
pub(super) fn check<'a>(ctx: &mut Ctx<'a>, node: &'a Node<'a>, place: Place) -> Option<Info<'a>> {
    let Some(members) = node.members() else {
        ctx.error(
            span(node),
            format!(
                "{} is {}; expected a descriptor object with mediaType, digest and size",
                place.noun(),
                node.type_name()
            ),
        );
        return None;
    };
    let [media_type, digest, size, urls, annotations, data, artifact_type, platform] =
        fields(ctx, members, &FIELDS);

    let media_type = match media_type {
        Some(m) => media_type_value(ctx, m, place.example()),
        None => {
            ctx.report_field(
                "mediaType",
                Severity::Error,
                span(node),
                format!(
                    "mediaType is required in a descriptor; expected the media type of the \
                     referenced content, e.g. {:?}",
                    place.example()
                ),
            );
            None
        }
    };

    let digest = match digest {
        Some(m) => ctx.at(Seg::Key(&m.key), |ctx| {
            digest_value(ctx, &m.value, data.is_some())
        }),
        None => {
            ctx.report_field(
                "digest",
                Severity::Error,
                span(node),
                "digest is required in a descriptor; expected algorithm:hex, e.g. \
                 sha256:<64 lower-case hex digits>"
                    .to_string(),
            );
            None
        }
    };

    let size = match size {
        Some(m) => ctx.at(Seg::Key(&m.key), |ctx| size_value(ctx, &m.value)),
        None => {
            ctx.report_field(
                "size",
                Severity::Error,
                span(node),
                "size is required in a descriptor; expected the length of the referenced \
                 content in bytes"
                    .to_string(),
            );
            None
        }
    };

    let docker_entry = place.is_docker_entry();
    let where_ = "a Docker manifest list entry";
    if let Some(m) = urls {
        if docker_entry {
            oci_only(ctx, m, where_);
        } else {
            ctx.at(Seg::Key(&m.key), |ctx| urls_value(ctx, &m.value));
        }
    }
    if let Some(m) = annotations {
        if docker_entry {
            oci_only(ctx, m, where_);
        } else {
            ctx.at(Seg::Key(&m.key), |ctx| annotations::check(ctx, &m.value));
        }
    }
    if let Some(m) = data {
        if docker_entry {
            oci_only(ctx, m, where_);
        } else {
            ctx.at(Seg::Key(&m.key), |ctx| {
                data_value(ctx, &m.value, digest.as_ref(), size)
            });
        }
    }
    if let Some(m) = artifact_type {
        if docker_entry {
            oci_only(ctx, m, where_);
        } else {
            media_type_value(ctx, m, "application/vnd.example.sbom.v1+json");
        }
    }
    let platform_info = platform.and_then(|m| {
        let flavor = match place {
            Place::Entry(f) => f,
            _ => Flavor::Oci,
        };
        ctx.at(Seg::Key(&m.key), |ctx| {
            platform::check(ctx, &m.value, flavor)
        })
    });

    Some(Info {
        media_type,
        artifact_type,
        platform_field: platform,
        platform: platform_info,
    })
}

/// Checks a media type field (`mediaType`, `artifactType`) and returns it when valid.
pub(super) fn media_type_value<'a>(
    ctx: &mut Ctx<'a>,
    m: &'a Member<'a>,
    example: &str,
) -> Option<&'a str> {
    ctx.at(Seg::Key(&m.key), |ctx| {
        let v = &m.value;
        let Some(s) = v.as_str() else {
            ctx.error(
                span(v),
                format!(
                    "{} is {}; expected a media type string such as {example:?}",
                    m.key,
                    v.type_name()
                ),
            );
            return None;
        };
        match media_type_problem(s) {
            None => Some(s),
            Some(why) => {
                ctx.error(
                    span(v),
                    format!(
                        "{} {s:?} is not a valid media type: {why}; expected type/subtype as \
                         RFC 6838 restricts them, e.g. {example:?}",
                        m.key
                    ),
                );
                None
            }
        }
    })
}

/// Why `s` is not an RFC 6838 `type "/" subtype` with restricted names, as image-spec's
/// schema spells it (`[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}` on each side, no parameters).
fn media_type_problem(s: &str) -> Option<String> {
    if mt::is_valid(s) {
        return None;
    }
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.contains(';') {
        return Some("parameters (after ';') are not allowed".into());
    }
    let Some((t, sub)) = s.split_once('/') else {
        return Some("it has no '/'".into());
    };
    if sub.contains('/') {
        return Some("it has more than one '/'".into());
    }
    for (name, part) in [("type", t), ("subtype", sub)] {
        let Some(first) = part.chars().next() else {
            return Some(format!("the {name} is empty"));
        };
        if part.len() > 127 {
            return Some(format!("the {name} is longer than 127 characters"));
        }
        if !first.is_ascii_alphanumeric() {
            return Some(format!(
                "the {name} starts with {first:?}; it must start with a letter or digit"
            ));
        }
        if let Some(c) = part
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c)))
        {
            return Some(format!(
                "{c:?} is not allowed (only letters, digits and !#$&^_.+-)"
            ));
        }
    }
    Some("it does not follow RFC 6838".into())
}

/// Checks a `digest`; returns it parsed when it is valid and `wanted` (to verify `data`).
fn digest_value(ctx: &mut Ctx<'_>, v: &Node, wanted: bool) -> Option<Digest> {
    let Some(s) = v.as_str() else {
        ctx.error(
            span(v),
            format!(
                "digest is {}; expected a string such as sha256:<64 lower-case hex digits>",
                v.type_name()
            ),
        );
        return None;
    };
    // Nearly every digest is a well-formed sha256; it needs no parse (nor its allocation)
    // unless `data` is to be verified against it.
    if !wanted && is_plain_sha256(s) {
        return None;
    }
    match Digest::parse(s) {
        Ok(d) => Some(d),
        Err(e) => {
            ctx.error(span(v), e.to_string());
            None
        }
    }
}

/// `sha256:` and 64 lower-case hex digits: a digest [`Digest::parse`] accepts.
fn is_plain_sha256(s: &str) -> bool {
    s.len() == 71
        && s.starts_with("sha256:")
        && s.as_bytes()[7..]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The largest `size`: descriptors are int64.
const MAX_SIZE: u64 = i64::MAX as u64;
/// Beyond this, readers that hold JSON numbers as doubles (JavaScript) lose precision.
const MAX_EXACT_DOUBLE: u64 = 1 << 53;

/// Why a number's text is not a valid `size`.
enum SizeError {
    NotInteger,
    Negative,
    TooLarge,
}

/// `size` from a JSON number's text: an integer in 0 ..= 2^63-1. `-0` is 0, as in Go.
fn parse_size(n: &str) -> Result<u64, SizeError> {
    if !is_integer_text(n) {
        return Err(SizeError::NotInteger);
    }
    if let Some(rest) = n.strip_prefix('-') {
        return if rest.bytes().all(|b| b == b'0') {
            Ok(0)
        } else {
            Err(SizeError::Negative)
        };
    }
    match n.parse::<u64>() {
        Ok(v) if v <= MAX_SIZE => Ok(v),
        _ => Err(SizeError::TooLarge),
    }
}

/// The size as read for [`super::Entry`]: 0 when it is not a valid size.
pub(super) fn read_size(node: Option<&Node>) -> u64 {
    node.and_then(Node::as_number)
        .and_then(|n| parse_size(n).ok())
        .unwrap_or(0)
}

fn size_value(ctx: &mut Ctx<'_>, v: &Node) -> Option<u64> {
    let message = match &v.value {
        Value::Number(n) => match parse_size(n) {
            Ok(size) => {
                if size > MAX_EXACT_DOUBLE {
                    ctx.warn(
                        span(v),
                        format!(
                            "size is {n}, above 2^53; readers that hold JSON numbers as doubles \
                             (JavaScript) cannot represent it exactly"
                        ),
                    );
                }
                return Some(size);
            }
            Err(SizeError::NotInteger) => format!(
                "size is {n}; expected a non-negative integer without a fraction or exponent"
            ),
            Err(SizeError::Negative) => format!("size is {n}; expected a non-negative integer"),
            Err(SizeError::TooLarge) => format!(
                "size is {n}; expected at most 9223372036854775807 (2^63-1), as size is an int64"
            ),
        },
        Value::String(s) => {
            format!("size is a string ({s:?}); expected a non-negative integer, unquoted")
        }
        _ => format!("size is {}; expected a non-negative integer", v.type_name()),
    };
    ctx.error(span(v), message);
    None
}

fn urls_value<'a>(ctx: &mut Ctx<'a>, v: &'a Node<'a>) {
    let Some(items) = v.as_array() else {
        ctx.error(
            span(v),
            format!(
                "urls is {}; expected an array of URL strings",
                v.type_name()
            ),
        );
        return;
    };
    for (i, item) in items.iter().enumerate() {
        ctx.at(Seg::Index(i), |ctx| match item.as_str() {
            None => ctx.error(
                span(item),
                format!("urls[{i}] is {}; expected a URL string", item.type_name()),
            ),
            Some(s) => {
                if let Some((severity, message)) = uri_problem(s) {
                    ctx.report(severity, span(item), format!("urls[{i}] {message}"));
                }
            }
        });
    }
}

/// A basic RFC 3986 check of an absolute URI: the scheme, the allowed characters and
/// percent-encodings, at most one `#`, brackets only in the authority. Schemes other than
/// http and https, and http(s) URLs without a host, are warnings (descriptor.md: SHOULD).
fn uri_problem(s: &str) -> Option<(Severity, String)> {
    const EXPECTED: &str = "expected an absolute URI such as \"https://example.com/blob\"";
    if s.is_empty() {
        return Some((Severity::Error, format!("is empty; {EXPECTED}")));
    }
    let scheme = match s.split_once(':') {
        Some((scheme, _))
            if scheme
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            scheme
        }
        _ => {
            return Some((
                Severity::Error,
                format!("{s:?} is not an absolute URI (RFC 3986): it has no scheme; {EXPECTED}"),
            ))
        }
    };
    let rest = &s[scheme.len() + 1..];
    // The authority, where brackets may hold an IP literal.
    let authority = rest.strip_prefix("//").map(|a| {
        let end = a.find(['/', '?', '#']).unwrap_or(a.len());
        &a[..end]
    });
    let authority_range = authority.map(|a| {
        let start = scheme.len() + 3;
        start..start + a.len()
    });
    let bytes = s.as_bytes();
    let mut hashes = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ok = match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return Some((
                        Severity::Error,
                        format!(
                            "{s:?} is not a valid URI (RFC 3986): '%' at position {i} is not \
                             followed by two hex digits"
                        ),
                    ));
                }
                i += 3;
                continue;
            }
            b'#' => {
                hashes += 1;
                hashes == 1
            }
            b'[' | b']' => authority_range.as_ref().is_some_and(|r| r.contains(&i)),
            b if b.is_ascii_alphanumeric() => true,
            b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'@' => true,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
            _ => false,
        };
        if !ok {
            let c = s[i..].chars().next().unwrap_or('?');
            return Some((
                Severity::Error,
                format!(
                    "{s:?} is not a valid URI (RFC 3986): {c:?} at position {i} is not allowed \
                     there; percent-encode it"
                ),
            ));
        }
        i += 1;
    }
    let lower = scheme.to_ascii_lowercase();
    if lower != "http" && lower != "https" {
        return Some((
            Severity::Warning,
            format!("{s:?} uses the {scheme:?} scheme; descriptor URLs SHOULD use http or https"),
        ));
    }
    let host = authority.map(|a| {
        let a = a.rsplit_once('@').map_or(a, |(_, h)| h);
        if a.starts_with('[') {
            a
        } else {
            a.split(':').next().unwrap_or("")
        }
    });
    if host.is_none_or(str::is_empty) {
        return Some((
            Severity::Warning,
            format!("{s:?} has no host; expected {scheme}://host/path"),
        ));
    }
    None
}

/// `data`: standard base64 with padding; the decoded bytes must have `size` bytes and hash to
/// `digest`. Both are checked and both reported, so a wrong `size` beside a matching digest is
/// told apart from wrong data.
fn data_value(ctx: &mut Ctx<'_>, v: &Node, digest: Option<&Digest>, size: Option<u64>) {
    let Some(s) = v.as_str() else {
        ctx.error(
            span(v),
            format!("data is {}; expected a base64 string", v.type_name()),
        );
        return;
    };
    let bytes = match base64::engine::general_purpose::STANDARD.decode(s) {
        Ok(bytes) => bytes,
        Err(e) => {
            let detail = if s.contains(['-', '_']) {
                "it uses the URL-safe alphabet ('-' and '_') instead of '+' and '/'".to_string()
            } else if s.len() % 4 != 0 {
                format!(
                    "its length {} is not a multiple of 4, so the '=' padding is missing",
                    s.len()
                )
            } else {
                e.to_string()
            };
            ctx.error(
                span(v),
                format!(
                    "data is not valid base64 (RFC 4648 §4, standard alphabet with padding): \
                     {detail}"
                ),
            );
            return;
        }
    };
    if let Some(size) = size {
        if bytes.len() as u64 != size {
            ctx.error(
                span(v),
                format!(
                    "data decodes to {} bytes but size is {size}; the embedded data must be \
                     exactly the referenced content",
                    bytes.len()
                ),
            );
        }
    }
    if let Some(d) = digest {
        match d.verify(&bytes) {
            Ok(()) => {}
            Err(VerifyError::Mismatch { computed, .. }) => ctx.error(
                span(v),
                format!(
                    "data does not match digest: the decoded data hashes to {computed}, but \
                     digest is {d}"
                ),
            ),
            Err(VerifyError::Unverifiable(a)) => ctx.warn(
                span(v),
                format!(
                    "data cannot be checked against digest: algorithm {a:?} is not registered \
                     (sha256, sha512, blake3), so it cannot be computed"
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sha256_shortcut_accepts_only_what_parse_accepts() {
        let good = Digest::sha256(b"x").to_string();
        assert!(is_plain_sha256(&good) && Digest::parse(&good).is_ok());
        for bad in [
            good.to_uppercase(),
            good.replace("sha256", "sha512"),
            format!("{good}0"),
            good[..70].to_string(),
            format!("sha256:g{}", &good[8..]),
        ] {
            assert!(!is_plain_sha256(&bad), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert!(matches!(parse_size("0"), Ok(0)));
        assert!(matches!(parse_size("-0"), Ok(0)));
        assert!(matches!(parse_size("9223372036854775807"), Ok(v) if v == i64::MAX as u64));
        assert!(matches!(
            parse_size("9223372036854775808"),
            Err(SizeError::TooLarge)
        ));
        assert!(matches!(
            parse_size("99999999999999999999999"),
            Err(SizeError::TooLarge)
        ));
        assert!(matches!(parse_size("-1"), Err(SizeError::Negative)));
        assert!(matches!(parse_size("1.0"), Err(SizeError::NotInteger)));
        assert!(matches!(parse_size("1e3"), Err(SizeError::NotInteger)));
    }

    #[test]
    fn media_type_reasons() {
        assert_eq!(media_type_problem(mt::OCI_INDEX), None);
        for (bad, why) in [
            ("", "empty"),
            ("application/json; charset=utf-8", "parameters"),
            ("application", "no '/'"),
            ("a/b/c", "more than one"),
            ("/json", "type is empty"),
            ("application/", "subtype is empty"),
            ("-a/b", "starts with '-'"),
            ("app lication/json", "' ' is not allowed"),
        ] {
            let got = media_type_problem(bad).unwrap();
            assert!(got.contains(why), "{bad}: {got}");
        }
        let long = format!("application/{}", "a".repeat(128));
        assert!(media_type_problem(&long).unwrap().contains("127"));
    }

    #[test]
    fn uris() {
        for ok in [
            "https://example.com/blob",
            "http://user@[::1]:5000/v2/x?y=1#frag",
            "https://example.com/a%20b",
        ] {
            assert_eq!(uri_problem(ok), None, "{ok}");
        }
        let sev = |s: &str| uri_problem(s).map(|(sev, _)| sev);
        assert_eq!(sev("ftp://example.com/x"), Some(Severity::Warning));
        assert_eq!(sev("s3:bucket/key"), Some(Severity::Warning));
        assert_eq!(sev("https:/no-host"), Some(Severity::Warning));
        assert_eq!(sev("https://"), Some(Severity::Warning));
        assert_eq!(sev("example.com/x"), Some(Severity::Error));
        assert_eq!(sev("/relative"), Some(Severity::Error));
        assert_eq!(sev("1http://x"), Some(Severity::Error));
        assert_eq!(sev("https://exa mple.com"), Some(Severity::Error));
        assert_eq!(sev("https://example.com/%zz"), Some(Severity::Error));
        assert_eq!(sev("https://example.com/%"), Some(Severity::Error));
        assert_eq!(sev("https://example.com/a#b#c"), Some(Severity::Error));
        assert_eq!(sev("https://example.com/[x]"), Some(Severity::Error));
        assert_eq!(sev("https://example.com/é"), Some(Severity::Error));
        assert_eq!(sev(""), Some(Severity::Error));
    }
}
