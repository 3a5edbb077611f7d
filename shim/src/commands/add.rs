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
    let annotations = super::entries::annotations(annotations)?;
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
    let edit = platform_edit(&args.platform_args, &args.annotations)?;
    if args.publish {
        return publish_more(ctx, args, &edit, remote);
    }
    let name = ctx.list_name(&args.list)?;
    let sources = entries::Sources::parse(ctx.personality, &args.images, &args.select)?;
    if !ctx.store.exists(&name) {
        return Err(ctx.no_such_list(&args.list, &name));
    }
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;

    let lock = ctx.store.lock(&name)?;
    let mut list = ctx
        .store
        .load(&name)?
        .ok_or_else(|| ctx.no_such_list(&args.list, &name))?;
    let mut blobs = Vec::new();
    for entry in fetched.into_iter().flatten() {
        let mut d = entry.descriptor;
        ops::annotate_entry(&mut d, &edit);
        add_entry(ctx.personality, &mut list, d, entry.source);
        blobs.extend(entry.blobs);
    }
    ctx.store.save(&lock, &list, &blobs)?;
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
    let dest =
        Location::parse(&args.list).map_err(|e| CliError::failed(format!("{}: {e}", args.list)))?;
    let (bytes, content_type) = match &dest {
        Location::Registry(r) => remote
            .ok_or_else(|| CliError::failed("no registry client"))?
            .get_manifest(r)?,
        Location::Layout(path, tag) => {
            let l = crate::layout::Layout::open(path)?;
            (l.read_blob(&l.resolve(tag.as_deref())?.digest)?, None)
        }
    };
    let index: ImageIndex = match AnyDocument::parse(bytes, content_type.as_deref())
        .map_err(|e| CliError::failed(format!("{}: {e}", args.list)))?
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
    let sources = entries::Sources::parse(ctx.personality, &args.images, &args.select)?;
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;
    let mut blobs = std::collections::HashMap::new();
    for entry in fetched.into_iter().flatten() {
        let mut d = entry.descriptor;
        ops::annotate_entry(&mut d, edit);
        add_entry(ctx.personality, &mut list, d, entry.source);
        blobs.extend(entry.blobs);
    }
    super::create::publish_list(
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
