//! Registry authentication: `WWW-Authenticate` challenges, token scopes, the token request and
//! the token reply (distribution's `docs/spec/auth/token.md`, RFC 7235 challenge grammar).

use std::fmt;

use super::urls::{parse_query, query_escape};

/// One challenge of a `WWW-Authenticate` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="..."`: send `Authorization: Basic base64(user:pass)` on every request.
    Basic { realm: Option<String> },
    /// `Bearer realm="...",service="...",scope="..."`: fetch a token from `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
        /// `error="insufficient_scope"` and the like, when the registry says why.
        error: Option<String>,
    },
    /// Any other scheme, kept so the client can say which one it cannot speak.
    Other { scheme: String },
}

impl Challenge {
    pub fn scheme(&self) -> &str {
        match self {
            Challenge::Basic { .. } => "Basic",
            Challenge::Bearer { .. } => "Bearer",
            Challenge::Other { scheme } => scheme,
        }
    }
}

/// Why a `WWW-Authenticate` value could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeError {
    pub header: String,
    pub reason: &'static str,
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the registry sent a WWW-Authenticate header that cannot be read ({}): {:?}",
            self.reason, self.header
        )
    }
}

impl std::error::Error for ChallengeError {}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] == b' ' || self.s[self.i] == b'\t') {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.i < self.s.len() && is_tchar(self.s[self.i]) {
            self.i += 1;
        }
        (self.i > start).then(|| std::str::from_utf8(&self.s[start..self.i]).unwrap_or(""))
    }
    /// Right after a scheme: skips a token68 credentials blob (`abc+/==`) if one is there,
    /// that is, token68 characters and padding followed by the end or a comma.
    fn skip_token68(&mut self) {
        let is68 = |c: u8| c.is_ascii_alphanumeric() || b"-._~+/".contains(&c);
        let mut j = self.i;
        while j < self.s.len() && is68(self.s[j]) {
            j += 1;
        }
        if j == self.i {
            return;
        }
        while j < self.s.len() && self.s[j] == b'=' {
            j += 1;
        }
        let mut k = j;
        while k < self.s.len() && (self.s[k] == b' ' || self.s[k] == b'\t') {
            k += 1;
        }
        if k == self.s.len() || self.s[k] == b',' {
            self.i = k;
        }
    }

    /// A token68 (base64-ish credentials blob) may end in `=` padding.
    fn token68_tail(&mut self) {
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
    }
    fn quoted(&mut self) -> Result<String, &'static str> {
        // at the opening quote
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string"),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        None => return Err("unterminated quoted string"),
                        Some(c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| "quoted string is not UTF-8")
    }
}

/// Parses every challenge of one or more `WWW-Authenticate` header values.
///
/// Accepts several challenges in one value (`Basic realm="a", Bearer realm="b"`), quoted
/// strings with backslash escapes, bare token values, and any letter case for the scheme and
/// the parameter names. Anything else is an error rather than a guess.
pub fn parse_challenges<S: AsRef<str>>(values: &[S]) -> Result<Vec<Challenge>, ChallengeError> {
    let mut out = Vec::new();
    for v in values {
        let v = v.as_ref();
        parse_one(v, &mut out).map_err(|reason| ChallengeError {
            header: v.to_string(),
            reason,
        })?;
    }
    Ok(out)
}

fn parse_one(v: &str, out: &mut Vec<Challenge>) -> Result<(), &'static str> {
    let mut lx = Lexer {
        s: v.as_bytes(),
        i: 0,
    };
    let mut current: Option<(String, Vec<(String, String)>)> = None;
    loop {
        lx.skip_ws();
        // empty list elements are allowed: ", ,"
        while lx.peek() == Some(b',') {
            lx.i += 1;
            lx.skip_ws();
        }
        if lx.peek().is_none() {
            break;
        }
        let tok = lx
            .token()
            .ok_or("expected an auth scheme or parameter name")?;
        lx.skip_ws();
        if lx.peek() == Some(b'=') {
            // either a parameter `name=value` of the current challenge, or token68 padding
            let save = lx.i;
            lx.i += 1;
            lx.skip_ws();
            let value = match lx.peek() {
                Some(b'"') => Some(lx.quoted()?),
                Some(c) if is_tchar(c) => lx.token().map(str::to_string),
                _ => None,
            };
            match value {
                Some(value) => {
                    let (_, params) = current
                        .as_mut()
                        .ok_or("a parameter comes before any auth scheme")?;
                    params.push((tok.to_ascii_lowercase(), value));
                }
                None => {
                    // token68 ending in '=' padding, e.g. `Negotiate abc==`
                    lx.i = save;
                    lx.token68_tail();
                    if current.is_none() {
                        return Err("credentials blob without an auth scheme");
                    }
                }
            }
            lx.skip_ws();
            match lx.peek() {
                None => break,
                Some(b',') => {
                    lx.i += 1;
                }
                _ => return Err("expected ',' between parameters"),
            }
        } else {
            // a new challenge: `scheme` then params (or a token68, or nothing)
            if let Some(c) = current.take() {
                out.push(build(c));
            }
            current = Some((tok.to_string(), Vec::new()));
            lx.skip_token68();
            match lx.peek() {
                None => break,
                Some(b',') => {
                    lx.i += 1;
                }
                Some(c) if is_tchar(c) => {}
                _ => return Err("unexpected character after the auth scheme"),
            }
        }
    }
    if let Some(c) = current.take() {
        out.push(build(c));
    }
    if out.is_empty() {
        return Err("no challenge in the header");
    }
    Ok(())
}

