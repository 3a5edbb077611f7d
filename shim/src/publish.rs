//! Publishing a list: every member made present where the list goes (mounted within a
//! registry, copied across registries and from layouts, children before their index), then
//! the list's exact bytes put at each tag. Shared by `push`, `create --publish` and
//! `add --publish`; the destination is a registry repository or an OCI layout folder.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use manifold_engine::model::{AnyDocument, Descriptor};
use manifold_engine::ops::{self, ListFormat};
use manifold_engine::validate::{validate, DocumentKind, Severity};
use manifold_engine::{serialize, Digest};

use crate::error::{CliError, CliResult};
use crate::layout::Layout;
use crate::output::{docker, podman};
use crate::personality::Personality;
use crate::source::{Location, Remote};
use crate::store::LocalList;

/// Everything a publish needs besides the destination.
pub struct Publish<'a> {
    pub personality: Personality,
    pub list: &'a LocalList,
    /// Member manifests and configs kept locally (the store, or what `--publish` just fetched).
    pub local_blob: &'a (dyn Fn(&Digest) -> Option<Vec<u8>> + Sync),
    pub remote: Option<&'a dyn Remote>,
    pub format: Option<ListFormat>,
    pub tags: &'a [String],
    pub yes: bool,
    pub jobs: usize,
}

/// The list's bytes as this personality pushes them, after an explicit conversion (whose
/// losses are reported on stderr).
pub fn list_bytes(p: &Publish) -> CliResult<Vec<u8>> {
    let mut list = p.list.clone();
    if let Some(f) = p.format {
        let (converted, losses) = ops::convert(&list.index, f);
        for l in losses {
            eprintln!(
                "warning: converting to {}: {}: {}",
                f.media_type(),
                l.path,
                l.message
            );
        }
        list.index = converted;
    }
    Ok(match p.personality {
        Personality::Docker => docker::list_bytes(&list, None)?,
        Personality::Podman | Personality::Pack => {
            let mut index = list.index.clone();
            index.media_type = Some(podman::media_type_of(&list.index).to_string());
            serialize::oci_bytes(&index)
        }
    })
}

/// Checks made before any request: docker's os/arch rule, and the engine's validation.
fn preflight(p: &Publish, bytes: &[u8]) -> CliResult {
    for (i, d) in p.list.index.manifests.iter().enumerate() {
        if d.is_index() {
            continue;
        }
        let ok = d
            .platform
            .as_ref()
            .is_some_and(|pl| !pl.os.is_empty() && !pl.architecture.is_empty());
        if !ok {
            let shown = p.list.sources[i]
                .clone()
                .unwrap_or_else(|| d.digest.to_string());
            return Err(CliError::failed(format!(
                "manifest {shown} must have an OS and Architecture to be pushed to a registry"
            )));
        }
    }
    let report = validate(bytes, DocumentKind::Auto);
    if let Some(problem) = report
        .problems
        .iter()
        .find(|pr| pr.severity == Severity::Error)
    {
        return Err(CliError::failed(format!(
            "the list is not valid: {}: {}; fix it with `annotate` before pushing",
            problem.path, problem.message
        )));
    }
    Ok(())
}

/// The blobs an image manifest references (config first, then layers), or a nested index's children.
fn parse_member(bytes: &[u8], media_type: &str) -> CliResult<AnyDocument> {
    AnyDocument::parse(bytes.to_vec(), Some(media_type))
        .map_err(|e| CliError::failed(format!("member manifest: {e}")))
}

/// Where a member comes from, resolved from its recorded source.
fn member_source(source: Option<&str>) -> Option<Location> {
    Location::parse(source?).ok()
}

/// A member's manifest bytes: kept locally, else fetched from its source by digest.
fn member_bytes(p: &Publish, d: &Descriptor, src: Option<&Location>) -> CliResult<Vec<u8>> {
    if let Some(b) = (p.local_blob)(&d.digest) {
        return Ok(b);
    }
    match src {
        Some(Location::Registry(r)) => {
            Ok(remote(p)?.get_manifest(&r.with_digest(d.digest.clone()))?.0)
        }
        Some(Location::Layout(path, _)) => Ok(Layout::open(path)?.read_blob(&d.digest)?),
        None => Err(CliError::failed(format!(
            "the manifest of entry {} is neither stored locally nor has a known source",
            d.digest
        ))),
    }
}

fn remote<'a>(p: &Publish<'a>) -> CliResult<&'a dyn Remote> {
    p.remote
        .ok_or_else(|| CliError::failed("no registry client"))
}

