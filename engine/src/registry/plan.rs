//! The push plan: what must happen, in which order, for a list to exist where it is published.
//!
//! A registry refuses a manifest whose blobs it does not hold (`MANIFEST_BLOB_UNKNOWN`) and an
//! index whose children it does not hold, and a layout written in another order could be left
//! holding a manifest without its blobs, so content goes in bottom-up, in waves: blobs, then
//! image manifests, then nested indexes, then the list at each of its tags. Members already in
//! the target repository are left alone; blobs the target holds are skipped; blobs in another
//! repository of the same registry are mounted (no bytes move); everything else is copied from
//! where the member came from: another registry, a layout folder, or the bytes kept locally.
//!
//! The shim gathers the facts (it reads member manifests to learn their blobs and children, and
//! asks the target what it holds: [`PushTarget::probes_manifests`], [`blobs_to_probe`]) and
//! carries out the steps; every decision is made here.

use std::collections::{BTreeMap, BTreeSet};

use crate::digest::Digest;

/// The first entry a registry push must refuse: an image (not a nested index) whose platform
/// lacks an OS or an architecture. docker refuses such a list before any request ("must have an
/// OS and Architecture to be pushed to a registry"), and a client choosing by platform could
/// never pick the entry. An artifact entry (one with an `artifactType`) runs nowhere and is
/// reached by its type, not its platform, so it needs none.
pub fn unpushable_entry(index: &crate::model::ImageIndex) -> Option<usize> {
    index.manifests.iter().position(|d| {
        !d.is_index()
            && d.artifact_type.is_none()
            && !d
                .platform
                .as_ref()
                .is_some_and(|p| !p.os.is_empty() && !p.architecture.is_empty())
    })
}

/// A blob a manifest refers to (its config or a layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRef {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// Where a member's content can be read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A registry repository: its host (`127.0.0.1:5000`, `docker.io`) and path (`library/alpine`).
    Registry { registry: String, repo: String },
    /// An OCI layout folder.
    Layout { path: String },
    /// No recorded source: only the bytes kept locally (the store, or what `--publish` fetched).
    Local,
}

/// Where the list is published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushTarget {
    Registry { registry: String, repo: String },
    Layout { path: String },
}

impl PushTarget {
    /// How the target is named in messages: `registry/repo`, or the layout's folder.
    pub fn name(&self) -> String {
        match self {
            PushTarget::Registry { registry, repo } => format!("{registry}/{repo}"),
            PushTarget::Layout { path } => path.clone(),
        }
    }

    /// True when a member from `origin` is already where it is going (the target repository
    /// itself), so it is neither copied nor put again.
    pub fn holds_in_place(&self, origin: &Origin) -> bool {
        matches!(
            (self, origin),
            (
                PushTarget::Registry { registry, repo },
                Origin::Registry { registry: r, repo: p },
            ) if registry == r && repo == p
        )
    }

    /// Whether the shim asks the target which member manifests it holds before reading them.
    /// A layout is asked (a file test): a member it holds is skipped whole, blobs and children
    /// included, since a layout is written bottom-up. A registry is not: every member is put
    /// again by digest (idempotent), which is what gives docker's "Pushed ref" line for each.
    pub fn probes_manifests(&self) -> bool {
        matches!(self, PushTarget::Layout { .. })
    }

    /// True when a blob from `origin` is mounted rather than copied: another repository of the
    /// target's own registry.
    fn mounts_from(&self, origin: &Origin) -> bool {
        matches!(
            (self, origin),
            (PushTarget::Registry { registry, .. }, Origin::Registry { registry: r, .. }) if registry == r
        )
    }
}

/// One manifest of the list (or of a nested index), and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    pub origin: Origin,
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    /// The entry's position in the list, for a member of the list itself; `None` for a child
    /// of a nested index. docker prints a "Pushed ref" line per position.
    pub position: Option<usize>,
    /// Config and layers of an image manifest; empty for an index, and for an entry whose
    /// contents were not read (in place, or held by the target).
    pub blobs: Vec<BlobRef>,
    /// The children of a nested index; empty for an image manifest.
    pub children: Vec<PlanEntry>,
}

