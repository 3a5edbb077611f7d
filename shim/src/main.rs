//! manifold: a thin command over `manifold-engine`. Everything that touches the outside world
//! (files, the local store, registries, the terminal) lives in this crate; every decision about
//! references, documents, platforms and registry replies is the engine's.

mod cli;
mod commands;
mod error;
mod input;
mod layout;
mod output;
mod personality;
mod pipe;
mod pool;
mod progress;
mod publish;
mod registry;
mod source;
mod store;
mod strict;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

fn main() {
    pipe::install();
    let cli = parse_args();
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{}", error::printable(&e.message));
            }
            e.code
        }
    };
    std::process::exit(code);
}

/// Parses the command line; a mistake exits with the personality's usage code (docker: 125 for
/// an unknown flag, 1 for a wrong argument count; podman 125; manifold's own commands 2).
fn parse_args() -> Cli {
    // Lossy: an argument that is not UTF-8 is reported by clap below, never a flag here.
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Ok(p) = personality::Personality::detect(compat_flag(&args).as_deref()) {
        if let Some(e) = strict::check(p, &args) {
            eprintln!("{}", e.message);
            std::process::exit(e.code);
        }
    }
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let list_command = args
                .iter()
                .skip(1)
                .any(|a| a == "manifest" || strict::LIST_COMMANDS.contains(&a.as_str()));
            let code = match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                kind if list_command => {
                    let flag = matches!(
                        kind,
                        ErrorKind::UnknownArgument
                            | ErrorKind::InvalidValue
                            | ErrorKind::ValueValidation
                            | ErrorKind::NoEquals
                    );
                    personality::Personality::detect(compat_flag(&args).as_deref())
                        .map_or(2, |p| p.usage_exit_code(flag))
                }
                _ => 2,
            };
            let _ = e.print();
            std::process::exit(code);
        }
    }
}

/// The value of `--compat` on the raw command line (`--compat X` or `--compat=X`).
fn compat_flag(args: &[String]) -> Option<String> {
    args.iter().enumerate().skip(1).find_map(|(i, a)| {
        if a == "--compat" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--compat=").map(String::from)
        }
    })
}

fn run(cli: Cli) -> CliResult {
    let personality = || {
        personality::Personality::detect(cli.compat.as_deref())
            .map_err(crate::error::CliError::usage)
    };
    match cli.command {
        Command::Validate { kind, json, file } => commands::validate::run(&file, &kind, json),
        Command::Digest { algorithm, file } => commands::digest::run(&file, &algorithm),
        Command::Completion { shell } => commands::generated::completion(shell),
        Command::Man { dir } => commands::generated::man(dir.as_deref()),
        Command::Manifest(cmd) | Command::Direct(cmd) => {
            commands::manifest::dispatch(personality()?, cmd)
        }
    }
}
