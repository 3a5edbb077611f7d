//! OCI image manifests (`manifest.md`) and Docker v2 schema 2 manifests (`manifest-v2-2.md`).
//!
//! Both: `schemaVersion` 2; `config` REQUIRED descriptor; `layers` an array of descriptors;
//! no `manifests` (ambiguous with an index, CVE-2021-41190; distribution refuses it).
//!
//! OCI: `mediaType` SHOULD be present and MUST be the manifest type when it is;
//! `artifactType` RFC 6838, and MUST be set when `config.mediaType` is the empty type;
//! any RFC 6838 config or layer type is fine (unknown types MUST NOT be errors); `subject` a
//! descriptor; `annotations` the annotation rules.
//!
//! `layers`: the JSON schema requires the array with at least one item, but the prose only
//! says "For portability, `layers` SHOULD have at least one entry" and, unlike `config`, does
//! not call it REQUIRED. The prose wins: a missing, null or empty `layers` is a warning.
//!
//! Docker: `mediaType` exactly the Docker manifest type (distribution refuses anything else);
//! the config SHOULD be a Docker image (or plugin) config; `artifactType`, `subject` and
//! `annotations` are OCI-only.

use crate::json::tree::{Node, Value};
use crate::media_type as mt;

use super::context::{fields, last, span, Ctx, Seg};
use super::descriptor::{self, Place};
use super::document::{self, manifest_kind, oci_only};
use super::{annotations, Flavor, Severity};

const FIELDS: [&str; 8] = [
    "schemaVersion",
    "mediaType",
    "artifactType",
    "config",
    "layers",
    "subject",
    "annotations",
    "manifests",
];

pub(super) fn validate<'a>(ctx: &mut Ctx<'a>, root: &'a Node<'a>, flavor: Flavor) {
    let Some(members) = root.members() else {
        return;
    };
    let kind = manifest_kind(flavor);
    let what = document::article(kind);
    let [schema_version, media_type, artifact_type, config, layers, subject, annotations, manifests] =
        fields(ctx, members, &FIELDS);

    document::schema_version(ctx, root, schema_version);
    document::media_type(ctx, root, media_type, kind);

    if let Some(m) = manifests {
        ctx.at(Seg::Key(&m.key), |ctx| {
            ctx.error(
                span(&m.value),
                format!(
                    "manifests is an index field and does not belong in {what}: a document with \
                     config and manifests is ambiguous between a manifest and an index \
                     (CVE-2021-41190), and registries refuse it; remove manifests"
                ),
            )
        });
    }

    let docker_manifest = "a Docker image manifest";
    if let Some(m) = artifact_type {
        match flavor {
            Flavor::Oci => {
                descriptor::media_type_value(ctx, m, "application/vnd.example+type");
            }
            Flavor::Docker => oci_only(ctx, m, docker_manifest),
        }
    }

    match config {
        None => ctx.report_field(
            "config",
            Severity::Error,
            span(root),
            format!(
                "config is required; expected a descriptor of the image configuration, with \
                 mediaType (e.g. {:?}), digest and size",
                match flavor {
                    Flavor::Oci => mt::OCI_CONFIG,
                    Flavor::Docker => mt::DOCKER_CONFIG,
                }
            ),
        ),
        Some(m) => {
            let info = ctx.at(Seg::Key(&m.key), |ctx| {
                descriptor::check(ctx, &m.value, Place::Config(flavor))
            });
            let config_type = info.and_then(|i| i.media_type);
            let type_node = last(&m.value, "mediaType");
            match (flavor, config_type, type_node) {
                (Flavor::Oci, Some(mt::OCI_EMPTY), Some(node)) if artifact_type.is_none() => ctx
                    .report_field(
                        "artifactType",
                        Severity::Error,
                        span(node),
                        format!(
                            "artifactType is required when config.mediaType is {:?}; set it to \
                             the type of the artifact, e.g. \"application/vnd.example+type\"",
                            mt::OCI_EMPTY
                        ),
                    ),
                (Flavor::Docker, Some(t), Some(node))
                    if t != mt::DOCKER_CONFIG && t != mt::DOCKER_PLUGIN_CONFIG =>
                {
                    ctx.at(Seg::Key(&m.key), |ctx| {
                        ctx.report_field(
                            "mediaType",
                            Severity::Warning,
                            span(node),
                            format!(
                                "config.mediaType {t:?} is not a Docker config type; Docker \
                                 tools expect {:?} (or {:?} for plugins)",
                                mt::DOCKER_CONFIG,
                                mt::DOCKER_PLUGIN_CONFIG
                            ),
                        )
                    });
                }
                _ => {}
            }
        }
    }

    layers_value(ctx, root, layers.map(|m| (&m.key[..], &m.value)), flavor);

    if let Some(m) = subject {
        match flavor {
            Flavor::Oci => {
                ctx.at(Seg::Key(&m.key), |ctx| {
                    descriptor::check(ctx, &m.value, Place::Subject)
                });
            }
            Flavor::Docker => oci_only(ctx, m, docker_manifest),
        }
    }
    if let Some(m) = annotations {
        match flavor {
            Flavor::Oci => ctx.at(Seg::Key(&m.key), |ctx| annotations::check(ctx, &m.value)),
            Flavor::Docker => oci_only(ctx, m, docker_manifest),
        }
    }
}

fn layers_value<'a>(
    ctx: &mut Ctx<'a>,
    root: &'a Node<'a>,
    layers: Option<(&'a str, &'a Node<'a>)>,
    flavor: Flavor,
) {
    const PORTABILITY: &str = "for portability a manifest SHOULD have at least one layer (an \
                               artifact without files uses one empty descriptor, \
                               \"application/vnd.oci.empty.v1+json\")";
    let Some((key, v)) = layers else {
        ctx.report_field(
            "layers",
            Severity::Warning,
            span(root),
            format!("layers is missing; {PORTABILITY}"),
        );
        return;
    };
    ctx.at(Seg::Key(key), |ctx| {
        let items = match &v.value {
            Value::Array(items) => items,
            // Go writes a nil slice as null; it reads back as no layers.
            Value::Null => {
                ctx.warn(span(v), format!("layers is null; {PORTABILITY}"));
                return;
            }
            _ => {
                ctx.error(
                    span(v),
                    format!(
                        "layers is {}; expected an array of descriptors",
                        v.type_name()
                    ),
                );
                return;
            }
        };
        if items.is_empty() {
            ctx.warn(span(v), format!("layers is empty; {PORTABILITY}"));
        }
        for (i, item) in items.iter().enumerate() {
            ctx.at(Seg::Index(i), |ctx| {
                descriptor::check(ctx, item, Place::Layer(flavor))
            });
        }
    });
}
