//! Sending requests: one request is a [`Req`] value (method, URL, token scopes, headers, body,
//! whether it may be sent twice), and [`Client::send`] carries it out with authorization, one
//! token refresh on a 401, and the retries the engine's `should_retry` allows. Every retry rule
//! of the client is here; the operations only build their `Req`.

use std::time::Duration;

use manifold_engine::registry::{
    challenge_scope, is_idempotent, parse_challenges, should_retry, url_host, AuthScheme, Outcome,
    Scope,
};
use ureq::http::{self, Response};

use super::client::{jitter, now_unix, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::transport::{self, classify, Failure};

/// A request body: none, or bytes in memory (so the request can be sent again).
#[derive(Clone, Copy)]
pub(super) enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
}

/// One request to a registry.
pub(super) struct Req<'a> {
    pub(super) method: &'static str,
    pub(super) url: &'a str,
    /// The token scopes it needs (none for `/v2/`).
    pub(super) scopes: Vec<Scope>,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Body<'a>,
    /// May it be sent again after a connection error, a 429 or a 5xx? By default what the
    /// method says ([`is_idempotent`]); operations override it where they know better.
    pub(super) idempotent: bool,
}

impl<'a> Req<'a> {
    pub(super) fn new(method: &'static str, url: &'a str) -> Req<'a> {
        Req {
            method,
            url,
            scopes: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            idempotent: is_idempotent(method),
        }
    }

    pub(super) fn get(url: &'a str) -> Req<'a> {
        Req::new("GET", url)
    }

    pub(super) fn head(url: &'a str) -> Req<'a> {
        Req::new("HEAD", url)
    }

    pub(super) fn put(url: &'a str) -> Req<'a> {
        Req::new("PUT", url)
    }

    pub(super) fn post(url: &'a str) -> Req<'a> {
        Req::new("POST", url)
    }

    pub(super) fn patch(url: &'a str) -> Req<'a> {
        Req::new("PATCH", url)
    }

    pub(super) fn scopes(mut self, scopes: Vec<Scope>) -> Req<'a> {
        self.scopes = scopes;
        self
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Req<'a> {
        self.headers.push((name, value.into()));
        self
    }

    pub(super) fn bytes(mut self, data: &'a [u8]) -> Req<'a> {
        self.body = Body::Bytes(data);
        self
    }

    pub(super) fn idempotent(mut self, yes: bool) -> Req<'a> {
        self.idempotent = yes;
        self
    }
}

impl Client {
    /// How long to wait before trying an idempotent request again after a connection error.
    pub(super) fn connection_retry(&self, attempt: u32) -> Option<u64> {
        should_retry(
            &self.opts.retry,
            true,
            attempt,
            &Outcome::ConnectionError,
            jitter(),
            now_unix(),
        )
    }

    /// How long to wait before trying again after response `r` (None: do not retry): 429 and
    /// 5xx are retried for idempotent requests, honouring Retry-After.
    pub(super) fn status_retry(
        &self,
        idempotent: bool,
        attempt: u32,
        r: &Response<ureq::Body>,
    ) -> Option<u64> {
        let retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok());
        should_retry(
            &self.opts.retry,
            idempotent,
            attempt,
            &Outcome::Status {
                code: r.status().as_u16(),
                retry_after,
            },
            jitter(),
            now_unix(),
        )
    }

    /// Sends one request, no auth or retry logic. `Err` is a transport failure.
    pub(super) fn send_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let host = url_host(url).unwrap_or("");
        let agent = self
            .agents()
            .and_then(|a| a.for_host(host))
            .map_err(|e| ureq::Error::Other(Box::new(e)))?;
        self.debug(|| format!("> {method} {}", transport::redact_url(url)));
        let mut b = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            self.debug(|| format!(">   {k}: {}", transport::redact_header(k, v)));
            b = b.header(*k, v.as_str());
        }
        let resp = match body {
            Body::Bytes(data) => agent.run(b.body(data)?),
            Body::Empty if matches!(method, "POST" | "PUT" | "PATCH") => {
                agent.run(b.body(&[][..])?)
            }
            Body::Empty => agent.run(b.body(())?),
        };
        match &resp {
            Ok(r) => self.debug(|| {
                let mut s = format!("< {} {}", r.status().as_u16(), method);
                for (k, v) in r.headers() {
                    let k = k.as_str();
                    if matches!(
                        k,
                        "content-type"
                            | "content-length"
                            | "docker-content-digest"
                            | "location"
                            | "www-authenticate"
                            | "range"
                            | "retry-after"
                    ) {
                        s.push_str(&format!(
                            "\n<   {k}: {}",
                            transport::redact_header(k, v.to_str().unwrap_or("?"))
                        ));
                    }
                }
                s
            }),
            Err(e) => self.debug(|| format!("< error: {e}")),
        }
        resp
    }

    /// Turns a transport failure into the error the user sees.
    pub(super) fn failure_error(&self, host: &str, url: &str, e: &ureq::Error) -> RegistryError {
        if let ureq::Error::Other(inner) = e {
            if let Some(r) = inner.downcast_ref::<RegistryError>() {
                return r.clone();
            }
        }
        if let ureq::Error::Timeout(t) = e {
            let limit = match t {
                ureq::Timeout::Connect => self.opts.net.timeouts.connect,
                _ => self.opts.net.timeouts.io,
            };
            return RegistryError::Network {
                url: transport::redact_url(url),
                message: format!(
                    "{host} did not answer within {} s ({t}); set MANIFOLD_TIMEOUT=SECONDS to wait longer",
                    limit.as_secs_f64()
                ),
            };
        }
        match classify(e) {
            Failure::Certificate(p) | Failure::NotTls(p) => RegistryError::Tls {
                host: host.to_string(),
                problem: p,
            },
            Failure::ClientCertificate(alert) => {
                let agents = self.agents().ok();
                RegistryError::ClientCertificate {
                    host: host.to_string(),
                    folder: agents
                        .and_then(|a| a.client_cert_folder(host))
                        .map(|d| d.display().to_string()),
                    sent: agents
                        .and_then(|a| a.client_cert_of(host))
                        .map(|f| f.display().to_string()),
                    alert,
                }
            }
            Failure::Refused => RegistryError::ConnectionRefused {
                host: host.to_string(),
            },
            Failure::Transient(m) | Failure::Fatal(m) => RegistryError::Network {
                url: transport::redact_url(url),
                message: m,
            },
        }
    }

    /// Sends `req` to `repo`'s registry with auth, one token refresh on 401, and retries of
    /// idempotent requests. Returns any HTTP response; the caller judges the status.
    pub(super) fn send(
        &self,
        repo: &Repo,
        req: &Req<'_>,
    ) -> Result<Response<ureq::Body>, RegistryError> {
        let mut host = self.host(repo)?;
        // a URL built before a guessed scheme was corrected goes over the corrected one
        let mut url = host
            .endpoint
            .rebase(req.url)
            .unwrap_or_else(|| req.url.to_string());
        let mut refreshed = false;
        let mut extra_scope: Option<String> = None;
        let mut attempt = 1;
        // Credentials go to the registry's own host only, never to an upload Location (or any
        // URL the registry hands out) on another host.
        let own_host = url_host(&url).is_some_and(|h| h.eq_ignore_ascii_case(&repo.host));
        let mut learned = false;
        // whether the attempt before this one carried credentials: only a token that was sent
        // and refused needs a new one; a request that went without (its 401 taught the scheme)
        // takes a token another thread fetched meanwhile for the same scopes
        let mut sent_before = false;
        loop {
            // what was known of the host's auth when this attempt went out
            let known = host.auth().is_some();
            let auth = if own_host {
                let refresh = refreshed && sent_before;
                self.authorization(repo, &host, &req.scopes, extra_scope.as_deref(), refresh)?
            } else {
                None
            };
            sent_before = auth.is_some();
            let mut h: Vec<(&str, String)> = req.headers.clone();
            if let Some(a) = auth {
                h.push(("Authorization", a));
            }
            let outcome = self.send_once(req.method, &url, &h, req.body);
            if own_host && host.guess.is_some() {
                // over a guessed scheme: does this answer settle it?
                let answer = outcome.as_ref().ok().map(|r| r.status().as_u16());
                if let Some(moved) = self.settle(repo, &host, answer)? {
                    url = moved.endpoint.rebase(&url).unwrap_or(url);
                    host = moved;
                    learned = false;
                    continue;
                }
            }
            match outcome {
                Err(e) => {
                    let retry = matches!(classify(&e), Failure::Transient(_))
                        .then(|| {
                            should_retry(
                                &self.opts.retry,
                                req.idempotent,
                                attempt,
                                &Outcome::ConnectionError,
                                jitter(),
                                now_unix(),
                            )
                        })
                        .flatten();
                    match retry {
                        Some(ms) => {
                            std::thread::sleep(Duration::from_millis(ms));
                            attempt += 1;
                        }
                        None if !host.probed && host.auth().is_none() => {
                            return Err(self.first_contact_error(&repo.host, &url, &e))
                        }
                        None => return Err(self.failure_error(&repo.host, &url, &e)),
                    }
                }
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    // (a 5xx or 429 says nothing about auth: it is retried, then learnt from)
                    if !known && own_host && !learned && status != 429 && status < 500 {
                        // No ping was made: this first answer says how the registry wants
                        // auth (a 401's challenge), and the request goes again with it.
                        learned = true;
                        let scheme = self.scheme_of(&url, &resp)?;
                        host.auth.lock().unwrap().get_or_insert(scheme.clone());
                        if status == 401 && !matches!(scheme, AuthScheme::Unsupported(_)) {
                            // No token was sent, so this is not a refresh: the token asked for
                            // has the request's own scopes (shared with every request needing
                            // them), the challenge's only for a request that names none; a
                            // token refused after this gets the challenge's scope, once.
                            if req.scopes.is_empty() {
                                extra_scope = challenge_of(&resp);
                            }
                            drain(&mut resp);
                            continue;
                        }
                    }
                    if status == 401
                        && !refreshed
                        && matches!(host.auth(), Some(AuthScheme::Bearer { .. }))
                    {
                        // A new token, with the scope the registry asks for (once).
                        refreshed = true;
                        if let Some(s) = challenge_of(&resp) {
                            extra_scope = Some(s);
                        }
                        drain(&mut resp);
                        continue;
                    }
                    match self.status_retry(req.idempotent, attempt, &resp) {
                        Some(ms) => {
                            self.debug(|| format!("* retrying in {ms} ms"));
                            drain(&mut resp);
                            std::thread::sleep(Duration::from_millis(ms));
                            attempt += 1;
                        }
                        None => return Ok(resp),
                    }
                }
            }
        }
    }
}

