//! An OCI image layout read from bytes, for hosts without a file system: the browser page
//! (a dropped folder, or a dropped `.tar`) and the component plugin.
//!
//! The tars are the ones people make: `skopeo copy … oci-archive:`, `podman save --format
//! oci-archive` and `docker save` from Docker 25 on (an OCI layout with a `manifest.json`
//! beside it); all hold `oci-layout`, `index.json` and `blobs/ALG/HEX`. A dropped folder is the
//! same files without the tar. Older `docker save` archives (`manifest.json` and
//! `<id>/layer.tar` only) are named as such and refused.
//!
//! Two state machines, both driven by a host that only reads bytes where it is told, so a
//! multi-gigabyte tar is never read whole (a browser reads `File.slice(offset, end)`):
//! - [`TarIndex`] lists a tar's files from their headers alone, skipping their data;
//! - [`LayoutWalk`] runs the check's [`Walk`] over the listed files: it answers presence from
//!   the listing, asks the host for the bytes of each document ([`Step::Read`]) and to stream
//!   each layer to be pulled or scanned ([`Step::Stream`], hashed and fed to the
//!   [`LayerScanner`] here), and a blob that is not in the layout is [`Supplied::Absent`].
//!
//! [`check_in_memory`] drives both over bytes already in memory (tests, the plugin).

use std::collections::{BTreeMap, VecDeque};

use super::{ArchiveError, EntryKind, LayerScanner, TarEvent, TarReader};
use crate::check::{Action, CheckReport, Image, Options, Origin, Supplied, Walk, Want};
use crate::digest::{Digest, Hasher};
use crate::layout::{blob_path, resolve};
use crate::ImageIndex;

/// The largest document (index.json, a manifest, a config) read whole: 16 MiB, far beyond real
/// ones; a bigger file is answered as could-not-read instead of filling memory.
pub const MAX_DOCUMENT: u64 = 16 << 20;

/// One file of a layout: its path (relative, `/`-separated) and where its bytes are. For a
/// tar, `offset` is where its data starts in the tar; for a folder's file, 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutFile {
    pub path: String,
    pub offset: u64,
    pub size: u64,
}

fn relative(path: &str) -> String {
    let mut p = path;
    loop {
        if let Some(r) = p.strip_prefix("./") {
            p = r;
        } else if let Some(r) = p.strip_prefix('/') {
            p = r;
        } else {
            return p.to_string();
        }
    }
}

/// Lists a tar's regular files from their headers, telling the host which bytes to read next
/// ([`TarIndex::next_read`]) and skipping every file's data.
#[derive(Debug)]
pub struct TarIndex {
    reader: TarReader,
    files: Vec<LayoutFile>,
    eof: bool,
    len: u64,
}

impl TarIndex {
    /// An index of a tar of `len` bytes (the length tells a tar cut inside a file's data, which
    /// is skipped, from one that ends after it).
    pub fn new(len: u64) -> TarIndex {
        TarIndex {
            reader: TarReader::new(),
            files: Vec::new(),
            eof: false,
            len,
        }
    }

    /// The `(offset, length)` of the bytes to read next, None once the listing is complete
    /// (the end marker was read, or the tar ended).
    pub fn next_read(&self) -> Option<(u64, u64)> {
        if self.reader.ended() || self.eof {
            return None;
        }
        Some((self.reader.offset(), self.reader.wanted().max(1)))
    }

    /// The bytes read at the last [`TarIndex::next_read`]; fewer than asked means the tar ends.
    pub fn supply(&mut self, bytes: &[u8]) -> Result<(), ArchiveError> {
        let asked = self.next_read().map_or(0, |(_, n)| n);
        if (bytes.len() as u64) < asked {
            self.eof = true;
        }
        let files = &mut self.files;
        self.reader.feed(bytes, &mut |e| {
            if let TarEvent::Entry(e) = e {
                if e.kind == EntryKind::File {
                    files.push(LayoutFile {
                        path: relative(&e.path),
                        offset: e.offset,
                        size: e.size,
                    });
                }
            }
        })?;
        self.reader.skip_data();
        Ok(())
    }

