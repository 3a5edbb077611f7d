//! `create LIST [IMAGE...]`: a new local list, all or nothing (docker leaves a partial list
//! behind when an image fails; manifold writes nothing until every image is fetched). With
//! `--publish` the same list is built in memory and published instead of stored.

use manifold_engine::ops::{self, ListFormat};
use manifold_engine::Digest;

use super::context::Context;
use super::entries::{self, Sources};
use super::flags;
use super::publishing::{self, PublishFlags};
use crate::cli::CreateArgs;
use crate::error::CliResult;
use crate::output;
use crate::source::{NewEntry, Remote};
use crate::store::LocalList;

/// A list built in memory, and the blobs to keep with it.
type Built = (LocalList, Vec<(Digest, Vec<u8>)>);

/// What the list is made of, every flag checked before any request.
struct Recipe {
    format: Option<ListFormat>,
    /// `--format v2s2` was given: what a Docker list cannot hold is refused, never converted.
    chose_docker: bool,
    annotations: Vec<(String, String)>,
    sources: Sources,
}

impl Recipe {
    fn parse(ctx: &Context, args: &CreateArgs) -> CliResult<Recipe> {
        let chosen = flags::list_format(args.format.as_deref())?;
        let format = chosen.or(ctx.personality.default_list_format());
        Ok(Recipe {
            format,
            chose_docker: chosen == Some(ListFormat::Docker),
            annotations: flags::annotations(&args.annotations)?,
            sources: Sources::parse(ctx.words, &args.images, &args.select)?,
        })
    }

    /// A new, empty list named `name` in the chosen format (none chosen: decided when written).
    fn new_list(&self, name: &str) -> LocalList {
        let mut index = ops::create(self.format.unwrap_or(ListFormat::Oci));
        index.media_type = self.format.map(|f| f.media_type().to_string());
        LocalList::new(name, index)
    }

    /// `list` given the chosen format and index annotations, with the fetched entries added;
    /// also the blobs to keep with it.
    fn build(
        &self,
        ctx: &Context,
        mut list: LocalList,
        fetched: Vec<Vec<NewEntry>>,
    ) -> CliResult<Built> {
        let before = list.index.clone();
        if let Some(f) = self.format {
            list.index.media_type = Some(f.media_type().to_string());
        }
        if !self.annotations.is_empty() {
            ops::annotate_index(
                &mut list.index,
                &ops::IndexEdit {
                    annotations: self.annotations.clone(),
                    ..Default::default()
                },
            );
        }
        let blobs = entries::add_all(
            &mut list,
            fetched,
            flags::entry_key(ctx.personality, false),
            None,
        );
        flags::settle_format(
            ctx.personality,
            self.chose_docker,
            &before,
            &mut list.index,
            &list.name,
        )?;
        Ok((list, blobs))
    }
}

pub fn run(ctx: &Context, args: &CreateArgs, remote: Option<&dyn Remote>) -> CliResult {
    if args.publish {
        return publish_new(ctx, args, remote);
    }
    if args.registry_args.insecure {
        if let Some(e) = ctx.words.insecure_without_publish() {
            return Err(e);
        }
    }
    let name = ctx.list_name(&args.list)?;
    let recipe = Recipe::parse(ctx, args)?;
    let exists = |list: Option<&LocalList>| ctx.words.list_exists(&args.list, &name, list);
    // Fail before any request when the list exists and may not be amended.
    if !args.amend && ctx.store.exists(&name) {
        return Err(exists(ctx.store.load(&name).ok().flatten().as_ref()));
    }
    let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
    let fetched = recipe
        .sources
        .fetch(remote, args.registry_args.jobs, &progress)?;
    if args.dry_run {
        // No lock: taking one writes its file, and a dry run writes nothing.
        let base = ctx
            .store
            .load(&name)?
            .unwrap_or_else(|| recipe.new_list(&name));
        let (list, blobs) = recipe.build(ctx, base, fetched)?;
        return publishing::print_local_dry_run(ctx, &list, blobs.len());
    }

    let lock = ctx.store.lock(&name)?;
    let base = match ctx.store.load(&name)? {
        Some(l) if !args.amend => return Err(exists(Some(&l))),
        Some(l) => l,
        None => recipe.new_list(&name),
    };
    let (list, blobs) = recipe.build(ctx, base, fetched)?;
    ctx.store.save(&lock, &list, &blobs)?;
    if args.json {
        return output::json::print(&output::json::list(ctx.words, &list));
    }
    output::say(ctx.words.list_created(&args.list, &name, &list));
    Ok(())
}

/// `create --publish LIST IMAGE...`: the list built in memory and pushed in one step; nothing is
/// kept locally. LIST is where it goes: a registry reference or `oci:PATH[:TAG]`.
fn publish_new(ctx: &Context, args: &CreateArgs, remote: Option<&dyn Remote>) -> CliResult {
    let dest = publishing::destination(ctx.words, &args.list)?;
    let recipe = Recipe::parse(ctx, args)?;
    let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
    let fetched = recipe
        .sources
        .fetch(remote, args.registry_args.jobs, &progress)?;
    let (list, blobs) = recipe.build(ctx, recipe.new_list(&dest.display()), fetched)?;
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
