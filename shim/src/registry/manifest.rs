//! Manifests: GET (size-capped, digest-checked, fetched again when the body breaks off), HEAD
//! and PUT. The digest checks are the engine's (`registry::verify`); this file words a mismatch.

use std::time::Duration;

use manifold_engine::media_type::{self, MANIFEST_ACCEPT};
use manifold_engine::registry::{
    self as proto, verify_fetched_manifest, verify_pushed_manifest, Mismatch, Scope, Subject,
    MAX_MANIFEST_BYTES,
};
use manifold_engine::{Descriptor, Digest};

use super::client::{header, jitter, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;
use super::transport::{classify, Failure};

/// A manifest as fetched: its exact bytes, media type and verified digest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// A manifest digest check that failed, in the client's words: `reference` is the tag or digest
/// of the request.
fn mismatch_error(repo: &Repo, reference: &str, m: Mismatch) -> RegistryError {
    let name = repo.name();
    match m {
        Mismatch::Reference { expected, computed } => RegistryError::DigestMismatch {
            what: format!("manifest {name}@{expected}"),
            expected,
            computed,
        },
        Mismatch::Header { expected, computed } => RegistryError::DigestMismatch {
            what: format!("manifest {name}:{reference} (the registry's Docker-Content-Digest)"),
            expected,
            computed,
        },
        Mismatch::Stored { ours, theirs } => RegistryError::DigestMismatch {
            what: format!("the manifest pushed to {name}:{reference}"),
            expected: ours,
            computed: theirs,
        },
    }
}

impl Client {
    /// `GET /v2/<path>/manifests/<reference>` with every manifest type accepted. The bytes are
    /// checked against the digest of a digest reference, and against `Docker-Content-Digest`
    /// when the registry sends it; manifests over 4 MiB are refused.
    pub(super) fn get_manifest_at(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Manifest, RegistryError> {
        // A body cut off (reset, truncated, timed out) is fetched again, like a failed request.
        let mut attempt = 1;
        loop {
            match self.get_manifest_once(repo, reference) {
                Err((e, true)) if attempt < self.opts.retry.tries => {
                    let ms = proto::backoff(&self.opts.retry, attempt, jitter());
                    self.debug(|| format!("* {e}; retrying in {ms} ms"));
                    std::thread::sleep(Duration::from_millis(ms));
                    attempt += 1;
                }
                other => return other.map_err(|(e, _)| e),
            }
        }
    }

    /// One GET of a manifest; the error says whether the body broke off (worth another try).
    fn get_manifest_once(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Manifest, (RegistryError, bool)> {
        let fatal = |e: RegistryError| (e, false);
        let host = self.host(repo).map_err(fatal)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        let mut resp = self
            .send(
                repo,
                &Req::get(&url)
                    .scopes(vec![Scope::pull(&repo.path)])
                    .header("Accept", MANIFEST_ACCEPT.join(", ")),
            )
            .map_err(fatal)?;
        if resp.status().as_u16() != 200 {
            return Err(fatal(self.status_error(
                repo,
                "GET",
                &url,
                resp,
                Subject::Manifest(reference),
            )));
        }
        if header(&resp, "content-length")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_MANIFEST_BYTES)
        {
            return Err(fatal(RegistryError::TooLarge {
                url,
                limit: MAX_MANIFEST_BYTES,
            }));
        }
        let content_type = header(&resp, "content-type");
        let header_digest = header(&resp, "docker-content-digest");
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_MANIFEST_BYTES + 1)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => fatal(RegistryError::TooLarge {
                    url: url.clone(),
                    limit: MAX_MANIFEST_BYTES,
                }),
                e => (
                    self.failure_error(&repo.host, &url, &e),
                    matches!(classify(&e), Failure::Transient(_)),
                ),
            })?;
        let digest = verify_fetched_manifest(reference, &bytes, header_digest.as_deref())
            .map_err(|m| fatal(mismatch_error(repo, reference, m)))?;
        let media_type = content_type
            .as_deref()
            .map(media_type::strip_parameters)
            .filter(|m| media_type::Kind::from_media_type(m).is_some())
            .map(str::to_string)
            .or_else(|| {
                manifold_engine::json::tree::parse(&bytes)
                    .ok()
                    .and_then(|n| manifold_engine::model::detect_kind(&n))
                    .map(|k| k.media_type().to_string())
            })
            .or(content_type.map(|c| media_type::strip_parameters(&c).to_string()))
            .unwrap_or_default();
        Ok(Manifest {
            bytes,
            media_type,
            digest,
        })
    }

    /// `HEAD /v2/<path>/manifests/<reference>`: the descriptor, or `None` when absent.
    #[cfg_attr(
        not(test),
        allow(
            dead_code,
            reason = "the client's API: the push side's existence check, pinned by live_tests"
        )
    )]
    pub fn head_manifest(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Option<Descriptor>, RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        let resp = self.send(
            repo,
            &Req::head(&url)
                .scopes(vec![Scope::pull(&repo.path)])
                .header("Accept", MANIFEST_ACCEPT.join(", ")),
        )?;
        match resp.status().as_u16() {
            200 => {
                let h = |k: &str| resp.headers().get(k).and_then(|v| v.to_str().ok());
                let digest = h("docker-content-digest")
                    .and_then(|d| Digest::parse(d).ok())
                    .or_else(|| Digest::parse(reference).ok())
                    .ok_or_else(|| RegistryError::Protocol {
                        method: "HEAD".into(),
                        url: url.clone(),
                        status: 200,
                        message: "no Docker-Content-Digest header".into(),
                        errors: None,
                    })?;
                let size = h("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mt = h("content-type")
                    .map(media_type::strip_parameters)
                    .unwrap_or("")
                    .to_string();
                Ok(Some(Descriptor::new(&mt, digest, size)))
            }
            404 => Ok(None),
            _ => Err(self.status_error(repo, "HEAD", &url, resp, Subject::Manifest(reference))),
        }
    }

    /// `PUT /v2/<path>/manifests/<reference>` with the exact bytes and `Content-Type`.
    /// Returns the digest, checked against the registry's `Docker-Content-Digest`.
    pub fn put_manifest(
        &self,
        repo: &Repo,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, RegistryError> {
        self.put_manifest_subject(repo, reference, bytes, media_type)
            .map(|(d, _)| d)
    }

    /// [`Client::put_manifest`], also returning the `OCI-Subject` header: a registry with the
    /// referrers API sends it when it took the manifest's `subject`.
    pub fn put_manifest_subject(
        &self,
        repo: &Repo,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<(Digest, Option<String>), RegistryError> {
        let host = self.host(repo)?;
        let url = host.endpoint.manifest(&repo.path, reference);
        // A manifest PUT is idempotent (same bytes, same result), so it is retried.
        let resp = self.send(
            repo,
            &Req::put(&url)
                .scopes(vec![Scope::push(&repo.path)])
                .header("Content-Type", media_type)
                .bytes(bytes),
        )?;
        if !matches!(resp.status().as_u16(), 200 | 201 | 202 | 204) {
            return Err(self.status_error(repo, "PUT", &url, resp, Subject::Other));
        }
        let theirs = header(&resp, "docker-content-digest");
        let subject = header(&resp, "oci-subject");
        verify_pushed_manifest(reference, bytes, theirs.as_deref())
            .map(|d| (d, subject))
            .map_err(|m| mismatch_error(repo, reference, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_are_worded_per_check() {
        let r = Repo::new("h", "p");
        let b = b"{}";
        let d = Digest::sha256(b);
        let other = Digest::sha256(b"x");
        let e = verify_fetched_manifest(other.as_str(), b, None)
            .map_err(|m| mismatch_error(&r, other.as_str(), m))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("digest mismatch for manifest h/p@{other}: expected {other}, but the content is {d}")
        );
        let e = mismatch_error(
            &r,
            "v1",
            verify_fetched_manifest("v1", b, Some(other.as_str())).unwrap_err(),
        );
        assert_eq!(
            e.to_string(),
            format!("digest mismatch for manifest h/p:v1 (the registry's Docker-Content-Digest): expected {other}, but the content is {d}")
        );
        let e = mismatch_error(
            &r,
            "v1",
            verify_pushed_manifest("v1", b, Some(other.as_str())).unwrap_err(),
        );
        assert_eq!(
            e.to_string(),
            format!("digest mismatch for the manifest pushed to h/p:v1: expected {d}, but the content is {other}")
        );
    }
}
