//! Carrying out a check walk: the REF argument opened (an `oci:` layout, a local list, a
//! registry list or image), then every body the engine's `check::Walk` wants fetched in bounded
//! parallel (`--jobs`) and handed back. `check` and `compare` both walk; what to fetch and what
//! an answer means are the engine's, this module only reads files and talks to registries.

use std::io::Write;

use manifold_engine::archive::LayerScanner;
use manifold_engine::check::{Action, Executable, Options, Origin, Supplied, Walk, Want};
use manifold_engine::digest::Hasher;
use manifold_engine::reference::Reference;

use crate::commands::context::Context;
use crate::error::{CliError, CliResult};
use crate::layout::Layout;
use crate::registry::remote::MAX_SMALL_BLOB;
use crate::registry::{target_of, Client, RegistryError, Repo};
use crate::source::Location;

/// The exit code of "could not check": the REF could not be read at all.
pub const UNCHECKED: i32 = 2;

/// A layer scanner fed a layer's bytes as they stream by (never the whole layer at once).
pub trait Feed {
    fn feed(&mut self, bytes: &[u8]);
    /// The executables found, in the layer's order, or why the layer could not be read.
    fn finish(self: Box<Self>) -> Result<Vec<Executable>, String>;
}

/// The engine's layer scanner as a [`Feed`]: it decompresses (gzip, zstd or none, from the
/// media type) and reads the tar as the bytes stream by, keeping one file header at a time.
struct Scanning {
    scanner: Result<LayerScanner, String>,
}

impl Feed for Scanning {
    fn feed(&mut self, bytes: &[u8]) {
        if let Ok(s) = &mut self.scanner {
            if let Err(e) = s.feed(bytes) {
                self.scanner = Err(e.to_string());
            }
        }
    }

    fn finish(self: Box<Self>) -> Result<Vec<Executable>, String> {
        let report = self.scanner?.finish().map_err(|e| e.to_string())?;
        Ok(report
            .executables
            .into_iter()
            .map(Executable::from)
            .collect())
    }
}

/// A [`Feed`] for a layer of `media_type`, for `--check-binaries`.
pub fn scanner(media_type: &str) -> Box<dyn Feed> {
    Box::new(Scanning {
        scanner: LayerScanner::new(media_type).map_err(|e| e.to_string()),
    })
}

/// What scanning a layer gave: its executables, or why it could not be read.
type Scanned = Option<Result<Vec<Executable>, String>>;

/// Makes a [`Feed`] for a layer of a media type (its compression).
pub type NewFeed = dyn Fn(&str) -> Box<dyn Feed> + Sync;

/// Where the walk's bodies come from, asked in order: a folder first (the layout, or a local
/// list's own folder), then registry repositories (the REF's, or a local list's sources).
pub struct Fetcher<'a> {
    client: &'a Client,
    folder: Option<Layout>,
    repos: Vec<Repo>,
    scanner: Option<&'a NewFeed>,
}

/// A walk started from REF, with where to fetch the rest.
pub struct Started<'a> {
    pub walk: Walk,
    pub fetcher: Fetcher<'a>,
}

fn unchecked(message: String) -> CliError {
    CliError::with_code(message, UNCHECKED)
}

