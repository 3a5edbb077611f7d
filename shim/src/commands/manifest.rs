//! Dispatch of the list commands. Each command lives in its own file.

use super::context::Context;
use super::{add, annotate, create, inspect, ls, rm};
use crate::cli::ManifestCommand;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::Remote;

pub fn dispatch(personality: Personality, cmd: ManifestCommand) -> CliResult {
    let ctx = Context::new(personality)?;
    let remote = remote();
    let remote = remote.as_deref();
    match cmd {
        ManifestCommand::Create(args) => create::run(&ctx, &args, remote),
        ManifestCommand::Add(args) => add::run(&ctx, &args, remote),
        ManifestCommand::Annotate(args) => annotate::run(&ctx, &args, remote),
        ManifestCommand::Inspect(args) => inspect::run(&ctx, &args, remote),
        ManifestCommand::Push(_) => Err(CliError::failed("push is not available yet")),
        ManifestCommand::Rm(args) if personality.rm_deletes_lists() => {
            rm::delete_lists(&ctx, &args.args)
        }
        ManifestCommand::Rm(args) => rm::drop_entries(&ctx, &args.args),
        ManifestCommand::Remove(args) if personality.rm_deletes_lists() => {
            rm::drop_entries(&ctx, &args.args)
        }
        ManifestCommand::Remove(args) => rm::delete_lists(&ctx, &args.args),
        ManifestCommand::Exists { list } => ls::exists(&ctx, &list),
        ManifestCommand::Ls => ls::ls(&ctx),
    }
}

/// The registry client (being wired in).
fn remote() -> Option<Box<dyn Remote>> {
    None
}
