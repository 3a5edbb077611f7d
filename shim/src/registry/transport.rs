//! The HTTP layer: timeouts, the resolver, the debug log with secrets redacted, and the
//! classification of transport failures. The agents (one per TLS setup) are in `agents.rs`.
//!
//! Which hosts are this machine is the engine's one rule (`registry::host::is_loopback`). It
//! counts `localhost` and `*.localhost` as loopback, so the resolver here never asks DNS for
//! those names: it dials `127.0.0.1` and `::1` itself, as curl does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use manifold_engine::registry::host;

/// How long to wait for a registry: to connect, and for each reply and each read or write of
/// a body. `MANIFOLD_TIMEOUT=SECONDS` sets them all to one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub io: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(30),
            io: Duration::from_secs(120),
        }
    }
}

impl Timeouts {
    /// `MANIFOLD_TIMEOUT`: a positive number of seconds (fractions allowed), for every limit.
    pub fn parse(value: &str) -> Result<Timeouts, String> {
        match value.trim().parse::<f64>() {
            Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => {
                let d = Duration::from_secs_f64(s);
                Ok(Timeouts { connect: d, io: d })
            }
            _ => Err(format!(
                "MANIFOLD_TIMEOUT={value:?}: expected a number of seconds between 0 and 86400"
            )),
        }
    }
}

/// `MANIFOLD_RESOLVE=HOST:PORT:ADDRESS[,...]`: connect to ADDRESS for HOST:PORT, as curl's
/// `--resolve` does. The host name stays what the reference says (for TLS, credentials and the
/// loopback rule); only the address dialled changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl Resolve {
    pub fn parse_list(value: &str) -> Result<Vec<Resolve>, String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                let bad = || {
                    format!("MANIFOLD_RESOLVE entry {e:?}: expected HOST:PORT:ADDRESS, e.g. registry.test:5000:127.0.0.1")
                };
                let (host, rest) = e.split_once(':').ok_or_else(bad)?;
                let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
                let addr = addr.trim_start_matches('[').trim_end_matches(']');
                Ok(Resolve {
                    host: host.to_ascii_lowercase(),
                    port: port.parse().map_err(|_| bad())?,
                    addr: addr.parse().map_err(|_| bad())?,
                })
            })
            .collect()
    }
}

/// The addresses to dial for `host:port` without asking DNS, or `None` to ask it: a
/// `MANIFOLD_RESOLVE` entry for exactly that host and port first; else, for `localhost` and
/// `*.localhost` names, `127.0.0.1` then `::1` (a DNS answer for such a name could point
/// anywhere, yet the loopback rule trusts it as this machine).
fn pinned_addrs(entries: &[Resolve], host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    if let Some(e) = entries
        .iter()
        .find(|e| e.port == port && e.host.eq_ignore_ascii_case(host))
    {
        return Some(vec![SocketAddr::new(e.addr, port)]);
    }
    host::is_localhost_name(host).then(|| {
        vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]
    })
}

/// ureq's resolver behind [`pinned_addrs`]: the `MANIFOLD_RESOLVE` entries, then loopback for
/// `localhost` names, then DNS.
#[derive(Debug)]
pub(super) struct MapResolver {
    entries: Vec<Resolve>,
    fallback: ureq::unversioned::resolver::DefaultResolver,
}

impl MapResolver {
    pub(super) fn new(entries: Vec<Resolve>) -> MapResolver {
        MapResolver {
            entries,
            fallback: Default::default(),
        }
    }
}

impl ureq::unversioned::resolver::Resolver for MapResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        if let Some(a) = uri.authority() {
            let port = a.port_u16().unwrap_or(match uri.scheme_str() {
                Some("https") => 443,
                _ => 80,
            });
            let host = a.host().trim_start_matches('[').trim_end_matches(']');
            if let Some(addrs) = pinned_addrs(&self.entries, host, port) {
                let mut out = self.empty();
                for addr in config.ip_family().keep_wanted(addrs.into_iter()) {
                    out.push(addr);
                }
                if out.is_empty() {
                    return Err(ureq::Error::HostNotFound);
                }
                return Ok(out);
            }
        }
        self.fallback.resolve(uri, config, timeout)
    }
}

