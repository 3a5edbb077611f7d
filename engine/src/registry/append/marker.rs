//! Markers: where each appender records its entries so no other writer's put can erase them.
//!
//! A marker is a tag of the target's repository named from the target tag and the digests the
//! appender adds (`mf-<16 hex of sha256(tag)>.<16 hex of the entries>`), so two appenders of
//! different images never write the same marker, and the same append run again writes the same
//! marker with the same bytes (nothing to put). It holds an OCI index of exactly those entries,
//! annotated with the target tag, so it names only members already present in the repository.

use crate::digest::Digest;
use crate::model::{Annotations, Descriptor, ImageIndex};
use crate::ops::{create, ListFormat};

/// The annotation on a marker index naming the tag it belongs to.
pub const MARKER_ANNOTATION: &str = "dev.manifold.append.target";

fn hex16(bytes: &[u8]) -> String {
    Digest::sha256(bytes).encoded()[..16].to_string()
}

/// The prefix every marker of `tag` starts with. Hashed, so any tag (up to 128 characters)
/// gives a valid, fixed-length tag, and no tag's markers look like another tag's.
pub fn marker_prefix(tag: &str) -> String {
    format!("mf-{}.", hex16(tag.as_bytes()))
}

/// The marker tag of an appender adding `entries` to `tag`: derived from the set of their
/// digests (order and duplicates do not matter).
pub fn marker_tag(tag: &str, entries: &[Descriptor]) -> String {
    let mut digests: Vec<&str> = entries.iter().map(|d| d.digest.as_str()).collect();
    digests.sort_unstable();
    digests.dedup();
    format!(
        "{}{}",
        marker_prefix(tag),
        hex16(digests.join("\n").as_bytes())
    )
}

/// The markers of `tag` among a repository's tags, sorted (so every writer merges them in the
/// same order and concurrent writers converge on the same bytes).
pub fn markers_of(tag: &str, tags: &[String]) -> Vec<String> {
    let prefix = marker_prefix(tag);
    let mut out: Vec<String> = tags
        .iter()
        .filter(|t| t.starts_with(&prefix) && t.len() == prefix.len() + 16)
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The marker index for `entries` added to `tag`.
pub fn marker_index(tag: &str, entries: &[Descriptor]) -> ImageIndex {
    let mut index = create(ListFormat::Oci);
    let mut seen = std::collections::BTreeSet::new();
    index.manifests = entries
        .iter()
        .filter(|d| seen.insert(d.digest.clone()))
        .cloned()
        .collect();
    let mut a = Annotations::new();
    a.insert(MARKER_ANNOTATION.to_string(), tag.to_string());
    index.annotations = Some(a);
    index
}

/// A marker without the `removed` digests, when it held any of them (`index remove` rewrites
/// such markers first, so no later union brings a removed entry back).
pub fn strip_marker(marker: &ImageIndex, removed: &[Digest]) -> Option<ImageIndex> {
    if !marker.manifests.iter().any(|d| removed.contains(&d.digest)) {
        return None;
    }
    let mut m = marker.clone();
    m.manifests.retain(|d| !removed.contains(&d.digest));
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type::OCI_MANIFEST;

    fn d(b: &[u8]) -> Descriptor {
        Descriptor::of(OCI_MANIFEST, b)
    }

    #[test]
    fn marker_names_are_per_tag_and_per_entry_set() {
        let a = marker_tag("v1", &[d(b"a"), d(b"b")]);
        assert_eq!(a, marker_tag("v1", &[d(b"b"), d(b"a"), d(b"a")]));
        assert_ne!(a, marker_tag("v1", &[d(b"a")]));
        assert_ne!(a, marker_tag("v2", &[d(b"a"), d(b"b")]));
        assert!(a.starts_with(&marker_prefix("v1")));
        assert_eq!(a.len(), 3 + 16 + 1 + 16);
        let long = "x".repeat(128);
        assert_eq!(marker_tag(&long, &[d(b"a")]).len(), 36);
        let tags = vec![
            "v1".to_string(),
            marker_tag("v2", &[d(b"a")]),
            marker_tag("v1", &[d(b"z")]),
            a.clone(),
            format!("{a}x"),
        ];
        let mut want = vec![a, marker_tag("v1", &[d(b"z")])];
        want.sort();
        assert_eq!(markers_of("v1", &tags), want);
    }

    #[test]
    fn a_marker_holds_its_entries_once_and_names_its_tag() {
        let m = marker_index("v1", &[d(b"a"), d(b"a"), d(b"b")]);
        assert_eq!(m.manifests.len(), 2);
        assert_eq!(m.annotations.as_ref().unwrap()[MARKER_ANNOTATION], "v1");
        assert_eq!(strip_marker(&m, &[d(b"z").digest]), None);
        let s = strip_marker(&m, &[d(b"a").digest]).unwrap();
        assert_eq!(s.manifests, vec![d(b"b")]);
    }
}
