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
    attestations: ops::Attestations,
    /// `--wait-for-sources` in milliseconds.
    wait_ms: Option<u64>,
    /// `--ignore-missing`.
    ignore_missing: bool,
}

impl Sources {
    pub fn parse(words: &dyn Words, images: &[String], select: &SelectArgs) -> CliResult<Sources> {
        let selection = flags::selection(select)?;
        let wait_ms = match select.wait_for_sources.as_deref() {
            Some(d) => Some(
                manifold_engine::registry::append::parse_duration(d).map_err(|e| {
                    crate::error::CliError::usage(format!("--wait-for-sources {e}"))
                })?,
            ),
            None => None,
        };
        Ok(Sources {
            locations: locations(words, images)?,
            selection,
            attestations: flags::attestations(select),
            wait_ms,
            ignore_missing: select.ignore_missing,
        })
    }

    /// Fetches every source with `--jobs` (or its default) at once on the shim's one pool;
    /// entries in argument order, attestations kept or dropped as `--attestations` says.
    /// After a failure no new fetch starts; every source is then asked whether it is there:
    /// missing ones are polled until `--wait-for-sources` ends, then left out
    /// (`--ignore-missing`, named on stderr) or named all together in the error. A failure that
    /// is not a missing source is returned as is. Several sources are counted on `progress`.
    pub fn fetch(
        &self,
        remote: Option<&dyn Remote>,
        jobs_flag: Option<usize>,
        progress: &Progress,
    ) -> CliResult<Vec<Vec<NewEntry>>> {
        let mut fetched = self.fetch_sources(remote, jobs_flag, progress)?;
        for entries in &mut fetched {
            entries.retain(|e| self.attestations.keeps(&e.descriptor));
        }
        Ok(fetched)
    }

    /// [`Sources::fetch`] before attestations are kept or dropped.
    fn fetch_sources(
        &self,
        remote: Option<&dyn Remote>,
        jobs_flag: Option<usize>,
        progress: &Progress,
    ) -> CliResult<Vec<Vec<NewEntry>>> {
        let jobs = flags::jobs(jobs_flag);
        let err = match fetch_all(&self.locations, remote, &self.selection, jobs, progress) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        use manifold_engine::registry::append::{asks_again, missing_verdict, Missing};
        let n = self.locations.len();
        let (waited, ignore) = (self.wait_ms.is_some(), self.ignore_missing);
        if !asks_again(err.absent, n, waited, ignore) {
            return Err(err);
        }
        let missing = |among: &[usize]| -> CliResult<Vec<usize>> {
            let there = crate::pool::try_run_bounded(jobs, among.to_vec(), |i| {
                source::exists(&self.locations[i], remote)
            })?;
            Ok(among
                .iter()
                .zip(there)
                .filter(|(_, t)| !t)
                .map(|(i, _)| *i)
                .collect())
        };
        let all: Vec<usize> = (0..n).collect();
        let mut absent = missing(&all)?;
        let names = |absent: &[usize]| -> Vec<String> {
            absent
                .iter()
                .map(|&i| self.locations[i].display())
                .collect()
        };
        if missing_verdict(err.absent, n, &names(&absent), waited, ignore) == Missing::OwnError {
            return Err(err);
        }
        if let Some(ms) = self.wait_ms {
            let deadline = std::time::Instant::now() + std::time::Duration::from_millis(ms);
            let policy = manifold_engine::registry::append::WaitPolicy::default();
            let mut attempt = 1;
            while !absent.is_empty() {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let Some(wait) = manifold_engine::registry::append::next_poll(
                    &policy,
                    attempt,
                    left.as_millis() as u64,
                    crate::publish::append::random(),
                ) else {
                    break;
                };
                std::thread::sleep(std::time::Duration::from_millis(wait));
                absent = missing(&absent)?;
                attempt += 1;
            }
            if absent.is_empty() {
                return fetch_all(&self.locations, remote, &self.selection, jobs, progress);
            }
        }
        match missing_verdict(err.absent, n, &names(&absent), waited, ignore) {
            Missing::OwnError => return Err(err),
            Missing::Fail(message) => return Err(crate::error::CliError::failed(message)),
            Missing::LeaveOut(warning) => eprintln!("{warning}"),
        }
        let present: Vec<Location> = self
            .locations
            .iter()
            .enumerate()
            .filter(|(i, _)| !absent.contains(i))
            .map(|(_, l)| l.clone())
            .collect();
        fetch_all(&present, remote, &self.selection, jobs, progress)
    }
}

/// Fetches `locations` on the shim's one pool, `jobs` at a time, keeping their order; after a
/// failure no new fetch starts and the earliest failure is returned. More than one source is
/// counted on `progress` as each arrives.
pub fn fetch_all(
    locations: &[Location],
    remote: Option<&dyn Remote>,
    selection: &Selection,
    jobs: usize,
    progress: &Progress,
) -> CliResult<Vec<Vec<NewEntry>>> {
    if locations.len() > 1 {
        progress.begin("fetching", "images", locations.len() as u64, 0);
    }
    let fetched = crate::pool::try_run_bounded(jobs, locations.iter().collect(), |loc| {
        let r = source::resolve(loc, remote, selection);
        progress.advance(0);
        r
    });
    progress.finish();
    fetched
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

/// The descriptor of the manifest `raw` names in a registry, as a `subject` (`annotate
/// --subject`, `add --artifact-subject`, named `flag` in messages): its media type, digest and
/// size, and its artifactType when it has one.
pub fn subject_descriptor(
    flag: &str,
    raw: &str,
    remote: Option<&dyn Remote>,
) -> CliResult<manifold_engine::model::Descriptor> {
    use crate::error::CliError;
    use manifold_engine::model::{AnyDocument, Descriptor};
    let location =
        Location::parse(raw).map_err(|e| CliError::bad_document(format!("{flag} {raw}"), e))?;
    let Location::Registry(r) = &location else {
        return Err(CliError::failed(format!(
            "{flag} must name a registry image"
        )));
    };
    let remote = remote.ok_or_else(CliError::no_registry_client)?;
    let (bytes, ct) = remote.get_manifest(r)?;
    let doc = AnyDocument::parse(bytes.clone(), ct.as_deref())
        .map_err(|e| CliError::bad_document(format!("{flag} {raw}"), e))?;
    let mut d = Descriptor::of(doc.media_type(), &bytes);
    if let AnyDocument::Manifest(m) = &doc {
        d.artifact_type = m.value.artifact_type.clone();
    }
    Ok(d)
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
