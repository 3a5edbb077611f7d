//! Connecting to a registry: `GET /v2/` over HTTPS, or plain HTTP where that is allowed, and
//! the auth scheme its answer asks for (chosen by the engine's `AuthScheme::from_ping`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use manifold_engine::registry::{host, parse_challenges, AuthScheme, Endpoint, Subject};
use ureq::http::Response;

use super::client::{Client, Host};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::{Body, Req};
use super::transport::{classify, Failure};

impl Client {
    /// Pings `/v2/` to choose the scheme and learn how the registry wants auth.
    ///
    /// HTTPS first. A loopback registry (or any registry with `--insecure`) that does not speak
    /// TLS is reached over plain HTTP; a certificate problem is never downgraded.
    pub(super) fn connect(&self, host: &str) -> Result<Host, RegistryError> {
        let https = Endpoint::new("https", host);
        let hub = host == host::DOCKER_HUB_REGISTRY_HOST;
        let (endpoint, mut resp) = match self.ping_url(&https.ping()) {
            Ok(r) => (https, r),
            Err(e) => {
                let plain_allowed = !hub && (host::is_loopback(host) || self.insecure_for(host));
                match classify(&e) {
                    Failure::NotTls(_) | Failure::Transient(_) if plain_allowed => {
                        let http_ep = Endpoint::new("http", host);
                        match self.ping_url(&http_ep.ping()) {
                            Ok(r) => (http_ep, r),
                            Err(_) => return Err(self.failure_error(host, &https.ping(), &e)),
                        }
                    }
                    Failure::NotTls(_) if !hub => {
                        // Say plainly when the registry speaks HTTP only, if it does.
                        let http_ep = Endpoint::new("http", host);
                        if self
                            .send_once("GET", &http_ep.ping(), &[], Body::Empty)
                            .is_ok()
                        {
                            return Err(RegistryError::PlainHttpRefused {
                                host: host.to_string(),
                            });
                        }
                        return Err(self.failure_error(host, &https.ping(), &e));
                    }
                    _ => return Err(self.failure_error(host, &https.ping(), &e)),
                }
            }
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
        let challenges = if status == 401 {
            let values: Vec<&str> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            parse_challenges(&values).map_err(|e| RegistryError::Protocol {
                method: "GET".into(),
                url: endpoint.ping(),
                status: 401,
                message: e.to_string(),
                errors: None,
            })?
        } else {
            Vec::new()
        };
        let auth = AuthScheme::from_ping(status, &challenges);
        // Read the (tiny) body so the connection goes back to the pool for the next request.
        let _ = resp.body_mut().with_config().limit(64 * 1024).read_to_vec();
        Ok(Host {
            endpoint,
            auth,
            tokens: Mutex::new(HashMap::new()),
            token_fetch: Mutex::new(()),
        })
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
            401 if matches!(host.auth, AuthScheme::Bearer { .. }) => Ok(()),
            _ => Err(self.status_error(repo, "GET", &url, resp, Subject::Other)),
        }
    }
}