    /// The files listed; an error when the tar is damaged or ended inside a header.
    pub fn finish(self) -> Result<Vec<LayoutFile>, ArchiveError> {
        if !self.reader.ended() {
            if self.reader.offset() > self.len {
                return Err(ArchiveError::Truncated("a tar entry's data"));
            }
            self.reader.finish()?;
        }
        Ok(self.files)
    }
}

/// What the host is to do next for a [`LayoutWalk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Read `len` bytes of the file `path` from `offset` and give them to
    /// [`LayoutWalk::supply`].
    Read { path: String, offset: u64, len: u64 },
    /// Read the file `path` from `offset` for `len` bytes, chunk by chunk, into
    /// [`LayoutWalk::feed`], then call [`LayoutWalk::end_stream`].
    Stream { path: String, offset: u64, len: u64 },
    /// Nothing more: take the [`LayoutWalk::report`].
    Done,
}

/// Why a layout could not be opened at all (the check's "could not check").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayoutError {}

enum Serving {
    Nothing,
    Index,
    Root,
    Document(Want),
    Layer(Box<Streaming>),
}

/// A layer being streamed: hashed, counted and scanned as it passes.
struct Streaming {
    want: Want,
    hasher: Option<Hasher>,
    size: u64,
    scanner: Option<LayerScanner>,
}

/// The check over a layout's files; see the module documentation for the host's loop.
pub struct LayoutWalk {
    files: BTreeMap<String, LayoutFile>,
    prefix: String,
    reference: String,
    tag: Option<String>,
    options: Options,
    root: Option<crate::Descriptor>,
    walk: Option<Walk>,
    queue: VecDeque<Want>,
    serving: Serving,
}

impl LayoutWalk {
    /// A walk over `files` (a tar's listing or a folder's files), of the image `tag` names in
    /// `index.json` (without one: the only image, else the one tagged `latest`, as for
    /// `oci:PATH`), shown as `reference`. The layout may sit in a folder of the listing (a
    /// dropped folder's name): the shallowest `index.json` with `oci-layout` or `blobs/` beside
    /// it is the layout's.
    pub fn new(
        files: Vec<LayoutFile>,
        reference: &str,
        tag: Option<&str>,
        options: Options,
    ) -> Result<LayoutWalk, LayoutError> {
        let files: BTreeMap<String, LayoutFile> =
            files.into_iter().map(|f| (relative(&f.path), f)).collect();
        let prefix = files
            .keys()
            .filter_map(|p| p.strip_suffix("index.json"))
            .filter(|d| d.is_empty() || d.ends_with('/'))
            .filter(|d| {
                files.contains_key(&format!("{d}oci-layout"))
                    || files
                        .range(format!("{d}blobs/")..)
                        .next()
                        .is_some_and(|(k, _)| k.starts_with(&format!("{d}blobs/")))
            })
            .min_by_key(|d| (d.matches('/').count(), d.len()))
            .map(str::to_string);
        let Some(prefix) = prefix else {
            let docker = files
                .keys()
                .any(|p| p == "manifest.json" || p.ends_with("/manifest.json"));
            return Err(LayoutError(if docker {
                format!(
                    "{reference}: a `docker save` archive without an OCI layout (Docker before 25); \
                     save it with Docker 25 or later, or copy it with `skopeo copy docker-archive:FILE oci-archive:FILE.tar`"
                )
            } else {
                format!(
                    "{reference}: no OCI image layout here (no index.json beside oci-layout or blobs/); \
                     drop a folder or tar made by `skopeo copy … oci:` / `oci-archive:`, `podman save --format oci-archive` or `docker save`"
                )
            }));
        };
        Ok(LayoutWalk {
            files,
            prefix,
            reference: reference.to_string(),
            tag: tag.map(str::to_string),
            options,
            root: None,
            walk: None,
            queue: VecDeque::new(),
            serving: Serving::Nothing,
        })
    }

