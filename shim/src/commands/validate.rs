//! `manifold validate`: a document checked against the OCI and Docker specs, each problem on
//! its own line (or the report as JSON), the exit code saying whether it is valid.

use std::io::Write;

use manifold_engine::validate::{validate, DocumentKind, Severity};

use crate::error::{CliError, CliResult};
use crate::input::read_document;

/// `manifold validate [--kind K] [--json] FILE|-`: exit 0 when valid (warnings allowed), 1 when not.
pub fn run(path: &str, kind: &str, json: bool) -> CliResult {
    let kind = DocumentKind::parse(kind).ok_or_else(|| {
        CliError::usage(format!(
            "--kind {kind}: unknown kind; use auto, index, manifest, descriptor, manifest-list or docker-manifest"
        ))
    })?;
    let bytes = read_document(path)?;
    let report = validate(&bytes, kind);
    let mut out = std::io::stdout().lock();
    let shown = if path == "-" { "<stdin>" } else { path };
    let printed = if json {
        let mut text = serde_json::to_vec_pretty(&report).expect("a report serialises");
        text.push(b'\n');
        out.write_all(&text)
    } else {
        let mut text = String::new();
        for p in &report.problems {
            match p.severity {
                Severity::Error => text.push_str(&format!("{}: {}\n", p.path, p.message)),
                Severity::Warning => {
                    text.push_str(&format!("{}: warning: {}\n", p.path, p.message))
                }
            }
        }
        let errors = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let warnings = report.problems.len() - errors;
        let verdict = if report.valid { "valid" } else { "invalid" };
        text.push_str(&format!(
            "{shown}: {verdict} {} ({} bytes, {}): {errors} error(s), {warnings} warning(s)\n",
            report.kind, report.size, report.digest
        ));
        out.write_all(text.as_bytes())
    };
    printed.map_err(crate::pipe::write_failed)?;
    if report.valid {
        Ok(())
    } else {
        Err(CliError::silent(1))
    }
}
