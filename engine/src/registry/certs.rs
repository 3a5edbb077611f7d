//! Which certificate files apply to a registry, as docker and podman choose them from their
//! `certs.d` folders: a pure rule over folder listings (the shim lists and reads the files).
//!
//! Both tools keep one folder per registry, named `HOST:PORT` as references write it
//! (`/etc/docker/certs.d/registry.example:5000/`), holding:
//!
//! * `*.crt`: CA certificates trusted for that registry, besides the system's;
//! * `*.cert` with its `*.key` (same base name): a client certificate for mutual TLS. A
//!   `.cert` without its `.key`, or a `.key` without its `.cert`, is an error (docker's
//!   `ReadCertsDirectory`, containers/image's `SetupCertificates`, with their wording).
//!
//! Several roots are searched in order and the first that has a folder for the host wins; only
//! that folder is read (containers/image's `dockerCertDir`). `--cert-dir DIR` (podman) names
//! the folder itself and replaces the search.

/// The files of one registry's folder that matter, by file name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct HostCerts {
    /// `*.crt` files: extra trusted CAs (sorted by name).
    pub cas: Vec<String>,
    /// The client certificate and its key, `(NAME.cert, NAME.key)`: the first by name when
    /// several pairs are present (a TLS client presents one certificate).
    pub client: Option<(String, String)>,
}

impl HostCerts {
    pub fn is_empty(&self) -> bool {
        self.cas.is_empty() && self.client.is_none()
    }
}

/// The files of a registry's folder given its listing (file names), or the error docker gives
/// for a client certificate or key without its partner.
pub fn select(names: &[&str]) -> Result<HostCerts, String> {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let has = |n: &str| sorted.binary_search(&n).is_ok();
    let mut out = HostCerts::default();
    for name in &sorted {
        if name.ends_with(".crt") {
            out.cas.push(name.to_string());
        } else if let Some(base) = name.strip_suffix(".cert") {
            let key = format!("{base}.key");
            if !has(&key) {
                return Err(format!(
                    "missing key {key} for client certificate {name}. Note that CA certificates should use the extension .crt"
                ));
            }
            if out.client.is_none() {
                out.client = Some((name.to_string(), key));
            }
        } else if let Some(base) = name.strip_suffix(".key") {
            let cert = format!("{base}.cert");
            if !has(&cert) {
                return Err(format!("missing client certificate {cert} for key {name}"));
            }
        }
    }
    Ok(out)
}

/// The folder name for a registry host: `HOST:PORT` exactly as the reference writes it,
/// lower-cased (host names are case-insensitive; docker lower-cases references' domains).
pub fn host_folder(host: &str) -> String {
    host.to_ascii_lowercase()
}

/// The first root (by index) whose listing has the host's folder: `has_folder[i]` says whether
/// `roots[i]/HOST:PORT` exists.
pub fn first_root(has_folder: &[bool]) -> Option<usize> {
    has_folder.iter().position(|&b| b)
}

/// Which tool's folders to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// docker: `$XDG_CONFIG_HOME/docker/certs.d` (rootless), then `/etc/docker/certs.d`.
    Docker,
    /// podman: `$XDG_CONFIG_HOME/containers/certs.d` (rootless), `/etc/containers/certs.d`,
    /// then `/etc/docker/certs.d`.
    Podman,
}

/// The certs.d roots to search, in order. `override_list` is `MANIFOLD_CERTS_D`
/// (`DIR[:DIR...]`), which replaces the defaults when set; `config_home` is
/// `$XDG_CONFIG_HOME` (else `$HOME/.config`), used when not running as root.
pub fn roots(
    flavour: Flavour,
    override_list: Option<&str>,
    config_home: Option<&str>,
    is_root: bool,
) -> Vec<String> {
    if let Some(list) = override_list {
        return list
            .split(':')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
    }
    let user = |sub: &str| {
        config_home
            .filter(|_| !is_root)
            .filter(|h| !h.is_empty())
            .map(|h| format!("{}/{sub}/certs.d", h.trim_end_matches('/')))
    };
    let mut out = Vec::new();
    match flavour {
        Flavour::Docker => {
            out.extend(user("docker"));
        }
        Flavour::Podman => {
            out.extend(user("containers"));
            out.push("/etc/containers/certs.d".to_string());
        }
    }
    out.push("/etc/docker/certs.d".to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_and_one_client_pair_by_name() {
        let c = select(&[
            "z.crt",
            "client.key",
            "ca.crt",
            "client.cert",
            "README",
            "a.cert",
            "a.key",
            "bundle.pem",
        ])
        .unwrap();
        assert_eq!(c.cas, vec!["ca.crt", "z.crt"]);
        assert_eq!(c.client, Some(("a.cert".into(), "a.key".into())));
        assert!(select(&[]).unwrap().is_empty());
        // files other than *.crt, *.cert and *.key are ignored (docker reads no *.pem)
        assert!(select(&["ca.pem", "notes.txt"]).unwrap().is_empty());
    }

    #[test]
    fn a_client_file_without_its_partner_is_an_error() {
        assert_eq!(
            select(&["ca.crt", "client.cert"]).unwrap_err(),
            "missing key client.key for client certificate client.cert. Note that CA certificates should use the extension .crt"
        );
        assert_eq!(
            select(&["client.key"]).unwrap_err(),
            "missing client certificate client.cert for key client.key"
        );
    }

    #[test]
    fn roots_in_order_and_overridable() {
        assert_eq!(
            roots(Flavour::Docker, None, Some("/home/u/.config/"), false),
            vec!["/home/u/.config/docker/certs.d", "/etc/docker/certs.d"]
        );
        assert_eq!(
            roots(Flavour::Docker, None, Some("/home/admin/.config"), true),
            vec!["/etc/docker/certs.d"]
        );
        assert_eq!(
            roots(Flavour::Podman, None, Some("/home/u/.config"), false),
            vec![
                "/home/u/.config/containers/certs.d",
                "/etc/containers/certs.d",
                "/etc/docker/certs.d"
            ]
        );
        assert_eq!(
            roots(Flavour::Podman, Some("/t/a: /t/b:"), Some("/h"), false),
            vec!["/t/a", "/t/b"]
        );
        assert_eq!(first_root(&[false, true, true]), Some(1));
        assert_eq!(first_root(&[false, false]), None);
        assert_eq!(
            host_folder("Registry.Example:5000"),
            "registry.example:5000"
        );
    }
}
