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
//!
//! The grammar, docker's normalisation and the errors each have a file (`grammar`, `docker`,
//! `error`) with their tests beside them; this file holds the [`Reference`] type, and everything
//! is re-exported here, so the paths stay `reference::X`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;
use crate::registry::host;

mod docker;
mod error;
mod grammar;

pub use docker::{is_registry_component, names_registry};
pub use error::{FormatProblem, ReferenceError};
pub use grammar::is_valid_tag;

use docker::{is_identifier, split_docker_domain, DEFAULT_TAG};
use grammar::{has_upper, parse_any};

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

/// Helpers the submodules' tests share, and the tests of the type itself: accessors, edits,
/// registry hosts, serde and the round-trip properties.
#[cfg(test)]
mod tests {
    use super::docker::DEFAULT_DOMAIN;
    use super::error::TAG_HINT;
    use super::*;
    use proptest::prelude::*;

    pub(super) const HEX: &str = "e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";

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

    /// Whether `familiar()` reads back as the same reference; docker's form does not when it
    /// dropped `docker.io/` before a host-like component, or when it is a bare image ID.
    pub(super) fn familiar_reparses(r: &Reference) -> bool {
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
