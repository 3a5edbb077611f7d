//! The push plan: what must happen, in which order, for a list to exist in its target repo.
//!
//! A registry refuses a manifest whose blobs it does not hold (`MANIFEST_BLOB_UNKNOWN`) and an
//! index whose children it does not hold, so content goes in bottom-up: blobs, then image
//! manifests, then nested indexes, then the list itself. Blobs already in the target repo are
//! skipped; blobs in another repo of the same registry are mounted (no bytes move); blobs in
//! another registry are copied.

use std::collections::BTreeSet;

use crate::digest::Digest;

/// A blob a manifest refers to (its config or a layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRef {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// One manifest of the list (or of a nested index), and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    /// The source registry host (`127.0.0.1:5000`, `registry-1.docker.io`).
    pub registry: String,
    /// The source repository path (`library/alpine`).
    pub repo: String,
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    /// Config and layers of an image manifest; empty for an index.
    pub blobs: Vec<BlobRef>,
    /// The children of a nested index; empty for an image manifest.
    pub children: Vec<PlanEntry>,
}

/// What the target repository already holds (from HEAD requests the shim made).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetHolds {
    pub blobs: BTreeSet<Digest>,
    pub manifests: BTreeSet<Digest>,
}

/// One step of a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushStep {
    /// `POST /v2/<target>/blobs/uploads/?from=<from>&mount=<digest>`; on 202, copy instead.
    MountBlob {
        digest: Digest,
        size: u64,
        from: String,
    },
    /// GET the blob from the source and upload it to the target.
    CopyBlob {
        digest: Digest,
        size: u64,
        from_registry: String,
        from_repo: String,
    },
    /// GET the manifest from the source by digest and PUT its exact bytes to the target by digest.
    PutManifest {
        digest: Digest,
        media_type: String,
        from_registry: String,
        from_repo: String,
        /// Steps of a lower wave must all be done before this one starts.
        wave: u32,
    },
    /// PUT the list itself, by tag (or by digest when `tag` is `None`).
    PutIndex {
        tag: Option<String>,
        digest: Digest,
        media_type: String,
        wave: u32,
    },
}

impl PushStep {
    /// Steps of the same wave are independent and may run concurrently; every step of wave
    /// `n` must finish before wave `n + 1` starts. Blobs are wave 0, image manifests 1, an
    /// index one more than its highest child.
    pub fn wave(&self) -> u32 {
        match self {
            PushStep::MountBlob { .. } | PushStep::CopyBlob { .. } => 0,
            PushStep::PutManifest { wave, .. } | PushStep::PutIndex { wave, .. } => *wave,
        }
    }
}

/// The list being pushed: its tag (if any), digest and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexTarget {
    pub tag: Option<String>,
    pub digest: Digest,
    pub media_type: String,
}

/// The ordered steps to make `index` (with `entries` as its manifests) exist in
/// `target_registry/target_repo`. Steps are sorted by wave; within a wave, in list order.
/// Each blob and manifest appears at most once, however many entries share it.
pub fn plan_push(
    target_registry: &str,
    target_repo: &str,
    entries: &[PlanEntry],
    holds: &TargetHolds,
    index: &IndexTarget,
) -> Vec<PushStep> {
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    let mut seen_blobs: BTreeSet<Digest> = holds.blobs.clone();
    let mut seen_manifests: BTreeSet<Digest> = holds.manifests.clone();
    let mut top = 0;
    for e in entries {
        let h = visit(
            target_registry,
            target_repo,
            e,
            &mut seen_blobs,
            &mut seen_manifests,
            &mut blobs,
            &mut manifests,
        );
        top = top.max(h);
    }
    manifests.sort_by_key(PushStep::wave); // stable: list order kept within a wave
    blobs.extend(manifests);
    blobs.push(PushStep::PutIndex {
        tag: index.tag.clone(),
        digest: index.digest.clone(),
        media_type: index.media_type.clone(),
        wave: top + 1,
    });
    blobs
}

