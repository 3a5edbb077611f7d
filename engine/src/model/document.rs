use std::fmt;

use serde::de::DeserializeOwned;

use crate::digest::Digest;
use crate::json::tree;
use crate::media_type::Kind;

use super::{ImageIndex, ImageManifest};

/// A document as it was read: its exact bytes, their digest, and the model parsed from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<T> {
    pub raw: Vec<u8>,
    pub digest: Digest,
    pub value: T,
}

/// Why bytes could not be read as a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    Json(tree::ParseError),
    Shape(String),
    WrongKind {
        expected: &'static str,
        found: String,
    },
    /// An index carrying a manifest's field, or a manifest carrying `manifests`: read one way
    /// by one tool and the other way by another (CVE-2021-41190), so refused.
    Ambiguous {
        /// What the document declares or looks like: "an index" or "a manifest".
        kind: &'static str,
        /// The field that belongs to the other kind.
        field: &'static str,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Json(e) => e.fmt(f),
            ModelError::Shape(m) => write!(f, "unexpected document shape: {m}"),
            ModelError::WrongKind { expected, found } => {
                write!(f, "expected {expected} but found {found}")
            }
            ModelError::Ambiguous { kind, field } => write!(
                f,
                "the document is {kind} but carries {field:?}, which makes it ambiguous between \
                 an index and a manifest (CVE-2021-41190): refused; rebuild it without {field:?}"
            ),
        }
    }
}

impl std::error::Error for ModelError {}

impl<T: DeserializeOwned> Document<T> {
    /// Parses `bytes` into `T`, keeping the bytes and their sha256 digest.
    pub fn parse(bytes: Vec<u8>) -> Result<Document<T>, ModelError> {
        // The tree parser enforces I-JSON (no BOM, UTF-8, bounded depth) before serde sees it.
        tree::parse(&bytes).map_err(ModelError::Json)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| ModelError::Shape(e.to_string()))?;
        let digest = Digest::sha256(&bytes);
        Ok(Document {
            raw: bytes,
            digest,
            value,
        })
    }
}

/// What a manifest-level document is, decided from its `mediaType` or, when that is absent,
/// from its shape (`manifests` → index, `config` → manifest). Docker lists always declare it.
pub fn detect_kind(node: &tree::Node) -> Option<Kind> {
    if let Some(mt) = node.get("mediaType").and_then(tree::Node::as_str) {
        if let Some(k) = Kind::from_media_type(mt) {
            return Some(k);
        }
    }
    if node.get("manifests").is_some() {
        Some(Kind::OciIndex)
    } else if node.get("config").is_some() {
        Some(Kind::OciManifest)
    } else {
        None
    }
}

/// The fields an index or list must not carry: a manifest's (`config`, `layers`) and a schema 1
/// manifest's (`fsLayers`, `history`). containers/image refuses both since CVE-2021-41190.
pub const MANIFEST_FIELDS: [&str; 4] = ["config", "layers", "fsLayers", "history"];
/// The field a manifest must not carry: an index's `manifests`.
pub const INDEX_FIELDS: [&str; 1] = ["manifests"];

/// The first field of the other kind that a document of kind `index` (true) or manifest
/// (false) carries, if any: what makes it ambiguous (CVE-2021-41190).
pub fn ambiguous_field(node: &tree::Node, index: bool) -> Option<&'static str> {
    let foreign: &[&'static str] = if index {
        &MANIFEST_FIELDS
    } else {
        &INDEX_FIELDS
    };
    foreign.iter().copied().find(|f| node.get(f).is_some())
}

/// A manifest-level document of either kind.
// Boxing the larger variant (clippy 1.95's large_enum_variant) would change the public type the
// shim and the bindings match on, for nothing: one document is held per call, never a list.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyDocument {
    Index(Document<ImageIndex>),
    Manifest(Document<ImageManifest>),
}

impl AnyDocument {
    /// Reads an index or manifest, deciding the kind from `content_type` (a registry's header)
    /// when given, else from the document.
    // `inline` makes the caller's crate compile this and the serde code it instantiates, so the
    // WebAssembly bindings (built for size) do not carry it at the engine's speed settings.
    #[inline]
    pub fn parse(bytes: Vec<u8>, content_type: Option<&str>) -> Result<AnyDocument, ModelError> {
        let node = tree::parse(&bytes).map_err(ModelError::Json)?;
        let kind = content_type
            .and_then(Kind::from_media_type)
            .or_else(|| detect_kind(&node))
            .ok_or_else(|| {
                ModelError::Shape(
                    "neither an index (no \"manifests\") nor a manifest (no \"config\")".into(),
                )
            })?;
        let index = kind.is_index();
        if let Some(field) = ambiguous_field(&node, index) {
            let kind = if index { "an index" } else { "a manifest" };
            return Err(ModelError::Ambiguous { kind, field });
        }
        if index {
            Document::parse(bytes).map(AnyDocument::Index)
        } else {
            Document::parse(bytes).map(AnyDocument::Manifest)
        }
    }

    pub fn raw(&self) -> &[u8] {
        match self {
            AnyDocument::Index(d) => &d.raw,
            AnyDocument::Manifest(d) => &d.raw,
        }
    }

    pub fn digest(&self) -> &Digest {
        match self {
            AnyDocument::Index(d) => &d.digest,
            AnyDocument::Manifest(d) => &d.digest,
        }
    }

    /// The media type a descriptor of this document carries.
    pub fn media_type(&self) -> &str {
        match self {
            AnyDocument::Index(d) => d.value.effective_media_type(),
            AnyDocument::Manifest(d) => d.value.effective_media_type(),
        }
    }

    pub fn is_index(&self) -> bool {
        matches!(self, AnyDocument::Index(_))
    }
}

impl Kind {
    /// The human word for a kind, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::OciIndex => "OCI image index",
            Kind::OciManifest => "OCI image manifest",
            Kind::DockerList => "Docker manifest list",
            Kind::DockerManifest => "Docker image manifest",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(doc: &str, ct: Option<&str>) -> String {
        match AnyDocument::parse(doc.as_bytes().to_vec(), ct) {
            Err(e @ ModelError::Ambiguous { .. }) => e.to_string(),
            other => panic!("{doc}: expected an ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn ambiguous_documents_are_refused_with_the_field_named() {
        let oci_index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]"#;
        let list = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]"#;
        for base in [oci_index, list] {
            for field in MANIFEST_FIELDS {
                let doc = format!("{base},\"{field}\":[]}}");
                let m = refused(&doc, None);
                assert!(
                    m.contains(&format!("is an index but carries \"{field}\""))
                        && m.contains("CVE-2021-41190"),
                    "{m}"
                );
            }
        }
        // The registry's Content-Type says index, the body has no mediaType and both shapes.
        let both = r#"{"schemaVersion":2,"manifests":[],"config":{"mediaType":"a/b","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1}}"#;
        assert!(refused(both, Some(crate::media_type::OCI_INDEX)).contains("\"config\""));
        assert!(refused(both, None).contains("\"config\""));
        // A manifest (declared, or by its Content-Type) carrying manifests.
        let m = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":[],"manifests":[]}"#;
        let msg = refused(m, None);
        assert!(
            msg.contains("is a manifest but carries \"manifests\""),
            "{msg}"
        );
        assert!(refused(both, Some(crate::media_type::OCI_MANIFEST)).contains("\"manifests\""));
        // A clean index still reads.
        assert!(AnyDocument::parse(format!("{oci_index}}}").into_bytes(), None).is_ok());
    }
}
