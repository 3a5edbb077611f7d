//! Validation of the documents manifold reads and writes: OCI image indexes, OCI image
//! manifests, content descriptors, Docker manifest lists and Docker v2 schema 2 manifests.
//!
//! [`validate`] takes the exact bytes of a document and returns a [`Report`] with every
//! problem found at once, errors and warnings mixed, in document order. Each [`Problem`] names
//! the place (`$.manifests[2].digest`), says what is wrong and what is expected, and carries the
//! byte range to highlight. The same report is shown by `manifold validate`, the browser page
//! and the plugin, so messages are meant to be read without the spec at hand.
//!
//! Severity follows the specs' words: a MUST broken is an [`Severity::Error`], a SHOULD broken,
//! or something other tools read differently, is a [`Severity::Warning`]. Sources:
//! image-spec (`image-index.md`, `manifest.md`, `descriptor.md`, `annotations.md`,
//! `considerations.md` and `schema/*.json`; where the prose and the JSON schema disagree the
//! prose wins and the code says so), distribution's `manifest-v2-2.md` and its Go types, and
//! RFC 7493 (I-JSON) for the JSON itself.
//!
//! Where the JSON has duplicate keys, the value checked is the last one, because that is what
//! Go decoders (registries, docker, containerd) use; the duplicate itself is an error.
//!
//! The module is split by document kind: `json` checks the JSON level (bytes that are not
//! I-JSON, duplicate keys), `document` the fields every top-level document shares, `index`,
//! `manifest`, `descriptor`, `platform` and `annotations` their own rules, and `context` keeps
//! the path (a stack of borrowed segments, rendered only when a problem is reported) and the
//! problems found so far.

mod annotations;
mod context;
mod descriptor;
mod document;
mod index;
mod json;
mod manifest;
mod platform;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::digest::Digest;
use crate::json::tree::{self, Node};
use crate::media_type::Kind;

use context::Ctx;

/// How bad a problem is: an `Error` breaks a MUST of the specs (the document is invalid), a
/// `Warning` breaks a SHOULD or is something tools disagree about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong with a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `$` for the root, `$.manifests[2].digest`, and keys that are not identifiers in
    /// brackets, `$.annotations["org.example"]`. For a missing field, the path the field
    /// should have.
    pub path: String,
    /// What is wrong and what is expected.
    pub message: String,
    pub severity: Severity,
    /// The byte range of the input to highlight: the offending value, the offending key, or the
    /// object a required field is missing from.
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
}

/// What to validate the document as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// Decide from the `mediaType`, else from the shape.
    Auto,
    /// An OCI image index.
    Index,
    /// An OCI image manifest.
    Manifest,
    /// A bare content descriptor.
    Descriptor,
    /// A Docker manifest list (v2 schema 2).
    ManifestList,
    /// A Docker image manifest (v2 schema 2).
    DockerManifest,
}

impl DocumentKind {
    /// Every kind, in the order the CLI, the page and the plugin list them.
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Auto,
        DocumentKind::Index,
        DocumentKind::Manifest,
        DocumentKind::Descriptor,
        DocumentKind::ManifestList,
        DocumentKind::DockerManifest,
    ];

    /// The names the CLI, the page and the plugin use.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "auto" => DocumentKind::Auto,
            "index" => DocumentKind::Index,
            "manifest" => DocumentKind::Manifest,
            "descriptor" => DocumentKind::Descriptor,
            "manifest-list" => DocumentKind::ManifestList,
            "docker-manifest" => DocumentKind::DockerManifest,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::Auto => "auto",
            DocumentKind::Index => "index",
            DocumentKind::Manifest => "manifest",
            DocumentKind::Descriptor => "descriptor",
            DocumentKind::ManifestList => "manifest-list",
            DocumentKind::DockerManifest => "docker-manifest",
        }
    }

    fn from_kind(k: Kind) -> DocumentKind {
        match k {
            Kind::OciIndex => DocumentKind::Index,
            Kind::OciManifest => DocumentKind::Manifest,
            Kind::DockerList => DocumentKind::ManifestList,
            Kind::DockerManifest => DocumentKind::DockerManifest,
        }
    }
}

/// One entry of an index's `manifests`, as read. Best effort: a field that is missing or of
/// the wrong type reads as empty (`""`, `0`, `None`), so there is one entry per array element
/// even when the document is invalid, and `entries[i]` is `manifests[i]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub digest: String,
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub size: u64,
    pub platform: Option<crate::model::Platform>,
}

/// The result of validating one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True when no problem is an error.
    pub valid: bool,
    /// The kind the document was validated as ([`DocumentKind::as_str`]); `"auto"` when it was
    /// asked to decide and could not (not JSON, not an object, or no telling shape).
    pub kind: &'static str,
    /// The document's own `mediaType`, when it has one that is a string.
    #[serde(rename = "mediaType")]
    pub media_type: Option<String>,
    /// `sha256:<hex>` of the exact input bytes: the digest a registry will give the document.
    pub digest: String,
    /// The length of the input in bytes.
    pub size: u64,
    /// Every problem, in document order (by where its span starts).
    pub problems: Vec<Problem>,
    /// The entries of an index or manifest list; empty for other kinds.
    pub entries: Vec<Entry>,
}

