//! The wasm-bindgen exports. Results are JSON strings (one `JSON.parse` in JavaScript instead
//! of an import call per property); `wasm/js/inspect.js` wraps them.

use manifold_engine::archive::layout::{LayoutFile, LayoutWalk, Step, TarIndex};
use manifold_engine::check::Options;
use wasm_bindgen::prelude::*;

use crate::api;

/// Lists a tar's files from their headers: `next()` says which bytes to read (`[offset, len]`,
/// or undefined when done), `supply(bytes)` takes them, `finish()` gives the listing as JSON.
#[wasm_bindgen]
pub struct TarListing(Option<TarIndex>);

#[wasm_bindgen]
impl TarListing {
    #[wasm_bindgen(constructor)]
    pub fn new(len: f64) -> TarListing {
        TarListing(Some(TarIndex::new(len as u64)))
    }

    pub fn next(&self) -> Option<Vec<f64>> {
        let (offset, len) = self.0.as_ref()?.next_read()?;
        Some(vec![offset as f64, len as f64])
    }

    /// An error message, or undefined.
    pub fn supply(&mut self, bytes: &[u8]) -> Option<String> {
        let index = self.0.as_mut()?;
        index.supply(bytes).err().map(|e| e.to_string())
    }

    /// `{ ok: true, files: [{ path, offset, size }] }` or a failure.
    pub fn finish(&mut self) -> String {
        match self.0.take().map(TarIndex::finish) {
            Some(Ok(files)) => serde_json::json!({
                "ok": true,
                "files": files.iter().map(|f| serde_json::json!({
                    "path": f.path, "offset": f.offset as f64, "size": f.size as f64
                })).collect::<Vec<_>>()
            })
            .to_string(),
            Some(Err(e)) => api::failure(&e.to_string()),
            None => api::failure("the listing was already finished"),
        }
    }
}

/// A check of a layout: `next()` gives the step (JSON), the host answers with `supply`,
/// `feed`/`endStream` or `fail`, until the step is `done`; then `report()` and `compare()`.
#[wasm_bindgen]
pub struct Inspection(LayoutWalk);

fn step_json(step: Result<Step, manifold_engine::archive::layout::LayoutError>) -> String {
    match step {
        Ok(Step::Done) => r#"{"ok":true,"step":"done"}"#.to_string(),
        Ok(Step::Read { path, offset, len }) => serde_json::json!({
            "ok": true, "step": "read", "path": path, "offset": offset as f64, "len": len as f64
        })
        .to_string(),
        Ok(Step::Stream { path, offset, len }) => serde_json::json!({
            "ok": true, "step": "stream", "path": path, "offset": offset as f64, "len": len as f64
        })
        .to_string(),
        Err(e) => api::failure(&e.0),
    }
}

/// Opens a layout from its files (JSON `[{ path, offset, size }]`, a tar listing's or a
/// folder's with offset 0). Throws the engine's message when it is no layout.
#[wasm_bindgen(js_name = openLayout)]
pub fn open_layout(
    files: &str,
    reference: &str,
    tag: Option<String>,
    check_binaries: bool,
) -> Result<Inspection, JsError> {
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(files).map_err(|e| JsError::new(&format!("the file list: {e}")))?;
    let files = listed
        .iter()
        .map(|f| LayoutFile {
            path: f["path"].as_str().unwrap_or_default().to_string(),
            offset: f["offset"].as_f64().unwrap_or(0.0) as u64,
            size: f["size"].as_f64().unwrap_or(0.0) as u64,
        })
        .collect();
    let options = Options {
        check_binaries,
        ..Options::default()
    };
    LayoutWalk::new(files, reference, tag.as_deref(), options)
        .map(Inspection)
        .map_err(|e| JsError::new(&e.0))
}

#[wasm_bindgen]
impl Inspection {
    pub fn next(&mut self) -> String {
        step_json(self.0.next_step())
    }

    /// An error message when the layout cannot be checked at all, else undefined.
    pub fn supply(&mut self, bytes: Vec<u8>) -> Option<String> {
        self.0.supply(bytes).err().map(|e| e.0)
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.0.feed(chunk);
    }

    #[wasm_bindgen(js_name = endStream)]
    pub fn end_stream(&mut self) {
        self.0.end_stream();
    }

    pub fn fail(&mut self, message: &str) -> Option<String> {
        self.0.fail(message).err().map(|e| e.0)
    }

    /// `{ ok, report, lines, exitCode }`: the check's report as `manifold check --json` gives it.
    pub fn report(&self) -> String {
        match self.0.report() {
            Some(r) => serde_json::to_string(&api::checked(&r)).expect("a report serialises"),
            None => api::failure("the layout's root was not read"),
        }
    }

    /// `{ ok, comparison, table }`: `manifold compare --json`'s rows and its 80-column table.
    pub fn compare(&self, attestations: bool) -> String {
        serde_json::to_string(&api::compared(&self.0, attestations))
            .expect("a comparison serialises")
    }
}
