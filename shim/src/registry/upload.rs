//! Putting blobs into a repository: a cross-repository mount, and an upload (one PUT, or PATCH
//! chunks and a closing PUT) in a new session or in the one a mount answered 202 opened, as
//! go-containerregistry's `initiateUpload` continues it.

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use manifold_engine::digest::Hasher;
use manifold_engine::registry::upload_resume::{
    after_patch_failure, resume_after_status, AfterPatch, PatchFailure, Resume, UploadStatus,
};
use manifold_engine::registry::{backoff, with_digest, Scope, Subject};
use manifold_engine::Digest;
use ureq::http::Response;

use super::client::{header, jitter, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;

/// The result of a mount request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mount {
    /// 201: the blob is now in the target repository.
    Mounted,
    /// 202: the registry opened an upload session instead; upload the blob to `location`.
    NotMounted { location: String },
}

fn location(resp: &Response<ureq::Body>) -> Option<String> {
    header(resp, "location")
}

/// An upload's bytes, which can be read again from any offset: a chunk that broke off is sent
/// again from where the registry stands, or the whole blob on a new session.
pub trait BlobSource {
    /// The blob's bytes from `offset` to its end. Opening again ends what an earlier opening
    /// was reading.
    fn open_at(&mut self, offset: u64) -> std::io::Result<Box<dyn Read + '_>>;
}

/// Bytes in memory.
impl BlobSource for &[u8] {
    fn open_at(&mut self, offset: u64) -> std::io::Result<Box<dyn Read + '_>> {
        let at = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        Ok(Box::new(&self[at..]))
    }
}

/// A file, read again by seeking.
impl BlobSource for std::fs::File {
    fn open_at(&mut self, offset: u64) -> std::io::Result<Box<dyn Read + '_>> {
        self.seek(SeekFrom::Start(offset))?;
        Ok(Box::new(&mut *self))
    }
}

/// Why a streamed PATCH got no answer.
enum Broken {
    /// The blob's source failed (or ended early): sending it again would not help.
    Source(RegistryError),
    /// The connection to the registry failed while the body was sent or before the answer.
    Send(RegistryError),
}

/// A reader that hashes what passes through it and counts it.
struct Hashing<'a, R> {
    inner: R,
    hasher: &'a mut Hasher,
    read: u64,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        self.read += k as u64;
        Ok(k)
    }
}

