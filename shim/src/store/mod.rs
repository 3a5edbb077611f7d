//! The local store: one OCI image layout per list, under `$MANIFOLD_HOME` (default
//! `$XDG_DATA_HOME/manifold`, else `~/.local/share/manifold`).
//!
//! ```text
//! <root>/lists/<encoded reference>/
//!     oci-layout                      {"imageLayoutVersion":"1.0.0"}
//!     index.json                      one descriptor: the list, with its reference name
//!     blobs/sha256/<hex>              the list itself, each member manifest and its config
//! <root>/blobs/sha256/<hex>           the shared pool: one inode per member blob, hard-linked
//!                                     into every list folder that holds it (see `pool`)
//! <root>/locks/<encoded reference>    the list's lock, there only while a run holds it
//! ```
//!
//! A folder is self-contained, so other OCI tools read it. Every write is a temp file (or temp
//! folder) renamed into place, made while holding the list's exclusive lock, so concurrent
//! runs never lose an entry and a crash leaves either the old list or the new one. A command
//! that fails removes what it wrote; the next successful save removes what the list does not
//! need (old list blobs, dropped entries, what a killed run left).
//!
//! Measured: 50 lists of the same 20 single-platform images, each made by `create` from an OCI
//! layout, on ext4. Before the pool: 2200 files and inodes, `du -sb` 1,466,779 B, `du -sk`
//! 9,412 KiB. With it: 2190 names but 190 inodes, `du -sb` 914,587 B (`du -sb --count-links`
//! 1,485,387 B), `du -sk` 1,580 KiB; file bytes (each inode once) 840,091 B before, 279,707 B
//! after. Most of what is left is the 150 list folders themselves.

pub mod names;
mod pool;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use manifold_engine::layout::{self, REF_NAME};
use manifold_engine::model::{Annotations, Descriptor, Document, ImageIndex};
use manifold_engine::{media_type, retain, serialize, Digest};

use pool::Pool;

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

/// `cannot WHAT PATH: OS ERROR`, with the way out for a full or failing device.
pub(crate) fn io_err(what: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError(format!(
        "cannot {what} {}: {e}{}",
        path.display(),
        way_out(path, &e)
    ))
}

/// What to do about a full or failing device, naming the folder whose device it is: the local
/// store (and the variable that moves it) for a path inside it, else the path's folder.
fn way_out(path: &Path, e: &io::Error) -> String {
    let holder = match Store::open() {
        Ok(s) if path.starts_with(&s.root) => {
            format!(
                "the local store ({}, set by MANIFOLD_HOME)",
                s.root.display()
            )
        }
        _ => path.parent().unwrap_or(path).display().to_string(),
    };
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            format!("; free space on the device holding {holder} and run the command again")
        }
        _ if e.raw_os_error() == Some(5) => {
            format!("; the device holding {holder} reported an I/O error: check it")
        }
        _ => String::new(),
    }
}

pub struct Store {
    root: PathBuf,
}

/// The exclusive lock of one list; released when dropped. Its lock file exists only while a
/// run holds it: it is removed (still locked) at release, so a failed command leaves no new
/// file behind and `locks/` does not fill with the names of removed lists. A run that was
/// waiting on the removed file sees, once it gets it, that the path no longer names the file it
/// holds, and starts again with the new one.
pub struct ListLock {
    file: File,
    path: PathBuf,
}