/// Reads what is left of an answer nobody needs (a 401's or a 503's before the request goes
/// again, a ping's): a connection whose answer was read whole goes back to the pool for the
/// next request, where one dropped halfway is closed, and a new one costs a round trip (two
/// with TLS). Such a body is small; one bigger than 64 KiB is left, and its connection with it.
pub(super) fn drain(resp: &mut Response<ureq::Body>) {
    let _ = resp.body_mut().with_config().limit(64 * 1024).read_to_vec();
}

/// The scope a 401's Bearer challenge asks for, if any.
fn challenge_of(resp: &Response<ureq::Body>) -> Option<String> {
    let values: Vec<&str> = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    parse_challenges(&values)
        .ok()
        .and_then(|cs| challenge_scope(&cs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_retried_as_its_method_allows_unless_told_otherwise() {
        for (r, retried) in [
            (Req::get("u"), true),
            (Req::head("u"), true),
            (Req::put("u"), true),
            (Req::post("u"), false),
            (Req::patch("u"), false),
            // a mount or a session's opening POST may be repeated; a blob's PUT may not
            (Req::post("u").idempotent(true), true),
            (Req::put("u").idempotent(false), false),
        ] {
            assert_eq!(r.idempotent, retried, "{} {}", r.method, r.url);
        }
        let r = Req::put("https://h/v2/a/manifests/v1")
            .scopes(vec![Scope::push("a")])
            .header("Content-Type", "application/json")
            .bytes(b"{}");
        assert_eq!(r.scopes, vec![Scope::push("a")]);
        assert_eq!(
            r.headers,
            vec![("Content-Type", "application/json".to_string())]
        );
        assert!(matches!(r.body, Body::Bytes(b"{}")));
        assert!(matches!(Req::get("u").body, Body::Empty));
    }
}
