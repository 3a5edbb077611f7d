//! The hand-written grammar of distribution/reference v0.6.0 (`referenceRegexp` and its parts),
//! with go-digest's digest check and Go's idea of upper and lower case.
//!
//! The engine takes no regex crate, so each piece of docker's pattern is a small function here;
//! writing them by hand is also what lets a failure name the part that broke it
//! ([`FormatProblem`]).

use super::{FormatProblem, Reference, ReferenceError};
use super::{REPOSITORY_NAME_TOTAL_LENGTH_MAX, TAG_LENGTH_MAX};
use crate::digest::Digest;

pub(super) fn first_upper(s: &str) -> Option<char> {
    s.chars().find(|&c| go_lower_char(c) != c)
}

pub(super) fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

pub(super) fn is_path_alnum(c: char) -> bool {
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

pub(super) fn has_upper(s: &str) -> bool {
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
pub(super) fn parse_any(s: &str, input: &str) -> Result<Reference, ReferenceError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
