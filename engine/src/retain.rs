//! Which blobs a stored list needs, decided from its documents alone (no IO).
//!
//! A local list keeps, in its own OCI layout folder: the list blob itself, each entry's
//! manifest (an image manifest or a nested index), and each image manifest's config when the
//! config is an image config (an artifact's config is not fetched by `source`; the config and
//! files of an artifact made locally are kept when they are there).
//! A nested index's children are not kept: the entry is the index's own blob.
//!
//! The shim reads the bytes (through the `read` closure) and deletes what is not needed, under
//! the list's lock; this module only decides. When a needed blob cannot be read, or its bytes do
//! not match its digest, the set of needed blobs is not known for sure (a missing manifest hides
//! which config it names), so nothing may be deleted: [`Needed::unneeded`] is then empty and
//! [`Needed::missing`] says what is damaged.

use std::collections::BTreeSet;

use crate::media_type;
use crate::model::{AnyDocument, ImageIndex};
use crate::Digest;

/// What a needed blob is to the list, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The list document.
    List,
    /// The manifest (or nested index) of entry `i`.
    Entry(usize),
    /// The image config of entry `i`'s manifest.
    Config(usize),
}

impl Role {
    /// The entry this blob belongs to, if any.
    pub fn entry(&self) -> Option<usize> {
        match self {
            Role::List => None,
            Role::Entry(i) | Role::Config(i) => Some(*i),
        }
    }

    /// In words: "the list", "entry 2's manifest", "entry 2's config" (entries counted from 1).
    pub fn describe(&self) -> String {
        match self {
            Role::List => "the list".to_string(),
            Role::Entry(i) => format!("entry {}'s manifest", i + 1),
            Role::Config(i) => format!("entry {}'s config", i + 1),
        }
    }
}

/// A needed blob that could not be read, or whose bytes do not match its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub digest: Digest,
    pub role: Role,
}

/// The blobs a list needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needed {
    /// Every digest the list needs that is known (those of missing blobs included).
    pub keep: BTreeSet<Digest>,
    /// Needed blobs that were absent or damaged, in list order.
    pub missing: Vec<Missing>,
}

impl Needed {
    /// The digests among `present` that may be deleted: those not needed, and none at all when
    /// a needed blob is missing (what it would have named is unknown).
    pub fn unneeded<'a>(&self, present: impl IntoIterator<Item = &'a Digest>) -> Vec<Digest> {
        if !self.missing.is_empty() {
            return Vec::new();
        }
        present
            .into_iter()
            .filter(|d| !self.keep.contains(*d))
            .cloned()
            .collect()
    }
}

