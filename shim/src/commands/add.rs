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
    if args.publish && args.json {
        return Err(crate::error::CliError::usage(
            "--json describes a local list; a publish prints its digest (--json with --publish is not there yet)",
        ));
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
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;

    let (lock, mut list) = ctx.open_list(&name, missing)?;
    let blobs = entries::add_all(&mut list, fetched, ctx.personality.entry_key(), Some(&edit));
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
    let fetched = sources.fetch(remote, args.registry_args.jobs)?;
    let blobs = entries::add_all(&mut list, fetched, ctx.personality.entry_key(), Some(edit));
    let opts = PublishFlags {
        list_raw: &args.list,
        yes: args.yes,
        jobs: args.registry_args.jobs,
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
