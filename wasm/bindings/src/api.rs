//! The JavaScript-facing results as plain Rust values, independent of wasm-bindgen, so the
//! same code runs natively (the `expect` example writes what the Node tests compare against)
//! and in the browser. Everything here converts engine types to output types; the rules are
//! the engine's.
//!
//! Conventions of the output:
//! - every result has `ok`; `ok: false` comes with `error: { message, detail?, hint? }`;
//! - byte sizes from documents are decimal strings (a `size` in a document can be any u64,
//!   which a JS number cannot hold exactly);
//! - optional values are `null`, never missing, so the shapes are stable.

use manifold_engine::model::{AnyDocument, Descriptor, ImageIndex, Platform};
use manifold_engine::ops::{self, ListFormat, Selected, Selection};
use manifold_engine::reference::Reference;
use manifold_engine::serialize::{self, Style};
use manifold_engine::validate::{self, DocumentKind, Entry, Problem, Report, Severity};
use manifold_engine::{platform, Algorithm, Digest};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ErrorInfo {
    pub fn new(message: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            message: message.into(),
            detail: None,
            hint: None,
        }
    }
}

/// `{ ok: false, error }`: the one failure shape of every function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub ok: bool,
    pub error: ErrorInfo,
}

impl Failure {
    pub fn new(error: ErrorInfo) -> Failure {
        Failure { ok: false, error }
    }
}

/// Either a success value (which carries `ok: true` itself) or a [`Failure`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Outcome<T> {
    Ok(T),
    Err(Failure),
}

fn fail<T>(error: ErrorInfo) -> Outcome<T> {
    Outcome::Err(Failure::new(error))
}

