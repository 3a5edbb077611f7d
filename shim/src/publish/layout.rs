//! An OCI layout folder as a publishing [`Target`]: a blob is there when its file is, blobs
//! and manifests are written as verified files, and the list is tagged in `index.json`. The
//! target holds the layout's lock for as long as it lives (the whole publish).

use manifold_engine::model::Descriptor;
use manifold_engine::Digest;

use super::target::Target;
use crate::error::CliResult;
use crate::layout::{Layout, LayoutLock};
use crate::source::Content;

pub struct LayoutTarget {
    pub layout: Layout,
    pub _lock: LayoutLock,
}

impl Target for LayoutTarget {
    fn has_blob(&self, digest: &Digest) -> CliResult<bool> {
        Ok(self.layout.has_blob(digest))
    }

    /// A layout has no mounts; the plan never asks for one, and were it to, the blob is copied.
    fn mount_blob(
        &self,
        digest: &Digest,
        size: u64,
        _from_repo: &str,
        from: &dyn Content,
    ) -> CliResult {
        self.copy_blob(digest, size, from)
    }

    fn copy_blob(&self, digest: &Digest, _size: u64, from: &dyn Content) -> CliResult {
        self.layout
            .write_blob_with(digest, |out| from.stream_blob(digest, out))
    }

    fn put_manifest(
        &self,
        _digest: &Digest,
        _media_type: &str,
        bytes: &[u8],
    ) -> CliResult<Option<String>> {
        self.layout.write_blob(bytes)?;
        Ok(None)
    }

    fn put_list(
        &self,
        bytes: &[u8],
        media_type: &str,
        reference: Option<&str>,
        tags: &[String],
    ) -> CliResult<Digest> {
        let digest = self.layout.write_blob(bytes)?;
        let d = Descriptor::new(media_type, digest.clone(), bytes.len() as u64);
        for t in reference.into_iter().chain(tags.iter().map(String::as_str)) {
            self.layout.tag(&d, t)?;
        }
        Ok(digest)
    }
}
