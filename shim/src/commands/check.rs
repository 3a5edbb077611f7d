//! `manifold check REF`: a list (or image) judged with everything under it. The walk and every
//! rule are the engine's (`check::Walk`); this command opens REF, fetches what the walk wants
//! (`walking`), prints the findings and exits 0 (clean), 1 (problems) or 2 (could not check).

use std::io::Write;

use manifold_engine::check::Options;

use crate::cli::CheckArgs;
use crate::commands::context::Context;
use crate::commands::walking;
use crate::error::{CliError, CliResult};
use crate::registry::Client;

pub fn run(ctx: &Context, args: &CheckArgs, client: &Client) -> CliResult {
    let options = Options {
        pull_layers: args.pull_layers,
        check_binaries: args.check_binaries,
        documents_only: false,
    };
    let scanner: Option<&walking::NewFeed> = if args.check_binaries {
        Some(&walking::scanner)
    } else {
        None
    };
    let mut started = walking::start(ctx, client, &args.reference, options, scanner)?;
    let o = client.options();
    walking::drive(&mut started.walk, &started.fetcher, o.jobs, o.transfers);
    let report = started.walk.report();
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        let mut t = serde_json::to_vec_pretty(&report).expect("a report serialises");
        t.push(b'\n');
        t
    } else {
        let mut t = report.lines().join("\n");
        t.push('\n');
        t.into_bytes()
    };
    out.write_all(&text).map_err(crate::pipe::write_failed)?;
    match report.exit_code() {
        0 => Ok(()),
        code => Err(CliError::silent(code)),
    }
}