    fn file(&self, rel: &str) -> Option<&LayoutFile> {
        self.files.get(&format!("{}{rel}", self.prefix))
    }

    fn blob(&self, d: &Digest) -> Option<&LayoutFile> {
        self.file(&blob_path(d))
    }

    fn read(f: &LayoutFile) -> Step {
        Step::Read {
            path: f.path.clone(),
            offset: f.offset,
            len: f.size.min(MAX_DOCUMENT + 1),
        }
    }

    /// What the host is to do next. Call again after each supply or stream.
    pub fn next_step(&mut self) -> Result<Step, LayoutError> {
        if self.root.is_none() && self.walk.is_none() {
            let f = self
                .file("index.json")
                .cloned()
                .expect("new() found index.json");
            self.serving = Serving::Index;
            return Ok(Self::read(&f));
        }
        if self.walk.is_none() {
            let root = self.root.clone().expect("the root was resolved");
            let Some(f) = self.blob(&root.digest).cloned() else {
                return Err(LayoutError(format!(
                    "{}: the layout has no {} (index.json names it; its blob is missing)",
                    self.reference, root.digest
                )));
            };
            self.serving = Serving::Root;
            return Ok(Self::read(&f));
        }
        loop {
            let walk = self.walk.as_mut().expect("walking");
            if self.queue.is_empty() {
                self.queue.extend(walk.wants());
            }
            let Some(want) = self.queue.pop_front() else {
                return Ok(Step::Done);
            };
            let file = self
                .files
                .get(&format!("{}{}", self.prefix, blob_path(&want.digest)))
                .cloned();
            let walk = self.walk.as_mut().expect("walking");
            let Some(f) = file else {
                walk.supply(&want, Supplied::Absent);
                continue;
            };
            match want.action {
                Action::ManifestPresence | Action::BlobPresence => {
                    walk.supply(&want, Supplied::Present { size: Some(f.size) });
                }
                Action::Manifest | Action::Config => {
                    self.serving = Serving::Document(want);
                    return Ok(Self::read(&f));
                }
                Action::Layer { scan } => {
                    let scanner = if scan {
                        LayerScanner::new(&want.media_type).ok()
                    } else {
                        None
                    };
                    self.serving = Serving::Layer(Box::new(Streaming {
                        hasher: Hasher::new(&want.digest.algorithm()),
                        want,
                        size: 0,
                        scanner,
                    }));
                    return Ok(Step::Stream {
                        path: f.path,
                        offset: f.offset,
                        len: f.size,
                    });
                }
            }
        }
    }

    /// The bytes of the last [`Step::Read`].
    pub fn supply(&mut self, bytes: Vec<u8>) -> Result<(), LayoutError> {
        match std::mem::replace(&mut self.serving, Serving::Nothing) {
            Serving::Index => {
                let index: ImageIndex = serde_json::from_slice(&bytes).map_err(|e| {
                    LayoutError(format!(
                        "{}: index.json is not an image index: {e}",
                        self.reference
                    ))
                })?;
                let d = resolve(&index, self.tag.as_deref())
                    .map_err(|e| LayoutError(e.describe(&self.reference)))?;
                self.root = Some(d.clone());
            }
            Serving::Root => {
                let d = self.root.clone().expect("resolved");
                let origin = Origin {
                    reference: self.reference.clone(),
                    digest: Some(d.digest),
                    size: Some(d.size),
                    media_type: Some(d.media_type).filter(|m| !m.is_empty()),
                };
                self.walk = Some(Walk::new(bytes, origin, self.options));
            }
            Serving::Document(want) => {
                let supplied = if bytes.len() as u64 > MAX_DOCUMENT {
                    Supplied::Failed(format!(
                        "{} is over {MAX_DOCUMENT} bytes; not read",
                        want.digest
                    ))
                } else {
                    Supplied::Bytes(bytes)
                };
                self.walk.as_mut().expect("walking").supply(&want, supplied);
            }
            other => self.serving = other,
        }
        Ok(())
    }

