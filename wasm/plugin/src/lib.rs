//! manifold's engine as a WebAssembly component: the guest side of `wasm/wit/manifold.wit`.
//!
//! Build with `cargo build --profile wasm-release --target wasm32-wasip2 -p manifold-plugin`;
//! the `.wasm` that comes out is already a component. Each function converts the engine's
//! types to the WIT records and back; nothing is decided here.

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit",
});

use exports::manifold::engine::inspector as insp;
use exports::manifold::engine::validator::{
    Converted, Entry, ErrorInfo, Guest, Loss, Platform, Problem, Report, Severity, Span,
};
use manifold_engine::archive::layout::check_blobs;
use manifold_engine::check::{self, Origin};
use manifold_engine::compare::{self, Column, RenderOptions};
use manifold_engine::validate;
use manifold_engine::Digest;
use manifold_wasm::api;

// Natively (`cargo build --workspace`) the crate only type-checks: the component's export
// names (`manifold:engine/validator@0.1.0#validate`) are not valid symbols for native linkers.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Component;

fn error_info(e: api::ErrorInfo) -> ErrorInfo {
    ErrorInfo {
        message: e.message,
        hint: e.hint,
    }
}

/// The WIT report of an engine report.
fn report(r: validate::Report) -> Report {
    Report {
        valid: r.valid,
        kind: r.kind.to_string(),
        media_type: r.media_type,
        digest: r.digest,
        size: r.size,
        problems: r
            .problems
            .into_iter()
            .map(|p| Problem {
                path: p.path,
                message: p.message,
                severity: match p.severity {
                    validate::Severity::Error => Severity::Error,
                    validate::Severity::Warning => Severity::Warning,
                },
                span: p.span.map(|(start, end)| Span {
                    start: start as u32,
                    end: end as u32,
                }),
            })
            .collect(),
        entries: r
            .entries
            .into_iter()
            .map(|e| Entry {
                digest: e.digest,
                media_type: e.media_type,
                size: e.size,
                platform: e.platform.map(|p| Platform {
                    os: p.os,
                    architecture: p.architecture,
                    variant: p.variant,
                    os_version: p.os_version,
                    os_features: p.os_features,
                    features: p.features,
                }),
            })
            .collect(),
    }
}

impl Guest for Component {
    fn validate(document: Vec<u8>, kind: Option<String>) -> Result<Report, ErrorInfo> {
        let kind = api::document_kind(kind.as_deref()).map_err(error_info)?;
        Ok(report(validate::validate(&document, kind)))
    }

    fn digest(document: Vec<u8>) -> String {
        api::digest(&document)
    }

    fn convert(document: Vec<u8>, to: String) -> Result<Converted, ErrorInfo> {
        let (out, losses) = api::convert_bytes(&document, &to).map_err(error_info)?;
        Ok(Converted {
            digest: api::digest(&out),
            document: out,
            losses: losses
                .into_iter()
                .map(|l| Loss {
                    path: l.path,
                    message: l.message,
                })
                .collect(),
        })
    }

    fn match_platform(index: Vec<u8>, platform: String) -> Result<Option<u32>, ErrorInfo> {
        let (_, chosen) = api::match_platform_index(&index, &platform).map_err(error_info)?;
        Ok(chosen.ok().map(|i| i as u32))
    }
}

impl insp::Guest for Component {
    fn inspect(
        reference: String,
        root: Vec<u8>,
        blobs: Vec<insp::Blob>,
        options: insp::Options,
    ) -> Result<insp::Inspection, ErrorInfo> {
        let mut by_digest = std::collections::BTreeMap::new();
        for b in blobs {
            let d = Digest::parse(&b.digest).map_err(|e| ErrorInfo {
                message: format!("blob {:?}: {e}", b.digest),
                hint: Some("give each blob the digest that names it: ALGORITHM:HEX".into()),
            })?;
            by_digest.insert(d, b.bytes);
        }
        let opts = check::Options {
            check_binaries: options.check_binaries,
            pull_layers: options.pull_layers,
            documents_only: false,
        };
        let origin = Origin {
            reference,
            ..Origin::default()
        };
        let walk = check_blobs(root, origin, &by_digest, opts);
        let r = walk.report();
        let report = insp::CheckReport {
            verdict: serde_json::to_value(r.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            exit_code: r.exit_code(),
            findings: r
                .findings
                .iter()
                .map(|f| insp::Finding {
                    path: f.path.clone(),
                    severity: match f.severity {
                        check::Severity::Error => insp::Severity::Error,
                        check::Severity::Warning => insp::Severity::Warning,
                        check::Severity::Unchecked => insp::Severity::Unchecked,
                    },
                    rule: serde_json::to_value(f.rule)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    message: f.message.clone(),
                    digest: f.digest.clone(),
                })
                .collect(),
            lines: r.lines(),
            json: serde_json::to_string_pretty(&r).expect("a report serialises"),
        };
        let columns: Vec<Column> = walk
            .images()
            .iter()
            .filter_map(Column::from_image)
            .collect();
        let c = compare::compare(
            &columns,
            compare::Options {
                attestations: options.attestations,
            },
        );
        let comparison = insp::Comparison {
            columns: c.columns.clone(),
            rows: c
                .rows
                .iter()
                .map(|row| insp::Row {
                    field: row.field.name().to_string(),
                    label: row.label.clone(),
                    values: row.values.clone(),
                    differs: row.differs,
                })
                .collect(),
            table: compare::render(&c, RenderOptions::default()),
            json: serde_json::to_string_pretty(&c).expect("a comparison serialises"),
        };
        Ok(insp::Inspection { report, comparison })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Component);
