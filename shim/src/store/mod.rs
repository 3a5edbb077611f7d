//! The local store: one OCI image layout per list, under `$MANIFOLD_HOME` (default
//! `$XDG_DATA_HOME/manifold`, else `~/.local/share/manifold`).
//!
//! ```text
//! <root>/lists/<encoded reference>/
//!     oci-layout                      {"imageLayoutVersion":"1.0.0"}
//!     index.json                      one descriptor: the list, with its reference name
//!     blobs/sha256/<hex>              the list itself, each member manifest and its config
//! <root>/locks/<encoded reference>    the list's lock
//! ```
//!
//! A folder is self-contained, so other OCI tools read it. Every write is a temp file (or temp
//! folder) renamed into place, made while holding the list's exclusive lock, so concurrent
//! runs never lose an entry and a crash leaves either the old list or the new one.

pub mod names;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use manifold_engine::layout::{self, REF_NAME};
use manifold_engine::model::{Annotations, Descriptor, Document, ImageIndex};
use manifold_engine::{media_type, serialize, Digest};

/// Where each entry came from (a JSON array aligned with the list's entries), so push knows
/// which repository to mount or copy from and docker-style commands can name entries by reference.
pub const SOURCES: &str = "dev.manifold.sources";
/// The list format the user asked for at create (`oci` / `docker`); absent means docker's rule at push.
pub const FORMAT: &str = "dev.manifold.format";

/// A list as stored: the index, the source reference of each entry, and the chosen format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalList {
    /// The full normalised reference, e.g. `docker.io/library/foo:latest`.
    pub name: String,
    pub index: ImageIndex,
    /// `sources[i]` is where `index.manifests[i]` was added from.
    pub sources: Vec<Option<String>>,
}

impl LocalList {
    pub fn new(name: &str, index: ImageIndex) -> LocalList {
        let sources = vec![None; index.manifests.len()];
        LocalList {
            name: name.to_string(),
            index,
            sources,
        }
    }

    pub fn push_entry(&mut self, d: Descriptor, source: Option<String>) {
        self.index.manifests.push(d);
        self.sources.push(source);
    }

    pub fn remove_entry(&mut self, i: usize) -> Descriptor {
        self.sources.remove(i);
        self.index.manifests.remove(i)
    }
}

/// A store failure, with the path involved and what to do.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A store failure is a failed operation (exit 1) with the store's own message.
impl From<StoreError> for crate::error::CliError {
    fn from(e: StoreError) -> Self {
        crate::error::CliError::failed(e.0)
    }
}

fn io_err(what: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError(format!("cannot {what} {}: {e}", path.display()))
}

pub struct Store {
    root: PathBuf,
}

/// The exclusive lock of one list; released when dropped.
pub struct ListLock {
    _file: File,
}

