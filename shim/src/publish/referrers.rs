//! `--referrers`: after the list is published, what refers to its members (signatures, SBOMs,
//! attestations) is copied from each member's source repository to the destination, and a
//! warning names each signature of a source index the pushed list is not covered by.
//!
//! Here only the facts are gathered and the engine's answers carried out
//! (`manifold_engine::registry::referrers`): per source repository its tags (once), per member
//! the referrers API or, where the registry has none, the `sha256-<hex>` tag index, and
//! cosign's `.sig`/`.att`/`.sbom` tags; a source index is any index of that repository with
//! referrer tags that holds a member. Referrers are written one after another, since several
//! may merge into one tag index at the destination.

use manifold_engine::model::{AnyDocument, Descriptor};
use manifold_engine::reference::Reference;
use manifold_engine::registry::referrers::{
    carried_line, destination_took_subject, fallback_tag, merge_fallback_index, parse_referrer_tag,
    plan_referrers, read_fallback_index, referrer_tags_of, Carry, FoundBy, Referrer, Role,
    SourceReferrers, TagKind, INDEX_MEDIA_TYPE,
};
use manifold_engine::Digest;

use super::gather::{blob_refs, parse_member};
use super::sources::location_of;
use super::Publish;
use crate::error::{CliError, CliResult};
use crate::source::{Location, Remote};

/// A referrer as found, with where to read it and the bytes already read (cosign's tags).
struct Found {
    role: Role,
    referrer: Referrer,
    from: Reference,
    bytes: Option<(Vec<u8>, String)>,
}

/// Carries the referrers of `p.list`'s members (and of the list, when it is byte for byte a
/// signed source index) to `dest`; `pushed` is the list's digest there.
pub fn carry_referrers(p: &Publish, dest: &Location, pushed: &Digest) -> CliResult {
    let Location::Registry(to) = dest else {
        eprintln!("warning: --referrers: referrers are carried to registries only; none copied into the layout");
        return Ok(());
    };
    let Some(remote) = p.remote else {
        return Ok(());
    };
    // Members by source repository, in list order.
    let mut repos: Vec<(Reference, Vec<Digest>)> = Vec::new();
    for (i, d) in p.list.index.manifests.iter().enumerate() {
        let Some(Location::Registry(r)) = location_of(p.list.sources[i].as_deref()) else {
            continue;
        };
        let repo = r.without_tag_or_digest();
        match repos.iter_mut().find(|(x, _)| x.name() == repo.name()) {
            Some((_, ds)) => ds.push(d.digest.clone()),
            None => repos.push((repo, vec![d.digest.clone()])),
        }
    }
    let mut found = Vec::new();
    for (repo, members) in &repos {
        let tags = remote.list_tags(repo)?;
        for m in members {
            discover(remote, repo, m, &tags, Role::Member, &mut found)?;
        }
        // Indexes of this repository that have referrer tags and hold a member.
        let mut seen: Vec<Digest> = members.clone();
        for t in &tags {
            let Some((subject, _)) = parse_referrer_tag(t) else {
                continue;
            };
            if seen.contains(&subject) {
                continue;
            }
            seen.push(subject.clone());
            let Some((bytes, mt)) = remote.find_manifest(&repo.with_digest(subject.clone()))?
            else {
                continue;
            };
            let holds_member = matches!(
                parse_member(&bytes, mt.as_deref().unwrap_or_default()),
                Ok(AnyDocument::Index(ix)) if ix.value.manifests.iter().any(|c| members.contains(&c.digest))
            );
            if holds_member {
                discover(remote, repo, &subject, &tags, Role::SourceIndex, &mut found)?;
            }
        }
    }
    let pairs: Vec<(Role, Referrer)> = found
        .iter()
        .map(|f| (f.role.clone(), f.referrer.clone()))
        .collect();
    let plan = plan_referrers(&pairs, pushed);
    for u in &plan.uncovered {
        eprintln!("warning: {}", u.message());
    }
    for c in &plan.carry {
        let f = found
            .iter()
            .find(|f| f.referrer == c.referrer)
            .expect("every carried referrer was found");
        carry_one(remote, to, c, f)?;
    }
    Ok(())
}

