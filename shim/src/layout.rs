//! OCI image layout folders as sources and destinations (`oci:PATH[:TAG]`, skopeo's spelling):
//! the file work only. What a spec means, which descriptor a tag names, how an index is
//! retagged and where a blob lives are the engine's rules (`manifold_engine::layout`); here
//! folders are opened and locked, blobs read verified, and every write made atomic.

use std::fs;
use std::path::{Path, PathBuf};

use manifold_engine::layout as rules;
use manifold_engine::model::{Descriptor, Document, ImageIndex};
use manifold_engine::{media_type, serialize, Digest};

use crate::error::{CliError, CliResult};
use crate::store::{write_atomic, StoreError};

/// `oci:PATH[:TAG]` split into the folder and the tag (none when absent). `oci:PATH@DIGEST`
/// (how entries taken from a layout's index record their source) gives the folder alone.
pub fn parse_spec(spec: &str) -> Option<(PathBuf, Option<String>)> {
    rules::parse_spec(spec).map(|s| (PathBuf::from(s.path), s.tag))
}

/// Why a layout could not be used. Each text names the file or folder, and where there is
/// one, what to do next; commands show them as they are (exit 1).
#[derive(Debug)]
pub enum LayoutError {
    /// The folder lacks `oci-layout` or `index.json`.
    NotALayout(PathBuf),
    /// `index.json` does not parse as an index.
    InvalidIndex { path: PathBuf, message: String },
    /// A tag names nothing, or no tag was given and the choice is not obvious.
    Resolve {
        dir: PathBuf,
        error: rules::ResolveError,
    },
    /// A blob the layout should hold is not there.
    BlobMissing {
        dir: PathBuf,
        digest: Digest,
        error: std::io::Error,
    },
    /// A blob's bytes do not match its name, or its file cannot be opened.
    Damaged { path: PathBuf, message: String },
    /// A streamed blob did not have the digest it was written as.
    DigestMismatch { expected: Digest, got: Digest },
    /// A file operation (`create`, `open`, `lock`, `read`, `write`) failed, in the store's
    /// wording (the path, the OS error, and the way out on a full disk).
    Write(StoreError),
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::NotALayout(dir) => write!(
                f,
                "{}: not an OCI image layout (no oci-layout or index.json file); give a folder made by an OCI tool, or push to it to create one",
                dir.display()
            ),
            LayoutError::InvalidIndex { path, message } => {
                write!(f, "{}: not a valid index: {message}", path.display())
            }
            LayoutError::Resolve { dir, error } => {
                f.write_str(&error.describe(&dir.display().to_string()))
            }
            LayoutError::BlobMissing { dir, digest, error } => {
                write!(f, "{}: blob {digest} missing: {error}", dir.display())
            }
            LayoutError::Damaged { path, message } => write!(f, "{}: {message}", path.display()),
            LayoutError::DigestMismatch { expected, got } => {
                write!(f, "blob digest mismatch: expected {expected}, got {got}")
            }
            LayoutError::Write(e) => f.write_str(&e.0),
        }
    }
}

impl std::error::Error for LayoutError {}

impl From<LayoutError> for CliError {
    fn from(e: LayoutError) -> CliError {
        CliError::failed(e.to_string())
    }
}

impl From<StoreError> for LayoutError {
    fn from(e: StoreError) -> LayoutError {
        LayoutError::Write(e)
    }
}

/// A failed file operation, in the store's words: the action, the path, the OS error and, on a
/// full or failing device, what to do.
fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LayoutError + 'a {
    move |error| LayoutError::Write(crate::store::io_err(action, path, error))
}

/// The result of a layout operation.
pub type LayoutResult<T = ()> = Result<T, LayoutError>;

/// An open layout folder.
pub struct Layout {
    dir: PathBuf,
}

