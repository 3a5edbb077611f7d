//! Registry-first edits carried out: members made present and the writer's marker put (through
//! the push plan, as one more publish), then rounds of read, rebuild, put, settle and read-back
//! until the tag holds the change. Every decision (marker names, the union, whether to put,
//! whether the change landed, how long to wait, when to give up) is the engine's
//! (`manifold_engine::registry::append`); this file performs the requests and sleeps.

use std::time::{Duration, Instant};

use manifold_engine::model::{AnyDocument, Document, ImageIndex};
use manifold_engine::ops::ListFormat;
use manifold_engine::reference::Reference;
use manifold_engine::registry::append::{self as engine, Change, RoundPolicy, Verdict};
use manifold_engine::Digest;

use super::Publish;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::{Location, Remote};
use crate::store::LocalList;

/// One registry-first edit of the index at `target` (a reference with a tag).
pub struct Edit<'a> {
    pub target: &'a Reference,
    pub change: Change,
    /// The format an absent target starts in (`--format`); else the first new entry's.
    pub format: Option<ListFormat>,
    /// For an append: the new entries with their sources, and the bytes fetched for them.
    pub members: Option<Members<'a>>,
    pub policy: RoundPolicy,
    pub yes: bool,
    pub jobs: usize,
}

/// The entries an append adds, as a list with sources, and the manifests and configs fetched.
pub struct Members<'a> {
    pub list: LocalList,
    pub local_blob: &'a (dyn Fn(&Digest) -> Option<Vec<u8>> + Sync),
}

/// What an edit came to.
pub struct Outcome {
    /// The digest the tag holds at the end.
    pub digest: Digest,
    /// Rounds of read–rebuild–put–verify it took.
    pub rounds: u32,
    /// How many times this run put the index (0: the tag already held the change).
    pub puts: u32,
    /// Entries in the index at the end.
    pub entries: usize,
}

/// A random number for the jitter (the engine takes randomness as an input).
pub fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn tag_of(target: &Reference) -> CliResult<&str> {
    target.tag().ok_or_else(|| {
        CliError::usage(format!(
            "{target} names no tag; registry-first edits edit the index at a tag (add :TAG)"
        ))
    })
}

/// An index as read: its value and the digest of its exact bytes.
pub type Read = (ImageIndex, Digest);

/// Reads the index at `r` (`None`: nothing there). Anything but an index is an error naming it.
pub fn read_index(remote: &dyn Remote, r: &Reference) -> CliResult<Option<Read>> {
    let Some((bytes, ct)) = remote.find_manifest(r)? else {
        return Ok(None);
    };
    let digest = Digest::sha256(&bytes);
    match AnyDocument::parse(bytes, ct.as_deref()).map_err(|e| CliError::bad_document(r, e))? {
        AnyDocument::Index(Document { value, .. }) => Ok(Some((value, digest))),
        AnyDocument::Manifest(_) => Err(CliError::failed(format!(
            "{r} is an image, not a list; give a tag that holds a list, or a new tag"
        ))),
    }
}

/// The markers of the target's tag, read (a marker that vanished between the tag list and
/// its read is skipped).
fn read_markers(
    remote: &dyn Remote,
    target: &Reference,
    tag: &str,
) -> CliResult<Vec<(String, ImageIndex)>> {
    let tags = remote.list_tags(target)?;
    let mut out = Vec::new();
    for m in engine::markers_of(tag, &tags) {
        let r = target
            .with_tag(&m)
            .map_err(|e| CliError::failed(format!("marker tag {m}: {e}")))?;
        if let Ok(Some((index, _))) = read_index(remote, &r) {
            out.push((m, index));
        }
    }
    Ok(out)
}

/// Makes the new members present and puts the writer's marker, unless the marker already holds
/// exactly these entries (a rerun: nothing is written).
fn put_marker(edit: &Edit, remote: &dyn Remote, tag: &str, members: &Members) -> CliResult<bool> {
    let marker = engine::marker_tag(tag, &members.list.index.manifests);
    let at = edit
        .target
        .with_tag(&marker)
        .map_err(|e| CliError::failed(format!("marker tag {marker}: {e}")))?;
    let p = marker_publish(edit, remote, members);
    let bytes = super::list_bytes(&p)?;
    if let Some((held, _)) = remote.find_manifest(&at)? {
        if held == bytes {
            return Ok(false);
        }
    }
    super::publish(&p, &Location::Registry(at))?;
    Ok(true)
}

