//! The rules between documents: an index against its entries, an entry against its config.
//!
//! Platforms are compared after containerd's normalisation (`aarch64` is `arm64`, `arm64/v8`
//! is `arm64`), because that is how a runtime picks an entry: a difference that survives it is
//! a difference a puller meets.

use super::report::{Finding, Rule, Severity};
use super::walk::{join, Image};
use crate::media_type;
use crate::model::{Descriptor, ImageIndex, Platform};
use crate::platform::normalize;
use crate::platform::{is_attestation, runnable_entries};

/// The annotation buildx puts on an attestation naming the image it is about.
pub const REFERENCE_DIGEST_ANNOTATION: &str = "vnd.docker.reference.digest";

/// How an entry is named in a path: `manifests[1] linux/arm64`, `manifests[2] attestation`.
pub(crate) fn entry_label(i: usize, d: &Descriptor) -> String {
    if is_attestation(d) {
        return format!("manifests[{i}] attestation");
    }
    match &d.platform {
        Some(p) => format!("manifests[{i}] {}", p.display()),
        None => format!("manifests[{i}]"),
    }
}

/// Layers served from their `urls` (Windows base layers): the registry is not asked for them.
pub(crate) fn is_foreign(d: &Descriptor) -> bool {
    d.media_type == media_type::DOCKER_FOREIGN_LAYER
        || d.media_type.contains(".nondistributable.")
        || d.urls.as_ref().is_some_and(|u| !u.is_empty())
}

/// Layers that are tars (plain, gzip or zstd) a scanner can read.
pub(crate) fn is_tar_layer(d: &Descriptor) -> bool {
    let mt = media_type::strip_parameters(&d.media_type);
    mt.starts_with("application/vnd.oci.image.layer.")
        || mt == media_type::DOCKER_LAYER_GZIP
        || mt == "application/vnd.docker.image.rootfs.diff.tar"
}

/// An entry's media type must be the document's own: clients choose a parser by the entry's.
pub(crate) fn media_type_agrees(
    path: &str,
    d: &Descriptor,
    document_type: &str,
    out: &mut Vec<Finding>,
) {
    if !d.media_type.is_empty() && media_type::strip_parameters(&d.media_type) != document_type {
        out.push(Finding {
            path: join(path, "mediaType"),
            severity: Severity::Error,
            rule: Rule::Document,
            message: format!(
                "the entry says {} but the document is {document_type}; fix the entry's \
                 mediaType",
                d.media_type
            ),
            digest: Some(d.digest.to_string()),
        });
    }
}

