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
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Json(e) => e.fmt(f),
            ModelError::Shape(m) => write!(f, "unexpected document shape: {m}"),
            ModelError::WrongKind { expected, found } => {
                write!(f, "expected {expected} but found {found}")
            }
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
        if kind.is_index() {
            if node.get("config").is_some() || node.get("layers").is_some() {
                return Err(ModelError::WrongKind {
                    expected: "an index",
                    found: "a manifest (it has config/layers)".into(),
                });
            }
            Document::parse(bytes).map(AnyDocument::Index)
        } else {
            if node.get("manifests").is_some() {
                return Err(ModelError::WrongKind {
                    expected: "a manifest",
                    found: "an index (it has manifests)".into(),
                });
            }
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
