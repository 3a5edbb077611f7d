//! Discovering referrers: `GET /v2/<path>/referrers/<digest>` (the OCI 1.1 API, which a
//! registry without it answers 404). The tag schema's and cosign's `sha256-<hex>…` tags are
//! found through the one tags list (`tags.rs`). What a reply means is the engine's
//! (`registry::referrers`).

use manifold_engine::registry::referrers::{read_referrers_reply, SourceReferrers};
use manifold_engine::registry::{Scope, Subject};
use manifold_engine::Digest;

use super::client::Client;
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;

/// Replies read whole here are lists of descriptors: refused above this.
const MAX_LIST_BYTES: u64 = 4 * 1024 * 1024;

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
