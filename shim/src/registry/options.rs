//! The settings of a run's registry client ([`Options`]), gathered once from the command line
//! and the environment, and the upload chunk size.

use crate::personality::Personality;
use std::path::PathBuf;
use std::sync::Arc;

use manifold_engine::registry::registries_conf::{self, RegistriesConf};
use manifold_engine::registry::{certs, width, RetryPolicy};

use super::creds::CredentialConfig;
use super::transport;

/// Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size. Either
/// way at most this much of a blob is in memory.
pub const CHUNK: usize = 8 * 1024 * 1024;

/// A registries.conf as read: its path (for messages), its rules with the drop-ins merged, and
/// the file the search list came from (podman names it in the short-name error).
#[derive(Clone, Debug)]
pub struct LoadedConf {
    pub path: PathBuf,
    pub conf: RegistriesConf,
    pub search_origin: PathBuf,
}

/// podman's registries.conf: `CONTAINERS_REGISTRIES_CONF`, else
/// `$XDG_CONFIG_HOME/containers/registries.conf` (or `~/.config/...`) if it exists, else
/// `/etc/containers/registries.conf` if it exists; then the drop-ins, `*.conf` of
/// `/etc/containers/registries.conf.d` and then of `~/.config/containers/registries.conf.d`,
/// each folder in name order (containers-registries.conf.d(5); Debian's short-name aliases
/// come that way).
pub fn load_registries_conf() -> Result<Option<LoadedConf>, String> {
    let main = load_main_conf()?;
    let mut found = main.is_some();
    let system = PathBuf::from("/etc/containers/registries.conf");
    let mut loaded = main.unwrap_or(LoadedConf {
        path: system.clone(),
        conf: RegistriesConf::default(),
        search_origin: system,
    });
    let home = std::env::var("HOME").ok().filter(|v| !v.is_empty());
    let dirs = [
        Some(PathBuf::from("/etc/containers/registries.conf.d")),
        home.map(|h| PathBuf::from(h).join(".config/containers/registries.conf.d")),
    ];
    for dir in dirs.into_iter().flatten() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "conf") && p.is_file())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let conf =
                registries_conf::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            if conf.sets_search_registries {
                loaded.search_origin = path.clone();
            }
            loaded.conf.merge(conf);
            found = true;
        }
    }
    Ok(found.then_some(loaded))
}

fn load_main_conf() -> Result<Option<LoadedConf>, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let path = match env("CONTAINERS_REGISTRIES_CONF") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            let user = env("XDG_CONFIG_HOME")
                .or_else(|| env("HOME").map(|h| format!("{h}/.config")))
                .map(|h| PathBuf::from(h).join("containers/registries.conf"));
            user.into_iter()
                .chain([PathBuf::from("/etc/containers/registries.conf")])
                .find(|p| p.is_file())
        }
    };
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let conf = registries_conf::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(LoadedConf {
        search_origin: path.clone(),
        path,
        conf,
    }))
}

/// The certs.d roots of this run: `MANIFOLD_CERTS_D` (`DIR[:DIR...]`), else docker's or
/// podman's, as the personality of the run says (the engine's `certs::roots`).
fn certs_d_roots(personality: Personality) -> Vec<PathBuf> {
    let flavour = match personality {
        Personality::Podman => certs::Flavour::Podman,
        _ => certs::Flavour::Docker,
    };
    let over = std::env::var("MANIFOLD_CERTS_D").ok();
    let config_home = std::env::var("XDG_CONFIG_HOME")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.config")));
    // the owner of /proc/self is the effective user (no libc call needed)
    let is_root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    };
    certs::roots(flavour, over.as_deref(), config_home.as_deref(), is_root)
        .into_iter()
        .map(PathBuf::from)
        .collect()
}

/// The settings read from files and folders, read when a registry is first reached (a command
/// that never reaches one reads none of them).
#[derive(Clone, Debug, Default)]
pub struct Lazy {
    personality: Option<Personality>,
    conf: Arc<std::sync::OnceLock<Result<Option<Arc<LoadedConf>>, String>>>,
    certs_d: Arc<std::sync::OnceLock<Vec<PathBuf>>>,
}

impl Lazy {
    fn new(personality: Personality) -> Lazy {
        Lazy {
            personality: Some(personality),
            ..Lazy::default()
        }
    }