/// What the target already holds (from the questions the shim asked it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetHolds {
    pub blobs: BTreeSet<Digest>,
    pub manifests: BTreeSet<Digest>,
    /// Blobs the local store keeps beyond manifests and configs (the files of an artifact made
    /// with `add --artifact`, whose only copy is there): a member without a source copies these
    /// from the store instead of failing.
    pub local: BTreeSet<Digest>,
}

/// One step of a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushStep {
    /// `POST /v2/<target>/blobs/uploads/?from=<from_repo>&mount=<digest>`. When the registry
    /// answers 202 instead of mounting, the blob is copied from `from` (that same repository)
    /// into the upload session that answer opened.
    MountBlob {
        digest: Digest,
        size: u64,
        from_repo: String,
        from: Origin,
    },
    /// Read the blob from `from` and write it to the target (streamed).
    CopyBlob {
        digest: Digest,
        size: u64,
        from: Origin,
    },
    /// Put the manifest's exact bytes (as read while gathering) to the target by digest.
    PutManifest {
        digest: Digest,
        media_type: String,
        from: Origin,
        /// The list positions this manifest is (docker's "Pushed ref" lines); empty for a child
        /// of a nested index only.
        positions: Vec<usize>,
        /// Steps of a lower wave must all be done before this one starts.
        wave: u32,
    },
    /// Put the list itself: at `reference` (the tag or digest the destination names), then at
    /// each of `tags`.
    PutIndex {
        reference: Option<String>,
        tags: Vec<String>,
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

/// The list being pushed: the tag its destination names (if any), the `--tag`s, its digest
/// and media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexTarget {
    pub tag: Option<String>,
    pub extra_tags: Vec<String>,
    pub digest: Digest,
    pub media_type: String,
}

/// Why a list cannot be pushed as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// A blob of a member without a source is not in the target registry, so nothing can
    /// provide it.
    NoSource {
        digest: Digest,
        registry: String,
        repo: String,
    },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::NoSource {
                digest,
                registry,
                repo,
            } => write!(
                f,
                "blob {digest} has no known source and is not in {registry}/{repo}"
            ),
        }
    }
}