/// The network settings of a run besides TLS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Net {
    pub timeouts: Timeouts,
    pub resolve: Vec<Resolve>,
}

/// How a request failed before any HTTP response arrived.
pub enum Failure {
    /// Certificate problems: never retried, never downgraded to HTTP.
    Certificate(String),
    /// The registry wants a client certificate, or refused the one sent (its TLS alert).
    ClientCertificate(String),
    /// The peer does not speak TLS (or broke off the handshake): maybe plain HTTP.
    NotTls(String),
    Refused,
    /// Worth retrying (reset, timeout, broken connection).
    Transient(String),
    /// Not worth retrying (DNS, bad URL, too many redirects).
    Fatal(String),
}

fn rustls_failure(e: &rustls::Error) -> Failure {
    use rustls::{CertificateError, Error as E};
    match e {
        E::InvalidCertificate(c) => Failure::Certificate(match c {
            CertificateError::UnknownIssuer => {
                "its certificate is signed by an unknown authority".to_string()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "its certificate is not valid for this host name".to_string()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "its certificate has expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "its certificate is not valid yet".to_string()
            }
            CertificateError::BadEncoding => "its certificate cannot be decoded".to_string(),
            // a self-signed CA certificate used as the server's own, not among the trusted ones
            // (a trusted one is accepted by tls::TrustedSelfSigned)
            CertificateError::Other(o)
                if matches!(
                    o.0.downcast_ref::<webpki::Error>(),
                    Some(webpki::Error::CaUsedAsEndEntity)
                ) =>
            {
                "its certificate is signed by an unknown authority (it is self-signed)".to_string()
            }
            other => format!("its certificate was rejected ({other:?})"),
        }),
        // Go's TLS server: certificate_required (TLS 1.3) or bad_certificate (TLS 1.2) when
        // none was sent, bad_certificate or unknown_ca when the one sent is not trusted
        E::AlertReceived(
            a @ (rustls::AlertDescription::CertificateRequired
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::UnknownCA
            | rustls::AlertDescription::CertificateUnknown
            | rustls::AlertDescription::UnsupportedCertificate
            | rustls::AlertDescription::CertificateExpired),
        ) => Failure::ClientCertificate(format!("TLS alert {a:?}")),
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => Failure::NotTls(format!(
            "the TLS handshake failed ({e}); the server may speak plain HTTP"
        )),
        other => Failure::NotTls(format!("the TLS handshake failed: {other}")),
    }
}

pub fn classify(e: &ureq::Error) -> Failure {
    match e {
        ureq::Error::Rustls(r) => rustls_failure(r),
        ureq::Error::Io(io) => {
            if let Some(r) = io.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>()) {
                return rustls_failure(r);
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => Failure::Refused,
                std::io::ErrorKind::InvalidData => Failure::NotTls(io.to_string()),
                _ => Failure::Transient(io.to_string()),
            }
        }
        ureq::Error::Timeout(t) => Failure::Transient(format!("timed out ({t})")),
        ureq::Error::ConnectionFailed => Failure::Transient("connection failed".into()),
        ureq::Error::HostNotFound => Failure::Fatal("host not found".into()),
        ureq::Error::Protocol(p) => Failure::NotTls(format!("protocol error: {p}")),
        ureq::Error::Tls(t) => Failure::NotTls((*t).to_string()),
        other => Failure::Fatal(other.to_string()),
    }
}

/// Replaces the value of secret-bearing headers for the debug log.
pub fn redact_header(name: &str, value: &str) -> String {
    let n = name.to_ascii_lowercase();
    if n == "authorization" || n == "proxy-authorization" {
        let scheme = value.split_whitespace().next().unwrap_or("");
        format!("{scheme} <redacted>")
    } else if n == "cookie" || n == "set-cookie" {
        "<redacted>".to_string()
    } else {
        value.to_string()
    }
}

