//! The registry client: one per run, shared by all threads of the run.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use manifold_engine::digest::Hasher;
use manifold_engine::media_type::{self, MANIFEST_ACCEPT};
use manifold_engine::registry::urls::with_digest;
use manifold_engine::registry::{
    self as proto, parse_challenges, parse_token_response, should_retry, token_request_url,
    url_host, Challenge, Endpoint, ErrorCode, Outcome, RegistryErrors, RetryPolicy, Scope,
    MAX_MANIFEST_BYTES,
};
use manifold_engine::{Descriptor, Digest};
use ureq::http::{self, Response};

use super::creds::{CredentialConfig, Lookup};
use super::error::RegistryError;
use super::transport::{self, classify, is_loopback, Agents, Failure};

/// Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size. Either
/// way at most this much of a blob is in memory.
pub const CHUNK: usize = 8 * 1024 * 1024;

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Skip TLS verification and allow plain HTTP, for every registry of this command.
    pub insecure: bool,
    /// Extra CA certificates (`*.crt`) to trust.
    pub cert_dir: Option<PathBuf>,
    /// Concurrent requests at most.
    pub jobs: usize,
    /// Log requests and responses (secrets redacted) to stderr.
    pub debug: bool,
    pub credentials: CredentialConfig,
    pub retry: RetryPolicy,
    pub user_agent: String,
    /// Upload chunk size (and the largest blob sent in one PUT); default [`CHUNK`].
    pub chunk_size: usize,
    /// Timeouts (`MANIFOLD_TIMEOUT`) and fixed addresses (`MANIFOLD_RESOLVE`).
    pub net: transport::Net,
    /// A setting from the environment that could not be used: reported at the first request.
    pub settings_error: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insecure: false,
            cert_dir: None,
            jobs: 8,
            debug: false,
            credentials: CredentialConfig::default(),
            retry: RetryPolicy::default(),
            user_agent: concat!("manifold/", env!("CARGO_PKG_VERSION")).to_string(),
            chunk_size: CHUNK,
            net: transport::Net::default(),
            settings_error: None,
        }
    }
}

impl Options {
    /// The options the command line asks for: `--insecure` or `--tls-verify=false`, `--cert-dir`,
    /// `--creds`, `--authfile`, `--jobs` (else `MANIFOLD_JOBS`, else 8), `--debug`; and from
    /// the environment `MANIFOLD_TIMEOUT` (seconds) and `MANIFOLD_RESOLVE` (HOST:PORT:ADDRESS).
    pub fn from_args(args: &crate::cli::RegistryArgs) -> Options {
        let mut net = transport::Net::default();
        let mut settings_error = None;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(v) = env("MANIFOLD_TIMEOUT") {
            match transport::Timeouts::parse(&v) {
                Ok(t) => net.timeouts = t,
                Err(e) => settings_error = Some(e),
            }
        }
        if let Some(v) = env("MANIFOLD_RESOLVE") {
            match transport::Resolve::parse_list(&v) {
                Ok(r) => net.resolve = r,
                Err(e) => settings_error = Some(e),
            }
        }
        let jobs = args
            .jobs
            .or_else(|| {
                std::env::var("MANIFOLD_JOBS")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(8)
            .max(1);
        Options {
            insecure: args.insecure || args.tls_verify == Some(false),
            cert_dir: args.cert_dir.clone(),
            jobs,
            debug: args.debug,
            credentials: CredentialConfig::from_env(
                args.creds.as_deref(),
                args.authfile.as_deref(),
            ),
            net,
            settings_error,
            ..Options::default()
        }
    }
}

/// A repository on a registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repo {
    /// The registry as written in references (`docker.io`, `127.0.0.1:5000`).
    pub domain: String,
    /// The host to connect to (`registry-1.docker.io` for `docker.io`).
    pub host: String,
    /// The repository path (`library/alpine`).
    pub path: String,
}

impl Repo {
    pub fn new(domain: &str, path: &str) -> Repo {
        let host = match domain {
            "docker.io" | "index.docker.io" => "registry-1.docker.io",
            d => d,
        };
        Repo {
            domain: domain.to_string(),
            host: host.to_string(),
            path: path.to_string(),
        }
    }

