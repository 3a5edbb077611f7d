//! Saving a list: the all-or-nothing write (a new list built in a temp folder and renamed into
//! place, an existing one updated blob by blob with index.json last), the `Made` record that
//! undoes a failed save so the store is as it was, and the garbage collection that follows a
//! successful one (blobs the list no longer needs, what a killed run left). Kept apart from
//! reading because this is where the crash and full-disk guarantees live.

use std::fs;
use std::path::{Path, PathBuf};

use manifold_engine::layout::REF_NAME;
use manifold_engine::model::{Annotations, Descriptor, ImageIndex};
use manifold_engine::{media_type, retain, serialize, Digest};

use super::pool::Pool;
use super::write::{io_err, remove_temp_files, sync_dir, temp_folder, temp_prefix, write_file};
use super::{blob_path, ListLock, LocalList, Store, StoreError, FORMAT, SOURCES};

impl Store {
    /// Writes `list` and `blobs` (member manifests and configs not stored yet). The caller holds
    /// the list's lock. A new list is built in a hidden temp folder and renamed into place; an
    /// existing one gets its blobs first and its index.json last, each by rename.
    ///
    /// All or nothing, full disk or not: when any step fails, every file this save made is
    /// removed again before the error (which names the path and the OS error) is returned, so
    /// the store is as it was. After a successful save, the blobs the list no longer needs (those
    /// of removed entries, replaced list blobs, what a killed run wrote) are deleted, still under
    /// the lock; which ones is the engine's rule (`retain::needed`).
    pub fn save(
        &self,
        _lock: &ListLock,
        list: &LocalList,
        blobs: &[(Digest, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let lists = self.lists();
        fs::create_dir_all(&lists).map_err(|e| io_err("create", &lists, e))?;
        self.clean_temps(&list.name);
        let dir = self.dir(&list.name);
        let mut made = Made::default();
        match self.write_list(&dir, list, blobs, &mut made) {
            Ok(list_digest) => {
                self.collect(&dir, &list_digest, &list.index);
                Ok(())
            }
            Err(e) => {
                made.undo(&self.pool());
                Err(StoreError(format!(
                    "{}; the local list {} is unchanged",
                    e.0, list.name
                )))
            }
        }
    }

    /// The writing half of `save`; what it made is recorded in `made` as it goes. Returns the
    /// digest of the list blob.
    fn write_list(
        &self,
        dir: &Path,
        list: &LocalList,
        blobs: &[(Digest, Vec<u8>)],
        made: &mut Made,
    ) -> Result<Digest, StoreError> {
        let lists = self.lists();
        let fresh = !dir.join("index.json").is_file();
        let work = if fresh {
            let tmp = lists.join(temp_folder(&list.name));
            made.folder = Some(tmp.clone());
            fs::create_dir_all(tmp.join("blobs/sha256")).map_err(|e| io_err("create", &tmp, e))?;
            // constant bytes, made durable by the folder's sync below with the rest
            write_file(
                &tmp.join("oci-layout"),
                br#"{"imageLayoutVersion":"1.0.0"}"#,
                false,
            )?;
            tmp
        } else {
            dir.to_path_buf()
        };
        // Member manifests and configs are a verified cache: every read checks the digest, and
        // push fetches a missing or damaged one again by digest from its recorded source. So
        // they are renamed into place without a sync each (an fsync costs 2-4 ms on a virtual
        // disk: 100 of them were 90% of `create` of 50 images); the list blob and index.json,
        // which are the list, are synced, and one folder once. Each is a hard link to the
        // shared pool's copy when there is one (see `pool`).
        let pool = self.pool();
        for (digest, bytes) in blobs {
            let path = blob_path(&work, digest);
            let existed = path.is_file();
            if existed && blob_ok(&path, digest) {
                continue;
            }
            if !pool.link_into(digest, &path) {
                write_file(&path, bytes, false)?;
                pool.offer(digest, &path);
            }
            if !existed {
                made.files.push((path, Some(digest.clone())));
            }
        }
        let mut stored = list.index.clone();
        stored.media_type = Some(media_type::OCI_INDEX.to_string());
        let list_bytes = serialize::oci_bytes(&stored);
        let list_desc = Descriptor::of(media_type::OCI_INDEX, &list_bytes);
        let list_path = blob_path(&work, &list_desc.digest);
        if !blob_ok(&list_path, &list_desc.digest) {
            let existed = list_path.is_file();
            write_file(&list_path, &list_bytes, true)?;
            if !existed {
                made.files.push((list_path.clone(), None));
            }
        }
        let mut a = Annotations::new();
        a.insert(REF_NAME.to_string(), list.name.clone());
        a.insert(
            SOURCES.to_string(),
            serde_json::to_string(&list.sources).expect("strings serialise"),
        );
        if let Some(mt) = list.index.media_type.as_deref() {
            a.insert(
                FORMAT.to_string(),
                if mt == media_type::DOCKER_LIST {
                    "docker"
                } else {
                    "oci"
                }
                .to_string(),
            );
        }
        let list_digest = list_desc.digest.clone();
        let mut top = list_desc;
        top.annotations = Some(a);
        let mut layout = ImageIndex::new(media_type::OCI_INDEX);
        layout.manifests.push(top);
        write_file(
            &work.join("index.json"),
            &serialize::oci_bytes(&layout),
            true,
        )?;
        // One folder sync per save: the list's own folder for an update (its index.json was
        // renamed there last), the store's folder for a new list (the folder renamed into it).
        // Both commit the journal of an ext4 store with every rename before them, blobs' included.
        if !fresh {
            sync_dir(&work);
        }
        if fresh {
            if dir.exists() {
                // A folder without index.json: left by hand or by a crash before index.json; replace it.
                let trash = lists.join(temp_folder(&list.name));
                fs::rename(dir, &trash).map_err(|e| io_err("move aside", dir, e))?;
                let _ = fs::remove_dir_all(&trash);
            }
            fs::rename(&work, dir).map_err(|e| io_err("rename into place", dir, e))?;
            made.folder = None;
            sync_dir(&lists);
        }
        Ok(list_digest)
    }

    /// Deletes the blobs in the list's folder that the list does not need (the engine decides
    /// which), releasing their pool copies. Nothing is deleted when a needed blob is missing.
    fn collect(&self, dir: &Path, list_digest: &Digest, index: &ImageIndex) {
        let needed = retain::needed(list_digest, index, |d| fs::read(blob_path(dir, d)).ok());
        let pool = self.pool();
        for d in needed.unneeded(&present_blobs(dir)) {
            if fs::remove_file(blob_path(dir, &d)).is_ok() {
                pool.release(&d);
            }
        }
    }

    /// Removes what a killed run left for this list (safe: we hold its lock): its temp and
    /// trash folders beside the lists, and temp files in its folder and its blob folders.
    fn clean_temps(&self, name: &str) {
        let prefix = temp_prefix(name);
        if let Ok(rd) = fs::read_dir(self.lists()) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = self.dir(name);
        remove_temp_files(&dir);
        if let Ok(rd) = fs::read_dir(dir.join("blobs")) {
            for e in rd.flatten() {
                remove_temp_files(&e.path());
            }
        }
    }
}

/// What a failing save made, to be removed again.
#[derive(Default)]
struct Made {
    /// The temp folder of a new list (until it is renamed into place).
    folder: Option<PathBuf>,
    /// Files made in the list's folder (or the temp folder), with their digest when the pool
    /// may hold a copy.
    files: Vec<(PathBuf, Option<Digest>)>,
}

impl Made {
    fn undo(self, pool: &Pool) {
        for (path, _) in &self.files {
            let _ = fs::remove_file(path);
        }
        if let Some(folder) = &self.folder {
            let _ = fs::remove_dir_all(folder);
        }
        for (_, digest) in &self.files {
            if let Some(d) = digest {
                pool.release(d);
            }
        }
    }
}

/// Whether the blob at `path` is there and matches `digest`.
fn blob_ok(path: &Path, digest: &Digest) -> bool {
    fs::read(path).is_ok_and(|b| digest.verify(&b).is_ok())
}

/// The digests of the blob files in a list folder (temp files and other names left alone).
fn present_blobs(dir: &Path) -> Vec<Digest> {
    let mut out = Vec::new();
    let Ok(algs) = fs::read_dir(dir.join("blobs")) else {
        return out;
    };
    for alg in algs.flatten() {
        let alg_name = alg.file_name().to_string_lossy().into_owned();
        let Ok(files) = fs::read_dir(alg.path()) else {
            continue;
        };
        for f in files.flatten() {
            let hex = f.file_name().to_string_lossy().into_owned();
            if let Ok(d) = Digest::parse(&format!("{alg_name}:{hex}")) {
                out.push(d);
            }
        }
    }
    out
}
