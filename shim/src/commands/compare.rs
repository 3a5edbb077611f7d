//! `manifold compare REF`: the images of a list side by side, one column per platform. The
//! rows, what differs and the table are the engine's (`compare`); this command fetches the
//! documents and configs (`walking`, documents only), prints, and with `--fail-on-diff` exits 1
//! when a row of the fields named differs.

use std::io::Write;

use manifold_engine::check::Options;
use manifold_engine::compare::{self, Column, RenderOptions};

use crate::cli::CompareArgs;
use crate::commands::context::Context;
use crate::commands::walking;
use crate::error::{CliError, CliResult};
use crate::registry::Client;

pub fn run(ctx: &Context, args: &CompareArgs, client: &Client) -> CliResult {
    let fields = match &args.fail_on_diff {
        Some(list) => {
            Some(compare::parse_fields(list).map_err(|e| CliError::usage(e.to_string()))?)
        }
        None => None,
    };
    let options = Options {
        documents_only: true,
        ..Options::default()
    };
    let mut started = walking::start(ctx, client, &args.reference, options, None)?;
    let o = client.options();
    walking::drive(&mut started.walk, &started.fetcher, o.jobs, o.transfers);
    let report = started.walk.report();
    // a comparison of what could not be fetched would be a comparison of nothing
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| f.severity == manifold_engine::check::Severity::Unchecked)
    {
        return Err(CliError::with_code(
            format!(
                "cannot compare {}: {}: {}",
                report.reference, f.path, f.message
            ),
            walking::UNCHECKED,
        ));
    }
    let columns: Vec<Column> = started
        .walk
        .images()
        .iter()
        .filter_map(Column::from_image)
        .collect();
    let comparison = compare::compare(
        &columns,
        compare::Options {
            attestations: args.attestations,
        },
    );
    let text = if args.json {
        let mut t = serde_json::to_vec_pretty(&comparison).expect("a comparison serialises");
        t.push(b'\n');
        t
    } else {
        let width = args.width.or_else(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
        });
        let lines = compare::render(
            &comparison,
            RenderOptions {
                width: width.unwrap_or(80),
                diff_only: args.diff,
            },
        );
        let mut t = lines.join("\n");
        t.push('\n');
        t.into_bytes()
    };
    std::io::stdout()
        .lock()
        .write_all(&text)
        .map_err(crate::pipe::write_failed)?;
    match fields {
        Some(fields) => {
            let failing = comparison.failing(&fields);
            if failing.is_empty() {
                Ok(())
            } else {
                let names: Vec<&str> = failing.iter().map(|r| r.label.as_str()).collect();
                // said here, so every personality exits 1 (podman's wording turns failures
                // with a message into its 125)
                eprintln!("differs between platforms: {}", names.join(", "));
                Err(CliError::silent(1))
            }
        }
        None => Ok(()),
    }
}
