//! podman's `manifest inspect` form: its "dockerized" union of both list types, indented with
//! four spaces; the media type is what podman would save (OCI unless the list is empty).

use manifold_engine::json::go;
use manifold_engine::media_type;
use manifold_engine::model::ImageIndex;
use manifold_engine::serialize::{DockerList, PodmanEntry};

use crate::error::{CliError, CliResult};
use crate::store::{LocalList, Store};

/// The media type podman gives a list: the engine's rule, `serialize::podman_media_type`.
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
            .map(|d| PodmanEntry::of(d, true))
            .collect(),
        subject: index.subject.as_ref(),
        annotations: index.annotations.as_ref(),
    };
    let mut out = go::to_vec(&list, "    ");
    out.push(b'\n');
    out
}

/// podman's form of a failure raised in words shared by every personality (a registry's
/// refusal, a source that cannot be read): `Error: ` before it and exit 125, as podman ends
/// every failed command. podman's own texts (already `Error: …`) and silent exits pass.
pub fn failure(e: CliError) -> CliError {
    if e.code == 1 && !e.message.is_empty() && !e.message.starts_with("Error: ") {
        return error(e.message);
    }
    e
}

/// containers/image transports podman takes that name no registry or OCI layout.
const UNREADABLE_TRANSPORTS: &[&str] = &[
    "containers-storage:",
    "dir:",
    "docker-archive:",
    "docker-daemon:",
    "oci-archive:",
    "sif:",
    "tarball:",
];

/// `podman manifest inspect` of a list in a registry (podman 4.3): the list as containers/image's
/// Docker schema2 list, four-space indent; annotations, subject and artifactType do not show.
pub fn remote_list_bytes(index: &ImageIndex) -> Vec<u8> {
    let mut plain = index.clone();
    plain.media_type = Some(media_type::DOCKER_LIST.to_string());
    plain.artifact_type = None;
    plain.subject = None;
    plain.annotations = None;
    for d in &mut plain.manifests {
        d.annotations = None;
        d.artifact_type = None;
        d.data = None;
        // containers/image's ToSchema2List gives an entry without a platform the host's.
        if d.platform.is_none() {
            d.platform = Some(host_platform());
        }
    }
    inspect_bytes(&plain)
}

/// This machine's platform in Go's words (runtime.GOOS / runtime.GOARCH).
fn host_platform() -> manifold_engine::model::Platform {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    };
    manifold_engine::model::Platform {
        architecture: arch.to_string(),
        os: std::env::consts::OS.to_string(),
        ..Default::default()
    }
}