/// Plans one entry and returns its wave (height).
fn visit(
    target_registry: &str,
    target_repo: &str,
    e: &PlanEntry,
    seen_blobs: &mut BTreeSet<Digest>,
    seen_manifests: &mut BTreeSet<Digest>,
    blobs: &mut Vec<PushStep>,
    manifests: &mut Vec<PushStep>,
) -> u32 {
    let same_registry = e.registry == target_registry;
    let in_place = same_registry && e.repo == target_repo;
    let mut height = 1;
    for c in &e.children {
        let h = visit(
            target_registry,
            target_repo,
            c,
            seen_blobs,
            seen_manifests,
            blobs,
            manifests,
        );
        height = height.max(h + 1);
    }
    for b in &e.blobs {
        if in_place || !seen_blobs.insert(b.digest.clone()) {
            continue;
        }
        blobs.push(if same_registry {
            PushStep::MountBlob {
                digest: b.digest.clone(),
                size: b.size,
                from: e.repo.clone(),
            }
        } else {
            PushStep::CopyBlob {
                digest: b.digest.clone(),
                size: b.size,
                from_registry: e.registry.clone(),
                from_repo: e.repo.clone(),
            }
        });
    }
    if !in_place && seen_manifests.insert(e.digest.clone()) {
        manifests.push(PushStep::PutManifest {
            digest: e.digest.clone(),
            media_type: e.media_type.clone(),
            from_registry: e.registry.clone(),
            from_repo: e.repo.clone(),
            wave: height,
        });
    }
    height
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type::{DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};

    fn d(s: &str) -> Digest {
        Digest::sha256(s.as_bytes())
    }
    fn blob(s: &str) -> BlobRef {
        BlobRef {
            digest: d(s),
            size: s.len() as u64,
            media_type: "application/octet-stream".into(),
        }
    }
    fn entry(reg: &str, repo: &str, m: &str, blobs: &[&str]) -> PlanEntry {
        PlanEntry {
            registry: reg.into(),
            repo: repo.into(),
            digest: d(m),
            media_type: DOCKER_MANIFEST.into(),
            size: 1,
            blobs: blobs.iter().map(|b| blob(b)).collect(),
            children: vec![],
        }
    }
    fn idx() -> IndexTarget {
        IndexTarget {
            tag: Some("v1".into()),
            digest: d("index"),
            media_type: OCI_INDEX.into(),
        }
    }

    #[test]
    fn mount_copy_skip_and_order() {
        let entries = vec![
            entry("r", "src/a", "m1", &["cfg1", "layer"]),
            entry("other", "x/b", "m2", &["cfg2", "layer"]),
            entry("r", "dst", "m3", &["cfg3"]),
        ];
        let holds = TargetHolds {
            blobs: [d("cfg1")].into_iter().collect(),
            manifests: BTreeSet::new(),
        };
        let steps = plan_push("r", "dst", &entries, &holds, &idx());
        assert_eq!(
            steps,
            vec![
                PushStep::MountBlob {
                    digest: d("layer"),
                    size: 5,
                    from: "src/a".into()
                },
                PushStep::CopyBlob {
                    digest: d("cfg2"),
                    size: 4,
                    from_registry: "other".into(),
                    from_repo: "x/b".into()
                },
                PushStep::PutManifest {
                    digest: d("m1"),
                    media_type: DOCKER_MANIFEST.into(),
                    from_registry: "r".into(),
                    from_repo: "src/a".into(),
                    wave: 1
                },
                PushStep::PutManifest {
                    digest: d("m2"),
                    media_type: DOCKER_MANIFEST.into(),
                    from_registry: "other".into(),
                    from_repo: "x/b".into(),
                    wave: 1
                },
                PushStep::PutIndex {
                    tag: Some("v1".into()),
                    digest: d("index"),
                    media_type: OCI_INDEX.into(),
                    wave: 2
                },
            ]
        );
    }

    #[test]
    fn held_manifests_and_shared_children_appear_once() {
        let entries = vec![
            entry("r", "s", "m1", &["c"]),
            entry("r", "s", "m1", &["c"]),
            entry("r", "s", "m2", &["c"]),
        ];
        let holds = TargetHolds {
            blobs: BTreeSet::new(),
            manifests: [d("m2")].into_iter().collect(),
        };
        let steps = plan_push("r", "t", &entries, &holds, &idx());
        let kinds: Vec<u32> = steps.iter().map(PushStep::wave).collect();
        assert_eq!(kinds, vec![0, 1, 2]);
        assert_eq!(steps.len(), 3);
    }

    #[test]
    fn nested_index_goes_after_its_children() {
        let mut nested = entry("r", "s", "nested", &[]);
        nested.media_type = OCI_INDEX.into();
        let mut child = entry("r", "s", "child", &["cb"]);
        child.media_type = OCI_MANIFEST.into();
        nested.children = vec![child];
        let entries = vec![nested, entry("r", "s", "plain", &["pb"])];
        let steps = plan_push("r", "t", &entries, &TargetHolds::default(), &idx());
        let order: Vec<(u32, String)> = steps
            .iter()
            .map(|s| match s {
                PushStep::MountBlob { digest, .. } => (0, digest.to_string()),
                PushStep::CopyBlob { digest, .. } => (0, digest.to_string()),
                PushStep::PutManifest { digest, wave, .. } => (*wave, digest.to_string()),
                PushStep::PutIndex { digest, wave, .. } => (*wave, digest.to_string()),
            })
            .collect();
        assert_eq!(
            order,
            vec![
                (0, d("cb").to_string()),
                (0, d("pb").to_string()),
                (1, d("child").to_string()),
                (1, d("plain").to_string()),
                (2, d("nested").to_string()),
                (3, d("index").to_string()),
            ]
        );
        // waves never decrease
        assert!(steps.windows(2).all(|w| w[0].wave() <= w[1].wave()));
    }

    #[test]
    fn untagged_index_and_empty_list() {
        let mut t = idx();
        t.tag = None;
        let steps = plan_push("r", "t", &[], &TargetHolds::default(), &t);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].wave(), 1);
    }
}
