//! OCI image indexes (`image-index.md`) and Docker manifest lists (`manifest-v2-2.md`).
//!
//! Both: `schemaVersion` 2; `manifests` REQUIRED array (MAY be empty) of descriptors; no
//! `config` or `layers` (an object with both shapes is ambiguous, CVE-2021-41190, and
//! distribution refuses it); duplicate platforms warned about, since clients take the first
//! match and the later entry can only be reached by digest.
//!
//! OCI: `mediaType` SHOULD be present and MUST be the index type when it is; `artifactType`
//! RFC 6838; `subject` a descriptor; `annotations` the annotation rules; an entry of an image
//! manifest SHOULD have a `platform`; a child media type the validator does not know is at
//! most a warning ("MUST NOT generate an error").
//!
//! Docker: `mediaType` exactly the list type (distribution refuses anything else); every
//! entry has a `platform` (Docker's struct always carries one); entries are Docker manifests;
//! `annotations`, `urls`, `data`, `artifactType` and `subject` are OCI-only and dropped by
//! Docker tools.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use crate::json::tree::{Member, Node};
use crate::media_type as mt;

use super::context::{fields, span, Ctx, Seg};
use super::descriptor::{self, Place};
use super::document::{self, index_kind, oci_only};
use super::platform::{self, PlatformInfo};
use super::{annotations, Entry, Flavor, Severity};

const FIELDS: [&str; 10] = [
    "schemaVersion",
    "mediaType",
    "artifactType",
    "manifests",
    "subject",
    "annotations",
    "config",
    "layers",
    "fsLayers",
    "history",
];

/// Validates an index or list whose root is `root`, collecting its entries.
pub(super) fn validate<'a>(
    ctx: &mut Ctx<'a>,
    root: &'a Node<'a>,
    flavor: Flavor,
    entries: &mut Vec<Entry>,
) {
    let Some(members) = root.members() else {
        return;
    };
    let kind = index_kind(flavor);
    let what = document::article(kind);
    let [schema_version, media_type, artifact_type, manifests, subject, annotations, config, layers, fs_layers, history] =
        fields(ctx, members, &FIELDS);

    document::schema_version(ctx, root, schema_version);
    document::media_type(ctx, root, media_type, kind);

    for m in [config, layers, fs_layers, history].into_iter().flatten() {
        let whose = if m.key == "fsLayers" || m.key == "history" {
            "a schema 1 manifest field"
        } else {
            "a manifest field"
        };
        ctx.at(Seg::Key(&m.key), |ctx| {
            ctx.error(
                span(&m.value),
                format!(
                    "{} is {whose} and does not belong in {what}: a document with manifests \
                     and {0} is ambiguous between an index and a manifest (CVE-2021-41190), \
                     and registries and containers/image refuse it; remove {0}",
                    m.key
                ),
            )
        });
    }

    match manifests {
        None => ctx.report_field(
            "manifests",
            Severity::Error,
            span(root),
            "manifests is required; expected an array of descriptors (it may be empty)".into(),
        ),
        Some(m) => ctx.at(Seg::Key(&m.key), |ctx| {
            manifests_value(ctx, &m.value, flavor, entries)
        }),
    }

    let docker_list = "a Docker manifest list";
    if let Some(m) = artifact_type {
        match flavor {
            Flavor::Oci => {
                descriptor::media_type_value(ctx, m, "application/vnd.example+type");
            }
            Flavor::Docker => oci_only(ctx, m, docker_list),
        }
    }
    if let Some(m) = subject {
        match flavor {
            Flavor::Oci => {
                ctx.at(Seg::Key(&m.key), |ctx| {
                    descriptor::check(ctx, &m.value, Place::Subject)
                });
            }
            Flavor::Docker => oci_only(ctx, m, docker_list),
        }
    }
    if let Some(m) = annotations {
        match flavor {
            Flavor::Oci => ctx.at(Seg::Key(&m.key), |ctx| annotations::check(ctx, &m.value)),
            Flavor::Docker => oci_only(ctx, m, docker_list),
        }
    }
}

