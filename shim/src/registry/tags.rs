//! `GET /v2/<path>/tags/list`, every page: the registry-first edits scan a repository's tags
//! for the markers of the tag they edit (`manifold_engine::registry::append`).

use manifold_engine::registry::append::{next_tags_page, parse_tag_list};
use manifold_engine::registry::{Scope, Subject};

use super::client::{header, Client};
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;

/// No tag list is read past this size per page.
const MAX_PAGE: u64 = 8 * 1024 * 1024;

impl Client {
    /// Every tag of `repo`, following the `Link` pages; a repository that does not exist yet
    /// has none.
    pub fn list_tags(&self, repo: &Repo) -> Result<Vec<String>, RegistryError> {
        let host = self.host(repo)?;
        let base = host.endpoint.base().to_string();
        let mut url = format!("{base}/v2/{}/tags/list?n=1000", repo.path);
        let mut tags = Vec::new();
        for _ in 0..10_000 {
            let mut resp =
                self.send(repo, &Req::get(&url).scopes(vec![Scope::pull(&repo.path)]))?;
            match resp.status().as_u16() {
                200 => {}
                404 => return Ok(tags),
                _ => return Err(self.status_error(repo, "GET", &url, resp, Subject::Other)),
            }
            let link = header(&resp, "link");
            let body = resp
                .body_mut()
                .with_config()
                .limit(MAX_PAGE)
                .read_to_vec()
                .map_err(|e| self.failure_error(&repo.host, &url, &e))?;
            tags.extend(
                parse_tag_list(&body).map_err(|message| RegistryError::Protocol {
                    method: "GET".into(),
                    url: url.clone(),
                    status: 200,
                    message,
                    errors: None,
                })?,
            );
            match next_tags_page(link.as_deref()) {
                Some(next) if next.starts_with('/') => url = format!("{base}{next}"),
                Some(next) => url = next,
                None => return Ok(tags),
            }
        }
        Ok(tags)
    }
}
