//! Carrying out the engine's push plan: steps of one wave run in parallel on the shim's one
//! worker pool (within `--jobs`), each wave after the one before, and docker's "Pushed ref"
//! lines printed in docker's entry order before the list itself is put.

use manifold_engine::registry::PushStep;
use manifold_engine::Digest;

use super::gather::Facts;
use super::target::Target;
use super::Publish;
use crate::error::CliResult;
use crate::output::docker;
use crate::personality::Personality;
use crate::pool::try_run_bounded;

/// Runs `steps` (sorted by wave, the list's put last) and returns the list's digest.
pub fn run(
    p: &Publish,
    target: &dyn Target,
    facts: &Facts,
    steps: Vec<PushStep>,
    list: &[u8],
) -> CliResult<Digest> {
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
    let mut lines = Vec::new();
    for wave in waves {
        let done = try_run_bounded(p.jobs.clamp(1, 64), wave, |s| step(target, facts, s))?;
        lines.extend(done.into_iter().flatten());
    }
    if p.personality == Personality::Docker {
        let order = docker::docker_order(p.list);
        lines.sort_by_key(|(i, _)| order.iter().position(|o| o == i));
        for (_, l) in lines {
            println!("{l}");
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
    target.put_list(list, &media_type, reference.as_deref(), &tags)
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