/// The marker's publish: pack's push form (an OCI index, nothing printed per member) whatever
/// the personality, so every personality writes the same marker bytes.
fn marker_publish<'a>(edit: &Edit, remote: &'a dyn Remote, members: &'a Members) -> Publish<'a> {
    Publish {
        personality: Personality::Pack,
        list: &members.list,
        local_blob: members.local_blob,
        remote: Some(remote),
        format: None,
        tags: &[],
        yes: edit.yes,
        jobs: edit.jobs,
        json: false,
        progress: &crate::progress::OFF,
    }
}

/// Carries out `edit`: marker first (for an append), then rounds until the tag holds the change.
pub fn run(edit: &Edit, remote: &dyn Remote) -> CliResult<Outcome> {
    let tag = tag_of(edit.target)?.to_string();
    let mut last_write: Option<Instant> = None;
    if let Some(m) = &edit.members {
        if put_marker(edit, remote, &tag, m)? {
            last_write = Some(Instant::now());
        }
    }
    let first = match &edit.change {
        Change::Add(e) => e.first(),
        _ => None,
    };
    let format = engine::empty_format(edit.format, first);
    let settle = Duration::from_millis(edit.policy.settle_ms);
    let mut puts = 0;
    let mut round = 1;
    loop {
        let current = read_index(remote, edit.target)?;
        let markers: Vec<ImageIndex> = read_markers(remote, edit.target, &tag)?
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        let held = current.as_ref().map(|(i, _)| i);
        let rebuilt = engine::rebuild(held, format, &markers, &edit.change);
        let readback = if engine::needs_put(held, &rebuilt) {
            let bytes = engine::index_bytes(&rebuilt);
            remote
                .put_manifest(
                    edit.target,
                    &tag,
                    &bytes,
                    rebuilt.effective_media_type(),
                )
                .map_err(|e| {
                    CliError::failed(format!(
                        "failed to put the index at {}: {}; the tag still holds what it held before (run the command again)",
                        edit.target,
                        e.message.lines().next().unwrap_or("")
                    ))
                })?;
            puts += 1;
            last_write = Some(Instant::now());
            None
        } else {
            current
        };
        // A read-back counts only once every writer that read before our last write has put.
        let readback = match (readback, last_write) {
            (Some(r), None) => Some(r),
            (r, Some(at)) if at.elapsed() >= settle && r.is_some() => r,
            (_, at) => {
                if let Some(at) = at {
                    std::thread::sleep(settle.saturating_sub(at.elapsed()));
                }
                read_index(remote, edit.target)?
            }
        };
        match engine::verdict(readback.as_ref().map(|(i, _)| i), &edit.change) {
            Verdict::Landed => {
                let (index, digest) = readback.expect("a landed change has an index");
                return Ok(Outcome {
                    digest,
                    rounds: round,
                    puts,
                    entries: index.manifests.len(),
                });
            }
            Verdict::Lost { what } => match edit.policy.next_round(round, random()) {
                Some(ms) => {
                    eprintln!(
                        "{}: another writer replaced the index ({what}); round {} in {ms} ms",
                        edit.target,
                        round + 1
                    );
                    std::thread::sleep(Duration::from_millis(ms));
                    round += 1;
                }
                None => {
                    return Err(CliError::failed(format!(
                        "{}: other writers kept replacing the index: after {round} rounds {what}; run the command again",
                        edit.target
                    )))
                }
            },
        }
    }
}

/// `--rounds` and `--settle` as the engine's policy.
pub fn policy(args: &crate::cli::RoundArgs) -> CliResult<RoundPolicy> {
    let settle_ms = engine::parse_duration(&args.settle)
        .map_err(|e| CliError::usage(format!("--settle {e}")))?;
    if args.rounds == 0 {
        return Err(CliError::usage("--rounds 0: at least one round is needed"));
    }
    Ok(RoundPolicy {
        max_rounds: args.rounds,
        settle_ms,
        ..RoundPolicy::default()
    })
}

