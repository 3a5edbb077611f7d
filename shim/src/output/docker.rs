//! docker's output, byte for byte: `inspect` of local lists, their entries and `-v` forms
//! (docker-manifest.md §4). The order docker keeps entries in is the engine's
//! (`serialize::docker_order`), since the pushed digest depends on it.

use base64::Engine as _;
use manifold_engine::json::{go, indent};
use manifold_engine::model::Descriptor;
use manifold_engine::reference::Reference;
use manifold_engine::{media_type, serialize};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::store::{LocalList, Store};

/// Entry indexes in docker's order (the engine's rule, `serialize::docker_order`).
pub fn docker_order(list: &LocalList) -> Vec<usize> {
    let sources: Vec<Option<&str>> = list.sources.iter().map(Option::as_deref).collect();
    serialize::docker_order(&list.index, &sources)
}

/// The list as docker pushes and prints it: entries in docker's order, the stored platform,
/// docker's media type rule unless a format was chosen. `check_domain` applies docker's rule
/// that every entry comes from the list's registry (`inspect` and `push` of docker).
pub fn list_bytes(list: &LocalList, check_domain: Option<&str>) -> CliResult<Vec<u8>> {
    let mut index = list.index.clone();
    index.manifests = docker_order(list)
        .into_iter()
        .map(|i| list.index.manifests[i].clone())
        .collect();
    if let Some(prefix) = check_domain {
        let list_ref =
            Reference::parse_normalized(&list.name).map_err(|e| CliError::failed(e.to_string()))?;
        for i in docker_order(list) {
            if let Some(src) = list.sources[i].as_deref() {
                if let Ok(r) = Reference::parse_normalized(src) {
                    if r.domain() != list_ref.domain() {
                        return Err(CliError::failed(format!(
                            "{prefix}cannot use source images from a different registry than the target image: {} != {}",
                            r.domain(),
                            list_ref.domain()
                        )));
                    }
                }
            }
        }
    }
    Ok(serialize::docker_bytes(
        &index,
        list.index.media_type.as_deref(),
    ))
}

#[derive(Serialize)]
struct ImageManifestHead<'a> {
    #[serde(rename = "Ref")]
    reference: &'a str,
    #[serde(rename = "Descriptor")]
    descriptor: &'a Descriptor,
    #[serde(rename = "Raw")]
    raw: String,
}

/// docker's `types.ImageManifest` as `json.Marshal` writes it: Ref, Descriptor, Raw (base64),
/// then the manifest compacted with HTML escapes under SchemaV2Manifest or OCIManifest.
pub fn image_manifest_json(reference: &str, descriptor: &Descriptor, raw: &[u8]) -> Vec<u8> {
    let head = ImageManifestHead {
        reference,
        descriptor,
        raw: base64::engine::general_purpose::STANDARD.encode(raw),
    };
    let mut out = go::to_vec(&head, "");
    let key = match descriptor.media_type.as_str() {
        media_type::DOCKER_MANIFEST => Some("SchemaV2Manifest"),
        media_type::OCI_MANIFEST => Some("OCIManifest"),
        _ => None,
    };
    if let Some(key) = key {
        out.pop(); // the closing brace
        out.extend_from_slice(format!(",\"{key}\":").as_bytes());
        out.extend_from_slice(&indent::reformat(raw, "", true));
        out.push(b'}');
    }
    out
}

/// The reference docker records for an entry: the one it was added as.
fn entry_ref(list: &LocalList, i: usize) -> String {
    list.sources[i].clone().unwrap_or_else(|| {
        let name = list.name.split('@').next().unwrap_or(&list.name);
        let repo = name
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(name, |(r, _)| r);
        format!("{repo}@{}", list.index.manifests[i].digest)
    })
}

/// `docker manifest inspect -v LIST` of a local list: a tab-indented JSON array.
pub fn list_verbose(store: &Store, list: &LocalList) -> CliResult<Vec<u8>> {
    let mut compact = b"[".to_vec();
    for (n, i) in docker_order(list).into_iter().enumerate() {
        let d = &list.index.manifests[i];
        let raw = store.read_blob(&list.name, &d.digest)?;
        if n > 0 {
            compact.push(b',');
        }
        compact.extend_from_slice(&image_manifest_json(&entry_ref(list, i), d, &raw));
    }
    compact.push(b']');
    let mut out = indent::reformat(&compact, "\t", false);
    out.push(b'\n');
    Ok(out)
}

/// `docker manifest inspect LIST IMAGE` of a local entry: the stored (compacted, HTML-escaped)
/// manifest re-indented with tabs; with `-v` the entry's ImageManifest.
pub fn entry(store: &Store, list: &LocalList, i: usize, verbose: bool) -> CliResult<Vec<u8>> {
    let d = &list.index.manifests[i];
    let raw = store.read_blob(&list.name, &d.digest)?;
    let mut out = if verbose {
        indent::reformat(
            &image_manifest_json(&entry_ref(list, i), d, &raw),
            "\t",
            false,
        )
    } else {
        indent::reformat(&indent::reformat(&raw, "", true), "\t", false)
    };
    out.push(b'\n');
    Ok(out)
}

/// docker's words for the failures and success lines of the list commands.
pub struct Docker;