    /// The next chunk of the layer being streamed.
    pub fn feed(&mut self, chunk: &[u8]) {
        if let Serving::Layer(l) = &mut self.serving {
            let Streaming {
                hasher,
                size,
                scanner,
                ..
            } = &mut **l;
            if let Some(h) = hasher {
                h.update(chunk);
            }
            *size += chunk.len() as u64;
            if let Some(s) = scanner {
                // an error is kept by the scanner and said at the end
                let _ = s.feed(chunk);
            }
        }
    }

    /// The layer being streamed has ended.
    pub fn end_stream(&mut self) {
        let Serving::Layer(l) = std::mem::replace(&mut self.serving, Serving::Nothing) else {
            return;
        };
        let Streaming {
            want,
            hasher,
            size,
            scanner,
        } = *l;
        let walk = self.walk.as_mut().expect("walking");
        let Some(hasher) = hasher else {
            walk.supply(
                &want,
                Supplied::Failed("the digest's algorithm cannot be computed".into()),
            );
            return;
        };
        let digest = hasher.finish();
        let verified = digest == want.digest && size == want.size;
        if let (true, Some(s)) = (verified, scanner) {
            match s.finish() {
                Ok(r) => walk.supply_executables(
                    &want.digest,
                    r.executables.into_iter().map(Into::into).collect(),
                ),
                Err(e) => {
                    walk.supply(
                        &want,
                        Supplied::Failed(format!("layer {}: {e}", want.digest)),
                    );
                    return;
                }
            }
        }
        walk.supply(&want, Supplied::Streamed { digest, size });
    }

    /// The host could not read what the last step asked for (said as the host words it).
    pub fn fail(&mut self, message: &str) -> Result<(), LayoutError> {
        match std::mem::replace(&mut self.serving, Serving::Nothing) {
            Serving::Document(want) => {
                self.walk
                    .as_mut()
                    .expect("walking")
                    .supply(&want, Supplied::Failed(message.to_string()));
                Ok(())
            }
            Serving::Layer(l) => {
                self.walk
                    .as_mut()
                    .expect("walking")
                    .supply(&l.want, Supplied::Failed(message.to_string()));
                Ok(())
            }
            Serving::Index => Err(LayoutError(format!(
                "{}: index.json: {message}",
                self.reference
            ))),
            Serving::Root => Err(LayoutError(format!(
                "{}: the root manifest: {message}",
                self.reference
            ))),
            Serving::Nothing => Ok(()),
        }
    }

    /// The check's report (final once [`Step::Done`] was returned).
    pub fn report(&self) -> Option<CheckReport> {
        self.walk.as_ref().map(Walk::report)
    }

    /// The images the walk met, for `compare`.
    pub fn images(&self) -> &[Image] {
        self.walk.as_ref().map_or(&[], |w| w.images())
    }
}

/// Reads `len` bytes of the file `path` from `offset`; None when it cannot.
pub type Reader<'a> = dyn Fn(&str, u64, u64) -> Option<Vec<u8>> + 'a;

/// Drives a [`LayoutWalk`] to its end with `read(path, offset, len)` answering from memory
/// (None: could not be read). Layers are fed in 64 KiB chunks, as a host streaming them would.
pub fn drive(walk: &mut LayoutWalk, read: &Reader<'_>) -> Result<(), LayoutError> {
    loop {
        match walk.next_step()? {
            Step::Done => return Ok(()),
            Step::Read { path, offset, len } => match read(&path, offset, len) {
                Some(b) => walk.supply(b)?,
                None => walk.fail(&format!("{path}: could not be read"))?,
            },
            Step::Stream { path, offset, len } => match read(&path, offset, len) {
                Some(b) => {
                    b.chunks(64 * 1024).for_each(|c| walk.feed(c));
                    walk.end_stream();
                }
                None => walk.fail(&format!("{path}: could not be read"))?,
            },
        }
    }
}