/// The TARGET of a registry-first edit: a registry reference (`docker://` allowed) with a tag.
pub fn target(raw: &str) -> CliResult<Reference> {
    let r = raw.strip_prefix("docker://").unwrap_or(raw);
    match Location::parse(r) {
        Ok(Location::Registry(r)) if r.digest().is_none() => Ok(r),
        Ok(Location::Registry(_)) => Err(CliError::usage(format!(
            "{raw}: a digest names fixed content; give the tag whose index to edit"
        ))),
        Ok(Location::Layout(..)) => Err(CliError::usage(format!(
            "{raw}: registry-first edits work on a registry tag; for a layout use create/add and push"
        ))),
        Err(e) => Err(CliError::usage(format!("{raw}: {e}"))),
    }
}

/// What an append was given: fetched entries, the add flags' edit, and how to run.
pub struct Append<'a> {
    pub target: &'a Reference,
    pub fetched: Vec<Vec<crate::source::NewEntry>>,
    pub edit: &'a manifold_engine::ops::EntryEdit,
    pub format: Option<ListFormat>,
    pub policy: RoundPolicy,
    pub yes: bool,
    pub jobs: usize,
    /// `--dry-run`: find what would be written, write nothing.
    pub dry_run: bool,
}

/// What a registry-first edit came to: done, or (`--dry-run`) its plan.
pub enum Done {
    Ran(Outcome),
    Planned(manifold_engine::registry::DryRun),
}

/// Runs `edit`, or with `dry_run` finds its plan.
pub fn run_or_plan(edit: &Edit, remote: &dyn Remote, dry_run: bool) -> CliResult<Done> {
    if dry_run {
        dry_run_of(edit, remote).map(Done::Planned)
    } else {
        run(edit, remote).map(Done::Ran)
    }
}

/// Appends fetched entries (`append`, `add --publish`): each given the edit, one entry per
/// digest (the last wins), then [`run`].
pub fn append(a: Append, remote: &dyn Remote) -> CliResult<Done> {
    let mut list = LocalList::new(
        &a.target.to_string(),
        engine::marker_index(tag_of(a.target)?, &[]),
    );
    let mut blobs = std::collections::HashMap::new();
    for entry in a.fetched.into_iter().flatten() {
        let mut d = entry.descriptor;
        manifold_engine::ops::annotate_entry(&mut d, a.edit);
        match list
            .index
            .manifests
            .iter()
            .position(|x| x.digest == d.digest)
        {
            Some(i) => {
                list.index.manifests[i] = d;
                list.sources[i] = Some(entry.source);
            }
            None => list.push_entry(d, Some(entry.source)),
        }
        blobs.extend(entry.blobs);
    }
    if list.index.manifests.is_empty() {
        return Err(CliError::failed(format!(
            "nothing to append to {}: no source is left",
            a.target
        )));
    }
    let local = |d: &Digest| blobs.get(d).cloned();
    let change = Change::Add(list.index.manifests.clone());
    let edit = Edit {
        target: a.target,
        change,
        format: a.format,
        members: Some(Members {
            list,
            local_blob: &local,
        }),
        policy: a.policy,
        yes: a.yes,
        jobs: a.jobs,
    };
    run_or_plan(&edit, remote, a.dry_run)
}

