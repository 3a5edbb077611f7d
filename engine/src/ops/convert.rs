//! Converting between the two list formats, OCI index and Docker manifest list, and saying what
//! could not be carried over.
//!
//! [`ListFormat`] lives here because naming, parsing and telling the formats apart is what a
//! conversion needs; `create` only borrows its media type.

use super::OpsError;
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

/// How a list without a chosen format gets one when it is written: docker's first-entry rule
/// (`serialize::docker_list_media_type`) or podman's (`serialize::podman_media_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatRule {
    Docker,
    Podman,
}

/// The format `index` is written in under `rule`: its chosen media type, else the rule's.
pub fn written_format(index: &ImageIndex, rule: FormatRule) -> ListFormat {
    let mt = match index.media_type.as_deref() {
        Some(mt) => mt,
        None => match rule {
            FormatRule::Docker => crate::serialize::docker_list_media_type(&index.manifests),
            FormatRule::Podman => crate::serialize::podman_media_type(index),
        },
    };
    if mt == media_type::DOCKER_LIST {
        ListFormat::Docker
    } else {
        ListFormat::Oci
    }
}

/// The first thing in `index` a Docker manifest list cannot hold, as its JSON path and field
/// name: index annotations, subject or artifactType; an entry's annotations, artifactType or
/// data; an artifact entry (one without a platform). Docker tools drop all of it.
pub fn docker_cannot_hold(index: &ImageIndex) -> Option<(String, &'static str)> {
    let non_empty =
        |a: &Option<crate::model::Annotations>| a.as_ref().is_some_and(|a| !a.is_empty());
    if non_empty(&index.annotations) {
        return Some(("$.annotations".into(), "annotations"));
    }
    if index.subject.is_some() {
        return Some(("$.subject".into(), "subject"));
    }
    if index.artifact_type.is_some() {
        return Some(("$.artifactType".into(), "artifactType"));
    }
    for (i, d) in index.manifests.iter().enumerate() {
        let at = |f: &'static str| Some((format!("$.manifests[{i}].{f}"), f));
        if non_empty(&d.annotations) {
            return at("annotations");
        }
        if d.artifact_type.is_some() {
            return at("artifactType");
        }
        if d.data.is_some() {
            return at("data");
        }
        if d.platform.is_none() && !d.is_index() {
            return Some((
                format!("$.manifests[{i}]"),
                "an artifact entry (no platform)",
            ));
        }
    }
    None
}

/// What an edit that a Docker list cannot hold does to a list written as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnOciOnly {
    /// Make it an OCI index (podman, pack), saying so once.
    Convert,
    /// Refuse the edit (docker, or a Docker format asked for explicitly).
    Refuse,
}

/// A list turned into an OCI index because of what an edit gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatChange {
    /// Where the field a Docker list cannot hold is, e.g. `$.manifests[0].annotations`.
    pub path: String,
    pub field: &'static str,
}

impl FormatChange {
    /// The one-line notice.
    pub fn notice(&self, list: &str) -> String {
        format!(
            "note: {list} is now an OCI image index: a Docker manifest list cannot hold {} ({})",
            self.field, self.path
        )
    }
}

