//! Registry authentication (distribution's `docs/spec/auth/token.md`, RFC 7235): reading
//! `WWW-Authenticate` challenges ([`challenge`]), choosing how to authenticate from them (here),
//! and the token exchange: scopes, the token request and its reply ([`token`]).
//!
//! The shim's client asks these functions what to do and does it; nothing here sends a request.

pub mod challenge;
pub mod token;

pub use challenge::{parse_challenges, Challenge, ChallengeError};
pub use token::{
    merge_scopes, parse_token_response, scope_key, token_form, token_request_url, Grant, Scope,
    TokenError, TokenResponse,
};

/// How a registry wants requests authenticated, decided once from its answer to `GET /v2/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `/v2/` answered without a 401: send no credentials.
    Anonymous,
    /// `Authorization: Basic base64(user:password)` on every request.
    Basic,
    /// Tokens from `realm` (for `service`), one per scope set.
    Bearer {
        realm: String,
        service: Option<String>,
    },
    /// Only schemes manifold does not speak (`Negotiate`, a Bearer without a realm, ...), named
    /// as the registry sent them, comma-separated, for the error message.
    Unsupported(String),
}

impl AuthScheme {
    /// The scheme for a ping answered `status` with these challenges. Only a 401 says how to
    /// authenticate: any other status means no credentials are needed.
    pub fn from_ping(status: u16, challenges: &[Challenge]) -> AuthScheme {
        if status == 401 {
            choose_scheme(challenges)
        } else {
            AuthScheme::Anonymous
        }
    }
}

/// The scheme to use among a 401's challenges: Bearer when the registry offers it (the first
/// Bearer challenge), else Basic, else [`AuthScheme::Unsupported`] naming every scheme offered.
pub fn choose_scheme(challenges: &[Challenge]) -> AuthScheme {
    if let Some(Challenge::Bearer { realm, service, .. }) = challenges
        .iter()
        .find(|c| matches!(c, Challenge::Bearer { .. }))
    {
        return AuthScheme::Bearer {
            realm: realm.clone(),
            service: service.clone(),
        };
    }
    if challenges
        .iter()
        .any(|c| matches!(c, Challenge::Basic { .. }))
    {
        return AuthScheme::Basic;
    }
    AuthScheme::Unsupported(
        challenges
            .iter()
            .map(Challenge::scheme)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The scope a registry asks for when it refuses a token (`401` with
/// `Bearer ...,scope="..."`, possibly several space-separated scopes): the last Bearer
/// challenge's scope, to be merged into the next token request ([`merge_scopes`]).
pub fn challenge_scope(challenges: &[Challenge]) -> Option<String> {
    challenges
        .iter()
        .filter_map(|c| match c {
            Challenge::Bearer { scope: Some(s), .. } => Some(s.clone()),
            _ => None,
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(realm: &str, scope: Option<&str>) -> Challenge {
        Challenge::Bearer {
            realm: realm.into(),
            service: Some("svc".into()),
            scope: scope.map(str::to_string),
            error: None,
        }
    }

    #[test]
    fn bearer_is_preferred_over_basic() {
        let basic = Challenge::Basic { realm: None };
        let want = AuthScheme::Bearer {
            realm: "https://t/x".into(),
            service: Some("svc".into()),
        };
        assert_eq!(
            choose_scheme(&[basic.clone(), bearer("https://t/x", None)]),
            want
        );
        assert_eq!(
            choose_scheme(&[bearer("https://t/x", None), basic.clone()]),
            want
        );
        assert_eq!(
            choose_scheme(&[bearer("https://t/x", None), bearer("https://t/y", None)]),
            want,
            "the first Bearer challenge"
        );
        assert_eq!(choose_scheme(&[basic]), AuthScheme::Basic);
    }

    #[test]
    fn other_schemes_are_unsupported_and_named() {
        let c = parse_challenges(&[r#"Negotiate abc==, Bearer service="x""#]).unwrap();
        assert_eq!(
            choose_scheme(&c),
            AuthScheme::Unsupported("Negotiate, Bearer (no realm)".into())
        );
        assert_eq!(choose_scheme(&[]), AuthScheme::Unsupported(String::new()));
        let mixed = parse_challenges(&["Negotiate, Basic"]).unwrap();
        assert_eq!(choose_scheme(&mixed), AuthScheme::Basic);
    }

    #[test]
    fn only_a_401_asks_for_credentials() {
        let c = [Challenge::Basic { realm: None }];
        assert_eq!(AuthScheme::from_ping(200, &c), AuthScheme::Anonymous);
        assert_eq!(AuthScheme::from_ping(404, &[]), AuthScheme::Anonymous);
        assert_eq!(AuthScheme::from_ping(401, &c), AuthScheme::Basic);
    }

    #[test]
    fn the_scope_asked_for_is_the_last_bearer_scope() {
        assert_eq!(challenge_scope(&[]), None);
        assert_eq!(challenge_scope(&[bearer("r", None)]), None);
        assert_eq!(
            challenge_scope(&[
                bearer("r", Some("repository:a:pull")),
                Challenge::Basic { realm: None },
                bearer("r", Some("repository:b:pull")),
            ])
            .as_deref(),
            Some("repository:b:pull")
        );
    }
}
