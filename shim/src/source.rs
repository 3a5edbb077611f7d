//! Where images come from: a registry or an OCI layout folder. Commands resolve each IMAGE
//! argument to entries (descriptor + the blobs the local store keeps) through here; which
//! children of an index to take is the engine's decision (`ops::select`). Both kinds are read
//! through one [`Content`] interface, which publishing uses too, so neither asks which kind a
//! location is once it is opened.

use manifold_engine::model::{AnyDocument, Descriptor};
use manifold_engine::ops::{self, Selected, Selection};
use manifold_engine::reference::Reference;
use manifold_engine::{media_type, Digest};

use crate::error::{CliError, CliResult};
use crate::layout::{self, Layout};

/// What commands need of registries; the registry client provides it. References name a
/// repository (their tag or digest is ignored) unless said otherwise.
pub trait Remote: Sync {
    /// The manifest or index `reference` names (tag or digest), verified, with its Content-Type.
    fn get_manifest(&self, reference: &Reference) -> CliResult<(Vec<u8>, Option<String>)>;
    /// A small blob (a config), verified.
    fn get_blob(&self, repository: &Reference, digest: &Digest) -> CliResult<Vec<u8>>;
    /// True when the repository holds the blob.
    fn has_blob(&self, repository: &Reference, digest: &Digest) -> CliResult<bool>;
    /// Cross-repository mount from `from_path` on the same registry: `Ok(None)` when mounted,
    /// `Ok(Some(upload session))` when the registry started an upload instead.
    fn mount_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        from_path: &str,
    ) -> CliResult<Option<String>>;
    /// Uploads a blob from a source that can be read again from any offset (streamed; a chunk
    /// that breaks off is sent again from where the registry stands), optionally into an open
    /// upload session.
    fn upload_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        size: u64,
        data: &mut dyn crate::registry::BlobSource,
        session: Option<String>,
    ) -> CliResult<()>;
    /// Streams a blob from one repository (any registry) into another, verified, into
    /// `session` when a mount that answered 202 opened one (so that session is not left open).
    fn copy_blob(
        &self,
        from: &Reference,
        to: &Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()>;
    /// Streams a blob into a writer, verified; returns its size.
    fn stream_blob(
        &self,
        repository: &Reference,
        digest: &Digest,
        out: &mut dyn std::io::Write,
    ) -> CliResult<u64>;
    /// PUTs exact bytes at a tag or digest; returns the registry's digest of them.
    fn put_manifest(
        &self,
        repository: &Reference,
        tag_or_digest: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> CliResult<Digest>;
    /// The manifest `reference` names, or `None` when the registry says there is none (404:
    /// manifest or repository unknown); other failures are errors.
    fn find_manifest(&self, reference: &Reference) -> CliResult<Option<(Vec<u8>, Option<String>)>> {
        self.get_manifest(reference).map(Some)
    }
    /// Every tag of the repository `repository` names (none when it does not exist yet).
    fn list_tags(&self, repository: &Reference) -> CliResult<Vec<String>> {
        Err(CliError::failed(format!(
            "{}: this client cannot list tags",
            repository.name()
        )))
    }
    /// What refers to `subject` by the referrers API, or that the registry has no such API.
    /// (Defaults: a remote that knows no referrers; the registry client answers for real.)
    fn referrers(
        &self,
        repository: &Reference,
        _subject: &Digest,
    ) -> CliResult<manifold_engine::registry::referrers::SourceReferrers> {
        let _ = repository;
        Ok(manifold_engine::registry::referrers::SourceReferrers::Unsupported)
    }
    /// [`Remote::put_manifest`], also returning the registry's `OCI-Subject` header.
    fn put_manifest_subject(
        &self,
        repository: &Reference,
        tag_or_digest: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> CliResult<(Digest, Option<String>)> {
        self.put_manifest(repository, tag_or_digest, bytes, media_type)
            .map(|d| (d, None))
    }
}

/// Where one IMAGE argument points.
#[derive(Clone, Debug)]
pub enum Location {
    Registry(Reference),
    Layout(std::path::PathBuf, Option<String>),
}

impl Location {
    /// `oci:PATH[:TAG]` or a registry reference (docker's normalisation, `:latest` added).
    pub fn parse(arg: &str) -> Result<Location, LocationError> {
        if let Some((path, tag)) = layout::parse_spec(arg) {
            return Ok(Location::Layout(path, tag));
        }
        if arg == "oci:" {
            return Err(LocationError::EmptyLayoutPath);
        }
        Reference::parse_docker(arg)
            .map(Location::Registry)
            .map_err(LocationError::Reference)
    }

    /// What an entry records as its source: the normalised reference, or the `oci:` spec.
    pub fn display(&self) -> String {
        match self {
            Location::Registry(r) => r.to_string(),
            Location::Layout(p, Some(t)) => format!("oci:{}:{t}", p.display()),
            Location::Layout(p, None) => format!("oci:{}", p.display()),
        }
    }

    /// The source of a child of this location's index, for `Ref` and for push's mounts.
    fn child(&self, digest: &Digest) -> String {
        match self {
            Location::Registry(r) => r.with_digest(digest.clone()).to_string(),
            Location::Layout(p, _) => format!("oci:{}@{digest}", p.display()),
        }
    }
}

/// Why an IMAGE argument names no location. A bad reference shows docker's exact words.
#[derive(Debug)]
pub enum LocationError {
    Reference(manifold_engine::reference::ReferenceError),
    /// `oci:` with nothing after it.
    EmptyLayoutPath,
}

impl std::fmt::Display for LocationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocationError::Reference(e) => e.fmt(f),
            LocationError::EmptyLayoutPath => {
                f.write_str("oci: names no layout folder; write oci:PATH[:TAG]")
            }
        }
    }
}