    fn conf(&self) -> &Result<Option<Arc<LoadedConf>>, String> {
        self.conf.get_or_init(|| match self.personality {
            Some(Personality::Podman) => load_registries_conf().map(|c| c.map(Arc::new)),
            _ => Ok(None),
        })
    }
}

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Skip TLS verification and allow plain HTTP, for every registry of this command.
    pub insecure: bool,
    /// Extra CA certificates (`*.crt`) to trust, and a client certificate (`*.cert` + `*.key`),
    /// for every registry; replaces the `certs.d` search.
    pub cert_dir: Option<PathBuf>,
    /// The `certs.d` roots searched for a `HOST:PORT` folder, in order (`MANIFOLD_CERTS_D`, else
    /// the personality's defaults; see `agents.rs`); when set, these and not the lazy ones.
    pub certs_d: Option<Vec<PathBuf>>,
    /// Concurrent requests at most (the engine's `width::widths`).
    pub jobs: usize,
    /// Concurrent blob uploads at most (within `jobs`).
    pub transfers: usize,
    /// Log requests and responses (secrets redacted) to stderr.
    pub debug: bool,
    pub credentials: CredentialConfig,
    pub retry: RetryPolicy,
    pub user_agent: String,
    /// Upload chunk size (and the largest blob sent in one PUT); default [`CHUNK`].
    pub chunk_size: usize,
    /// podman's registries.conf (in the podman personality, see [`load_registries_conf`]) and
    /// the certs.d roots, read on first use.
    pub lazy: Lazy,
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
            certs_d: Some(Vec::new()),
            lazy: Lazy::default(),
            jobs: width::REQUESTS,
            transfers: width::TRANSFERS,
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
    /// podman's registries.conf, if this run reads one and it could be read.
    pub fn registries_conf(&self) -> Option<Arc<LoadedConf>> {
        self.lazy.conf().as_ref().ok().cloned().flatten()
    }

    /// A setting that could not be used (the environment's, or registries.conf's), reported at
    /// the first request.
    pub fn settings_problem(&self) -> Option<String> {
        self.settings_error
            .clone()
            .or_else(|| self.lazy.conf().as_ref().err().cloned())
    }

    /// The certs.d roots of this run.
    pub fn certs_d(&self) -> Vec<PathBuf> {
        match &self.certs_d {
            Some(d) => d.clone(),
            None => self
                .lazy
                .certs_d
                .get_or_init(|| match self.lazy.personality {
                    Some(p) => certs_d_roots(p),
                    None => Vec::new(),
                })
                .clone(),
        }
    }

    /// The options the command line asks for: `--insecure` or `--tls-verify=false`, `--cert-dir`,
    /// `--creds`, `--authfile`, `--jobs` (else `MANIFOLD_JOBS`, else the engine's default widths), `--debug`; and from
    /// the environment `MANIFOLD_TIMEOUT` (seconds), `MANIFOLD_RESOLVE` (HOST:PORT:ADDRESS) and
    /// `MANIFOLD_CHUNK_SIZE` (bytes per upload chunk, default [`CHUNK`]: a tuning and test
    /// knob).
    /// `personality` (from `--compat`, `MANIFOLD_COMPAT` or the program's name) chooses the
    /// certs.d roots and whether podman's registries.conf applies.
    pub fn from_args(args: &crate::cli::RegistryArgs, personality: Personality) -> Options {
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
        // A tuning and test knob, not a flag: small chunks make a blob of a few hundred KiB
        // travel as many PATCHes (what resuming a broken one is tested with).
        let mut chunk_size = CHUNK;
        if let Some(v) = env("MANIFOLD_CHUNK_SIZE") {
            match v.trim().parse::<usize>() {
                Ok(n) if n > 0 => chunk_size = n,
                _ => {
                    settings_error = Some(format!(
                        "MANIFOLD_CHUNK_SIZE={v} is not a size in bytes; set a positive number or unset it"
                    ))
                }
            }
        }
        let widths = width::widths(jobs_asked(args.jobs));
        Options {
            insecure: args.insecure || args.tls_verify == Some(false),
            cert_dir: args.cert_dir.clone(),
            certs_d: None,
            lazy: Lazy::new(personality),
            jobs: widths.requests,
            transfers: widths.transfers,
            debug: args.debug,
            credentials: CredentialConfig::from_env(
                args.creds.as_deref(),
                args.authfile.as_deref(),
            ),
            net,
            settings_error,
            chunk_size,
            ..Options::default()
        }
    }
}

/// The width `--jobs` asks for, else `MANIFOLD_JOBS`, else none (the engine's defaults apply:
/// `width::widths`).
pub fn jobs_asked(flag: Option<usize>) -> Option<usize> {
    flag.or_else(|| std::env::var("MANIFOLD_JOBS").ok()?.trim().parse().ok())
}
