//! `index remove TARGET DIGEST|--platform P...` and `index annotate TARGET ...`: edits of the
//! index at a registry tag, with the same read–rebuild–put–verify rounds as `append`
//! (`publish::append`), so an edit and concurrent appends all land.

use manifold_engine::ops::{self, Field, IndexEdit};
use manifold_engine::registry::append::{entries_for_platform, Change};
use manifold_engine::Digest;

use super::context::Context;
use super::flags;
use super::publishing;
use crate::cli::{IndexAnnotateArgs, IndexCommand, IndexRemoveArgs};
use crate::error::{CliError, CliResult};
use crate::publish::append;
use crate::source::Remote;

pub fn run(_ctx: &Context, cmd: &IndexCommand, remote: Option<&dyn Remote>) -> CliResult {
    let remote = remote.ok_or_else(CliError::no_registry_client)?;
    match cmd {
        IndexCommand::Remove(a) => remove(a, remote),
        IndexCommand::Annotate(a) => annotate(a, remote),
    }
}

/// The digest a DIGEST argument names in `index` (full, or a unique hex prefix).
fn entry_digest(index: &manifold_engine::ImageIndex, target: &str, sel: &str) -> CliResult<Digest> {
    ops::find_entry(index, sel)
        .map(|i| index.manifests[i].digest.clone())
        .map_err(|e| CliError::failed(format!("{target}: {e}")))
}

fn remove(a: &IndexRemoveArgs, remote: &dyn Remote) -> CliResult {
    let target = append::target(&a.target)?;
    let policy = append::policy(&a.rounds)?;
    if a.digests.is_empty() && a.platform.is_empty() {
        return Err(CliError::usage(
            "index remove needs what to remove: DIGEST... or --platform OS/ARCH[/VARIANT]",
        ));
    }
    let platforms = a
        .platform
        .iter()
        .map(|p| flags::platform(p))
        .collect::<CliResult<Vec<_>>>()?;
    let union = append::union_now(remote, &target)?;
    let mut removed: Vec<Digest> = Vec::new();
    for sel in &a.digests {
        removed.push(entry_digest(&union, &a.target, sel)?);
    }
    for (raw, p) in a.platform.iter().zip(&platforms) {
        let found = entries_for_platform(&union, p);
        if found.is_empty() {
            return Err(CliError::failed(format!(
                "{}: no entry of platform {raw}",
                a.target
            )));
        }
        removed.extend(found);
    }
    removed.dedup();
    if !a.rounds.dry_run {
        append::strip_markers(remote, &target, &removed)?;
    }
    let edit = append::Edit {
        target: &target,
        change: Change::Remove(removed),
        format: None,
        members: None,
        policy,
        yes: false,
        jobs: 1,
    };
    match append::run_or_plan(&edit, remote, a.rounds.dry_run)? {
        append::Done::Ran(outcome) => append::report(&target, &outcome, a.json),
        append::Done::Planned(plan) => publishing::print_dry_run(&plan, a.json),
    }
}

fn annotate(a: &IndexAnnotateArgs, remote: &dyn Remote) -> CliResult {
    let target = append::target(&a.target)?;
    let policy = append::policy(&a.rounds)?;
    let mut clear = flags::clear_fields(&a.clear)?;
    let (digests, entry, index) = if a.index {
        if a.digest.is_some() || a.platform.is_some() {
            return Err(CliError::usage(
                "--index annotates the index itself; give no DIGEST or --platform with it",
            ));
        }
        clear.retain(|f| matches!(f, Field::Annotations | Field::Annotation(_)));
        let index = IndexEdit {
            annotations: flags::annotations(&a.annotations)?,
            subject: None,
            clear,
        };
        (Vec::new(), ops::EntryEdit::default(), index)
    } else {
        let union = append::union_now(remote, &target)?;
        let digest = match (&a.digest, &a.platform) {
            (Some(sel), None) => entry_digest(&union, &a.target, sel)?,
            (None, Some(p)) => {
                let wanted = flags::platform(p)?;
                let images: Vec<Digest> = entries_for_platform(&union, &wanted)
                    .into_iter()
                    .filter(|d| {
                        union.manifests.iter().any(|e| {
                            &e.digest == d && !manifold_engine::platform::is_attestation(e)
                        })
                    })
                    .collect();
                match images.as_slice() {
                    [one] => one.clone(),
                    [] => {
                        return Err(CliError::failed(format!(
                            "{}: no entry of platform {p}",
                            a.target
                        )))
                    }
                    _ => {
                        return Err(CliError::failed(format!(
                            "{}: {} entries of platform {p}; name one by DIGEST",
                            a.target,
                            images.len()
                        )))
                    }
                }
            }
            _ => {
                return Err(CliError::usage(
                    "index annotate needs the entry: DIGEST or --platform OS/ARCH[/VARIANT] (or --index for the index itself)",
                ))
            }
        };
        let mut entry = flags::platform_edit(&a.platform_args, &a.annotations)?;
        entry.clear = clear;
        (vec![digest], entry, IndexEdit::default())
    };
    let edit = append::Edit {
        target: &target,
        change: Change::Annotate {
            digests,
            entry,
            index,
        },
        format: None,
        members: None,
        policy,
        yes: false,
        jobs: 1,
    };
    match append::run_or_plan(&edit, remote, a.rounds.dry_run)? {
        append::Done::Ran(outcome) => append::report(&target, &outcome, a.json),
        append::Done::Planned(plan) => publishing::print_dry_run(&plan, a.json),
    }
}
