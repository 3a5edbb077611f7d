//! Image references, read the way docker 28.2.2 reads them.
//!
//! Every `docker manifest` sub-command passes its arguments through distribution/reference
//! v0.6.0 (`ParseNormalizedNamed`, then `TagNameOnly`) with go-digest v1.0.0 checking digests.
//! The normalised string names local store entries, picks the registry and the credential
//! key, and shows up in every message, so a drop-in must agree with docker character for
//! character, quirks included:
//!
//! * `alpine` is `docker.io/library/alpine`, `docker.io/alpine` and `index.docker.io/alpine`
//!   are too, but `docker.io/a/b` keeps its path.
//! * The first component is a registry host only when it holds `.` or `:`, is `localhost`, or
//!   has upper-case letters, and only when another `/` follows: `localhost:5000` alone is the
//!   Hub image `library/localhost` with tag `5000`.
//! * A first component that docker takes for a host but that is no valid host, while still a
//!   valid path component (`foo.bar_baz/x`), leaves the reference with an *empty* domain.
//! * Only the repository path counts towards the 255-character limit, not the domain.
//! * Upper case is reported by two different checks with two different messages, and the
//!   first one looks at everything before the first `:` of the remainder, which for a digest
//!   without a tag includes `@sha256`.
//! * Only sha256, sha384 and sha512 digests are accepted: go-digest knows no other.
//!
//! The grammar is hand-written (the engine takes no regex crate), which also lets every
//! "invalid reference format" say which part is wrong ([`FormatProblem`]), something docker
//! never does.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;
use crate::registry::host;

/// The domain familiar Hub names are expanded with.
const DEFAULT_DOMAIN: &str = host::DOCKER_HUB_DOMAIN;
/// The Hub's old name, still accepted and folded into `docker.io`.
const LEGACY_DEFAULT_DOMAIN: &str = host::DOCKER_HUB_LEGACY_DOMAIN;
/// The Hub namespace of official images, implied by single-component Hub names.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag docker adds when a reference names neither a tag nor a digest.
const DEFAULT_TAG: &str = "latest";

/// distribution's `RepositoryNameTotalLengthMax`; v0.6.0 applies it to the path alone.
pub const REPOSITORY_NAME_TOTAL_LENGTH_MAX: usize = 255;
/// The longest tag the grammar allows (`[\w][\w.-]{0,127}`).
pub const TAG_LENGTH_MAX: usize = 128;

/// A normalised image reference: `domain/path[:tag][@digest]`.
///
/// `domain` is empty only for docker's odd case of a first component that is taken for a
/// host but is not one (see the module documentation); `path` is never empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

/// Why a string is not a reference. `Display` is docker's exact message, so output can match
/// docker's; [`ReferenceError::detail`] and [`ReferenceError::hint`] say what is wrong and what
/// to do, which docker's messages often do not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceError {
    /// distribution's `ErrReferenceInvalidFormat`: the string does not fit the grammar.
    InvalidFormat(FormatProblem),
    /// `ParseNormalizedNamed`'s own check: the repository part (everything up to the first
    /// `:` after the domain, as docker cuts it) has upper-case letters.
    RepositoryNotLowercase { remote: String },
    /// distribution's `ErrNameContainsUppercase`: invalid as given, valid in lower case. It
    /// comes from an upper-case first component that is no valid host.
    NameContainsUppercase { input: String },
    /// A bare 64-digit hex string, which docker reserves for image IDs.
    HexIdentifier { input: String },
    /// distribution's `ErrNameTooLong`; `length` is the repository path's length.
    NameTooLong { length: usize },
    /// distribution's `ErrTagInvalidFormat`, from [`Reference::with_tag`].
    TagInvalidFormat { tag: String },
    /// go-digest's `ErrDigestInvalidFormat`: upper-case hex or an upper-case algorithm.
    DigestInvalidFormat { digest: String },
    /// go-digest's `ErrDigestUnsupported`: an algorithm other than sha256, sha384, sha512.
    DigestUnsupported { algorithm: String },
    /// go-digest's `ErrDigestInvalidLength`: the hex is not the algorithm's length.
    DigestInvalidLength {
        algorithm: String,
        expected: usize,
        found: usize,
    },
}

/// Which part of a reference broke the grammar. docker reports all of these as
/// `invalid reference format`; keeping the part lets a caller point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatProblem {
    /// Nothing was given.
    Empty,
    /// The repository path (as normalised, e.g. `library/` for `:tag`) has an empty component.
    EmptyPathComponent { path: String },
    /// A path component outside `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    InvalidPathComponent { component: String },
    /// A first component that can only be a registry host (it has `:`, brackets or upper
    /// case) but is not a valid `host[:port]`.
    InvalidDomain { domain: String },
    /// The text after the tag's `:` is not `[\w][\w.-]*`.
    InvalidTag { tag: String },
    /// A tag that fits the pattern but is longer than [`TAG_LENGTH_MAX`].
    TagTooLong { length: usize },
    /// The text after `@` is not `algorithm:hex` with at least 32 hex digits.
    InvalidDigest { digest: String },
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::InvalidFormat(_) => f.write_str("invalid reference format"),
            ReferenceError::RepositoryNotLowercase { remote } => write!(
                f,
                "invalid reference format: repository name ({remote}) must be lowercase"
            ),
            ReferenceError::NameContainsUppercase { .. } => {
                f.write_str("repository name must be lowercase")
            }
            ReferenceError::HexIdentifier { input } => write!(
                f,
                "invalid repository name ({input}), cannot specify 64-byte hexadecimal strings"
            ),
            ReferenceError::NameTooLong { .. } => write!(
                f,
                "repository name must not be more than {REPOSITORY_NAME_TOTAL_LENGTH_MAX} characters"
            ),
            ReferenceError::TagInvalidFormat { .. } => f.write_str("invalid tag format"),
            ReferenceError::DigestInvalidFormat { .. } => {
                f.write_str("invalid checksum digest format")
            }
            ReferenceError::DigestUnsupported { .. } => f.write_str("unsupported digest algorithm"),
            ReferenceError::DigestInvalidLength { .. } => {
                f.write_str("invalid checksum digest length")
            }
        }
    }
}

