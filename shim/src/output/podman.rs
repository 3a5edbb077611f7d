//! podman's `manifest inspect` form: its "dockerized" union of both list types, indented with
//! four spaces; the media type is what podman would save (the engine's
//! `serialize::podman_media_type`: OCI unless the list is empty).

use manifold_engine::json::go;
use manifold_engine::model::{Annotations, ImageIndex};
use manifold_engine::serialize::{DockerList, DockerPlatform};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::store::{LocalList, Store};

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

/// podman's words for the failures and success lines of the list commands.
pub struct Podman;

/// podman's form of every failure: `Error: ` before the message, exit code 125.
fn error(message: String) -> CliError {
    CliError::with_code(format!("Error: {message}"), 125)
}

impl super::Words for Podman {
    fn bad_list_name(&self, raw: &str, e: &manifold_engine::reference::ReferenceError) -> CliError {
        error(format!("parsing name {raw:?}: {e}"))
    }

    fn no_such_list(&self, raw: &str, _name: &str) -> CliError {
        error(format!("{raw}: image not known"))
    }

    fn list_exists(&self, _raw: &str, name: &str) -> CliError {
        error(format!("image name {name:?} is already associated with an existing manifest list; use --amend to add to it"))
    }

    fn entry_not_found(&self, _raw: &str, name: &str, image: &str) -> CliError {
        error(format!(
            "no instance matching {image:?} found in manifest list {name}"
        ))
    }

    fn bad_image(&self, raw: &str, e: &crate::source::LocationError) -> CliError {
        error(format!("parsing reference {raw:?}: {e}"))
    }

    fn bad_destination(&self, raw: &str, e: &crate::source::LocationError) -> CliError {
        CliError::failed(format!("invalid destination {raw:?}: {e}"))
    }

    fn bad_instance(
        &self,
        _raw: &str,
        selector: &str,
        e: &manifold_engine::ops::OpsError,
    ) -> CliError {
        error(format!(
            "no instance matching digest {selector:?} found in manifest list: {e}"
        ))
    }

    fn list_created(&self, _raw: &str, _name: &str, list: &LocalList) -> Option<String> {
        Some(super::list_id(list))
    }

    fn images_added(&self, _images: &[String], list: &LocalList) -> Option<String> {
        Some(super::list_id(list))
    }

    fn annotated(&self, _raw: &str, _image: &str, list: &LocalList) -> Option<String> {
        Some(super::list_id(list))
    }

    fn list_deleted(&self, name: &str) -> Option<String> {
        Some(format!("Untagged: {name}"))
    }

    fn list_document(
        &self,
        _store: &Store,
        list: &LocalList,
        _verbose: bool,
    ) -> CliResult<Vec<u8>> {
        Ok(inspect_bytes(&list.index))
    }

    fn push_bytes(&self, list: &LocalList) -> CliResult<Vec<u8>> {
        Ok(oci_push_bytes(list))
    }
}

/// The bytes podman and pack push: the list as OCI JSON under the media type podman saves.
pub fn oci_push_bytes(list: &LocalList) -> Vec<u8> {
    let mut index = list.index.clone();
    index.media_type = Some(media_type_of(&list.index).to_string());
    manifold_engine::serialize::oci_bytes(&index)
}
