//! `create LIST [IMAGE...]`: a new local list, all or nothing (docker leaves a partial list
//! behind when an image fails; manifold writes nothing until every image is fetched).

use manifold_engine::ops::{self, ListFormat};

use super::context::Context;
use super::entries;
use crate::cli::CreateArgs;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::Remote;
use crate::store::LocalList;

pub fn run(ctx: &Context, args: &CreateArgs, remote: Option<&dyn Remote>) -> CliResult {
    if args.publish {
        return publish_new(ctx, args, remote);
    }
    if args.registry_args.insecure && ctx.personality == Personality::Pack {
        return Err(CliError::failed(
            "ERROR: insecure flag requires the publish flag",
        ));
    }
    let name = ctx.list_name(&args.list)?;
    let format = match args.format.as_deref() {
        Some(f) => Some(ListFormat::parse(f).ok_or_else(|| {
            CliError::usage(format!(
                "--format {f}: unknown list format; use oci or docker (v2s2)"
            ))
        })?),
        None if ctx.personality == Personality::Pack => Some(ListFormat::Oci),
        None => None,
    };
    let annotations = super::entries::annotations(&args.annotations)?;
    let sources = entries::Sources::parse(ctx.personality, &args.images, &args.select)?;
    let exists_error = || {
        match ctx.personality {
        Personality::Docker => CliError::failed("refusing to amend an existing manifest list with no --amend flag"),
        Personality::Podman => CliError::with_code(format!("Error: image name {name:?} is already associated with an existing manifest list; use --amend to add to it"), 125),
        Personality::Pack => CliError::failed(format!(
            "ERROR: manifest list '{}' already exists in local storage; use 'pack manifest remove' to remove it before creating a new manifest list with the same name",
            args.list
        )),
    }
    };
    // Fail before any request when the list exists and may not be amended.
    if !args.amend && ctx.store.exists(&name) {
        return Err(exists_error());
    }
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;

    let lock = ctx.store.lock(&name)?;
    let existing = ctx.store.load(&name)?;
    let mut list = match existing {
        Some(_) if !args.amend => return Err(exists_error()),
        Some(l) => l,
        None => {
            let mut index = ops::create(format.unwrap_or(ListFormat::Oci));
            index.media_type = format.map(|f| f.media_type().to_string());
            LocalList::new(&name, index)
        }
    };
    if let Some(f) = format {
        list.index.media_type = Some(f.media_type().to_string());
    }
    if !annotations.is_empty() {
        ops::annotate_index(
            &mut list.index,
            &ops::IndexEdit {
                annotations,
                ..Default::default()
            },
        );
    }
    let mut blobs = Vec::new();
    for entry in fetched.into_iter().flatten() {
        add_entry(ctx.personality, &mut list, entry.descriptor, entry.source);
        blobs.extend(entry.blobs);
    }
    ctx.store.save(&lock, &list, &blobs)?;
    match ctx.personality {
        Personality::Docker => println!("Created manifest list {name}"),
        Personality::Podman => println!("{}", Context::list_id(&list)),
        Personality::Pack => println!("Successfully created manifest list '{}'", args.list),
    }
    Ok(())
}

/// `create --publish LIST IMAGE...`: the list built in memory and pushed in one step; nothing is
/// kept locally. LIST is where it goes: a registry reference or `oci:PATH[:TAG]`.
fn publish_new(ctx: &Context, args: &CreateArgs, remote: Option<&dyn Remote>) -> CliResult {
    let dest = crate::commands::push::destination(
        ctx.personality,
        Some(&args.list),
        &LocalList::new(&args.list, ops::create(ListFormat::Oci)),
    )?;
    let format = crate::commands::push::format_flag(args.format.as_deref())?.or(
        if ctx.personality == Personality::Pack {
            Some(ListFormat::Oci)
        } else {
            None
        },
    );
    let annotations = super::entries::annotations(&args.annotations)?;
    let sources = entries::Sources::parse(ctx.personality, &args.images, &args.select)?;
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;
    let mut index = ops::create(format.unwrap_or(ListFormat::Oci));
    index.media_type = format.map(|f| f.media_type().to_string());
    let mut list = LocalList::new(&dest_name(&dest), index);
    if !annotations.is_empty() {
        ops::annotate_index(
            &mut list.index,
            &ops::IndexEdit {
                annotations,
                ..Default::default()
            },
        );
    }
    let mut blobs = std::collections::HashMap::new();
    for entry in fetched.into_iter().flatten() {
        add_entry(ctx.personality, &mut list, entry.descriptor, entry.source);
        blobs.extend(entry.blobs);
    }
    publish_list(
        ctx,
        &list,
        &dest,
        &blobs,
        remote,
        &args.list,
        args.yes,
        args.registry_args.jobs,
    )
}

/// The name a destination gives a list (for messages and docker's entry order).
pub fn dest_name(dest: &crate::source::Location) -> String {
    dest.display()
}

/// Publishes an in-memory list with its fetched blobs (the `--publish` flows).
#[allow(clippy::too_many_arguments)]
pub fn publish_list(
    ctx: &Context,
    list: &LocalList,
    dest: &crate::source::Location,
    blobs: &std::collections::HashMap<manifold_engine::Digest, Vec<u8>>,
    remote: Option<&dyn Remote>,
    list_raw: &str,
    yes: bool,
    jobs: Option<usize>,
) -> CliResult {
    let local = |d: &manifold_engine::Digest| blobs.get(d).cloned();
    let p = crate::publish::Publish {
        personality: ctx.personality,
        list,
        local_blob: &local,
        remote,
        format: None,
        tags: &[],
        yes,
        jobs: entries::jobs(jobs),
    };
    let digest = crate::publish::publish(&p, dest)?;
    crate::commands::push::report(ctx.personality, list_raw, &digest, None)
}

/// Adds one entry the way the personality keys entries: docker by the reference it was added
/// as (the same reference again replaces it; two references to one digest stay two entries),
/// podman and pack by digest.
pub fn add_entry(
    personality: Personality,
    list: &mut LocalList,
    descriptor: manifold_engine::Descriptor,
    source: String,
) {
    let existing = match personality {
        Personality::Docker => list
            .sources
            .iter()
            .position(|s| s.as_deref() == Some(source.as_str())),
        _ => list
            .index
            .manifests
            .iter()
            .position(|d| d.digest == descriptor.digest),
    };
    match existing {
        Some(i) => {
            list.index.manifests[i] = descriptor;
            list.sources[i] = Some(source);
        }
        None => list.push_entry(descriptor, Some(source)),
    }
}