    /// `domain/path`, as docker names repositories in messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

/// A manifest as fetched: its exact bytes, media type and verified digest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// The result of a mount request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mount {
    /// 201: the blob is now in the target repository.
    Mounted,
    /// 202: the registry opened an upload session instead; upload the blob to `location`.
    NotMounted { location: String },
}

#[derive(Clone, Debug)]
enum AuthMode {
    Anonymous,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
    Unsupported(String),
}

struct Host {
    endpoint: Endpoint,
    auth: AuthMode,
    /// Tokens per scope set, for this run.
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// Held while a token is fetched, so concurrent requests wait for one fetch.
    token_fetch: Mutex<()>,
}

enum ReqBody<'a> {
    Empty,
    Bytes(&'a [u8]),
}

/// What a request was about, to word a 404.
enum Subject<'a> {
    Manifest(&'a str),
    Blob(&'a Digest),
    Other,
}

/// The registry client.
pub struct Client {
    opts: Options,
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

    /// How long to wait before trying an idempotent request again after a connection error.
    fn connection_retry(&self, attempt: u32) -> Option<u64> {
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
    fn status_retry(
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

    fn agents(&self) -> Result<&Agents, RegistryError> {
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
                    &self.opts.user_agent,
                    &self.opts.net,
                    self.opts.jobs,
                )
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn debug(&self, line: impl FnOnce() -> String) {
        if self.opts.debug {
            eprintln!("{}", line());
        }
    }

    /// Sends one request, no auth or retry logic. `Err` is a transport failure.
    fn send_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: &mut Option<&mut dyn Read>,
        bytes: &ReqBody<'_>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let host = url_host(url).unwrap_or("");
        let agent = self
            .agents()
            .map_err(|e| ureq::Error::Other(Box::new(e)))?
            .for_host(host);
        self.debug(|| format!("> {method} {}", transport::redact_url(url)));
        let mut b = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            self.debug(|| format!(">   {k}: {}", transport::redact_header(k, v)));
            b = b.header(*k, v.as_str());
        }
        let resp = if let Some(r) = body.take() {
            agent.run(b.body(ureq::SendBody::from_reader(r))?)
        } else {
            match bytes {
                ReqBody::Bytes(data) => agent.run(b.body(*data)?),
                ReqBody::Empty if matches!(method, "POST" | "PUT" | "PATCH") => {
                    agent.run(b.body(&[][..])?)
                }
                ReqBody::Empty => agent.run(b.body(())?),
            }
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
    fn failure_error(&self, host: &str, url: &str, e: &ureq::Error) -> RegistryError {
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
            Failure::Refused => RegistryError::ConnectionRefused {
                host: host.to_string(),
            },
            Failure::Transient(m) | Failure::Fatal(m) => RegistryError::Network {
                url: transport::redact_url(url),
                message: m,
            },
        }
    }

    fn host(&self, repo: &Repo) -> Result<Arc<Host>, RegistryError> {
        let mut hosts = self.hosts.lock().unwrap();
        if let Some(h) = hosts.get(&repo.host) {
            return Ok(h.clone());
        }
        let h = Arc::new(self.connect(&repo.host)?);
        hosts.insert(repo.host.clone(), h.clone());
        Ok(h)
    }

    /// Pings `/v2/` to choose the scheme and learn how the registry wants auth.
    ///
    /// HTTPS first. A loopback registry (or any registry with `--insecure`) that does not speak
    /// TLS is reached over plain HTTP; a certificate problem is never downgraded.
    fn connect(&self, host: &str) -> Result<Host, RegistryError> {
        let https = Endpoint::new("https", host);
        let hub = host == "registry-1.docker.io";
        // Retried like any idempotent request: a 503 or 429 here must not pass for "this
        // registry wants no credentials" (only a 401 says how to authenticate).
        let ping = |ep: &Endpoint| {
            let url = ep.ping();
            let mut attempt = 1;
            loop {
                let outcome = self.send_once("GET", &url, &[], &mut None, &ReqBody::Empty);
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
        };
        let (endpoint, mut resp) = match ping(&https) {
            Ok(r) => (https, r),
            Err(e) => {
                let plain_allowed = !hub && (is_loopback(host) || self.opts.insecure);
                match classify(&e) {
                    Failure::NotTls(_) | Failure::Transient(_) if plain_allowed => {
                        let http_ep = Endpoint::new("http", host);
                        match ping(&http_ep) {
                            Ok(r) => (http_ep, r),
                            Err(_) => return Err(self.failure_error(host, &https.ping(), &e)),
                        }
                    }
                    Failure::NotTls(_) if !hub => {
                        // Say plainly when the registry speaks HTTP only, if it does.
                        let http_ep = Endpoint::new("http", host);
                        if self
                            .send_once("GET", &http_ep.ping(), &[], &mut None, &ReqBody::Empty)
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
            return Err(self.status_error(
                &Repo {
                    domain: host.to_string(),
                    host: host.to_string(),
                    path: String::new(),
                },
                "GET",
                &endpoint.ping(),
                resp,
                Subject::Other,
            ));
        }
        let auth = if status == 401 {
            let values: Vec<&str> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let challenges = parse_challenges(&values).map_err(|e| RegistryError::Protocol {
                method: "GET".into(),
                url: endpoint.ping(),
                status: 401,
                message: e.to_string(),
                errors: None,
            })?;
            // Bearer is preferred when a registry offers both.
            let mut mode = AuthMode::Unsupported(
                challenges
                    .iter()
                    .map(|c| c.scheme().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            for c in &challenges {
                match c {
                    Challenge::Bearer { realm, service, .. } => {
                        mode = AuthMode::Bearer {
                            realm: realm.clone(),
                            service: service.clone(),
                        };
                        break;
                    }
                    Challenge::Basic { .. } => mode = AuthMode::Basic,
                    Challenge::Other { .. } => {}
                }
            }
            mode
        } else {
            AuthMode::Anonymous
        };
        // Read the (tiny) body so the connection goes back to the pool for the next request.
        let _ = resp.body_mut().with_config().limit(64 * 1024).read_to_vec();
        Ok(Host {
            endpoint,
            auth,
            tokens: Mutex::new(HashMap::new()),
            token_fetch: Mutex::new(()),
        })
    }

    fn lookup(&self, repo: &Repo) -> Result<Lookup, RegistryError> {
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

    /// May credentials go to this URL? Not over plain HTTP to a non-loopback host without --insecure.
    fn may_send_secret(&self, url: &str) -> bool {
        url.starts_with("https://") || self.opts.insecure || url_host(url).is_some_and(is_loopback)
    }

    /// The Authorization header for a request to `host` needing `scopes`.
    fn authorization(
        &self,
        repo: &Repo,
        host: &Host,
        scopes: &[Scope],
        extra_scope: Option<&str>,
        refresh: bool,
    ) -> Result<Option<String>, RegistryError> {
        match &host.auth {
            AuthMode::Anonymous | AuthMode::Unsupported(_) => Ok(None),
            AuthMode::Basic => {
                let l = self.lookup(repo)?;
                match &l.credential {
                    Some((c, _)) if self.may_send_secret(host.endpoint.base()) => {
                        let b = base64::engine::general_purpose::STANDARD
                            .encode(format!("{}:{}", c.username, c.password));
                        Ok(Some(format!("Basic {b}")))
                    }
                    _ => Ok(None),
                }
            }
            AuthMode::Bearer { realm, service } => {
                let mut all: Vec<Scope> = scopes.to_vec();
                if let Some(x) = extra_scope {
                    for s in x.split(' ') {
                        if !s.is_empty() && !all.iter().any(|a| a.as_str() == s) {
                            all.push(Scope(s.to_string()));
                        }
                    }
                }
                let key: String = all.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ");
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
                let _one_fetch = host.token_fetch.lock().unwrap();
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
        let resp = match cred {
            Some(c) if c.identity_token.is_some() => {
                let form = format!(
                    "grant_type=refresh_token&refresh_token={}&service={}&scope={}&client_id=manifold",
                    proto::query_escape(c.identity_token.as_deref().unwrap_or("")),
                    proto::query_escape(service.unwrap_or("")),
                    proto::query_escape(
                        &scopes.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
                    ),
                );
                self.send_once(
                    "POST",
                    realm,
                    &[(
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_string(),
                    )],
                    &mut None,
                    &ReqBody::Bytes(form.as_bytes()),
                )
            }
            _ => {
                let url =
                    token_request_url(realm, service, scopes, cred.map(|c| c.username.as_str()));
                let mut headers = Vec::new();
                if let Some(c) = cred {
                    let b = base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{}", c.username, c.password));
                    headers.push(("Authorization", format!("Basic {b}")));
                }
                self.send_once("GET", &url, &headers, &mut None, &ReqBody::Empty)
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

    /// Sends a request with auth, one token refresh on 401, and retries of idempotent requests.
    /// Returns any HTTP response; the caller judges the status.
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        repo: &Repo,
        scopes: &[Scope],
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        mut stream: Option<&mut dyn Read>,
        bytes: ReqBody<'_>,
        idempotent: bool,
    ) -> Result<Response<ureq::Body>, RegistryError> {
        let host = self.host(repo)?;
        let mut refreshed = false;
        let mut extra_scope: Option<String> = None;
        let mut attempt = 1;
        let replayable = stream.is_none();
        // Credentials go to the registry's own host only, never to an upload Location (or any
        // URL the registry hands out) on another host.
        let own_host = url_host(url).is_some_and(|h| h.eq_ignore_ascii_case(&repo.host));
        loop {
            let auth = if own_host {
                self.authorization(repo, &host, scopes, extra_scope.as_deref(), refreshed)?
            } else {
                None
            };
            let mut h: Vec<(&str, String)> = headers.to_vec();
            if let Some(a) = auth {
                h.push(("Authorization", a));
            }
            match self.send_once(method, url, &h, &mut stream, &bytes) {
                Err(e) => {
                    let retry = matches!(classify(&e), Failure::Transient(_))
                        .then(|| {
                            should_retry(
                                &self.opts.retry,
                                idempotent && replayable,
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
                        None => return Err(self.failure_error(&repo.host, url, &e)),
                    }
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 401
                        && !refreshed
                        && replayable
                        && matches!(host.auth, AuthMode::Bearer { .. })
                    {
                        // A new token, with the scope the registry asks for (once).
                        refreshed = true;
                        let values: Vec<&str> = resp
                            .headers()
                            .get_all("www-authenticate")
                            .iter()
                            .filter_map(|v| v.to_str().ok())
                            .collect();
                        if let Ok(cs) = parse_challenges(&values) {
                            for c in cs {
                                if let Challenge::Bearer { scope: Some(s), .. } = c {
                                    extra_scope = Some(s);
                                }
                            }
                        }
                        continue;
                    }
                    let decision = self.status_retry(idempotent && replayable, attempt, &resp);
                    match decision {
                        Some(ms) => {
                            self.debug(|| format!("* retrying in {ms} ms"));
                            std::thread::sleep(Duration::from_millis(ms));
                            attempt += 1;
                        }
                        None => return Ok(resp),
                    }
                }
            }
        }
    }

    /// The error for a response whose status the operation did not expect.
    fn status_error(
        &self,
        repo: &Repo,
        method: &str,
        url: &str,
        mut resp: Response<ureq::Body>,
        subject: Subject<'_>,
    ) -> RegistryError {
        let status = resp.status().as_u16();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default()
        };
        let errors = RegistryErrors::parse(&body);
        let code = errors.as_ref().and_then(|e| e.first_code().cloned());
        let tried = || {
            self.lookup(repo)
                .map(|l| l.describe())
                .unwrap_or_else(|e| e.to_string())
        };
        let message = errors.as_ref().map(|e| e.to_string());
        match (status, &code) {
            (401, _) | (_, Some(ErrorCode::Unauthorized)) => RegistryError::Unauthorized {
                host: repo.host.clone(),
                repo: repo.path.clone(),
                tried: tried(),
                message: match &host_auth_unsupported(self, repo) {
                    Some(s) => Some(format!(
                        "it asks for {s} authentication, which manifold does not speak"
                    )),
                    None => message,
                },
            },
            (403, _) | (_, Some(ErrorCode::Denied)) => RegistryError::Denied {
                host: repo.host.clone(),
                repo: repo.path.clone(),
                tried: tried(),
                message: message.unwrap_or_else(|| "403 Forbidden".into()),
            },
            (_, Some(ErrorCode::NameUnknown)) => {
                RegistryError::RepositoryUnknown { name: repo.name() }
            }
            (_, Some(ErrorCode::ManifestUnknown)) | (404, None)
                if matches!(subject, Subject::Manifest(_)) =>
            {
                let reference = match subject {
                    Subject::Manifest(r) => r.to_string(),
                    _ => unreachable!(),
                };
                // distribution answers MANIFEST_UNKNOWN for a missing repository too: ask its tags.
                if self.repository_missing(repo) {
                    RegistryError::RepositoryUnknown { name: repo.name() }
                } else {
                    RegistryError::ManifestUnknown {
                        name: repo.name(),
                        reference,
                    }
                }
            }
            (_, Some(ErrorCode::BlobUnknown)) | (404, None)
                if matches!(subject, Subject::Blob(_)) =>
            {
                let digest = match subject {
                    Subject::Blob(d) => d.clone(),
                    _ => unreachable!(),
                };
                RegistryError::BlobUnknown {
                    name: repo.name(),
                    digest,
                }
            }
            _ => RegistryError::Protocol {
                method: method.to_string(),
                url: transport::redact_url(url),
                status,
                message: message.unwrap_or_else(|| {
                    let s = snippet(&body);
                    if s.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        s
                    }
                }),
                errors,
            },
        }
    }

    /// True when the registry says the repository does not exist (tags list → NAME_UNKNOWN).
    fn repository_missing(&self, repo: &Repo) -> bool {
        let Ok(host) = self.host(repo) else {
            return false;
        };
        let url = format!("{}/v2/{}/tags/list", host.endpoint.base(), repo.path);
        match self.request(
            repo,
            &[Scope::pull(&repo.path)],
            "GET",
            &url,
            &[],
            None,
            ReqBody::Empty,
            true,
        ) {
            Ok(mut r) if r.status().as_u16() == 404 => {
                let body = r
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec()
                    .unwrap_or_default();
                RegistryErrors::parse(&body).is_some_and(|e| e.has(&ErrorCode::NameUnknown))
            }
            _ => false,
        }
    }

    /// `GET /v2/`: connects (choosing the scheme) and checks that credentials, if any, work.
    pub fn ping(&self, repo: &Repo) -> Result<(), RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.ping();
        let resp = self.request(repo, &[], "GET", &url, &[], None, ReqBody::Empty, true)?;
        match resp.status().as_u16() {
            200..=299 => Ok(()),
            // a Bearer registry answers 401 to /v2/ without a scope-less token: fine
            401 if matches!(host.auth, AuthMode::Bearer { .. }) => Ok(()),
            _ => Err(self.status_error(repo, "GET", &url, resp, Subject::Other)),
        }
    }

    /// The base URL chosen for a repository's registry (`https://h` or `http://h`).
    pub fn base_url(&self, repo: &Repo) -> Result<String, RegistryError> {
        Ok(self.host(repo)?.endpoint.base().to_string())
    }

    /// `GET /v2/<path>/manifests/<reference>` with every manifest type accepted. The bytes are
    /// checked against the digest of a digest reference, and against `Docker-Content-Digest`
    /// when the registry sends it; manifests over 4 MiB are refused.
    pub fn get_manifest(&self, repo: &Repo, reference: &str) -> Result<Manifest, RegistryError> {
        // A body cut off (reset, truncated, timed out) is fetched again, like a failed request.
        let mut attempt = 1;
        loop {
            match self.get_manifest_once(repo, reference) {
                Err((e, true)) if attempt < self.opts.retry.tries => {
                    let ms = proto::backoff(&self.opts.retry, attempt, jitter());
                    self.debug(|| format!("* {e}; retrying in {ms} ms"));
                    std::thread::sleep(Duration::from_millis(ms));
                    attempt += 1;
                }
                other => return other.map_err(|(e, _)| e),
            }
        }
    }

    /// One GET of a manifest; the error says whether the body broke off (worth another try).
    fn get_manifest_once(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Manifest, (RegistryError, bool)> {
        let fatal = |e: RegistryError| (e, false);
        let host = self.host(repo).map_err(fatal)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        let mut resp = self
            .request(
                repo,
                &[Scope::pull(&repo.path)],
                "GET",
                &url,
                &[("Accept", MANIFEST_ACCEPT.join(", "))],
                None,
                ReqBody::Empty,
                true,
            )
            .map_err(fatal)?;
        if resp.status().as_u16() != 200 {
            return Err(fatal(self.status_error(
                repo,
                "GET",
                &url,
                resp,
                Subject::Manifest(reference),
            )));
        }
        let header = |r: &Response<ureq::Body>, k: &str| {
            r.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if header(&resp, "content-length")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_MANIFEST_BYTES)
        {
            return Err(fatal(RegistryError::TooLarge {
                url,
                limit: MAX_MANIFEST_BYTES,
            }));
        }
        let content_type = header(&resp, "content-type");
        let header_digest = header(&resp, "docker-content-digest");
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_MANIFEST_BYTES + 1)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => fatal(RegistryError::TooLarge {
                    url: url.clone(),
                    limit: MAX_MANIFEST_BYTES,
                }),
                e => (
                    self.failure_error(&repo.host, &url, &e),
                    matches!(classify(&e), Failure::Transient(_)),
                ),
            })?;
        let digest =
            verify_manifest(repo, reference, &bytes, header_digest.as_deref()).map_err(fatal)?;
        let media_type = content_type
            .as_deref()
            .map(media_type::strip_parameters)
            .filter(|m| media_type::Kind::from_media_type(m).is_some())
            .map(str::to_string)
            .or_else(|| {
                manifold_engine::json::tree::parse(&bytes)
                    .ok()
                    .and_then(|n| manifold_engine::model::detect_kind(&n))
                    .map(|k| k.media_type().to_string())
            })
            .or(content_type.map(|c| media_type::strip_parameters(&c).to_string()))
            .unwrap_or_default();
        Ok(Manifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// `HEAD /v2/<path>/manifests/<reference>`: the descriptor, or `None` when absent.
    pub fn head_manifest(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Option<Descriptor>, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        let resp = self.request(
            repo,
            &[Scope::pull(&repo.path)],
            "HEAD",
            &url,
            &[("Accept", MANIFEST_ACCEPT.join(", "))],
            None,
            ReqBody::Empty,
            true,
        )?;
        match resp.status().as_u16() {
            200 => {
                let h = |k: &str| resp.headers().get(k).and_then(|v| v.to_str().ok());
                let digest = h("docker-content-digest")
                    .and_then(|d| Digest::parse(d).ok())
                    .or_else(|| Digest::parse(reference).ok())
                    .ok_or_else(|| RegistryError::Protocol {
                        method: "HEAD".into(),
                        url: url.clone(),
                        status: 200,
                        message: "no Docker-Content-Digest header".into(),
                        errors: None,
                    })?;
                let size = h("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mt = h("content-type")
                    .map(media_type::strip_parameters)
                    .unwrap_or("")
                    .to_string();
                Ok(Some(Descriptor::new(&mt, digest, size)))
            }
            404 => Ok(None),
            _ => Err(self.status_error(repo, "HEAD", &url, resp, Subject::Manifest(reference))),
        }
    }

    /// `GET /v2/<path>/blobs/<digest>`, streamed into `out` and verified on the way (redirects
    /// to storage are followed, without the registry's Authorization). On a digest mismatch
    /// the bytes already written must be discarded by the caller. Returns the size.
    pub fn get_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        out: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.blob(&repo.path, digest);
        let mut hasher =
            Hasher::new(&digest.algorithm()).ok_or_else(|| RegistryError::Protocol {
                method: "GET".into(),
                url: url.clone(),
                status: 200,
                message: format!("cannot verify digest algorithm {}", digest.algorithm_str()),
                errors: None,
            })?;
        let mut total = 0u64;
        let mut attempt = 1;
        // A body that breaks off is resumed where it stopped (`Range`), up to the retry count;
        // a registry that ignores the Range gets its first bytes skipped.
        loop {
            let range = (total > 0).then(|| ("Range", format!("bytes={total}-")));
            let mut resp = self.request(
                repo,
                &[Scope::pull(&repo.path)],
                "GET",
                &url,
                range.as_slice(),
                None,
                ReqBody::Empty,
                true,
            )?;
            let mut skip = match resp.status().as_u16() {
                200 => total,
                206 if total > 0
                    && resp
                        .headers()
                        .get("content-range")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("bytes "))
                        .and_then(|v| v.split('-').next())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        == Some(total) =>
                {
                    0
                }
                _ => return Err(self.status_error(repo, "GET", &url, resp, Subject::Blob(digest))),
            };
            let mut reader = resp.body_mut().as_reader();
            let mut buf = vec![0u8; 64 * 1024];
            let broke_off = loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break None,
                    Ok(n) => n,
                    Err(e) => break Some(ureq::Error::from(e)),
                };
                let fresh = &buf[(skip.min(n as u64) as usize)..n];
                skip -= skip.min(n as u64);
                if fresh.is_empty() {
                    continue;
                }
                hasher.update(fresh);
                out.write_all(fresh).map_err(|e| RegistryError::Network {
                    url: transport::redact_url(&url),
                    message: format!("writing the blob failed: {e}"),
                })?;
                total += fresh.len() as u64;
            };
            match broke_off {
                None if skip == 0 => break,
                None => {
                    return Err(RegistryError::Network {
                        url: transport::redact_url(&url),
                        message: "the registry sent less than it had sent before".into(),
                    })
                }
                Some(e)
                    if attempt < self.opts.retry.tries
                        && matches!(classify(&e), Failure::Transient(_)) =>
                {
                    let ms = proto::backoff(&self.opts.retry, attempt, jitter());
                    self.debug(|| {
                        format!(
                            "* blob body broke off after {total} bytes ({e}); resuming in {ms} ms"
                        )
                    });
                    std::thread::sleep(Duration::from_millis(ms));
                    attempt += 1;
                }
                Some(e) => return Err(self.failure_error(&repo.host, &url, &e)),
            }
        }
        let computed = hasher.finish();
        if &computed != digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("blob {}@{digest}", repo.name()),
                expected: digest.clone(),
                computed,
            });
        }
        Ok(total)
    }

    /// A small blob (an image config) in memory, verified; refused above `limit` bytes.
    pub fn get_blob_bytes(
        &self,
        repo: &Repo,
        digest: &Digest,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        struct Capped(Vec<u8>, u64);
        impl Write for Capped {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if (self.0.len() + b.len()) as u64 > self.1 {
                    return Err(std::io::Error::other("blob larger than expected"));
                }
                self.0.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut c = Capped(Vec::new(), limit);
        self.get_blob(repo, digest, &mut c)?;
        Ok(c.0)
    }

    /// `HEAD /v2/<path>/blobs/<digest>`: the size, or `None` when absent.
    pub fn head_blob(&self, repo: &Repo, digest: &Digest) -> Result<Option<u64>, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.blob(&repo.path, digest);
        let resp = self.request(
            repo,
            &[Scope::pull(&repo.path)],
            "HEAD",
            &url,
            &[],
            None,
            ReqBody::Empty,
            true,
        )?;
        match resp.status().as_u16() {
            200 => Ok(Some(
                resp.headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            )),
            404 => Ok(None),
            _ => Err(self.status_error(repo, "HEAD", &url, resp, Subject::Blob(digest))),
        }
    }

    /// `PUT /v2/<path>/manifests/<reference>` with the exact bytes and `Content-Type`.
    /// Returns the digest, checked against the registry's `Docker-Content-Digest`.
    pub fn put_manifest(
        &self,
        repo: &Repo,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        let resp = self.request(
            repo,
            &[Scope::push(&repo.path)],
            "PUT",
            &url,
            &[("Content-Type", media_type.to_string())],
            None,
            ReqBody::Bytes(bytes),
            true,
        )?;
        if !matches!(resp.status().as_u16(), 200 | 201 | 202 | 204) {
            return Err(self.status_error(repo, "PUT", &url, resp, Subject::Other));
        }
        let ours = match Digest::parse(reference) {
            Ok(d) => {
                d.verify(bytes).map_err(|_| RegistryError::DigestMismatch {
                    what: format!("manifest {}@{d}", repo.name()),
                    expected: d.clone(),
                    computed: Digest::sha256(bytes),
                })?;
                d
            }
            Err(_) => Digest::sha256(bytes),
        };
        if let Some(theirs) = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Digest::parse(v).ok())
        {
            if theirs.algorithm() == ours.algorithm() && theirs != ours {
                return Err(RegistryError::DigestMismatch {
                    what: format!("the manifest pushed to {}:{reference}", repo.name()),
                    expected: ours,
                    computed: theirs,
                });
            }
        }
        Ok(ours)
    }

    /// `POST /v2/<path>/blobs/uploads/?from=<from>&mount=<digest>`.
    pub fn mount_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        from: &str,
    ) -> Result<Mount, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.mount(&repo.path, digest, from);
        // Retried like an idempotent request: a mount names its content by digest, so asking
        // twice ends in the same state (at worst an unused upload session the registry expires).
        let resp = self.request(
            repo,
            &Scope::mount(&repo.path, from),
            "POST",
            &url,
            &[],
            None,
            ReqBody::Empty,
            true,
        )?;
        match resp.status().as_u16() {
            201 => Ok(Mount::Mounted),
            202 => {
                let location = location(&resp).ok_or_else(|| RegistryError::Upload {
                    name: repo.name(),
                    message: "the registry opened an upload session without a Location".into(),
                })?;
                Ok(Mount::NotMounted {
                    location: host.endpoint.resolve_location(&location),
                })
            }
            _ => Err(self.status_error(repo, "POST", &url, resp, Subject::Blob(digest))),
        }
    }

    /// Uploads a blob read from `data` (exactly `size` bytes with digest `digest`), in one PUT
    /// up to [`CHUNK`] bytes, else in PATCH chunks; at most one chunk is in memory. `session`
    /// is an upload location already opened (by a mount that answered 202).
    pub fn upload_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        size: u64,
        data: &mut dyn Read,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
        let host = self.host(repo)?;
        let scopes = [Scope::push(&repo.path)];
        // Opening a session changes nothing anyone sees, so its POST is retried.
        let open_session = || -> Result<String, RegistryError> {
            let url = host.endpoint.upload_start(&repo.path);
            let resp =
                self.request(repo, &scopes, "POST", &url, &[], None, ReqBody::Empty, true)?;
            if resp.status().as_u16() != 202 {
                return Err(self.status_error(repo, "POST", &url, resp, Subject::Other));
            }
            Ok(host
                .endpoint
                .resolve_location(&location(&resp).ok_or_else(|| RegistryError::Upload {
                    name: repo.name(),
                    message: "the registry opened an upload session without a Location".into(),
                })?))
        };
        let mut loc = match session {
            Some(l) => l,
            None => open_session()?,
        };
        let mut hasher = Hasher::new(&digest.algorithm()).ok_or_else(|| RegistryError::Upload {
            name: repo.name(),
            message: format!("cannot compute digest algorithm {}", digest.algorithm_str()),
        })?;
        let chunk = self.opts.chunk_size.max(1);
        let read_chunk = |data: &mut dyn Read, buf: &mut Vec<u8>| -> Result<usize, RegistryError> {
            buf.clear();
            let n =
                data.take(chunk as u64)
                    .read_to_end(buf)
                    .map_err(|e| RegistryError::Upload {
                        name: repo.name(),
                        message: format!("reading the blob {digest} failed: {e}"),
                    })?;
            Ok(n)
        };
        let mut buf = Vec::with_capacity((size as usize).min(chunk));
        let mut sent = 0u64;
        let mismatch = |computed: Digest| RegistryError::DigestMismatch {
            what: format!("blob {digest} being uploaded to {}", repo.name()),
            expected: digest.clone(),
            computed,
        };
        if size as usize <= chunk {
            let n = read_chunk(data, &mut buf)?;
            hasher.update(&buf[..n]);
            let computed = hasher.finish();
            if &computed != digest {
                return Err(mismatch(computed));
            }
            // The whole blob is in memory: a failed PUT is not sent again on its session (whose
            // state is unknown) but the upload starts over on a new one, up to the retry count.
            let mut attempt = 1;
            loop {
                let url = with_digest(&loc, digest);
                let outcome = self.request(
                    repo,
                    &scopes,
                    "PUT",
                    &url,
                    &[("Content-Type", "application/octet-stream".to_string())],
                    None,
                    ReqBody::Bytes(&buf),
                    false,
                );
                let wait = match &outcome {
                    Ok(r) => self.status_retry(true, attempt, r),
                    Err(RegistryError::Network { .. }) => self.connection_retry(attempt),
                    Err(_) => None,
                };
                match wait {
                    Some(ms) => {
                        self.debug(|| {
                            format!("* upload of {digest} failed; starting over in {ms} ms")
                        });
                        std::thread::sleep(Duration::from_millis(ms));
                        attempt += 1;
                        loc = open_session()?;
                    }
                    None => return self.finish_upload(repo, &url, outcome?, digest),
                }
            }
        }
        loop {
            let n = read_chunk(data, &mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf);
            let range = format!("{}-{}", sent, sent + n as u64 - 1);
            let resp = self.request(
                repo,
                &scopes,
                "PATCH",
                &loc,
                &[
                    ("Content-Type", "application/octet-stream".to_string()),
                    ("Content-Range", range),
                ],
                None,
                ReqBody::Bytes(&buf),
                false,
            )?;
            if resp.status().as_u16() != 202 {
                return Err(self.status_error(repo, "PATCH", &loc, resp, Subject::Other));
            }
            if let Some(l) = location(&resp) {
                loc = host.endpoint.resolve_location(&l);
            }
            sent += n as u64;
        }
        let computed = hasher.finish();
        if &computed != digest {
            return Err(mismatch(computed));
        }
        let url = with_digest(&loc, digest);
        let resp = self.request(repo, &scopes, "PUT", &url, &[], None, ReqBody::Empty, false)?;
        self.finish_upload(repo, &url, resp, digest)
    }

    fn finish_upload(
        &self,
        repo: &Repo,
        url: &str,
        resp: Response<ureq::Body>,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        match resp.status().as_u16() {
            201 | 204 => Ok(()),
            _ => Err(self.status_error(repo, "PUT", url, resp, Subject::Blob(digest))),
        }
    }

    /// Streams a blob from one repository (possibly on another registry) into another, with at
    /// most one chunk in memory: the source is read on a helper thread through a pipe.
    pub fn copy_blob(
        &self,
        from: &Repo,
        to: &Repo,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        struct ChanWriter(std::sync::mpsc::SyncSender<Vec<u8>>);
        impl Write for ChanWriter {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0
                    .send(b.to_vec())
                    .map_err(|_| std::io::Error::other("upload stopped"))?;
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        struct ChanReader {
            rx: std::sync::mpsc::Receiver<Vec<u8>>,
            cur: Vec<u8>,
            pos: usize,
        }
        impl Read for ChanReader {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                while self.pos == self.cur.len() {
                    match self.rx.recv() {
                        Ok(v) => {
                            self.cur = v;
                            self.pos = 0;
                        }
                        Err(_) => return Ok(0),
                    }
                }
                let n = out.len().min(self.cur.len() - self.pos);
                out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
                self.pos += n;
                Ok(n)
            }
        }
        std::thread::scope(|s| {
            let reader = s.spawn(move || {
                let mut w = ChanWriter(tx);
                self.get_blob(from, digest, &mut w)
            });
            let mut r = ChanReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            };
            let up = self.upload_blob(to, digest, size, &mut r, session);
            drop(r);
            let down = reader.join().expect("blob reader thread");
            down?;
            up
        })
    }
}

fn host_auth_unsupported(c: &Client, repo: &Repo) -> Option<String> {
    let hosts = c.hosts.lock().unwrap();
    match hosts.get(&repo.host).map(|h| &h.auth) {
        Some(AuthMode::Unsupported(s)) => Some(s.clone()),
        _ => None,
    }
}

fn location(resp: &Response<ureq::Body>) -> Option<String> {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn verify_manifest(
    repo: &Repo,
    reference: &str,
    bytes: &[u8],
    header: Option<&str>,
) -> Result<Digest, RegistryError> {
    if let Ok(d) = Digest::parse(reference) {
        let computed =
            Digest::compute(&d.algorithm(), bytes).unwrap_or_else(|| Digest::sha256(bytes));
        if computed != d {
            return Err(RegistryError::DigestMismatch {
                what: format!("manifest {}@{d}", repo.name()),
                expected: d,
                computed,
            });
        }
        return Ok(d);
    }
    if let Some(h) = header.and_then(|h| Digest::parse(h.trim()).ok()) {
        if let Some(computed) = Digest::compute(&h.algorithm(), bytes) {
            if computed != h {
                return Err(RegistryError::DigestMismatch {
                    what: format!(
                        "manifest {}:{reference} (the registry's Docker-Content-Digest)",
                        repo.name()
                    ),
                    expected: h,
                    computed,
                });
            }
        }
    }
    Ok(Digest::sha256(bytes))
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out.replace(['\n', '\r'], " ")
}

/// Cheap jitter: the clock's nanoseconds.
fn jitter() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs `f` on every item with at most `jobs` running at once, on scoped threads; results
/// come back in the items' order.
pub fn run_bounded<T: Send, R: Send>(
    jobs: usize,
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let n = items.len();
    if n <= 1 || jobs <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(n) {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().next();
                let Some((i, item)) = next else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_keeps_order_and_bound() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = run_bounded(3, (0..20).collect(), |i: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn repo_names() {
        let r = Repo::new("docker.io", "library/alpine");
        assert_eq!(r.host, "registry-1.docker.io");
        assert_eq!(r.name(), "docker.io/library/alpine");
        assert_eq!(Repo::new("127.0.0.1:5000", "a").host, "127.0.0.1:5000");
    }

    #[test]
    fn manifest_verification() {
        let r = Repo::new("h", "p");
        let b = b"{}";
        let d = Digest::sha256(b);
        assert_eq!(verify_manifest(&r, d.as_str(), b, None).unwrap(), d);
        let other = Digest::sha256(b"x");
        let e = verify_manifest(&r, other.as_str(), b, None).unwrap_err();
        assert!(e.to_string().contains(other.as_str()) && e.to_string().contains(d.as_str()));
        assert!(verify_manifest(&r, "v1", b, Some(other.as_str())).is_err());
        assert_eq!(verify_manifest(&r, "v1", b, Some(d.as_str())).unwrap(), d);
    }
}
