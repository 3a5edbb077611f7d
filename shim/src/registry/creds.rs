//! Credentials, looked up as docker and podman do.
//!
//! Order: `--creds`; the auth file named by `--authfile` or `REGISTRY_AUTH_FILE` (then only
//! that file, as podman does); `$XDG_RUNTIME_DIR/containers/auth.json` and
//! `$XDG_CONFIG_HOME/containers/auth.json`; docker's `$DOCKER_CONFIG/config.json` (default
//! `~/.docker/config.json`) with `credHelpers`, `credsStore` and `auths` in docker's order.
//! Secrets never appear in a `Display` or `Debug` of anything here.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use manifold_engine::registry::host;

/// A credential for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
    /// An OAuth refresh token (`identitytoken`, or a helper's `<token>` user).
    pub identity_token: Option<String>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Credential {{ username: {:?}, secret: <redacted> }}",
            self.username
        )
    }
}

/// Where a credential came from (or where the lookup looked), for messages. Never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    AuthFile(PathBuf),
    EnvAuthFile(PathBuf),
    ContainersAuth(PathBuf),
    DockerConfig(PathBuf),
    Helper { program: String, config: PathBuf },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("--creds"),
            Source::AuthFile(p) => write!(f, "--authfile {}", p.display()),
            Source::EnvAuthFile(p) => write!(f, "REGISTRY_AUTH_FILE={}", p.display()),
            Source::ContainersAuth(p) => write!(f, "{}", p.display()),
            Source::DockerConfig(p) => write!(f, "{}", p.display()),
            Source::Helper { program, config } => {
                write!(f, "credential helper {program} (from {})", config.display())
            }
        }
    }
}

/// The result of a lookup: the credential, if any, and what was consulted.
#[derive(Clone, Debug)]
pub struct Lookup {
    pub credential: Option<(Credential, Source)>,
    /// Every place consulted, in order (for "no credentials found in ..." messages).
    pub consulted: Vec<String>,
    /// Problems met on the way (an unreadable file, a failing helper): said in errors, never fatal.
    pub warnings: Vec<String>,
}

impl Lookup {
    /// What to tell the user about the credentials tried, without any secret.
    pub fn describe(&self) -> String {
        match &self.credential {
            Some((c, s)) => format!("user {:?} from {s}", c.username),
            None if self.consulted.is_empty() => "none".to_string(),
            None => format!("none found (looked at {})", self.consulted.join(", ")),
        }
    }
}