/// A layout's exclusive lock; released when dropped. A run that made files in the layout but
/// never tagged anything (its commit point: index.json) removes them when it lets go, so a push
/// that fails (a full disk, a source that went away) leaves the layout as it found it, or no
/// layout at all when there was none.
pub struct LayoutLock {
    file: fs::File,
    dir: PathBuf,
}

impl Drop for LayoutLock {
    fn drop(&mut self) {
        let made = {
            let mut all = MADE.lock().unwrap_or_else(|p| p.into_inner());
            match all.iter().position(|(d, _)| d == &self.dir) {
                Some(i) => all.swap_remove(i).1,
                None => Vec::new(),
            }
        };
        for path in made.iter().rev() {
            if path.is_dir() {
                let _ = fs::remove_dir(path);
            } else {
                let _ = fs::remove_file(path);
            }
        }
        let _ = self.file.unlock();
    }
}

/// What this run made in each layout it writes into (files and folders, in order), until a tag
/// commits it. Per process: the layout's lock keeps every other run out meanwhile.
static MADE: std::sync::Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = std::sync::Mutex::new(Vec::new());

/// Records that this run made `path` (and any of its folders up to `dir` that were missing
/// before, which the caller lists first) in the layout at `dir`.
fn note_made(dir: &Path, paths: Vec<PathBuf>) {
    if paths.is_empty() {
        return;
    }
    let mut all = MADE.lock().unwrap_or_else(|p| p.into_inner());
    match all.iter_mut().find(|(d, _)| d == dir) {
        Some((_, v)) => v.extend(paths),
        None => all.push((dir.to_path_buf(), paths)),
    }
}

/// The layout at `dir` is committed (a tag points into it): what this run made stays.
fn committed(dir: &Path) {
    let mut all = MADE.lock().unwrap_or_else(|p| p.into_inner());
    all.retain(|(d, _)| d != dir);
}

/// The folders among `path`'s ancestors (and `path` itself) that do not exist yet, outermost
/// first.
fn missing_dirs(path: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = path
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    out.reverse();
    out
}

impl Layout {
    /// An existing layout; the error says what is missing.
    pub fn open(dir: &Path) -> LayoutResult<Layout> {
        if !dir.join("oci-layout").is_file() || !dir.join("index.json").is_file() {
            return Err(LayoutError::NotALayout(dir.to_path_buf()));
        }
        Ok(Layout {
            dir: dir.to_path_buf(),
        })
    }

    /// Opens the layout, creating an empty one when the folder does not exist or is empty. A
    /// folder holding only what an interrupted creation leaves (`blobs/`, `oci-layout`, temp
    /// files, but no `index.json`, which is written last) is completed.
    pub fn open_or_create(dir: &Path) -> LayoutResult<Layout> {
        let unfinished = !dir.join("index.json").exists()
            && fs::read_dir(dir).map_or(true, |d| {
                d.flatten().all(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n == "blobs" || n == "oci-layout" || n.starts_with(".tmp-")
                })
            });
        if unfinished {
            let blobs = dir.join("blobs/sha256");
            let mut made = missing_dirs(&blobs);
            let result = (|| {
                fs::create_dir_all(&blobs).map_err(io("create", &blobs))?;
                for (file, bytes) in [
                    ("oci-layout", &br#"{"imageLayoutVersion":"1.0.0"}"#[..]),
                    (
                        "index.json",
                        &serialize::oci_bytes(&ImageIndex::new(media_type::OCI_INDEX))[..],
                    ),
                ] {
                    let path = dir.join(file);
                    if !path.exists() {
                        write_atomic(&path, bytes)?;
                        made.push(path);
                    }
                }
                Ok::<(), LayoutError>(())
            })();
            note_made(dir, made);
            result?;
        }
        Layout::open(dir)
    }

