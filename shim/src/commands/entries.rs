//! Turning IMAGE arguments into entries of a list: parse them all first (a bad one stops
//! everything before any request), fetch them concurrently keeping argument order, then add
//! them the way the personality keys entries. create and add (local or `--publish`) share it.

use manifold_engine::ops::{self, EntryEdit, EntryKey, Selection};
use manifold_engine::Digest;

use super::flags;
use crate::cli::SelectArgs;
use crate::error::CliResult;
use crate::output::Words;
use crate::progress::Progress;
use crate::source::{self, Location, NewEntry, Remote};
use crate::store::LocalList;

/// Parses every IMAGE argument, in the personality's words for a bad one; a transport prefix
/// is the personality's to take or refuse (podman's `docker://`).
pub fn locations(words: &dyn Words, images: &[String]) -> CliResult<Vec<Location>> {
    images
        .iter()
        .map(|raw| {
            let image = words.image_argument(raw)?;
            Location::parse(image).map_err(|e| words.bad_image(raw, &e))
        })
        .collect()
}

/// The IMAGE arguments of create/add and their selection flags, checked before any request.
pub struct Sources {
    locations: Vec<Location>,
    selection: Selection,
}

impl Sources {
    pub fn parse(words: &dyn Words, images: &[String], select: &SelectArgs) -> CliResult<Sources> {
        let selection = flags::selection(select)?;
        Ok(Sources {
            locations: locations(words, images)?,
            selection,
        })
    }

    /// Fetches every source with `--jobs` (or its default) at once on the shim's one pool;
    /// entries in argument order. After a failure no new fetch starts, and the failure of the
    /// earliest source that failed is returned. Several sources are counted on `progress` as they arrive.
    pub fn fetch(
        &self,
        remote: Option<&dyn Remote>,
        jobs_flag: Option<usize>,
        progress: &Progress,
    ) -> CliResult<Vec<Vec<NewEntry>>> {
        if self.locations.len() > 1 {
            progress.begin("fetching", "images", self.locations.len() as u64, 0);
        }
        let fetched = crate::pool::try_run_bounded(
            flags::jobs(jobs_flag),
            self.locations.iter().collect(),
            |loc| {
                let r = source::resolve(loc, remote, &self.selection);
                progress.advance(0);
                r
            },
        );
        progress.finish();
        fetched
    }
}

/// Adds the fetched entries to `list` in argument order, each first given `edit` (add's
/// platform flags); an entry the same by `key` as one already there replaces it. Returns the
/// blobs to keep with the list.
pub fn add_all(
    list: &mut LocalList,
    fetched: Vec<Vec<NewEntry>>,
    key: EntryKey,
    edit: Option<&EntryEdit>,
) -> Vec<(Digest, Vec<u8>)> {
    let mut blobs = Vec::new();
    for entry in fetched.into_iter().flatten() {
        let mut descriptor = entry.descriptor;
        if let Some(edit) = edit {
            ops::annotate_entry(&mut descriptor, edit);
        }
        let existing = list
            .index
            .manifests
            .iter()
            .zip(list.sources.iter().map(|s| s.as_deref()));
        match ops::add_position(existing, &descriptor, &entry.source, key) {
            Some(i) => {
                list.index.manifests[i] = descriptor;
                list.sources[i] = Some(entry.source);
            }
            None => list.push_entry(descriptor, Some(entry.source)),
        }
        blobs.extend(entry.blobs);
    }
    blobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use manifold_engine::model::Descriptor;

    fn entry(source: &str, bytes: &[u8]) -> NewEntry {
        NewEntry {
            descriptor: Descriptor::of(manifold_engine::media_type::OCI_MANIFEST, bytes),
            source: source.into(),
            blobs: vec![(Digest::sha256(bytes), bytes.to_vec())],
        }
    }

    fn list() -> LocalList {
        LocalList::new("x", ops::create(ops::ListFormat::Oci))
    }

    #[test]
    fn docker_keys_entries_by_source_podman_by_digest() {
        let fetched = || {
            vec![
                vec![entry("a", b"1"), entry("b", b"1")],
                vec![entry("a", b"2")],
            ]
        };
        let mut by_source = list();
        let blobs = add_all(&mut by_source, fetched(), EntryKey::Source, None);
        assert_eq!(blobs.len(), 3);
        assert_eq!(by_source.index.manifests.len(), 2, "a replaced, b kept");
        assert_eq!(by_source.sources, vec![Some("a".into()), Some("b".into())]);
        assert_eq!(by_source.index.manifests[0].digest, Digest::sha256(b"2"));

        let mut by_digest = list();
        add_all(&mut by_digest, fetched(), EntryKey::Digest, None);
        assert_eq!(
            by_digest.index.manifests.len(),
            2,
            "b replaced a's entry of 1"
        );
        assert_eq!(by_digest.sources, vec![Some("b".into()), Some("a".into())]);
    }
}