/// The blobs whose presence at the target the plan depends on, each once, in list order: for a
/// registry, those that would be copied (mounts are not asked about, a mount of a held blob
/// costs the same as the question); for a layout, all of them.
pub fn blobs_to_probe(target: &PushTarget, entries: &[PlanEntry]) -> Vec<Digest> {
    fn walk(
        target: &PushTarget,
        e: &PlanEntry,
        seen: &mut BTreeSet<Digest>,
        out: &mut Vec<Digest>,
    ) {
        if target.holds_in_place(&e.origin) {
            return;
        }
        for c in &e.children {
            walk(target, c, seen, out);
        }
        if target.mounts_from(&e.origin) {
            return;
        }
        for b in &e.blobs {
            if seen.insert(b.digest.clone()) {
                out.push(b.digest.clone());
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in entries {
        walk(target, e, &mut seen, &mut out);
    }
    out
}

/// What a push would copy from other registries, which needs the user's consent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Copies {
    /// Members of the list that come from another registry.
    pub count: usize,
    /// Their manifests and the blobs known of them, in bytes.
    pub size: u64,
}

/// The members of the list that a push to `target` copies from other registries (moving
/// bytes between registries costs time and egress, so it is never done silently). Copies
/// into a layout, and from layouts or the local store, are what the user asked for.
pub fn copies_needing_consent(target: &PushTarget, entries: &[PlanEntry]) -> Copies {
    let PushTarget::Registry { registry, .. } = target else {
        return Copies::default();
    };
    let mut copies = Copies::default();
    for e in entries {
        if matches!(&e.origin, Origin::Registry { registry: r, .. } if r != registry) {
            copies.count += 1;
            copies.size += e.size + e.blobs.iter().map(|b| b.size).sum::<u64>();
        }
    }
    copies
}

/// The ordered steps to make `index` (with `entries` as its manifests) exist at `target`.
/// Steps are sorted by wave; within a wave, in list order. Each blob and manifest appears at
/// most once, however many entries share it.
pub fn plan_push(
    target: &PushTarget,
    entries: &[PlanEntry],
    holds: &TargetHolds,
    index: &IndexTarget,
) -> Result<Vec<PushStep>, PlanError> {
    let mut plan = Planner {
        target,
        holds,
        seen_blobs: holds.blobs.clone(),
        manifest_at: BTreeMap::new(),
        blobs: Vec::new(),
        manifests: Vec::new(),
    };
    let mut top = 0;
    for e in entries {
        top = top.max(plan.visit(e)?);
    }
    let Planner {
        mut blobs,
        mut manifests,
        ..
    } = plan;
    manifests.sort_by_key(PushStep::wave); // stable: list order kept within a wave
    blobs.extend(manifests);
    let (reference, tags) = match target {
        PushTarget::Registry { .. } => (
            Some(
                index
                    .tag
                    .clone()
                    .unwrap_or_else(|| index.digest.to_string()),
            ),
            index.extra_tags.clone(),
        ),
        // A layout names its images by tag only; one published without any is its `latest`.
        PushTarget::Layout { .. } if index.tag.is_none() && index.extra_tags.is_empty() => {
            (None, vec!["latest".to_string()])
        }
        PushTarget::Layout { .. } => (index.tag.clone(), index.extra_tags.clone()),
    };
    blobs.push(PushStep::PutIndex {
        reference,
        tags,
        digest: index.digest.clone(),
        media_type: index.media_type.clone(),
        wave: top + 1,
    });
    Ok(blobs)
}

struct Planner<'a> {
    target: &'a PushTarget,
    holds: &'a TargetHolds,
    seen_blobs: BTreeSet<Digest>,
    /// Where each manifest's step is in `manifests`, to add list positions to it.
    manifest_at: BTreeMap<Digest, usize>,
    blobs: Vec<PushStep>,
    manifests: Vec<PushStep>,
}

impl Planner<'_> {
    /// Plans one entry and returns its wave (height).
    fn visit(&mut self, e: &PlanEntry) -> Result<u32, PlanError> {
        if self.target.holds_in_place(&e.origin) || self.holds.manifests.contains(&e.digest) {
            return Ok(1);
        }
        let mut height = 1;
        for c in &e.children {
            height = height.max(self.visit(c)? + 1);
        }
        for b in &e.blobs {
            if !self.seen_blobs.insert(b.digest.clone()) {
                continue;
            }
            self.blobs.push(match (&e.origin, self.target) {
                (Origin::Registry { repo, .. }, _) if self.target.mounts_from(&e.origin) => {
                    PushStep::MountBlob {
                        digest: b.digest.clone(),
                        size: b.size,
                        from_repo: repo.clone(),
                        from: e.origin.clone(),
                    }
                }
                (Origin::Local, PushTarget::Registry { .. })
                    if self.holds.local.contains(&b.digest) =>
                {
                    PushStep::CopyBlob {
                        digest: b.digest.clone(),
                        size: b.size,
                        from: Origin::Local,
                    }
                }
                (Origin::Local, PushTarget::Registry { registry, repo }) => {
                    return Err(PlanError::NoSource {
                        digest: b.digest.clone(),
                        registry: registry.clone(),
                        repo: repo.clone(),
                    })
                }
                (from, _) => PushStep::CopyBlob {
                    digest: b.digest.clone(),
                    size: b.size,
                    from: from.clone(),
                },
            });
        }
        if let Some(&at) = self.manifest_at.get(&e.digest) {
            if let (PushStep::PutManifest { positions, .. }, Some(p)) =
                (&mut self.manifests[at], e.position)
            {
                positions.push(p);
            }
            return Ok(self.manifests[at].wave());
        }
        self.manifest_at
            .insert(e.digest.clone(), self.manifests.len());
        self.manifests.push(PushStep::PutManifest {
            digest: e.digest.clone(),
            media_type: e.media_type.clone(),
            from: e.origin.clone(),
            positions: e.position.into_iter().collect(),
            wave: height,
        });
        Ok(height)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn entries_without_os_or_architecture_cannot_be_pushed() {
        use crate::model::{Descriptor, ImageIndex, Platform};
        let entry = |os: &str, arch: &str| {
            let mut d = Descriptor::new(
                crate::media_type::OCI_MANIFEST,
                Digest::sha256(os.as_bytes()),
                1,
            );
            d.platform = Some(Platform {
                os: os.into(),
                architecture: arch.into(),
                ..Platform::default()
            });
            d
        };
        let mut index = ImageIndex::new(crate::media_type::OCI_INDEX);
        index.manifests.push(entry("linux", "amd64"));
        assert_eq!(unpushable_entry(&index), None);
        index.manifests.push(entry("linux", ""));
        assert_eq!(unpushable_entry(&index), Some(1));
        index.manifests[1] = Descriptor::new(crate::media_type::OCI_INDEX, Digest::sha256(b"n"), 1);
        assert_eq!(
            unpushable_entry(&index),
            None,
            "a nested index has no platform of its own"
        );
        let mut bare = entry("linux", "arm64");
        bare.platform = None;
        index.manifests.push(bare);
        assert_eq!(unpushable_entry(&index), Some(2));
        index.manifests[2].artifact_type = Some("application/vnd.example+type".into());
        assert_eq!(
            unpushable_entry(&index),
            None,
            "an artifact needs no platform"
        );
    }

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
    fn reg(registry: &str, repo: &str) -> Origin {
        Origin::Registry {
            registry: registry.into(),
            repo: repo.into(),
        }
    }
    fn target(registry: &str, repo: &str) -> PushTarget {
        PushTarget::Registry {
            registry: registry.into(),
            repo: repo.into(),
        }
    }
    fn entry(origin: Origin, m: &str, blobs: &[&str]) -> PlanEntry {
        PlanEntry {
            origin,
            digest: d(m),
            media_type: DOCKER_MANIFEST.into(),
            size: 1,
            position: None,
            blobs: blobs.iter().map(|b| blob(b)).collect(),
            children: vec![],
        }
    }
    fn top(mut entries: Vec<PlanEntry>) -> Vec<PlanEntry> {
        for (i, e) in entries.iter_mut().enumerate() {
            e.position = Some(i);
        }
        entries
    }
    fn idx() -> IndexTarget {
        IndexTarget {
            tag: Some("v1".into()),
            extra_tags: vec![],
            digest: d("index"),
            media_type: OCI_INDEX.into(),
        }
    }

    #[test]
    fn mount_copy_skip_and_order() {
        let entries = top(vec![
            entry(reg("r", "src/a"), "m1", &["cfg1", "layer"]),
            entry(reg("other", "x/b"), "m2", &["cfg2", "layer"]),
            entry(reg("r", "dst"), "m3", &["cfg3"]),
        ]);
        let holds = TargetHolds {
            blobs: [d("cfg1")].into_iter().collect(),
            manifests: BTreeSet::new(),
            local: BTreeSet::new(),
        };
        let t = target("r", "dst");
        // mounts are not asked about; the in-place member is not looked into
        assert_eq!(blobs_to_probe(&t, &entries), vec![d("cfg2"), d("layer")]);
        let steps = plan_push(&t, &entries, &holds, &idx()).unwrap();
        assert_eq!(
            steps,
            vec![
                PushStep::MountBlob {
                    digest: d("layer"),
                    size: 5,
                    from_repo: "src/a".into(),
                    from: reg("r", "src/a"),
                },
                PushStep::CopyBlob {
                    digest: d("cfg2"),
                    size: 4,
                    from: reg("other", "x/b"),
                },
                PushStep::PutManifest {
                    digest: d("m1"),
                    media_type: DOCKER_MANIFEST.into(),
                    from: reg("r", "src/a"),
                    positions: vec![0],
                    wave: 1
                },
                PushStep::PutManifest {
                    digest: d("m2"),
                    media_type: DOCKER_MANIFEST.into(),
                    from: reg("other", "x/b"),
                    positions: vec![1],
                    wave: 1
                },
                PushStep::PutIndex {
                    reference: Some("v1".into()),
                    tags: vec![],
                    digest: d("index"),
                    media_type: OCI_INDEX.into(),
                    wave: 2
                },
            ]
        );
        assert_eq!(
            copies_needing_consent(&t, &entries),
            Copies {
                count: 1,
                size: 1 + 4 + 5
            }
        );
    }

    #[test]
    fn held_manifests_and_shared_children_appear_once() {
        let entries = top(vec![
            entry(reg("r", "s"), "m1", &["c"]),
            entry(reg("r", "s"), "m1", &["c"]),
            entry(reg("r", "s"), "m2", &["c"]),
        ]);
        let holds = TargetHolds {
            blobs: BTreeSet::new(),
            manifests: [d("m2")].into_iter().collect(),
            local: BTreeSet::new(),
        };
        let steps = plan_push(&target("r", "t"), &entries, &holds, &idx()).unwrap();
        let kinds: Vec<u32> = steps.iter().map(PushStep::wave).collect();
        assert_eq!(kinds, vec![0, 1, 2]);
        // one put, a "Pushed ref" line for each position it is in
        assert!(
            matches!(&steps[1], PushStep::PutManifest { positions, .. } if positions == &[0, 1])
        );
    }

    #[test]
    fn nested_index_goes_after_its_children() {
        let mut nested = entry(reg("r", "s"), "nested", &[]);
        nested.media_type = OCI_INDEX.into();
        let mut child = entry(reg("r", "s"), "child", &["cb"]);
        child.media_type = OCI_MANIFEST.into();
        nested.children = vec![child];
        let entries = top(vec![nested, entry(reg("r", "s"), "plain", &["pb"])]);
        let steps =
            plan_push(&target("r", "t"), &entries, &TargetHolds::default(), &idx()).unwrap();
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
        // the child has no list position: no "Pushed ref" line of its own
        assert!(
            matches!(&steps[2], PushStep::PutManifest { positions, .. } if positions.is_empty())
        );
    }

    #[test]
    fn untagged_index_and_empty_list() {
        let mut t = idx();
        t.tag = None;
        t.extra_tags = vec!["a".into()];
        let steps = plan_push(&target("r", "t"), &[], &TargetHolds::default(), &t).unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].wave(), 1);
        assert!(matches!(
            &steps[0],
            PushStep::PutIndex { reference: Some(r), tags, .. } if r == &d("index").to_string() && tags == &["a"]
        ));
    }

    #[test]
    fn layouts_copy_from_anywhere_and_default_to_latest() {
        let layout = PushTarget::Layout { path: "out".into() };
        let entries = top(vec![
            entry(reg("r", "s"), "m1", &["a", "b"]),
            entry(Origin::Layout { path: "in".into() }, "m2", &["b", "c"]),
            entry(Origin::Local, "m3", &["d"]),
            entry(reg("r", "s"), "held", &[]),
        ]);
        assert!(layout.probes_manifests());
        assert!(!target("r", "s").probes_manifests());
        assert_eq!(
            blobs_to_probe(&layout, &entries),
            vec![d("a"), d("b"), d("c"), d("d")]
        );
        let holds = TargetHolds {
            blobs: [d("a")].into_iter().collect(),
            manifests: [d("held")].into_iter().collect(),
            local: BTreeSet::new(),
        };
        let mut index = idx();
        index.tag = None;
        let steps = plan_push(&layout, &entries, &holds, &index).unwrap();
        let copies: Vec<(Digest, Origin)> = steps
            .iter()
            .filter_map(|s| match s {
                PushStep::CopyBlob { digest, from, .. } => Some((digest.clone(), from.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            copies,
            vec![
                (d("b"), reg("r", "s")),
                (d("c"), Origin::Layout { path: "in".into() }),
                (d("d"), Origin::Local),
            ]
        );
        assert_eq!(steps.len(), 3 + 3 + 1);
        assert!(matches!(
            steps.last(),
            Some(PushStep::PutIndex { reference: None, tags, .. }) if tags == &["latest"]
        ));
        assert_eq!(copies_needing_consent(&layout, &entries), Copies::default());
    }

    #[test]
    fn a_sourceless_blob_missing_from_a_registry_is_an_error() {
        let entries = top(vec![entry(Origin::Local, "m", &["x", "y"])]);
        let t = target("r", "t");
        let holds = TargetHolds {
            blobs: [d("x")].into_iter().collect(),
            manifests: BTreeSet::new(),
            local: BTreeSet::new(),
        };
        let err = plan_push(&t, &entries, &holds, &idx()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("blob {} has no known source and is not in r/t", d("y"))
        );
        // Kept in the local store (an artifact's file): copied from there.
        let holds = TargetHolds {
            local: [d("y")].into_iter().collect(),
            ..holds
        };
        let steps = plan_push(&t, &entries, &holds, &idx()).unwrap();
        assert!(steps.iter().any(|s| matches!(
            s,
            PushStep::CopyBlob { digest, from: Origin::Local, .. } if *digest == d("y")
        )));
    }
}
