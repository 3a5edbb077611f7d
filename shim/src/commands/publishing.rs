//! The steps around a publish that push, `create --publish` and `add --publish` share: where
//! the list goes, publishing a list built in memory, and reporting the outcome (the digest
//! printed or pack's sentence, and `--digestfile`). The publish itself is `crate::publish`.

use std::collections::HashMap;

use manifold_engine::Digest;

use super::context::Context;
use super::flags;
use crate::error::{CliError, CliResult};
use crate::output::Words;
use crate::source::{Location, Remote};
use crate::store::LocalList;

/// Where a list goes: `raw` (a registry reference, `docker://` allowed, or `oci:PATH[:TAG]`).
pub fn destination(words: &dyn Words, raw: &str) -> CliResult<Location> {
    let raw = raw.strip_prefix("docker://").unwrap_or(raw);
    Location::parse(raw).map_err(|e| words.bad_destination(raw, &e))
}

/// Prints the outcome of a publish as the personality does, and writes `--digestfile`. With
/// `always` the digest is printed even where the tool's push prints nothing (the `--publish`
/// flows, which no tool has and which have no `--digestfile`).
pub fn report(
    words: &dyn Words,
    list_raw: &str,
    digest: &Digest,
    digestfile: Option<&std::path::Path>,
    always: bool,
) -> CliResult {
    if let Some(path) = digestfile {
        crate::store::write_atomic(path, digest.as_str().as_bytes())
            .map_err(|e| CliError::failed(format!("--digestfile: {}", e.0)))?;
    }
    let line = words
        .pushed(list_raw, digest)
        .or_else(|| always.then(|| digest.to_string()));
    crate::output::say(line);
    Ok(())
}

/// Prints a publish's report as JSON (`--json`) and writes `--digestfile`.
pub fn report_json(
    dest: &Location,
    r: &crate::publish::Report,
    digestfile: Option<&std::path::Path>,
) -> CliResult {
    if let Some(path) = digestfile {
        crate::store::write_atomic(path, r.digest.as_str().as_bytes())
            .map_err(|e| CliError::failed(format!("--digestfile: {}", e.0)))?;
    }
    crate::output::json::print(&crate::output::json::published(&dest.display(), r))
}

/// What the `--publish` flows were asked besides the list: the LIST argument as given (for
/// messages), `--yes`, `--jobs`, `--json`, `--referrers` and the progress line.
pub struct PublishFlags<'a> {
    pub list_raw: &'a str,
    pub yes: bool,
    pub jobs: Option<usize>,
    /// `--dry-run`: print the plan and the list, write nothing.
    pub dry_run: bool,
    /// `--json`: what was pushed as JSON (with `--dry-run`: the plan).
    pub json: bool,
    pub progress: &'a crate::progress::Progress,
    /// `--referrers`: carry what refers to the members too.
    pub referrers: bool,
}

/// Publishes an in-memory list with the blobs just fetched for it (the `--publish` flows).
pub fn publish_list(
    ctx: &Context,
    list: &LocalList,
    dest: &Location,
    blobs: &HashMap<Digest, Vec<u8>>,
    remote: Option<&dyn Remote>,
    opts: &PublishFlags,
) -> CliResult {
    let local = |d: &Digest| blobs.get(d).cloned();
    let p = crate::publish::Publish {
        personality: ctx.personality,
        list,
        local_blob: &local,
        remote,
        format: None,
        tags: &[],
        yes: opts.yes,
        jobs: flags::jobs(opts.jobs),
        json: opts.json,
        progress: opts.progress,
    };
    if opts.dry_run {
        return print_dry_run(&crate::publish::dry_run(&p, dest)?, opts.json);
    }
    let done = crate::publish::publish(&p, dest)?;
    if opts.referrers {
        crate::publish::carry_referrers(&p, dest, &done.digest)?;
    }
    if opts.json {
        return report_json(dest, &done, None);
    }
    report(ctx.words, opts.list_raw, &done.digest, None, true)
}

/// Prints a dry run: the engine's text (ending with the list's bytes and one newline), or its
/// JSON form.
pub fn print_dry_run(run: &manifold_engine::registry::DryRun, json: bool) -> CliResult {
    let text = if json { run.json() + "\n" } else { run.text() };
    crate::output::print_bytes(text.as_bytes())
}

/// A dry run of a local `create` or `add`: the list that would be saved (as `push` would put
/// it) and how many blobs would be stored with it; the store is not touched.
pub fn print_local_dry_run(ctx: &Context, list: &LocalList, blobs: usize) -> CliResult {
    let bytes = ctx.words.push_bytes(list)?;
    let text = format!(
        "dry run: saving list {} with {} entries and {blobs} blobs (nothing is written)\nindex {} ({} bytes):\n{}\n",
        list.name,
        list.index.manifests.len(),
        Digest::sha256(&bytes),
        bytes.len(),
        String::from_utf8_lossy(&bytes),
    );
    crate::output::print_bytes(text.as_bytes())
}
