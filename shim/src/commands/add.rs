//! `add LIST IMAGE...`: append images to a local list. Fetching happens before the list's lock
//! is taken, and the list is re-read under the lock, so concurrent adds never lose an entry.

use manifold_engine::ops::EntryEdit;

use super::context::Context;
use super::entries::{self, Sources};
use super::flags;
use super::publishing::{self, PublishFlags};
use crate::cli::AddArgs;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::source::Remote;

pub fn run(ctx: &Context, args: &AddArgs, remote: Option<&dyn Remote>) -> CliResult {
    let edit = flags::platform_edit(&args.platform_args, &args.annotations)?;
    let artifact_flag = artifact_flag_without_artifact(&args.artifact);
    if let Some(flag) = artifact_flag.filter(|_| !args.artifact.artifact) {
        return Err(CliError::usage(format!(
            "{flag} describes an artifact; add --artifact to make the files given into one"
        )));
    }
    if args.artifact.artifact {
        if args.publish {
            return Err(CliError::usage(
                "--artifact adds to a local list (--publish with --artifact is not there yet); add it, then push the list",
            ));
        }
        return add_artifact(ctx, args, &edit, remote);
    }
    if args.publish {
        return publish_more(ctx, args, &edit, remote);
    }
    let name = ctx.list_name(&args.list)?;
    let sources = Sources::parse(ctx.words, &args.images, &args.select)?;
    let missing = || ctx.words.no_such_list(&args.list, &name);
    if !ctx.store.exists(&name) {
        return Err(missing());
    }
    let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
    let fetched = sources.fetch(remote, args.registry_args.jobs, &progress)?;
    if args.dry_run {
        // No lock: taking one writes its file, and a dry run writes nothing.
        let mut list = ctx.store.load(&name)?.ok_or_else(missing)?;
        let blobs = entries::add_all(&mut list, fetched, ctx.personality.entry_key(), Some(&edit));
        return publishing::print_local_dry_run(ctx, &list, blobs.len());
    }

    let (lock, mut list) = ctx.open_list(&name, missing)?;
    let before = list.index.clone();
    let blobs = entries::add_all(
        &mut list,
        fetched,
        flags::entry_key(ctx.personality, args.replace),
        Some(&edit),
    );
    flags::settle_format(ctx.personality, false, &before, &mut list.index, &args.list)?;
    ctx.store.save(&lock, &list, &blobs)?;
    if args.json {
        return output::json::print(&output::json::list(ctx.words, &list));
    }
    output::say(ctx.words.images_added(&args.images, &list));
    Ok(())
}

/// `add --publish LIST IMAGE...`: the list is read from where it is published, extended and
/// published again; nothing is kept locally.
fn publish_more(
    ctx: &Context,
    args: &AddArgs,
    edit: &EntryEdit,
    remote: Option<&dyn Remote>,
) -> CliResult {
    use crate::source::Location;
    use manifold_engine::model::{AnyDocument, Document, ImageIndex};
    let dest = Location::parse(&args.list).map_err(|e| CliError::bad_document(&args.list, e))?;
    // A registry tag is edited by the registry-first rounds `append` uses, so concurrent
    // publishers all land; a layout folder is locked for the whole publish instead.
    if let Location::Registry(_) = &dest {
        let target = crate::publish::append::target(&args.list)?;
        let remote = remote.ok_or_else(CliError::no_registry_client)?;
        let sources = Sources::parse(ctx.words, &args.images, &args.select)?;
        let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
        let fetched = sources.fetch(Some(remote), args.registry_args.jobs, &progress)?;
        let a = crate::publish::append::Append {
            target: &target,
            fetched,
            edit,
            format: None,
            policy: manifold_engine::registry::append::RoundPolicy::default(),
            yes: args.yes,
            jobs: flags::jobs(args.registry_args.jobs),
            dry_run: args.dry_run,
        };
        return match crate::publish::append::append(a, remote)? {
            crate::publish::append::Done::Ran(o) => {
                crate::publish::append::report(&target, &o, false)
            }
            crate::publish::append::Done::Planned(plan) => {
                publishing::print_dry_run(&plan, args.json)
            }
        };
    }
    let (bytes, content_type) = match &dest {
        Location::Registry(r) => remote
            .ok_or_else(CliError::no_registry_client)?
            .get_manifest(r)?,
        Location::Layout(path, tag) => {
            let l = crate::layout::Layout::open(path)?;
            (l.read_blob(&l.resolve(tag.as_deref())?.digest)?, None)
        }
    };
    let index: ImageIndex = match AnyDocument::parse(bytes, content_type.as_deref())
        .map_err(|e| CliError::bad_document(&args.list, e))?
    {
        AnyDocument::Index(Document { value, .. }) => value,
        AnyDocument::Manifest(_) => {
            return Err(CliError::failed(format!(
                "{} is an image, not a list; create a list with `create --publish`",
                args.list
            )))
        }
    };
    // Existing entries are already where the list is: their source is the destination itself.
    let here = |d: &manifold_engine::Digest| match &dest {
        Location::Registry(r) => r.with_digest(d.clone()).to_string(),
        Location::Layout(p, _) => format!("oci:{}@{d}", p.display()),
    };
    let mut list = crate::store::LocalList::new(&dest.display(), index.clone());
    list.sources = index
        .manifests
        .iter()
        .map(|d| Some(here(&d.digest)))
        .collect();
    let sources = Sources::parse(ctx.words, &args.images, &args.select)?;
    let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
    let fetched = sources.fetch(remote, args.registry_args.jobs, &progress)?;
    let before = list.index.clone();
    let blobs = entries::add_all(
        &mut list,
        fetched,
        flags::entry_key(ctx.personality, args.replace),
        Some(edit),
    );
    flags::settle_format(ctx.personality, false, &before, &mut list.index, &args.list)?;
    let opts = PublishFlags {
        list_raw: &args.list,
        yes: args.yes,
        jobs: args.registry_args.jobs,
        dry_run: args.dry_run,
        json: args.json,
        progress: &progress,
        referrers: args.referrers,
    };
    publishing::publish_list(
        ctx,
        &list,
        &dest,
        &blobs.into_iter().collect(),
        remote,
        &opts,
    )
}

