//! The merge: the index a writer puts, rebuilt from the tag's current index, every marker of
//! the tag and the writer's own change. Deterministic, so writers that saw the same state put
//! the same bytes.

use crate::digest::Digest;
use crate::media_type;
use crate::model::{Descriptor, ImageIndex, Platform};
use crate::ops::{self, annotate_entry, annotate_index, EntryEdit, IndexEdit, ListFormat};
use crate::serialize::{self, Style};

/// What a writer changes in the published index.
// One change is made per command; boxing the annotate edit would only complicate matching.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Add these entries (an entry of the same digest is replaced, others are appended).
    Add(Vec<Descriptor>),
    /// Drop the entries of these digests.
    Remove(Vec<Digest>),
    /// Edit the entries of these digests, and the index itself.
    Annotate {
        digests: Vec<Digest>,
        entry: EntryEdit,
        index: IndexEdit,
    },
}

/// The format an absent target starts in: the flag's, else the first new entry's family
/// (a Docker manifest starts a Docker list, anything else an OCI index).
pub fn empty_format(flag: Option<ListFormat>, first: Option<&Descriptor>) -> ListFormat {
    flag.unwrap_or(match first {
        Some(d) if d.media_type == media_type::DOCKER_MANIFEST => ListFormat::Docker,
        _ => ListFormat::Oci,
    })
}

/// The index to put: `current` (or an empty one of `format`), with every marker's entries it
/// lacks appended (markers in the order given, entries in theirs; a removed digest never comes
/// back), then `change` applied.
pub fn rebuild(
    current: Option<&ImageIndex>,
    format: ListFormat,
    markers: &[ImageIndex],
    change: &Change,
) -> ImageIndex {
    let mut index = current.cloned().unwrap_or_else(|| ops::create(format));
    let removed: &[Digest] = match change {
        Change::Remove(d) => d,
        _ => &[],
    };
    for m in markers {
        for e in &m.manifests {
            if !removed.contains(&e.digest) && !index.manifests.iter().any(|x| x.digest == e.digest)
            {
                index.manifests.push(e.clone());
            }
        }
    }
    match change {
        Change::Add(entries) => {
            for e in entries {
                match index.manifests.iter().position(|x| x.digest == e.digest) {
                    Some(i) => index.manifests[i] = e.clone(),
                    None => index.manifests.push(e.clone()),
                }
            }
        }
        Change::Remove(digests) => index.manifests.retain(|x| !digests.contains(&x.digest)),
        Change::Annotate {
            digests,
            entry,
            index: edit,
        } => {
            for e in index
                .manifests
                .iter_mut()
                .filter(|e| digests.contains(&e.digest))
            {
                annotate_entry(e, entry);
            }
            annotate_index(&mut index, edit);
        }
    }
    index
}

/// Whether `rebuilt` differs from what the tag holds (`None`: nothing there). Compared as
/// documents, not bytes: an index written by another tool in another layout but holding the
/// same entries is left alone, so a rerun makes no write.
pub fn needs_put(current: Option<&ImageIndex>, rebuilt: &ImageIndex) -> bool {
    current != Some(rebuilt)
}

/// The bytes a rebuilt index is put as: docker's encoder for a Docker list, OCI's otherwise.
pub fn index_bytes(index: &ImageIndex) -> Vec<u8> {
    let style = if index.is_docker() {
        Style::Docker
    } else {
        Style::Oci
    };
    serialize::to_bytes(index, style)
}

