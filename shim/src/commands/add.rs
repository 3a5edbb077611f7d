//! `add LIST IMAGE...`: append images to a local list. Fetching happens before the list's lock
//! is taken, and the list is re-read under the lock, so concurrent adds never lose an entry.

use manifold_engine::ops::{self, EntryEdit};

use super::context::Context;
use super::create::add_entry;
use super::entries;
use crate::cli::{AddArgs, PlatformArgs};
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::Remote;

/// The platform flags as an engine edit (empty values change nothing, as in docker).
pub fn platform_edit(p: &PlatformArgs, annotations: &[String]) -> CliResult<EntryEdit> {
    let annotations = annotations
        .iter()
        .map(|a| ops::parse_annotation(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::usage(e.to_string()))?;
    Ok(EntryEdit {
        os: p.os.clone(),
        architecture: p.arch.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
        os_features: p.os_features.clone(),
        features: p.features.clone(),
        annotations,
        clear: Vec::new(),
    })
}

pub fn run(ctx: &Context, args: &AddArgs, remote: Option<&dyn Remote>) -> CliResult {
    let name = ctx.list_name(&args.list)?;
    let edit = platform_edit(&args.platform_args, &args.annotations)?;
    let selection = entries::selection(args.all, args.nested, args.platform.as_deref())?;
    let locations = entries::locations(ctx.personality, &args.images)?;
    if !ctx.store.exists(&name) {
        return Err(ctx.no_such_list(&args.list, &name));
    }
    let fetched = entries::fetch_all(
        &locations,
        remote,
        &selection,
        entries::jobs(args.registry_args.jobs),
    )?;

    let lock = ctx.store.lock(&name).map_err(|e| CliError::failed(e.0))?;
    let mut list = ctx
        .store
        .load(&name)
        .map_err(|e| CliError::failed(e.0))?
        .ok_or_else(|| ctx.no_such_list(&args.list, &name))?;
    let mut blobs = Vec::new();
    let mut added = Vec::new();
    for entry in fetched.into_iter().flatten() {
        let mut d = entry.descriptor;
        ops::annotate_entry(&mut d, &edit);
        added.push(entry.source.clone());
        add_entry(ctx.personality, &mut list, d, entry.source);
        blobs.extend(entry.blobs);
    }
    ctx.store
        .save(&lock, &list, &blobs)
        .map_err(|e| CliError::failed(e.0))?;
    match ctx.personality {
        Personality::Docker | Personality::Podman => println!("{}", Context::list_id(&list)),
        Personality::Pack => {
            for raw in &args.images {
                println!("Successfully added image '{raw}' to index");
            }
        }
    }
    Ok(())
}
