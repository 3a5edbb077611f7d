//! manifold-engine: every rule about multi-platform images, with no IO.
//!
//! Bytes and values go in, values come out. The engine never touches files, sockets, clocks,
//! the environment, threads or randomness, so the same code runs in the `manifold` command,
//! in a browser (wasm32-unknown-unknown) and as a component plugin. The shim gathers bytes
//! and acts on what the engine decides; if a function decides something about a reference,
//! a document, a platform or a registry reply, it lives here.

#![forbid(unsafe_code)]

pub mod archive;
pub mod check;
pub mod compare;
pub mod digest;
#[cfg(feature = "oci-spec")]
pub mod interop;
pub mod json;
pub mod layout;
pub mod media_type;
pub mod model;
pub mod ops;
pub mod platform;
pub mod reference;
pub mod registry;
pub mod retain;
pub mod serialize;
pub mod validate;

pub use digest::{Algorithm, Digest, DigestError};
pub use model::{Descriptor, Document, ImageIndex, ImageManifest, Platform};