/// The first artifact flag given, if any (they mean nothing without `--artifact`).
fn artifact_flag_without_artifact(a: &crate::cli::ArtifactArgs) -> Option<&'static str> {
    [
        (a.artifact_type.is_some(), "--artifact-type"),
        (a.artifact_config.is_some(), "--artifact-config"),
        (a.artifact_config_type.is_some(), "--artifact-config-type"),
        (a.artifact_layer_type.is_some(), "--artifact-layer-type"),
        (a.artifact_subject.is_some(), "--artifact-subject"),
        (!a.artifact_annotations.is_empty(), "--artifact-annotation"),
        (a.artifact_exclude_titles, "--artifact-exclude-titles"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// Reads a file the user named for an artifact, with its name in the error.
fn read_file(flag: &str, path: &std::path::Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        CliError::failed(format!(
            "{flag} {}: cannot read it: {e}; give a readable file",
            path.display()
        ))
    })
}

/// `add --artifact LIST FILE...`: the files become one artifact manifest (the engine's
/// `artifact::build`), kept with its config and files in the local store, added as an entry
/// without a platform. Everything is read and checked before the list is touched.
fn add_artifact(
    ctx: &Context,
    args: &AddArgs,
    edit: &EntryEdit,
    remote: Option<&dyn Remote>,
) -> CliResult {
    use manifold_engine::artifact::{self, ArtifactFile, ArtifactSpec};
    use manifold_engine::Digest;
    let name = ctx.list_name(&args.list)?;
    let missing = || ctx.words.no_such_list(&args.list, &name);
    if !ctx.store.exists(&name) {
        return Err(missing());
    }
    let a = &args.artifact;
    let mut blobs: Vec<(Digest, Vec<u8>)> = Vec::new();
    let mut files = Vec::new();
    for raw in &args.images {
        let path = std::path::Path::new(raw);
        let bytes = read_file("--artifact", path)?;
        let digest = Digest::sha256(&bytes);
        files.push(ArtifactFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            digest: digest.clone(),
            size: bytes.len() as u64,
            head: bytes[..bytes.len().min(512)].to_vec(),
        });
        blobs.push((digest, bytes));
    }
    let spec = ArtifactSpec {
        artifact_type: a.artifact_type.clone(),
        config: a
            .artifact_config
            .as_deref()
            .map(|p| read_file("--artifact-config", p))
            .transpose()?,
        config_type: a.artifact_config_type.clone(),
        layer_type: a.artifact_layer_type.clone(),
        subject: a
            .artifact_subject
            .as_deref()
            .map(|s| entries::subject_descriptor("--artifact-subject", s, remote))
            .transpose()?,
        annotations: flags::annotations(&a.artifact_annotations)?
            .into_iter()
            .collect(),
        exclude_titles: a.artifact_exclude_titles,
    };
    let made = artifact::build(&files, &spec).map_err(|e| CliError::usage(e.to_string()))?;
    blobs.push((made.descriptor.digest.clone(), made.manifest.clone()));
    blobs.push((Digest::sha256(&made.config), made.config.clone()));
    let mut descriptor = made.descriptor;
    manifold_engine::ops::annotate_entry(&mut descriptor, edit);

    let (lock, mut list) = ctx.open_list(&name, missing)?;
    let before = list.index.clone();
    // The same files again are the same artifact: its entry is replaced, not repeated.
    match list
        .index
        .manifests
        .iter()
        .position(|d| d.digest == descriptor.digest)
    {
        Some(i) => list.index.manifests[i] = descriptor,
        None => list.push_entry(descriptor, None),
    }
    flags::settle_format(ctx.personality, false, &before, &mut list.index, &args.list)?;
    ctx.store.save(&lock, &list, &blobs)?;
    if args.json {
        return output::json::print(&output::json::list(ctx.words, &list));
    }
    output::say(ctx.words.images_added(&args.images, &list));
    Ok(())
}