/// Prints an edit's outcome: the digest on stdout (or the JSON document), the rounds on stderr.
pub fn report(target: &Reference, o: &Outcome, json: bool) -> CliResult {
    if json {
        let v = serde_json::json!({
            "target": target.to_string(),
            "digest": o.digest.to_string(),
            "rounds": o.rounds,
            "puts": o.puts,
            "entries": o.entries,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(());
    }
    let wrote = if o.puts == 0 {
        "already held the change, nothing written".to_string()
    } else {
        format!("{} put{}", o.puts, if o.puts == 1 { "" } else { "s" })
    };
    eprintln!(
        "{target}: {} entr{}, {} round{} ({wrote})",
        o.entries,
        if o.entries == 1 { "y" } else { "ies" },
        o.rounds,
        if o.rounds == 1 { "" } else { "s" },
    );
    println!("{}", o.digest);
    Ok(())
}

/// The index at the target as every writer would rebuild it now (its current index and all
/// markers), for resolving what `index remove` and `index annotate` name.
pub fn union_now(remote: &dyn Remote, target: &Reference) -> CliResult<ImageIndex> {
    let tag = tag_of(target)?;
    let current = read_index(remote, target)?;
    let Some((current, _)) = current else {
        return Err(CliError::failed(format!(
            "{target}: no index there to edit; make one with `append`"
        )));
    };
    let markers: Vec<ImageIndex> = read_markers(remote, target, tag)?
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    Ok(engine::rebuild(
        Some(&current),
        ListFormat::of(&current),
        &markers,
        &Change::Remove(Vec::new()),
    ))
}

/// Rewrites the target's markers that hold any of `removed` without them, so no writer's
/// union brings a removed entry back; returns how many were rewritten.
pub fn strip_markers(
    remote: &dyn Remote,
    target: &Reference,
    removed: &[Digest],
) -> CliResult<usize> {
    let tag = tag_of(target)?;
    let mut n = 0;
    for (name, marker) in read_markers(remote, target, tag)? {
        if let Some(stripped) = engine::strip_marker(&marker, removed) {
            let at = target
                .with_tag(&name)
                .map_err(|e| CliError::failed(format!("marker tag {name}: {e}")))?;
            remote.put_manifest(
                &at,
                &name,
                &engine::index_bytes(&stripped),
                stripped.effective_media_type(),
            )?;
            n += 1;
        }
    }
    Ok(n)
}

/// What `edit` would write, found with reads only (`--dry-run`): the marker's publish plan
/// when the marker does not hold these entries yet, the markers a removal rewrites, and the
/// index put with the bytes a real run would put now (the writer's own marker counted in, as
/// the real run sees it after writing it).
fn dry_run_of(edit: &Edit, remote: &dyn Remote) -> CliResult<manifold_engine::registry::DryRun> {
    let tag = tag_of(edit.target)?.to_string();
    let (push_target, _) = super::target::plan_target(&Location::Registry(edit.target.clone()));
    let mut markers = read_markers(remote, edit.target, &tag)?;
    let mut before = None;
    if let Some(m) = &edit.members {
        let name = engine::marker_tag(&tag, &m.list.index.manifests);
        let at = edit
            .target
            .with_tag(&name)
            .map_err(|e| CliError::failed(format!("marker tag {name}: {e}")))?;
        let p = marker_publish(edit, remote, m);
        let bytes = super::list_bytes(&p)?;
        let held = remote.find_manifest(&at)?.map(|(b, _)| b);
        if held.as_deref() != Some(bytes.as_slice()) {
            before = Some(super::dry_run(&p, &Location::Registry(at))?);
        }
        markers.retain(|(t, _)| t != &name);
        markers.push((name, engine::marker_index(&tag, &m.list.index.manifests)));
        markers.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut rewritten = Vec::new();
    if let Change::Remove(removed) = &edit.change {
        for (name, m) in markers.iter_mut() {
            if let Some(stripped) = engine::strip_marker(m, removed) {
                *m = stripped.clone();
                rewritten.push((name.clone(), stripped));
            }
        }
    }
    let current = read_index(remote, edit.target)?;
    let held = current.as_ref().map(|(i, _)| i);
    let first = match &edit.change {
        Change::Add(e) => e.first(),
        _ => None,
    };
    let format = engine::empty_format(edit.format, first);
    let only: Vec<ImageIndex> = markers.into_iter().map(|(_, m)| m).collect();
    let rebuilt = engine::rebuild(held, format, &only, &edit.change);
    let put = engine::needs_put(held, &rebuilt);
    Ok(engine::dry_run_edit(
        &push_target,
        &tag,
        before,
        &rewritten,
        &rebuilt,
        put,
    ))
}