impl Store {
    /// The store at `$MANIFOLD_HOME`, `$XDG_DATA_HOME/manifold` or `~/.local/share/manifold`.
    pub fn open() -> Result<Store, StoreError> {
        let root = if let Some(h) = std::env::var_os("MANIFOLD_HOME").filter(|v| !v.is_empty()) {
            PathBuf::from(h)
        } else if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            PathBuf::from(x).join("manifold")
        } else if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            PathBuf::from(home).join(".local/share/manifold")
        } else {
            return Err(StoreError(
                "cannot find the local store: set MANIFOLD_HOME or HOME".into(),
            ));
        };
        Ok(Store { root })
    }

    #[cfg(test)]
    pub fn at(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    fn lists(&self) -> PathBuf {
        self.root.join("lists")
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        self.lists().join(names::encode(name))
    }

    /// Takes the list's exclusive lock, waiting for other runs that hold it.
    pub fn lock(&self, name: &str) -> Result<ListLock, StoreError> {
        let locks = self.root.join("locks");
        fs::create_dir_all(&locks).map_err(|e| io_err("create", &locks, e))?;
        let path = locks.join(names::encode(name));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err("open lock", &path, e))?;
        file.lock().map_err(|e| io_err("lock", &path, e))?;
        Ok(ListLock { _file: file })
    }

    pub fn exists(&self, name: &str) -> bool {
        self.dir(name).join("index.json").is_file()
    }

    /// Reads a list; `Ok(None)` when there is none by that name.
    pub fn load(&self, name: &str) -> Result<Option<LocalList>, StoreError> {
        let dir = self.dir(name);
        let index_path = dir.join("index.json");
        let bytes = match fs::read(&index_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &index_path, e)),
        };
        let corrupt = |why: String| {
            StoreError(format!(
                "the local list {name} is damaged ({why}) in {}; remove it with `manifold rm {name}` and create it again",
                dir.display()
            ))
        };
        let layout: Document<ImageIndex> =
            Document::parse(bytes).map_err(|e| corrupt(format!("index.json: {e}")))?;
        let [top] = layout.value.manifests.as_slice() else {
            return Err(corrupt(
                "index.json must hold exactly one descriptor".into(),
            ));
        };
        let annotations = top.annotations.clone().unwrap_or_default();
        match annotations.get(REF_NAME) {
            Some(n) if n == name => {}
            Some(other) => {
                return Err(corrupt(format!("index.json names {other}, not this list")));
            }
            None => {
                return Err(corrupt(format!(
                    "index.json does not name the list ({REF_NAME} is missing)"
                )));
            }
        }
        let list_bytes = self
            .read_blob(name, &top.digest)
            .map_err(|e| corrupt(e.0))?;
        let list: Document<ImageIndex> =
            Document::parse(list_bytes).map_err(|e| corrupt(format!("list blob: {e}")))?;
        let mut index = list.value;
        index.media_type = match annotations.get(FORMAT).map(String::as_str) {
            Some("oci") => Some(media_type::OCI_INDEX.to_string()),
            Some("docker") => Some(media_type::DOCKER_LIST.to_string()),
            _ => None,
        };
        let sources: Vec<Option<String>> = match annotations.get(SOURCES) {
            Some(s) => serde_json::from_str(s).map_err(|e| corrupt(format!("{SOURCES}: {e}")))?,
            None => vec![None; index.manifests.len()],
        };
        if sources.len() != index.manifests.len() {
            return Err(corrupt(format!(
                "{SOURCES} has {} items for {} entries",
                sources.len(),
                index.manifests.len()
            )));
        }
        Ok(Some(LocalList {
            name: name.to_string(),
            index,
            sources,
        }))
    }

    /// The bytes of a blob of the list, verified against its digest.
    pub fn read_blob(&self, name: &str, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let path = blob_path(&self.dir(name), digest);
        let bytes = fs::read(&path).map_err(|e| io_err("read", &path, e))?;
        digest
            .verify(&bytes)
            .map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        Ok(bytes)
    }

    /// Writes `list` and `blobs` (member manifests and configs not stored yet). The caller holds
    /// the list's lock. A new list is built in a hidden temp folder and renamed into place; an
    /// existing one gets its blobs first and its index.json last, each by rename.
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
        let fresh = !dir.join("index.json").is_file();
        let work = if fresh {
            let tmp = lists.join(temp_folder(&list.name));
            fs::create_dir_all(tmp.join("blobs/sha256")).map_err(|e| io_err("create", &tmp, e))?;
            write_file(
                &tmp.join("oci-layout"),
                br#"{"imageLayoutVersion":"1.0.0"}"#,
                true,
            )?;
            tmp
        } else {
            dir.clone()
        };
        // Member manifests and configs are a verified cache: every read checks the digest, and
        // push fetches a missing or damaged one again by digest from its recorded source. So
        // they are renamed into place without a sync each (an fsync costs 2-4 ms on a virtual
        // disk: 100 of them were 90% of `create` of 50 images); the list blob and index.json,
        // which are the list, are synced, and each folder once.
        for (digest, bytes) in blobs {
            let path = blob_path(&work, digest);
            if !path.is_file() {
                write_file(&path, bytes, false)?;
            }
        }
        let mut stored = list.index.clone();
        stored.media_type = Some(media_type::OCI_INDEX.to_string());
        let list_bytes = serialize::oci_bytes(&stored);
        let list_desc = Descriptor::of(media_type::OCI_INDEX, &list_bytes);
        let list_path = blob_path(&work, &list_desc.digest);
        write_file(&list_path, &list_bytes, true)?;
        sync_dir(list_path.parent().expect("blob paths have a parent"));
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
        let mut top = list_desc;
        top.annotations = Some(a);
        let mut layout = ImageIndex::new(media_type::OCI_INDEX);
        layout.manifests.push(top);
        write_file(
            &work.join("index.json"),
            &serialize::oci_bytes(&layout),
            true,
        )?;
        sync_dir(&work);
        if fresh {
            if dir.exists() {
                // A folder without index.json: left by hand or by a crash before index.json; replace it.
                let trash = lists.join(temp_folder(&list.name));
                fs::rename(&dir, &trash).map_err(|e| io_err("move aside", &dir, e))?;
                let _ = fs::remove_dir_all(&trash);
            }
            fs::rename(&work, &dir).map_err(|e| io_err("rename into place", &dir, e))?;
            sync_dir(&lists);
        }
        Ok(())
    }

    /// Deletes a list (the caller holds its lock): renamed aside first, so a crash never leaves
    /// half a list under the real name.
    pub fn remove(&self, _lock: &ListLock, name: &str) -> Result<bool, StoreError> {
        let dir = self.dir(name);
        if !dir.exists() {
            return Ok(false);
        }
        let trash = self.lists().join(temp_folder(name));
        fs::rename(&dir, &trash).map_err(|e| io_err("remove", &dir, e))?;
        fs::remove_dir_all(&trash).map_err(|e| io_err("remove", &trash, e))?;
        Ok(true)
    }

    /// Every list's name, sorted, with its folder's decoded or recorded reference.
    pub fn names(&self) -> Result<Vec<String>, StoreError> {
        let lists = self.lists();
        let rd = match fs::read_dir(&lists) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read", &lists, e)),
        };
        let mut out = Vec::new();
        for entry in rd.flatten() {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with('.') || !entry.path().join("index.json").is_file() {
                continue;
            }
            let name = match names::decode(&file_name) {
                Some(n) => n,
                None => match recorded_name(&entry.path()) {
                    Some(n) => n,
                    None => continue,
                },
            };
            out.push(name);
        }
        out.sort();
        Ok(out)
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

