//! Where a list is published, behind one interface (as regclient's `scheme.API` is over its
//! registry and OCI-directory schemes): the steps of the engine's push plan are carried out
//! through [`Target`] without asking which kind of place it is. The two kinds live beside it:
//! `registry.rs` (a registry repository) and `layout.rs` (an OCI layout folder).

use manifold_engine::registry::PushTarget;
use manifold_engine::Digest;

use super::layout::LayoutTarget;
use super::registry::RegistryTarget;
use crate::error::{CliError, CliResult};
use crate::layout::Layout;
use crate::source::{Content, Location, Remote};

/// What publishing needs of a destination. Blobs and manifests are named by digest; every
/// write is idempotent, so a step retried or run twice ends in the same state.
pub trait Target: Sync {
    /// True when the target holds the blob (a HEAD, or a file test).
    fn has_blob(&self, digest: &Digest) -> CliResult<bool>;
    /// Mounts a blob from another repository of the target's registry; when that is refused,
    /// copies it from `from` instead (into the upload session the refusal opened).
    fn mount_blob(
        &self,
        digest: &Digest,
        size: u64,
        from_repo: &str,
        from: &dyn Content,
    ) -> CliResult;
    /// Copies a blob from `from`, streamed.
    fn copy_blob(&self, digest: &Digest, size: u64, from: &dyn Content) -> CliResult;
    /// Puts a member manifest's exact bytes by digest. Returns the line docker prints for it,
    /// when there is one (`Pushed ref …` for a registry).
    fn put_manifest(
        &self,
        digest: &Digest,
        media_type: &str,
        bytes: &[u8],
    ) -> CliResult<Option<String>>;
    /// Puts the list at `reference` (the tag or digest the destination names) and then at each
    /// of `tags`; returns its digest.
    fn put_list(
        &self,
        bytes: &[u8],
        media_type: &str,
        reference: Option<&str>,
        tags: &[String],
    ) -> CliResult<Digest>;
}

/// The destination in the engine's terms, with the tag it names, for the plan.
pub fn plan_target(dest: &Location) -> (PushTarget, Option<String>) {
    match dest {
        Location::Registry(r) => (
            PushTarget::Registry {
                registry: r.domain().to_string(),
                repo: r.path().to_string(),
            },
            r.tag().map(str::to_string),
        ),
        Location::Layout(path, tag) => (
            PushTarget::Layout {
                path: path.display().to_string(),
            },
            tag.clone(),
        ),
    }
}

/// Opens the destination for writing: a registry repository through `remote`, or a layout
/// folder, created if needed and locked until the target is dropped.
pub fn open<'a>(
    dest: &Location,
    remote: Option<&'a dyn Remote>,
) -> CliResult<Box<dyn Target + 'a>> {
    Ok(match dest {
        Location::Registry(r) => Box::new(RegistryTarget {
            remote: remote.ok_or_else(|| CliError::failed("no registry client"))?,
            to: r.clone(),
        }),
        Location::Layout(path, _) => {
            let (layout, lock) = Layout::lock_or_create(path)?;
            Box::new(LayoutTarget {
                layout,
                _lock: lock,
            })
        }
    })
}

/// Opens the destination for a dry run: questions only. A layout is opened if it exists (and
/// holds nothing if it does not); nothing is created or locked.
pub fn open_read_only<'a>(
    dest: &Location,
    remote: Option<&'a dyn Remote>,
) -> CliResult<Box<dyn Target + 'a>> {
    Ok(match dest {
        Location::Registry(_) => open(dest, remote)?,
        Location::Layout(path, _) => Box::new(ReadOnlyLayout(Layout::open(path).ok())),
    })
}

/// A layout asked about during a dry run; asked to write, it refuses.
struct ReadOnlyLayout(Option<Layout>);

impl ReadOnlyLayout {
    fn refuse<T>(&self) -> CliResult<T> {
        Err(CliError::failed("a dry run writes nothing"))
    }
}

impl Target for ReadOnlyLayout {
    fn has_blob(&self, digest: &Digest) -> CliResult<bool> {
        Ok(self.0.as_ref().is_some_and(|l| l.has_blob(digest)))
    }
    fn mount_blob(&self, _: &Digest, _: u64, _: &str, _: &dyn Content) -> CliResult {
        self.refuse()
    }
    fn copy_blob(&self, _: &Digest, _: u64, _: &dyn Content) -> CliResult {
        self.refuse()
    }
    fn put_manifest(&self, _: &Digest, _: &str, _: &[u8]) -> CliResult<Option<String>> {
        self.refuse()
    }
    fn put_list(&self, _: &[u8], _: &str, _: Option<&str>, _: &[String]) -> CliResult<Digest> {
        self.refuse()
    }
}
