//! Pulls through registries.conf's mirrors (podman personality): every manifest and blob
//! fetch tries the repository's pull sources in order, the mirrors first and the registry
//! itself last (the engine's `RegistriesConf::pull_sources` decides which and in what order).
//! Without a registries.conf the one source is the repository itself.

use std::io::Write;

use manifold_engine::Digest;

use super::client::Client;
use super::error::RegistryError;
use super::manifest::Manifest;
use super::repo::Repo;

impl Client {
    /// Where to pull `repo` from, in order: registries.conf's mirrors for it (not for a tag
    /// when `mirror-by-digest-only`), then the registry itself (at its `location`). A blocked
    /// repository is an error here, before any mirror is asked.
    pub fn pull_repos(&self, repo: &Repo, by_digest: bool) -> Result<Vec<Repo>, RegistryError> {
        self.check_blocked(repo)?;
        let Some(c) = &self.opts.registries_conf() else {
            return Ok(vec![repo.clone()]);
        };
        Ok(c.conf
            .pull_sources(&repo.name(), by_digest)
            .into_iter()
            .map(|s| {
                let (domain, path) = s.name.split_once('/').unwrap_or((&s.name, ""));
                if domain == repo.domain && path == repo.path {
                    repo.clone()
                } else {
                    Repo::new(domain, path)
                }
            })
            .collect())
    }

    /// `op` at each pull source in turn: the first success, else the registry's own error.
    fn at_each_source<T>(
        &self,
        repo: &Repo,
        by_digest: bool,
        op: impl Fn(&Repo) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let sources = self.pull_repos(repo, by_digest)?;
        let mut last = None;
        for r in &sources {
            match op(r) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    if sources.len() > 1 {
                        self.debug(|| format!("* pulling from {} failed: {e}", r.name()));
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.expect("the registry itself is always a source"))
    }

    /// `GET /v2/<path>/manifests/<reference>` with every manifest type accepted. The bytes are
    /// checked against the digest of a digest reference, and against `Docker-Content-Digest`
    /// when the registry sends it; manifests over 4 MiB are refused.
    pub fn get_manifest(&self, repo: &Repo, reference: &str) -> Result<Manifest, RegistryError> {
        let by_digest = reference.contains(':');
        self.at_each_source(repo, by_digest, |r| self.get_manifest_at(r, reference))
    }

    /// A small blob (an image config) in memory, verified; refused above `limit` bytes.
    pub fn get_blob_bytes(
        &self,
        repo: &Repo,
        digest: &Digest,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        self.at_each_source(repo, true, |r| self.get_blob_bytes_at(r, digest, limit))
    }

    /// `GET /v2/<path>/blobs/<digest>`, streamed into `out` and verified on the way (redirects
    /// to storage are followed, without the registry's Authorization). On a digest mismatch
    /// the bytes already written must be discarded by the caller. Returns the size. A stream
    /// cannot restart elsewhere, so with mirrors the first source that has the blob is used.
    pub fn get_blob(
        &self,
        repo: &Repo,
        digest: &Digest,
        out: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        let source = self.stream_source(repo, digest)?;
        self.get_blob_at(&source, digest, out)
    }

    /// Where a stream of the blob comes from: the first mirror that has it, else the registry.
    pub(super) fn stream_source(
        &self,
        repo: &Repo,
        digest: &Digest,
    ) -> Result<Repo, RegistryError> {
        let mut sources = self.pull_repos(repo, true)?;
        let last = sources.pop().expect("the registry itself");
        Ok(sources
            .into_iter()
            .find(|r| matches!(self.head_blob(r, digest), Ok(Some(_))))
            .unwrap_or(last))
    }
}