/// Validates `bytes` as `kind`, reporting every problem at once. Never panics.
pub fn validate(bytes: &[u8], kind: DocumentKind) -> Report {
    validate_with_sha256(bytes, kind, Digest::sha256(bytes))
}

/// [`validate`] for a caller that has already hashed `bytes`, so the report's digest is
/// `sha256` as given. For hosts with a faster sha256 than the engine's: in WebAssembly there
/// are no SHA instructions, and hashing alone takes most of the time of validating a large
/// index, which Node's own crypto does five times faster. `sha256` must be `Digest::sha256`
/// of `bytes`; nothing checks it.
pub fn validate_with_sha256(bytes: &[u8], kind: DocumentKind, sha256: Digest) -> Report {
    let digest = sha256.to_string();
    let size = bytes.len() as u64;
    let root = match tree::parse(bytes) {
        Ok(root) => root,
        Err(e) => {
            return Report {
                valid: false,
                kind: kind.as_str(),
                media_type: None,
                digest,
                size,
                problems: vec![json::parse_problem(&e, bytes.len())],
                entries: Vec::new(),
            }
        }
    };

    let mut ctx = Ctx::new();
    json::duplicate_keys(&mut ctx, &root);

    let decided = match kind {
        DocumentKind::Auto => detect(&root),
        k => Some(k),
    };
    let mut entries = Vec::new();
    if root.members().is_none() {
        ctx.error(
            context::span(&root),
            format!(
                "the document is {}; expected a JSON object (an index, a manifest or a descriptor)",
                root.type_name()
            ),
        );
    } else {
        match decided {
            Some(DocumentKind::Index) => {
                index::validate(&mut ctx, &root, Flavor::Oci, &mut entries)
            }
            Some(DocumentKind::ManifestList) => {
                index::validate(&mut ctx, &root, Flavor::Docker, &mut entries)
            }
            Some(DocumentKind::Manifest) => manifest::validate(&mut ctx, &root, Flavor::Oci),
            Some(DocumentKind::DockerManifest) => {
                manifest::validate(&mut ctx, &root, Flavor::Docker)
            }
            Some(DocumentKind::Descriptor) => descriptor::validate_document(&mut ctx, &root),
            Some(DocumentKind::Auto) | None => undecided(&mut ctx, &root),
        }
    }

    let media_type = context::last(&root, "mediaType")
        .and_then(Node::as_str)
        .map(str::to_string);
    let problems = ctx.finish();
    Report {
        valid: !problems.iter().any(|p| p.severity == Severity::Error),
        kind: decided.unwrap_or(kind).as_str(),
        media_type,
        digest,
        size,
        problems,
        entries,
    }
}

/// OCI or Docker: the two families share shapes but not every rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Oci,
    Docker,
}

/// What an object is, for `DocumentKind::Auto`.
///
/// A bare object with `digest` or `size` and none of `schemaVersion`, `manifests`, `config`,
/// `layers` is a descriptor, whatever its `mediaType` (a descriptor *of* a manifest carries the
/// manifest's media type). Otherwise a manifest-level `mediaType` decides, then the shape:
/// `manifests` makes an OCI index, `config` or `layers` an OCI manifest. Docker documents
/// always declare their media type, so the shape never picks a Docker kind.
fn detect(root: &Node) -> Option<DocumentKind> {
    let members = root.members()?;
    let has = |k: &str| members.iter().any(|m| m.key == k);
    let shaped_as_document =
        has("schemaVersion") || has("manifests") || has("config") || has("layers");
    if !shaped_as_document && (has("digest") || has("size")) {
        return Some(DocumentKind::Descriptor);
    }
    if let Some(kind) = context::last(root, "mediaType")
        .and_then(Node::as_str)
        .and_then(Kind::from_media_type)
    {
        return Some(DocumentKind::from_kind(kind));
    }
    if has("manifests") {
        Some(DocumentKind::Index)
    } else if has("config") || has("layers") {
        Some(DocumentKind::Manifest)
    } else {
        None
    }
}

fn undecided(ctx: &mut Ctx<'_>, root: &Node) {
    let why = match context::last(root, "mediaType").and_then(Node::as_str) {
        Some(mt) => format!("its mediaType {mt:?} is not an index or manifest type, and it has"),
        None => "it has no mediaType and".to_string(),
    };
    ctx.error(
        context::span(root),
        format!(
            "cannot tell what kind of document this is: {why} no \"manifests\" (an index), no \
             \"config\" (a manifest) and no \"digest\" (a descriptor); expected one of these, or \
             choose the kind to validate as"
        ),
    );
}
