//! `manifold completion SHELL` and `manifold man [DIR]`: shell completion and man pages made
//! by clap_complete and clap_mangen from the very definitions the parser uses (`cli.rs`), so a
//! new flag is completed and documented the moment it parses.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{CliError, CliResult};

/// The name the scripts and pages are for: the installed command.
const BIN: &str = "manifold";

/// The completion script for `shell` on stdout.
pub fn completion(shell: clap_complete::Shell) -> CliResult {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    crate::output::print_bytes(&script)
}

/// `manifold(1)` on stdout, or with `dir` every page (manifold.1, manifold-create.1, ...)
/// written there.
pub fn man(dir: Option<&Path>) -> CliResult {
    let cmd = Cli::command().name(BIN);
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(crate::pipe::write_failed)?;
            crate::output::print_bytes(&page)
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|_| clap_mangen::generate_to(cmd, dir))
                .map_err(|e| CliError::failed(format!("{}: {e}", dir.display())))?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "man pages written to {}", dir.display())
                .map_err(crate::pipe::write_failed)
        }
    }
}