/// An entry to add: its descriptor, where it came from, and the blobs to keep locally (the
/// entry's manifest, and its config when it is an image).
pub struct NewEntry {
    pub descriptor: Descriptor,
    pub source: String,
    pub blobs: Vec<(Digest, Vec<u8>)>,
}

/// Where content is read from: a registry repository or a layout folder behind one
/// interface, so neither resolving IMAGE arguments nor publishing asks which kind it is.
pub trait Content: Sync {
    /// The manifest or index the location names (`None`: its own tag), with its Content-Type
    /// when the location knows one.
    fn manifest(&self, digest: Option<&Digest>) -> CliResult<(Vec<u8>, Option<String>)>;
    /// A small blob (a config), verified.
    fn blob(&self, digest: &Digest) -> CliResult<Vec<u8>>;
    /// Streams a blob into `out`, verified.
    fn stream_blob(&self, digest: &Digest, out: &mut dyn std::io::Write) -> CliResult<()>;
    /// Sends a blob to a registry repository: streamed, into `session` when a mount opened one.
    /// A registry source copies through the client (source and target may be one registry
    /// that needs its own credentials for each); a layout uploads its file.
    fn upload_blob_to(
        &self,
        remote: &dyn Remote,
        to: &Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()>;
}

/// A registry repository as a [`Content`]; `reference` also names its own manifest.
pub struct RegistryContent<'a> {
    pub remote: &'a dyn Remote,
    pub reference: Reference,
}

impl Content for RegistryContent<'_> {
    fn manifest(&self, digest: Option<&Digest>) -> CliResult<(Vec<u8>, Option<String>)> {
        match digest {
            Some(d) => self
                .remote
                .get_manifest(&self.reference.with_digest(d.clone())),
            None => self.remote.get_manifest(&self.reference),
        }
    }

    fn blob(&self, digest: &Digest) -> CliResult<Vec<u8>> {
        self.remote.get_blob(&self.reference, digest)
    }

    fn stream_blob(&self, digest: &Digest, out: &mut dyn std::io::Write) -> CliResult<()> {
        self.remote
            .stream_blob(&self.reference, digest, out)
            .map(|_| ())
    }

    fn upload_blob_to(
        &self,
        remote: &dyn Remote,
        to: &Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()> {
        remote.copy_blob(&self.reference, to, digest, size, session)
    }
}

/// A layout folder as a [`Content`]; `tag` names its own manifest (see `Layout::resolve`).
pub struct LayoutContent {
    pub layout: Layout,
    pub tag: Option<String>,
}

impl Content for LayoutContent {
    fn manifest(&self, digest: Option<&Digest>) -> CliResult<(Vec<u8>, Option<String>)> {
        let d = match digest {
            Some(d) => d.clone(),
            None => self.layout.resolve(self.tag.as_deref())?.digest,
        };
        Ok((self.layout.read_blob(&d)?, None))
    }

    fn blob(&self, digest: &Digest) -> CliResult<Vec<u8>> {
        Ok(self.layout.read_blob(digest)?)
    }

    fn stream_blob(&self, digest: &Digest, out: &mut dyn std::io::Write) -> CliResult<()> {
        let bytes = self.layout.read_blob(digest)?;
        out.write_all(&bytes)
            .map_err(|e| CliError::failed(format!("blob {digest}: {e}")))
    }

    fn upload_blob_to(
        &self,
        remote: &dyn Remote,
        to: &Reference,
        digest: &Digest,
        size: u64,
        session: Option<String>,
    ) -> CliResult<()> {
        let mut f = self.layout.open_blob(digest)?;
        remote.upload_blob(to, digest, size, &mut f, session)
    }
}

