//! The registry client: one per run, shared by all threads of the run.
//!
//! This file holds the [`Client`] itself and what every operation shares: the HTTP agents, the
//! hosts connected so far (scheme, auth scheme, tokens) and the credential lookups. The
//! operations live beside it by concern, as regclient and go-containerregistry split theirs:
//! `request.rs` (sending one request, retries), `ping.rs` (connecting, the scheme), `auth.rs`
//! (Authorization, tokens), `status.rs` (an unexpected answer as an error), `manifest.rs`,
//! `blob.rs` and `upload.rs` (mounts and uploads).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use manifold_engine::registry::{AuthScheme, Endpoint};
use ureq::http::Response;

use super::agents::Agents;
use super::creds::Lookup;
use super::error::RegistryError;
use super::options::Options;
use super::repo::Repo;

/// A registry host as connected: the scheme chosen, how it wants requests authenticated, and
/// the tokens fetched for it in this run.
pub(super) struct Host {
    pub(super) endpoint: Endpoint,
    pub(super) auth: AuthScheme,
    /// Tokens per scope set ([`manifold_engine::registry::scope_key`]), for this run.
    pub(super) tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// Held while a token is fetched, so concurrent requests wait for one fetch.
    pub(super) token_fetch: Mutex<()>,
}

/// The registry client.
pub struct Client {
    pub(super) opts: Options,
    agents: OnceLock<Result<Agents, RegistryError>>,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    lookups: Mutex<HashMap<(String, String), Lookup>>,
}

impl Client {
    pub fn new(opts: Options) -> Client {
        Client {
            opts,
            agents: OnceLock::new(),
            hosts: Mutex::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
        }
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The base URL chosen for a repository's registry (`https://h` or `http://h`).
    #[allow(
        dead_code,
        reason = "the client's API: which scheme a registry was reached over, for callers that report it"
    )]
    pub fn base_url(&self, repo: &Repo) -> Result<String, RegistryError> {
        Ok(self.host(repo)?.endpoint.base().to_string())
    }

    pub(super) fn agents(&self) -> Result<&Agents, RegistryError> {
        self.agents
            .get_or_init(|| {
                if let Some(message) = &self.opts.settings_error {
                    return Err(RegistryError::Settings {
                        message: message.clone(),
                    });
                }
                Agents::new(
                    self.opts.insecure,
                    self.opts.cert_dir.as_deref(),
                    &self.opts.certs_d,
                    self.opts.registries_conf.clone(),
                    &self.opts.user_agent,
                    &self.opts.net,
                    self.opts.jobs,
                )
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// registries.conf's `blocked`: no request for a blocked repository, pull or push.
    pub(super) fn check_blocked(&self, repo: &Repo) -> Result<(), RegistryError> {
        match &self.opts.registries_conf {
            Some(c) if c.conf.blocked(&repo.name()) => Err(RegistryError::Settings {
                message: format!(
                    "{}: the registry is blocked in {}",
                    repo.name(),
                    c.path.display()
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Whether TLS verification is skipped (and plain HTTP allowed) for `host`: `--insecure`,
    /// or registries.conf says so for it.
    pub(super) fn insecure_for(&self, host: &str) -> bool {
        self.opts.insecure
            || self
                .opts
                .registries_conf
                .as_ref()
                .is_some_and(|c| c.conf.insecure(host))
    }

    pub(super) fn debug(&self, line: impl FnOnce() -> String) {
        if self.opts.debug {
            eprintln!("{}", line());
        }
    }

    /// The repository's host, connected on first use (see `ping.rs`).
    pub(super) fn host(&self, repo: &Repo) -> Result<Arc<Host>, RegistryError> {
        self.check_blocked(repo)?;
        let mut hosts = self.hosts.lock().unwrap();
        if let Some(h) = hosts.get(&repo.host) {
            return Ok(h.clone());
        }
        let h = Arc::new(self.connect(&repo.host)?);
        hosts.insert(repo.host.clone(), h.clone());
        Ok(h)
    }

    /// The schemes the repository's host asked for that manifold does not speak, if it is
    /// connected and asked only for such.
    pub(super) fn unsupported_auth(&self, repo: &Repo) -> Option<String> {
        let hosts = self.hosts.lock().unwrap();
        match hosts.get(&repo.host).map(|h| &h.auth) {
            Some(AuthScheme::Unsupported(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// The credentials for a repository, looked up once per run.
    pub(super) fn lookup(&self, repo: &Repo) -> Result<Lookup, RegistryError> {
        let key = (repo.domain.clone(), repo.path.clone());
        if let Some(l) = self.lookups.lock().unwrap().get(&key) {
            return Ok(l.clone());
        }
        let l = self
            .opts
            .credentials
            .lookup(&repo.domain, &repo.path)
            .map_err(|message| RegistryError::Credentials { message })?;
        for w in &l.warnings {
            self.debug(|| format!("* credentials: {w}"));
        }
        self.lookups.lock().unwrap().insert(key, l.clone());
        Ok(l)
    }
}

/// A response header as text.
pub(super) fn header(resp: &Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Cheap jitter: the clock's nanoseconds.
pub(super) fn jitter() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

pub(super) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