/// Publishes to `dest` and returns the list's digest.
pub fn publish(p: &Publish, dest: &Location) -> CliResult<Digest> {
    let bytes = list_bytes(p)?;
    preflight(p, &bytes)?;
    let doc = AnyDocument::parse(bytes.clone(), None)
        .map_err(|e| CliError::failed(format!("the list: {e}")))?;
    let list_media_type = doc.media_type().to_string();
    confirm_copies(p, dest)?;
    // Made once, before members are copied in parallel into it, and locked for the whole
    // publish: concurrent pushes into one layout take turns, and temp files of killed ones go.
    let _layout_lock = match dest {
        Location::Layout(path, _) => Some(Layout::lock_or_create(path)?.1),
        Location::Registry(_) => None,
    };
    let lines = Mutex::new(Vec::new());
    let first_error: Mutex<Option<CliError>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let n = p.list.index.manifests.len();
    std::thread::scope(|s| {
        for _ in 0..p.jobs.clamp(1, 64).min(n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || first_error.lock().expect("lock").is_some() {
                    break;
                }
                let d = &p.list.index.manifests[i];
                let src = member_source(p.list.sources[i].as_deref());
                match ensure_member(p, dest, d, src.as_ref()) {
                    Ok(Some(line)) => lines.lock().expect("lock").push((i, line)),
                    Ok(None) => {}
                    Err(e) => {
                        first_error.lock().expect("lock").get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("threads joined") {
        return Err(e);
    }
    if p.personality == Personality::Docker {
        let mut lines = lines.into_inner().expect("threads joined");
        let order = docker::docker_order(p.list);
        lines.sort_by_key(|(i, _)| order.iter().position(|o| o == i));
        for (_, l) in lines {
            println!("{l}");
        }
    }
    put_list(p, dest, &bytes, &list_media_type)
}

fn put_list(p: &Publish, dest: &Location, bytes: &[u8], media_type: &str) -> CliResult<Digest> {
    match dest {
        Location::Registry(r) => {
            let remote = remote(p)?;
            let target = match (r.tag(), r.digest()) {
                (Some(t), _) => t.to_string(),
                (None, _) => Digest::sha256(bytes).to_string(),
            };
            let digest = remote
                .put_manifest(r, &target, bytes, media_type)
                .map_err(|e| {
                    CliError::failed(format!("failed to put manifest {r}: {}", e.message))
                })?;
            for t in p.tags {
                remote.put_manifest(r, t, bytes, media_type).map_err(|e| {
                    CliError::failed(format!(
                        "failed to put manifest {}: {}",
                        r.with_tag(t).map(|x| x.to_string()).unwrap_or_default(),
                        e.message
                    ))
                })?;
            }
            Ok(digest)
        }
        Location::Layout(path, tag) => {
            let layout = Layout::open_or_create(path)?;
            let digest = layout.write_blob(bytes)?;
            let d = Descriptor::new(media_type, digest.clone(), bytes.len() as u64);
            for t in tag.iter().chain(p.tags.iter()) {
                layout.tag(&d, t)?;
            }
            if tag.is_none() && p.tags.is_empty() {
                layout.tag(&d, "latest")?;
            }
            Ok(digest)
        }
    }
}

/// Members from other registries are copied only with consent: count and size are shown; a
/// terminal is asked, otherwise `--yes` is required.
fn confirm_copies(p: &Publish, dest: &Location) -> CliResult {
    let Location::Registry(d) = dest else {
        return Ok(());
    };
    let mut count = 0;
    let mut size = 0u64;
    for (i, e) in p.list.index.manifests.iter().enumerate() {
        if let Some(Location::Registry(r)) = member_source(p.list.sources[i].as_deref()) {
            if r.domain() != d.domain() {
                count += 1;
                size += e.size;
                if let Some(AnyDocument::Manifest(m)) =
                    (p.local_blob)(&e.digest).and_then(|b| parse_member(&b, &e.media_type).ok())
                {
                    size += m.value.blobs().map(|b| b.size).sum::<u64>();
                }
            }
        }
    }
    if count == 0 || p.yes {
        return Ok(());
    }
    let what = format!(
        "{count} image(s), {} in all, from other registries into {}",
        human(size),
        d.name()
    );
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprint!("This push copies {what}. Continue? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            return Ok(());
        }
        return Err(CliError::failed("push cancelled; nothing was copied"));
    }
    Err(CliError::failed(format!(
        "this push would copy {what}; run it again with --yes to allow that"
    )))
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// Makes one member (and, for a nested index, its children first) present at `dest`. Returns
/// docker's "Pushed ref" line for members put into the destination repository.
fn ensure_member(
    p: &Publish,
    dest: &Location,
    d: &Descriptor,
    src: Option<&Location>,
) -> CliResult<Option<String>> {
    match dest {
        Location::Registry(to) => {
            if let Some(Location::Registry(from)) = src {
                if from.domain() == to.domain() && from.path() == to.path() {
                    return Ok(None); // already in the destination repository
                }
            }
            let bytes = member_bytes(p, d, src)?;
            copy_contents(p, dest, d, &bytes, src)?;
            let remote = remote(p)?;
            let pushed = remote
                .put_manifest(to, d.digest.as_str(), &bytes, &d.media_type)
                .map_err(|e| {
                    CliError::failed(format!(
                        "failed to put manifest {}@{}: {}",
                        to.name(),
                        d.digest,
                        e.message
                    ))
                })?;
            Ok(Some(format!(
                "Pushed ref {}@{} with digest: {pushed}",
                to.name(),
                d.digest
            )))
        }
        Location::Layout(path, _) => {
            let layout = Layout::open(path)?;
            if layout.has_blob(&d.digest) {
                return Ok(None);
            }
            let bytes = member_bytes(p, d, src)?;
            copy_contents(p, dest, d, &bytes, src)?;
            layout.write_blob(&bytes)?;
            Ok(None)
        }
    }
}

/// Copies what a member manifest references: its blobs, or a nested index's children.
fn copy_contents(
    p: &Publish,
    dest: &Location,
    d: &Descriptor,
    bytes: &[u8],
    src: Option<&Location>,
) -> CliResult {
    match parse_member(bytes, &d.media_type)? {
        AnyDocument::Index(index) => {
            for child in &index.value.manifests {
                let child_src = src.map(|s| match s {
                    Location::Registry(r) => {
                        Location::Registry(r.with_digest(child.digest.clone()))
                    }
                    other => other.clone(),
                });
                ensure_member(p, dest, child, child_src.as_ref())?;
            }
            Ok(())
        }
        AnyDocument::Manifest(m) => {
            let mut seen = BTreeSet::new();
            for blob in m.value.blobs() {
                if seen.insert(blob.digest.clone()) {
                    copy_blob(p, dest, blob, src)?;
                }
            }
            Ok(())
        }
    }
}

fn copy_blob(p: &Publish, dest: &Location, blob: &Descriptor, src: Option<&Location>) -> CliResult {
    match dest {
        Location::Registry(to) => {
            let remote = remote(p)?;
            match src {
                Some(Location::Registry(from)) if from.domain() == to.domain() => {
                    let session = remote.mount_blob(to, &blob.digest, from.path())?;
                    if session.is_some() {
                        // The registry would not mount (202): copy the blob instead.
                        remote.copy_blob(from, to, &blob.digest, blob.size)?;
                    }
                    Ok(())
                }
                Some(Location::Registry(from)) => {
                    if !remote.has_blob(to, &blob.digest)? {
                        remote.copy_blob(from, to, &blob.digest, blob.size)?;
                    }
                    Ok(())
                }
                Some(Location::Layout(path, _)) => {
                    if !remote.has_blob(to, &blob.digest)? {
                        let mut f = Layout::open(path)?.open_blob(&blob.digest)?;
                        remote.upload_blob(to, &blob.digest, blob.size, &mut f, None)?;
                    }
                    Ok(())
                }
                None => {
                    if remote.has_blob(to, &blob.digest)? {
                        Ok(())
                    } else {
                        Err(CliError::failed(format!(
                            "blob {} has no known source and is not in {}",
                            blob.digest,
                            to.name()
                        )))
                    }
                }
            }
        }
        Location::Layout(path, _) => {
            let layout = Layout::open(path)?;
            if layout.has_blob(&blob.digest) {
                return Ok(());
            }
            match src {
                Some(Location::Layout(from, _)) => {
                    let bytes = Layout::open(from)?.read_blob(&blob.digest)?;
                    Ok(layout.write_blob(&bytes).map(|_| ())?)
                }
                Some(Location::Registry(from)) => layout.write_blob_with(&blob.digest, |out| {
                    remote(p)?.stream_blob(from, &blob.digest, out).map(|_| ())
                }),
                None => match (p.local_blob)(&blob.digest) {
                    Some(b) => Ok(layout.write_blob(&b).map(|_| ())?),
                    None => Err(CliError::failed(format!(
                        "blob {} has no known source",
                        blob.digest
                    ))),
                },
            }
        }
    }
}
