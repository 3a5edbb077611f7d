//! The HTTP agents of a run, one pair per TLS setup, picked by host.
//!
//! TLS is per registry: besides the system's roots and `--cert-dir`, each `HOST:PORT` may have
//! a `certs.d` folder (docker's and podman's) with extra CAs and a client certificate. Which
//! folder and which files apply is the engine's rule (`registry::certs`); this file lists the
//! folders and reads the files. Hosts with the same files share one agent pair (and so its
//! connection pool); a host's pair is looked up once per run.
//!
//! `MANIFOLD_CERTS_D=DIR[:DIR...]` replaces the default roots (docker:
//! `$XDG_CONFIG_HOME/docker/certs.d` when not root, `/etc/docker/certs.d`; podman:
//! `$XDG_CONFIG_HOME/containers/certs.d` when not root, `/etc/containers/certs.d`,
//! `/etc/docker/certs.d`). `--cert-dir DIR` is the folder itself, for every host, and
//! replaces the search (as podman's flag does). A host that registries.conf marks `insecure`
//! (podman personality) gets a setup without verification.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
use ureq::Agent;

use manifold_engine::registry::{certs, host};

use super::error::RegistryError;
use super::options::LoadedConf;
use super::tls::{client_config, LazyConfig, TlsConnector, TlsSetup};
use super::transport::{MapResolver, Net};

/// The files that make a TLS setup, beyond the run's base roots.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct TlsFiles {
    /// registries.conf marks the host insecure.
    insecure: bool,
    cas: Vec<PathBuf>,
    client: Option<(PathBuf, PathBuf)>,
}

/// One agent that may use an environment proxy, one that never does (for loopback hosts, as
/// Go's `net/http` behaves); both with one TLS setup.
struct Pair {
    direct: Agent,
    proxied: Agent,
}

/// The agents of a run.
pub struct Agents {
    insecure: bool,
    /// `--cert-dir`'s `*.crt`.
    base_roots: Vec<CertificateDer<'static>>,
    /// The system's roots, loaded when the first TLS connection needs them.
    system_roots: Arc<OnceLock<Vec<CertificateDer<'static>>>>,
    cert_dir: Option<PathBuf>,
    certs_d: Vec<PathBuf>,
    conf: Option<Arc<LoadedConf>>,
    user_agent: String,
    net: Net,
    jobs: usize,
    by_files: Mutex<HashMap<TlsFiles, Arc<Pair>>>,
    by_host: Mutex<HashMap<String, Arc<Pair>>>,
}

fn settings(message: String) -> RegistryError {
    RegistryError::Credentials { message }
}

/// The certificates of a PEM file (at least one).
fn read_certs(f: &Path) -> Result<Vec<CertificateDer<'static>>, RegistryError> {
    let pem =
        std::fs::read(f).map_err(|e| settings(format!("cannot read {}: {e}", f.display())))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(settings(format!(
            "{} holds no PEM certificate",
            f.display()
        )));
    }
    Ok(certs)
}