/// Opens REF as `oci:PATH[:TAG]`, else a local list, else a registry reference, and starts the
/// walk from its root document. REF that cannot be read exits 2 with the reason (the registry's
/// auth error names the host and the credentials tried).
pub fn start<'a>(
    ctx: &Context,
    client: &'a Client,
    raw: &str,
    options: Options,
    scanner: Option<&'a NewFeed>,
) -> CliResult<Started<'a>> {
    let mut fetcher = Fetcher {
        client,
        folder: None,
        repos: Vec::new(),
        scanner,
    };
    let (root, origin) = if let Some((path, tag)) = crate::layout::parse_spec(raw) {
        let layout = Layout::open(&path).map_err(|e| unchecked(e.to_string()))?;
        let d = layout
            .resolve(tag.as_deref())
            .map_err(|e| unchecked(e.to_string()))?;
        let bytes = std::fs::read(layout.blob_path(&d.digest))
            .map_err(|e| unchecked(format!("{raw}: the layout has no {}: {e}", d.digest)))?;
        fetcher.folder = Some(layout);
        let origin = Origin {
            reference: raw.to_string(),
            digest: Some(d.digest),
            size: Some(d.size),
            media_type: Some(d.media_type).filter(|m| !m.is_empty()),
        };
        (bytes, origin)
    } else if let Some(list) = match ctx.list_name(raw) {
        Ok(name) => ctx.store.load(&name).map_err(|e| unchecked(e.0))?,
        Err(_) => None,
    } {
        ctx.store.check(&list).map_err(|e| unchecked(e.0))?;
        let bytes = ctx
            .words
            .push_bytes(&list)
            .map_err(|e| unchecked(e.message))?;
        fetcher.folder = Layout::open(&ctx.store.dir(&list.name)).ok();
        for s in list.sources.iter().flatten() {
            if let Ok(Location::Registry(r)) = Location::parse(s) {
                let repo = Repo::of(&r);
                if !fetcher.repos.contains(&repo) {
                    fetcher.repos.push(repo);
                }
            }
        }
        let origin = Origin {
            reference: list.name.clone(),
            media_type: Some(list.index.effective_media_type().to_string()),
            ..Origin::default()
        };
        (bytes, origin)
    } else {
        let r = Reference::parse_docker(raw).map_err(|e| unchecked(e.to_string()))?;
        let repo = Repo::of(&r);
        let m = client
            .get_manifest(&repo, &target_of(&r))
            .map_err(|e| unchecked(format!("cannot check {r}: {e}")))?;
        fetcher.repos.push(repo);
        let origin = Origin {
            reference: r.to_string(),
            digest: Some(m.digest),
            size: None,
            media_type: Some(m.media_type).filter(|m| !m.is_empty()),
        };
        (m.bytes, origin)
    };
    Ok(Started {
        walk: Walk::new(root, origin, options),
        fetcher,
    })
}

/// Runs the walk to its end: each round, everything it wants, at most `jobs` at once, or
/// `transfers` for a round that streams layers.
pub fn drive(walk: &mut Walk, fetcher: &Fetcher, jobs: usize, transfers: usize) {
    loop {
        let wants = walk.wants();
        if wants.is_empty() {
            break;
        }
        let width = if wants.iter().any(|w| w.action.is_transfer()) {
            transfers
        } else {
            jobs
        };
        let answers = crate::pool::run_bounded(width, wants, |w| {
            let (supplied, exes) = fetcher.fetch(&w);
            (w, supplied, exes)
        });
        for (w, supplied, exes) in answers {
            match exes {
                Some(Ok(exes)) => walk.supply_executables(&w.digest, exes),
                Some(Err(m)) => walk.supply_scan_error(&w.digest, m),
                None => {}
            }
            walk.supply(&w, supplied);
        }
    }
}

/// One answer from one place, or "not here, ask the next".
enum Got {
    Answer(Supplied, Scanned),
    NotHere,
    Failed(String),
}

