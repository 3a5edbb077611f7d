//! `append TARGET IMAGE...`: append images to the index at a registry tag with no local list,
//! safe when many writers append to one tag at once (`publish::append` runs the engine's
//! rounds; ARCHITECTURE.md, "Many writers").

use super::context::Context;
use super::entries::Sources;
use super::flags;
use super::publishing;
use crate::cli::AppendArgs;
use crate::error::{CliError, CliResult};
use crate::publish::append;
use crate::source::Remote;

pub fn run(ctx: &Context, args: &AppendArgs, remote: Option<&dyn Remote>) -> CliResult {
    let edit = flags::platform_edit(&args.platform_args, &args.annotations)?;
    let format = flags::list_format(args.format.as_deref())?;
    let target = append::target(&args.target)?;
    let policy = append::policy(&args.rounds)?;
    let sources = Sources::parse(ctx.words, &args.images, &args.select)?;
    let remote = remote.ok_or_else(CliError::no_registry_client)?;
    let progress = crate::progress::Progress::new(false, args.json, args.registry_args.debug);
    let fetched = sources.fetch(Some(remote), args.registry_args.jobs, &progress)?;
    let a = append::Append {
        target: &target,
        fetched,
        edit: &edit,
        format,
        policy,
        yes: args.yes,
        jobs: flags::jobs(args.registry_args.jobs),
        dry_run: args.rounds.dry_run,
    };
    match append::append(a, remote)? {
        append::Done::Ran(outcome) => append::report(&target, &outcome, args.json),
        append::Done::Planned(plan) => publishing::print_dry_run(&plan, args.json),
    }
}
