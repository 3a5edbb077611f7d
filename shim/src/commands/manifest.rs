//! Dispatch of the list commands. Each command lives in its own file.

use super::context::Context;
use super::{add, annotate, check, compare, create, inspect, ls, push, rm};
use crate::cli::{ManifestCommand, RegistryArgs};
use crate::error::CliResult;
use crate::personality::Personality;
use crate::registry::RemoteClient;
use crate::source::Remote;

pub fn dispatch(personality: Personality, cmd: ManifestCommand) -> CliResult {
    let ctx = Context::new(personality)?;
    let registry_args = match &cmd {
        ManifestCommand::Create(a) => a.registry_args.clone(),
        ManifestCommand::Add(a) => a.registry_args.clone(),
        ManifestCommand::Inspect(a) => a.registry_args.clone(),
        ManifestCommand::Push(a) => a.registry_args.clone(),
        ManifestCommand::Check(a) => a.registry_args.clone(),
        ManifestCommand::Compare(a) => a.registry_args.clone(),
        _ => RegistryArgs::default(),
    };
    // The client connects lazily: commands that never reach a registry cost nothing here.
    let mut client = RemoteClient::from_args(&registry_args, personality);
    client.docker_words = personality == Personality::Docker;
    let remote: Option<&dyn Remote> = Some(&client);
    let result = match cmd {
        ManifestCommand::Create(args) => create::run(&ctx, &args, remote),
        ManifestCommand::Add(args) => add::run(&ctx, &args, remote),
        ManifestCommand::Annotate(args) => annotate::run(&ctx, &args, remote),
        ManifestCommand::Inspect(args) => inspect::run(&ctx, &args, remote),
        ManifestCommand::Push(args) => push::run(&ctx, &args, remote),
        ManifestCommand::Rm(args) if personality.rm_deletes_lists() => {
            rm::delete_lists(&ctx, &args.args)
        }
        ManifestCommand::Rm(args) => rm::drop_entries(&ctx, &args.args),
        ManifestCommand::Remove(args) if personality.rm_deletes_lists() => {
            rm::drop_entries(&ctx, &args.args)
        }
        ManifestCommand::Remove(args) => rm::delete_lists(&ctx, &args.args),
        ManifestCommand::Exists { list, json } => ls::exists(&ctx, &list, json),
        ManifestCommand::Ls { json } => ls::ls(&ctx, json),
        ManifestCommand::Check(args) => check::run(&ctx, &args, &client.client),
        ManifestCommand::Compare(args) => compare::run(&ctx, &args, &client.client),
    };
    match personality {
        Personality::Podman => result.map_err(crate::output::podman::failure),
        _ => result,
    }
}
