//! `push LIST [DESTINATION]`: the local list published to a registry or an OCI layout, its
//! digest printed (and written to `--digestfile`), the local list removed after success with
//! `--purge`/`--rm`.

use super::context::Context;
use super::flags;
use super::publishing;
use crate::cli::PushArgs;
use crate::error::CliResult;
use crate::progress::Progress;
use crate::publish::{publish, Publish};
use crate::source::Remote;

pub fn run(ctx: &Context, args: &PushArgs, remote: Option<&dyn Remote>) -> CliResult {
    let words = ctx.words;
    let name = ctx
        .parse_list_name(&args.list)
        .map_err(|e| words.bad_list_name_to_push(&args.list, &e))?;
    let list = ctx
        .store
        .load(&name)?
        .ok_or_else(|| words.no_list_to_push(&args.list, &name))?;
    if list.index.manifests.is_empty() {
        if let Some(refused) = words.empty_push(&name) {
            return Err(refused);
        }
    }
    let dest = publishing::destination(words, args.destination.as_deref().unwrap_or(&list.name))?;
    let format = flags::list_format(args.format.as_deref())?;
    flags::tags(&args.tags)?;
    let store = &ctx.store;
    let local = |d: &manifold_engine::Digest| store.read_blob(&name, d).ok();
    let progress = Progress::new(args.quiet, args.json, args.registry_args.debug);
    let p = Publish {
        personality: ctx.personality,
        list: &list,
        local_blob: &local,
        remote,
        format,
        tags: &args.tags,
        yes: args.yes,
        jobs: flags::jobs(args.registry_args.jobs),
        json: args.json,
        progress: &progress,
    };
    if args.dry_run {
        return publishing::print_dry_run(&crate::publish::dry_run(&p, &dest)?, args.json);
    }
    let done = publish(&p, &dest)?;
    if args.referrers {
        crate::publish::carry_referrers(&p, &dest, &done.digest)?;
    }
    if args.json {
        publishing::report_json(&dest, &done, args.digestfile.as_deref())?;
    } else {
        publishing::report(
            words,
            &args.list,
            &done.digest,
            args.digestfile.as_deref(),
            false,
        )?;
    }
    if args.purge || args.rm {
        let lock = ctx.store.lock(&name)?;
        ctx.store.remove(&lock, &name)?;
    }
    Ok(())
}
