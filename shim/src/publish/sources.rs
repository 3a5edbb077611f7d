//! Where members are read from while publishing: each recorded source in the engine's terms
//! (an [`Origin`]) and the [`Content`] behind it — a registry repository, a layout folder, or
//! the bytes kept locally (the store, or what `--publish` fetched), so copying a blob never
//! asks which kind of place it comes from.

use std::collections::HashMap;

use manifold_engine::registry::Origin;
use manifold_engine::Digest;

use crate::error::{CliError, CliResult};
use crate::source::{self, Content, Location, Remote};

/// Where a member comes from, resolved from its recorded source.
pub fn location_of(source: Option<&str>) -> Option<Location> {
    Location::parse(source?).ok()
}

/// A location in the engine's terms.
pub fn origin_of(location: Option<&Location>) -> Origin {
    match location {
        Some(Location::Registry(r)) => Origin::Registry {
            registry: r.domain().to_string(),
            repo: r.path().to_string(),
        },
        Some(Location::Layout(path, _)) => Origin::Layout {
            path: path.display().to_string(),
        },
        None => Origin::Local,
    }
}

/// The source of a child of a nested index: the same repository (by the child's digest) or
/// the same layout folder.
pub fn child_location(parent: Option<&Location>, child: &Digest) -> Option<Location> {
    parent.map(|l| match l {
        Location::Registry(r) => Location::Registry(r.with_digest(child.clone())),
        other => other.clone(),
    })
}

/// The bytes kept locally, as a [`Content`] (for members without a source).
pub struct LocalContent<'a> {
    pub local_blob: &'a (dyn Fn(&Digest) -> Option<Vec<u8>> + Sync),
}

impl LocalContent<'_> {
    fn get(&self, digest: &Digest) -> CliResult<Vec<u8>> {
        (self.local_blob)(digest)
            .ok_or_else(|| CliError::failed(format!("blob {digest} has no known source")))
    }
}

impl Content for LocalContent<'_> {
    fn manifest(&self, digest: Option<&Digest>) -> CliResult<(Vec<u8>, Option<String>)> {
        let digest = digest.ok_or_else(|| CliError::failed("no manifest is kept locally"))?;
        Ok((self.get(digest)?, None))
    }

    fn blob(&self, digest: &Digest) -> CliResult<Vec<u8>> {
        self.get(digest)
    }

    fn stream_blob(&self, digest: &Digest, out: &mut dyn std::io::Write) -> CliResult<()> {
        out.write_all(&self.get(digest)?)
            .map_err(|e| CliError::failed(format!("blob {digest}: {e}")))
    }

    fn upload_blob_to(
        &self,
        remote: &dyn Remote,
        to: &manifold_engine::reference::Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()> {
        let bytes = self.get(digest)?;
        remote.upload_blob(to, digest, size, &mut bytes.as_slice(), session)
    }
}

/// Every origin the plan may name, with a location to read it from.
pub struct Sources<'a> {
    pub locations: HashMap<Origin, Location>,
    pub remote: Option<&'a dyn Remote>,
    pub local_blob: &'a (dyn Fn(&Digest) -> Option<Vec<u8>> + Sync),
}

impl<'a> Sources<'a> {
    /// The content behind `origin`, opened when a step needs it (a layout source is looked at
    /// only if something is read from it).
    pub fn content(&self, origin: &Origin) -> CliResult<Box<dyn Content + 'a>> {
        match self.locations.get(origin) {
            Some(location) => source::open(location, self.remote),
            None => Ok(Box::new(LocalContent {
                local_blob: self.local_blob,
            })),
        }
    }
}