/// The rules of one index over its own entries: attestations about images it lists, entries
/// that can be told apart, at least one runnable platform.
pub(crate) fn index_rules(path: &str, index: &ImageIndex, out: &mut Vec<Finding>) {
    let runnable = runnable_entries(&index.manifests);
    let at = |i: usize| join(path, &entry_label(i, &index.manifests[i]));
    let artifact = index.artifact_type.is_some() || index.subject.is_some();
    if runnable.is_empty() && !artifact {
        out.push(Finding {
            path: path.to_string(),
            severity: Severity::Error,
            rule: Rule::Runnable,
            message: if index.manifests.is_empty() {
                "the index lists no manifests: no platform can run it".to_string()
            } else {
                "every entry is an attestation: no platform can run this index".to_string()
            },
            digest: None,
        });
    }
    for (i, d) in index.manifests.iter().enumerate() {
        if !is_attestation(d) {
            continue;
        }
        let about = d
            .annotations
            .as_ref()
            .and_then(|a| a.get(REFERENCE_DIGEST_ANNOTATION));
        match about {
            None => out.push(Finding {
                path: at(i),
                severity: Severity::Warning,
                rule: Rule::Attestation,
                message: format!(
                    "the attestation names no image (no {REFERENCE_DIGEST_ANNOTATION} annotation)"
                ),
                digest: Some(d.digest.to_string()),
            }),
            Some(target) => {
                let listed = runnable
                    .iter()
                    .any(|&j| index.manifests[j].digest.as_str() == target.as_str());
                if !listed {
                    out.push(Finding {
                        path: at(i),
                        severity: Severity::Error,
                        rule: Rule::Attestation,
                        message: format!(
                            "the attestation is about {target}, which is not an image of this \
                             index (drop the attestation, or add the image back)"
                        ),
                        digest: Some(d.digest.to_string()),
                    });
                }
            }
        }
    }
    for (n, &i) in runnable.iter().enumerate() {
        let Some(pi) = index.manifests[i].platform.as_ref() else {
            continue;
        };
        let first = runnable[..n].iter().copied().find(|&j| {
            index.manifests[j]
                .platform
                .as_ref()
                .is_some_and(|pj| same_platform(pi, pj))
        });
        if let Some(j) = first {
            let same_digest = index.manifests[i].digest == index.manifests[j].digest;
            out.push(Finding {
                path: at(i),
                severity: if same_digest {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                rule: Rule::Duplicate,
                message: if same_digest {
                    format!("lists the same image as manifests[{j}] a second time")
                } else {
                    format!(
                        "nothing tells this entry apart from manifests[{j}] (both {}): a puller \
                         always takes manifests[{j}]; give them distinct platforms or remove one",
                        pi.display()
                    )
                },
                digest: Some(index.manifests[i].digest.to_string()),
            });
        }
    }
}

fn same_platform(a: &Platform, b: &Platform) -> bool {
    let (a, b) = (normalize(a), normalize(b));
    a.os == b.os
        && a.architecture == b.architecture
        && a.variant == b.variant
        && a.os_version == b.os_version
        && a.os_features == b.os_features
}

/// An image's config against its entry and its manifest.
pub(crate) fn config_rules(
    image: &Image,
    config: &[u8],
    declared: &Platform,
    out: &mut Vec<Finding>,
) {
    let cfg_path = join(&image.path, "config");
    let push = |out: &mut Vec<Finding>, field: &str, severity, message: String| {
        out.push(Finding {
            path: format!("{cfg_path}.{field}"),
            severity,
            rule: Rule::Platform,
            message,
            digest: Some(image.manifest.value.config.digest.to_string()),
        })
    };
    if let Some(entry) = image.descriptor.as_ref().filter(|_| !image.attestation) {
        if let Some(want) = &entry.platform {
            let (w, c) = (normalize(want), normalize(declared));
            let shown = want.display();
            if w.os != c.os {
                push(
                    out,
                    "os",
                    Severity::Error,
                    format!(
                        "the entry says {shown} but the config's os is {:?}",
                        declared.os
                    ),
                );
            }
            if w.architecture != c.architecture {
                push(
                    out,
                    "architecture",
                    Severity::Error,
                    format!(
                        "the entry says {shown} but the config's architecture is {:?}: the \
                         image was built for another machine, or the entry is wrong",
                        declared.architecture
                    ),
                );
            } else if w.variant != c.variant {
                match (&want.variant, &declared.variant) {
                    (_, None) => push(
                        out,
                        "variant",
                        Severity::Warning,
                        format!("the entry says {shown} but the config names no variant"),
                    ),
                    (_, Some(v)) => push(
                        out,
                        "variant",
                        Severity::Error,
                        format!("the entry says {shown} but the config's variant is {v:?}"),
                    ),
                }
            }
            if c.os == "windows" {
                if let (Some(a), Some(b)) = (&w.os_version, &c.os_version) {
                    if a != b {
                        push(
                            out,
                            "os.version",
                            Severity::Error,
                            format!(
                                "the entry says os.version {a} but the config says {b}: Windows \
                                 hosts choose images by it"
                            ),
                        );
                    }
                }
            }
        }
    }
    // docker refuses to pull an image whose config lists a different number of layers
    let diff_ids = serde_json::from_slice::<serde_json::Value>(config)
        .ok()
        .and_then(|v| {
            v.pointer("/rootfs/diff_ids")
                .and_then(|d| d.as_array())
                .map(Vec::len)
        });
    let layers = image.manifest.value.layers.len();
    if let Some(n) = diff_ids.filter(|&n| n != layers && !image.attestation) {
        out.push(Finding {
            path: format!("{cfg_path}.rootfs.diff_ids"),
            severity: Severity::Error,
            rule: Rule::Config,
            message: format!(
                "the config lists {n} layer(s) but the manifest has {layers}: docker refuses to \
                 pull it"
            ),
            digest: Some(image.manifest.value.config.digest.to_string()),
        });
    }
}
