//! Registry hosts: which names are this machine (the loopback rule), and Docker Hub's three
//! names (the one references use, the one its API answers at, the one credentials are kept
//! under).
//!
//! The loopback rule decides where credentials may travel over plain HTTP and which
//! connections bypass a proxy, so it has exactly one definition, here. It is the union of what
//! docker, Go and curl treat as this machine, decided on the name alone (no resolver):
//!
//! * `localhost` and every `*.localhost` name (RFC 6761 §6.3: such names are loopback names;
//!   curl and Chromium answer them with loopback addresses without asking DNS). Because a DNS
//!   server could still answer `x.localhost` with a remote address, the shim's transport never
//!   asks DNS for these names: it dials `127.0.0.1` (and `::1`) itself, so a name this rule
//!   calls loopback is always dialled at loopback.
//! * IPv4 `127.0.0.0/8`, IPv6 `::1`, and IPv4-mapped loopback `::ffff:127.0.0.0/104` (what
//!   docker's `IsLoopback` check on resolved addresses accepts).
//! * A name mapped to a loopback address with `MANIFOLD_RESOLVE` is **not** loopback: the rule
//!   looks at the name the user wrote, never at what it is dialled as, so a test mapping
//!   `registry.test` to `127.0.0.1` sees the same decisions a real remote registry would get.
//!
//! Anything else (`localhost.example.com`, `127.0.0.1.nip.io`, `10.0.0.1`, `0.0.0.0`) is not.

use core::net::{IpAddr, Ipv6Addr};

/// The domain references use for Docker Hub.
pub const DOCKER_HUB_DOMAIN: &str = "docker.io";
/// The Hub's old name, still accepted in references and folded into `docker.io`.
pub const DOCKER_HUB_LEGACY_DOMAIN: &str = "index.docker.io";
/// `docker.io` is a naming convention; the Hub's registry API answers here.
pub const DOCKER_HUB_REGISTRY_HOST: &str = "registry-1.docker.io";
/// The key docker's `config.json` has always stored Hub credentials under.
pub const DOCKER_HUB_CREDENTIAL_KEY: &str = "https://index.docker.io/v1/";

/// True for any of Docker Hub's names: `docker.io`, `index.docker.io`, `registry-1.docker.io`.
pub fn is_docker_hub(domain: &str) -> bool {
    matches!(
        domain,
        DOCKER_HUB_DOMAIN | DOCKER_HUB_LEGACY_DOMAIN | DOCKER_HUB_REGISTRY_HOST
    )
}

/// The host to send HTTP requests to for a reference's domain: `registry-1.docker.io` for
/// Docker Hub, else the domain itself (with its port).
pub fn registry_host(domain: &str) -> &str {
    if is_docker_hub(domain) {
        DOCKER_HUB_REGISTRY_HOST
    } else {
        domain
    }
}

/// The name credential files key a registry by in podman's `auth.json`: `docker.io` for any of
/// the Hub's names, else the host as given.
pub fn canonical_domain(host: &str) -> &str {
    if is_docker_hub(host) {
        DOCKER_HUB_DOMAIN
    } else {
        host
    }
}

/// The key docker's `config.json` (and credential helpers) use for a registry:
/// `https://index.docker.io/v1/` for Docker Hub, else the domain with its port, as written.
pub fn credential_key(domain: &str) -> String {
    if is_docker_hub(domain) {
        DOCKER_HUB_CREDENTIAL_KEY.to_string()
    } else {
        domain.to_string()
    }
}

/// `host:port` → `host`; `[::1]:5000` and `[::1]` → `::1`; a bare IPv6 address is kept whole.
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// True when `host` names its port (`a:5000`, `[::1]:5000`), not only a name or an address.
pub fn has_port(host: &str) -> bool {
    match host.strip_prefix('[') {
        Some(rest) => rest
            .split_once(']')
            .is_some_and(|(_, p)| p.len() > 1 && p.starts_with(':')),
        None => strip_port(host).len() != host.len(),
    }
}

/// True when `host` (a reference's domain or a URL's authority, with or without a port) names
/// this machine. See the module documentation for the rule and why it is this one.
pub fn is_loopback(host: &str) -> bool {
    let h = strip_port(host);
    if is_localhost_name(h) {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6_is_loopback(&v6),
        Err(_) => false,
    }
}

/// `localhost` or a name under it (`a.localhost`, `a.b.localhost.`), in any case: the names the
/// transport pins to loopback addresses instead of asking DNS.
pub fn is_localhost_name(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name).as_bytes();
    let tail = n.len() >= 9 && n[n.len() - 9..].eq_ignore_ascii_case(b"localhost");
    tail && (n.len() == 9 || n[n.len() - 10] == b'.')
}

fn v6_is_loopback(v6: &Ipv6Addr) -> bool {
    v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix the rule answers, in one place.
    #[test]
    fn loopback_matrix() {
        let yes = [
            // names
            "localhost",
            "LocalHost",
            "localhost:5000",
            "localhost.",
            "a.localhost",
            "a.localhost:1",
            "registry.dev.localhost:443",
            "A.LOCALHOST",
            // IPv4 127.0.0.0/8
            "127.0.0.1",
            "127.0.0.1:5000",
            "127.1.2.3:80",
            "127.255.255.254",
            // IPv6 ::1, bracketed or bare, with or without a port
            "::1",
            "[::1]",
            "[::1]:5000",
            "[0:0:0:0:0:0:0:1]:5000",
            // IPv4-mapped loopback
            "[::ffff:127.0.0.1]",
            "[::ffff:127.0.0.1]:5000",
            "::ffff:127.9.9.9",
        ];
        for h in yes {
            assert!(is_loopback(h), "{h} is loopback");
        }
        let no = [
            "registry-1.docker.io",
            "docker.io",
            "localhost.example.com",
            "localhost.example.com:5000",
            "notlocalhost",
            "xlocalhost:5000",
            "127.0.0.1.nip.io",
            "128.0.0.1",
            "10.0.0.1:5000",
            "0.0.0.0",
            "[::]",
            "[2001:db8::1]:443",
            "[::ffff:10.0.0.1]",
            "[::ffff:128.0.0.1]:80",
            // A name MANIFOLD_RESOLVE maps to 127.0.0.1 is judged by its name: not loopback.
            "registry.test:5000",
            "",
            "ééélocalhost",
            "é",
        ];
        for h in no {
            assert!(!is_loopback(h), "{h} is not loopback");
        }
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("[::1]:5000"), "::1");
        assert_eq!(strip_port("[::1]"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("h:5000"), "h");
        assert_eq!(strip_port("h"), "h");
        assert_eq!(strip_port("h:x"), "h:x");
        for (h, port) in [
            ("h:5000", true),
            ("[::1]:5000", true),
            ("127.0.0.1:5000", true),
            ("h", false),
            ("[::1]", false),
            ("::1", false),
            ("h:x", false),
        ] {
            assert_eq!(has_port(h), port, "{h}");
        }
    }

    #[test]
    fn docker_hub_names() {
        for d in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
            assert!(is_docker_hub(d));
            assert_eq!(registry_host(d), "registry-1.docker.io");
            assert_eq!(canonical_domain(d), "docker.io");
            assert_eq!(credential_key(d), "https://index.docker.io/v1/");
        }
        for d in ["127.0.0.1:5000", "ghcr.io", "docker.io:443", "mydocker.io"] {
            assert!(!is_docker_hub(d));
            assert_eq!(registry_host(d), d);
            assert_eq!(canonical_domain(d), d);
            assert_eq!(credential_key(d), d);
        }
    }
}
