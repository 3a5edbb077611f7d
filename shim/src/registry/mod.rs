//! All registry IO of manifold: a client on ureq over the engine's pure protocol functions
//! (`manifold_engine::registry`). See `client.rs` for the operations.

// The client's API is wider than today's commands use (push, copy and mounts come next).
#![allow(dead_code)]

pub mod client;
pub mod creds;
pub mod error;
pub mod remote;
pub mod transport;

#[cfg(test)]
mod live_tests;

#[allow(unused_imports)]
pub use client::{run_bounded, Client, Manifest, Mount, Options, Repo, CHUNK};
#[allow(unused_imports)]
pub use creds::{Credential, CredentialConfig, Lookup, Source};
pub use error::RegistryError;
#[allow(unused_imports)]
pub use remote::{target_of, RemoteClient};
