//! All registry IO of manifold: a client on ureq over the engine's pure protocol functions
//! (`manifold_engine::registry`). See `client.rs` for the operations.

pub mod client;
pub mod creds;
pub mod error;
pub mod transport;

pub use client::{run_bounded, Client, Manifest, Mount, Options, Repo, CHUNK};
pub use creds::{Credential, CredentialConfig, Lookup, Source};
pub use error::RegistryError;