fn build((scheme, params): (String, Vec<(String, String)>)) -> Challenge {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if scheme.eq_ignore_ascii_case("basic") {
        Challenge::Basic {
            realm: get("realm"),
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        match get("realm") {
            Some(realm) => Challenge::Bearer {
                realm,
                service: get("service"),
                scope: get("scope"),
                error: get("error"),
            },
            // a Bearer challenge without a realm cannot be followed
            None => Challenge::Other {
                scheme: "Bearer (no realm)".into(),
            },
        }
    } else {
        Challenge::Other { scheme }
    }
}

/// A token scope: `repository:<path>:<actions>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(pub String);

impl Scope {
    /// `repository:<path>:pull`: read access (inspect, create, the source of a copy).
    pub fn pull(path: &str) -> Scope {
        Scope(format!("repository:{path}:pull"))
    }
    /// `repository:<path>:pull,push`: write access (push). Docker and distribution ask for
    /// both actions so the same token also serves the HEAD checks that precede a push.
    pub fn push(path: &str) -> Scope {
        Scope(format!("repository:{path}:pull,push"))
    }
    /// The scopes of a cross-repository mount: push on the target first, then pull on the
    /// source (the order distribution's client and go-containerregistry use; some token
    /// servers look at the first scope only).
    pub fn mount(target: &str, from: &str) -> Vec<Scope> {
        if target == from {
            vec![Scope::push(target)]
        } else {
            vec![Scope::push(target), Scope::pull(from)]
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The URL of the token request: `<realm>?account=<user>&scope=<s1>&scope=<s2>&service=<svc>`,
/// encoded as Go's `url.Values.Encode` (keys sorted, values in order), merged with any query the
/// realm already has. `account` is sent only when a user name is known (distribution's habit).
pub fn token_request_url(
    realm: &str,
    service: Option<&str>,
    scopes: &[Scope],
    account: Option<&str>,
) -> String {
    let (base, query) = match realm.split_once('?') {
        Some((b, q)) => (b, q),
        None => (realm, ""),
    };
    let mut pairs = parse_query(query);
    if let Some(a) = account.filter(|a| !a.is_empty()) {
        pairs.push(("account".into(), a.to_string()));
    }
    for s in scopes {
        pairs.push(("scope".into(), s.0.clone()));
    }
    if let Some(s) = service.filter(|s| !s.is_empty()) {
        pairs.push(("service".into(), s.to_string()));
    }
    // stable sort by key keeps the order of repeated keys, as Go does
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if pairs.is_empty() {
        return base.to_string();
    }
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect();
    format!("{base}?{}", q.join("&"))
}

/// A token server's reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResponse {
    pub token: String,
    /// Seconds the token is valid; the spec's default is 60 when absent.
    pub expires_in: u64,
    pub refresh_token: Option<String>,
}

/// Why a token reply could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    NotJson(String),
    NoToken,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::NotJson(e) => write!(f, "the token server's reply is not JSON: {e}"),
            TokenError::NoToken => {
                f.write_str("the token server's reply has neither \"token\" nor \"access_token\"")
            }
        }
    }
}

impl std::error::Error for TokenError {}