impl std::error::Error for ReferenceError {}

const TAG_HINT: &str = "tags may hold letters, digits, '_', '.' and '-', at most 128 characters, not starting with '.' or '-'";
const LOWERCASE_HINT: &str = "repository names must be lower-case";

impl ReferenceError {
    /// A short "what to do" for this mistake.
    pub fn hint(&self) -> &'static str {
        match self {
            ReferenceError::InvalidFormat(p) => p.hint(),
            ReferenceError::RepositoryNotLowercase { .. } => LOWERCASE_HINT,
            ReferenceError::NameContainsUppercase { .. } => {
                "repository names must be lower-case; only a registry host (a first component with '.' or ':') and the tag may hold upper case"
            }
            ReferenceError::HexIdentifier { .. } => {
                "a bare 64-digit hex string reads as an image ID; add a namespace or registry (e.g. docker.io/library/<hex>) to use it as a name"
            }
            ReferenceError::NameTooLong { .. } => {
                "shorten the repository path (everything after the registry host) to at most 255 characters"
            }
            ReferenceError::TagInvalidFormat { .. } => TAG_HINT,
            ReferenceError::DigestInvalidFormat { .. } => {
                "write the digest in lower case: sha256: followed by 64 hex digits (sha384: 96, sha512: 128)"
            }
            ReferenceError::DigestUnsupported { .. } => {
                "docker accepts only sha256, sha384 and sha512 digests in references"
            }
            ReferenceError::DigestInvalidLength { .. } => {
                "copy the whole digest: sha256 has 64 hex digits, sha384 96 and sha512 128"
            }
        }
    }

    /// A precise sentence naming the offending part, for messages that go beyond docker's.
    pub fn detail(&self) -> String {
        match self {
            ReferenceError::InvalidFormat(p) => p.to_string(),
            ReferenceError::RepositoryNotLowercase { remote } => match first_upper(remote) {
                Some(c) => format!("repository name {remote:?} holds the upper-case {c:?}"),
                None => format!("repository name {remote:?} holds upper-case letters"),
            },
            ReferenceError::NameContainsUppercase { input } => format!(
                "{input:?} is not a valid reference but would be in lower case; usually its first component is not a valid registry host, so it is read as part of the repository name, which must be lower-case"
            ),
            ReferenceError::HexIdentifier { input } => {
                format!("{input:?} is 64 hex digits, which docker reserves for image IDs")
            }
            ReferenceError::NameTooLong { length } => format!(
                "the repository path is {length} characters long; the limit is {REPOSITORY_NAME_TOTAL_LENGTH_MAX}"
            ),
            ReferenceError::TagInvalidFormat { tag } => tag_fault(tag),
            ReferenceError::DigestInvalidFormat { digest } => format!(
                "digest {digest:?} must use a lower-case algorithm name and lower-case hex"
            ),
            ReferenceError::DigestUnsupported { algorithm } => format!(
                "digest algorithm {algorithm:?} is not one docker accepts (sha256, sha384, sha512)"
            ),
            ReferenceError::DigestInvalidLength {
                algorithm,
                expected,
                found,
            } => format!("{algorithm} digest has {found} hex digits; expected {expected}"),
        }
    }
}

impl FormatProblem {
    /// A short "what to do" for this part.
    pub fn hint(&self) -> &'static str {
        match self {
            FormatProblem::Empty => {
                "give an image reference such as alpine, user/app:tag or registry.example.com:5000/team/app:tag"
            }
            FormatProblem::EmptyPathComponent { .. } => {
                "remove the leading, trailing or doubled '/' (and give a name before ':' or '@')"
            }
            FormatProblem::InvalidPathComponent { .. } => {
                "path components hold lower-case letters and digits, joined by '.', '_', '__' or dashes, and cannot start or end with one of those"
            }
            FormatProblem::InvalidDomain { .. } => {
                "a registry host is a DNS name, an IPv4 address or a bracketed IPv6 address, optionally followed by ':' and a numeric port"
            }
            FormatProblem::InvalidTag { .. } | FormatProblem::TagTooLong { .. } => TAG_HINT,
            FormatProblem::InvalidDigest { .. } => {
                "write the digest as algorithm:hex, e.g. sha256: followed by 64 lower-case hex digits"
            }
        }
    }
}

impl fmt::Display for FormatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatProblem::Empty => f.write_str("the reference is empty"),
            FormatProblem::EmptyPathComponent { path } => write!(
                f,
                "repository path {path:?} has an empty component: a '/' at the start or end, two '/' in a row, or nothing before ':' or '@'"
            ),
            FormatProblem::InvalidPathComponent { component } => {
                f.write_str(&component_fault(component))
            }
            FormatProblem::InvalidDomain { domain } => write!(
                f,
                "{domain:?} is taken for a registry host but is not a valid host[:port]"
            ),
            FormatProblem::InvalidTag { tag } => f.write_str(&tag_fault(tag)),
            FormatProblem::TagTooLong { length } => write!(
                f,
                "the tag is {length} characters long; the limit is {TAG_LENGTH_MAX}"
            ),
            FormatProblem::InvalidDigest { digest } => write!(
                f,
                "{digest:?} is not a digest: expected algorithm:hex with at least 32 hex digits"
            ),
        }
    }
}

