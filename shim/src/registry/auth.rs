//! The Authorization header of a request: Basic credentials, or a Bearer token fetched from the
//! registry's token server and cached per scope set for the run. Which scheme, which scopes and
//! what the token request says are the engine's answers (`registry::auth`); this file looks up
//! credentials, sends the token request and keeps the tokens.

use std::time::{Duration, Instant};

use base64::Engine;
use manifold_engine::registry::{
    host as hosts, merge_scopes, parse_token_response, scope_key, snippet, token_form,
    token_request_url, url_host, AuthScheme, Grant, RegistryErrors, Scope,
};

use super::client::{Client, Host};
use super::creds::Credential;
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Body;
use super::transport;

/// The `client_id` of manifold's OAuth2 token requests.
const CLIENT_ID: &str = "manifold";

fn basic(c: &Credential) -> String {
    let b =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.username, c.password));
    format!("Basic {b}")
}

impl Client {
    /// May credentials go to this URL? Not over plain HTTP to a non-loopback host without --insecure
    /// (or registries.conf's `insecure` for it).
    fn may_send_secret(&self, url: &str) -> bool {
        url.starts_with("https://")
            || url_host(url).is_some_and(|h| hosts::is_loopback(h) || self.insecure_for(h))
    }

    /// The Authorization header for a request to `host` needing `scopes` (and `extra_scope`, what
    /// a 401 asked for); `refresh` fetches a new token even when one is cached.
    pub(super) fn authorization(
        &self,
        repo: &Repo,
        host: &Host,
        scopes: &[Scope],
        extra_scope: Option<&str>,
        refresh: bool,
    ) -> Result<Option<String>, RegistryError> {
        match &host.auth() {
            None | Some(AuthScheme::Anonymous | AuthScheme::Unsupported(_)) => Ok(None),
            Some(AuthScheme::Basic) => {
                let l = self.lookup(repo)?;
                match &l.credential {
                    Some((c, _)) if self.may_send_secret(host.endpoint.base()) => {
                        Ok(Some(basic(c)))
                    }
                    _ => Ok(None),
                }
            }
            Some(AuthScheme::Bearer { realm, service }) => {
                let all = merge_scopes(scopes, extra_scope);
                let key = scope_key(&all);
                let cached = || {
                    host.tokens
                        .lock()
                        .unwrap()
                        .get(&key)
                        .filter(|(_, until)| Instant::now() < *until)
                        .map(|(t, _)| format!("Bearer {t}"))
                };
                if !refresh {
                    if let Some(t) = cached() {
                        return Ok(Some(t));
                    }
                }
                let lock = host
                    .token_fetch
                    .lock()
                    .unwrap()
                    .entry(key.clone())
                    .or_default()
                    .clone();
                let _one_fetch = lock.lock().unwrap();
                if !refresh {
                    // another thread may have fetched it while this one waited
                    if let Some(t) = cached() {
                        return Ok(Some(t));
                    }
                }
                let token = self.fetch_token(repo, realm, service.as_deref(), &all)?;
                host.tokens
                    .lock()
                    .unwrap()
                    .insert(key, (token.0.clone(), token.1));
                Ok(Some(format!("Bearer {}", token.0)))
            }
        }
    }

    /// Asks the token server at `realm` for a token: with an identity token, docker's OAuth2
    /// POST; else a GET, with Basic credentials when there are any.
    fn fetch_token(
        &self,
        repo: &Repo,
        realm: &str,
        service: Option<&str>,
        scopes: &[Scope],
    ) -> Result<(String, Instant), RegistryError> {
        let l = self.lookup(repo)?;
        let cred = l
            .credential
            .as_ref()
            .filter(|_| self.may_send_secret(realm))
            .map(|(c, _)| c);
        let realm_host = url_host(realm).unwrap_or("").to_string();
        let started = Instant::now();
        let resp = match cred.and_then(|c| c.identity_token.as_deref()) {
            Some(refresh_token) => {
                let form = token_form(
                    Grant::RefreshToken(refresh_token),
                    service,
                    scopes,
                    CLIENT_ID,
                );
                self.send_once(
                    "POST",
                    realm,
                    &[(
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_string(),
                    )],
                    Body::Bytes(form.as_bytes()),
                )
            }
            None => {
                let url =
                    token_request_url(realm, service, scopes, cred.map(|c| c.username.as_str()));
                let headers: Vec<(&str, String)> = cred
                    .map(|c| ("Authorization", basic(c)))
                    .into_iter()
                    .collect();
                self.send_once("GET", &url, &headers, Body::Empty)
            }
        };
        let mut resp = resp.map_err(|e| self.failure_error(&realm_host, realm, &e))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        match status {
            200 => {
                let t = parse_token_response(&body).map_err(|e| RegistryError::Protocol {
                    method: "GET".into(),
                    url: transport::redact_url(realm),
                    status,
                    message: e.to_string(),
                    errors: None,
                })?;
                // keep a margin so a token does not expire in flight
                let life = Duration::from_secs(t.expires_in.saturating_sub(10).max(1));
                Ok((t.token, started + life))
            }
            401 | 403 => Err(RegistryError::Unauthorized {
                host: repo.host.clone(),
                repo: repo.path.clone(),
                tried: l.describe(),
                message: RegistryErrors::parse(&body)
                    .map(|e| e.to_string())
                    .or(Some(format!(
                        "the token server {realm_host} answered {status}"
                    ))),
            }),
            _ => Err(RegistryError::Protocol {
                method: "GET".into(),
                url: transport::redact_url(realm),
                status,
                message: snippet(&body),
                errors: RegistryErrors::parse(&body),
            }),
        }
    }
}
