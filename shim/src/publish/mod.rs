//! Publishing a list: every member made present where the list goes, then the list's exact
//! bytes put at each tag. Shared by `push`, `create --publish` and `add --publish`.
//!
//! The work is split the way the engine decides and the shim carries out: [`gather`] reads what
//! the plan needs (member manifests, what the target holds), the engine's push plan
//! (`manifold_engine::registry::plan`) decides every mount, copy, skip and put and their
//! waves, and [`run`] carries the steps out through a [`target::Target`] (a registry repository or a
//! layout folder, behind one interface) reading from [`sources`].

pub mod append;
mod consent;
mod gather;
mod layout;
mod referrers;
mod registry;
mod run;
mod sources;
mod target;

pub use run::{Item, Moved, Report};

use manifold_engine::model::AnyDocument;
use manifold_engine::ops::{self, ListFormat};
use manifold_engine::registry::{plan, plan_text, IndexTarget};
use manifold_engine::validate::{validate, DocumentKind, Severity};
use manifold_engine::Digest;

use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::{Location, Remote};
use crate::store::LocalList;

pub use referrers::carry_referrers;

/// Everything a publish needs besides the destination.
pub struct Publish<'a> {
    pub personality: Personality,
    pub list: &'a LocalList,
    /// Member manifests and configs kept locally (the store, or what `--publish` just fetched).
    pub local_blob: &'a (dyn Fn(&Digest) -> Option<Vec<u8>> + Sync),
    pub remote: Option<&'a dyn Remote>,
    pub format: Option<ListFormat>,
    pub tags: &'a [String],
    pub yes: bool,
    pub jobs: usize,
    /// The outcome is wanted as a value only (`--json`): docker's `Pushed ref` lines are not
    /// printed but kept in the [`Report`].
    pub json: bool,
    /// The progress line of the copies and mounts (off unless someone watches stderr).
    pub progress: &'a crate::progress::Progress,
}

/// The list's bytes as this personality pushes them, after an explicit conversion (whose
/// losses are reported on stderr).
pub fn list_bytes(p: &Publish) -> CliResult<Vec<u8>> {
    let mut list = p.list.clone();
    if let Some(f) = p.format {
        // An explicit --format v2s2 never drops what a Docker list cannot hold: it refuses.
        if let (ListFormat::Docker, Some((path, field))) = (f, ops::docker_cannot_hold(&list.index))
        {
            return Err(ops::OpsError::DockerCannotHold { path, field }.into());
        }
        let (converted, losses) = ops::convert(&list.index, f);
        for l in losses {
            eprintln!(
                "warning: converting to {}: {}: {}",
                f.media_type(),
                l.path,
                l.message
            );
        }
        list.index = converted;
    }
    // Each personality's push form: docker's encoder and order, podman's Schema2List or OCI
    // index, pack's OCI index (all the engine's serialisation, `manifold_engine::serialize`).
    p.personality.words().push_bytes(&list)
}

/// Checks made before any request: docker's os/arch rule, and the engine's validation.
fn preflight(p: &Publish, bytes: &[u8]) -> CliResult {
    if let Some(i) = plan::unpushable_entry(&p.list.index) {
        let shown = p.list.sources[i]
            .clone()
            .unwrap_or_else(|| p.list.index.manifests[i].digest.to_string());
        return Err(CliError::failed(format!(
            "manifest {shown} must have an OS and Architecture to be pushed to a registry"
        )));
    }
    let report = validate(bytes, DocumentKind::Auto);
    if let Some(problem) = report
        .problems
        .iter()
        .find(|pr| pr.severity == Severity::Error)
    {
        return Err(CliError::failed(format!(
            "the list is not valid: {}: {}; fix it with `annotate` before pushing",
            problem.path, problem.message
        )));
    }
    Ok(())
}

/// Publishes to `dest` and returns what was done.
pub fn publish(p: &Publish, dest: &Location) -> CliResult<Report> {
    let bytes = list_bytes(p)?;
    preflight(p, &bytes)?;
    let (push_target, _) = target::plan_target(dest);
    // Consent comes before any request, from what is known locally.
    consent::confirm_copies(p, &push_target)?;
    // A layout is made once, before members are copied in parallel into it, and locked for the
    // whole publish: concurrent pushes into one layout take turns, and temp files of killed
    // ones go.
    let target = target::open(dest, p.remote)?;
    let (facts, steps) = plan_for(p, dest, target.as_ref(), &bytes)?;
    run::run(p, target.as_ref(), &facts, steps, &bytes)
}

/// What publishing to `dest` would write, found exactly as [`publish`] finds it (the same
/// bytes, checks, reads and questions to the target) but stopped before the first write: no
/// consent is needed, and a layout that does not exist is not created.
pub fn dry_run(p: &Publish, dest: &Location) -> CliResult<plan_text::DryRun> {
    let bytes = list_bytes(p)?;
    preflight(p, &bytes)?;
    let (push_target, _) = target::plan_target(dest);
    let target = target::open_read_only(dest, p.remote)?;
    let (_, steps) = plan_for(p, dest, target.as_ref(), &bytes)?;
    Ok(plan_text::dry_run(&push_target, &steps, &bytes))
}

/// Gathers the facts and asks the engine for the plan.
fn plan_for<'a>(
    p: &Publish<'a>,
    dest: &Location,
    target: &dyn target::Target,
    bytes: &[u8],
) -> CliResult<(gather::Facts<'a>, Vec<plan::PushStep>)> {
    let doc = AnyDocument::parse(bytes.to_vec(), None)
        .map_err(|e| CliError::failed(format!("the list: {e}")))?;
    let (push_target, tag) = target::plan_target(dest);
    let facts = gather::gather(p, &push_target, target)?;
    let index = IndexTarget {
        tag,
        extra_tags: p.tags.to_vec(),
        digest: Digest::sha256(bytes),
        media_type: doc.media_type().to_string(),
    };
    let steps = plan::plan_push(&push_target, &facts.entries, &facts.holds, &index)
        .map_err(|e| CliError::failed(e.to_string()))?;
    Ok((facts, steps))
}
