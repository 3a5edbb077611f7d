//! URLs of the distribution API, and the query encoding Go's `net/url` uses.

use crate::digest::Digest;

/// Go's `url.QueryEscape`: unreserved bytes stay, space becomes `+`, everything else `%XX`.
pub fn query_escape(s: &str) -> String {
    escape(s, true)
}

/// Go's `url.PathEscape`-like escaping for one path segment (a tag or digest needs none, but a
/// caller-supplied string must never break the path).
pub fn path_escape(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, query: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' if query => out.push('+'),
            b':' | b'@' | b'+' | b'=' | b'$' | b'&' if !query => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|v| v as u8)
}

/// `a=b&c=d` → pairs, decoded (Go's `url.ParseQuery`, leniently).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (unescape(k), unescape(v)),
            None => (unescape(p), String::new()),
        })
        .collect()
}

/// A registry's base URL, `scheme://host[:port]`, and the URL of every endpoint under it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    base: String,
}

impl Endpoint {
    /// `scheme` is `https` or `http`; `host` is the registry host with its port, as in a
    /// reference (`registry-1.docker.io`, `127.0.0.1:5000`, `[::1]:5000`).
    pub fn new(scheme: &str, host: &str) -> Endpoint {
        Endpoint {
            base: format!("{scheme}://{host}"),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_https(&self) -> bool {
        self.base.starts_with("https://")
    }

    /// `GET /v2/`: the ping that tells whether and how the registry wants authentication.
    pub fn ping(&self) -> String {
        format!("{}/v2/", self.base)
    }

    /// `/v2/<path>/manifests/<tag or digest>`.
    pub fn manifest(&self, path: &str, reference: &str) -> String {
        format!(
            "{}/v2/{path}/manifests/{}",
            self.base,
            path_escape(reference)
        )
    }

    /// `/v2/<path>/blobs/<digest>`.
    pub fn blob(&self, path: &str, digest: &Digest) -> String {
        format!("{}/v2/{path}/blobs/{}", self.base, digest.as_str())
    }

    /// `POST /v2/<path>/blobs/uploads/`: start an upload session.
    pub fn upload_start(&self, path: &str) -> String {
        format!("{}/v2/{path}/blobs/uploads/", self.base)
    }

    /// `POST /v2/<path>/blobs/uploads/?from=<repo>&mount=<digest>`: a cross-repository mount
    /// (keys sorted as Go's `url.Values.Encode` writes them).
    pub fn mount(&self, path: &str, digest: &Digest, from: &str) -> String {
        format!(
            "{}/v2/{path}/blobs/uploads/?from={}&mount={}",
            self.base,
            query_escape(from),
            query_escape(digest.as_str())
        )
    }

    /// Resolves an upload session's `Location` header against this registry: absolute URLs
    /// stay, `/v2/...` paths and relative paths get the registry's base.
    /// `url` moved to this endpoint's scheme, when it names the same host over the other one: a
    /// URL built before a guessed scheme was corrected. `None` when it needs no change (another
    /// host's URL, or this scheme already).
    pub fn rebase(&self, url: &str) -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        let (own_scheme, own_host) = self.base.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        (scheme != own_scheme && host.eq_ignore_ascii_case(own_host))
            .then(|| format!("{own_scheme}://{rest}"))
    }

    pub fn resolve_location(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else if let Some(rest) = location.strip_prefix("//") {
            let scheme = self.base.split("://").next().unwrap_or("https");
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            format!("{}/{location}", self.base)
        }
    }
}

/// Adds `digest=<d>` to an upload location for the closing `PUT`, keeping the session's own
/// query parameters (`_state` and the like).
pub fn with_digest(location: &str, digest: &Digest) -> String {
    let sep = if location.contains('?') { '&' } else { '?' };
    format!("{location}{sep}digest={}", query_escape(digest.as_str()))
}

/// The host of an absolute URL (`https://a.b:5000/x` → `a.b:5000`), for redirect and
/// credential decisions.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    // drop userinfo
    Some(host.rsplit_once('@').map_or(host, |(_, h)| h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Digest {
        Digest::sha256(b"x")
    }

    #[test]
    fn escaping_like_go() {
        assert_eq!(query_escape("a b:c/d,e+f~g"), "a+b%3Ac%2Fd%2Ce%2Bf~g");
        assert_eq!(path_escape("v1.0_rc-1"), "v1.0_rc-1");
        assert_eq!(path_escape("sha256:ab"), "sha256:ab");
        assert_eq!(path_escape("a/b c"), "a%2Fb%20c");
        assert_eq!(
            parse_query("a=b+c&x=%2F&flag&"),
            vec![
                ("a".into(), "b c".into()),
                ("x".into(), "/".into()),
                ("flag".into(), "".into())
            ]
        );
        assert_eq!(
            parse_query("bad=%zz&end=%4"),
            vec![("bad".into(), "%zz".into()), ("end".into(), "%4".into())]
        );
    }

    #[test]
    fn endpoint_urls() {
        let e = Endpoint::new("http", "127.0.0.1:5000");
        assert_eq!(e.ping(), "http://127.0.0.1:5000/v2/");
        assert_eq!(
            e.manifest("a/b", "v1"),
            "http://127.0.0.1:5000/v2/a/b/manifests/v1"
        );
        assert_eq!(
            e.manifest("a/b", d().as_str()),
            format!("http://127.0.0.1:5000/v2/a/b/manifests/{}", d())
        );
        assert_eq!(
            e.blob("a", &d()),
            format!("http://127.0.0.1:5000/v2/a/blobs/{}", d())
        );
        assert_eq!(
            e.upload_start("a"),
            "http://127.0.0.1:5000/v2/a/blobs/uploads/"
        );
        assert_eq!(
            e.mount("t/x", &d(), "s/y"),
            format!(
                "http://127.0.0.1:5000/v2/t/x/blobs/uploads/?from=s%2Fy&mount=sha256%3A{}",
                d().encoded()
            )
        );
        assert!(!e.is_https());
        assert!(Endpoint::new("https", "r").is_https());
    }

    #[test]
    fn locations() {
        let e = Endpoint::new("https", "r.io");
        assert_eq!(
            e.resolve_location("/v2/a/blobs/uploads/u?_state=s"),
            "https://r.io/v2/a/blobs/uploads/u?_state=s"
        );
        assert_eq!(e.resolve_location("https://s3/x"), "https://s3/x");
        assert_eq!(
            Endpoint::new("https", "h:5000").rebase("http://h:5000/v2/a/manifests/v1?x=1"),
            Some("https://h:5000/v2/a/manifests/v1?x=1".to_string())
        );
        assert_eq!(
            Endpoint::new("https", "h:5000").rebase("https://h:5000/v2/"),
            None
        );
        assert_eq!(
            Endpoint::new("https", "h:5000").rebase("http://s3:5000/x"),
            None
        );
        assert_eq!(
            Endpoint::new("http", "H:5000").rebase("https://h:5000/v2/"),
            Some("http://h:5000/v2/".to_string())
        );
        assert_eq!(e.resolve_location("//cdn/x"), "https://cdn/x");
        assert_eq!(e.resolve_location("u"), "https://r.io/u");
        assert_eq!(
            with_digest("https://r/u?_state=s", &d()),
            format!("https://r/u?_state=s&digest=sha256%3A{}", d().encoded())
        );
        assert_eq!(
            with_digest("https://r/u", &d()),
            format!("https://r/u?digest=sha256%3A{}", d().encoded())
        );
        assert_eq!(url_host("https://u:p@a.b:5000/x?y"), Some("a.b:5000"));
        assert_eq!(url_host("http://h"), Some("h"));
        assert_eq!(url_host("nope"), None);
    }
}