/// Removes secrets from a URL for the debug log (userinfo, and query values named like secrets).
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            out = format!("{scheme}://<redacted>@{}", &rest[at + 1..]);
        }
    }
    if let Some((base, q)) = out.clone().split_once('?') {
        let parts: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _))
                    if {
                        let k = k.to_ascii_lowercase();
                        k.contains("token")
                            || k.contains("password")
                            || k.contains("secret")
                            || k == "signature"
                            || k.starts_with("x-amz-")
                    } =>
                {
                    format!("{k}=<redacted>")
                }
                _ => p.to_string(),
            })
            .collect();
        out = format!("{base}?{}", parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_are_dialled_at_loopback_without_dns() {
        let lo = |port| {
            Some(vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
            ])
        };
        for h in [
            "localhost",
            "LOCALHOST",
            "a.localhost",
            "registry.dev.localhost.",
        ] {
            assert_eq!(pinned_addrs(&[], h, 5000), lo(5000), "{h}");
        }
        // other names (even loopback-looking ones) go to DNS, addresses are dialled as they are
        for h in [
            "localhost.example.com",
            "xlocalhost",
            "127.0.0.1.nip.io",
            "127.0.0.1",
            "::1",
        ] {
            assert_eq!(pinned_addrs(&[], h, 5000), None, "{h}");
        }
        // an explicit MANIFOLD_RESOLVE entry wins, for its port only
        let entries =
            Resolve::parse_list("a.localhost:5000:10.0.0.7,registry.test:443:127.0.0.1").unwrap();
        assert_eq!(
            pinned_addrs(&entries, "A.localhost", 5000),
            Some(vec!["10.0.0.7:5000".parse().unwrap()])
        );
        assert_eq!(pinned_addrs(&entries, "a.localhost", 5001), lo(5001));
        assert_eq!(
            pinned_addrs(&entries, "registry.test", 443),
            Some(vec!["127.0.0.1:443".parse().unwrap()])
        );
        assert_eq!(pinned_addrs(&entries, "registry.test", 80), None);
    }

    #[test]
    fn settings_from_the_environment() {
        let t = Timeouts::parse("2").unwrap();
        assert_eq!(t.connect, Duration::from_secs(2));
        assert_eq!(t.io, Duration::from_secs(2));
        assert_eq!(
            Timeouts::parse(" 0.5 ").unwrap().io,
            Duration::from_millis(500)
        );
        for bad in ["", "0", "-1", "abc", "1e9", "NaN", "inf"] {
            assert!(Timeouts::parse(bad).is_err(), "{bad}");
        }
        let r = Resolve::parse_list("Registry.test:5000:127.0.0.1, h:443:[::1]").unwrap();
        assert_eq!(
            r,
            vec![
                Resolve {
                    host: "registry.test".into(),
                    port: 5000,
                    addr: "127.0.0.1".parse().unwrap()
                },
                Resolve {
                    host: "h".into(),
                    port: 443,
                    addr: "::1".parse().unwrap()
                },
            ]
        );
        for bad in [
            "h",
            "h:1",
            "h:x:127.0.0.1",
            "h:1:nowhere",
            "h:70000:127.0.0.1",
        ] {
            assert!(Resolve::parse_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_header("Authorization", "Bearer abc.def"),
            "Bearer <redacted>"
        );
        assert_eq!(
            redact_header("authorization", "Basic YWxpY2U6czNjcmV0"),
            "Basic <redacted>"
        );
        assert_eq!(redact_header("Accept", "x"), "x");
        assert_eq!(
            redact_url("https://u:p@h/x?a=1&access_token=s&X-Amz-Signature=z"),
            "https://<redacted>@h/x?a=1&access_token=<redacted>&X-Amz-Signature=<redacted>"
        );
    }
}