impl Drop for ListLock {
    fn drop(&mut self) {
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the file `file` is open on.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
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
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| io_err("open lock", &path, e))?;
            file.lock().map_err(|e| io_err("lock", &path, e))?;
            // The holder before us removed the file we waited on: take the current one.
            if same_file(&file, &path) {
                return Ok(ListLock { file, path });
            }
        }
    }

    /// Whether there is a list by that name: whole, or damaged (a folder without index.json,
    /// which `load` reports, so `rm` can remove it).
    pub fn exists(&self, name: &str) -> bool {
        self.dir(name).is_dir()
    }

    fn pool(&self) -> Pool {
        Pool::new(&self.root)
    }

    /// Reads a list; `Ok(None)` when there is none by that name.
    pub fn load(&self, name: &str) -> Result<Option<LocalList>, StoreError> {
        let dir = self.dir(name);
        let index_path = dir.join("index.json");
        let bytes = match fs::read(&index_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !dir.is_dir() => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err("read", &index_path, e)),
        };
        let corrupt = |why: String| {
            StoreError(format!(
                "the local list {name} is damaged ({why}) in {}; remove it with `manifold rm {name}` and create it again",
                dir.display()
            ))
        };
        if bytes.is_empty() && !index_path.exists() {
            return Err(corrupt("its folder has no index.json".into()));
        }
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
            write_file(
                &tmp.join("oci-layout"),
                br#"{"imageLayoutVersion":"1.0.0"}"#,
                true,
            )?;
            tmp
        } else {
            dir.to_path_buf()
        };
        // Member manifests and configs are a verified cache: every read checks the digest, and
        // push fetches a missing or damaged one again by digest from its recorded source. So
        // they are renamed into place without a sync each (an fsync costs 2-4 ms on a virtual
        // disk: 100 of them were 90% of `create` of 50 images); the list blob and index.json,
        // which are the list, are synced, and each folder once. Each is a hard link to the
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
            sync_dir(list_path.parent().expect("blob paths have a parent"));
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
        sync_dir(&work);
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

    /// Checks that every blob the list needs is there and matches its digest (`load` reads only
    /// index.json and the list blob). The error says which blob, and how to get it back.
    pub fn check(&self, list: &LocalList) -> Result<(), StoreError> {
        let dir = self.dir(&list.name);
        let mut stored = list.index.clone();
        stored.media_type = Some(media_type::OCI_INDEX.to_string());
        let list_digest = Digest::sha256(&serialize::oci_bytes(&stored));
        let needed = retain::needed(&list_digest, &list.index, |d| {
            fs::read(blob_path(&dir, d)).ok()
        });
        let Some(first) = needed.missing.first() else {
            return Ok(());
        };
        let name = &list.name;
        let more = match needed.missing.len() {
            1 => String::new(),
            n => format!(", and {} more", n - 1),
        };
        let source = first
            .role
            .entry()
            .and_then(|i| list.sources.get(i).cloned().flatten());
        let fix = match source {
            Some(src) => format!(
                "add its source again with `manifold add {name} {src}`, or remove the list with `manifold rm {name}`"
            ),
            None => format!("remove it with `manifold rm {name}` and create it again"),
        };
        Err(StoreError(format!(
            "the local list {name} is damaged ({} {} is missing or damaged{more}) in {}; {fix}",
            first.role.describe(),
            first.digest,
            dir.display()
        )))
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
        let removed = fs::remove_dir_all(&trash).map_err(|e| io_err("remove", &trash, e));
        // The pool copies only this list linked to are unused now.
        self.pool().sweep();
        removed.map(|()| true)
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
            // A folder without index.json is listed too: `load` reports it damaged.
            if file_name.starts_with('.') || !entry.path().is_dir() {
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
    // The folders made here are removed again if the write fails.
    let mut made_dirs = Vec::new();
    let mut d = dir;
    while !d.as_os_str().is_empty() && !d.exists() {
        made_dirs.push(d.to_path_buf());
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    let remove_made = || {
        for d in &made_dirs {
            let _ = fs::remove_dir(d);
        }
    };
    if let Err(e) = fs::create_dir_all(dir) {
        remove_made();
        return Err(io_err("create", dir, e));
    }
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
        remove_made();
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
    fn member_blobs_are_shared_through_the_pool_and_lock_files_go_at_release() {
        use std::os::unix::fs::MetadataExt;
        let (store, root) = temp_store();
        let child = br#"{"schemaVersion":2,"shared":true}"#.to_vec();
        let d = Descriptor::of(media_type::OCI_MANIFEST, &child);
        let names = ["docker.io/library/a:latest", "docker.io/library/b:latest"];
        for name in names {
            let mut list = LocalList::new(name, ImageIndex::new(media_type::OCI_INDEX));
            list.push_entry(d.clone(), None);
            let lock = store.lock(name).unwrap();
            store
                .save(&lock, &list, &[(d.digest.clone(), child.clone())])
                .unwrap();
            drop(lock);
            assert!(!root.join("locks").join(names::encode(name)).exists());
        }
        let pooled = Pool::new(&root).path(&d.digest);
        let links = || fs::metadata(&pooled).map(|m| m.nlink()).ok();
        assert_eq!(links(), Some(3), "one inode: the pool and both lists");
        for (i, name) in names.iter().enumerate() {
            let lock = store.lock(name).unwrap();
            store.remove(&lock, name).unwrap();
            assert_eq!(links(), [Some(2), None][i]);
        }
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
