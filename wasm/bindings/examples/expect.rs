//! Writes, as JSON, what every exported function answers natively for the inputs in
//! wasm/tests/cases.json; the Node tests assert the WebAssembly build answers the same.
//!
//! Usage: `cargo run -p manifold-wasm --example expect -- OUT.json`
//!
//! Beside the bindings' own answers (`api`), each fixture carries the engine's report as the
//! engine itself serialises it (`engine`, with the spans that serialisation leaves out), so the
//! tests also check the bindings convert it faithfully.

use std::path::Path;

use manifold_engine::validate::{self, DocumentKind};
use manifold_wasm::api;
use serde_json::{json, Map, Value};

fn main() {
    let out = std::env::args().nth(1).expect("usage: expect OUT.json");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases: Value =
        serde_json::from_slice(&std::fs::read(root.join("wasm/tests/cases.json")).unwrap())
            .unwrap();
    let strings = |key: &str| -> Vec<String> {
        cases[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let kinds: Vec<Option<String>> = cases["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect();

    let mut fixtures = Map::new();
    for dir in strings("fixtureDirs") {
        let mut files: Vec<_> = std::fs::read_dir(root.join(&dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let name = format!("{dir}/{}", f.file_name().unwrap().to_string_lossy());
            let mut validate_out = Map::new();
            let mut engine_out = Map::new();
            for kind in &kinds {
                let key = kind.clone().unwrap_or_else(|| "null".into());
                validate_out.insert(
                    key.clone(),
                    serde_json::to_value(api::validate(&bytes, kind.as_deref())).unwrap(),
                );
                if let Some(k) = DocumentKind::parse(kind.as_deref().unwrap_or("auto")) {
                    let report = validate::validate(&bytes, k);
                    let spans: Vec<Value> = report
                        .problems
                        .iter()
                        .map(|p| match p.span {
                            Some((s, e)) => json!([s, e]),
                            None => Value::Null,
                        })
                        .collect();
                    // Sizes also as strings: JSON.parse cannot read a u64 exactly.
                    let entry_sizes: Vec<String> =
                        report.entries.iter().map(|e| e.size.to_string()).collect();
                    engine_out.insert(
                        key,
                        json!({ "report": report, "spans": spans, "entrySizes": entry_sizes }),
                    );
                }
            }
            let convert_out: Map<String, Value> = strings("convertTo")
                .into_iter()
                .map(|to| {
                    let v = serde_json::to_value(api::convert(&bytes, &to)).unwrap();
                    (to, v)
                })
                .collect();
            let match_out: Map<String, Value> = strings("platforms")
                .into_iter()
                .map(|p| {
                    let v = serde_json::to_value(api::platform_match(&bytes, &p)).unwrap();
                    (p, v)
                })
                .collect();
            fixtures.insert(
                name,
                json!({
                    "digest": api::digest(&bytes),
                    "validate": validate_out,
                    "engine": engine_out,
                    "convert": convert_out,
                    "platformMatch": match_out,
                }),
            );
        }
    }
    let platforms: Map<String, Value> = strings("platforms")
        .into_iter()
        .map(|p| {
            let v = serde_json::to_value(api::parse_platform(&p)).unwrap();
            (p, v)
        })
        .collect();
    let references: Map<String, Value> = strings("references")
        .into_iter()
        .map(|r| {
            let v = serde_json::to_value(api::parse_reference(&r)).unwrap();
            (r, v)
        })
        .collect();
    let all = json!({
        "fixtures": fixtures,
        "parsePlatform": platforms,
        "parseReference": references,
    });
    std::fs::write(&out, serde_json::to_vec_pretty(&all).unwrap()).unwrap();
    eprintln!("wrote {out}");
}
