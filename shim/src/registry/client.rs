//! The registry client: one per run, shared by all threads of the run.
//!
//! This file holds the [`Client`] itself and what every operation shares: the HTTP agents, the
//! hosts connected so far (scheme, auth scheme, tokens) and the credential lookups. The
//! operations live beside it by concern, as regclient and go-containerregistry split theirs:
//! `request.rs` (sending one request, retries), `ping.rs` (connecting, the scheme), `auth.rs`
//! (Authorization, tokens), `status.rs` (an unexpected answer as an error), `manifest.rs`,
//! `blob.rs` and `upload.rs` (mounts and uploads).

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
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
    /// How it wants requests authenticated: from the probe's answer, or (where no probe was
    /// needed) from the first 401 a real request gets. `None` until known.
    pub(super) auth: Mutex<Option<AuthScheme>>,
    /// Whether a ping was made (else the first request's failure is diagnosed as a ping's was).
    pub(super) probed: bool,
    /// Tokens per scope set ([`manifold_engine::registry::scope_key`]), for this run.
    pub(super) tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// One lock per scope set, held while its token is fetched: concurrent requests needing the
    /// same scopes wait for one fetch; other scopes' fetches go on in parallel.
    pub(super) token_fetch: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Set when the scheme is a guess (`probe::FirstContact::PlainGuess`) until an answer
    /// settles it.
    pub(super) guess: Option<Guess>,
}

/// A scheme taken on a guess: plain HTTP on a port that may speak TLS.
pub(super) struct Guess {
    /// A registry's answer came over the guessed scheme: it stands, and a later 400 is only a 400.
    pub(super) confirmed: AtomicBool,
    /// The probe's verdict after a doubt (a TLS server's 400, a failed connection), made once
    /// for all threads: the host to use instead, or `None` when the guess stands.
    pub(super) settled: OnceLock<Result<Option<Arc<Host>>, RegistryError>>,
}

impl Host {
    pub(super) fn new(endpoint: Endpoint, auth: Option<AuthScheme>, probed: bool) -> Host {
        Host {
            endpoint,
            auth: Mutex::new(auth),
            probed,
            tokens: Mutex::new(HashMap::new()),
            token_fetch: Mutex::new(HashMap::new()),
            guess: None,
        }
    }

    /// A host spoken to over `endpoint`'s scheme on a guess, until an answer settles it.
    pub(super) fn guessed(endpoint: Endpoint) -> Host {
        Host {
            guess: Some(Guess {
                confirmed: AtomicBool::new(false),
                settled: OnceLock::new(),
            }),
            ..Host::new(endpoint, None, false)
        }
    }

    /// The host the guess moved to, if a probe moved it.
    pub(super) fn moved(&self) -> Option<Arc<Host>> {
        match self.guess.as_ref()?.settled.get()? {
            Ok(Some(h)) => Some(h.clone()),
            _ => None,
        }
    }

    /// The auth scheme as known so far (anonymous until a registry asks for more).
    pub(super) fn auth(&self) -> Option<AuthScheme> {
        self.auth.lock().unwrap().clone()
    }
}

/// A host being connected: the first caller connects; callers arriving meanwhile open
/// connections of their own (so the work that follows finds them ready), then wait.
type Slot = Arc<OnceLock<Result<Arc<Host>, RegistryError>>>;

/// The registry client.
pub struct Client {
    pub(super) opts: Options,
    agents: OnceLock<Result<Agents, RegistryError>>,
    hosts: Mutex<HashMap<String, Slot>>,
    lookups: Mutex<HashMap<(String, String), Lookup>>,
    /// What is known of each host before anything is sent to it (`ping.rs`).
    pub(super) known: Mutex<HashMap<String, manifold_engine::registry::probe::Known>>,
    /// Blob uploads that may still start (`Options::transfers`), and the wait for one to end.
    transfers: (Mutex<usize>, Condvar),
}

/// A blob upload's place among the few allowed at once; given back when dropped.
pub(super) struct TransferSlot<'a>(&'a (Mutex<usize>, Condvar));

impl Drop for TransferSlot<'_> {
    fn drop(&mut self) {
        *self.0 .0.lock().unwrap() += 1;
        self.0 .1.notify_one();
    }
}

impl Client {
    pub fn new(opts: Options) -> Client {
        Client {
            agents: OnceLock::new(),
            hosts: Mutex::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
            transfers: (Mutex::new(opts.transfers.max(1)), Condvar::new()),
            opts,
        }
    }

    /// Waits for a place among the blob uploads allowed at once (`Options::transfers`): the
    /// requests around them go wider, but each upload may hold a chunk in memory.
    pub(super) fn transfer_slot(&self) -> TransferSlot<'_> {
        let (free, ended) = &self.transfers;
        let mut n = free.lock().unwrap();
        while *n == 0 {
            n = ended.wait(n).unwrap();
        }
        *n -= 1;
        TransferSlot(&self.transfers)
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
                if let Some(message) = self.opts.settings_problem() {
                    return Err(RegistryError::Settings { message });
                }
                Agents::new(
                    self.opts.insecure,
                    self.opts.cert_dir.as_deref(),
                    &self.opts.certs_d(),
                    self.opts.registries_conf(),
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
        match &self.opts.registries_conf() {
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
                .registries_conf()
                .as_ref()
                .is_some_and(|c| c.conf.insecure(host))
    }

    pub(super) fn debug(&self, line: impl FnOnce() -> String) {
        if self.opts.debug {
            eprintln!("{}", line());
        }
    }

    /// The repository's host, connected on first use (see `ping.rs`). A failed connection is
    /// the answer for the whole run, as before: every caller sees the same error.
    pub(super) fn host(&self, repo: &Repo) -> Result<Arc<Host>, RegistryError> {
        self.check_blocked(repo)?;
        let (slot, first) = {
            let mut hosts = self.hosts.lock().unwrap();
            match hosts.get(&repo.host) {
                Some(s) => (s.clone(), false),
                None => {
                    let s: Slot = Arc::new(OnceLock::new());
                    hosts.insert(repo.host.clone(), s.clone());
                    (s, true)
                }
            }
        };
        if !first && slot.get().is_none() {
            // connecting is under way in another thread: open a connection meanwhile
            self.warm(&repo.host);
        }
        let host = slot
            .get_or_init(|| self.connect(&repo.host).map(Arc::new))
            .clone()?;
        // a guessed scheme that a probe corrected: the corrected host from now on
        Ok(host.moved().unwrap_or(host))
    }

    /// The schemes the repository's host asked for that manifold does not speak, if it is
    /// connected and asked only for such.
    pub(super) fn unsupported_auth(&self, repo: &Repo) -> Option<String> {
        let slot = self.hosts.lock().unwrap().get(&repo.host).cloned()?;
        let host = slot.get()?.as_ref().ok()?.clone();
        match host.auth() {
            Some(AuthScheme::Unsupported(s)) => Some(s),
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
