//! Seeding images into a registry over HTTP: blobs (monolithic POST + PUT), single-platform
//! Docker v2s2 or OCI manifests with a tiny config (os / architecture / variant / os.version),
//! and indexes. Independent of manifold's own client, so a bug there cannot hide here.

use std::time::Duration;

use base64::Engine;
use sha2::{Digest as _, Sha256};

use crate::registry::{Auth, Registry};
use crate::{PASSWORD, USER};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// Docker v2 schema 2 or OCI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docker,
    Oci,
}

/// A manifest (or index) pushed to a registry.
#[derive(Clone, Debug)]
pub struct Seeded {
    pub repo: String,
    pub digest: String,
    pub size: u64,
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// `os/arch[/variant][:os.version]` of an image.
    pub platform: String,
}

pub fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// Pushes content into one registry.
pub struct Seeder<'a> {
    reg: &'a Registry,
    agent: ureq::Agent,
}

impl<'a> Seeder<'a> {
    pub fn new(reg: &'a Registry) -> Seeder<'a> {
        let agent = reg.agent(Duration::from_secs(60));
        Seeder { reg, agent }
    }

    fn auth(&self, repo: &str) -> Option<String> {
        match self.reg.auth {
            Auth::None
            | Auth::SelfSigned
            | Auth::SelfSignedWrongName
            | Auth::SelfSignedExpired
            | Auth::ClientCert => None,
            Auth::Basic | Auth::BasicTls => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
            )),
            Auth::Token | Auth::TokenTls => {
                let t = self.reg.token.as_ref().expect("token server");
                Some(format!(
                    "Bearer {}",
                    t.mint(USER, &[format!("repository:{repo}:pull,push")])
                ))
            }
        }
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        repo: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> (u16, Option<String>) {
        let mut b = ureq::http::Request::builder().method(method).uri(url);
        if let Some(a) = self.auth(repo) {
            b = b.header("Authorization", a);
        }
        if let Some(ct) = content_type {
            b = b.header("Content-Type", ct);
        }
        let resp = self
            .agent
            .run(b.body(body).unwrap())
            .unwrap_or_else(|e| panic!("seeding {method} {url}: {e}"));
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (resp.status().as_u16(), loc)
    }

    /// Uploads a blob (POST, then PUT with the digest); returns its digest.
    pub fn blob(&self, repo: &str, data: &[u8]) -> String {
        let digest = sha256(data);
        let base = self.reg.base_url();
        let (st, loc) = self.send(
            "POST",
            &format!("{base}/v2/{repo}/blobs/uploads/"),
            repo,
            None,
            b"",
        );
        assert_eq!(st, 202, "upload start for {repo}");
        let loc = loc.expect("Location");
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{base}{loc}")
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let (st, _) = self.send(
            "PUT",
            &format!("{loc}{sep}digest={}", digest.replace(':', "%3A")),
            repo,
            Some("application/octet-stream"),
            data,
        );
        assert_eq!(st, 201, "blob PUT for {repo}");
        digest
    }

    /// PUTs a manifest or index by tag (or digest) with its media type.
    pub fn manifest(&self, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> String {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.reg.base_url());
        let (st, _) = self.send("PUT", &url, repo, Some(media_type), bytes);
        assert_eq!(st, 201, "manifest PUT {repo}:{reference}");
        sha256(bytes)
    }

    /// Pushes a one-layer image for `platform` (`os/arch[/variant][:os.version]`), tagged `tag`
    /// when given. The layer's bytes depend on `seed`, so images differ.
    pub fn image(
        &self,
        repo: &str,
        tag: Option<&str>,
        platform: &str,
        format: Format,
        seed: u32,
    ) -> Seeded {
        let (plat, os_version) = match platform.split_once(':') {
            Some((p, v)) => (p, Some(v)),
            None => (platform, None),
        };
        let parts: Vec<&str> = plat.split('/').collect();
        let (os, arch, variant) = (parts[0], parts[1], parts.get(2).copied());
        let layer = format!("manifold test layer {seed} {platform}").into_bytes();
        let layer_digest = self.blob(repo, &layer);
        let mut config = serde_json::json!({
            "architecture": arch,
            "os": os,
            "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]},
            "config": {"Cmd": ["/bin/true"]},
        });
        if let Some(v) = variant {
            config["variant"] = v.into();
        }
        if let Some(v) = os_version {
            config["os.version"] = v.into();
        }
        let config = serde_json::to_vec(&config).unwrap();
        let config_digest = self.blob(repo, &config);
        let (mt, cmt, lmt) = match format {
            Format::Docker => (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER),
            Format::Oci => (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
        };
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": mt,
            "config": {"mediaType": cmt, "size": config.len(), "digest": config_digest},
            "layers": [{"mediaType": lmt, "size": layer.len(), "digest": layer_digest}],
        });
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
        let digest = sha256(&bytes);
        self.manifest(repo, tag.unwrap_or(&digest), mt, &bytes);
        Seeded {
            repo: repo.to_string(),
            digest,
            size: bytes.len() as u64,
            media_type: mt.to_string(),
            bytes,
            platform: platform.to_string(),
        }
    }

    /// Pushes an index of `children` (already in `repo`) tagged `tag`, with each child's
    /// platform in its descriptor and `annotations` on the index when given.
    pub fn index(
        &self,
        repo: &str,
        tag: &str,
        children: &[Seeded],
        format: Format,
        annotations: Option<serde_json::Value>,
    ) -> Seeded {
        let manifests: Vec<serde_json::Value> = children
            .iter()
            .map(|c| {
                let (plat, os_version) = match c.platform.split_once(':') {
                    Some((p, v)) => (p, Some(v)),
                    None => (c.platform.as_str(), None),
                };
                let parts: Vec<&str> = plat.split('/').collect();
                let mut p = serde_json::json!({"architecture": parts[1], "os": parts[0]});
                if let Some(v) = os_version {
                    p["os.version"] = v.into();
                }
                if let Some(v) = parts.get(2) {
                    p["variant"] = (*v).into();
                }
                serde_json::json!({
                    "mediaType": c.media_type,
                    "size": c.size,
                    "digest": c.digest,
                    "platform": p,
                })
            })
            .collect();
        let mt = match format {
            Format::Docker => DOCKER_LIST,
            Format::Oci => OCI_INDEX,
        };
        let mut index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": mt,
            "manifests": manifests,
        });
        if let Some(a) = annotations {
            index["annotations"] = a;
        }
        // two-space indent, as buildx writes: docker re-synthesises it with three
        let bytes = serde_json::to_vec_pretty(&index).unwrap();
        let digest = self.manifest(repo, tag, mt, &bytes);
        Seeded {
            repo: repo.to_string(),
            digest,
            size: bytes.len() as u64,
            media_type: mt.to_string(),
            bytes,
            platform: String::new(),
        }
    }
}