/// Everything that refers to `subject` in `repo`: the referrers API or its tag index, and
/// cosign's tags.
fn discover(
    remote: &dyn Remote,
    repo: &Reference,
    subject: &Digest,
    tags: &[String],
    role: Role,
    out: &mut Vec<Found>,
) -> CliResult {
    let referrer_tags = referrer_tags_of(subject, tags);
    let listed: Vec<(Descriptor, FoundBy)> = match remote.referrers(repo, subject)? {
        SourceReferrers::Api(ds) => ds.into_iter().map(|d| (d, FoundBy::Api)).collect(),
        SourceReferrers::Unsupported => match referrer_tags_of(subject, tags)
            .iter()
            .find(|(_, k)| *k == TagKind::Index)
        {
            Some((t, _)) => {
                let (bytes, _) = remote.get_manifest(&tag_ref(repo, t)?)?;
                read_fallback_index(&bytes)
                    .map_err(|e| CliError::failed(format!("{}:{t}: {e}", repo.name())))?
                    .into_iter()
                    .map(|d| (d, FoundBy::FallbackIndex))
                    .collect()
            }
            None => Vec::new(),
        },
    };
    for (descriptor, by) in listed {
        out.push(Found {
            role: role.clone(),
            referrer: Referrer {
                subject: subject.clone(),
                descriptor,
                found: by,
            },
            from: repo.clone(),
            bytes: None,
        });
    }
    for (t, kind) in referrer_tags {
        if kind == TagKind::Index {
            continue;
        }
        let (bytes, mt) = remote.get_manifest(&tag_ref(repo, &t)?)?;
        let mt = mt.unwrap_or_default();
        let descriptor = Descriptor::new(&mt, Digest::sha256(&bytes), bytes.len() as u64);
        out.push(Found {
            role: role.clone(),
            referrer: Referrer {
                subject: subject.clone(),
                descriptor,
                found: FoundBy::CosignTag(t, kind),
            },
            from: repo.clone(),
            bytes: Some((bytes, mt)),
        });
    }
    Ok(())
}

/// Copies one referrer's blobs and manifest (its exact bytes) to `to`, and prints its line.
fn carry_one(remote: &dyn Remote, to: &Reference, c: &Carry, f: &Found) -> CliResult {
    let r = &c.referrer;
    let (bytes, mt) = match &f.bytes {
        Some(b) => b.clone(),
        None => {
            let (b, mt) = remote.get_manifest(&f.from.with_digest(r.descriptor.digest.clone()))?;
            (b, mt.unwrap_or_else(|| r.descriptor.media_type.clone()))
        }
    };
    match parse_member(&bytes, &mt)? {
        AnyDocument::Manifest(m) => {
            let same_registry = f.from.domain() == to.domain();
            for b in blob_refs(&m.value) {
                if remote.has_blob(to, &b.digest)? {
                    continue;
                }
                let session = if same_registry {
                    match remote.mount_blob(to, &b.digest, f.from.path())? {
                        None => continue,
                        Some(s) => Some(s),
                    }
                } else {
                    None
                };
                remote.copy_blob(&f.from, to, &b.digest, b.size, session)?;
            }
        }
        AnyDocument::Index(_) => {
            eprintln!(
                "warning: --referrers: {} of {} is an index; not copied",
                r.descriptor.digest, r.subject
            );
            return Ok(());
        }
    }
    let repo = to.name();
    let via_api = match &c.tag {
        Some(t) => {
            remote.put_manifest(to, t, &bytes, &mt)?;
            false
        }
        None => {
            let (_, subject_header) =
                remote.put_manifest_subject(to, r.descriptor.digest.as_str(), &bytes, &mt)?;
            let took = destination_took_subject(subject_header.as_deref(), &r.subject);
            if !took {
                let tag = fallback_tag(&r.subject);
                let at = tag_ref(to, &tag)?;
                let existing = remote.find_manifest(&at)?.map(|(b, _)| b);
                let merged = merge_fallback_index(existing.as_deref(), &r.descriptor)
                    .map_err(|e| CliError::failed(format!("{repo}:{tag}: {e}")))?;
                if let Some(index) = merged {
                    remote.put_manifest(to, &tag, &index, INDEX_MEDIA_TYPE)?;
                }
            }
            took
        }
    };
    println!("{}", carried_line(c, &repo, via_api));
    Ok(())
}

fn tag_ref(repo: &Reference, tag: &str) -> CliResult<Reference> {
    repo.with_tag(tag)
        .map_err(|e| CliError::failed(format!("{}:{tag}: {e}", repo.name())))
}
