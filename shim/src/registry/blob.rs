//! Blobs: GET (streamed, verified on the way, resumed with `Range` when the body breaks off),
//! a small blob in memory, HEAD, and the streamed copy of a blob from one repository (or
//! registry) into another.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use manifold_engine::digest::Hasher;
use manifold_engine::registry::{self as proto, Scope, Subject};
use manifold_engine::Digest;

use super::client::{jitter, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;
use super::transport::{self, classify, Failure};
use super::upload::BlobSource;

impl Client {
    /// `GET /v2/<path>/blobs/<digest>`, streamed into `out` and verified on the way (redirects
    /// to storage are followed, without the registry's Authorization). On a digest mismatch
    /// the bytes already written must be discarded by the caller. Returns the size.
    pub(super) fn get_blob_at(
        &self,
        repo: &Repo,
        digest: &Digest,
        out: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        self.get_blob_from(repo, digest, 0, out)
    }

    /// The blob's bytes from `start` on (`Range: bytes=START-` when `start` > 0), streamed into
    /// `out`; returns the blob's size. Only a stream from the first byte can be verified here:
    /// a later start is the tail of an upload whose own hasher covers the blob.
    fn get_blob_from(
        &self,
        repo: &Repo,
        digest: &Digest,
        start: u64,
        out: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.blob(&repo.path, digest);
        let mut hasher =
            Hasher::new(&digest.algorithm()).ok_or_else(|| RegistryError::Protocol {
                method: "GET".into(),
                url: url.clone(),
                status: 200,
                message: format!("cannot verify digest algorithm {}", digest.algorithm_str()),
                errors: None,
            })?;
        let mut total = start;
        let mut attempt = 1;
        // A body that breaks off is resumed where it stopped (`Range`), up to the retry count;
        // a registry that ignores the Range gets its first bytes skipped.
        loop {
            let mut req = Req::get(&url).scopes(vec![Scope::pull(&repo.path)]);
            if total > 0 {
                req = req.header("Range", format!("bytes={total}-"));
            }
            let mut resp = self.send(repo, &req)?;
            let mut skip = match resp.status().as_u16() {
                200 => total,
                206 if total > 0
                    && resp
                        .headers()
                        .get("content-range")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("bytes "))
                        .and_then(|v| v.split('-').next())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        == Some(total) =>
                {
                    0
                }
                _ => return Err(self.status_error(repo, "GET", &url, resp, Subject::Blob(digest))),
            };
            let mut reader = resp.body_mut().as_reader();
            let mut buf = vec![0u8; 64 * 1024];
            let broke_off = loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break None,
                    Ok(n) => n,
                    Err(e) => break Some(ureq::Error::from(e)),
                };
                let fresh = &buf[(skip.min(n as u64) as usize)..n];
                skip -= skip.min(n as u64);
                if fresh.is_empty() {
                    continue;
                }
                hasher.update(fresh);
                out.write_all(fresh).map_err(|e| RegistryError::Network {
                    url: transport::redact_url(&url),
                    message: format!("writing the blob failed: {e}"),
                })?;
                total += fresh.len() as u64;
            };
            match broke_off {
                None if skip == 0 => break,
                None => {
                    return Err(RegistryError::Network {
                        url: transport::redact_url(&url),
                        message: "the registry sent less than it had sent before".into(),
                    })
                }
                Some(e)
                    if attempt < self.opts.retry.tries
                        && matches!(classify(&e), Failure::Transient(_)) =>
                {
                    let ms = proto::backoff(&self.opts.retry, attempt, jitter());
                    self.debug(|| {
                        format!(
                            "* blob body broke off after {total} bytes ({e}); resuming in {ms} ms"
                        )
                    });
                    std::thread::sleep(Duration::from_millis(ms));
                    attempt += 1;
                }
                Some(e) => return Err(self.failure_error(&repo.host, &url, &e)),
            }
        }
        let computed = hasher.finish();
        if start == 0 && &computed != digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("blob {}@{digest}", repo.name()),
                expected: digest.clone(),
                computed,
            });
        }
        Ok(total)
    }

    /// A small blob (an image config) in memory, verified; refused above `limit` bytes.
    pub(super) fn get_blob_bytes_at(
        &self,
        repo: &Repo,
        digest: &Digest,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        struct Capped(Vec<u8>, u64);
        impl Write for Capped {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if (self.0.len() + b.len()) as u64 > self.1 {
                    return Err(std::io::Error::other("blob larger than expected"));
                }
                self.0.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut c = Capped(Vec::new(), limit);
        self.get_blob_at(repo, digest, &mut c)?;
        Ok(c.0)
    }

    /// `HEAD /v2/<path>/blobs/<digest>`: the size, or `None` when absent.
    pub fn head_blob(&self, repo: &Repo, digest: &Digest) -> Result<Option<u64>, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.blob(&repo.path, digest);
        let resp = self.send(repo, &Req::head(&url).scopes(vec![Scope::pull(&repo.path)]))?;
        match resp.status().as_u16() {
            200 => Ok(Some(
                resp.headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            )),
            404 => Ok(None),
            _ => Err(self.status_error(repo, "HEAD", &url, resp, Subject::Blob(digest))),
        }
    }

    /// Streams a blob from one repository (possibly on another registry) into another, with at
    /// most a few transfer buffers in memory: the source is read on a helper thread through a
    /// bounded channel. When the upload must send bytes again (a chunk broke off), the source
    /// is read again from that offset with a `Range` GET on a new helper thread.
    pub fn copy_blob(
        &self,
        from: &Repo,
        to: &Repo,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
        let source = self.stream_source(from, digest)?;
        std::thread::scope(|scope| {
            let mut refetch = Refetch {
                scope,
                client: self,
                from: &source,
                digest,
                current: None,
            };
            let up = self.upload_blob(to, digest, size, &mut refetch, session);
            let down = refetch.current.take().map(|(h, stopped)| {
                let r = h.join().expect("blob reader thread");
                (r, stopped.load(Ordering::SeqCst))
            });
            match (up, down) {
                // the source failed first: that is the cause
                (_, Some((Err(e), false))) => Err(e),
                (up, _) => up,
            }
        })
    }
}

