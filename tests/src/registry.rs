//! A real registry: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1, a free
//! port, temp storage, stopped on drop. A shell twin lives in the research notes' `peer/registry.sh`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::certs::{self_signed_server, Issued, TestCa, Validity};
use crate::token::{TokenServer, ISSUER, SERVICE};
use crate::{PASSWORD, USER};

/// How the registry authenticates, and whether it speaks TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Plain HTTP, anonymous.
    None,
    /// htpasswd Basic auth over plain HTTP.
    Basic,
    /// htpasswd Basic auth over HTTPS, certificate from a CA made in the test.
    BasicTls,
    /// `auth: token` with a token server of the tests, plain HTTP.
    Token,
    /// Anonymous HTTPS with a certificate made as registry guides make it (`openssl req -x509`:
    /// self-signed, `CA:TRUE`) for `127.0.0.1` and `localhost`; [`Registry::ca_file`] is that
    /// certificate.
    SelfSigned,
    /// As `SelfSigned`, but for the name `registry.example` only.
    SelfSignedWrongName,
    /// As `SelfSigned`, but expired (2020).
    SelfSignedExpired,
    /// Anonymous HTTPS (certificate from a test CA, [`Registry::ca_file`]) that requires a
    /// client certificate signed by [`Registry::client_ca`] (distribution's `http.tls.clientcas`).
    ClientCert,
    /// `auth: token` over HTTPS (certificate from a test CA, [`Registry::ca_file`]), the token
    /// server a separate endpoint, as Docker Hub and GHCR have it.
    TokenTls,
}

impl Auth {
    /// Whether the registry speaks HTTPS.
    pub fn is_tls(self) -> bool {
        !matches!(self, Auth::None | Auth::Basic | Auth::Token)
    }
}

/// One line of the registry's access log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLine {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// A running registry.
pub struct Registry {
    pub auth: Auth,
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
    log: PathBuf,
    /// For `BasicTls`: the CA that signed the registry's certificate.
    pub ca: Option<TestCa>,
    /// For `Token`: the token server.
    pub token: Option<TokenServer>,
    /// For `ClientCert`: the CA whose client certificates the registry accepts.
    pub client_ca: Option<TestCa>,
    /// For `ClientCert`: a client certificate it accepts (the harness's own).
    pub client: Option<Issued>,
    /// The latency proxy in front of the token server, when the realm is made far away
    /// ([`Registry::start_far_token`]).
    pub token_proxy: Option<crate::latency::LatencyProxy>,
}

/// The registry binary: `MANIFOLD_REGISTRY_BIN`, else `/usr/bin/docker-registry`.
pub fn registry_bin() -> PathBuf {
    std::env::var_os("MANIFOLD_REGISTRY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/docker-registry"))
}

/// Whether tests needing parts that are missing must fail rather than skip.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .unwrap()
        .port()
}

/// `htpasswd -Bbn user pass`: a bcrypt line as distribution wants it.
fn htpasswd_line() -> String {
    let out = Command::new("htpasswd")
        .args(["-Bbn", USER, PASSWORD])
        .output()
        .unwrap_or_else(|e| panic!("cannot run htpasswd (apt-get install apache2-utils): {e}"));
    assert!(out.status.success(), "htpasswd failed: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string() + "\n"
}

/// The harness's own HTTP client for its registries: no proxy, any certificate (the TLS
/// variant's is self-signed), statuses as values, every call bounded by `timeout`.
/// `client`: a client certificate to present (for `Auth::ClientCert`).
pub(crate) fn harness_agent(timeout: Duration, client: Option<&Issued>) -> ureq::Agent {
    let client = client.map(|c| {
        ureq::tls::ClientCert::new_with_certs(
            &[ureq::tls::Certificate::from_pem(c.cert_pem.as_bytes()).expect("client cert")],
            ureq::tls::PrivateKey::from_pem(c.key_pem.as_bytes()).expect("client key"),
        )
    });
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(true)
                .client_cert(client)
                .build(),
        )
        .timeout_global(Some(timeout))
        .build()
        .new_agent()
}

impl Registry {
    /// Starts a registry, or returns `None` (with a note on stderr) when `docker-registry` is
    /// not installed and this is not CI. Under `CI=true` a missing registry panics.
    pub fn start(auth: Auth) -> Option<Registry> {
        Registry::start_far_token(auth, None)
    }