/// The files of a tar held in memory, listed with a [`TarIndex`].
pub fn list_tar(tar: &[u8]) -> Result<Vec<LayoutFile>, ArchiveError> {
    let mut index = TarIndex::new(tar.len() as u64);
    while let Some((offset, len)) = index.next_read() {
        let start = (offset as usize).min(tar.len());
        let end = start.saturating_add(len as usize).min(tar.len());
        index.supply(&tar[start..end])?;
    }
    index.finish()
}

/// The check of a layout whose bytes are all in memory: a tar (`files` is one entry whose path
/// ends in `.tar`) or a folder's files by relative path. Returns the finished walk (its
/// [`LayoutWalk::report`] and [`LayoutWalk::images`]).
pub fn check_in_memory(
    files: &[(String, Vec<u8>)],
    reference: &str,
    tag: Option<&str>,
    options: Options,
) -> Result<LayoutWalk, LayoutError> {
    let tar = match files {
        [(name, bytes)] if name.ends_with(".tar") => Some(bytes.as_slice()),
        _ => None,
    };
    let slice = |bytes: &[u8], offset: u64, len: u64| {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        bytes.get(start..end).map(<[u8]>::to_vec)
    };
    match tar {
        Some(tar) => {
            let listing = list_tar(tar).map_err(|e| LayoutError(format!("{reference}: {e}")))?;
            let mut walk = LayoutWalk::new(listing, reference, tag, options)?;
            drive(&mut walk, &|_, offset, len| slice(tar, offset, len))?;
            Ok(walk)
        }
        None => {
            let listing = files
                .iter()
                .map(|(p, b)| LayoutFile {
                    path: p.clone(),
                    offset: 0,
                    size: b.len() as u64,
                })
                .collect();
            let by_path: BTreeMap<String, &[u8]> = files
                .iter()
                .map(|(p, b)| (relative(p), b.as_slice()))
                .collect();
            let mut walk = LayoutWalk::new(listing, reference, tag, options)?;
            drive(&mut walk, &|path, offset, len| {
                slice(by_path.get(&relative(path))?, offset, len)
            })?;
            Ok(walk)
        }
    }
}

/// The check of a root document whose bodies the host has already fetched, as a map from
/// digest to bytes (the component plugin's entry: the host fetches, the engine decides). A body
/// that is not in `blobs` is [`Supplied::Absent`]; layers to pull or scan are hashed and scanned
/// here. Returns the finished walk.
pub fn check_blobs(
    root: Vec<u8>,
    origin: Origin,
    blobs: &BTreeMap<Digest, Vec<u8>>,
    options: Options,
) -> Walk {
    let mut walk = Walk::new(root, origin, options);
    loop {
        let wants = walk.wants();
        if wants.is_empty() {
            return walk;
        }
        for want in wants {
            let Some(bytes) = blobs.get(&want.digest) else {
                walk.supply(&want, Supplied::Absent);
                continue;
            };
            let supplied = match want.action {
                Action::Manifest | Action::Config => Supplied::Bytes(bytes.clone()),
                Action::ManifestPresence | Action::BlobPresence => Supplied::Present {
                    size: Some(bytes.len() as u64),
                },
                Action::Layer { scan } => {
                    let Some(mut hasher) = Hasher::new(&want.digest.algorithm()) else {
                        walk.supply(
                            &want,
                            Supplied::Failed("the digest's algorithm cannot be computed".into()),
                        );
                        continue;
                    };
                    hasher.update(bytes);
                    let digest = hasher.finish();
                    if scan && digest == want.digest {
                        if let Ok(mut s) = LayerScanner::new(&want.media_type) {
                            match s.feed(bytes).and_then(|()| s.finish()) {
                                Ok(r) => walk.supply_executables(
                                    &want.digest,
                                    r.executables.into_iter().map(Into::into).collect(),
                                ),
                                Err(e) => {
                                    walk.supply(
                                        &want,
                                        Supplied::Failed(format!("layer {}: {e}", want.digest)),
                                    );
                                    continue;
                                }
                            }
                        }
                    }
                    Supplied::Streamed {
                        digest,
                        size: bytes.len() as u64,
                    }
                }
            };
            walk.supply(&want, supplied);
        }
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
