//! Connecting to a registry, as the engine's `probe` says: no ping for a registry that must
//! speak HTTPS (its first request learns the auth scheme); plain HTTP on a guess for a port
//! that may speak it, settled by the first answer; `GET /v2/` over both schemes at once where
//! neither settles it; the auth scheme an answer asks for (the engine's
//! `AuthScheme::from_ping`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use manifold_engine::registry::probe::{
    first_contact, plain_answer, FirstContact, Known, PlainAnswer,
};
use manifold_engine::registry::{host, parse_challenges, AuthScheme, Endpoint, Subject};
use ureq::http::Response;

use super::client::{Client, Host};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::{drain, Body, Req};
use super::transport::{classify, Failure};

impl Client {
    /// Whether plain HTTP may be used for `host`: loopback, `--insecure` or registries.conf's
    /// `insecure`, never Docker Hub.
    fn plain_allowed(&self, host: &str) -> bool {
        host != host::DOCKER_HUB_REGISTRY_HOST
            && (host::is_loopback(host) || self.insecure_for(host))
    }

    /// What is known of `host` before anything is sent to it (see `probe::Known`).
    /// Worked out once per host and run: the certs.d lookup behind `tls_configured` reads
    /// folders, and every thread connecting the host asks.
    fn known(&self, host: &str) -> Known {
        if let Some(k) = self.known.lock().unwrap().get(host) {
            return *k;
        }
        let k = Known {
            plain_allowed: self.plain_allowed(host),
            has_port: host::has_port(host),
            tls_configured: self.agents().is_ok_and(|a| a.tls_configured(host)),
        };
        self.known.lock().unwrap().insert(host.to_string(), k);
        k
    }

    /// A `GET` whose answer is read and thrown away: it leaves an open connection in the pool.
    fn open_connection(&self, url: &str) {
        if let Ok(mut r) = self.send_once("GET", url, &[], Body::Empty) {
            drain(&mut r);
        }
    }

    /// First contact with `host`, as the engine's `probe::first_contact` says: a host that must
    /// (or is expected to) speak HTTPS gets no ping, its first real request carrying the auth
    /// challenge; a host with a port that may speak plain HTTP is spoken to over it on a guess
    /// (see [`Client::settle`]); any other is pinged over both schemes at once.
    pub(super) fn connect(&self, host: &str) -> Result<Host, RegistryError> {
        match first_contact(self.known(host)) {
            FirstContact::Https => Ok(Host::new(Endpoint::new("https", host), None, false)),
            FirstContact::PlainGuess => Ok(Host::guessed(Endpoint::new("http", host))),
            FirstContact::ProbeBoth => self.probe(host),
        }
    }

    /// What an answer over a guessed scheme says (`answer`: its status, `None` for a failed
    /// connection): a registry's answer confirms the guess; a doubt (a TLS server's 400, no
    /// answer) has both schemes probed, once for all threads, and gives the host to send
    /// again to, if it is another.
    pub(super) fn settle(
        &self,
        repo: &Repo,
        host: &Host,
        answer: Option<u16>,
    ) -> Result<Option<Arc<Host>>, RegistryError> {
        let Some(guess) = &host.guess else {
            return Ok(None);
        };
        if guess.confirmed.load(Ordering::Acquire) {
            return Ok(None);
        }
        if answer.is_some_and(|s| plain_answer(s) == PlainAnswer::Registry) {
            guess.confirmed.store(true, Ordering::Release);
            return Ok(None);
        }
        self.debug(|| {
            format!(
                "* {}: not a plain-HTTP answer; probing both schemes",
                repo.host
            )
        });
        guess
            .settled
            .get_or_init(|| {
                let probed = self.probe(&repo.host)?;
                if probed.endpoint.is_https() {
                    return Ok(Some(Arc::new(probed)));
                }
                // the guess stands: what was odd was the answer, not the scheme
                guess.confirmed.store(true, Ordering::Release);
                if let Some(a) = probed.auth() {
                    host.auth.lock().unwrap().get_or_insert(a);
                }
                Ok(None)
            })
            .clone()
    }

    /// Opens a connection to `host` while another thread connects it, so the requests that
    /// follow find one ready: a ping over each scheme it may speak, answers thrown away. Only
    /// a host being probed is waited for; the others are connected at once.
    pub(super) fn warm(&self, host: &str) {
        let ping = |scheme: &str| self.open_connection(&Endpoint::new(scheme, host).ping());
        if first_contact(self.known(host)) == FirstContact::ProbeBoth {
            std::thread::scope(|s| {
                s.spawn(|| ping("https"));
                ping("http");
            });
        }
    }

    /// Opens `n` connections to `repo`'s registry for the requests that follow (a `GET /v2/`
    /// each, its answer read and thrown away, the connection left in the pool), while the
    /// caller's own request is in flight. The host's scheme must be known without a probe
    /// (else the probe opens connections of its own): nothing is sent otherwise.
    pub(super) fn preconnect(&self, repo: &Repo, n: usize) {
        if n == 0 || first_contact(self.known(&repo.host)) == FirstContact::ProbeBoth {
            return;
        }
        let Ok(host) = self.host(repo) else {
            return;
        };
        let url = host.endpoint.ping();
        std::thread::scope(|s| {
            for _ in 0..n {
                s.spawn(|| self.open_connection(&url));
            }
        });
    }

    /// [`Client::get_manifest`] for a read that may go on to the members of a list (a remote
    /// inspect): a few connections (the engine's `fetch::warm_beside_first_read`) are opened
    /// to the registry while it is in flight, so the members' reads find them ready.
    pub fn get_manifest_ahead(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<super::Manifest, RegistryError> {
        let n = manifold_engine::registry::fetch::warm_beside_first_read(self.opts.jobs);
        std::thread::scope(|s| {
            s.spawn(|| self.preconnect(repo, n));
            self.get_manifest(repo, reference)
        })
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
        drain(&mut resp);
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
