//! An answer an operation did not expect, as the error the user sees. What the answer means is
//! the engine's decision (`registry::status_failure`); this file reads the body, asks it, adds
//! what only the client knows (host, repository, the credentials tried) and, for a missing
//! manifest, asks the tags list whether the repository itself is missing.

use manifold_engine::registry::{
    repository_missing, status_failure, Reply, Scope, StatusFailure, Subject,
};
use ureq::http::Response;

use super::client::Client;
use super::error::RegistryError;
use super::repo::Repo;
use super::request::Req;
use super::transport;

impl Client {
    /// The error for a response whose status the operation did not expect.
    pub(super) fn status_error(
        &self,
        repo: &Repo,
        method: &str,
        url: &str,
        resp: Response<ureq::Body>,
        subject: Subject<'_>,
    ) -> RegistryError {
        let unsupported = self.unsupported_auth(repo);
        self.status_error_with(repo, method, url, resp, subject, unsupported.as_deref())
    }

    /// [`Client::status_error`] with the host's unsupported auth schemes given (while a host is
    /// being connected it is not in the client's table yet).
    pub(super) fn status_error_with(
        &self,
        repo: &Repo,
        method: &str,
        url: &str,
        mut resp: Response<ureq::Body>,
        subject: Subject<'_>,
        unsupported_auth: Option<&str>,
    ) -> RegistryError {
        let status = resp.status().as_u16();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default()
        };
        let failure = status_failure(&Reply {
            method,
            status,
            subject,
            body: &body,
            unsupported_auth,
        });
        match failure {
            StatusFailure::Unauthorized { message } => RegistryError::Unauthorized {
                host: repo.host.clone(),
                repo: repo.path.clone(),
                tried: self.tried(repo),
                message,
            },
            StatusFailure::Denied { message } => RegistryError::Denied {
                host: repo.host.clone(),
                repo: repo.path.clone(),
                tried: self.tried(repo),
                message,
            },
            StatusFailure::RepositoryUnknown => {
                RegistryError::RepositoryUnknown { name: repo.name() }
            }
            StatusFailure::ManifestUnknown { reference } => {
                if self.repository_missing(repo) {
                    RegistryError::RepositoryUnknown { name: repo.name() }
                } else {
                    RegistryError::ManifestUnknown {
                        name: repo.name(),
                        reference,
                    }
                }
            }
            StatusFailure::BlobUnknown { digest } => RegistryError::BlobUnknown {
                name: repo.name(),
                digest,
            },
            StatusFailure::Protocol { message, errors } => RegistryError::Protocol {
                method: method.to_string(),
                url: transport::redact_url(url),
                status,
                message,
                errors,
            },
        }
    }

    /// Which credentials were tried for `repo`, for a message (never a secret).
    fn tried(&self, repo: &Repo) -> String {
        self.lookup(repo)
            .map(|l| l.describe())
            .unwrap_or_else(|e| e.to_string())
    }

    /// Asks `GET /v2/<path>/tags/list` whether the repository exists (distribution answers
    /// `MANIFEST_UNKNOWN` for a missing repository too).
    fn repository_missing(&self, repo: &Repo) -> bool {
        let Ok(host) = self.host(repo) else {
            return false;
        };
        let url = format!("{}/v2/{}/tags/list", host.endpoint.base(), repo.path);
        match self.send(repo, &Req::get(&url).scopes(vec![Scope::pull(&repo.path)])) {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let body = if status == 404 {
                    r.body_mut()
                        .with_config()
                        .limit(64 * 1024)
                        .read_to_vec()
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                repository_missing(status, &body)
            }
            Err(_) => false,
        }
    }
}
