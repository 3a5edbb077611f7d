//! Connecting to a registry: no ping for a registry that must speak HTTPS (its first request
//! learns the auth scheme); `GET /v2/` over both schemes at once where plain HTTP is allowed;
//! the auth scheme an answer asks for (chosen by the engine's `AuthScheme::from_ping`).

use std::time::Duration;

use manifold_engine::registry::probe::{first_contact, plain_answer, FirstContact, PlainAnswer};
use manifold_engine::registry::{host, parse_challenges, AuthScheme, Endpoint, Subject};
use ureq::http::Response;

use super::client::{Client, Host};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::{Body, Req};
use super::transport::{classify, Failure};

impl Client {
    /// Whether plain HTTP may be used for `host`: loopback, `--insecure` or registries.conf's
    /// `insecure`, never Docker Hub.
    fn plain_allowed(&self, host: &str) -> bool {
        host != host::DOCKER_HUB_REGISTRY_HOST
            && (host::is_loopback(host) || self.insecure_for(host))
    }

    /// First contact with `host`, as the engine's `probe::first_contact` says: a host that must
    /// speak HTTPS gets no ping (its first real request carries the auth challenge); a host
    /// that may speak plain HTTP is pinged over both schemes at once.
    pub(super) fn connect(&self, host: &str) -> Result<Host, RegistryError> {
        match first_contact(self.plain_allowed(host)) {
            FirstContact::Https => Ok(Host::new(Endpoint::new("https", host), None, false)),
            FirstContact::ProbeBoth => self.probe(host),
        }
    }

    /// Opens a connection to `host` while another thread connects it, so the requests that
    /// follow find one ready: a ping over each scheme it may speak, answers thrown away.
    pub(super) fn warm(&self, host: &str) {
        let plain = self.plain_allowed(host);
        let ping = |scheme: &str| {
            let url = Endpoint::new(scheme, host).ping();
            if let Ok(mut r) = self.send_once("GET", &url, &[], Body::Empty) {
                // read the body so the connection goes back to the pool
                let _ = r.body_mut().with_config().limit(64 * 1024).read_to_vec();
            }
        };
        if plain {
            std::thread::scope(|s| {
                s.spawn(|| ping("https"));
                ping("http");
            });
        }
        // an HTTPS-only host is not pinged: its requests open their own connections at once
    }

    /// Pings `/v2/` over HTTPS and plain HTTP at once and keeps the scheme that answers as a
    /// registry (HTTPS when both could). A certificate problem is never downgraded: a TLS
    /// server's 400 to the plain ping leaves the HTTPS answer (or its error) as the result.
    fn probe(&self, host: &str) -> Result<Host, RegistryError> {
        let https = Endpoint::new("https", host);
        let http_ep = Endpoint::new("http", host);
        let (tls, plain) = std::thread::scope(|s| {
            let tls = s.spawn(|| self.ping_url(&https.ping()));
            let plain = self.ping_url(&http_ep.ping());
            let plain_wins = matches!(&plain, Ok(r) if plain_answer(r.status().as_u16()) == PlainAnswer::Registry);
            if plain_wins {
                // the port speaks plain HTTP: the HTTPS attempt can only fail; do not wait
                (None, plain)
            } else {
                (Some(tls.join().expect("the HTTPS probe panicked")), plain)
            }
        });
        let (endpoint, mut resp) = match tls {
            None => (http_ep, plain.expect("checked above")),
            Some(Ok(r)) => (https, r),
            Some(Err(e)) => match (classify(&e), plain) {
                (Failure::NotTls(_) | Failure::Transient(_), Ok(r)) => (http_ep, r),
                _ => return Err(self.failure_error(host, &https.ping(), &e)),
            },
        };
        let status = resp.status().as_u16();
        if status >= 500 || status == 429 {
            let repo = Repo {
                domain: host.to_string(),
                host: host.to_string(),
                path: String::new(),
            };
            // The host is not connected yet: no auth scheme to report.
            return Err(self.status_error_with(
                &repo,
                "GET",
                &endpoint.ping(),
                resp,
                Subject::Other,
                None,
            ));
        }
        let auth = self.scheme_of(&endpoint.ping(), &resp)?;
        // Read the (tiny) body so the connection goes back to the pool for the next request.
        let _ = resp.body_mut().with_config().limit(64 * 1024).read_to_vec();
        Ok(Host::new(endpoint, Some(auth), true))
    }

    /// The auth scheme an answer asks for (a 401's challenges; anything else: none).
    pub(super) fn scheme_of(
        &self,
        url: &str,
        resp: &Response<ureq::Body>,
    ) -> Result<AuthScheme, RegistryError> {
        let status = resp.status().as_u16();
        let challenges = if status == 401 {
            let values: Vec<&str> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            parse_challenges(&values).map_err(|e| RegistryError::Protocol {
                method: "GET".into(),
                url: url.to_string(),
                status: 401,
                message: e.to_string(),
                errors: None,
            })?
        } else {
            Vec::new()
        };
        Ok(AuthScheme::from_ping(status, &challenges))
    }

    /// The error for a first request over HTTPS that failed before any answer, worded as a
    /// ping's failure was: when the registry speaks plain HTTP only, it says so.
    pub(super) fn first_contact_error(
        &self,
        host: &str,
        url: &str,
        e: &ureq::Error,
    ) -> RegistryError {
        if matches!(classify(e), Failure::NotTls(_)) && host != host::DOCKER_HUB_REGISTRY_HOST {
            let http_ep = Endpoint::new("http", host);
            if self
                .send_once("GET", &http_ep.ping(), &[], Body::Empty)
                .is_ok()
            {
                return RegistryError::PlainHttpRefused {
                    host: host.to_string(),
                };
            }
        }
        self.failure_error(host, url, e)
    }

    /// One ping, retried like any idempotent request: a 503 or 429 here must not pass for "this
    /// registry wants no credentials" (only a 401 says how to authenticate).
    fn ping_url(&self, url: &str) -> Result<Response<ureq::Body>, ureq::Error> {
        let mut attempt = 1;
        loop {
            let outcome = self.send_once("GET", url, &[], Body::Empty);
            let wait = match &outcome {
                Ok(r) => self.status_retry(true, attempt, r),
                Err(e) if matches!(classify(e), Failure::Transient(_)) => {
                    self.connection_retry(attempt)
                }
                Err(_) => None,
            };
            match wait {
                Some(ms) => {
                    self.debug(|| format!("* retrying in {ms} ms"));
                    std::thread::sleep(Duration::from_millis(ms));
                    attempt += 1;
                }
                None => return outcome,
            }
        }
    }

    /// `GET /v2/`: connects (choosing the scheme) and checks that credentials, if any, work.
    #[allow(
        dead_code,
        reason = "the client's API: a credentials check (docker login's), no command calls it yet"
    )]
    pub fn ping(&self, repo: &Repo) -> Result<(), RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.ping();
        let resp = self.send(repo, &Req::get(&url))?;
        match resp.status().as_u16() {
            200..=299 => Ok(()),
            // a Bearer registry answers 401 to /v2/ without a scope-less token: fine
            401 if matches!(host.auth(), Some(AuthScheme::Bearer { .. })) => Ok(()),
            _ => Err(self.status_error(repo, "GET", &url, resp, Subject::Other)),
        }
    }
}