/// The digests `--platform P` names in `index`: every image entry whose platform is exactly
/// `wanted`, and the attestations that describe those images (buildx's
/// `vnd.docker.reference.digest`), which would otherwise point at nothing.
pub fn entries_for_platform(index: &ImageIndex, wanted: &Platform) -> Vec<Digest> {
    let images: Vec<Digest> = index
        .manifests
        .iter()
        .filter(|d| !crate::platform::is_attestation(d))
        .filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| crate::platform::matches_exactly(wanted, p))
        })
        .map(|d| d.digest.clone())
        .collect();
    let mut out = images.clone();
    for d in &index.manifests {
        let refers = d
            .annotations
            .as_ref()
            .and_then(|a| a.get("vnd.docker.reference.digest"))
            .is_some_and(|r| images.iter().any(|i| i.as_str() == r));
        if crate::platform::is_attestation(d) && refers && !out.contains(&d.digest) {
            out.push(d.digest.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type::{DOCKER_MANIFEST, OCI_MANIFEST};
    use crate::registry::append::marker_index;

    fn img(b: &[u8], arch: &str) -> Descriptor {
        let mut d = Descriptor::of(OCI_MANIFEST, b);
        d.platform = Some(Platform::new("linux", arch));
        d
    }

    #[test]
    fn the_union_of_index_markers_and_change_in_a_fixed_order() {
        let mut current = ops::create(ListFormat::Oci);
        current.manifests.push(img(b"a", "amd64"));
        let markers = vec![
            marker_index("v1", &[img(b"b", "arm64"), img(b"a", "amd64")]),
            marker_index("v1", &[img(b"c", "s390x")]),
        ];
        let r = rebuild(
            Some(&current),
            ListFormat::Oci,
            &markers,
            &Change::Add(vec![img(b"d", "ppc64le")]),
        );
        let got: Vec<_> = r.manifests.iter().map(|d| d.digest.clone()).collect();
        let want: Vec<_> = [b"a", b"b", b"c", b"d"]
            .iter()
            .map(|b| Digest::sha256(*b))
            .collect();
        assert_eq!(got, want);
        assert!(needs_put(Some(&current), &r));
        // The same append again over the result changes nothing.
        let again = rebuild(
            Some(&r),
            ListFormat::Oci,
            &markers,
            &Change::Add(vec![img(b"d", "ppc64le")]),
        );
        assert!(!needs_put(Some(&r), &again));
    }

    #[test]
    fn a_removed_entry_does_not_come_back_from_a_marker() {
        let markers = vec![marker_index(
            "v1",
            &[img(b"a", "amd64"), img(b"b", "arm64")],
        )];
        let r = rebuild(
            None,
            ListFormat::Oci,
            &markers,
            &Change::Remove(vec![Digest::sha256(b"a")]),
        );
        assert_eq!(r.manifests, vec![img(b"b", "arm64")]);
    }

    #[test]
    fn an_absent_target_starts_in_the_flag_or_first_source_format() {
        let docker = Descriptor::of(DOCKER_MANIFEST, b"x");
        assert_eq!(empty_format(None, Some(&docker)), ListFormat::Docker);
        assert_eq!(
            empty_format(None, Some(&img(b"a", "amd64"))),
            ListFormat::Oci
        );
        assert_eq!(
            empty_format(Some(ListFormat::Oci), Some(&docker)),
            ListFormat::Oci
        );
        let r = rebuild(None, ListFormat::Docker, &[], &Change::Add(vec![docker]));
        assert!(r.is_docker());
        assert!(String::from_utf8(index_bytes(&r))
            .unwrap()
            .contains("manifest.list.v2+json"));
    }

    #[test]
    fn platform_removal_takes_the_images_attestations_along() {
        let mut index = ops::create(ListFormat::Oci);
        let a = img(b"a", "amd64");
        index.manifests.push(a.clone());
        index.manifests.push(img(b"b", "arm64"));
        let mut att = img(b"att", "unknown");
        att.platform = Some(Platform::new("unknown", "unknown"));
        let mut ann = crate::model::Annotations::new();
        ann.insert("vnd.docker.reference.digest".into(), a.digest.to_string());
        ann.insert(
            "vnd.docker.reference.type".into(),
            "attestation-manifest".into(),
        );
        att.annotations = Some(ann);
        index.manifests.push(att.clone());
        assert_eq!(
            entries_for_platform(&index, &Platform::new("linux", "amd64")),
            vec![a.digest, att.digest]
        );
    }

    #[test]
    fn annotate_edits_the_named_entries_and_the_index() {
        let current = rebuild(
            None,
            ListFormat::Oci,
            &[],
            &Change::Add(vec![img(b"a", "amd64"), img(b"b", "arm64")]),
        );
        let r = rebuild(
            Some(&current),
            ListFormat::Oci,
            &[],
            &Change::Annotate {
                digests: vec![Digest::sha256(b"b")],
                entry: EntryEdit {
                    annotations: vec![("k".into(), "v".into())],
                    ..Default::default()
                },
                index: IndexEdit {
                    annotations: vec![("i".into(), "j".into())],
                    ..Default::default()
                },
            },
        );
        assert!(r.manifests[0].annotations.is_none());
        assert_eq!(r.manifests[1].annotations.as_ref().unwrap()["k"], "v");
        assert_eq!(r.annotations.as_ref().unwrap()["i"], "j");
    }
}