    /// Takes the exclusive lock of the layout at `dir` (a lock on the folder itself, so nothing
    /// is added to it) for one run that writes into it, removes the temp files that killed runs
    /// left (every writer holds this lock, so none of them is being written), and opens the
    /// layout, creating or completing it.
    ///
    /// The folder is made if missing and locked before it is looked at, so two runs that
    /// create one layout cannot both write its first, empty index.json.
    pub fn lock_or_create(dir: &Path) -> LayoutResult<(Layout, LayoutLock)> {
        let made = missing_dirs(dir);
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        let file = fs::File::open(dir).map_err(io("open", dir))?;
        file.lock().map_err(io("lock", dir))?;
        let clean = |dir: &Path| {
            if let Ok(rd) = fs::read_dir(dir) {
                for e in rd.flatten() {
                    if e.file_name().to_string_lossy().starts_with(".tmp-")
                        && e.file_type().is_ok_and(|t| t.is_file())
                    {
                        let _ = fs::remove_file(e.path());
                    }
                }
            }
        };
        clean(dir);
        if let Ok(rd) = fs::read_dir(dir.join("blobs")) {
            for e in rd.flatten() {
                clean(&e.path());
            }
        }
        // From here on, a failure removes the folders made for this run when the lock drops.
        note_made(dir, made);
        let lock = LayoutLock {
            file,
            dir: dir.to_path_buf(),
        };
        let layout = Layout::open_or_create(dir)?;
        Ok((layout, lock))
    }

    pub fn index(&self) -> LayoutResult<ImageIndex> {
        let path = self.dir.join("index.json");
        let bytes = fs::read(&path).map_err(io("read", &path))?;
        let doc: Document<ImageIndex> =
            Document::parse(bytes).map_err(|e| LayoutError::InvalidIndex {
                path: path.clone(),
                message: e.to_string(),
            })?;
        Ok(doc.value)
    }

    /// The descriptor `tag` names; without a tag, the only entry (or the one tagged `latest`).
    pub fn resolve(&self, tag: Option<&str>) -> LayoutResult<Descriptor> {
        let index = self.index()?;
        rules::resolve(&index, tag)
            .cloned()
            .map_err(|error| LayoutError::Resolve {
                dir: self.dir.clone(),
                error,
            })
    }

