//! Discovering referrers: `GET /v2/<path>/referrers/<digest>` (the OCI 1.1 API, which a
//! registry without it answers 404), `GET /v2/<path>/tags/list` (every page, for the tag
//! schema's and cosign's `sha256-<hex>…` tags), and a manifest GET where absence is an answer,
//! not a failure. What a reply means is the engine's (`registry::referrers`).

use manifold_engine::registry::referrers::{
    next_page, read_referrers_reply, read_tags_list, SourceReferrers,
};
use manifold_engine::registry::{Scope, Subject};
use manifold_engine::Digest;

use super::client::{header, Client};
use super::error::RegistryError;
use super::manifest::Manifest;
use super::repo::Repo;
use super::request::Req;

/// Replies read whole here are lists of descriptors or tags: refused above this.
const MAX_LIST_BYTES: u64 = 4 * 1024 * 1024;

/// At most this many pages of tags are followed (a registry looping its `Link` stops here).
const MAX_TAG_PAGES: usize = 1000;

impl Client {
    /// What refers to `subject` in `repo` by the referrers API, or that the registry has none.
    pub fn get_referrers(
        &self,
        repo: &Repo,
        subject: &Digest,
    ) -> Result<SourceReferrers, RegistryError> {
        let host = self.host(repo)?;
        let url = format!(
            "{}/v2/{}/referrers/{}",
            host.endpoint.base(),
            repo.path,
            subject.as_str()
        );
        let mut resp = self.send(
            repo,
            &Req::get(&url)
                .scopes(vec![Scope::pull(&repo.path)])
                .header("Accept", "application/vnd.oci.image.index.v1+json"),
        )?;
        let status = resp.status().as_u16();
        if status != 200 && !matches!(status, 404 | 405 | 501) {
            return Err(self.status_error(repo, "GET", &url, resp, Subject::Other));
        }
        let body = self.read_list(repo, &url, &mut resp)?;
        match read_referrers_reply(status, &body) {
            Ok(Some(r)) => Ok(r),
            Ok(None) => unreachable!("statuses other than these were errors above"),
            Err(e) => Err(protocol(&url, status, e.0)),
        }
    }

    /// Every tag of `repo`, following `Link` pages. A repository the registry does not know
    /// has no tags.
    pub fn list_tags(&self, repo: &Repo) -> Result<Vec<String>, RegistryError> {
        let host = self.host(repo)?;
        let base = host.endpoint.base().to_string();
        let mut url = format!("{base}/v2/{}/tags/list?n=1000", repo.path);
        let mut tags = Vec::new();
        for _ in 0..MAX_TAG_PAGES {
            let mut resp =
                self.send(repo, &Req::get(&url).scopes(vec![Scope::pull(&repo.path)]))?;
            match resp.status().as_u16() {
                200 => {}
                404 => return Ok(tags),
                _ => return Err(self.status_error(repo, "GET", &url, resp, Subject::Other)),
            }
            let link = header(&resp, "link");
            let body = self.read_list(repo, &url, &mut resp)?;
            tags.extend(read_tags_list(&body).map_err(|e| protocol(&url, 200, e.0))?);
            match next_page(link.as_deref(), &base) {
                Some(next) => url = next,
                None => return Ok(tags),
            }
        }
        Ok(tags)
    }

    /// The manifest at `reference`, or `None` when the registry says it has none (404).
    pub fn find_manifest(
        &self,
        repo: &Repo,
        reference: &str,
    ) -> Result<Option<Manifest>, RegistryError> {
        match self.get_manifest(repo, reference) {
            Ok(m) => Ok(Some(m)),
            Err(
                RegistryError::ManifestUnknown { .. } | RegistryError::RepositoryUnknown { .. },
            ) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read_list(
        &self,
        repo: &Repo,
        url: &str,
        resp: &mut ureq::http::Response<ureq::Body>,
    ) -> Result<Vec<u8>, RegistryError> {
        resp.body_mut()
            .with_config()
            .limit(MAX_LIST_BYTES)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => RegistryError::TooLarge {
                    url: url.to_string(),
                    limit: MAX_LIST_BYTES,
                },
                e => self.failure_error(&repo.host, url, &e),
            })
    }
}

fn protocol(url: &str, status: u16, message: String) -> RegistryError {
    RegistryError::Protocol {
        method: "GET".into(),
        url: url.to_string(),
        status,
        message,
        errors: None,
    }
}
