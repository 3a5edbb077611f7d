//! `push LIST [DESTINATION]`: the local list published to a registry or an OCI layout, its
//! digest printed (and written to `--digestfile`), the local list removed after success with
//! `--purge`/`--rm`.

use manifold_engine::ops::ListFormat;

use super::context::Context;
use super::entries;
use crate::cli::PushArgs;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::publish::{publish, Publish};
use crate::source::{Location, Remote};
use crate::store::LocalList;

pub fn format_flag(f: Option<&str>) -> CliResult<Option<ListFormat>> {
    match f {
        None => Ok(None),
        Some(f) => ListFormat::parse(f).map(Some).ok_or_else(|| {
            CliError::usage(format!(
                "--format {f}: unknown list format; use oci or v2s2 (docker)"
            ))
        }),
    }
}

/// Where a list goes: DESTINATION, else the list's own name.
pub fn destination(
    personality: Personality,
    raw: Option<&str>,
    list: &LocalList,
) -> CliResult<Location> {
    let raw = raw.unwrap_or(&list.name);
    let raw = raw.strip_prefix("docker://").unwrap_or(raw);
    Location::parse(raw).map_err(|e| match personality {
        Personality::Docker => CliError::failed(e.to_string()),
        _ => CliError::failed(format!("invalid destination {raw:?}: {e}")),
    })
}

/// Prints the outcome of a publish as the personality does, and writes `--digestfile`.
pub fn report(
    personality: Personality,
    list_raw: &str,
    digest: &manifold_engine::Digest,
    digestfile: Option<&std::path::Path>,
) -> CliResult {
    if let Some(path) = digestfile {
        crate::store::write_atomic(path, digest.as_str().as_bytes())
            .map_err(|e| CliError::failed(format!("--digestfile: {}", e.0)))?;
    }
    match personality {
        Personality::Pack => println!("Successfully pushed manifest list '{list_raw}' to registry"),
        _ => println!("{digest}"),
    }
    Ok(())
}

pub fn run(ctx: &Context, args: &PushArgs, remote: Option<&dyn Remote>) -> CliResult {
    let name = match ctx.personality {
        Personality::Docker => manifold_engine::reference::Reference::parse_docker(&args.list)
            .map(|r| r.to_string())
            .map_err(|e| CliError::failed(e.to_string()))?,
        _ => ctx.list_name(&args.list)?,
    };
    let list = ctx
        .store
        .load(&name)?
        .ok_or_else(|| ctx.no_such_list(&args.list, &name))?;
    if list.index.manifests.is_empty() && ctx.personality == Personality::Docker {
        return Err(CliError::failed(format!("{name} not found")));
    }
    let dest = destination(ctx.personality, args.destination.as_deref(), &list)?;
    let format = format_flag(args.format.as_deref())?;
    for t in &args.tags {
        if !manifold_engine::reference::is_valid_tag(t) {
            return Err(CliError::usage(format!("--tag {t}: invalid tag; tags hold letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'")));
        }
    }
    let store = &ctx.store;
    let local = |d: &manifold_engine::Digest| store.read_blob(&name, d).ok();
    let p = Publish {
        personality: ctx.personality,
        list: &list,
        local_blob: &local,
        remote,
        format,
        tags: &args.tags,
        yes: args.yes,
        jobs: entries::jobs(args.registry_args.jobs),
    };
    let digest = publish(&p, &dest)?;
    report(
        ctx.personality,
        &args.list,
        &digest,
        args.digestfile.as_deref(),
    )?;
    if args.purge || args.rm {
        let lock = ctx.store.lock(&name)?;
        ctx.store.remove(&lock, &name)?;
    }
    Ok(())
}
