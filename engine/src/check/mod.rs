//! `check`: a list (or one image) judged together with everything under it.
//!
//! `validate` looks at one document; the failures people ship are between documents: an index
//! entry that says `linux/arm64` over a config that says `amd64`, a member deleted from the
//! registry, an attestation about an image that is not in the list, an `nginx` built for the
//! wrong machine. Finding them needs fetching, and the engine does no IO, so the check is a
//! state machine in the style of quinn-proto: the host starts a [`Walk`] from the root
//! document's bytes, asks it what to fetch next ([`Walk::wants`]), fetches (in parallel, from a
//! registry or a layout folder, or from a tar in a browser), hands the answers back
//! ([`Walk::supply`], [`Walk::supply_executables`]) and, when nothing is wanted any more, takes
//! the [`CheckReport`]. Every rule, and every judgement of what the host supplied (digest, size,
//! absence), is made here, so the command, the page and the plugin agree.
//!
//! Split by concern: `walk` (the state machine and the findings each document brings),
//! `rules` (the findings between documents: platforms, attestations, duplicates), `binaries`
//! (executable machine types against the image's architecture), `report` (findings, verdict,
//! the text lines shown).

mod answer;
mod binaries;
#[cfg(test)]
pub(crate) mod fixture;
mod report;
mod rules;
#[cfg(test)]
mod tests;
mod walk;

pub use binaries::{machine_name, Executable, ExecutableFormat};
pub use report::{CheckReport, Counts, Finding, Rule, Severity, Verdict};
pub use walk::{Image, Walk};

use serde::Serialize;

use crate::digest::Digest;

/// What to look at beyond the documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Layers are only asked about (a HEAD each) unless this is set; then each is fetched and
    /// its digest and size verified ([`Action::Layer`]).
    pub pull_layers: bool,
    /// Each layer of each image is fetched and its executables' machine types compared with the
    /// image's architecture ([`Action::Layer`] with `scan`).
    pub check_binaries: bool,
    /// Blobs (layers, and configs of artifacts) are not asked about at all: for `compare`, which
    /// needs the documents and configs only.
    pub documents_only: bool,
}

/// Where the root document came from: what the user named, and what the host knows of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// What the user named (`registry/repo:tag`, `oci:dir:tag`, a local list's name); shown in
    /// the report.
    pub reference: String,
    /// The digest the root must have (a digest reference, a layout's descriptor, the registry's
    /// `Docker-Content-Digest`); checked against the bytes.
    pub digest: Option<Digest>,
    /// The size the root must have, when a descriptor said so.
    pub size: Option<u64>,
    /// The Content-Type or descriptor media type the root was served with.
    pub media_type: Option<String>,
}

/// One thing the walk needs from the host. Each digest is wanted once per action, however many
/// images share it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Want {
    pub digest: Digest,
    /// The media type the referring descriptor gave (the `Accept` to send for a manifest, the
    /// compression of a layer to scan).
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// The size the referring descriptor gave; the host may refuse to read more than this.
    pub size: u64,
    pub action: Action,
}

/// What the host is to do for a [`Want`], and what it answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Action {
    /// Fetch a manifest or index by digest; answer [`Supplied::Bytes`].
    Manifest,
    /// Fetch a config blob (small); answer [`Supplied::Bytes`].
    Config,
    /// Is the manifest there (an artifact's subject)? A HEAD; answer [`Supplied::Present`] or
    /// [`Supplied::Absent`] (or bytes, if fetching is what the host can do).
    ManifestPresence,
    /// Is the blob there? A HEAD; answer [`Supplied::Present`] or [`Supplied::Absent`].
    BlobPresence,
    /// Stream the blob through a hasher (never whole in memory); answer [`Supplied::Streamed`].
    /// With `scan`, also feed it to the layer scanner and call [`Walk::supply_executables`].
    Layer { scan: bool },
}

impl Action {
    /// Whether it moves a blob's bytes (a layer streamed), held to the transfer width
    /// (`registry::width`) rather than the request width.
    pub fn is_transfer(&self) -> bool {
        matches!(self, Action::Layer { .. })
    }
}

/// The host's answer to a [`Want`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Supplied {
    /// The exact bytes served (verified here against the digest and size).
    Bytes(Vec<u8>),
    /// The store says it is not there (404, no file).
    Absent,
    /// The store says it is there, with the size it gave when it gave one.
    Present { size: Option<u64> },
    /// What a streamed blob hashed to and how long it was (verified here).
    Streamed { digest: Digest, size: u64 },
    /// Could not be fetched: network, auth, a refused request. Said as the host words it; the
    /// report's verdict becomes "could not check" unless problems were found anyway.
    Failed(String),
}
