//! The registry client behind the commands' `Remote` trait (`source.rs`).

use manifold_engine::reference::Reference;
use manifold_engine::Digest;

use super::{Client, Options, RegistryError, Repo};
use crate::error::{CliError, CliResult};
use crate::source::Remote;

/// Configs and other small blobs fetched whole are refused above this size.
pub const MAX_SMALL_BLOB: u64 = 16 * 1024 * 1024;

impl Repo {
    /// The repository a reference names (its tag or digest ignored).
    pub fn of(r: &Reference) -> Repo {
        Repo {
            domain: r.domain().to_string(),
            host: r.registry_host().to_string(),
            path: r.path().to_string(),
        }
    }
}

/// The tag or digest a reference points at (`latest` when it has neither).
pub fn target_of(r: &Reference) -> String {
    match (r.digest(), r.tag()) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.to_string(),
        (None, None) => "latest".to_string(),
    }
}

/// A [`Client`] for the commands: errors become `CliError`s with the client's wording.
pub struct RemoteClient {
    pub client: Client,
    /// Word "not found"-like failures of a source as docker does (`no such manifest: REF`),
    /// with the real cause on a `hint:` line.
    pub docker_words: bool,
}

impl RemoteClient {
    pub fn new(opts: Options) -> RemoteClient {
        RemoteClient {
            client: Client::new(opts),
            docker_words: false,
        }
    }

    pub fn from_args(
        args: &crate::cli::RegistryArgs,
        personality: crate::personality::Personality,
    ) -> RemoteClient {
        RemoteClient::new(Options::from_args(args, personality))
    }
}

/// A registry failure as the commands show it: the client's own words, exit 1. With this,
/// `?` carries registry errors through command code unchanged.
impl From<RegistryError> for CliError {
    fn from(e: RegistryError) -> CliError {
        CliError::failed(e.to_string())
    }
}

impl Remote for RemoteClient {
    fn find_manifest(&self, reference: &Reference) -> CliResult<Option<(Vec<u8>, Option<String>)>> {
        match self
            .client
            .get_manifest(&Repo::of(reference), &target_of(reference))
        {
            Ok(m) => Ok(Some((m.bytes, Some(m.media_type)))),
            Err(
                RegistryError::ManifestUnknown { .. } | RegistryError::RepositoryUnknown { .. },
            ) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn list_tags(&self, repository: &Reference) -> CliResult<Vec<String>> {
        Ok(self.client.list_tags(&Repo::of(repository))?)
    }

    fn get_manifest(&self, reference: &Reference) -> CliResult<(Vec<u8>, Option<String>)> {
        let m = self
            .client
            .get_manifest(&Repo::of(reference), &target_of(reference))
            .map_err(|e| {
                let absent = matches!(
                    e,
                    RegistryError::ManifestUnknown { .. } | RegistryError::RepositoryUnknown { .. }
                );
                let err = if self.docker_words && e.is_docker_not_found() {
                    CliError::failed(format!("no such manifest: {reference}\nhint: {e}"))
                } else {
                    e.into()
                };
                if absent {
                    err.marked_absent()
                } else {
                    err
                }
            })?;
        Ok((m.bytes, Some(m.media_type)))
    }

    fn get_blob(&self, repository: &Reference, digest: &Digest) -> CliResult<Vec<u8>> {
        self.client
            .get_blob_bytes(&Repo::of(repository), digest, MAX_SMALL_BLOB)
            .map_err(CliError::from)
    }

    fn has_blob(&self, repository: &Reference, digest: &Digest) -> CliResult<bool> {
        self.client
            .head_blob(&Repo::of(repository), digest)
            .map(|d| d.is_some())
            .map_err(CliError::from)
    }

    fn mount_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        from_path: &str,
    ) -> CliResult<Option<String>> {
        match self
            .client
            .mount_blob(&Repo::of(repository), digest, from_path)
            .map_err(CliError::from)?
        {
            super::Mount::Mounted => Ok(None),
            super::Mount::NotMounted { location } => Ok(Some(location)),
        }
    }

    fn upload_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        size: u64,
        data: &mut dyn super::BlobSource,
        session: Option<String>,
    ) -> CliResult<()> {
        self.client
            .upload_blob(&Repo::of(repository), digest, size, data, session)
            .map_err(CliError::from)
    }

    fn copy_blob(
        &self,
        from: &Reference,
        to: &Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()> {
        Ok(self
            .client
            .copy_blob(&Repo::of(from), &Repo::of(to), digest, size, session)?)
    }

    fn stream_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        out: &mut dyn std::io::Write,
    ) -> CliResult<u64> {
        self.client
            .get_blob(&Repo::of(repository), digest, out)
            .map_err(CliError::from)
    }

    fn put_manifest(
        &self,
        repository: &Reference,
        tag_or_digest: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> CliResult<Digest> {
        self.client
            .put_manifest(&Repo::of(repository), tag_or_digest, bytes, media_type)
            .map_err(CliError::from)
    }

    fn referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
    ) -> CliResult<manifold_engine::registry::referrers::SourceReferrers> {
        Ok(self.client.get_referrers(&Repo::of(repository), subject)?)
    }

    fn put_manifest_subject(
        &self,
        repository: &Reference,
        tag_or_digest: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> CliResult<(Digest, Option<String>)> {
        Ok(self.client.put_manifest_subject(
            &Repo::of(repository),
            tag_or_digest,
            bytes,
            media_type,
        )?)
    }
}
