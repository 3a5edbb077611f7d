//! Referrers: what refers to an image or index (signatures, SBOMs, attestations) and how it is
//! found and carried from one registry to another.
//!
//! Two ways exist side by side, and a copy has to read and write both:
//! - the OCI 1.1 referrers API, `GET /v2/<name>/referrers/<digest>[?artifactType=]`, answered
//!   with an image index of descriptors (`artifactType`, `annotations`); a registry that has
//!   no such API answers 404 (distribution 2.8 does), and the client falls back to
//! - tags: the OCI referrers tag schema (`sha256-<hex>` holding an index of the referrers,
//!   kept up to date by the client that pushes one), and cosign's own tags
//!   `sha256-<hex>.sig`, `.att` and `.sbom` (a manifest each, found by name only).
//!
//! At the destination, a manifest with `subject` is pushed by digest; a registry that
//! understood the subject says so with the `OCI-Subject` header, else the client merges the
//! referrer into the destination's `sha256-<hex>` index. Cosign's tags are carried as tags,
//! since that is where cosign looks for them.
//!
//! A signature of an index covers that index's digest only: when the list pushed is not
//! byte-identical to the index its members came from, its signatures cannot be carried, and
//! [`Uncovered`] words the warning.

use crate::model::{Descriptor, ImageIndex};
use crate::Digest;

/// The media type of the index the referrers API answers with and the tag schema stores.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The annotation cosign puts on each signature layer.
pub const COSIGN_SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// cosign's simple-signing payload layer.
pub const COSIGN_SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// What a referrer tag holds, by its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// `sha256-<hex>`: the OCI referrers tag schema's index.
    Index,
    /// `sha256-<hex>.sig`: cosign's signatures.
    Signature,
    /// `sha256-<hex>.att`: cosign's attestations.
    Attestation,
    /// `sha256-<hex>.sbom`: cosign's attached SBOM.
    Sbom,
}

impl TagKind {
    const COSIGN: [(TagKind, &'static str); 3] = [
        (TagKind::Signature, ".sig"),
        (TagKind::Attestation, ".att"),
        (TagKind::Sbom, ".sbom"),
    ];

    /// The word for what such a referrer is, in messages.
    pub fn noun(self) -> &'static str {
        match self {
            TagKind::Index => "referrer",
            TagKind::Signature => "signature",
            TagKind::Attestation => "attestation",
            TagKind::Sbom => "SBOM",
        }
    }
}

/// `sha256-<hex>`: the OCI referrers tag schema's tag for `subject`.
pub fn fallback_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm_str(), subject.encoded())
}

/// The tag of `kind` for `subject` (`sha256-<hex>.sig` and so on).
pub fn referrer_tag(subject: &Digest, kind: TagKind) -> String {
    let suffix = TagKind::COSIGN
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, s)| *s)
        .unwrap_or("");
    format!("{}{suffix}", fallback_tag(subject))
}

/// The referrer tags among `tags` that name `subject`, in the order the kinds are listed
/// (the tag schema's index first, then cosign's `.sig`, `.att`, `.sbom`).
pub fn referrer_tags_of(subject: &Digest, tags: &[String]) -> Vec<(String, TagKind)> {
    [
        TagKind::Index,
        TagKind::Signature,
        TagKind::Attestation,
        TagKind::Sbom,
    ]
    .into_iter()
    .map(|k| (referrer_tag(subject, k), k))
    .filter(|(t, _)| tags.iter().any(|x| x == t))
    .collect()
}

/// Reads a referrer tag back into its subject and kind (`sha256-<hex>.sig` → `sha256:<hex>`).
pub fn parse_referrer_tag(tag: &str) -> Option<(Digest, TagKind)> {
    let (base, kind) = TagKind::COSIGN
        .iter()
        .find_map(|(k, s)| tag.strip_suffix(s).map(|b| (b, *k)))
        .unwrap_or((tag, TagKind::Index));
    let (alg, hex) = base.split_once('-')?;
    let d = Digest::parse(&format!("{alg}:{hex}")).ok()?;
    // Only registered algorithms with their exact hex length: `v1-beta` is not a referrer tag.
    (d.algorithm().hex_len() == Some(hex.len())).then_some((d, kind))
}

/// What the source registry's referrers API said about one subject.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceReferrers {
    /// 200 with an image index: the referrers (possibly none).
    Api(Vec<Descriptor>),
    /// No referrers API here (404, 405, 501): look at the tags instead.
    Unsupported,
}

/// Why a referrers reply cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyError(pub String);

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the reply to `GET /v2/<name>/referrers/<digest>`. A registry with the API answers
/// 200 and an image index even when nothing refers to the subject; 404 (distribution 2.8's
/// unknown route), 405 and 501 say it has no such API. Other statuses are the caller's to word
/// (authorization, server errors).
pub fn read_referrers_reply(
    status: u16,
    body: &[u8],
) -> Result<Option<SourceReferrers>, ReplyError> {
    match status {
        200 => {
            let index: ImageIndex = serde_json::from_slice(body).map_err(|e| {
                ReplyError(format!("the referrers reply is not an image index: {e}"))
            })?;
            Ok(Some(SourceReferrers::Api(index.manifests)))
        }
        404 | 405 | 501 => Ok(Some(SourceReferrers::Unsupported)),
        _ => Ok(None),
    }
}

/// The descriptors of a `sha256-<hex>` tag-schema index.
pub fn read_fallback_index(body: &[u8]) -> Result<Vec<Descriptor>, ReplyError> {
    let index: ImageIndex = serde_json::from_slice(body)
        .map_err(|e| ReplyError(format!("the referrers tag is not an image index: {e}")))?;
    Ok(index.manifests)
}