/// Reads the token server's JSON: `token` or `access_token` (the first non-empty wins, `token`
/// first as distribution does), `expires_in` (default 60, minimum 60 as distribution applies),
/// `refresh_token`.
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse, TokenError> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| TokenError::NotJson(e.to_string()))?;
    let s = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    let token = s("token")
        .or_else(|| s("access_token"))
        .ok_or(TokenError::NoToken)?;
    let expires_in = v
        .get("expires_in")
        .and_then(|x| x.as_u64())
        .unwrap_or(60)
        .max(60);
    Ok(TokenResponse {
        token,
        expires_in,
        refresh_token: s("refresh_token"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_with_service_and_scope() {
        let c = parse_challenges(&[
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        ])
        .unwrap();
        assert_eq!(
            c,
            vec![Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
                error: None,
            }]
        );
    }

    #[test]
    fn basic_and_case_insensitive() {
        assert_eq!(
            parse_challenges(&[r#"basic REALM="basic-realm""#]).unwrap(),
            vec![Challenge::Basic {
                realm: Some("basic-realm".into())
            }]
        );
        assert_eq!(
            parse_challenges(&["Basic"]).unwrap(),
            vec![Challenge::Basic { realm: None }]
        );
    }

    #[test]
    fn several_challenges_in_one_value_and_several_headers() {
        let c = parse_challenges(&[
            r#"Basic realm="r1", Bearer realm="https://t/x",service=svc"#,
            "Negotiate abc+/==",
        ])
        .unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[0],
            Challenge::Basic {
                realm: Some("r1".into())
            }
        );
        assert_eq!(
            c[1],
            Challenge::Bearer {
                realm: "https://t/x".into(),
                service: Some("svc".into()),
                scope: None,
                error: None
            }
        );
        assert_eq!(
            c[2],
            Challenge::Other {
                scheme: "Negotiate".into()
            }
        );
    }

    #[test]
    fn quoted_strings_with_escapes_and_commas() {
        let c = parse_challenges(&[
            r#"Bearer realm="https://a/t?x=1,2",scope="repository:a:pull,push",error="insufficient_scope",service="say \"hi\" \\o/""#,
        ])
        .unwrap();
        match &c[0] {
            Challenge::Bearer {
                realm,
                service,
                scope,
                error,
            } => {
                assert_eq!(realm, "https://a/t?x=1,2");
                assert_eq!(scope.as_deref(), Some("repository:a:pull,push"));
                assert_eq!(error.as_deref(), Some("insufficient_scope"));
                assert_eq!(service.as_deref(), Some(r#"say "hi" \o/"#));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "   ",
            r#"realm="x""#,
            r#"Bearer realm="unterminated"#,
            r#"Bearer realm="a" service="b""#,
            "Bearer ;;;",
            "\"quoted\"",
        ] {
            assert!(parse_challenges(&[bad]).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn bearer_without_realm_is_not_followable() {
        assert_eq!(
            parse_challenges(&[r#"Bearer service="x""#]).unwrap()[0].scheme(),
            "Bearer (no realm)"
        );
    }

    #[test]
    fn scopes() {
        assert_eq!(Scope::pull("a/b").as_str(), "repository:a/b:pull");
        assert_eq!(Scope::push("a/b").as_str(), "repository:a/b:pull,push");
        assert_eq!(
            Scope::mount("t/x", "s/y"),
            vec![
                Scope("repository:t/x:pull,push".into()),
                Scope("repository:s/y:pull".into())
            ]
        );
        assert_eq!(Scope::mount("t/x", "t/x"), vec![Scope::push("t/x")]);
    }

    #[test]
    fn token_url_like_go() {
        assert_eq!(
            token_request_url(
                "https://auth.example/token",
                Some("registry.example"),
                &Scope::mount("t/x", "s/y"),
                Some("alice")
            ),
            "https://auth.example/token?account=alice&scope=repository%3At%2Fx%3Apull%2Cpush&scope=repository%3As%2Fy%3Apull&service=registry.example"
        );
        // anonymous: no account; the realm's own query is merged and sorted
        assert_eq!(
            token_request_url(
                "http://127.0.0.1:1/t?z=1&a=b+c",
                Some("svc"),
                &[Scope::pull("a")],
                None
            ),
            "http://127.0.0.1:1/t?a=b+c&scope=repository%3Aa%3Apull&service=svc&z=1"
        );
        assert_eq!(
            token_request_url("http://x/t", None, &[], None),
            "http://x/t"
        );
    }

    #[test]
    fn token_replies() {
        let t = parse_token_response(br#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!((t.token.as_str(), t.expires_in), ("abc", 300));
        let t = parse_token_response(br#"{"access_token":"xyz"}"#).unwrap();
        assert_eq!((t.token.as_str(), t.expires_in), ("xyz", 60));
        let t = parse_token_response(
            br#"{"token":"","access_token":"xyz","expires_in":5,"refresh_token":"r"}"#,
        )
        .unwrap();
        assert_eq!(t.token, "xyz");
        assert_eq!(t.expires_in, 60);
        assert_eq!(t.refresh_token.as_deref(), Some("r"));
        assert_eq!(parse_token_response(b"{}"), Err(TokenError::NoToken));
        assert!(matches!(
            parse_token_response(b"<html>"),
            Err(TokenError::NotJson(_))
        ));
    }
}