/// The `Usage:` line docker prints with a usage mistake in `command` (its cobra `UseLine`;
/// manifold's own commands in the same form).
pub fn usage_line(command: &str) -> String {
    let args = match command {
        "create" => "MANIFEST_LIST MANIFEST [MANIFEST...]",
        "annotate" => "[OPTIONS] MANIFEST_LIST MANIFEST",
        "inspect" => "[OPTIONS] [MANIFEST_LIST] MANIFEST",
        "push" => "[OPTIONS] MANIFEST_LIST",
        "rm" => "MANIFEST_LIST [MANIFEST_LIST...]",
        "add" => "[OPTIONS] MANIFEST_LIST MANIFEST [MANIFEST...]",
        "remove" => "MANIFEST_LIST DIGEST [DIGEST...]",
        "exists" => "MANIFEST_LIST",
        _ => "",
    };
    format!("docker manifest {command} {args}")
        .trim_end()
        .to_string()
}

/// docker's `No such manifest: NAME`, also its answer to `inspect LIST IMAGE` of a missing entry.
pub fn no_such_manifest(name: &str) -> CliError {
    CliError::failed(format!("No such manifest: {name}"))
}

/// docker's wording for an entry `annotate` cannot find, and for the list it is in not being there.
fn no_entry_in(image: &str, raw: &str) -> CliError {
    CliError::failed(format!(
        "manifest for image {image} does not exist in {raw}"
    ))
}

impl super::Words for Docker {
    fn bad_list_name(&self, raw: &str, e: &manifold_engine::reference::ReferenceError) -> CliError {
        let raw = crate::error::shown(raw);
        CliError::failed(format!("error parsing name for manifest list {raw}: {e}"))
    }

    /// docker prints the bare parse error here, not "error parsing name…".
    fn bad_list_name_to_push(
        &self,
        _raw: &str,
        e: &manifold_engine::reference::ReferenceError,
    ) -> CliError {
        CliError::from(e.clone())
    }

    fn bad_list_name_to_annotate(
        &self,
        raw: &str,
        e: &manifold_engine::reference::ReferenceError,
    ) -> CliError {
        let inner = self.bad_list_name(raw, e);
        CliError::failed(format!("annotate: {}", inner.message))
    }

    fn no_such_list(&self, _raw: &str, name: &str) -> CliError {
        no_such_manifest(name)
    }

    fn no_list_to_annotate(&self, raw: &str, _name: &str, image: &str) -> CliError {
        no_entry_in(image, raw)
    }

    fn list_exists(&self, _raw: &str, _name: &str, _list: Option<&LocalList>) -> CliError {
        CliError::failed("refusing to amend an existing manifest list with no --amend flag")
    }

    fn entry_not_found(&self, raw: &str, _name: &str, image: &str) -> CliError {
        no_entry_in(image, raw)
    }

    fn bad_image(&self, _raw: &str, e: &crate::source::LocationError) -> CliError {
        CliError::failed(e.to_string())
    }

    fn bad_destination(&self, _raw: &str, e: &crate::source::LocationError) -> CliError {
        CliError::failed(e.to_string())
    }

    fn bad_instance(
        &self,
        _list_raw: &str,
        _raw: &str,
        _selector: &str,
        e: &manifold_engine::ops::OpsError,
    ) -> CliError {
        CliError::from(e.clone())
    }

    fn bad_entry_name(&self, image: &str, e: &crate::source::LocationError) -> Option<CliError> {
        Some(CliError::failed(format!(
            "annotate: error parsing name for manifest {}: {e}",
            crate::error::shown(image)
        )))
    }

    fn unsupported_platform(
        &self,
        platform: &manifold_engine::model::Platform,
        os: &str,
        arch: &str,
    ) -> Option<CliError> {
        if manifold_engine::platform::docker_annotate_allows(&platform.os, &platform.architecture) {
            return None;
        }
        Some(CliError::failed(format!(
            "manifest entry for image has unsupported os/arch combination: {os}/{arch}"
        )))
    }

    fn empty_push(&self, name: &str) -> Option<CliError> {
        Some(CliError::failed(format!("{name} not found")))
    }

    fn list_created(&self, _raw: &str, name: &str, _list: &LocalList) -> Option<String> {
        Some(format!("Created manifest list {name}"))
    }

    fn images_added(&self, _images: &[String], list: &LocalList) -> Option<String> {
        Some(super::list_id(list))
    }

    fn annotated(&self, _raw: &str, _image: &str, _list: &LocalList) -> Option<String> {
        None
    }

    fn list_document(&self, store: &Store, list: &LocalList, verbose: bool) -> CliResult<Vec<u8>> {
        if verbose {
            return list_verbose(store, list);
        }
        let mut b = list_bytes(list, Some("failed to assemble ManifestDescriptor: "))?;
        b.push(b'\n');
        Ok(b)
    }

    fn push_bytes(&self, list: &LocalList) -> CliResult<Vec<u8>> {
        list_bytes(list, None)
    }

    /// docker's flag-error hook: the sentence, its usage line, where help is; exit 125.
    fn unknown_flag(&self, command: &str, problem: &str) -> CliError {
        CliError::with_code(
            format!(
                "{problem}\n\nUsage:  {}\n\nRun 'docker manifest {command} --help' for more information",
                usage_line(command)
            ),
            125,
        )
    }
}
