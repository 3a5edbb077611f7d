//! Putting blobs into a repository: a cross-repository mount, and an upload (one PUT, or PATCH
//! chunks and a closing PUT) in a new session or in the one a mount answered 202 opened, as
//! go-containerregistry's `initiateUpload` continues it.

use std::io::Read;
use std::time::Duration;

use manifold_engine::digest::Hasher;
use manifold_engine::registry::{with_digest, Scope, Subject};
use manifold_engine::Digest;
use ureq::http::Response;

use super::client::{header, Client};
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
    pub fn upload_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        size: u64,
        data: &mut dyn Read,
        session: Option<String>,
    ) -> Result<(), RegistryError> {
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
        let mut hasher = Hasher::new(&digest.algorithm()).ok_or_else(|| RegistryError::Upload {
            name: repo.name(),
            message: format!("cannot compute digest algorithm {}", digest.algorithm_str()),
        })?;
        let chunk = self.opts.chunk_size.max(1);
        let read_chunk = |data: &mut dyn Read, buf: &mut Vec<u8>| -> Result<usize, RegistryError> {
            buf.clear();
            let n =
                data.take(chunk as u64)
                    .read_to_end(buf)
                    .map_err(|e| RegistryError::Upload {
                        name: repo.name(),
                        message: format!("reading the blob {digest} failed: {e}"),
                    })?;
            Ok(n)
        };
        let mut sent = 0u64;
        let mismatch = |computed: Digest| RegistryError::DigestMismatch {
            what: format!("blob {digest} being uploaded to {}", repo.name()),
            expected: digest.clone(),
            computed,
        };
        if size as usize <= chunk {
            let mut buf = Vec::with_capacity(size as usize);
            let n = read_chunk(data, &mut buf)?;
            hasher.update(&buf[..n]);
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
        while sent < size {
            let n = (size - sent).min(chunk as u64);
            let range = format!("{}-{}", sent, sent + n - 1);
            // A PATCH is never sent twice: the session's state after a failed one is unknown.
            let req = Req::patch(&loc)
                .scopes(scopes())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", range)
                .header("Content-Length", n.to_string())
                .idempotent(false);
            let resp = self.patch_streamed(repo, &req, data, n, &mut hasher)?;
            if resp.status().as_u16() != 202 {
                return Err(self.status_error(repo, "PATCH", &loc, resp, Subject::Other));
            }
            if let Some(l) = location(&resp) {
                loc = host.endpoint.resolve_location(&l);
            }
            sent += n;
        }
        // the blob must end where its size says
        let mut probe = [0u8; 1];
        if matches!(data.read(&mut probe), Ok(n) if n > 0) {
            return Err(RegistryError::Upload {
                name: repo.name(),
                message: format!("the blob {digest} is longer than its size {size}"),
            });
        }
        let computed = hasher.finish();
        if &computed != digest {
            return Err(mismatch(computed));
        }
        let url = with_digest(&loc, digest);
        // The closing PUT is never sent twice (see the one-PUT case above for why).
        let resp = self.send(repo, &Req::put(&url).scopes(scopes()).idempotent(false))?;
        self.finish_upload(repo, &url, resp, digest)
    }

    /// Sends `req` (a PATCH) once with the next `n` bytes of `data` as its body, streamed and
    /// hashed on the way, authorised as the session's POST was: a streamed body cannot be read
    /// again, and a PATCH is never repeated anyway.
    fn patch_streamed(
        &self,
        repo: &Repo,
        req: &Req<'_>,
        data: &mut dyn Read,
        n: u64,
        hasher: &mut Hasher,
    ) -> Result<Response<ureq::Body>, RegistryError> {
        struct Hashing<'a, R> {
            inner: std::io::Take<R>,
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
        let host = self.host(repo)?;
        let loc = req.url;
        let url_host = manifold_engine::registry::url_host(loc).unwrap_or("");
        // credentials go to the registry's own host only, never to another host's Location
        let auth = if url_host.eq_ignore_ascii_case(&repo.host) {
            self.authorization(repo, &host, &req.scopes, None, false)?
        } else {
            None
        };
        let agent = self.agents()?.for_host(url_host)?;
        self.debug(|| {
            format!(
                "> {} {} ({n} bytes, streamed)",
                req.method,
                super::transport::redact_url(loc)
            )
        });
        let mut b = ureq::http::Request::builder().method(req.method).uri(loc);
        for (k, v) in &req.headers {
            b = b.header(*k, v.as_str());
        }
        if let Some(a) = auth {
            b = b.header("Authorization", a);
        }
        let mut body = Hashing {
            inner: data.take(n),
            hasher,
            read: 0,
        };
        let req = b
            .body(ureq::SendBody::from_reader(&mut body))
            .map_err(|e| RegistryError::Upload {
                name: repo.name(),
                message: format!("cannot build the PATCH: {e}"),
            })?;
        let resp = agent.run(req);
        let read = body.read;
        match resp {
            Ok(r) if read == n => Ok(r),
            Ok(_) => Err(RegistryError::Upload {
                name: repo.name(),
                message: format!("the blob ended after {read} of its bytes"),
            }),
            Err(e) if read < n => Err(RegistryError::Upload {
                name: repo.name(),
                message: format!("reading the blob failed after {read} bytes ({e})"),
            }),
            Err(e) => Err(self.failure_error(&repo.host, loc, &e)),
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
