//! Selecting from a source that is itself an index: which of its entries `create` and `add`
//! take, and which entry serves a platform.
//!
//! docker refuses index sources and podman silently takes the host's platform; the rule manifold
//! uses instead (the only runnable platform, or a message listing the ways out) lives here, on top
//! of [`crate::platform`]'s matching and attestation rules.

use std::fmt;

use crate::model::{ImageIndex, Platform};

/// What to take from a source that is itself an index (`create`/`add` flags).
// Boxing the platform (clippy 1.95's large_enum_variant) would change the public type the shim
// builds from its flags, for nothing: one selection is made per source.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// No flag: the one runnable platform, if there is exactly one.
    Default,
    /// `--platform P`: the best entry for P.
    Platform(Platform),
    /// `--all`: every entry (flattened).
    All,
    /// `--nested`: the index itself as one entry.
    Nested,
}

/// Whether the attestation manifests of the images taken from an index come along
/// (`--attestations keep|drop`; keep, as `buildx imagetools create` does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Attestations {
    #[default]
    Keep,
    Drop,
}

impl Attestations {
    pub fn parse(s: &str) -> Option<Attestations> {
        match s {
            "keep" => Some(Attestations::Keep),
            "drop" => Some(Attestations::Drop),
            _ => None,
        }
    }

    /// True when an entry taken from a source (its descriptor there) stays: everything under
    /// `keep`, everything but attestations under `drop`.
    pub fn keeps(self, entry: &crate::model::Descriptor) -> bool {
        self == Attestations::Keep || !crate::platform::is_attestation(entry)
    }
}

/// What a selection from an index source came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    /// These entries of the source index.
    Entries(Vec<usize>),
    /// The source index itself, as a nested entry.
    Itself,
}

/// Why nothing could be selected; the message lists what the index holds and the three ways out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectError(pub String);

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectError {}

/// The entry of `index` that serves `wanted` best (containerd's matching and ordering), never
/// an attestation: what `--platform` picks from a source index and what `inspect --platform`
/// shows.
pub fn entry_for_platform(index: &ImageIndex, wanted: &Platform) -> Option<usize> {
    let candidates: Vec<Option<&Platform>> = index
        .manifests
        .iter()
        .map(|d| {
            if crate::platform::is_attestation(d) {
                None
            } else {
                d.platform.as_ref()
            }
        })
        .collect();
    crate::platform::best_match(wanted, &candidates)
}