fn manifests_value<'a>(
    ctx: &mut Ctx<'a>,
    v: &'a Node<'a>,
    flavor: Flavor,
    entries: &mut Vec<Entry>,
) {
    let Some(items) = v.as_array() else {
        ctx.error(
            span(v),
            format!(
                "manifests is {}; expected an array of descriptors (it may be empty)",
                v.type_name()
            ),
        );
        return;
    };
    entries.reserve(items.len());
    let mut platforms = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        entries.push(read_entry(item));
        ctx.push(Seg::Index(i));
        if let Some(info) = descriptor::check(ctx, item, Place::Entry(flavor)) {
            if let Some(media_type) = info.media_type {
                child_media_type(ctx, item, media_type, flavor);
            }
            if info.platform_field.is_none() {
                missing_platform(
                    ctx,
                    item,
                    info.media_type,
                    info.artifact_type.is_some(),
                    flavor,
                );
            }
            if let (Some(p), Some(field)) = (info.platform, info.platform_field) {
                if !p.is_attestation() {
                    let compression = compression(item);
                    platforms.push(Placed {
                        hash: hash(&p.normalized(), compression),
                        index: i,
                        platform: p,
                        field,
                        compression,
                    });
                }
            }
        }
        ctx.pop();
    }
    duplicate_platforms(ctx, platforms);
}

/// An entry's platform, with a hash of its normalised form.
struct Placed<'a> {
    hash: u64,
    index: usize,
    platform: PlatformInfo<'a>,
    field: &'a Member<'a>,
    /// The entry's compression annotations (podman's zstd instances beside gzip ones), which
    /// tell entries of one platform apart.
    compression: u64,
}

fn hash(key: &[Cow<'_, str>; 4], compression: u64) -> u64 {
    // SipHash with fixed keys: the same in every run and on every target.
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    compression.hash(&mut h);
    h.finish()
}

/// The entry's `io.github.containers.compression.*` annotations as one value, in whatever order
/// they are written: each pair's SipHash, summed. Kept as a number, not a list: two entries of
/// one platform told apart by a 64-bit collision would only lose a warning, and the list and
/// its sort cost the browser module more code than the rest of the rule.
fn compression(item: &Node<'_>) -> u64 {
    let Some(members) = super::context::last(item, "annotations").and_then(Node::members) else {
        return 0;
    };
    let mut sum = 0u64;
    for m in members {
        if m.key.starts_with(crate::ops::COMPRESSION_ANNOTATION_PREFIX) {
            let mut h = std::hash::DefaultHasher::new();
            m.key.hash(&mut h);
            m.value.as_str().hash(&mut h);
            sum = sum.wrapping_add(h.finish());
        }
    }
    sum
}

/// Warns about every entry whose normalised platform an earlier entry already has.
///
/// Sorting by hash makes this O(n log n) with integer comparisons. What is sorted is
/// `hash << 64 | position` in one `u128`, not the entries themselves: moving 16 bytes instead
/// of a whole entry and comparing with one integer comparison makes it several times faster in
/// WebAssembly. Entries whose hashes are equal are then told apart by their strings, each
/// against one representative per distinct platform in the run: a run holds more than one
/// distinct platform only when 64-bit SipHash values collide, and many distinct platforms
/// sharing one hash (what would make this slow) is far beyond any attacker's reach.
fn duplicate_platforms<'a>(ctx: &mut Ctx<'a>, platforms: Vec<Placed<'a>>) {
    let mut order: Vec<u128> = platforms
        .iter()
        .enumerate()
        .map(|(pos, p)| (u128::from(p.hash) << 64) | pos as u128)
        .collect();
    order.sort_unstable();
    for run in order.chunk_by(|a, b| a >> 64 == b >> 64) {
        if run.len() < 2 {
            continue;
        }
        // The run is in document order, so the first of each platform comes first.
        let mut firsts: Vec<(_, &Placed)> = Vec::new();
        for &k in run {
            let p = &platforms[k as u64 as usize];
            let key = p.platform.normalized();
            match firsts
                .iter()
                .find(|(first_key, first)| *first_key == key && first.compression == p.compression)
            {
                Some(&(_, first)) => {
                    ctx.at(Seg::Index(p.index), |ctx| duplicate_platform(ctx, p, first))
                }
                None => firsts.push((key, p)),
            }
        }
    }
}