/// Whether the destination registry took a pushed manifest's `subject` into its referrers
/// API: it answered the PUT with `OCI-Subject` naming that subject.
pub fn destination_took_subject(oci_subject: Option<&str>, subject: &Digest) -> bool {
    oci_subject.is_some_and(|h| h.trim() == subject.as_str())
}

/// The destination's `sha256-<hex>` index with `add` merged in: `existing` (the index the tag
/// holds, if any) keeps its entries and order; a descriptor of the same digest is not added
/// twice. `None` when nothing changes (the tag need not be written again).
pub fn merge_fallback_index(
    existing: Option<&[u8]>,
    add: &Descriptor,
) -> Result<Option<Vec<u8>>, ReplyError> {
    let mut index = match existing {
        Some(b) => serde_json::from_slice::<ImageIndex>(b)
            .map_err(|e| ReplyError(format!("the referrers tag is not an image index: {e}")))?,
        None => ImageIndex::new(INDEX_MEDIA_TYPE),
    };
    if index.manifests.iter().any(|d| d.digest == add.digest) {
        return Ok(None);
    }
    index.manifests.push(add.clone());
    serde_json::to_vec(&index)
        .map(Some)
        .map_err(|e| ReplyError(e.to_string()))
}

/// How a referrer was found at the source, which says how it goes to the destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FoundBy {
    /// Listed by the referrers API.
    Api,
    /// Listed in the `sha256-<hex>` tag-schema index.
    FallbackIndex,
    /// The manifest at a cosign tag (`sha256-<hex>.sig` …), carried at the same tag.
    CosignTag(String, TagKind),
}

/// One manifest that refers to a subject.
#[derive(Clone, Debug, PartialEq)]
pub struct Referrer {
    pub subject: Digest,
    /// Its descriptor (from the API or tag index, or made for a cosign tag's manifest).
    pub descriptor: Descriptor,
    pub found: FoundBy,
}

impl Referrer {
    /// What it is, for messages: cosign's tag says it; else the artifact type.
    pub fn kind(&self) -> TagKind {
        if let FoundBy::CosignTag(_, k) = &self.found {
            return *k;
        }
        let t = self.descriptor.artifact_type.as_deref().unwrap_or("");
        if t.contains("cosign.artifact.sig")
            || t.contains("sigstore.bundle")
            || t.contains("signature")
        {
            TagKind::Signature
        } else if t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") {
            TagKind::Sbom
        } else if t.contains("in-toto") || t.contains("attestation") {
            TagKind::Attestation
        } else {
            TagKind::Index
        }
    }
}

/// What a subject is to the list being pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// An entry of the list: its digest is kept, so what refers to it still applies.
    Member,
    /// An index the members were taken from; what refers to it applies to the pushed list only
    /// when the list is that index byte for byte.
    SourceIndex,
}

/// One referrer to carry, and how the destination gets it.
#[derive(Clone, Debug, PartialEq)]
pub struct Carry {
    pub referrer: Referrer,
    /// The tag to put it at (cosign's tags); `None`: by digest, with the tag schema's index
    /// merged when the destination did not take its subject.
    pub tag: Option<String>,
}

/// A signature (or other referrer) of a source index that does not cover the pushed list.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncovered {
    pub referrer: Referrer,
    pub pushed: Digest,
}

impl Uncovered {
    /// The warning, one line.
    pub fn message(&self) -> String {
        let r = &self.referrer;
        let verb = match r.kind() {
            TagKind::Signature => "was signed as part of",
            _ => "was made for",
        };
        format!(
            "{} {} {verb} index {}; the pushed list {} is not covered (sign {} again)",
            r.kind().noun(),
            r.descriptor.digest,
            r.subject,
            self.pushed,
            self.pushed
        )
    }
}

/// What a `--referrers` publish does with what it found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReferrersPlan {
    pub carry: Vec<Carry>,
    pub uncovered: Vec<Uncovered>,
}

/// Decides what to carry: every referrer of a member; a source index's only when the pushed
/// list is that index (same digest), else a warning each. A referrer found twice (by the API
/// and by a tag) is carried once per way it is read, so cosign's tag stays a tag.
pub fn plan_referrers(found: &[(Role, Referrer)], pushed: &Digest) -> ReferrersPlan {
    let mut plan = ReferrersPlan::default();
    for (role, r) in found {
        let applies = *role == Role::Member || &r.subject == pushed;
        if !applies {
            if !plan
                .uncovered
                .iter()
                .any(|u| u.referrer.descriptor.digest == r.descriptor.digest)
            {
                plan.uncovered.push(Uncovered {
                    referrer: r.clone(),
                    pushed: pushed.clone(),
                });
            }
            continue;
        }
        let tag = match &r.found {
            FoundBy::CosignTag(t, _) => Some(t.clone()),
            _ => None,
        };
        let dup = plan
            .carry
            .iter()
            .any(|c| c.referrer.descriptor.digest == r.descriptor.digest && c.tag == tag);
        if !dup {
            plan.carry.push(Carry {
                referrer: r.clone(),
                tag,
            });
        }
    }
    plan
}

/// The line printed for one referrer carried to `repo` (`registry/path`).
pub fn carried_line(c: &Carry, repo: &str, via_api: bool) -> String {
    let r = &c.referrer;
    let how = match (&c.tag, via_api) {
        (Some(t), _) => format!("at tag {repo}:{t}"),
        (None, true) => "by the referrers API".to_string(),
        (None, false) => format!("in the referrers tag {repo}:{}", fallback_tag(&r.subject)),
    };
    format!(
        "Copied {} {repo}@{} of {} {how}",
        r.kind().noun(),
        r.descriptor.digest,
        r.subject
    )
}

#[cfg(test)]
#[path = "referrers_tests.rs"]
mod tests;