    /// The file of a blob, whether or not it exists.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(rules::blob_path(digest))
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// A blob's bytes, verified against its digest.
    pub fn read_blob(&self, digest: &Digest) -> LayoutResult<Vec<u8>> {
        let path = self.blob_path(digest);
        let bytes = fs::read(&path).map_err(|error| LayoutError::BlobMissing {
            dir: self.dir.clone(),
            digest: digest.clone(),
            error,
        })?;
        digest.verify(&bytes).map_err(|e| LayoutError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(bytes)
    }

    /// A blob opened for streaming (an upload reads it in chunks, never whole).
    pub fn open_blob(&self, digest: &Digest) -> LayoutResult<fs::File> {
        let path = self.blob_path(digest);
        fs::File::open(&path).map_err(|e| LayoutError::Damaged {
            message: e.to_string(),
            path,
        })
    }

    /// Stores `bytes` under their sha256 (no-op when present).
    pub fn write_blob(&self, bytes: &[u8]) -> LayoutResult<Digest> {
        let digest = Digest::sha256(bytes);
        let path = self.blob_path(&digest);
        if !path.is_file() {
            let mut made = missing_dirs(path.parent().expect("blob paths have a parent"));
            write_atomic(&path, bytes)?;
            made.push(path);
            note_made(&self.dir, made);
        }
        Ok(digest)
    }

    /// Writes a blob produced by `fill` (streamed, never whole in memory) into a hidden temp file,
    /// checks its digest, and renames it into place.
    pub fn write_blob_with(
        &self,
        digest: &Digest,
        fill: impl FnOnce(&mut dyn std::io::Write) -> CliResult<()>,
    ) -> CliResult<()> {
        let path = self.blob_path(digest);
        if path.is_file() {
            return Ok(());
        }
        let dir = path.parent().expect("blob paths have a parent");
        let mut made = missing_dirs(dir);
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        note_made(&self.dir, std::mem::take(&mut made));
        let tmp = dir.join(format!(".tmp-{}", crate::store::unique()));
        // Errors name the blob's path (the temp file is gone by the time anyone reads them).
        let write_err = |e: std::io::Error| CliError::from(crate::store::io_err("write", &path, e));
        let result = (|| {
            let file = fs::File::create(&tmp).map_err(write_err)?;
            let mut w = HashingWriter {
                inner: std::io::BufWriter::new(file),
                hasher: manifold_engine::digest::Hasher::new(&digest.algorithm()),
                path: &path,
            };
            fill(&mut w)?;
            let file = w
                .inner
                .into_inner()
                .map_err(|e| write_err(e.into_error()))?;
            file.sync_all().map_err(write_err)?;
            if let Some(h) = w.hasher {
                let got = h.finish();
                if &got != digest {
                    return Err(LayoutError::DigestMismatch {
                        expected: digest.clone(),
                        got,
                    }
                    .into());
                }
            }
            fs::rename(&tmp, &path).map_err(write_err)
        })();
        match &result {
            Ok(()) => note_made(&self.dir, vec![path]),
            Err(_) => {
                let _ = fs::remove_file(&tmp);
            }
        }
        result
    }

    /// Points `tag` at `desc` in index.json (replacing what the tag named before).
    pub fn tag(&self, desc: &Descriptor, tag: &str) -> LayoutResult<()> {
        let mut index = self.index()?;
        rules::retag(&mut index, desc, tag);
        write_atomic(&self.dir.join("index.json"), &serialize::oci_bytes(&index))?;
        committed(&self.dir);
        Ok(())
    }
}

/// Hashes what passes through, so a streamed blob is checked without reading it back.
struct HashingWriter<'a, W: std::io::Write> {
    inner: W,
    hasher: Option<manifold_engine::digest::Hasher>,
    /// The blob being written, named in a write error (whoever streams into this reports it).
    path: &'a Path,
}

impl<W: std::io::Write> HashingWriter<'_, W> {
    fn named(&self, e: std::io::Error) -> std::io::Error {
        let kind = e.kind();
        std::io::Error::new(kind, crate::store::io_err("write", self.path, e).0)
    }
}

impl<W: std::io::Write> std::io::Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf).map_err(|e| self.named(e))?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().map_err(|e| self.named(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_split_path_and_tag() {
        assert_eq!(parse_spec("oci:dir"), Some((PathBuf::from("dir"), None)));
        assert_eq!(
            parse_spec("oci:a/b:v1"),
            Some((PathBuf::from("a/b"), Some("v1".into())))
        );
        assert_eq!(
            parse_spec("oci:./x:y/z"),
            Some((PathBuf::from("./x:y/z"), None))
        );
        assert_eq!(parse_spec("oci:"), None);
        assert_eq!(parse_spec("docker.io/x"), None);
    }

    #[test]
    fn write_tag_resolve_round_trip() {
        let dir = std::env::temp_dir().join(format!("manifold-layout-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let l = Layout::open_or_create(&dir).unwrap();
        let body = br#"{"schemaVersion":2}"#;
        let digest = l.write_blob(body).unwrap();
        let d = Descriptor::new(media_type::OCI_MANIFEST, digest.clone(), body.len() as u64);
        l.tag(&d, "v1").unwrap();
        assert_eq!(l.resolve(Some("v1")).unwrap().digest, digest);
        assert_eq!(l.resolve(None).unwrap().digest, digest);
        assert!(l
            .resolve(Some("v2"))
            .unwrap_err()
            .to_string()
            .contains("its tags are: v1"));
        assert_eq!(l.read_blob(&digest).unwrap(), body);
        let _ = fs::remove_dir_all(&dir);
    }
}