impl Fetcher<'_> {
    /// The answer to `w`: the first place that has it; absent when none has it and none failed.
    pub fn fetch(&self, w: &Want) -> (Supplied, Scanned) {
        let mut failed = None;
        if let Some(layout) = &self.folder {
            match self.fetch_from_folder(layout, w) {
                Got::Answer(s, e) => return (s, e),
                Got::NotHere => {}
                Got::Failed(m) => failed = Some(m),
            }
        }
        for repo in &self.repos {
            match self.fetch_from_registry(repo, w) {
                Got::Answer(s, e) => return (s, e),
                Got::NotHere => {}
                Got::Failed(m) => failed = Some(m),
            }
        }
        match failed {
            Some(m) => (Supplied::Failed(m), None),
            None => (Supplied::Absent, None),
        }
    }

    fn fetch_from_folder(&self, layout: &Layout, w: &Want) -> Got {
        let path = layout.blob_path(&w.digest);
        let not_here = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
        match w.action {
            Action::Manifest | Action::Config => match std::fs::read(&path) {
                Ok(b) => Got::Answer(Supplied::Bytes(b), None),
                Err(e) if not_here(&e) => Got::NotHere,
                Err(e) => Got::Failed(format!("{}: {e}", path.display())),
            },
            Action::ManifestPresence | Action::BlobPresence => match std::fs::metadata(&path) {
                Ok(m) => Got::Answer(
                    Supplied::Present {
                        size: Some(m.len()),
                    },
                    None,
                ),
                Err(e) if not_here(&e) => Got::NotHere,
                Err(e) => Got::Failed(format!("{}: {e}", path.display())),
            },
            Action::Layer { scan } => match std::fs::File::open(&path) {
                Ok(mut f) => {
                    let mut sink = self.sink(w, scan);
                    match std::io::copy(&mut f, &mut sink) {
                        Ok(_) => sink.answer(),
                        Err(e) => Got::Failed(format!("{}: {e}", path.display())),
                    }
                }
                Err(e) if not_here(&e) => Got::NotHere,
                Err(e) => Got::Failed(format!("{}: {e}", path.display())),
            },
        }
    }

    fn fetch_from_registry(&self, repo: &Repo, w: &Want) -> Got {
        let c = self.client;
        let result = match w.action {
            Action::Manifest => c
                .get_manifest(repo, w.digest.as_str())
                .map(|m| Got::Answer(Supplied::Bytes(m.bytes), None)),
            Action::Config => c
                .get_blob_bytes(repo, &w.digest, MAX_SMALL_BLOB)
                .map(|b| Got::Answer(Supplied::Bytes(b), None)),
            Action::ManifestPresence => c.head_manifest(repo, w.digest.as_str()).map(|d| match d {
                Some(d) => Got::Answer(
                    Supplied::Present {
                        size: Some(d.size).filter(|&n| n > 0),
                    },
                    None,
                ),
                None => Got::NotHere,
            }),
            Action::BlobPresence => c.head_blob(repo, &w.digest).map(|n| match n {
                // a registry that sends no Content-Length says nothing of the size
                Some(n) => Got::Answer(
                    Supplied::Present {
                        size: Some(n).filter(|&n| n > 0 || w.size == 0),
                    },
                    None,
                ),
                None => Got::NotHere,
            }),
            Action::Layer { scan } => {
                let mut sink = self.sink(w, scan);
                c.get_blob(repo, &w.digest, &mut sink)
                    .map(|_| sink.answer())
            }
        };
        match result {
            Ok(g) => g,
            Err(
                RegistryError::ManifestUnknown { .. }
                | RegistryError::BlobUnknown { .. }
                | RegistryError::RepositoryUnknown { .. },
            ) => Got::NotHere,
            // served, but other bytes: the engine judges what they hashed to
            Err(RegistryError::DigestMismatch { computed, .. }) => Got::Answer(
                Supplied::Streamed {
                    digest: computed,
                    size: w.size,
                },
                None,
            ),
            Err(e) => Got::Failed(e.to_string()),
        }
    }

    fn sink(&self, w: &Want, scan: bool) -> Sink {
        Sink {
            hasher: Hasher::new(&w.digest.algorithm()),
            size: 0,
            feed: self.scanner.filter(|_| scan).map(|new| new(&w.media_type)),
        }
    }
}

/// Where a streamed layer goes: hashed, counted, and fed to the scanner, one chunk at a time.
struct Sink {
    hasher: Option<Hasher>,
    size: u64,
    feed: Option<Box<dyn Feed>>,
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Some(h) = &mut self.hasher {
            h.update(b);
        }
        if let Some(f) = &mut self.feed {
            f.feed(b);
        }
        self.size += b.len() as u64;
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink {
    fn answer(self) -> Got {
        let Some(hasher) = self.hasher else {
            return Got::Failed("the digest's algorithm cannot be computed".into());
        };
        let exes = self.feed.map(|f| f.finish());
        Got::Answer(
            Supplied::Streamed {
                digest: hasher.finish(),
                size: self.size,
            },
            exes,
        )
    }
}
