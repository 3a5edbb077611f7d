//! Carrying out the engine's push plan: steps of one wave run in parallel on the shim's one
//! worker pool (within `--jobs`), each wave after the one before, and docker's "Pushed ref"
//! lines printed in docker's entry order before the list itself is put (unless the outcome is
//! wanted as a value only, `--json`). What was done is returned as a [`Report`].

use std::collections::BTreeSet;

use manifold_engine::registry::{PlanEntry, PushStep};
use manifold_engine::Digest;

use super::gather::Facts;
use super::target::Target;
use super::Publish;
use crate::error::CliResult;
use crate::output::docker;
use crate::personality::Personality;
use crate::pool::try_run_bounded;

/// How a blob or manifest came to be at the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// Mounted from another repository of the same registry (or copied into the session a
    /// refused mount opened).
    Mounted,
    /// Read from its source and written.
    Copied,
    /// Already there: nothing sent.
    Skipped,
}

/// One blob or manifest of a publish and what was done with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub digest: Digest,
    pub size: u64,
    /// Empty for a blob.
    pub media_type: String,
    pub moved: Moved,
}

/// What a publish did: the list's digest, media type, size and the tags it was put at, every
/// blob and member manifest (mounted, copied or skipped), and docker's `Pushed ref` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
    /// The tags the list was put at (the destination's, then `--tag`s); empty when it was put
    /// by digest only.
    pub tags: Vec<String>,
    pub blobs: Vec<Item>,
    pub manifests: Vec<Item>,
    /// docker's `Pushed ref …` lines in docker's order (printed already unless `--json`).
    pub lines: Vec<String>,
}

/// Runs `steps` (sorted by wave, the list's put last) and returns what was done.
pub fn run(
    p: &Publish,
    target: &dyn Target,
    facts: &Facts,
    steps: Vec<PushStep>,
    list: &[u8],
) -> CliResult<Report> {
    let (mut blobs, mut manifests) = (Vec::new(), Vec::new());
    for s in &steps {
        match s {
            PushStep::MountBlob { digest, size, .. } => {
                blobs.push(item(digest, *size, "", Moved::Mounted))
            }
            PushStep::CopyBlob { digest, size, .. } => {
                blobs.push(item(digest, *size, "", Moved::Copied))
            }
            PushStep::PutManifest {
                digest, media_type, ..
            } => {
                let size = facts.manifests.get(digest).map_or(0, |b| b.len() as u64);
                manifests.push(item(digest, size, media_type, Moved::Copied));
            }
            PushStep::PutIndex { .. } => {}
        }
    }
    skipped(&facts.entries, &mut blobs, &mut manifests);
    let mut waves: Vec<Vec<PushStep>> = Vec::new();
    let mut put_list = None;
    for s in steps {
        if let PushStep::PutIndex { .. } = s {
            put_list = Some(s);
            continue;
        }
        match waves.last_mut() {
            Some(w) if w[0].wave() == s.wave() => w.push(s),
            _ => waves.push(vec![s]),
        }
    }
    let bytes_total = blobs
        .iter()
        .filter(|b| b.moved != Moved::Skipped)
        .map(|b| b.size)
        .sum::<u64>();
    let count = waves.iter().map(Vec::len).sum::<usize>() as u64;
    p.progress
        .begin("pushing", "blobs and manifests", count, bytes_total);
    let mut lines = Vec::new();
    for wave in waves {
        let done = try_run_bounded(p.jobs.max(1), wave, |s| {
            let size = match &s {
                PushStep::MountBlob { size, .. } | PushStep::CopyBlob { size, .. } => *size,
                _ => 0,
            };
            let lines = step(target, facts, s)?;
            p.progress.advance(size);
            Ok::<_, crate::error::CliError>(lines)
        })?;
        lines.extend(done.into_iter().flatten());
    }
    // The line goes before anything else is printed on the terminal.
    p.progress.finish();
    let mut shown = Vec::new();
    if p.personality == Personality::Docker {
        let order = docker::docker_order(p.list);
        lines.sort_by_key(|(i, _)| order.iter().position(|o| o == i));
        for (_, l) in lines {
            if !p.json {
                println!("{l}");
            }
            shown.push(l);
        }
    }
    let Some(PushStep::PutIndex {
        reference,
        tags,
        media_type,
        ..
    }) = put_list
    else {
        unreachable!("every plan ends with the list's put")
    };
    let digest = target.put_list(list, &media_type, reference.as_deref(), &tags)?;
    let mut all_tags: Vec<String> = reference
        .into_iter()
        .filter(|r| r.parse::<Digest>().is_err())
        .collect();
    all_tags.extend(tags);
    Ok(Report {
        digest,
        media_type,
        size: list.len() as u64,
        tags: all_tags,
        blobs,
        manifests,
        lines: shown,
    })
}

fn item(digest: &Digest, size: u64, media_type: &str, moved: Moved) -> Item {
    Item {
        digest: digest.clone(),
        size,
        media_type: media_type.to_string(),
        moved,
    }
}

/// Adds every blob and manifest of `entries` (children included) that no step sends: the
/// destination holds it already. Each digest appears once.
fn skipped(entries: &[PlanEntry], blobs: &mut Vec<Item>, manifests: &mut Vec<Item>) {
    let mut seen_blobs: BTreeSet<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
    let mut seen_manifests: BTreeSet<Digest> = manifests.iter().map(|m| m.digest.clone()).collect();
    let mut stack: Vec<&PlanEntry> = entries.iter().rev().collect();
    while let Some(e) = stack.pop() {
        if seen_manifests.insert(e.digest.clone()) {
            manifests.push(item(&e.digest, e.size, &e.media_type, Moved::Skipped));
        }
        for b in &e.blobs {
            if seen_blobs.insert(b.digest.clone()) {
                blobs.push(item(&b.digest, b.size, "", Moved::Skipped));
            }
        }
        stack.extend(e.children.iter().rev());
    }
}

/// One blob or member step; returns the lines to print for it, with their list positions.
fn step(target: &dyn Target, facts: &Facts, s: PushStep) -> CliResult<Vec<(usize, String)>> {
    match s {
        PushStep::MountBlob {
            digest,
            size,
            from_repo,
            from,
        } => {
            let from = facts.sources.content(&from)?;
            target.mount_blob(&digest, size, &from_repo, from.as_ref())?;
            Ok(Vec::new())
        }
        PushStep::CopyBlob { digest, size, from } => {
            target.copy_blob(&digest, size, facts.sources.content(&from)?.as_ref())?;
            Ok(Vec::new())
        }
        PushStep::PutManifest {
            digest,
            media_type,
            positions,
            ..
        } => {
            let bytes = facts
                .manifests
                .get(&digest)
                .expect("every manifest put was read while gathering");
            let line = target.put_manifest(&digest, &media_type, bytes)?;
            Ok(line
                .map(|l| positions.iter().map(|&i| (i, l.clone())).collect())
                .unwrap_or_default())
        }
        PushStep::PutIndex { .. } => unreachable!("the list is put after every wave"),
    }
}