/// The blobs the list `list` (stored as the blob `list_digest`) needs. `read` gives a blob's
/// bytes, or `None` when it is absent; bytes that do not match their digest count as missing.
pub fn needed(
    list_digest: &Digest,
    list: &ImageIndex,
    mut read: impl FnMut(&Digest) -> Option<Vec<u8>>,
) -> Needed {
    let mut out = Needed::default();
    out.keep.insert(list_digest.clone());
    let mut fetch = |d: &Digest, role: Role, out: &mut Needed| -> Option<Vec<u8>> {
        out.keep.insert(d.clone());
        match read(d) {
            Some(b) if d.verify(&b).is_ok() => Some(b),
            _ => {
                out.missing.push(Missing {
                    digest: d.clone(),
                    role,
                });
                None
            }
        }
    };
    for (i, entry) in list.manifests.iter().enumerate() {
        let Some(bytes) = fetch(&entry.digest, Role::Entry(i), &mut out) else {
            continue;
        };
        // A nested index or a document of neither kind needs nothing more.
        if let Ok(AnyDocument::Manifest(m)) = AnyDocument::parse(bytes, None) {
            let config = &m.value.config;
            if media_type::is_config(&config.media_type) {
                fetch(&config.digest, Role::Config(i), &mut out);
            } else if m.value.is_artifact() {
                // An artifact made locally (`add --artifact`) keeps its config and files here,
                // its only copy; one taken from a registry has none of them locally, and none
                // is missing then.
                out.keep.extend(m.value.blobs().map(|b| b.digest.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Descriptor;
    use std::collections::HashMap;

    fn manifest(config: &[u8]) -> Vec<u8> {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},"layers":[]}}"#,
            media_type::OCI_MANIFEST,
            media_type::OCI_CONFIG,
            Digest::sha256(config),
            config.len()
        )
        .into_bytes()
    }

    fn store(blobs: &[&[u8]]) -> HashMap<Digest, Vec<u8>> {
        blobs
            .iter()
            .map(|b| (Digest::sha256(b), b.to_vec()))
            .collect()
    }

    #[test]
    fn keeps_the_list_each_manifest_and_its_config_and_drops_the_rest() {
        let config = br#"{"os":"linux","architecture":"amd64"}"#.to_vec();
        let m = manifest(&config);
        let nested = br#"{"schemaVersion":2,"manifests":[]}"#.to_vec();
        let stray = b"left by a killed add".to_vec();
        let mut list = ImageIndex::new(media_type::OCI_INDEX);
        list.manifests
            .push(Descriptor::of(media_type::OCI_MANIFEST, &m));
        list.manifests
            .push(Descriptor::of(media_type::OCI_INDEX, &nested));
        let list_digest = Digest::sha256(b"the list");
        let blobs = store(&[&config, &m, &nested, &stray]);
        let n = needed(&list_digest, &list, |d| blobs.get(d).cloned());
        assert!(n.missing.is_empty(), "{:?}", n.missing);
        let want: BTreeSet<Digest> = [
            list_digest.clone(),
            Digest::sha256(&m),
            Digest::sha256(&config),
            Digest::sha256(&nested),
        ]
        .into_iter()
        .collect();
        assert_eq!(n.keep, want);
        let present: Vec<Digest> = blobs.keys().cloned().chain([list_digest]).collect();
        assert_eq!(n.unneeded(&present), vec![Digest::sha256(&stray)]);
    }

    #[test]
    fn a_missing_or_damaged_blob_is_reported_and_nothing_is_deleted() {
        let config = br#"{"os":"linux","architecture":"arm64"}"#.to_vec();
        let m = manifest(&config);
        let other = manifest(b"{}");
        let mut list = ImageIndex::new(media_type::OCI_INDEX);
        list.manifests
            .push(Descriptor::of(media_type::OCI_MANIFEST, &m));
        list.manifests
            .push(Descriptor::of(media_type::OCI_MANIFEST, &other));
        let list_digest = Digest::sha256(b"the list");
        // Entry 1's manifest is absent; entry 0's config has the wrong bytes.
        let mut blobs = store(&[&m, b"stray"]);
        blobs.insert(Digest::sha256(&config), b"not the config".to_vec());
        let n = needed(&list_digest, &list, |d| blobs.get(d).cloned());
        assert_eq!(
            n.missing,
            vec![
                Missing {
                    digest: Digest::sha256(&config),
                    role: Role::Config(0)
                },
                Missing {
                    digest: Digest::sha256(&other),
                    role: Role::Entry(1)
                },
            ]
        );
        assert_eq!(n.missing[1].role.describe(), "entry 2's manifest");
        assert!(n.unneeded(blobs.keys()).is_empty());
    }

    #[test]
    fn an_artifact_config_is_never_missing_and_kept_when_there() {
        let m = format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"application/vnd.example+json","digest":"{}","size":2}},"layers":[]}}"#,
            media_type::OCI_MANIFEST,
            Digest::sha256(b"{}")
        )
        .into_bytes();
        let mut list = ImageIndex::new(media_type::OCI_INDEX);
        list.manifests
            .push(Descriptor::of(media_type::OCI_MANIFEST, &m));
        let blobs = store(&[&m]);
        let n = needed(&Digest::sha256(b"l"), &list, |d| blobs.get(d).cloned());
        assert!(n.missing.is_empty());
        // The list, the manifest, and the config an `add --artifact` would have stored.
        assert_eq!(n.keep.len(), 3);
        let with_config = store(&[&m, b"{}"]);
        let n = needed(&Digest::sha256(b"l"), &list, |d| {
            with_config.get(d).cloned()
        });
        assert!(n.unneeded(with_config.keys()).is_empty());
    }
}