/// Settles the format of a list after an edit (`before` as it was, `after` edited): when it
/// was or would now be written as a Docker list under `rule` and holds something a Docker list
/// cannot, it becomes an OCI index (`Convert`) or the edit is refused naming the field
/// (`Refuse`). Nothing is ever dropped silently. An empty list without a chosen format had no
/// format yet, so it only counts from what the edit made of it.
pub fn settle_format(
    before: &ImageIndex,
    after: &mut ImageIndex,
    rule: FormatRule,
    on: OnOciOnly,
) -> Result<Option<FormatChange>, OpsError> {
    let had_format = before.media_type.is_some() || !before.manifests.is_empty();
    let was_docker = had_format && written_format(before, rule) == ListFormat::Docker;
    let is_docker = written_format(after, rule) == ListFormat::Docker;
    if !was_docker && !is_docker {
        return Ok(None);
    }
    let Some((path, field)) = docker_cannot_hold(after) else {
        return Ok(None);
    };
    match on {
        OnOciOnly::Refuse => Err(OpsError::DockerCannotHold { path, field }),
        OnOciOnly::Convert => {
            after.media_type = Some(media_type::OCI_INDEX.to_string());
            Ok(Some(FormatChange { path, field }))
        }
    }
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

    fn docker_list() -> ImageIndex {
        let mut idx = create(ListFormat::Docker);
        let mut e = Descriptor::of(media_type::DOCKER_MANIFEST, b"a");
        e.platform = Some(crate::model::Platform::new("linux", "amd64"));
        idx.manifests.push(e);
        idx
    }

    #[test]
    fn what_a_docker_list_cannot_hold_converts_or_refuses_never_drops() {
        let clean = docker_list();
        assert_eq!(docker_cannot_hold(&clean), None);
        let rule = FormatRule::Podman;
        let mut same = clean.clone();
        assert_eq!(
            settle_format(&clean, &mut same, rule, OnOciOnly::Refuse),
            Ok(None)
        );
        assert_eq!(same, clean);

        let mut annotated = clean.clone();
        annotated.manifests[0].annotations = Some([("k".to_string(), "v".to_string())].into());
        let mut refused = annotated.clone();
        let e = settle_format(&clean, &mut refused, rule, OnOciOnly::Refuse).unwrap_err();
        assert_eq!(refused, annotated, "a refusal changes nothing");
        let m = e.to_string();
        assert!(
            m.contains("cannot hold annotations ($.manifests[0].annotations)")
                && m.contains("--format oci"),
            "{m}"
        );
        let mut converted = annotated.clone();
        let change = settle_format(&clean, &mut converted, rule, OnOciOnly::Convert)
            .unwrap()
            .unwrap();
        assert_eq!(converted.media_type.as_deref(), Some(media_type::OCI_INDEX));
        assert_eq!(
            converted.manifests, annotated.manifests,
            "entries untouched"
        );
        assert_eq!(
            change.notice("l"),
            "note: l is now an OCI image index: a Docker manifest list cannot hold annotations ($.manifests[0].annotations)"
        );
        // An OCI list before the edit stays as it is.
        let mut oci_before = clean.clone();
        oci_before.media_type = Some(media_type::OCI_INDEX.into());
        let mut oci = annotated.clone();
        oci.media_type = oci_before.media_type.clone();
        assert_eq!(
            settle_format(&oci_before, &mut oci, rule, OnOciOnly::Refuse),
            Ok(None)
        );
        // No format chosen: docker's rule decides from the first entry; an empty list had none.
        let mut unchosen = annotated.clone();
        unchosen.media_type = None;
        let empty = create(ListFormat::Oci);
        let empty = ImageIndex {
            media_type: None,
            ..empty
        };
        assert!(settle_format(
            &empty,
            &mut unchosen.clone(),
            FormatRule::Docker,
            OnOciOnly::Refuse
        )
        .is_err());
        // podman's rule makes it OCI by itself; from an empty list there is nothing to announce.
        assert_eq!(
            settle_format(&empty, &mut unchosen.clone(), rule, OnOciOnly::Refuse),
            Ok(None)
        );
        let mut was_docker = clean.clone();
        was_docker.media_type = None;
        assert!(settle_format(
            &was_docker,
            &mut unchosen,
            FormatRule::Docker,
            OnOciOnly::Convert
        )
        .unwrap()
        .is_some());
        unchosen.manifests[0].media_type = media_type::OCI_MANIFEST.into();
        unchosen.media_type = None;
        let oci_first = unchosen.clone();
        assert_eq!(
            settle_format(&empty, &mut unchosen, FormatRule::Docker, OnOciOnly::Refuse),
            Ok(None),
            "docker writes an OCI index when the first entry is OCI"
        );
        assert_eq!(unchosen, oci_first);

        let mut subject = clean.clone();
        subject.subject = Some(Descriptor::of(media_type::OCI_MANIFEST, b"s"));
        assert_eq!(docker_cannot_hold(&subject).unwrap().1, "subject");
        let mut artifact = clean.clone();
        artifact.manifests[0].platform = None;
        assert_eq!(docker_cannot_hold(&artifact).unwrap().0, "$.manifests[0]");
        let mut typed = clean;
        typed.manifests[0].artifact_type = Some("application/x".into());
        assert_eq!(docker_cannot_hold(&typed).unwrap().1, "artifactType");
    }

    #[test]
    fn the_written_format_follows_the_chosen_type_else_the_rule() {
        let mut idx = docker_list();
        assert_eq!(written_format(&idx, FormatRule::Podman), ListFormat::Docker);
        idx.media_type = None;
        // docker: the first entry decides; podman: Docker only for Docker-only content.
        assert_eq!(written_format(&idx, FormatRule::Docker), ListFormat::Docker);
        assert_eq!(written_format(&idx, FormatRule::Podman), ListFormat::Oci);
        idx.manifests[0].media_type = media_type::OCI_MANIFEST.into();
        assert_eq!(written_format(&idx, FormatRule::Docker), ListFormat::Oci);
    }
}