/// The blob at its source, opened at an offset on a helper thread each time the upload asks.
struct Refetch<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    client: &'env Client,
    from: &'env Repo,
    digest: &'env Digest,
    /// The latest reader thread, and whether it stopped because the upload stopped reading.
    #[allow(clippy::type_complexity)]
    current: Option<(
        std::thread::ScopedJoinHandle<'scope, Result<u64, RegistryError>>,
        Arc<AtomicBool>,
    )>,
}

impl BlobSource for Refetch<'_, '_> {
    fn open_at(&mut self, offset: u64) -> std::io::Result<Box<dyn Read + '_>> {
        // An earlier reader ends at its next write, its channel's receiver being gone: a
        // detached scoped thread, joined when the copy's scope ends.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let stopped = Arc::new(AtomicBool::new(false));
        let (client, from, digest) = (self.client, self.from, self.digest);
        let flag = stopped.clone();
        let handle = self.scope.spawn(move || {
            let mut w = ChanWriter { tx, stopped: flag };
            client.get_blob_from(from, digest, offset, &mut w)
        });
        self.current = Some((handle, stopped));
        Ok(Box::new(ChanReader {
            rx,
            cur: Vec::new(),
            pos: 0,
        }))
    }
}

struct ChanWriter {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    stopped: Arc<AtomicBool>,
}

impl Write for ChanWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.tx.send(b.to_vec()).is_err() {
            self.stopped.store(true, Ordering::SeqCst);
            return Err(std::io::Error::other("upload stopped"));
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct ChanReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(v) => {
                    self.cur = v;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
