//! Dispatch of the list commands. Each command lives in its own file.

use crate::cli::ManifestCommand;
use crate::error::{CliError, CliResult};

pub fn dispatch(cmd: ManifestCommand) -> CliResult {
    match cmd {
        ManifestCommand::Inspect(args) => {
            // Local lists come first (as docker does); the local store is not there yet.
            let reference = args
                .refs
                .last()
                .expect("clap requires one reference")
                .clone();
            super::inspect_remote::run(&args, &reference)
        }
        other => Err(CliError::failed(format!(
            "{} is not available yet",
            name(&other)
        ))),
    }
}

fn name(cmd: &ManifestCommand) -> &'static str {
    match cmd {
        ManifestCommand::Create(_) => "create",
        ManifestCommand::Add(_) => "add",
        ManifestCommand::Annotate(_) => "annotate",
        ManifestCommand::Inspect(_) => "inspect",
        ManifestCommand::Push(_) => "push",
        ManifestCommand::Rm(_) => "rm",
        ManifestCommand::Remove(_) => "remove",
        ManifestCommand::Exists { .. } => "exists",
        ManifestCommand::Ls => "ls",
    }
}
