//! podman's `manifest inspect` form: its "dockerized" union of both list types, indented with
//! four spaces; the media type is what podman would save (the engine's
//! `serialize::podman_media_type`: OCI unless the list is empty).

use manifold_engine::json::go;
use manifold_engine::model::{Annotations, ImageIndex};
use manifold_engine::serialize::{DockerList, DockerPlatform};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    media_type: &'a str,
    size: u64,
    digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<&'a Vec<String>>,
    platform: DockerPlatform<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a Annotations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a str>,
}

/// The media type podman gives a list (the engine's rule, `serialize::podman_media_type`).
pub fn media_type_of(index: &ImageIndex) -> &str {
    manifold_engine::serialize::podman_media_type(index)
}

pub fn inspect_bytes(index: &ImageIndex) -> Vec<u8> {
    let list = DockerList {
        schema_version: 2,
        media_type: media_type_of(index),
        artifact_type: index.artifact_type.as_deref(),
        manifests: index
            .manifests
            .iter()
            .map(|d| Entry {
                media_type: &d.media_type,
                size: d.size,
                digest: d.digest.as_str(),
                urls: d.urls.as_ref(),
                platform: DockerPlatform::of(d.platform.as_ref()),
                annotations: d.annotations.as_ref(),
                artifact_type: d.artifact_type.as_deref(),
                data: d.data.as_deref(),
            })
            .collect(),
        subject: index.subject.as_ref(),
        annotations: index.annotations.as_ref(),
    };
    let mut out = go::to_vec(&list, "    ");
    out.push(b'\n');
    out
}