fn first_upper(s: &str) -> Option<char> {
    s.chars().find(|&c| go_lower_char(c) != c)
}

fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn tag_fault(tag: &str) -> String {
    match tag.chars().next() {
        None => "the tag after ':' is empty".to_string(),
        Some(c) if !(c.is_ascii_alphanumeric() || c == '_') => {
            format!("tag {tag:?} starts with {c:?}; a tag starts with a letter, digit or '_'")
        }
        Some(_) => match tag.chars().find(|&c| !is_tag_char(c)) {
            Some(':') => format!(
                "tag {tag:?} holds a second ':'; only a registry host before the first '/' may have a ':port'"
            ),
            Some(c) => format!("tag {tag:?} holds {c:?}, which tags cannot contain"),
            None => format!(
                "the tag is {} characters long; the limit is {TAG_LENGTH_MAX}",
                tag.len()
            ),
        },
    }
}

fn component_fault(component: &str) -> String {
    if let Some(c) = first_upper(component) {
        return format!("path component {component:?} holds the upper-case {c:?}");
    }
    let (Some(first), Some(last)) = (component.chars().next(), component.chars().last()) else {
        return "a path component is empty".to_string();
    };
    if let Some(c) = component
        .chars()
        .find(|&c| !(is_path_alnum(c) || matches!(c, '.' | '_' | '-')))
    {
        return format!(
            "path component {component:?} holds {c:?}, which repository names cannot contain"
        );
    }
    if !is_path_alnum(first) || !is_path_alnum(last) {
        return format!(
            "path component {component:?} starts or ends with a separator ('.', '_' or '-')"
        );
    }
    format!(
        "path component {component:?} joins parts with something other than one '.', one or two '_', or dashes"
    )
}

fn is_path_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Go's `unicode.ToLower` for one rune. Rust's full mapping differs only for U+0130, which
/// Go maps to a plain `i` (and which therefore can turn into valid ASCII, as U+212A does).
fn go_lower_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `strings.ToLower`, which docker's upper-case checks compare against.
fn go_to_lower(s: &str) -> String {
    s.chars().map(go_lower_char).collect()
}

fn has_upper(s: &str) -> bool {
    first_upper(s).is_some()
}

/// `[\w][\w.-]{0,127}`, the tag grammar docker has used since 1.6.
pub fn is_valid_tag(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= TAG_LENGTH_MAX
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-'))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        if !(sep == b"." || sep == b"_" || sep == b"__" || sep.iter().all(|&x| x == b'-')) {
            return false;
        }
    }
    true
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
}