/// Decides which entries of the source index `source` (named `name` in messages) to add.
/// docker refuses index sources and podman silently takes the host's platform; manifold takes
/// the only runnable platform when there is one, and otherwise says what there is. An image
/// taken brings the attestation manifests that name it (`vnd.docker.reference.digest`), in the
/// source's order; `--all` takes every entry. [`Attestations::keeps`] then drops them on request.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn select(
    name: &str,
    source: &ImageIndex,
    selection: &Selection,
) -> Result<Selected, SelectError> {
    let platforms = || {
        let list: Vec<String> = crate::platform::runnable_entries(&source.manifests)
            .into_iter()
            .map(|i| {
                source.manifests[i]
                    .platform
                    .as_ref()
                    .map_or_else(|| "(no platform)".to_string(), Platform::display)
            })
            .collect();
        if list.is_empty() {
            "no runnable platforms".to_string()
        } else {
            list.join(", ")
        }
    };
    let with_attestations = |image: usize| {
        // Source order, each entry once: the image and its attestations as the index had them.
        let digest = source.manifests[image].digest.to_string();
        Selected::Entries(
            (0..source.manifests.len())
                .filter(|&i| {
                    i == image
                        || crate::platform::attested_digest(&source.manifests[i])
                            == Some(digest.as_str())
                })
                .collect(),
        )
    };
    match selection {
        Selection::Nested => Ok(Selected::Itself),
        Selection::All => Ok(Selected::Entries((0..source.manifests.len()).collect())),
        Selection::Platform(p) => entry_for_platform(source, p)
            .map(with_attestations)
            .ok_or_else(|| {
                SelectError(format!(
                    "{name} is an index with no entry for {}; it has {}: {}",
                    p.display(),
                    crate::platform::count_words(&source.manifests),
                    platforms()
                ))
            }),
        Selection::Default => {
            let runnable = crate::platform::runnable_entries(&source.manifests);
            match runnable.as_slice() {
                [one] => Ok(with_attestations(*one)),
                _ => Err(SelectError(format!(
                    "{name} is an index of {}: {}; choose with --platform OS/ARCH, add them all with --all, or add the index itself with --nested",
                    crate::platform::count_words(&source.manifests),
                    platforms()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type;
    use crate::model::Descriptor;
    use crate::ops::{create, ListFormat};

    fn index_of(platforms: &[&str]) -> ImageIndex {
        let mut idx = create(ListFormat::Oci);
        for (i, p) in platforms.iter().enumerate() {
            let mut d = Descriptor::of(media_type::OCI_MANIFEST, format!("m{i}").as_bytes());
            d.platform = Some(crate::platform::parse_exact(p).unwrap());
            idx.manifests.push(d);
        }
        idx
    }

    #[test]
    fn one_runnable_platform_is_taken_without_flags() {
        let idx = index_of(&["linux/amd64", "unknown/unknown"]);
        assert_eq!(
            select("x", &idx, &Selection::Default),
            Ok(Selected::Entries(vec![0]))
        );
    }

    #[test]
    fn several_platforms_need_a_choice_and_the_error_names_them() {
        let idx = index_of(&["linux/amd64", "linux/arm64/v8", "unknown/unknown"]);
        let e = select("a.io/x:1", &idx, &Selection::Default).unwrap_err().0;
        assert!(
            e.contains("an index of 2 platforms (+1 attestation): linux/amd64, linux/arm64/v8;")
                && e.contains("--platform")
                && e.contains("--all")
                && e.contains("--nested"),
            "{e}"
        );
        let p = crate::platform::parse("linux/arm64").unwrap();
        assert_eq!(
            select("x", &idx, &Selection::Platform(p)),
            Ok(Selected::Entries(vec![1]))
        );
        assert_eq!(
            select("x", &idx, &Selection::All),
            Ok(Selected::Entries(vec![0, 1, 2]))
        );
        let none = crate::platform::parse("linux/s390x").unwrap();
        assert!(select("x", &idx, &Selection::Platform(none))
            .unwrap_err()
            .0
            .contains("no entry for linux/s390x"));
    }

    fn attestation(of: &Descriptor, n: u8) -> Descriptor {
        let mut d = Descriptor::of(media_type::OCI_MANIFEST, &[b'a', n]);
        d.platform = Some(crate::platform::parse_exact("unknown/unknown").unwrap());
        d.annotations = Some(
            [
                (
                    crate::platform::REFERENCE_TYPE_ANNOTATION.to_string(),
                    crate::platform::ATTESTATION_MANIFEST.to_string(),
                ),
                (
                    crate::platform::REFERENCE_DIGEST_ANNOTATION.to_string(),
                    of.digest.to_string(),
                ),
            ]
            .into(),
        );
        d
    }

    #[test]
    fn attestations_follow_the_images_taken_and_are_never_a_platform() {
        // buildx's layout: images first, then one attestation per image.
        let mut idx = index_of(&["linux/amd64", "linux/arm64"]);
        let (amd, arm) = (idx.manifests[0].clone(), idx.manifests[1].clone());
        idx.manifests.push(attestation(&amd, 0));
        idx.manifests.push(attestation(&arm, 1));
        let arm64 = crate::platform::parse("linux/arm64").unwrap();
        assert_eq!(
            select("x", &idx, &Selection::Platform(arm64)),
            Ok(Selected::Entries(vec![1, 3]))
        );
        let e = select("x", &idx, &Selection::Default).unwrap_err().0;
        assert!(
            e.contains("an index of 2 platforms (+2 attestations): linux/amd64, linux/arm64;"),
            "{e}"
        );
        // unknown/unknown is never matched as a platform, even when asked for.
        let unknown = crate::platform::parse_exact("unknown/unknown").unwrap();
        assert_eq!(entry_for_platform(&idx, &unknown), None);
        assert_eq!(
            select("x", &idx, &Selection::All),
            Ok(Selected::Entries(vec![0, 1, 2, 3]))
        );

        let single = ImageIndex {
            manifests: vec![amd.clone(), attestation(&amd, 0)],
            ..idx.clone()
        };
        assert_eq!(
            select("x", &single, &Selection::Default),
            Ok(Selected::Entries(vec![0, 1]))
        );
        // drop keeps the images only.
        let kept: Vec<bool> = idx
            .manifests
            .iter()
            .map(|d| Attestations::Drop.keeps(d))
            .collect();
        assert_eq!(kept, [true, true, false, false]);
        assert!(idx.manifests.iter().all(|d| Attestations::Keep.keeps(d)));
        assert_eq!(Attestations::parse("drop"), Some(Attestations::Drop));
        assert_eq!(Attestations::parse("none"), None);
    }
}
