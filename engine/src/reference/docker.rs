//! docker's normalisation of names: the Hub's domain and `library/` namespace, which first
//! components are registry hosts, image IDs, and the familiar form docker shows users.
//!
//! These are docker's choices layered over distribution's grammar (`splitDockerDomain`,
//! `FamiliarString`); the host names themselves come from [`crate::registry::host`], the one home
//! of Docker Hub's names, so the reference and the registry code cannot disagree about them.

use super::grammar::has_upper;
use super::Reference;
use crate::registry::host;

/// The domain familiar Hub names are expanded with.
pub(super) const DEFAULT_DOMAIN: &str = host::DOCKER_HUB_DOMAIN;
/// The Hub's old name, still accepted and folded into `docker.io`.
const LEGACY_DEFAULT_DOMAIN: &str = host::DOCKER_HUB_LEGACY_DOMAIN;
/// The Hub namespace of official images, implied by single-component Hub names.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag docker adds when a reference names neither a tag nor a digest.
pub(super) const DEFAULT_TAG: &str = "latest";

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
pub(super) fn split_docker_domain(name: &str) -> (&str, String) {
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
pub(super) fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Reference {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::tests::{familiar_reparses, HEX};

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
    fn registry_components() {
        for yes in ["localhost/a", "h.io/a", "h:5000/a", "Registry/a", "ÄB/a"] {
            assert!(names_registry(yes), "{yes}");
        }
        for no in ["alpine", "user/app", "localhost", "h.io", "ab/c.d"] {
            assert!(!names_registry(no), "{no}");
        }
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
}
