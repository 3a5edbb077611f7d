//! The facts the push plan is made from, gathered with IO: each member's manifest (kept
//! locally, else read from its source) and through it its blobs or a nested index's children,
//! and what the target already holds. Which questions are asked is the engine's call
//! (`PushTarget::holds_in_place`, `probes_manifests`, `blobs_to_probe`); here they are only
//! asked, members in parallel within `--jobs`.

use std::collections::HashMap;

use manifold_engine::model::{AnyDocument, Descriptor};
use manifold_engine::registry::{
    blobs_to_probe, BlobRef, Origin, PlanEntry, PushTarget, TargetHolds,
};
use manifold_engine::Digest;

use super::sources::{child_location, location_of, origin_of, Sources};
use super::target::Target;
use super::Publish;
use crate::error::{CliError, CliResult};
use crate::pool::try_run_bounded;
use crate::source::{self, Location};

/// Everything the plan and its run need: the members as plan entries, what the target holds,
/// the manifest bytes read (put later exactly as read), and where each origin is read from.
pub struct Facts<'a> {
    pub entries: Vec<PlanEntry>,
    pub holds: TargetHolds,
    pub manifests: HashMap<Digest, Vec<u8>>,
    pub sources: Sources<'a>,
}

/// What gathering one member (and its children) found.
#[derive(Default)]
struct Found {
    manifests: Vec<(Digest, Vec<u8>)>,
    held: Vec<Digest>,
    locations: Vec<(Origin, Location)>,
}

/// Gathers the facts for publishing `p.list` to `target`.
pub fn gather<'a>(p: &Publish<'a>, plan: &PushTarget, target: &dyn Target) -> CliResult<Facts<'a>> {
    let jobs = p.jobs.max(1);
    let n = p.list.index.manifests.len();
    let members = try_run_bounded(jobs, (0..n).collect(), |i| {
        let mut found = Found::default();
        let location = location_of(p.list.sources[i].as_deref());
        let d = &p.list.index.manifests[i];
        let entry = visit(p, plan, target, d, location.as_ref(), Some(i), &mut found)?;
        Ok::<_, CliError>((entry, found))
    })?;
    let mut facts = Facts {
        entries: Vec::with_capacity(n),
        holds: TargetHolds::default(),
        manifests: HashMap::new(),
        sources: Sources {
            locations: HashMap::new(),
            remote: p.remote,
            local_blob: p.local_blob,
        },
    };
    for (entry, found) in members {
        facts.entries.push(entry);
        facts.manifests.extend(found.manifests);
        facts.holds.manifests.extend(found.held);
        for (origin, location) in found.locations {
            facts.sources.locations.entry(origin).or_insert(location);
        }
    }
    // What only the local store holds (an artifact's files) is copied from there.
    for e in facts.entries.iter().filter(|e| e.origin == Origin::Local) {
        for b in &e.blobs {
            if (p.local_blob)(&b.digest).is_some() {
                facts.holds.local.insert(b.digest.clone());
            }
        }
    }
    let probes = try_run_bounded(jobs, blobs_to_probe(plan, &facts.entries), |d| {
        target.has_blob(&d).map(|held| held.then_some(d))
    })?;
    facts.holds.blobs.extend(probes.into_iter().flatten());
    Ok(facts)
}

/// One member as a plan entry: its contents are read unless the engine says the target
/// already has it in place, or the target says it holds it.
fn visit(
    p: &Publish,
    plan: &PushTarget,
    target: &dyn Target,
    d: &Descriptor,
    location: Option<&Location>,
    position: Option<usize>,
    found: &mut Found,
) -> CliResult<PlanEntry> {
    let origin = origin_of(location);
    if let Some(l) = location {
        found.locations.push((origin.clone(), l.clone()));
    }
    let mut entry = PlanEntry {
        origin,
        digest: d.digest.clone(),
        media_type: d.media_type.clone(),
        size: d.size,
        position,
        blobs: Vec::new(),
        children: Vec::new(),
    };
    if plan.holds_in_place(&entry.origin) {
        return Ok(entry);
    }
    if plan.probes_manifests() && target.has_blob(&d.digest)? {
        found.held.push(d.digest.clone());
        return Ok(entry);
    }
    let bytes = member_bytes(p, d, location)?;
    match parse_member(&bytes, &d.media_type)? {
        AnyDocument::Index(index) => {
            for child in &index.value.manifests {
                let child_location = child_location(location, &child.digest);
                let c = visit(p, plan, target, child, child_location.as_ref(), None, found)?;
                entry.children.push(c);
            }
        }
        AnyDocument::Manifest(m) => entry.blobs = blob_refs(&m.value),
    }
    found.manifests.push((d.digest.clone(), bytes));
    Ok(entry)
}

/// An image manifest's blobs (config first, then layers) as the plan takes them.
pub fn blob_refs(m: &manifold_engine::model::ImageManifest) -> Vec<BlobRef> {
    m.blobs()
        .map(|b| BlobRef {
            digest: b.digest.clone(),
            size: b.size,
            media_type: b.media_type.clone(),
        })
        .collect()
}

/// A member manifest parsed: an image manifest, or a nested index.
pub fn parse_member(bytes: &[u8], media_type: &str) -> CliResult<AnyDocument> {
    AnyDocument::parse(bytes.to_vec(), Some(media_type))
        .map_err(|e| CliError::failed(format!("member manifest: {e}")))
}

/// A member's manifest bytes: kept locally, else fetched from its source by digest.
fn member_bytes(p: &Publish, d: &Descriptor, location: Option<&Location>) -> CliResult<Vec<u8>> {
    if let Some(b) = (p.local_blob)(&d.digest) {
        return Ok(b);
    }
    match location {
        Some(l) => Ok(source::open(l, p.remote)?.manifest(Some(&d.digest))?.0),
        None => Err(CliError::failed(format!(
            "the manifest of entry {} is neither stored locally nor has a known source",
            d.digest
        ))),
    }
}