    /// As [`Registry::start`], with the token server (for `Token` and `TokenTls`) behind a
    /// latency proxy of round trip `token_rtt`, so its realm is as far away as the registry.
    pub fn start_far_token(auth: Auth, token_rtt: Option<Duration>) -> Option<Registry> {
        let bin = registry_bin();
        if !bin.exists() {
            if is_ci() {
                panic!(
                    "{} is missing and CI=true: install docker-registry (scripts/test does)",
                    bin.display()
                );
            }
            eprintln!("SKIP: {} is not installed", bin.display());
            return None;
        }
        // A port picked free can be taken before the registry binds it: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            match Registry::try_start(auth, &bin, token_rtt) {
                Ok(r) => return Some(r),
                Err(e) => last = e,
            }
        }
        panic!("the registry did not start: {last}");
    }

    fn try_start(auth: Auth, bin: &Path, token_rtt: Option<Duration>) -> Result<Registry, String> {
        let dir = tempfile::Builder::new()
            .prefix("manifold-registry.")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let d = dir.path();
        let storage = d.join("storage");
        std::fs::create_dir_all(&storage).map_err(|e| e.to_string())?;
        let port = free_port();
        let mut auth_yaml = String::new();
        let mut tls_yaml = String::new();
        let mut ca = None;
        let mut token = None;
        let mut client_ca = None;
        let mut client = None;
        let mut token_proxy = None;
        match auth {
            Auth::None
            | Auth::SelfSigned
            | Auth::SelfSignedWrongName
            | Auth::SelfSignedExpired
            | Auth::ClientCert => {}
            Auth::Basic | Auth::BasicTls => {
                std::fs::write(d.join("htpasswd"), htpasswd_line()).map_err(|e| e.to_string())?;
                auth_yaml = format!(
                    "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
                    d.join("htpasswd").display()
                );
            }
            Auth::Token | Auth::TokenTls => {
                let t = TokenServer::start(USER, PASSWORD);
                let bundle = t.ca.write_ca(d, "token-ca.pem");
                let realm = match token_rtt {
                    Some(rtt) => {
                        let p = crate::latency::LatencyProxy::start(t.port, rtt);
                        let r = format!("http://{}/token", p.host());
                        token_proxy = Some(p);
                        r
                    }
                    None => t.realm(),
                };
                auth_yaml = format!(
                    "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                    realm,
                    bundle.display()
                );
                token = Some(t);
            }
        }
        if matches!(auth, Auth::BasicTls | Auth::TokenTls) {
            let c = TestCa::new("manifold test registry CA");
            let leaf = c.issue("127.0.0.1", &["127.0.0.1", "localhost"]);
            std::fs::write(d.join("cert.pem"), &leaf.cert_pem).map_err(|e| e.to_string())?;
            std::fs::write(d.join("key.pem"), &leaf.key_pem).map_err(|e| e.to_string())?;
            c.write_ca(d, "ca.crt");
            tls_yaml = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                d.join("cert.pem").display(),
                d.join("key.pem").display()
            );
            ca = Some(c);
        }
        let self_signed = match auth {
            Auth::SelfSigned => Some(self_signed_server(
                "127.0.0.1",
                &["127.0.0.1", "localhost"],
                Validity::Now,
            )),
            Auth::SelfSignedWrongName => Some(self_signed_server(
                "registry.example",
                &["registry.example"],
                Validity::Now,
            )),
            Auth::SelfSignedExpired => Some(self_signed_server(
                "127.0.0.1",
                &["127.0.0.1", "localhost"],
                Validity::Expired,
            )),
            _ => None,
        };
        if let Some(cert) = self_signed {
            std::fs::write(d.join("cert.pem"), &cert.cert_pem).map_err(|e| e.to_string())?;
            std::fs::write(d.join("key.pem"), &cert.key_pem).map_err(|e| e.to_string())?;
            std::fs::write(d.join("ca.crt"), &cert.cert_pem).map_err(|e| e.to_string())?;
            tls_yaml = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                d.join("cert.pem").display(),
                d.join("key.pem").display()
            );
        }
        if auth == Auth::ClientCert {
            let c = TestCa::new("manifold test registry CA");
            let leaf = c.issue("127.0.0.1", &["127.0.0.1", "localhost"]);
            std::fs::write(d.join("cert.pem"), &leaf.cert_pem).map_err(|e| e.to_string())?;
            std::fs::write(d.join("key.pem"), &leaf.key_pem).map_err(|e| e.to_string())?;
            c.write_ca(d, "ca.crt");
            let clients = TestCa::new("manifold test client CA");
            let bundle = clients.write_ca(d, "client-ca.pem");
            tls_yaml = format!(
                "  tls:\n    certificate: {}\n    key: {}\n    clientcas:\n      - {}\n",
                d.join("cert.pem").display(),
                d.join("key.pem").display(),
                bundle.display()
            );
            ca = Some(c);
            client = Some(clients.issue_client("manifold harness"));
            client_ca = Some(clients);
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n  cache:\n    blobdescriptor: inmemory\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: manifold-tests-not-secret\n  headers:\n    X-Content-Type-Options: [nosniff]\n{tls_yaml}{auth_yaml}",
            storage.display()
        );
        let cfg = d.join("config.yml");
        std::fs::write(&cfg, config).map_err(|e| e.to_string())?;
        let log = d.join("registry.log");
        let logf = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(logf.try_clone().map_err(|e| e.to_string())?)
            .stderr(logf);
        // distribution maps REGISTRY_* variables onto its config: drop them all.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("REGISTRY_") {
                cmd.env_remove(&k);
            }
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
        let mut reg = Registry {
            auth,
            port,
            dir,
            child,
            log,
            ca,
            token,
            client_ca,
            client,
            token_proxy,
        };
        reg.wait_up()?;
        Ok(reg)
    }

    /// A registry process started elsewhere in the harness (another implementation, anonymous
    /// plain HTTP on `port`), adopted once it answers `GET /v2/`: stopped on drop like ours.
    pub(crate) fn adopt(
        port: u16,
        dir: tempfile::TempDir,
        child: Child,
        log: PathBuf,
    ) -> Result<Registry, String> {
        let mut reg = Registry {
            auth: Auth::None,
            port,
            dir,
            child,
            log,
            ca: None,
            token: None,
            client_ca: None,
            client: None,
            token_proxy: None,
        };
        reg.wait_up()?;
        Ok(reg)
    }

    fn wait_up(&mut self) -> Result<(), String> {
        let agent = self.agent(Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/v2/", self.base_url());
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "docker-registry exited ({status}) during startup:\n{}",
                    self.log_text()
                ));
            }
            if let Ok(r) = agent.get(&url).call() {
                if matches!(r.status().as_u16(), 200 | 401) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return Err(format!(
                    "the registry did not answer GET /v2/ within 60 s:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `GET /v2/<repo>/manifests/<reference>` straight to this registry, anonymously, taking any
    /// index or manifest type: the status and the bytes served.
    pub fn get_manifest(&self, repo: &str, reference: &str) -> (u16, Vec<u8>) {
        const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.base_url());
        let mut r = self
            .agent(Duration::from_secs(30))
            .get(&url)
            .header("Accept", ACCEPT)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = r.status().as_u16();
        (status, r.body_mut().read_to_vec().unwrap_or_default())
    }

    /// The harness's client for this registry (with its client certificate, if it wants one).
    pub(crate) fn agent(&self, timeout: Duration) -> ureq::Agent {
        harness_agent(timeout, self.client.as_ref())
    }

    pub fn scheme(&self) -> &'static str {
        if self.auth.is_tls() {
            "https"
        } else {
            "http"
        }
    }

    /// `127.0.0.1:PORT`, the registry part of references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base_url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.port)
    }

    /// The CA certificate's path (TLS registries).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The access log so far, one entry per request (`"GET /v2/ HTTP/1.1" 200 ...`).
    pub fn requests(&self) -> Vec<RequestLine> {
        parse_access_log(&self.log_text())
    }

    /// How many requests with `method` had a path starting with `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }
}

