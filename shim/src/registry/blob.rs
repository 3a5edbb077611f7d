//! Blobs: GET (streamed, verified on the way, resumed with `Range` when the body breaks off),
//! a small blob in memory, HEAD, and the streamed copy of a blob from one repository (or
//! registry) into another.

use std::io::{Read, Write};
use std::time::Duration;

use manifold_engine::digest::Hasher;
use manifold_engine::registry::{self as proto, Scope, Subject};
use manifold_engine::Digest;

use super::client::{jitter, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;
use super::transport::{self, classify, Failure};

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
        let mut total = 0u64;
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
        if &computed != digest {
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
    /// most one chunk in memory: the source is read on a helper thread through a pipe.
    pub fn copy_blob(
        &self,
        from: &Repo,
        to: &Repo,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        struct ChanWriter(std::sync::mpsc::SyncSender<Vec<u8>>);
        impl Write for ChanWriter {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0
                    .send(b.to_vec())
                    .map_err(|_| std::io::Error::other("upload stopped"))?;
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
        std::thread::scope(|s| {
            let reader = s.spawn(move || {
                let mut w = ChanWriter(tx);
                self.get_blob(from, digest, &mut w)
            });
            let mut r = ChanReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            };
            let up = self.upload_blob(to, digest, size, &mut r, session);
            drop(r);
            let down = reader.join().expect("blob reader thread");
            down?;
            up
        })
    }
}
