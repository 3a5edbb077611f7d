//! A repository on a registry ([`Repo`]): the domain references name it by, the host its API
//! answers at (Docker Hub's differ; the engine's `registry::host` knows how), and its path.

use manifold_engine::registry::host;

/// A repository on a registry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repo {
    /// The registry as written in references (`docker.io`, `127.0.0.1:5000`).
    pub domain: String,
    /// The host to connect to (`registry-1.docker.io` for `docker.io`).
    pub host: String,
    /// The repository path (`library/alpine`).
    pub path: String,
}

impl Repo {
    /// The repository `path` on the registry references call `domain`.
    pub fn new(domain: &str, path: &str) -> Repo {
        Repo {
            domain: domain.to_string(),
            host: host::registry_host(domain).to_string(),
            path: path.to_string(),
        }
    }

    /// `domain/path`, as docker names repositories in messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names() {
        let r = Repo::new("docker.io", "library/alpine");
        assert_eq!(r.host, "registry-1.docker.io");
        assert_eq!(r.name(), "docker.io/library/alpine");
        assert_eq!(
            Repo::new("index.docker.io", "a").host,
            "registry-1.docker.io"
        );
        assert_eq!(Repo::new("127.0.0.1:5000", "a").host, "127.0.0.1:5000");
    }
}