fn recorded_name(dir: &Path) -> Option<String> {
    let bytes = fs::read(dir.join("index.json")).ok()?;
    let doc: Document<ImageIndex> = Document::parse(bytes).ok()?;
    doc.value
        .manifests
        .first()?
        .annotations
        .as_ref()?
        .get(REF_NAME)
        .cloned()
}

fn blob_path(dir: &Path, digest: &Digest) -> PathBuf {
    dir.join(layout::blob_path(digest))
}

/// Deletes the `.tmp-*` files directly in `dir` (what `write_atomic` leaves when killed).
fn remove_temp_files(dir: &Path) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-")
                && e.file_type().is_ok_and(|t| t.is_file())
            {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// The start of every temp folder name of one list. `+` never appears in an encoded name, so
/// the prefix of `app:latest` is not a prefix of `app:latest-1`'s temp folders.
fn temp_prefix(name: &str) -> String {
    format!(".tmp-{}+", names::encode(name))
}

fn temp_folder(name: &str) -> String {
    format!("{}{}", temp_prefix(name), unique())
}

/// A name part no other writer uses at the same time: process id, a per-process counter
/// (threads of one run write blobs in parallel) and the clock's nanoseconds.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to a hidden temp file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_file(path, bytes, true)?;
    sync_dir(path.parent().expect("store paths have a parent"));
    Ok(())
}

/// Writes `bytes` to a hidden temp file beside `path` and renames it over `path`, so a reader
/// sees the old file or the new one; with `sync`, the file's data is synced before the rename
/// (its folder is the caller's to sync).
fn write_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), StoreError> {
    let dir = path.parent().expect("store paths have a parent");
    fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
    let tmp = dir.join(format!(".tmp-{}", unique()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_err("write", path, e));
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use manifold_engine::model::Platform;

    fn temp_store() -> (Store, PathBuf) {
        let root = std::env::temp_dir().join(format!("manifold-store-test-{}", unique()));
        (Store::at(&root), root)
    }

    #[test]
    fn save_load_round_trip_and_remove() {
        let (store, root) = temp_store();
        let name = "docker.io/library/foo:latest";
        assert!(store.load(name).unwrap().is_none());
        let child = br#"{"schemaVersion":2}"#.to_vec();
        let mut d = Descriptor::of(media_type::DOCKER_MANIFEST, &child);
        d.platform = Some(Platform::new("linux", "amd64"));
        let mut list = LocalList::new(name, ImageIndex::new(media_type::OCI_INDEX));
        list.index.media_type = None;
        list.push_entry(d.clone(), Some("docker.io/library/foo:amd64".into()));
        {
            let lock = store.lock(name).unwrap();
            store
                .save(&lock, &list, &[(d.digest.clone(), child.clone())])
                .unwrap();
        }
        let back = store.load(name).unwrap().unwrap();
        assert_eq!(back, list);
        assert_eq!(store.read_blob(name, &d.digest).unwrap(), child);
        assert_eq!(store.names().unwrap(), vec![name.to_string()]);
        let lock = store.lock(name).unwrap();
        assert!(store.remove(&lock, name).unwrap());
        assert!(store.load(name).unwrap().is_none());
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn damaged_index_is_reported_with_the_way_out() {
        let (store, root) = temp_store();
        let name = "docker.io/library/bar:latest";
        fs::create_dir_all(store.dir(name)).unwrap();
        fs::write(store.dir(name).join("index.json"), b"{garbage").unwrap();
        let err = store.load(name).unwrap_err().0;
        assert!(
            err.contains("damaged") && err.contains("manifold rm"),
            "{err}"
        );
        let _ = fs::remove_dir_all(root);
    }
}
