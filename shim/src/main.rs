//! manifold: a thin command over `manifold-engine`. Everything that touches the outside world
//! (files, the local store, registries, the terminal) lives in this crate; every decision about
//! references, documents, platforms and registry replies is the engine's.

mod cli;
mod commands;
mod error;
mod input;
mod registry;
mod store;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliResult;

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{}", e.message);
            }
            e.code
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Validate { kind, json, file } => commands::validate::run(&file, &kind, json),
        Command::Digest { algorithm, file } => commands::digest::run(&file, &algorithm),
        Command::Manifest(cmd) | Command::Direct(cmd) => commands::manifest::dispatch(cmd),
    }
}
