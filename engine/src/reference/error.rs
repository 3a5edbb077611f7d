//! Why a string is not a reference: [`ReferenceError`], the [`FormatProblem`] inside docker's
//! "invalid reference format", and the hints and details that say what to do.
//!
//! `Display` stays docker's exact wording so output can match docker's; the finer messages sit
//! beside it so that every new error gets all three (message, detail, hint) in one place.

use std::fmt;

use super::grammar::{first_upper, is_path_alnum, is_tag_char};
use super::{REPOSITORY_NAME_TOTAL_LENGTH_MAX, TAG_LENGTH_MAX};

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
    /// distribution's `ErrTagInvalidFormat`, from [`Reference::with_tag`](super::Reference::with_tag).
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

pub(super) const TAG_HINT: &str = "tags may hold letters, digits, '_', '.' and '-', at most 128 characters, not starting with '.' or '-'";
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::tests::HEX;
    use crate::reference::Reference;

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
}