impl Client {
    /// `POST /v2/<path>/blobs/uploads/?from=<from>&mount=<digest>`.
    pub fn mount_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        from: &str,
    ) -> Result<Mount, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.mount(&repo.path, digest, from);
        // Retried like an idempotent request: a mount names its content by digest, so asking
        // twice ends in the same state (at worst an unused upload session the registry expires).
        let resp = self.send(
            repo,
            &Req::post(&url)
                .scopes(Scope::mount(&repo.path, from))
                .idempotent(true),
        )?;
        match resp.status().as_u16() {
            201 => Ok(Mount::Mounted),
            202 => {
                let location = location(&resp).ok_or_else(|| RegistryError::Upload {
                    name: repo.name(),
                    message: "the registry opened an upload session without a Location".into(),
                })?;
                Ok(Mount::NotMounted {
                    location: host.endpoint.resolve_location(&location),
                })
            }
            _ => Err(self.status_error(repo, "POST", &url, resp, Subject::Blob(digest))),
        }
    }

    /// Uploads a blob read from `data` (exactly `size` bytes with digest `digest`), in one PUT
    /// up to the chunk size ([`super::CHUNK`] unless set), else in PATCH chunks; at most one
    /// chunk is in memory. `session` is an upload location already opened (by a mount that
    /// answered 202): the upload continues there instead of opening a session of its own.
    ///
    /// A chunk that fails (the connection breaks while its body is sent, a 5xx, a 416) does
    /// not end the upload: the registry is asked how much it holds and the upload goes on
    /// from there in the same session, or starts over on a new one, as the engine's
    /// `upload_resume` decides, within the retry count. `data` is opened again for that.
    pub fn upload_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        size: u64,
        data: &mut dyn BlobSource,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
        // few uploads at once, however wide the requests around them go (`width::widths`)
        let _slot = self.transfer_slot();
        let host = self.host(repo)?;
        let scopes = || vec![Scope::push(&repo.path)];
        // Opening a session changes nothing anyone sees, so its POST is retried.
        let open_session = || -> Result<String, RegistryError> {
            let url = host.endpoint.upload_start(&repo.path);
            let resp = self.send(repo, &Req::post(&url).scopes(scopes()).idempotent(true))?;
            if resp.status().as_u16() != 202 {
                return Err(self.status_error(repo, "POST", &url, resp, Subject::Other));
            }
            Ok(host
                .endpoint
                .resolve_location(&location(&resp).ok_or_else(|| RegistryError::Upload {
                    name: repo.name(),
                    message: "the registry opened an upload session without a Location".into(),
                })?))
        };
        let mut loc = match session {
            Some(l) => l,
            None => open_session()?,
        };
        let new_hasher = || {
            Hasher::new(&digest.algorithm()).ok_or_else(|| RegistryError::Upload {
                name: repo.name(),
                message: format!("cannot compute digest algorithm {}", digest.algorithm_str()),
            })
        };
        let mut hasher = new_hasher()?;
        let reading = |e: std::io::Error| RegistryError::Upload {
            name: repo.name(),
            message: format!("reading the blob {digest} failed: {e}"),
        };
        let chunk = self.opts.chunk_size.max(1);
        let mismatch = |computed: Digest| RegistryError::DigestMismatch {
            what: format!("blob {digest} being uploaded to {}", repo.name()),
            expected: digest.clone(),
            computed,
        };
        if size as usize <= chunk {
            let mut buf = Vec::with_capacity(size as usize);
            data.open_at(0)
                .and_then(|r| r.take(chunk as u64).read_to_end(&mut buf))
                .map_err(reading)?;
            hasher.update(&buf);
            let computed = hasher.finish();
            if &computed != digest {
                return Err(mismatch(computed));
            }
            // The whole blob is in memory: a failed PUT is not sent again on its session (whose
            // state is unknown) but the upload starts over on a new one, up to the retry count.
            let mut attempt = 1;
            loop {
                let url = with_digest(&loc, digest);
                let outcome = self.send(
                    repo,
                    &Req::put(&url)
                        .scopes(scopes())
                        .header("Content-Type", "application/octet-stream")
                        .bytes(&buf)
                        .idempotent(false),
                );
                let wait = match &outcome {
                    Ok(r) => self.status_retry(true, attempt, r),
                    Err(RegistryError::Network { .. }) => self.connection_retry(attempt),
                    Err(_) => None,
                };
                match wait {
                    Some(ms) => {
                        self.debug(|| {
                            format!("* upload of {digest} failed; starting over in {ms} ms")
                        });
                        std::thread::sleep(Duration::from_millis(ms));
                        attempt += 1;
                        loc = open_session()?;
                    }
                    None => return self.finish_upload(repo, &url, outcome?, digest),
                }
            }
        }
        // Chunks bigger than one PUT are streamed from `data` into each PATCH as they arrive,
        // so a blob held in memory is a transfer buffer, not a chunk (many blobs go at once).
        let mut reader = data.open_at(0).map_err(reading)?;
        // bytes the registry accepted (a 202 to their PATCH)
        let mut confirmed = 0u64;
        let mut failures = 0u32;
        while confirmed < size {
            let n = (size - confirmed).min(chunk as u64);
            let range = format!("{}-{}", confirmed, confirmed + n - 1);
            // the digest as of the chunk's start, to go on from if the chunk is sent again
            let at_chunk_start = hasher.clone();
            // A PATCH is never sent twice blindly: after a failed one the registry is asked.
            let req = Req::patch(&loc)
                .scopes(scopes())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", range)
                .header("Content-Length", n.to_string())
                .idempotent(false);
            let (failure, error) =
                match self.patch_streamed(repo, &req, &mut *reader, n, &mut hasher) {
                    Ok(resp) if resp.status().as_u16() == 202 => {
                        if let Some(l) = location(&resp) {
                            loc = host.endpoint.resolve_location(&l);
                        }
                        confirmed += n;
                        continue;
                    }
                    Ok(resp) => (
                        PatchFailure::Status(resp.status().as_u16()),
                        self.status_error(repo, "PATCH", &loc, resp, Subject::Other),
                    ),
                    Err(Broken::Source(e)) => return Err(e),
                    Err(Broken::Send(e)) => (PatchFailure::Connection, e),
                };
            failures += 1;
            // out of tries after broken connections: say so once, without the session's URL
            let broke = |e: &RegistryError| match (failure, e) {
                (PatchFailure::Connection, RegistryError::Network { message, .. }) => {
                    RegistryError::Upload {
                        name: repo.name(),
                        message: format!(
                            "the connection broke {failures} times while blob {digest} was sent \
                             ({message}); check the network to {} and run the command again",
                            repo.host
                        ),
                    }
                }
                _ => e.clone(),
            };
            let resume = match after_patch_failure(&self.opts.retry, failures, failure) {
                AfterPatch::GiveUp => return Err(broke(&error)),
                AfterPatch::StartOver => Resume::StartOver,
                AfterPatch::AskStatus => {
                    self.pause(failures);
                    // the status GET is idempotent: `send` retries it like any other
                    match self.send(repo, &Req::get(&loc).scopes(scopes())) {
                        Ok(r) => resume_after_status(
                            confirmed,
                            n,
                            &UploadStatus::Reply {
                                code: r.status().as_u16(),
                                range: r.headers().get("range").and_then(|v| v.to_str().ok()),
                                location: r.headers().get("location").and_then(|v| v.to_str().ok()),
                            },
                        ),
                        Err(_) => resume_after_status(confirmed, n, &UploadStatus::Unreachable),
                    }
                }
            };
            drop(reader);
            match resume {
                Resume::GiveUp => return Err(broke(&error)),
                Resume::ContinueAt { offset, location } => {
                    self.debug(|| {
                        format!(
                            "* upload of {digest}: the chunk at {confirmed} failed ({error}); \
                             the registry holds {offset} bytes: continuing there (attempt {})",
                            failures + 1
                        )
                    });
                    if let Some(l) = location {
                        loc = host.endpoint.resolve_location(&l);
                    }
                    // The bytes from the chunk's start up to the registry's offset are read
                    // and hashed again, not sent: the digest covers every byte once.
                    reader = data.open_at(confirmed).map_err(reading)?;
                    hasher = at_chunk_start;
                    let mut again = Hashing {
                        inner: (&mut *reader).take(offset - confirmed),
                        hasher: &mut hasher,
                        read: 0,
                    };
                    std::io::copy(&mut again, &mut std::io::sink()).map_err(reading)?;
                    if again.read != offset - confirmed {
                        return Err(reading(std::io::ErrorKind::UnexpectedEof.into()));
                    }
                    confirmed = offset;
                }
                Resume::StartOver => {
                    self.debug(|| {
                        format!(
                            "* upload of {digest}: the chunk at {confirmed} failed ({error}); \
                             the session is gone: starting over on a new one (attempt {})",
                            failures + 1
                        )
                    });
                    if failure == PatchFailure::Status(404) {
                        self.pause(failures);
                    }
                    loc = open_session()?;
                    reader = data.open_at(0).map_err(reading)?;
                    hasher = new_hasher()?;
                    confirmed = 0;
                }
            }
        }
        // the blob must end where its size says
        let mut probe = [0u8; 1];
        if matches!(reader.read(&mut probe), Ok(n) if n > 0) {
            return Err(RegistryError::Upload {
                name: repo.name(),
                message: format!("the blob {digest} is longer than its size {size}"),
            });
        }
        drop(reader);
        let computed = hasher.finish();
        if &computed != digest {
            return Err(mismatch(computed));
        }
        let url = with_digest(&loc, digest);
        // The closing PUT is never sent twice (see the one-PUT case above for why).
        let resp = self.send(repo, &Req::put(&url).scopes(scopes()).idempotent(false))?;
        self.finish_upload(repo, &url, resp, digest)
    }

    /// Waits before the next attempt after `failures` failed ones, as every retry waits.
    fn pause(&self, failures: u32) {
        let ms = backoff(&self.opts.retry, failures, jitter());
        self.debug(|| format!("* waiting {ms} ms"));
        std::thread::sleep(Duration::from_millis(ms));
    }

    /// Sends `req` (a PATCH) once with the next `n` bytes of `data` as its body, streamed and
    /// hashed on the way, authorised as the session's POST was: a streamed body cannot be read
    /// again, so the caller, not `send`, decides what follows a failure.
    fn patch_streamed(
        &self,
        repo: &Repo,
        req: &Req<'_>,
        data: &mut dyn Read,
        n: u64,
        hasher: &mut Hasher,
    ) -> Result<Response<ureq::Body>, Broken> {
        /// Reads at most `n` bytes and says when the source, not the connection, failed.
        struct Body<'a, R> {
            inner: Hashing<'a, std::io::Take<R>>,
            n: u64,
            source_failed: bool,
        }
        impl<R: Read> Read for Body<'_, R> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.inner.read(buf) {
                    Ok(0) if self.inner.read < self.n && !buf.is_empty() => {
                        self.source_failed = true;
                        Err(std::io::ErrorKind::UnexpectedEof.into())
                    }
                    Err(e) => {
                        self.source_failed = true;
                        Err(e)
                    }
                    ok => ok,
                }
            }
        }
        let host = self.host(repo).map_err(Broken::Source)?;
        // a session opened before a guessed scheme was corrected goes over the corrected one
        let rebased = host.endpoint.rebase(req.url);
        let loc = rebased.as_deref().unwrap_or(req.url);
        let url_host = manifold_engine::registry::url_host(loc).unwrap_or("");
        // credentials go to the registry's own host only, never to another host's Location
        let auth = if url_host.eq_ignore_ascii_case(&repo.host) {
            self.authorization(repo, &host, &req.scopes, None, false)
                .map_err(Broken::Source)?
        } else {
            None
        };
        let agent = self
            .agents()
            .and_then(|a| a.for_host(url_host))
            .map_err(Broken::Source)?;
        self.debug(|| {
            format!(
                "> {} {} ({n} bytes, streamed)",
                req.method,
                super::transport::redact_url(loc)
            )
        });
        let mut b = ureq::http::Request::builder().method(req.method).uri(loc);
        for (k, v) in &req.headers {
            self.debug(|| format!(">   {k}: {}", super::transport::redact_header(k, v)));
            b = b.header(*k, v.as_str());
        }
        if let Some(a) = auth {
            b = b.header("Authorization", a);
        }
        let mut body = Body {
            inner: Hashing {
                inner: data.take(n),
                hasher,
                read: 0,
            },
            n,
            source_failed: false,
        };
        let req = b
            .body(ureq::SendBody::from_reader(&mut body))
            .map_err(|e| {
                Broken::Source(RegistryError::Upload {
                    name: repo.name(),
                    message: format!("cannot build the PATCH: {e}"),
                })
            })?;
        let resp = agent.run(req);
        let read = body.inner.read;
        match resp {
            Ok(_) if body.source_failed => Err(Broken::Source(RegistryError::Upload {
                name: repo.name(),
                message: format!("the blob ended after {read} of its bytes"),
            })),
            // accepted without its whole body: what the registry holds is unknown
            Ok(r) if read < n && r.status().is_success() => {
                Err(Broken::Send(RegistryError::Upload {
                    name: repo.name(),
                    message: format!("the registry answered after {read} of {n} bytes"),
                }))
            }
            Ok(r) => {
                self.debug(|| format!("< {} PATCH", r.status().as_u16()));
                Ok(r)
            }
            Err(e) if body.source_failed => Err(Broken::Source(RegistryError::Upload {
                name: repo.name(),
                message: format!("reading the blob failed after {read} of its bytes ({e})"),
            })),
            Err(e) => {
                self.debug(|| format!("< error after {read} of {n} bytes: {e}"));
                Err(Broken::Send(self.failure_error(&repo.host, loc, &e)))
            }
        }
    }

    fn finish_upload(
        &self,
        repo: &Repo,
        url: &str,
        resp: Response<ureq::Body>,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        match resp.status().as_u16() {
            201 | 204 => Ok(()),
            _ => Err(self.status_error(repo, "PUT", url, resp, Subject::Blob(digest))),
        }
    }
}
