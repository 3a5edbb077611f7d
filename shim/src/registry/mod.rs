//! All registry IO of manifold: a client on ureq over the engine's pure protocol functions
//! (`manifold_engine::registry`), which make every decision (auth scheme, scopes, what a status
//! means, digest checks, retries, the loopback rule); the files here carry them out.
//!
//! `client.rs` holds the [`Client`] and what its operations share; `request.rs` sends one
//! request; `ping.rs` connects; `auth.rs` authorizes; `status.rs` turns an unexpected answer
//! into a [`RegistryError`]; `manifest.rs`, `blob.rs` and `upload.rs` are the operations;
//! `options.rs` and `repo.rs` their inputs; `agents.rs` the HTTP agents (one per TLS setup, by host), `tls.rs` their TLS, `transport.rs`
//! the resolver and failure classification; `creds.rs` the
//! credential lookup; `remote.rs` the commands' view of it all.

mod agents;
mod auth;
mod blob;
pub mod client;
pub mod creds;
pub mod error;
mod manifest;
mod mirrors;
mod options;
mod ping;
mod referrers;
pub mod remote;
mod repo;
mod request;
mod status;
mod tags;
pub mod tls;
pub mod transport;
mod upload;

#[cfg(test)]
mod live_tests;

pub use client::Client;
pub use error::RegistryError;
pub use manifest::Manifest;
#[allow(
    unused_imports,
    reason = "CHUNK is the client's API (the default of Options::chunk_size) for callers that size uploads"
)]
pub use options::CHUNK;
pub use options::{jobs_asked, Options};
pub use remote::{target_of, RemoteClient};
pub use repo::Repo;
pub use upload::{BlobSource, Mount};