/// The inputs of a lookup, gathered from flags and the environment once per run.
#[derive(Clone, Debug, Default)]
pub struct CredentialConfig {
    pub creds_flag: Option<String>,
    pub authfile_flag: Option<PathBuf>,
    pub env_authfile: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub docker_config_dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl CredentialConfig {
    pub fn from_env(creds: Option<&str>, authfile: Option<&Path>) -> CredentialConfig {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        CredentialConfig {
            creds_flag: creds.map(str::to_string),
            authfile_flag: authfile.map(Path::to_path_buf),
            env_authfile: env("REGISTRY_AUTH_FILE"),
            xdg_runtime_dir: env("XDG_RUNTIME_DIR"),
            xdg_config_home: env("XDG_CONFIG_HOME"),
            docker_config_dir: env("DOCKER_CONFIG"),
            home: env("HOME"),
        }
    }

    fn docker_config_file(&self) -> Option<PathBuf> {
        match (&self.docker_config_dir, &self.home) {
            (Some(d), _) => Some(d.join("config.json")),
            (None, Some(h)) => Some(h.join(".docker").join("config.json")),
            _ => None,
        }
    }

    /// Looks up the credential for a registry. `domain` is the registry as written in the
    /// reference (`docker.io`, `127.0.0.1:5000`), `path` the repository path (podman's auth
    /// files may hold per-repository entries).
    pub fn lookup(&self, domain: &str, path: &str) -> Result<Lookup, String> {
        let mut out = Lookup {
            credential: None,
            consulted: Vec::new(),
            warnings: Vec::new(),
        };
        if let Some(c) = &self.creds_flag {
            let (u, p) = c
                .split_once(':')
                .ok_or("--creds must be USER:PASSWORD (no ':' found)")?;
            if u.is_empty() {
                return Err("--creds must be USER:PASSWORD (the user is empty)".into());
            }
            out.credential = Some((
                Credential {
                    username: u.to_string(),
                    password: p.to_string(),
                    identity_token: None,
                },
                Source::Flag,
            ));
            return Ok(out);
        }
        let explicit = self
            .authfile_flag
            .clone()
            .map(Source::AuthFile)
            .or_else(|| self.env_authfile.clone().map(Source::EnvAuthFile));
        if let Some(src) = explicit {
            let file = match &src {
                Source::AuthFile(p) | Source::EnvAuthFile(p) => p.clone(),
                _ => unreachable!(),
            };
            out.consulted.push(src.to_string());
            // An auth file the user named must exist (podman says the same).
            let text = std::fs::read(&file)
                .map_err(|e| format!("cannot read the auth file {}: {e}", file.display()))?;
            let cfg = parse_config(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            if let Some(c) = containers_entry(&cfg, domain, path).transpose()? {
                out.credential = Some((c, src));
            }
            return Ok(out);
        }
        let mut containers = Vec::new();
        if let Some(d) = &self.xdg_runtime_dir {
            containers.push(d.join("containers").join("auth.json"));
        }
        match (&self.xdg_config_home, &self.home) {
            (Some(d), _) => containers.push(d.join("containers").join("auth.json")),
            (None, Some(h)) => {
                containers.push(h.join(".config").join("containers").join("auth.json"))
            }
            _ => {}
        }
        for file in containers {
            let Ok(text) = std::fs::read(&file) else {
                continue;
            };
            out.consulted.push(file.display().to_string());
            match parse_config(&text) {
                Ok(cfg) => match containers_entry(&cfg, domain, path) {
                    Some(Ok(c)) => {
                        out.credential = Some((c, Source::ContainersAuth(file)));
                        return Ok(out);
                    }
                    Some(Err(e)) => out.warnings.push(format!("{}: {e}", file.display())),
                    None => {}
                },
                Err(e) => out.warnings.push(format!("{}: {e}", file.display())),
            }
        }
        if let Some(file) = self.docker_config_file() {
            if let Ok(text) = std::fs::read(&file) {
                out.consulted.push(file.display().to_string());
                match parse_config(&text) {
                    Ok(cfg) => {
                        let key = host::credential_key(domain);
                        if let Some(found) = docker_entry(&cfg, &key, &file, &mut out.warnings) {
                            out.credential = Some(found);
                        }
                    }
                    Err(e) => out.warnings.push(format!("{}: {e}", file.display())),
                }
            }
        }
        Ok(out)
    }
}

fn parse_config(text: &[u8]) -> Result<serde_json::Value, String> {
    let v: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    Ok(v)
}

/// docker's `ConvertToHostname`: drops `http(s)://` and anything after the first `/`.
fn to_hostname(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

/// A containers-auth.json lookup: `host/ns/repo`, then shorter prefixes, then `host`, then
/// legacy keys that reduce to the host (`https://host/v1/`).
fn containers_entry(
    cfg: &serde_json::Value,
    domain: &str,
    path: &str,
) -> Option<Result<Credential, String>> {
    let auths = cfg.get("auths")?.as_object()?;
    let domain = host::canonical_domain(domain);
    let mut candidates = Vec::new();
    let mut p = format!("{domain}/{path}");
    loop {
        candidates.push(p.clone());
        match p.rfind('/') {
            Some(i) => p.truncate(i),
            None => break,
        }
    }
    for c in &candidates {
        if let Some(e) = auths.get(c) {
            if let Some(cred) = decode_entry(e) {
                return Some(cred);
            }
        }
    }
    for (k, e) in auths {
        if host::canonical_domain(to_hostname(k)) == domain {
            if let Some(cred) = decode_entry(e) {
                return Some(cred);
            }
        }
    }
    None
}

/// An `auths` entry: `auth` (base64 `user:pass`), or `username`/`password`, and
/// `identitytoken`. `None` when the entry holds nothing usable (docker's `credsStore` setups
/// leave empty `{}` entries).
fn decode_entry(e: &serde_json::Value) -> Option<Result<Credential, String>> {
    let s = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let identity = Some(s("identitytoken")).filter(|t| !t.is_empty());
    let auth = s("auth");
    let (mut username, mut password) = (s("username"), s("password"));
    if !auth.is_empty() {
        let decoded = match base64::engine::general_purpose::STANDARD.decode(auth.trim()) {
            Ok(d) => d,
            Err(_) => return Some(Err("an \"auth\" value is not base64".into())),
        };
        let text = String::from_utf8_lossy(&decoded).into_owned();
        match text.split_once(':') {
            Some((u, p)) => {
                username = u.to_string();
                password = p.trim_end_matches('\0').to_string();
            }
            None => {
                return Some(Err(
                    "an \"auth\" value is not base64 of USER:PASSWORD".into()
                ))
            }
        }
    }
    if username.is_empty() && identity.is_none() {
        return None;
    }
    Some(Ok(Credential {
        username,
        password,
        identity_token: identity,
    }))
}

/// docker's order: `credHelpers[key]`, else `credsStore`, each falling back to the `auths`
/// entry when the helper fails or has nothing; else `auths[key]`.
fn docker_entry(
    cfg: &serde_json::Value,
    key: &str,
    file: &Path,
    warnings: &mut Vec<String>,
) -> Option<(Credential, Source)> {
    let helper = cfg
        .get("credHelpers")
        .and_then(|h| h.get(key))
        .and_then(|v| v.as_str())
        .or_else(|| cfg.get("credsStore").and_then(|v| v.as_str()))
        .filter(|h| !h.is_empty());
    if let Some(name) = helper {
        let program = format!("docker-credential-{name}");
        match run_helper(&program, key) {
            Ok(Some(c)) => {
                return Some((
                    c,
                    Source::Helper {
                        program,
                        config: file.to_path_buf(),
                    },
                ))
            }
            Ok(None) => {}
            Err(e) => warnings.push(e),
        }
    }
    let auths = cfg.get("auths").and_then(|a| a.as_object())?;
    let entry = auths.get(key).or_else(|| {
        let host = to_hostname(key);
        auths
            .iter()
            .find(|(k, _)| {
                to_hostname(k) == host
                    || (key.contains("index.docker.io") && to_hostname(k) == "index.docker.io")
            })
            .map(|(_, v)| v)
    })?;
    match decode_entry(entry)? {
        Ok(c) => Some((c, Source::DockerConfig(file.to_path_buf()))),
        Err(e) => {
            warnings.push(format!("{}: {e}", file.display()));
            None
        }
    }
}

/// Runs `docker-credential-<name> get` with the server on stdin. `Ok(None)` when the helper
/// has no credential for it.
fn run_helper(program: &str, server: &str) -> Result<Option<Credential>, String> {
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{program} failed: {e}"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if msg.contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!("{program} get failed ({}): {msg}", out.status));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| format!("{program} get printed something that is not JSON"))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let (user, secret) = (s("Username"), s("Secret"));
    if secret.is_empty() {
        return Ok(None);
    }
    if user == "<token>" {
        return Ok(Some(Credential {
            username: String::new(),
            password: String::new(),
            identity_token: Some(secret),
        }));
    }
    Ok(Some(Credential {
        username: user,
        password: secret,
        identity_token: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn keys_and_entries() {
        assert_eq!(
            host::credential_key("docker.io"),
            "https://index.docker.io/v1/"
        );
        assert_eq!(host::credential_key("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(host::canonical_domain("index.docker.io"), "docker.io");
        let cfg: serde_json::Value = serde_json::json!({"auths": {
            "https://r.io/v1/": {"auth": b64("a:b:c")},
            "q.io/team": {"auth": b64("t:1")},
            "q.io": {"auth": b64("h:2")},
            "empty.io": {}
        }});
        let c = containers_entry(&cfg, "r.io", "x").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("a", "b:c"));
        assert_eq!(
            containers_entry(&cfg, "q.io", "team/app")
                .unwrap()
                .unwrap()
                .username,
            "t"
        );
        assert_eq!(
            containers_entry(&cfg, "q.io", "other")
                .unwrap()
                .unwrap()
                .username,
            "h"
        );
        assert!(containers_entry(&cfg, "empty.io", "x").is_none());
        let mut w = vec![];
        let (c, src) = docker_entry(&cfg, "r.io", Path::new("/c.json"), &mut w).unwrap();
        assert_eq!(c.username, "a");
        assert_eq!(src.to_string(), "/c.json");
        assert!(format!("{c:?}").contains("<redacted>") && !format!("{c:?}").contains("b:c"));
    }

    #[test]
    fn creds_flag_first_and_checked() {
        let cfg = CredentialConfig {
            creds_flag: Some("u:p:q".into()),
            ..Default::default()
        };
        let l = cfg.lookup("x", "y").unwrap();
        let (c, s) = l.credential.unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str(), s),
            ("u", "p:q", Source::Flag)
        );
        let bad = CredentialConfig {
            creds_flag: Some("nocolon".into()),
            ..Default::default()
        };
        assert!(bad.lookup("x", "y").is_err());
    }

    #[test]
    fn missing_helper_falls_back_to_auths() {
        let cfg = serde_json::json!({"credsStore": "manifold-test-does-not-exist",
            "auths": {"h:1": {"auth": b64("u:p")}}});
        let mut w = vec![];
        let (c, _) = docker_entry(&cfg, "h:1", Path::new("/c"), &mut w).unwrap();
        assert_eq!(c.username, "u");
        assert_eq!(w.len(), 1);
    }
}
