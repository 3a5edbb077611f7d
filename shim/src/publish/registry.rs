//! A registry repository as a publishing [`Target`]: blobs asked about with HEAD, mounted
//! within the registry, uploaded or streamed from other registries; manifests and the list
//! PUT by digest and by tag, with the wording docker and the tests expect.

use manifold_engine::reference::Reference;
use manifold_engine::Digest;

use super::target::Target;
use crate::error::{CliError, CliResult};
use crate::source::{Content, Remote};

pub struct RegistryTarget<'a> {
    pub remote: &'a dyn Remote,
    /// The destination reference (its repository is where everything goes).
    pub to: Reference,
}

impl Target for RegistryTarget<'_> {
    fn has_blob(&self, digest: &Digest) -> CliResult<bool> {
        self.remote.has_blob(&self.to, digest)
    }

    fn mount_blob(
        &self,
        digest: &Digest,
        size: u64,
        from_repo: &str,
        from: &dyn Content,
    ) -> CliResult {
        match self.remote.mount_blob(&self.to, digest, from_repo)? {
            None => Ok(()),
            // The registry would not mount (202) but opened an upload: copy into that session,
            // rather than leave it open and start another.
            Some(session) => {
                from.upload_blob_to(self.remote, &self.to, digest, size, Some(session))
            }
        }
    }

    fn copy_blob(&self, digest: &Digest, size: u64, from: &dyn Content) -> CliResult {
        from.upload_blob_to(self.remote, &self.to, digest, size, None)
    }

    fn put_manifest(
        &self,
        digest: &Digest,
        media_type: &str,
        bytes: &[u8],
    ) -> CliResult<Option<String>> {
        let name = self.to.name();
        let pushed = self
            .remote
            .put_manifest(&self.to, digest.as_str(), bytes, media_type)
            .map_err(|e| {
                CliError::failed(format!(
                    "failed to put manifest {name}@{digest}: {}",
                    e.message
                ))
            })?;
        Ok(Some(format!(
            "Pushed ref {name}@{digest} with digest: {pushed}"
        )))
    }

    fn put_list(
        &self,
        bytes: &[u8],
        media_type: &str,
        reference: Option<&str>,
        tags: &[String],
    ) -> CliResult<Digest> {
        let r = &self.to;
        let mut digest = Digest::sha256(bytes);
        if let Some(at) = reference {
            digest = self
                .remote
                .put_manifest(r, at, bytes, media_type)
                .map_err(|e| {
                    CliError::failed(format!("failed to put manifest {r}: {}", e.message))
                })?;
        }
        for t in tags {
            self.remote
                .put_manifest(r, t, bytes, media_type)
                .map_err(|e| {
                    CliError::failed(format!(
                        "failed to put manifest {}: {}",
                        r.with_tag(t).map(|x| x.to_string()).unwrap_or_default(),
                        e.message
                    ))
                })?;
        }
        Ok(digest)
    }
}
