//! The store's shared content pool: each member blob (manifest or config) is kept once, in
//! `<root>/blobs/<alg>/<hex>`, and every list folder's `blobs/<alg>/<hex>` is a hard link to it,
//! so each list folder stays a complete OCI layout that other tools read while 50 lists of the
//! same 20 images hold one copy of each manifest and config, not 50.
//!
//! The rules that keep it safe without a store-wide lock:
//! - a pool file is only ever made as a link *of a list's file* (`link(list, pool)`), never
//!   written first, so a killed run cannot leave a pool file that no list links to;
//! - a list file is linked *from* the pool only after the pool file's bytes are verified;
//! - when a list drops a file, the pool copy whose link count fell to 1 is removed. A run that
//!   links it at that moment keeps its own link (an inode lives while any link does): the bytes
//!   are never lost, at worst that blob is no longer shared;
//! - where hard links fail (EXDEV when `lists/` is another mount, EPERM or EOPNOTSUPP on file
//!   systems without them), the list keeps a plain copy of its own: sharing is a saving, never
//!   a requirement.
//!
//! Measured (50 lists of the same 20 single-platform images, `create` from an OCI layout):
//! see the figures in the module doc of `store`.

use std::fs;
use std::path::{Path, PathBuf};

use manifold_engine::Digest;

/// The pool at `<root>/blobs`.
pub struct Pool {
    dir: PathBuf,
}

impl Pool {
    pub fn new(root: &Path) -> Pool {
        Pool {
            dir: root.join("blobs"),
        }
    }

    pub(super) fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.algorithm_str()).join(digest.encoded())
    }

    /// Puts the pool's copy of `digest` at `dest` as a hard link (through a temp name and a
    /// rename, so `dest` is whole or absent); false when there is no good pool copy or linking
    /// fails, and nothing was made.
    pub fn link_into(&self, digest: &Digest, dest: &Path) -> bool {
        let pooled = self.path(digest);
        match fs::read(&pooled) {
            Ok(b) if digest.verify(&b).is_ok() => {}
            _ => return false,
        }
        let Some(dir) = dest.parent() else {
            return false;
        };
        let tmp = dir.join(format!(".tmp-{}", super::unique()));
        if fs::hard_link(&pooled, &tmp).is_err() {
            return false;
        }
        if fs::rename(&tmp, dest).is_err() {
            let _ = fs::remove_file(&tmp);
            return false;
        }
        true
    }

    /// Offers a list's freshly written blob to the pool (a hard link of it). Failures only
    /// mean the blob is not shared: the list has its own copy either way.
    pub fn offer(&self, digest: &Digest, file: &Path) {
        if cfg!(not(unix)) {
            return;
        }
        let pooled = self.path(digest);
        if let Some(dir) = pooled.parent() {
            if !dir.is_dir() && fs::create_dir_all(dir).is_err() {
                return;
            }
        }
        let _ = fs::hard_link(file, &pooled);
    }

    /// Called after a list dropped its link of `digest`: the pool copy goes when it is the
    /// last link.
    pub fn release(&self, digest: &Digest) {
        let pooled = self.path(digest);
        if links(&pooled) == Some(1) {
            let _ = fs::remove_file(&pooled);
        }
    }

    /// Removes every pool copy no list links to any more (lists removed by `rm`, or by hand).
    pub fn sweep(&self) {
        let Ok(algs) = fs::read_dir(&self.dir) else {
            return;
        };
        for alg in algs.flatten() {
            let Ok(files) = fs::read_dir(alg.path()) else {
                continue;
            };
            for f in files.flatten() {
                if links(&f.path()) == Some(1) {
                    let _ = fs::remove_file(f.path());
                }
            }
        }
    }
}

#[cfg(unix)]
fn links(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(path).ok().map(|m| m.nlink())
}

/// Without a link count the pool cannot tell a shared copy from an unused one, so it keeps all.
#[cfg(not(unix))]
fn links(_path: &Path) -> Option<u64> {
    None
}