/// The content behind a location: the registry repository through `remote`, or the layout
/// folder (opened, so a missing or broken one is reported here).
pub fn open<'a>(
    location: &Location,
    remote: Option<&'a dyn Remote>,
) -> CliResult<Box<dyn Content + 'a>> {
    Ok(match location {
        Location::Registry(r) => Box::new(RegistryContent {
            remote: remote.ok_or_else(|| CliError::failed("no registry client"))?,
            reference: r.clone(),
        }),
        Location::Layout(p, tag) => Box::new(LayoutContent {
            layout: Layout::open(p)?,
            tag: tag.clone(),
        }),
    })
}

/// An image manifest as an entry: platform from its config, as docker reads it.
fn image_entry(
    content: &dyn Content,
    raw: Vec<u8>,
    doc: &AnyDocument,
    index_desc: Option<&Descriptor>,
    source: String,
) -> CliResult<NewEntry> {
    let AnyDocument::Manifest(m) = doc else {
        unreachable!("called for manifests")
    };
    let mut descriptor = Descriptor::new(doc.media_type(), m.digest.clone(), raw.len() as u64);
    let mut blobs = vec![(m.digest.clone(), raw)];
    if let Some(desc) = index_desc {
        // A child of an index: the index's descriptor (platform, annotations) is the truth.
        descriptor = desc.clone();
    }
    if media_type::is_config(&m.value.config.media_type) {
        let config = content.blob(&m.value.config.digest)?;
        if descriptor.platform.is_none() {
            let p = ops::platform_from_config(&config)
                .map_err(|e| CliError::failed(format!("{source}: {e}")))?;
            descriptor.platform = Some(p);
        }
        blobs.push((m.value.config.digest.clone(), config));
    }
    Ok(NewEntry {
        descriptor,
        source,
        blobs,
    })
}

/// Whether the location is there to be read: false only for a registry's 404 (manifest or
/// repository unknown) and a layout folder or tag that does not exist; other failures are
/// errors. `--wait-for-sources` and `--ignore-missing` act on this.
pub fn exists(location: &Location, remote: Option<&dyn Remote>) -> CliResult<bool> {
    match location {
        Location::Registry(r) => Ok(remote
            .ok_or_else(CliError::no_registry_client)?
            .find_manifest(r)?
            .is_some()),
        Location::Layout(p, tag) => {
            if !p.join("index.json").exists() {
                return Ok(false);
            }
            Ok(Layout::open(p)?.resolve(tag.as_deref()).is_ok())
        }
    }
}

/// Resolves one IMAGE argument to the entries to add.
pub fn resolve(
    location: &Location,
    remote: Option<&dyn Remote>,
    selection: &Selection,
) -> CliResult<Vec<NewEntry>> {
    let content = open(location, remote)?;
    let (raw, content_type) = content.manifest(None)?;
    let shown = location.display();
    let doc = AnyDocument::parse(raw.clone(), content_type.as_deref())
        .map_err(|e| CliError::failed(format!("{shown}: {e}")))?;
    match &doc {
        AnyDocument::Manifest(_) => {
            Ok(vec![image_entry(content.as_ref(), raw, &doc, None, shown)?])
        }
        AnyDocument::Index(index) => {
            match ops::select(&shown, &index.value, selection).map_err(|e| CliError::failed(e.0))? {
                Selected::Itself => {
                    let descriptor =
                        Descriptor::new(doc.media_type(), index.digest.clone(), raw.len() as u64);
                    Ok(vec![NewEntry {
                        descriptor,
                        source: shown,
                        blobs: vec![(index.digest.clone(), raw)],
                    }])
                }
                Selected::Entries(children) => children
                    .into_iter()
                    .map(|i| {
                        let child = &index.value.manifests[i];
                        let (child_raw, ct) = content.manifest(Some(&child.digest))?;
                        let source = location.child(&child.digest);
                        let child_doc = AnyDocument::parse(
                            child_raw.clone(),
                            ct.as_deref().or(Some(&child.media_type)),
                        )
                        .map_err(|e| CliError::failed(format!("{source}: {e}")))?;
                        match child_doc {
                            AnyDocument::Manifest(_) => image_entry(
                                content.as_ref(),
                                child_raw,
                                &child_doc,
                                Some(child),
                                source,
                            ),
                            AnyDocument::Index(_) => Ok(NewEntry {
                                descriptor: child.clone(),
                                source,
                                blobs: vec![(child.digest.clone(), child_raw)],
                            }),
                        }
                    })
                    .collect(),
            }
        }
    }
}
