//! manifold's engine as a WebAssembly component: the guest side of `wasm/wit/manifold.wit`.
//!
//! Build with `cargo build --profile wasm-release --target wasm32-wasip2 -p manifold-plugin`;
//! the `.wasm` that comes out is already a component. Each function converts the engine's
//! types to the WIT records and back; nothing is decided here.

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit",
});

use exports::manifold::engine::validator::{
    Converted, Entry, ErrorInfo, Guest, Loss, Platform, Problem, Report, Severity, Span,
};
use manifold_engine::validate;
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

#[cfg(target_arch = "wasm32")]
export!(Component);
