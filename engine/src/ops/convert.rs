//! Converting between the two list formats, OCI index and Docker manifest list, and saying what
//! could not be carried over.
//!
//! [`ListFormat`] lives here because naming, parsing and telling the formats apart is what a
//! conversion needs; `create` only borrows its media type.

use crate::media_type;
use crate::model::ImageIndex;

/// The two list formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Oci,
    Docker,
}

impl ListFormat {
    /// Accepts `oci`, `docker` and podman's `v2s2` (any case).
    pub fn parse(s: &str) -> Option<ListFormat> {
        match s.to_ascii_lowercase().as_str() {
            "oci" => Some(ListFormat::Oci),
            "docker" | "v2s2" => Some(ListFormat::Docker),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ListFormat::Oci => media_type::OCI_INDEX,
            ListFormat::Docker => media_type::DOCKER_LIST,
        }
    }

    pub fn of(index: &ImageIndex) -> ListFormat {
        if index.is_docker() {
            ListFormat::Docker
        } else {
            ListFormat::Oci
        }
    }
}

/// What a conversion could not carry over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// JSON path of what was dropped or is doubtful, e.g. `$.manifests[1].annotations`.
    pub path: String,
    pub message: String,
}

/// Converts between an OCI index and a Docker list. Entries keep their digests (changing a
/// child would change what the list points at), so an OCI manifest inside a Docker list is
/// reported rather than rewritten.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn convert(index: &ImageIndex, to: ListFormat) -> (ImageIndex, Vec<Loss>) {
    let mut out = index.clone();
    out.media_type = Some(to.media_type().to_string());
    let mut losses = Vec::new();
    if to == ListFormat::Docker {
        if out.annotations.take().is_some() {
            losses.push(Loss {
                path: "$.annotations".into(),
                message: "index annotations dropped: Docker manifest lists have none".into(),
            });
        }
        if out.subject.take().is_some() {
            losses.push(Loss {
                path: "$.subject".into(),
                message: "subject dropped: Docker manifest lists have none".into(),
            });
        }
        if out.artifact_type.take().is_some() {
            losses.push(Loss {
                path: "$.artifactType".into(),
                message: "artifactType dropped: Docker manifest lists have none".into(),
            });
        }
        for (i, d) in out.manifests.iter_mut().enumerate() {
            if d.annotations.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].annotations"),
                    message: "entry annotations dropped: Docker manifest lists have none".into(),
                });
            }
            if d.urls.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].urls"),
                    message: "entry urls dropped: Docker manifest lists have none".into(),
                });
            }
            if d.artifact_type.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].artifactType"),
                    message: "entry artifactType dropped".into(),
                });
            }
            if d.data.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].data"),
                    message: "entry data dropped".into(),
                });
            }
            if d.media_type == media_type::OCI_MANIFEST || d.media_type == media_type::OCI_INDEX {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].mediaType"),
                    message: format!("entry is {}; kept as is (its digest cannot change), but some Docker tools refuse OCI entries in a Docker list", d.media_type),
                });
            }
        }
    }
    (out, losses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Descriptor;
    use crate::ops::create;

    #[test]
    fn convert_to_docker_reports_losses() {
        let mut idx = create(ListFormat::Oci);
        let mut e = Descriptor::of(media_type::OCI_MANIFEST, b"a");
        e.annotations = Some([("a".to_string(), "b".to_string())].into());
        idx.manifests.push(e);
        idx.annotations = Some([("x".to_string(), "y".to_string())].into());
        let (out, losses) = convert(&idx, ListFormat::Docker);
        assert!(
            out.is_docker() && out.annotations.is_none() && out.manifests[0].annotations.is_none()
        );
        let paths: Vec<_> = losses.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.annotations",
                "$.manifests[0].annotations",
                "$.manifests[0].mediaType"
            ]
        );
        let (back, none) = convert(&out, ListFormat::Oci);
        assert!(none.is_empty() && !back.is_docker());
    }
}