fn missing_platform<'a>(
    ctx: &mut Ctx<'a>,
    item: &'a Node<'a>,
    media_type: Option<&str>,
    is_artifact: bool,
    flavor: Flavor,
) {
    match flavor {
        Flavor::Docker => ctx.report_field(
            "platform",
            Severity::Error,
            span(item),
            "platform is required in a Docker manifest list entry; expected an object with \
             architecture and os (Docker tools read a missing platform as an empty one, which \
             no client matches)"
                .into(),
        ),
        // Artifacts (an artifactType) are not platform-specific; nested indexes have none.
        Flavor::Oci if !is_artifact && media_type.is_some_and(mt::is_image_manifest) => ctx
            .report_field(
                "platform",
                Severity::Warning,
                span(item),
                "platform is missing; entries of image manifests SHOULD have one, so that \
                 clients can pick the image for their platform"
                    .into(),
            ),
        Flavor::Oci => {}
    }
}

fn duplicate_platform<'a>(ctx: &mut Ctx<'a>, dup: &Placed<'a>, first: &Placed<'a>) {
    let (i, first_index) = (dup.index, first.index);
    let (this, other) = (dup.platform.display(), first.platform.display());
    let written = if this == other {
        this
    } else {
        format!("{this}; manifests[{first_index}] writes it {other}")
    };
    ctx.at(Seg::Key(&dup.field.key), |ctx| {
        ctx.warn(
            span(&dup.field.value),
            format!(
                "manifests[{i}] has the same platform as manifests[{first_index}] ({written}); \
                 clients use the first match, so manifests[{i}] can only be reached by its digest"
            ),
        )
    });
}

/// An entry's media type: known kinds pass, others are at most warnings (image-index.md: an
/// unknown `mediaType` "MUST NOT generate an error").
fn child_media_type<'a>(ctx: &mut Ctx<'a>, item: &'a Node<'a>, media_type: &str, flavor: Flavor) {
    let message = match (flavor, media_type) {
        (Flavor::Oci, mt::OCI_MANIFEST | mt::OCI_INDEX) => return,
        (Flavor::Docker, mt::DOCKER_MANIFEST) => return,
        (Flavor::Oci, mt::DOCKER_MANIFEST | mt::DOCKER_LIST) => format!(
            "mediaType {media_type:?} is a Docker type in an OCI index; indexes concerned with \
             portability SHOULD use {:?} or {:?}",
            mt::OCI_MANIFEST,
            mt::OCI_INDEX
        ),
        (Flavor::Docker, mt::OCI_MANIFEST) => format!(
            "mediaType {media_type:?} is an OCI manifest in a Docker manifest list; such mixed \
             lists are not in Docker's format and older clients fail on them; expected {:?}, \
             or use an OCI index",
            mt::DOCKER_MANIFEST
        ),
        (Flavor::Docker, mt::DOCKER_LIST | mt::OCI_INDEX) => format!(
            "mediaType {media_type:?} nests an index in a Docker manifest list; Docker's format \
             has no nested lists and Docker tools do not follow them; expected {:?}",
            mt::DOCKER_MANIFEST
        ),
        (Flavor::Oci, _) => format!(
            "mediaType {media_type:?} is not a manifest or index type; tools that do not know \
             it skip this entry (expected {:?} or {:?})",
            mt::OCI_MANIFEST,
            mt::OCI_INDEX
        ),
        (Flavor::Docker, _) => format!(
            "mediaType {media_type:?} is not a manifest type; Docker tools skip this entry \
             (expected {:?})",
            mt::DOCKER_MANIFEST
        ),
    };
    if let Some(m) = item
        .members()
        .and_then(|ms| ms.iter().rev().find(|m| m.key == "mediaType"))
    {
        ctx.at(Seg::Key(&m.key), |ctx| ctx.warn(span(&m.value), message));
    }
}

/// An entry as read, whatever its problems.
fn read_entry(item: &Node) -> Entry {
    // One pass over the members, the last of a repeated key winning (as `context::last`).
    let (mut digest, mut media_type, mut size, mut platform) = (None, None, None, None);
    for m in item.members().unwrap_or_default() {
        match m.key.as_ref() {
            "digest" => digest = Some(&m.value),
            "mediaType" => media_type = Some(&m.value),
            "size" => size = Some(&m.value),
            "platform" => platform = Some(&m.value),
            _ => {}
        }
    }
    let string = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or_default().to_string();
    Entry {
        digest: string(digest),
        media_type: string(media_type),
        size: descriptor::read_size(size),
        platform: platform.and_then(platform::to_model),
    }
}