// ---------------------------------------------------------------------------------------------
// validate

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemOut {
    pub path: String,
    pub message: String,
    pub severity: &'static str,
    /// Byte offsets into the input of the span to highlight, end exclusive; null when the
    /// engine gives none.
    pub start: Option<u64>,
    pub end: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformOut {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    pub os_features: Option<Vec<String>>,
    pub features: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryOut {
    pub digest: String,
    pub media_type: String,
    pub size: String,
    pub platform: Option<PlatformOut>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportOut {
    pub ok: bool,
    pub valid: bool,
    pub kind: &'static str,
    pub media_type: Option<String>,
    pub digest: String,
    pub size: String,
    pub problems: Vec<ProblemOut>,
    pub entries: Vec<EntryOut>,
}

pub fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

impl From<&Problem> for ProblemOut {
    fn from(p: &Problem) -> ProblemOut {
        ProblemOut {
            path: p.path.clone(),
            message: p.message.clone(),
            severity: severity_str(p.severity),
            start: p.span.map(|(s, _)| s as u64),
            end: p.span.map(|(_, e)| e as u64),
        }
    }
}

impl From<&Platform> for PlatformOut {
    fn from(p: &Platform) -> PlatformOut {
        PlatformOut {
            os: p.os.clone(),
            architecture: p.architecture.clone(),
            variant: p.variant.clone(),
            os_version: p.os_version.clone(),
            os_features: p.os_features.clone(),
            features: p.features.clone(),
        }
    }
}

impl From<&Entry> for EntryOut {
    fn from(e: &Entry) -> EntryOut {
        EntryOut {
            digest: e.digest.clone(),
            media_type: e.media_type.clone(),
            size: e.size.to_string(),
            platform: e.platform.as_ref().map(PlatformOut::from),
        }
    }
}

impl From<&Report> for ReportOut {
    fn from(r: &Report) -> ReportOut {
        ReportOut {
            ok: true,
            valid: r.valid,
            kind: r.kind,
            media_type: r.media_type.clone(),
            digest: r.digest.clone(),
            size: r.size.to_string(),
            problems: r.problems.iter().map(ProblemOut::from).collect(),
            entries: r.entries.iter().map(EntryOut::from).collect(),
        }
    }
}

/// The engine's kind for a name (`None` means `auto`).
pub fn document_kind(kind: Option<&str>) -> Result<DocumentKind, ErrorInfo> {
    let name = kind.unwrap_or("auto");
    DocumentKind::parse(name).ok_or_else(|| ErrorInfo {
        message: format!("unknown kind {name:?}"),
        detail: None,
        hint: Some(format!(
            "use one of: {}",
            DocumentKind::ALL.map(|k| k.as_str()).join(", ")
        )),
    })
}

pub fn validate(bytes: &[u8], kind: Option<&str>) -> Outcome<ReportOut> {
    match validate_report(bytes, kind, None) {
        Ok(report) => Outcome::Ok(ReportOut::from(&report)),
        Err(e) => fail(e),
    }
}

/// The engine's own report, for callers that convert it themselves (the JS bindings). `sha256`
/// is the document's `sha256:<hex>` when the host computed it with a faster sha256 than
/// WebAssembly's (Node's crypto); `None` hashes in the engine.
pub fn validate_report(
    bytes: &[u8],
    kind: Option<&str>,
    sha256: Option<&str>,
) -> Result<Report, ErrorInfo> {
    let k = document_kind(kind)?;
    Ok(match sha256 {
        None => validate::validate(bytes, k),
        Some(s) => match Digest::parse(s) {
            Ok(d) if d.algorithm() == Algorithm::Sha256 => {
                validate::validate_with_sha256(bytes, k, d)
            }
            _ => {
                return Err(ErrorInfo::new(format!(
                    "internal error: the host's digest {s:?} is not a sha256 digest"
                )))
            }
        },
    })
}

// ---------------------------------------------------------------------------------------------
// digest

pub fn digest(bytes: &[u8]) -> String {
    Digest::sha256(bytes).to_string()
}

// ---------------------------------------------------------------------------------------------
// convert

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LossOut {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertOut {
    pub ok: bool,
    /// The converted list, exactly as the engine writes it (Docker style: docker's 3-space
    /// indent; OCI style: Go's compact `json.Marshal`).
    pub output: String,
    /// sha256 of `output`'s UTF-8 bytes.
    pub digest: String,
    pub size: String,
    pub media_type: String,
    pub losses: Vec<LossOut>,
}

/// The converted list's bytes and what did not survive, or why the input is no list.
pub fn convert_bytes(bytes: &[u8], to: &str) -> Result<(Vec<u8>, Vec<ops::Loss>), ErrorInfo> {
    let format = ListFormat::parse(to).ok_or_else(|| ErrorInfo {
        message: format!("unknown list format {to:?}"),
        detail: None,
        hint: Some("use \"oci\" or \"docker\"".into()),
    })?;
    let index = read_index(bytes)?;
    let (out, losses) = ops::convert(&index, format);
    let style = match format {
        ListFormat::Oci => Style::Oci,
        ListFormat::Docker => Style::Docker,
    };
    Ok((serialize::to_bytes(&out, style), losses))
}

pub fn convert(bytes: &[u8], to: &str) -> Outcome<ConvertOut> {
    match convert_bytes(bytes, to) {
        Ok((out, losses)) => {
            let media_type = ListFormat::parse(to)
                .map(ListFormat::media_type)
                .unwrap_or_default()
                .to_string();
            Outcome::Ok(ConvertOut {
                ok: true,
                digest: digest(&out),
                size: out.len().to_string(),
                output: String::from_utf8_lossy(&out).into_owned(),
                media_type,
                losses: losses
                    .into_iter()
                    .map(|l| LossOut {
                        path: l.path,
                        message: l.message,
                    })
                    .collect(),
            })
        }
        Err(e) => fail(e),
    }
}

/// Reads an index or list with the engine's model (which checks the JSON and the shape).
pub fn read_index(bytes: &[u8]) -> Result<ImageIndex, ErrorInfo> {
    match AnyDocument::parse(bytes.to_vec(), None) {
        Ok(AnyDocument::Index(d)) => Ok(d.value),
        Ok(AnyDocument::Manifest(_)) => Err(ErrorInfo {
            message: "the document is a manifest, not an index or manifest list".into(),
            detail: None,
            hint: Some("give an OCI image index or a Docker manifest list".into()),
        }),
        Err(e) => Err(ErrorInfo {
            message: format!("cannot read the document as an index: {e}"),
            detail: None,
            hint: Some("validate it to see every problem".into()),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// references

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReferenceOut {
    pub ok: bool,
    pub domain: String,
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The full form, `docker.io/library/alpine:latest`.
    pub normalized: String,
    /// docker's short form, `alpine:latest`.
    pub familiar: String,
}

/// Parses as every docker manifest sub-command does (normalised, `:latest` added).
pub fn parse_reference(s: &str) -> Outcome<ReferenceOut> {
    match Reference::parse_docker(s) {
        Ok(r) => Outcome::Ok(ReferenceOut {
            ok: true,
            domain: r.domain().to_string(),
            path: r.path().to_string(),
            tag: r.tag().map(str::to_string),
            digest: r.digest().map(|d| d.to_string()),
            normalized: r.to_string(),
            familiar: r.familiar(),
        }),
        Err(e) => fail(ErrorInfo {
            message: e.to_string(),
            detail: Some(e.detail()),
            hint: Some(e.hint().to_string()),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// platforms

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedPlatformOut {
    pub ok: bool,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    pub os_features: Option<Vec<String>>,
    /// `os/arch[/variant][:os.version]` in the engine's canonical form.
    pub normalized: String,
}

pub fn parse_platform(s: &str) -> Outcome<ParsedPlatformOut> {
    match platform::parse(s) {
        Ok(p) => Outcome::Ok(ParsedPlatformOut {
            ok: true,
            normalized: p.display(),
            os: p.os,
            architecture: p.architecture,
            variant: p.variant,
            os_version: p.os_version,
            os_features: p.os_features,
        }),
        Err(e) => fail(ErrorInfo::new(e.to_string())),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescriptorOut {
    pub media_type: String,
    pub digest: String,
    pub size: String,
    pub platform: Option<PlatformOut>,
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
    pub urls: Option<Vec<String>>,
    pub artifact_type: Option<String>,
}

impl From<&Descriptor> for DescriptorOut {
    fn from(d: &Descriptor) -> DescriptorOut {
        DescriptorOut {
            media_type: d.media_type.clone(),
            digest: d.digest.to_string(),
            size: d.size.to_string(),
            platform: d.platform.as_ref().map(PlatformOut::from),
            annotations: d.annotations.clone(),
            urls: d.urls.clone(),
            artifact_type: d.artifact_type.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchOut {
    pub ok: bool,
    /// Position in `manifests` of the entry to use, or null when none serves the platform.
    pub index: Option<u32>,
    pub descriptor: Option<DescriptorOut>,
    /// Why nothing matched (the engine's message, listing what the index holds).
    pub message: Option<String>,
}

/// The entry of an index to use for a platform: the engine's selection (`--platform`).
/// `Ok(None)` carries the engine's explanation when no entry serves the platform.
pub fn match_platform_index(
    bytes: &[u8],
    wanted: &str,
) -> Result<(ImageIndex, Result<usize, String>), ErrorInfo> {
    let p = platform::parse(wanted).map_err(|e| ErrorInfo::new(e.to_string()))?;
    let index = read_index(bytes)?;
    let chosen = match ops::select("the index", &index, &Selection::Platform(p)) {
        Ok(Selected::Entries(v)) if !v.is_empty() => Ok(v[0]),
        Ok(_) => Err("no entry chosen".to_string()),
        Err(e) => Err(e.to_string()),
    };
    Ok((index, chosen))
}

pub fn platform_match(bytes: &[u8], wanted: &str) -> Outcome<MatchOut> {
    match match_platform_index(bytes, wanted) {
        Ok((index, Ok(i))) => Outcome::Ok(MatchOut {
            ok: true,
            index: Some(i as u32),
            descriptor: Some(DescriptorOut::from(&index.manifests[i])),
            message: None,
        }),
        Ok((_, Err(message))) => Outcome::Ok(MatchOut {
            ok: true,
            index: None,
            descriptor: None,
            message: Some(message),
        }),
        Err(e) => fail(e),
    }
}
