//! The results as the page, the Node package and the plugin show them, in plain Rust.

use manifold_engine::archive::layout::LayoutWalk;
use manifold_engine::check::CheckReport;
use manifold_engine::compare::{self, Column, Comparison, RenderOptions};
use serde::Serialize;

/// A check's result as JSON holds it: the engine's report, its text lines (what `manifold
/// check` prints) and the exit code the command would give.
#[derive(Serialize)]
pub struct Checked<'a> {
    pub ok: bool,
    pub report: &'a CheckReport,
    pub lines: Vec<String>,
    #[serde(rename = "exitCode")]
    pub exit_code: i32,
}

/// A comparison as JSON holds it: the engine's rows (what `manifold compare --json` prints)
/// and the 80-column table (what `manifold compare` prints).
#[derive(Serialize)]
pub struct Compared {
    pub ok: bool,
    pub comparison: Comparison,
    pub table: Vec<String>,
}

pub fn checked(report: &CheckReport) -> Checked<'_> {
    Checked {
        ok: true,
        report,
        lines: report.lines(),
        exit_code: report.exit_code(),
    }
}

/// The comparison of the images a finished walk met, as `manifold compare` makes it.
pub fn comparison(walk: &LayoutWalk, attestations: bool) -> Comparison {
    let columns: Vec<Column> = walk
        .images()
        .iter()
        .filter_map(Column::from_image)
        .collect();
    compare::compare(&columns, compare::Options { attestations })
}

pub fn compared(walk: &LayoutWalk, attestations: bool) -> Compared {
    let comparison = comparison(walk, attestations);
    let table = compare::render(&comparison, RenderOptions::default());
    Compared {
        ok: true,
        comparison,
        table,
    }
}

/// `{ ok: false, error: { message } }`, the bindings' failure shape.
pub fn failure(message: &str) -> String {
    serde_json::json!({ "ok": false, "error": { "message": message } }).to_string()
}
