//! podman's `manifest inspect` form: its "dockerized" union of both list types, indented with
//! four spaces; the media type is what podman would save (OCI unless the list is empty).

use manifold_engine::json::go;
use manifold_engine::media_type;
use manifold_engine::model::{Annotations, Descriptor, ImageIndex, Platform};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct List<'a> {
    schema_version: u32,
    media_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    manifests: Vec<Entry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a Descriptor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a Annotations>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    media_type: &'a str,
    size: u64,
    digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<&'a Vec<String>>,
    platform: PlatformOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a Annotations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a str>,
}

#[derive(Serialize)]
struct PlatformOut<'a> {
    architecture: &'a str,
    os: &'a str,
    #[serde(rename = "os.version", skip_serializing_if = "Option::is_none")]
    os_version: Option<&'a str>,
    #[serde(rename = "os.features", skip_serializing_if = "Option::is_none")]
    os_features: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<&'a Vec<String>>,
}

/// The media type podman gives a list: the chosen one, else Docker when empty and OCI otherwise.
pub fn media_type_of(index: &ImageIndex) -> &str {
    match index.media_type.as_deref() {
        Some(mt) => mt,
        None if index.manifests.is_empty() => media_type::DOCKER_LIST,
        None => media_type::OCI_INDEX,
    }
}

pub fn inspect_bytes(index: &ImageIndex) -> Vec<u8> {
    let empty = Platform::default();
    let list = List {
        schema_version: 2,
        media_type: media_type_of(index),
        artifact_type: index.artifact_type.as_deref(),
        manifests: index
            .manifests
            .iter()
            .map(|d| {
                let p = d.platform.as_ref().unwrap_or(&empty);
                Entry {
                    media_type: &d.media_type,
                    size: d.size,
                    digest: d.digest.as_str(),
                    urls: d.urls.as_ref(),
                    platform: PlatformOut {
                        architecture: &p.architecture,
                        os: &p.os,
                        os_version: p.os_version.as_deref(),
                        os_features: p.os_features.as_ref(),
                        variant: p.variant.as_deref(),
                        features: p.features.as_ref(),
                    },
                    annotations: d.annotations.as_ref(),
                    artifact_type: d.artifact_type.as_deref(),
                    data: d.data.as_deref(),
                }
            })
            .collect(),
        subject: index.subject.as_ref(),
        annotations: index.annotations.as_ref(),
    };
    let mut out = go::to_vec(&list, "    ");
    out.push(b'\n');
    out
}
