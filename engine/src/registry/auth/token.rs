//! Tokens (distribution's `docs/spec/auth/token.md`): the scopes a token is asked for and cached
//! under, the token request (a GET with Basic credentials, or docker's OAuth2 form POST), and
//! the token server's reply.

use std::fmt;

use crate::registry::urls::{parse_query, query_escape};

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

/// The scopes a token is requested for: `scopes` in order, then each space-separated scope of
/// `extra` (what a 401 challenge asked for) not already among them.
pub fn merge_scopes(scopes: &[Scope], extra: Option<&str>) -> Vec<Scope> {
    let mut all: Vec<Scope> = scopes.to_vec();
    for s in extra.unwrap_or("").split(' ') {
        if !s.is_empty() && !all.iter().any(|a| a.as_str() == s) {
            all.push(Scope(s.to_string()));
        }
    }
    all
}

/// The key a token is cached under for a run: its scopes, space-separated, in request order
/// (the form the `scope` parameter of docker's OAuth2 POST takes too).
pub fn scope_key(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an OAuth2 token POST trades for an access token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grant<'a> {
    /// An identity token (`identitytoken` in docker's config, a helper's `<token>` user).
    RefreshToken(&'a str),
    /// A user name and password (docker's password grant, for token servers that want a POST).
    Password {
        username: &'a str,
        password: &'a str,
    },
}

impl fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::RefreshToken(_) => f.write_str("RefreshToken(<redacted>)"),
            Grant::Password { username, .. } => {
                write!(
                    f,
                    "Password {{ username: {username:?}, password: <redacted> }}"
                )
            }
        }
    }
}

/// The `application/x-www-form-urlencoded` body of the token POST, as docker's
/// `registry/client/auth` sends it: `grant_type`, the grant's secrets, `service`, `scope` (the
/// scopes space-separated) and `client_id`.
pub fn token_form(
    grant: Grant<'_>,
    service: Option<&str>,
    scopes: &[Scope],
    client_id: &str,
) -> String {
    let secrets = match grant {
        Grant::RefreshToken(t) => {
            format!("grant_type=refresh_token&refresh_token={}", query_escape(t))
        }
        Grant::Password { username, password } => format!(
            "grant_type=password&username={}&password={}",
            query_escape(username),
            query_escape(password)
        ),
    };
    format!(
        "{secrets}&service={}&scope={}&client_id={}",
        query_escape(service.unwrap_or("")),
        query_escape(&scope_key(scopes)),
        query_escape(client_id),
    )
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

    #[test]
    fn scopes_merge_without_repeats() {
        let base = [Scope::push("t/x")];
        assert_eq!(merge_scopes(&base, None), base.to_vec());
        let all = merge_scopes(
            &base,
            Some("repository:t/x:pull,push  repository:s/y:pull repository:s/y:pull"),
        );
        assert_eq!(all, vec![Scope::push("t/x"), Scope::pull("s/y")]);
        assert_eq!(
            scope_key(&all),
            "repository:t/x:pull,push repository:s/y:pull"
        );
        assert_eq!(scope_key(&[]), "");
    }

    #[test]
    fn token_forms_like_docker() {
        assert_eq!(
            token_form(
                Grant::RefreshToken("r/t=="),
                Some("registry.example"),
                &Scope::mount("t/x", "s/y"),
                "manifold"
            ),
            "grant_type=refresh_token&refresh_token=r%2Ft%3D%3D&service=registry.example&scope=repository%3At%2Fx%3Apull%2Cpush+repository%3As%2Fy%3Apull&client_id=manifold"
        );
        assert_eq!(
            token_form(
                Grant::Password {
                    username: "a b",
                    password: "p&w"
                },
                None,
                &[],
                "manifold"
            ),
            "grant_type=password&username=a+b&password=p%26w&service=&scope=&client_id=manifold"
        );
        let g = format!("{:?}", Grant::RefreshToken("secret"));
        assert!(!g.contains("secret"), "{g}");
    }
}
