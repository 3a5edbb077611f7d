//! OCI image layout folders as sources and destinations (`oci:PATH[:TAG]`, skopeo's spelling):
//! an image or index is found by its `org.opencontainers.image.ref.name` in `index.json`, blobs
//! are read verified and written atomically.

use std::fs;
use std::path::{Path, PathBuf};

use manifold_engine::model::{Annotations, Descriptor, Document, ImageIndex};
use manifold_engine::{media_type, serialize, Digest};

use crate::error::{CliError, CliResult};
use crate::store::write_atomic;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `oci:PATH[:TAG]` split into the folder and the tag (none when absent). `oci:PATH@DIGEST`
/// (how entries taken from a layout's index record their source) gives the folder alone.
pub fn parse_spec(spec: &str) -> Option<(PathBuf, Option<String>)> {
    let rest = spec.strip_prefix("oci:")?;
    if rest.is_empty() {
        return None;
    }
    if let Some((path, digest)) = rest.rsplit_once('@') {
        if manifold_engine::Digest::parse(digest).is_ok() && !path.is_empty() {
            return Some((PathBuf::from(path), None));
        }
    }
    match rest.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') && !path.is_empty() => {
            Some((PathBuf::from(path), Some(tag.to_string())))
        }
        _ => Some((PathBuf::from(rest), None)),
    }
}

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
    pub fn open(dir: &Path) -> CliResult<Layout> {
        if !dir.join("oci-layout").is_file() || !dir.join("index.json").is_file() {
            return Err(CliError::failed(format!(
                "{}: not an OCI image layout (no oci-layout or index.json file); give a folder made by an OCI tool, or push to it to create one",
                dir.display()
            )));
        }
        Ok(Layout {
            dir: dir.to_path_buf(),
        })
    }

    /// Opens the layout, creating an empty one when the folder does not exist or is empty. A
    /// folder holding only what an interrupted creation leaves (`blobs/`, `oci-layout`, temp
    /// files, but no `index.json`, which is written last) is completed.
    pub fn open_or_create(dir: &Path) -> CliResult<Layout> {
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
                fs::create_dir_all(&blobs)
                    .map_err(|e| crate::store::io_err("create", &blobs, e))?;
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
                Ok::<(), crate::store::StoreError>(())
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
    pub fn lock_or_create(dir: &Path) -> CliResult<(Layout, LayoutLock)> {
        let made = missing_dirs(dir);
        fs::create_dir_all(dir).map_err(|e| crate::store::io_err("create", dir, e))?;
        let file = fs::File::open(dir)
            .map_err(|e| CliError::failed(format!("cannot open {}: {e}", dir.display())))?;
        file.lock()
            .map_err(|e| CliError::failed(format!("cannot lock {}: {e}", dir.display())))?;
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

    pub fn index(&self) -> CliResult<ImageIndex> {
        let path = self.dir.join("index.json");
        let bytes = fs::read(&path)
            .map_err(|e| CliError::failed(format!("cannot read {}: {e}", path.display())))?;
        let doc: Document<ImageIndex> = Document::parse(bytes)
            .map_err(|e| CliError::failed(format!("{}: not a valid index: {e}", path.display())))?;
        Ok(doc.value)
    }

    /// The descriptor `tag` names; without a tag, the only entry (or the one tagged `latest`).
    pub fn resolve(&self, tag: Option<&str>) -> CliResult<Descriptor> {
        let index = self.index()?;
        let named = |t: &str| {
            index.manifests.iter().find(|d| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get(REF_NAME))
                    .map(String::as_str)
                    == Some(t)
            })
        };
        let tags = || {
            let t: Vec<&str> = index
                .manifests
                .iter()
                .filter_map(|d| d.annotations.as_ref()?.get(REF_NAME).map(String::as_str))
                .collect();
            if t.is_empty() {
                "it has no tagged entries".to_string()
            } else {
                format!("its tags are: {}", t.join(", "))
            }
        };
        match tag {
            Some(t) => named(t).cloned().ok_or_else(|| {
                CliError::failed(format!(
                    "{}: no image tagged {t:?}; {}",
                    self.dir.display(),
                    tags()
                ))
            }),
            None => match index.manifests.as_slice() {
                [only] => Ok(only.clone()),
                _ => named("latest").cloned().ok_or_else(|| {
                    CliError::failed(format!(
                        "{}: holds {} images; name one as oci:{}:TAG ({})",
                        self.dir.display(),
                        index.manifests.len(),
                        self.dir.display(),
                        tags()
                    ))
                }),
            },
        }
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.dir
            .join("blobs")
            .join(digest.algorithm_str())
            .join(digest.encoded())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// A blob's bytes, verified against its digest.
    pub fn read_blob(&self, digest: &Digest) -> CliResult<Vec<u8>> {
        let path = self.blob_path(digest);
        let bytes = fs::read(&path).map_err(|e| {
            CliError::failed(format!(
                "{}: blob {digest} missing: {e}",
                self.dir.display()
            ))
        })?;
        digest
            .verify(&bytes)
            .map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
        Ok(bytes)
    }

    /// Stores `bytes` under their sha256 (no-op when present).
    pub fn write_blob(&self, bytes: &[u8]) -> CliResult<Digest> {
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
        fs::create_dir_all(dir).map_err(|e| crate::store::io_err("create", dir, e))?;
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
                    return Err(CliError::failed(format!(
                        "blob digest mismatch: expected {digest}, got {got}"
                    )));
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
    pub fn tag(&self, desc: &Descriptor, tag: &str) -> CliResult<()> {
        let mut index = self.index()?;
        index.manifests.retain(|d| {
            d.annotations
                .as_ref()
                .and_then(|a| a.get(REF_NAME))
                .map(String::as_str)
                != Some(tag)
        });
        let mut d = desc.clone();
        d.platform = None;
        let mut a = Annotations::new();
        a.insert(REF_NAME.to_string(), tag.to_string());
        d.annotations = Some(a);
        index.manifests.push(d);
        write_atomic(&self.dir.join("index.json"), &serialize::oci_bytes(&index))
            .map_err(|e| CliError::failed(e.0))?;
        committed(&self.dir);
        Ok(())
    }
}

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
            .message
            .contains("its tags are: v1"));
        assert_eq!(l.read_blob(&digest).unwrap(), body);
        let _ = fs::remove_dir_all(&dir);
    }
}
