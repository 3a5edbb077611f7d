//! Test fixtures: images and lists built in memory, and a host that answers a walk from a map,
//! so the rules are tested over real bytes with no registry.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Action, Options, Origin, Supplied, Walk};
use crate::digest::Digest;
use crate::media_type::{OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST};
use crate::model::Descriptor;

/// A content store: digest → bytes.
#[derive(Default)]
pub struct Store {
    pub blobs: BTreeMap<Digest, Vec<u8>>,
}

impl Store {
    pub fn put(&mut self, bytes: Vec<u8>) -> (Digest, u64) {
        let d = Digest::sha256(&bytes);
        let n = bytes.len() as u64;
        self.blobs.insert(d.clone(), bytes);
        (d, n)
    }

    /// An image: a config with `arch` and `config` (the inner `config` object), and one layer
    /// per `layers` item; returns the manifest's descriptor.
    pub fn image(
        &mut self,
        os: &str,
        arch: &str,
        config: serde_json::Value,
        layers: &[&[u8]],
    ) -> Descriptor {
        let layer_descs: Vec<_> = layers
            .iter()
            .map(|l| {
                let (d, n) = self.put(l.to_vec());
                json!({"mediaType": OCI_LAYER_GZIP, "digest": d.as_str(), "size": n})
            })
            .collect();
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| Digest::sha256(l).to_string())
            .collect();
        let cfg = json!({
            "architecture": arch, "os": os, "config": config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids}
        });
        let (cd, cn) = self.put(serde_json::to_vec(&cfg).unwrap());
        let m = json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": cd.as_str(), "size": cn},
            "layers": layer_descs
        });
        let bytes = serde_json::to_vec(&m).unwrap();
        let (d, n) = self.put(bytes);
        Descriptor::new(OCI_MANIFEST, d, n)
    }

    /// An index of `entries`, each with the platform `os/arch[/variant]` given (or none).
    pub fn index(&mut self, entries: Vec<(Descriptor, Option<&str>)>) -> Vec<u8> {
        let manifests: Vec<_> = entries
            .into_iter()
            .map(|(mut d, p)| {
                d.platform = p.map(|p| crate::platform::parse_exact(p).unwrap());
                d
            })
            .collect();
        let bytes = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests
        }))
        .unwrap();
        self.put(bytes.clone());
        bytes
    }

    /// An attestation entry about `subject` (buildx's shape).
    pub fn attestation(&mut self, about: &Digest) -> Descriptor {
        let mut d = self.image("unknown", "unknown", json!({}), &[b"in-toto statement"]);
        d.platform = Some(crate::platform::Platform::new("unknown", "unknown"));
        let mut a = crate::model::Annotations::new();
        a.insert(
            "vnd.docker.reference.type".into(),
            "attestation-manifest".into(),
        );
        a.insert("vnd.docker.reference.digest".into(), about.to_string());
        d.annotations = Some(a);
        d
    }
}

/// Runs a walk to the end, answering from `store`: absent when not there, and calling
/// `scan(layer bytes)` for layers to scan.
pub fn run(
    store: &Store,
    root: Vec<u8>,
    options: Options,
    scan: &dyn Fn(&[u8]) -> Vec<super::Executable>,
) -> Walk {
    let origin = Origin {
        reference: "example/app:1".into(),
        ..Origin::default()
    };
    let mut walk = Walk::new(root, origin, options);
    let mut rounds = 0;
    while !walk.is_done() {
        rounds += 1;
        assert!(rounds < 20, "the walk ends");
        for w in walk.wants() {
            let supplied = match store.blobs.get(&w.digest) {
                None => Supplied::Absent,
                Some(b) => match w.action {
                    Action::Manifest | Action::Config => Supplied::Bytes(b.clone()),
                    Action::ManifestPresence | Action::BlobPresence => Supplied::Present {
                        size: Some(b.len() as u64),
                    },
                    Action::Layer { scan: s } => {
                        if s {
                            walk.supply_executables(&w.digest, scan(b));
                        }
                        Supplied::Streamed {
                            digest: Digest::sha256(b),
                            size: b.len() as u64,
                        }
                    }
                },
            };
            walk.supply(&w, supplied);
        }
    }
    walk
}