/// The file names in `dir`, or `None` when it does not exist. Another read error (permission
/// denied) is an error, as docker makes it.
fn listing(dir: &Path) -> Result<Option<Vec<String>>, RegistryError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(Some(
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                .filter_map(|e| e.file_name().into_string().ok())
                .collect(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(settings(format!("cannot read {}: {e}", dir.display()))),
    }
}

impl Agents {
    /// `jobs`: the most requests in flight at once; that many idle connections per host are
    /// kept, so every worker finds its connection again (ureq keeps 3 by default).
    pub fn new(
        insecure: bool,
        cert_dir: Option<&Path>,
        certs_d: &[PathBuf],
        conf: Option<Arc<LoadedConf>>,
        user_agent: &str,
        net: &Net,
        jobs: usize,
    ) -> Result<Agents, RegistryError> {
        let mut base_roots: Vec<CertificateDer<'static>> = Vec::new();
        if !insecure {
            if let Some(dir) = cert_dir {
                let entries = std::fs::read_dir(dir).map_err(|e| {
                    settings(format!("cannot read --cert-dir {}: {e}", dir.display()))
                })?;
                let mut files: Vec<_> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "crt"))
                    .collect();
                files.sort();
                for f in files {
                    base_roots.extend(read_certs(&f)?);
                }
            }
        }
        Ok(Agents {
            insecure,
            base_roots,
            system_roots: Arc::new(OnceLock::new()),
            cert_dir: cert_dir.map(Path::to_path_buf),
            certs_d: certs_d.to_vec(),
            conf,
            user_agent: user_agent.to_string(),
            net: net.clone(),
            jobs,
            by_files: Mutex::new(HashMap::new()),
            by_host: Mutex::new(HashMap::new()),
        })
    }

    /// The certs.d folder for `host` (`HOST:PORT`) that a client certificate would go in: the
    /// first root that has one for it, else the first root.
    pub fn client_cert_folder(&self, host: &str) -> Option<PathBuf> {
        if let Some(d) = &self.cert_dir {
            return Some(d.clone());
        }
        let name = certs::host_folder(host);
        self.certs_d
            .iter()
            .map(|r| r.join(&name))
            .find(|d| d.is_dir())
            .or_else(|| self.certs_d.first().map(|r| r.join(&name)))
    }

    /// Whether a CA or a client certificate is configured for `host` (`--cert-dir`, or a certs.d
    /// folder holding either): whoever configured them expects TLS there.
    pub fn tls_configured(&self, host: &str) -> bool {
        self.cert_dir.is_some()
            || self
                .files_for(host)
                .is_ok_and(|f| !f.cas.is_empty() || f.client.is_some())
    }

    /// The client certificate file presented to `host`, if one is configured.
    pub fn client_cert_of(&self, host: &str) -> Option<PathBuf> {
        self.files_for(host).ok()?.client.map(|(c, _)| c)
    }

    /// The files that apply to `host`: `--cert-dir`'s client pair, or the first certs.d
    /// folder for it.
    fn files_for(&self, host: &str) -> Result<TlsFiles, RegistryError> {
        let insecure = self.conf.as_ref().is_some_and(|c| c.conf.insecure(host));
        let folder = match &self.cert_dir {
            Some(d) => Some((d.clone(), listing(d)?.unwrap_or_default())),
            None => {
                let name = certs::host_folder(host);
                let mut found = None;
                for root in &self.certs_d {
                    let d = root.join(&name);
                    if let Some(l) = listing(&d)? {
                        found = Some((d, l));
                        break;
                    }
                }
                found
            }
        };
        let Some((dir, names)) = folder else {
            return Ok(TlsFiles {
                insecure,
                ..TlsFiles::default()
            });
        };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let chosen =
            certs::select(&names).map_err(|e| settings(format!("{}: {e}", dir.display())))?;
        Ok(TlsFiles {
            insecure,
            // --cert-dir's CAs are in the base roots already
            cas: if self.cert_dir.is_some() {
                Vec::new()
            } else {
                chosen.cas.iter().map(|n| dir.join(n)).collect()
            },
            client: chosen.client.map(|(c, k)| (dir.join(c), dir.join(k))),
        })
    }

    fn build(&self, files: &TlsFiles) -> Result<Pair, RegistryError> {
        let insecure = self.insecure || files.insecure;
        let mut roots = self.base_roots.clone();
        if !insecure {
            for f in &files.cas {
                roots.extend(read_certs(f)?);
            }
        }
        let client = match &files.client {
            None => None,
            Some((cert, key)) => {
                let chain = read_certs(cert)?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    settings(format!(
                        "cannot read a private key from {}: {e}",
                        key.display()
                    ))
                })?;
                Some((chain, Arc::new(key)))
            }
        };
        let system = self.system_roots.clone();
        let config = Arc::new(LazyConfig::new(move || {
            let mut all = Vec::new();
            if !insecure {
                all = system
                    .get_or_init(|| rustls_native_certs::load_native_certs().certs)
                    .clone();
            }
            all.extend(roots.iter().cloned());
            client_config(&TlsSetup {
                insecure,
                roots: all,
                client: client.clone(),
            })
        }));
        let idle = self.jobs.max(8);
        let t = self.net.timeouts;
        let build = |proxy: Option<ureq::Proxy>| -> Agent {
            let agent_config = Agent::config_builder()
                .http_status_as_error(false)
                .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
                .max_redirects(10)
                .proxy(proxy)
                .user_agent(&self.user_agent)
                // no Accept-Encoding: blobs must arrive as stored for their digests to verify
                .accept_encoding("")
                .timeout_connect(Some(t.connect))
                .timeout_recv_response(Some(t.io))
                .timeout_per_read(Some(t.io))
                .timeout_per_write(Some(t.io))
                .max_idle_connections_per_host(idle)
                // a cross-registry copy keeps two registries' connections (and a token server's)
                .max_idle_connections(idle * 4)
                .build();
            // ureq's default chain (CONNECT proxy, TCP, TLS) with this setup's TLS in place of
            // ureq's (which cannot take a custom verifier)
            let connector =
                ().chain(ConnectProxyConnector::default())
                    .chain(TcpConnector::default())
                    .chain(TlsConnector(config.clone()));
            Agent::with_parts(
                agent_config,
                connector,
                MapResolver::new(self.net.resolve.clone()),
            )
        };
        Ok(Pair {
            direct: build(None),
            proxied: build(ureq::Proxy::try_from_env()),
        })
    }

    /// The agent for a URL's host (`HOST:PORT`): its TLS setup, and never a proxy for loopback.
    pub fn for_host(&self, host: &str) -> Result<Agent, RegistryError> {
        let key = host.to_ascii_lowercase();
        let cached = self.by_host.lock().unwrap().get(&key).cloned();
        let pair = match cached {
            Some(p) => p,
            None => {
                let files = self.files_for(host)?;
                let existing = self.by_files.lock().unwrap().get(&files).cloned();
                let pair = match existing {
                    Some(p) => p,
                    None => {
                        let p = Arc::new(self.build(&files)?);
                        self.by_files
                            .lock()
                            .unwrap()
                            .entry(files)
                            .or_insert(p)
                            .clone()
                    }
                };
                self.by_host
                    .lock()
                    .unwrap()
                    .entry(key)
                    .or_insert(pair)
                    .clone()
            }
        };
        Ok(if host::is_loopback(host) {
            pair.direct.clone()
        } else {
            pair.proxied.clone()
        })
    }
}
