//! The documents of the image-spec and of Docker's v2 schema 2, as the engine's own serde types.
//!
//! Names follow the specs. Unknown fields are kept (`extra`), annotations are ordered maps (Go
//! sorts map keys when it writes, so a `BTreeMap` gives the same bytes), and `os.version` /
//! `os.features` carry their dotted names. One `ImageIndex` type serves both the OCI index and
//! the Docker manifest list, and one `ImageManifest` both manifests: the shapes are the same and
//! the media type says which is which. A document read from somewhere keeps its exact bytes in
//! [`Document`], because the digest is of those bytes and never of a re-serialisation.

mod descriptor;
mod document;
mod index;
mod manifest;

pub use descriptor::{Descriptor, Platform};
pub use document::{
    ambiguous_field, detect_kind, AnyDocument, Document, ModelError, INDEX_FIELDS, MANIFEST_FIELDS,
};
pub use index::ImageIndex;
pub use manifest::ImageManifest;

/// String-to-string maps in key order: what Go writes for `map[string]string`.
pub type Annotations = std::collections::BTreeMap<String, String>;

/// Fields a model does not know, in document order.
pub type Extra = serde_json::Map<String, serde_json::Value>;
