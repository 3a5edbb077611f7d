//! `WWW-Authenticate` challenges (RFC 7235's grammar, as registries send them): parsed into
//! [`Challenge`] values so the client can choose a scheme ([`super::choose_scheme`]).

use std::fmt;

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
}