/// `host(:[0-9]+)?` where host is dot-joined domain components or `\[[a-fA-F0-9:]+\]`.
fn is_domain(s: &str) -> bool {
    let port = if let Some(rest) = s.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return false;
        };
        let inner = &rest[..end];
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        &rest[end + 1..]
    } else {
        let (host, port) = s.split_at(s.find(':').unwrap_or(s.len()));
        if host.is_empty() || !host.split('.').all(is_domain_component) {
            return false;
        }
        port
    };
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`: distribution's own
/// digest grammar, looser in case and stricter in length than go-digest's.
fn is_reference_digest(s: &str) -> bool {
    let Some((alg, hex)) = s.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|c| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(|x| x.is_ascii_alphanumeric())
    });
    alg_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The captures of distribution's anchored reference pattern.
struct Parts<'a> {
    domain: Option<&'a str>,
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// distribution's `referenceRegexp` with its capture choices, or the first part that breaks it.
///
/// The split is forced by the grammar: only a digest follows `@`; a tag follows the first `:`
/// after the last `/`; the domain is the first component when it is a valid host, since the
/// pattern prefers taking it as one, and otherwise the whole name is the path.
fn match_reference(s: &str) -> Result<Parts<'_>, FormatProblem> {
    if s.is_empty() {
        return Err(FormatProblem::Empty);
    }
    let (left, digest) = match s.split_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (s, None),
    };
    let tail = left.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match left[tail..].find(':') {
        Some(i) => (&left[..tail + i], Some(&left[tail + i + 1..])),
        None => (left, None),
    };
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if is_domain(first) => (Some(first), rest),
        Some((first, _)) if !is_path_component(first) && looks_like_host(first) => {
            return Err(FormatProblem::InvalidDomain {
                domain: first.to_string(),
            });
        }
        _ => (None, name),
    };
    for component in path.split('/') {
        if component.is_empty() {
            return Err(FormatProblem::EmptyPathComponent {
                path: path.to_string(),
            });
        }
        if !is_path_component(component) {
            return Err(FormatProblem::InvalidPathComponent {
                component: component.to_string(),
            });
        }
    }
    if let Some(tag) = tag {
        if !is_valid_tag(tag) {
            return Err(
                if tag.len() > TAG_LENGTH_MAX && tag.chars().all(is_tag_char) {
                    FormatProblem::TagTooLong { length: tag.len() }
                } else {
                    FormatProblem::InvalidTag {
                        tag: tag.to_string(),
                    }
                },
            );
        }
    }
    if let Some(d) = digest {
        if !is_reference_digest(d) {
            return Err(FormatProblem::InvalidDigest {
                digest: d.to_string(),
            });
        }
    }
    Ok(Parts {
        domain,
        path,
        tag,
        digest,
    })
}

/// Whether a bad first component should be blamed as a host rather than as a path component:
/// it has something only hosts may have. A '.' alone also makes docker take it for a host,
/// but `dock..er/x` reads better as a broken namespace than as a broken host.
fn looks_like_host(s: &str) -> bool {
    s.contains([':', '[', ']']) || has_upper(s)
}

/// go-digest's `Digest.Validate` with the algorithms docker registers.
fn validate_digest(d: &str) -> Result<Digest, ReferenceError> {
    let invalid = || ReferenceError::DigestInvalidFormat {
        digest: d.to_string(),
    };
    let (alg, hex) = d.split_once(':').ok_or_else(invalid)?;
    let expected = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ if alg.bytes().any(|b| b.is_ascii_uppercase()) => return Err(invalid()),
        _ => {
            return Err(ReferenceError::DigestUnsupported {
                algorithm: alg.to_string(),
            })
        }
    };
    if hex.len() != expected {
        return Err(ReferenceError::DigestInvalidLength {
            algorithm: alg.to_string(),
            expected,
            found: hex.len(),
        });
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(invalid());
    }
    Digest::parse(d).map_err(|_| invalid())
}

/// distribution's `Parse` on an already domain-prefixed string.
fn parse_any(s: &str, input: &str) -> Result<Reference, ReferenceError> {
    let parts = match match_reference(s) {
        Ok(parts) => parts,
        Err(problem) => {
            let lower = go_to_lower(s);
            if lower != s && match_reference(&lower).is_ok() {
                return Err(ReferenceError::NameContainsUppercase {
                    input: input.to_string(),
                });
            }
            return Err(ReferenceError::InvalidFormat(problem));
        }
    };
    if parts.path.len() > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong {
            length: parts.path.len(),
        });
    }
    let digest = parts.digest.map(validate_digest).transpose()?;
    Ok(Reference {
        domain: parts.domain.unwrap_or("").to_string(),
        path: parts.path.to_string(),
        tag: parts.tag.map(str::to_string),
        digest,
    })
}

/// docker's test for a name's first component being a registry host (`splitDockerDomain`): it
/// holds `.` or `:`, is `localhost`, or has an upper-case letter (Unicode upper case, as Go's
/// `strings.ToLower` sees it).
pub fn is_registry_component(first: &str) -> bool {
    first == "localhost" || first.contains(['.', ':']) || has_upper(first)
}

/// True when `raw` names its registry: a first component, followed by `/`, that
/// [`is_registry_component`] takes for a host. `alpine` and `user/app` do not; `localhost/app`,
/// `127.0.0.1:5000/app` and `Registry/app` do.
pub fn names_registry(raw: &str) -> bool {
    raw.split_once('/')
        .is_some_and(|(first, _)| is_registry_component(first))
}

/// distribution's `splitDockerDomain`, applied (as docker does) to the whole input, tag and
/// digest included.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if is_registry_component(maybe_domain) {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"))
    } else {
        (domain, remote.to_string())
    }
}

/// `[a-f0-9]{64}`: an image ID, which docker refuses to read as a name.
fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Reference {
    /// docker's ParseNormalizedNamed: "alpine" -> docker.io/library/alpine, "user/app" -> docker.io/user/app,
    /// "localhost:5000/x" keeps its domain; tag and digest kept as given; no default tag added.
    pub fn parse_normalized(s: &str) -> Result<Reference, ReferenceError> {
        if s.is_empty() {
            // docker reaches the same message by parsing "docker.io/library/".
            return Err(ReferenceError::InvalidFormat(FormatProblem::Empty));
        }
        if is_identifier(s) {
            return Err(ReferenceError::HexIdentifier {
                input: s.to_string(),
            });
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = remainder.split(':').next().unwrap_or("");
        if has_upper(remote) {
            return Err(ReferenceError::RepositoryNotLowercase {
                remote: remote.to_string(),
            });
        }
        parse_any(&format!("{domain}/{remainder}"), s)
    }

    /// What every docker manifest sub-command does (normalizeReference): parse_normalized, then add
    /// ":latest" when there is neither a tag nor a digest (TagNameOnly).
    pub fn parse_docker(s: &str) -> Result<Reference, ReferenceError> {
        let mut r = Reference::parse_normalized(s)?;
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some(DEFAULT_TAG.to_string());
        }
        Ok(r)
    }

    /// `docker.io`, `127.0.0.1:5000`, `localhost`, `[::1]:5000`: the host with its port.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path within the registry, e.g. `library/alpine`.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// `domain/path`, the repository without tag or digest.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// Replaces the tag and keeps the digest, as distribution's `WithTag` does.
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        if !is_valid_tag(tag) {
            return Err(ReferenceError::TagInvalidFormat {
                tag: tag.to_string(),
            });
        }
        Ok(Reference {
            tag: Some(tag.to_string()),
            ..self.clone()
        })
    }

    /// Replaces the digest and keeps the tag. Any digest is taken; one docker would refuse
    /// in a reference (blake3, say) makes a reference whose string docker cannot parse.
    pub fn with_digest(&self, d: Digest) -> Reference {
        Reference {
            digest: Some(d),
            ..self.clone()
        }
    }

    pub fn without_tag_or_digest(&self) -> Reference {
        Reference {
            tag: None,
            digest: None,
            ..self.clone()
        }
    }

    /// docker's `FamiliarString`: the form docker shows users, without `docker.io/` and
    /// `library/`. Like docker's, it does not always parse back to the same reference
    /// (`docker.io/a.b/c` shows as `a.b/c`, which names host `a.b`).
    pub fn familiar(&self) -> String {
        let mut out = if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        };
        self.push_suffix(&mut out);
        out
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(t) = &self.tag {
            out.push(':');
            out.push_str(t);
        }
        if let Some(d) = &self.digest {
            out.push('@');
            out.push_str(d.as_str());
        }
    }

    /// The host to send HTTP requests to: "registry-1.docker.io" for docker.io / index.docker.io, else domain().
    pub fn registry_host(&self) -> &str {
        host::registry_host(&self.domain)
    }

    /// The key docker's config.json uses: `https://index.docker.io/v1/` for Docker Hub, else `domain()`.
    pub fn credential_key(&self) -> String {
        host::credential_key(&self.domain)
    }

    /// True when the domain names this machine: the one loopback rule,
    /// [`crate::registry::host::is_loopback`].
    pub fn is_loopback(&self) -> bool {
        host::is_loopback(&self.domain)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, ReferenceError> {
        Reference::parse_docker(s)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads with `parse_normalized`, not `parse_docker`, so that a stored tag-less reference
/// comes back as it was written instead of gaining `:latest`.
impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Reference::parse_normalized(&s).map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid image reference {s:?}: {e} ({})",
                e.detail()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX: &str = "e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";
    const INVALID: &str = "invalid reference format";

    enum Want {
        /// Display after `parse_docker`, then `familiar()`.
        Ok(String, String),
        Err(String),
    }

    fn ok(display: &str, familiar: &str) -> Want {
        Want::Ok(display.to_string(), familiar.to_string())
    }

    fn same(display: &str) -> Want {
        ok(display, display)
    }

    fn err(message: &str) -> Want {
        Want::Err(message.to_string())
    }

    /// Behaviour of docker 28.2.2 (`docker manifest`'s normalizeReference), drawn from
    /// distribution/reference's test tables and the research notes.
    fn table() -> Vec<(String, Want)> {
        let sha = format!("sha256:{HEX}");
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let sha384 = format!("sha384:{}", "0".repeat(96));
        let long_tag = "x".repeat(128);
        let too_long_tag = "x".repeat(129);
        let a255 = "a".repeat(255);
        let id = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
        let lowercase_only = "repository name must be lowercase";
        let too_long = "repository name must not be more than 255 characters";
        let s = |x: &str| x.to_string();
        vec![
            // Hub names gain docker.io/, single components library/, and a default tag.
            (s("foo"), ok("docker.io/library/foo:latest", "foo:latest")),
            (s("user/app"), ok("docker.io/user/app:latest", "user/app:latest")),
            (s("127.0.0.1:5000/t/dig"), same("127.0.0.1:5000/t/dig:latest")),
            (
                format!("repo@{sha}"),
                ok(&format!("docker.io/library/repo@{sha}"), &format!("repo@{sha}")),
            ),
            (
                format!("repo:tag@{sha}"),
                ok(
                    &format!("docker.io/library/repo:tag@{sha}"),
                    &format!("repo:tag@{sha}"),
                ),
            ),
            (s("localhost/foo"), same("localhost/foo:latest")),
            (s("localhost:5000/foo:bar"), same("localhost:5000/foo:bar")),
            (s("[::1]:5000/foo"), same("[::1]:5000/foo:latest")),
            (s("index.docker.io/foo"), ok("docker.io/library/foo:latest", "foo:latest")),
            (s("index.docker.io/user/app:v1"), ok("docker.io/user/app:v1", "user/app:v1")),
            (s("docker.io/foo"), ok("docker.io/library/foo:latest", "foo:latest")),
            (
                s("docker.io/library/foo/bar"),
                ok("docker.io/library/foo/bar:latest", "library/foo/bar:latest"),
            ),
            (s("library/busybox:1.36"), ok("docker.io/library/busybox:1.36", "busybox:1.36")),
            (
                s("ubuntu-12.04-base"),
                ok("docker.io/library/ubuntu-12.04-base:latest", "ubuntu-12.04-base:latest"),
            ),
            (
                s("docker---rules/dock__er"),
                ok("docker.io/docker---rules/dock__er:latest", "docker---rules/dock__er:latest"),
            ),
            (s("test_com/foo"), ok("docker.io/test_com/foo:latest", "test_com/foo:latest")),
            // An upper-case first component is a host, even without '.' or ':'.
            (s("Foo/bar"), same("Foo/bar:latest")),
            (s("LOCALDOMAIN/debian"), same("LOCALDOMAIN/debian:latest")),
            // Without a '/', there is no host: this is library/localhost, tag 5000.
            (s("localhost:5000"), ok("docker.io/library/localhost:5000", "localhost:5000")),
            (s("192.168.1.1"), ok("docker.io/library/192.168.1.1:latest", "192.168.1.1:latest")),
            (s("lowercase:Uppercase"), ok("docker.io/library/lowercase:Uppercase", "lowercase:Uppercase")),
            // Taken for a host, not one, but a valid path component: no domain at all.
            (s("foo.bar_baz/x"), same("foo.bar_baz/x:latest")),
            (
                format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"),
                same(&format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}")),
            ),
            (s("[2001:db8::1]:5000/repo:tag"), same("[2001:db8::1]:5000/repo:tag")),
            (
                s("registry.example.com:443/team/app:v1.2.3"),
                same("registry.example.com:443/team/app:v1.2.3"),
            ),
            // Only the path counts towards 255.
            (format!("example.com/{a255}"), same(&format!("example.com/{a255}:latest"))),
            (
                format!("a@{sha384}"),
                ok(&format!("docker.io/library/a@{sha384}"), &format!("a@{sha384}")),
            ),
            (
                format!("docker.io/{id}"),
                ok(&format!("docker.io/library/{id}:latest"), &format!("{id}:latest")),
            ),
            (
                format!("gcr.io/library/busybox:latest@{sha}"),
                same(&format!("gcr.io/library/busybox:latest@{sha}")),
            ),
            (
                format!("a:{long_tag}"),
                ok(&format!("docker.io/library/a:{long_tag}"), &format!("a:{long_tag}")),
            ),
            // Errors, with docker's exact text.
            (s(""), err(INVALID)),
            (s("Bad"), err("invalid reference format: repository name (library/Bad) must be lowercase")),
            (s("docker/Docker"), err("invalid reference format: repository name (docker/Docker) must be lowercase")),
            (
                s("docker.io/docker/Docker"),
                err("invalid reference format: repository name (docker/Docker) must be lowercase"),
            ),
            (
                s("test:5000/Uppercase/lowercase:tag"),
                err("invalid reference format: repository name (Uppercase/lowercase) must be lowercase"),
            ),
            (s("Ä"), err("invalid reference format: repository name (library/Ä) must be lowercase")),
            // docker cuts the repository at the first ':', which here is the digest's.
            (
                format!("a@SHA256:{HEX}"),
                err("invalid reference format: repository name (library/a@SHA256) must be lowercase"),
            ),
            (s("Foo_bar/baz"), err(lowercase_only)),
            // U+212A KELVIN SIGN lower-cases to an ASCII 'k'.
            (s("foo:\u{212A}"), err(lowercase_only)),
            (s("a//b"), err(INVALID)),
            (s("a/"), err(INVALID)),
            (s("docker/"), err(INVALID)),
            (s("/a"), err(INVALID)),
            (s("a:-x"), err(INVALID)),
            (format!("a:{too_long_tag}"), err(INVALID)),
            (s("a:b:c"), err(INVALID)),
            (s(":justtag"), err(INVALID)),
            (format!("@{sha}"), err(INVALID)),
            (s("-docker"), err(INVALID)),
            (s("-docker.io/docker/docker"), err(INVALID)),
            (s("dock..er/docker"), err(INVALID)),
            (s("dock_.er/docker"), err(INVALID)),
            (s("____/____"), err(INVALID)),
            (s("a b"), err(INVALID)),
            (s("[fc00::1]:5000"), err(INVALID)),
            (s("fc00::1:5000/debian"), err(INVALID)),
            (s("[fe80::1%eth0]:5000/debian"), err(INVALID)),
            (s("[2001:db8:3:4::192.0.2.33]:5000/debian"), err(INVALID)),
            (s("https://github.com/docker/docker"), err(INVALID)),
            (s("a@sha256:abc"), err(INVALID)),
            (format!("domain.com/{}", "a".repeat(256)), err(too_long)),
            (format!("domain.com/{}:tag", "a".repeat(256)), err(too_long)),
            // "library/" counts: 8 + 250 characters.
            ("a".repeat(250), err(too_long)),
            (
                format!("a@sha256:{}", HEX.to_uppercase()),
                err("invalid checksum digest format"),
            ),
            (
                format!("example.com/a:t@SHA256:{HEX}"),
                err("invalid checksum digest format"),
            ),
            (format!("a@sha256:{}", &HEX[..63]), err("invalid checksum digest length")),
            (format!("repo@sha256:{}", "f".repeat(34)), err("invalid checksum digest length")),
            (format!("validname@invaliddigest:{HEX}"), err("unsupported digest algorithm")),
            (format!("a@blake3:{HEX}"), err("unsupported digest algorithm")),
            (
                s(id),
                err(&format!(
                    "invalid repository name ({id}), cannot specify 64-byte hexadecimal strings"
                )),
            ),
        ]
    }

    #[test]
    fn matches_dockers_table() {
        let cases = table();
        assert!(cases.len() >= 40);
        for (input, want) in cases {
            let got = Reference::parse_docker(&input);
            match (want, got) {
                (Want::Ok(display, familiar), Ok(r)) => {
                    assert_eq!(r.to_string(), display, "display of {input:?}");
                    assert_eq!(r.familiar(), familiar, "familiar of {input:?}");
                }
                (Want::Err(message), Err(e)) => {
                    assert_eq!(e.to_string(), message, "error for {input:?}");
                    assert!(!e.hint().is_empty() && !e.detail().is_empty());
                }
                (Want::Ok(display, _), Err(e)) => {
                    panic!(
                        "{input:?}: expected {display}, got error {e} ({})",
                        e.detail()
                    )
                }
                (Want::Err(message), Ok(r)) => {
                    panic!("{input:?}: expected error {message:?}, got {r}")
                }
            }
        }
    }

    #[test]
    fn each_format_problem_names_the_broken_part() {
        let problem = |s: &str| match Reference::parse_normalized(s) {
            Err(ReferenceError::InvalidFormat(p)) => p,
            other => panic!("{s:?}: expected a format problem, got {other:?}"),
        };
        assert_eq!(problem(""), FormatProblem::Empty);
        assert_eq!(
            problem("a//b"),
            FormatProblem::EmptyPathComponent {
                path: "a//b".into()
            }
        );
        assert_eq!(
            problem("dock..er/docker"),
            FormatProblem::InvalidPathComponent {
                component: "dock..er".into()
            }
        );
        assert_eq!(
            problem("fc00::1:5000/debian"),
            FormatProblem::InvalidDomain {
                domain: "fc00::1:5000".into()
            }
        );
        assert_eq!(
            problem("a:-x"),
            FormatProblem::InvalidTag { tag: "-x".into() }
        );
        assert_eq!(
            problem("a:b:c"),
            FormatProblem::InvalidTag { tag: "b:c".into() }
        );
        assert_eq!(
            problem(&format!("a:{}", "x".repeat(129))),
            FormatProblem::TagTooLong { length: 129 }
        );
        assert_eq!(
            problem("a@sha256:abc"),
            FormatProblem::InvalidDigest {
                digest: "sha256:abc".into()
            }
        );
        let e = Reference::parse_normalized("a:-x").unwrap_err();
        assert_eq!(e.hint(), TAG_HINT);
        assert!(e.detail().contains("starts with '-'"), "{}", e.detail());
        let e = Reference::parse_normalized("a:b:c").unwrap_err();
        assert!(e.detail().contains("second ':'"), "{}", e.detail());
        let e = Reference::parse_normalized("dock..er/docker").unwrap_err();
        assert!(e.detail().contains("dock..er"), "{}", e.detail());
    }

    #[test]
    fn other_errors_carry_their_context() {
        assert_eq!(
            Reference::parse_normalized("Bad").unwrap_err(),
            ReferenceError::RepositoryNotLowercase {
                remote: "library/Bad".into()
            }
        );
        let e = Reference::parse_normalized("Bad").unwrap_err();
        assert_eq!(e.hint(), "repository names must be lower-case");
        assert!(e.detail().contains("'B'"), "{}", e.detail());
        assert_eq!(
            Reference::parse_normalized(&"a".repeat(250)).unwrap_err(),
            ReferenceError::NameTooLong { length: 258 }
        );
        assert_eq!(
            Reference::parse_normalized(&format!("a@sha256:{}", &HEX[..63])).unwrap_err(),
            ReferenceError::DigestInvalidLength {
                algorithm: "sha256".into(),
                expected: 64,
                found: 63
            }
        );
        assert_eq!(
            Reference::parse_normalized(&format!("a@blake3:{HEX}")).unwrap_err(),
            ReferenceError::DigestUnsupported {
                algorithm: "blake3".into()
            }
        );
        assert_eq!(
            Reference::parse_normalized("Foo_bar/baz").unwrap_err(),
            ReferenceError::NameContainsUppercase {
                input: "Foo_bar/baz".into()
            }
        );
    }

    #[test]
    fn accessors_split_the_normalised_parts() {
        let r = Reference::parse_docker("localhost:5000/foo:bar").unwrap();
        assert_eq!(r.domain(), "localhost:5000");
        assert_eq!(r.path(), "foo");
        assert_eq!(r.tag(), Some("bar"));
        assert_eq!(r.digest(), None);
        assert_eq!(r.name(), "localhost:5000/foo");

        let r = Reference::parse_normalized(&format!("alpine:3@sha256:{HEX}")).unwrap();
        assert_eq!(r.domain(), "docker.io");
        assert_eq!(r.path(), "library/alpine");
        assert_eq!(r.tag(), Some("3"));
        assert_eq!(r.digest().unwrap().as_str(), format!("sha256:{HEX}"));
        assert_eq!(r.name(), "docker.io/library/alpine");

        let r = Reference::parse_normalized("foo.bar_baz/x").unwrap();
        assert_eq!(r.domain(), "");
        assert_eq!(r.path(), "foo.bar_baz/x");
        assert_eq!(r.name(), "foo.bar_baz/x");
    }

    #[test]
    fn parse_normalized_adds_no_tag_and_parse_docker_keeps_tag_with_digest() {
        let r = Reference::parse_normalized("alpine").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine");
        assert_eq!(r.tag(), None);
        assert_eq!(r.familiar(), "alpine");
        let d = Reference::parse_docker(&format!("alpine@sha256:{HEX}")).unwrap();
        assert_eq!(d.tag(), None);
        let both = Reference::parse_docker(&format!("alpine:3@sha256:{HEX}")).unwrap();
        assert_eq!(both.tag(), Some("3"));
        assert!(both.digest().is_some());
        assert_eq!("alpine".parse::<Reference>().unwrap().tag(), Some("latest"));
    }

    #[test]
    fn with_and_without_replace_only_their_part() {
        let dg = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        let r = Reference::parse_docker("user/app:v1").unwrap();
        let pinned = r.with_digest(dg.clone());
        assert_eq!(
            pinned.to_string(),
            format!("docker.io/user/app:v1@sha256:{HEX}")
        );
        let retagged = pinned.with_tag("v2").unwrap();
        assert_eq!(retagged.tag(), Some("v2"));
        assert_eq!(retagged.digest(), Some(&dg));
        let bare = retagged.without_tag_or_digest();
        assert_eq!(bare.to_string(), "docker.io/user/app");
        assert_eq!(bare.familiar(), "user/app");

        let e = r.with_tag("-bad").unwrap_err();
        assert_eq!(e.to_string(), "invalid tag format");
        assert_eq!(e, ReferenceError::TagInvalidFormat { tag: "-bad".into() });
        assert_eq!(e.hint(), TAG_HINT);
        assert!(r.with_tag(&"x".repeat(129)).is_err());
        assert!(r.with_tag(&"x".repeat(128)).is_ok());
    }

    #[test]
    fn registry_host_and_credential_key() {
        for hub in [
            "alpine",
            "index.docker.io/user/app",
            "docker.io/library/alpine",
        ] {
            let r = Reference::parse_docker(hub).unwrap();
            assert_eq!(r.registry_host(), "registry-1.docker.io");
            assert_eq!(r.credential_key(), "https://index.docker.io/v1/");
        }
        let r = Reference::parse_docker("127.0.0.1:5000/t/dig").unwrap();
        assert_eq!(r.registry_host(), "127.0.0.1:5000");
        assert_eq!(r.credential_key(), "127.0.0.1:5000");
        let r = Reference::parse_docker("ghcr.io/o/r:1").unwrap();
        assert_eq!(r.registry_host(), "ghcr.io");
        assert_eq!(r.credential_key(), "ghcr.io");
        // docker compares the Hub's names case-sensitively.
        let r = Reference::parse_docker("Docker.io/a/b").unwrap();
        assert_eq!(r.registry_host(), "Docker.io");
    }

    #[test]
    fn registry_components() {
        for yes in ["localhost/a", "h.io/a", "h:5000/a", "Registry/a", "ÄB/a"] {
            assert!(names_registry(yes), "{yes}");
        }
        for no in ["alpine", "user/app", "localhost", "h.io", "ab/c.d"] {
            assert!(!names_registry(no), "{no}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for yes in [
            "localhost/a",
            "localhost:5000/a",
            "LOCALHOST/a",
            "127.0.0.1/a",
            "127.0.0.1:5000/a",
            "127.1.2.3:80/a",
            "[::1]/a",
            "[::1]:5000/a",
            "[0:0:0:0:0:0:0:1]:5000/a",
            "[::ffff:7f00:1]:5000/a",
        ] {
            assert!(Reference::parse_docker(yes).unwrap().is_loopback(), "{yes}");
        }
        for no in [
            "alpine",
            "localhost",
            "128.0.0.1:5000/a",
            "[::2]:5000/a",
            "localhost.example.com/a",
            "registry.local:5000/a",
            "foo.bar_baz/x",
        ] {
            assert!(!Reference::parse_docker(no).unwrap().is_loopback(), "{no}");
        }
    }

    #[test]
    fn serde_uses_the_display_string_and_keeps_tagless_references() {
        let r = Reference::parse_docker("user/app").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"docker.io/user/app:latest\"");
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), r);
        let bare = r.without_tag_or_digest();
        let json = serde_json::to_string(&bare).unwrap();
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), bare);
        let e = serde_json::from_str::<Reference>("\"Bad\"").unwrap_err();
        assert!(e.to_string().contains("must be lowercase"), "{e}");
    }

    #[test]
    fn tag_grammar() {
        for good in ["a", "_", "A", "v1.2.3-rc.1", "latest", "0", "a_b-C.d"] {
            assert!(is_valid_tag(good), "{good}");
        }
        for bad in ["", "-a", ".a", "a:b", "a/b", "a@b", "é", "a b"] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
        assert!(is_valid_tag(&"a".repeat(128)));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }

    /// docker's FamiliarString drops `docker.io/`, which changes the meaning when the first
    /// remaining component looks like a host; manifold prints what docker prints.
    #[test]
    fn familiar_is_dockers_even_when_ambiguous() {
        let r = Reference::parse_docker("docker.io/a.b/c").unwrap();
        assert_eq!(r.familiar(), "a.b/c:latest");
        assert_eq!(Reference::parse_docker("a.b/c").unwrap().domain(), "a.b");
        assert!(!familiar_reparses(&r));
    }

    /// Whether `familiar()` reads back as the same reference; docker's form does not when it
    /// dropped `docker.io/` before a host-like component, or when it is a bare image ID.
    fn familiar_reparses(r: &Reference) -> bool {
        if r.domain() != DEFAULT_DOMAIN {
            return true;
        }
        let familiar = r.familiar();
        let name = familiar.split(['@', ':']).next().unwrap_or("");
        match name.split_once('/') {
            Some((first, _)) => {
                !(first.contains(['.', ':']) || first == "localhost" || has_upper(first))
            }
            None => !is_identifier(&familiar),
        }
    }

    fn check_round_trips(r: &Reference) -> Result<(), TestCaseError> {
        let display = r.to_string();
        prop_assert_eq!(&Reference::parse_normalized(&display).unwrap(), r);
        if r.tag().is_some() || r.digest().is_some() {
            prop_assert_eq!(&Reference::parse_docker(&display).unwrap(), r);
        }
        if familiar_reparses(r) {
            prop_assert_eq!(&Reference::parse_normalized(&r.familiar()).unwrap(), r);
        }
        Ok(())
    }

    fn component() -> impl Strategy<Value = String> {
        "[a-z0-9]{1,4}((\\.|_|__|-{1,2})[a-z0-9]{1,4}){0,2}"
    }

    fn domain() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some("docker.io".to_string())),
            Just(Some("index.docker.io".to_string())),
            Just(Some("localhost".to_string())),
            Just(Some("localhost:5000".to_string())),
            Just(Some("127.0.0.1:5000".to_string())),
            Just(Some("[::1]:5000".to_string())),
            Just(Some("[2001:db8::1]".to_string())),
            Just(Some("Registry.Example.com:443".to_string())),
            "[a-z][a-z0-9-]{0,4}[a-z0-9]\\.[a-z]{2,3}(:[0-9]{1,5})?".prop_map(Some),
            "[A-Z][a-zA-Z0-9]{0,4}".prop_map(Some),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_what_parses_round_trips(s in ".{0,80}") {
            for r in [Reference::parse_normalized(&s), Reference::parse_docker(&s)].into_iter().flatten() {
                check_round_trips(&r)?;
            }
        }

        #[test]
        fn near_misses_never_panic_and_round_trip(s in "[a-zA-Z0-9._:/@\\[\\]-]{0,60}") {
            for r in [Reference::parse_normalized(&s), Reference::parse_docker(&s)].into_iter().flatten() {
                check_round_trips(&r)?;
            }
        }

        #[test]
        fn valid_references_round_trip(
            domain in domain(),
            path in proptest::collection::vec(component(), 1..4),
            tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
            hex in proptest::option::of("[0-9a-f]{64}"),
        ) {
            let mut s = domain.map(|d| format!("{d}/")).unwrap_or_default();
            s.push_str(&path.join("/"));
            if let Some(t) = &tag {
                s.push(':');
                s.push_str(t);
            }
            if let Some(h) = &hex {
                s.push_str("@sha256:");
                s.push_str(h);
            }
            let r = Reference::parse_docker(&s)
                .map_err(|e| TestCaseError::fail(format!("{s:?}: {e} ({})", e.detail())))?;
            let expect_tag = tag.as_deref().or(if hex.is_none() { Some("latest") } else { None });
            prop_assert_eq!(r.tag(), expect_tag);
            prop_assert_eq!(r.digest().map(|d| d.encoded().to_string()), hex);
            prop_assert!(r.name().ends_with(&path[1..].join("/")));
            check_round_trips(&r)?;
            let n = Reference::parse_normalized(&s).unwrap();
            check_round_trips(&n)?;
        }
    }
}