/// podman's report of a remote read that tried several references (`(reference, error)` in
/// the order tried): the first failure as `reading image "docker://REF": ERR`, each later one
/// before the earlier ones as `tried reading image "docker://REF": ERR` and a new line.
pub fn reading_failures(failures: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (reference, error)) in failures.iter().enumerate() {
        out = if i == 0 {
            format!("reading image \"docker://{reference}\": {error}")
        } else {
            format!("tried reading image \"docker://{reference}\": {error}\n: {out}")
        };
    }
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

    fn list_exists(&self, _raw: &str, name: &str, list: Option<&LocalList>) -> CliError {
        match list {
            Some(list) => error(format!(
                "creating image to hold manifest list: image name {name:?} is already associated with image {:?}: that name is already in use",
                super::list_id(list)
            )),
            None => error(format!("image name {name:?} is already associated with an existing manifest list; use --amend to add to it")),
        }
    }

    fn no_list_to_push(&self, raw: &str, _name: &str) -> CliError {
        error(format!(
            "retrieving local image from image name {raw}: {raw}: image not known"
        ))
    }

    fn entry_not_found(&self, _raw: &str, name: &str, image: &str) -> CliError {
        if manifold_engine::Digest::parse(image).is_ok() {
            // podman's (containers/common's) words for a digest that is in no entry.
            return error(format!(
                "no OCI manifest matching digest {image:?} was found in list: no image instance matching the specified digest was found in the list or index"
            ));
        }
        error(format!(
            "no instance matching {image:?} found in manifest list {name}"
        ))
    }

    fn image_argument<'a>(&self, raw: &'a str) -> CliResult<&'a str> {
        if let Some(rest) = raw.strip_prefix("docker://") {
            return Ok(rest);
        }
        match UNREADABLE_TRANSPORTS.iter().find(|t| raw.starts_with(*t)) {
            Some(t) => Err(error(format!(
                "{raw}: the {} transport is not supported: manifold reads images from registries \
                 (docker://) and OCI layouts (oci:PATH[:TAG]) only; push the image to a registry first",
                t.trim_end_matches(':')
            ))),
            None => Ok(raw),
        }
    }

    fn bad_image(&self, raw: &str, e: &crate::source::LocationError) -> CliError {
        error(format!("parsing reference {raw:?}: {e}"))
    }

    fn bad_instance(
        &self,
        list_raw: &str,
        _raw: &str,
        selector: &str,
        _e: &manifold_engine::ops::OpsError,
    ) -> CliError {
        // podman's words, ending in the Go error it wraps (os.ErrNotExist).
        error(format!(
            "removing from manifest list {list_raw}: no instance matching digest {selector:?} found in manifest list: file does not exist"
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

    fn pushed(&self, _raw: &str, _digest: &manifold_engine::Digest) -> Option<String> {
        // `podman manifest push` prints nothing on stdout; its progress goes to stderr.
        None
    }

    fn no_list_to_delete(&self, raw: &str, _name: &str) -> CliError {
        CliError::failed(format!("Error: {raw}: image not known"))
    }

    fn list_deleted(&self, name: &str, list: Option<&LocalList>) -> Option<String> {
        // podman untags the name, then deletes the image that held the list, by its ID.
        Some(match list {
            Some(list) => format!("Untagged: {name}\nDeleted: {}", super::list_id(list)),
            None => format!("Untagged: {name}"),
        })
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
        Ok(push_bytes_of(&list.index))
    }
}

/// The bytes pack pushes: the list as OCI JSON under the media type podman saves.
pub fn oci_push_bytes(list: &LocalList) -> Vec<u8> {
    let mut index = list.index.clone();
    index.media_type = Some(media_type_of(&list.index).to_string());
    manifold_engine::serialize::oci_bytes(&index)
}

/// The bytes podman pushes for `index`: the engine's `serialize::podman_bytes`.
pub fn push_bytes_of(index: &ImageIndex) -> Vec<u8> {
    manifold_engine::serialize::podman_bytes(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Words;

    #[test]
    fn docker_transport_is_dropped_and_unreadable_ones_refused() {
        assert_eq!(Podman.image_argument("docker://r/a:1").unwrap(), "r/a:1");
        assert_eq!(Podman.image_argument("oci:/x:t").unwrap(), "oci:/x:t");
        let e = Podman.image_argument("containers-storage:a").unwrap_err();
        assert_eq!(e.code, 125);
        assert!(e.message.starts_with(
            "Error: containers-storage:a: the containers-storage transport is not supported"
        ));
        // docker has no transports: the text stays, and fails as docker fails it.
        assert_eq!(
            crate::output::docker::Docker
                .image_argument("docker://r/a")
                .unwrap(),
            "docker://r/a"
        );
    }

    #[test]
    fn shared_failures_take_podmans_form_and_its_own_texts_pass() {
        let e = failure(CliError::failed("boom"));
        assert_eq!((e.message.as_str(), e.code), ("Error: boom", 125));
        let e = failure(CliError::silent(1));
        assert_eq!((e.message.as_str(), e.code), ("", 1));
        let e = failure(Podman.no_list_to_delete("x", "localhost/x:latest"));
        assert_eq!(
            (e.message.as_str(), e.code),
            ("Error: x: image not known", 1)
        );
    }

    #[test]
    fn a_registry_list_shows_as_a_docker_list_with_the_hosts_platform_for_bare_entries() {
        let index: ImageIndex = serde_json::from_str(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","annotations":{"a":"b"},
            "manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2,"annotations":{"c":"d"}}]}"#,
        )
        .unwrap();
        let shown: serde_json::Value = serde_json::from_slice(&remote_list_bytes(&index)).unwrap();
        assert_eq!(shown["mediaType"], media_type::DOCKER_LIST);
        assert!(shown.get("annotations").is_none());
        assert!(shown["manifests"][0].get("annotations").is_none());
        assert_eq!(
            shown["manifests"][0]["platform"]["os"],
            std::env::consts::OS
        );
    }

    #[test]
    fn several_failed_reads_are_reported_last_first() {
        assert_eq!(
            reading_failures(&[("a/x:latest".into(), "e1".into())]),
            "reading image \"docker://a/x:latest\": e1"
        );
        assert_eq!(
            reading_failures(&[("a/x:latest".into(), "e1".into()), ("b/x:latest".into(), "e2".into())]),
            "tried reading image \"docker://b/x:latest\": e2\n: reading image \"docker://a/x:latest\": e1"
        );
    }
}