/// Parses access-log lines (combined log format, as distribution writes it).
pub fn parse_access_log(text: &str) -> Vec<RequestLine> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(start) = line.find('"') else {
            continue;
        };
        let rest = &line[start + 1..];
        let Some(end) = rest.find('"') else { continue };
        let mut req = rest[..end].split(' ');
        let (Some(method), Some(path), Some(proto)) = (req.next(), req.next(), req.next()) else {
            continue;
        };
        if !proto.starts_with("HTTP/") {
            continue;
        }
        let status = rest[end + 1..]
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        out.push(RequestLine {
            method: method.to_string(),
            path: path.to_string(),
            status,
        });
    }
    out
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_log_lines() {
        let log = "time=\"x\" level=info msg=\"response completed\" http.request.method=GET\n127.0.0.1 - - [25/Nov/2025:12:00:00 +0000] \"GET /v2/ HTTP/1.1\" 401 87 \"\" \"manifold/0.1.0\"\n127.0.0.1 - - [x] \"HEAD /v2/a/blobs/sha256:1 HTTP/1.1\" 404 0 \"\" \"ua\"\n";
        assert_eq!(
            parse_access_log(log),
            vec![
                RequestLine {
                    method: "GET".into(),
                    path: "/v2/".into(),
                    status: 401
                },
                RequestLine {
                    method: "HEAD".into(),
                    path: "/v2/a/blobs/sha256:1".into(),
                    status: 404
                },
            ]
        );
    }
}
