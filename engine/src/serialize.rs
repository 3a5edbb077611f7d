//! The bytes of every list the tool authors. A list's digest is the sha256 of exactly these
//! bytes, so each style reproduces one peer's encoder precisely:
//!
//! - [`Style::Docker`]: what `docker manifest push` 28.2.2 sends (distribution's
//!   `manifestlist.FromDescriptors`): 3-space indent, entry keys `mediaType, size, digest, urls,
//!   annotations, platform`, `platform` always present, no trailing newline.
//! - [`Style::Oci`]: image-spec's Go structs through `json.Marshal` (podman, regctl, oras):
//!   compact, entry keys `mediaType, digest, size, urls, annotations, data, platform, artifactType`.
//!
//! Both escape `<`, `>`, `&`, U+2028 and U+2029 as Go does.

use serde::Serialize;

use crate::json::go;
use crate::media_type;
use crate::model::{Annotations, Descriptor, ImageIndex, Platform};

/// How an authored list is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Docker,
    Oci,
}

/// docker's media type rule: an OCI index when the first entry is an OCI manifest, else a
/// Docker manifest list (also for an empty list).
pub fn docker_list_media_type(entries: &[Descriptor]) -> &'static str {
    match entries.first() {
        Some(d) if d.media_type == media_type::OCI_MANIFEST => media_type::OCI_INDEX,
        _ => media_type::DOCKER_LIST,
    }
}

/// podman's media type rule for a list it saves (containers/image's `Serialize("")`, pkg/manifests
/// `preferOCI`): the chosen one, else Docker when empty, Docker when an entry has platform
/// `features` (Docker-only) and nothing OCI-only is there, else OCI. It decides the pushed
/// bytes (and so the digest) of the podman and pack personalities, and what their `inspect`
/// prints.
pub fn podman_media_type(index: &ImageIndex) -> &str {
    match index.media_type.as_deref() {
        Some(mt) => mt,
        None if index.manifests.is_empty() => media_type::DOCKER_LIST,
        None if docker_only(index) && !oci_only(index) => media_type::DOCKER_LIST,
        None => media_type::OCI_INDEX,
    }
}

/// True when an entry's platform has `features`, which only a Docker list holds.
fn docker_only(index: &ImageIndex) -> bool {
    index.manifests.iter().any(|d| {
        d.platform
            .as_ref()
            .and_then(|p| p.features.as_ref())
            .is_some_and(|f| !f.is_empty())
    })
}

/// True when the list holds what only an OCI index can: annotations, a subject, an
/// artifactType, an entry's annotations, artifactType or data.
fn oci_only(index: &ImageIndex) -> bool {
    index.annotations.as_ref().is_some_and(|a| !a.is_empty())
        || index.subject.is_some()
        || index.artifact_type.is_some()
        || index.manifests.iter().any(|d| {
            d.annotations.as_ref().is_some_and(|a| !a.is_empty())
                || d.artifact_type.is_some()
                || d.data.is_some()
        })
}

/// An entry of a list as containers/image writes a Docker list (`Schema2List`) and podman's
/// inspect shows it: `mediaType`, `size`, `digest` (size before digest, unlike docker's and
/// image-spec's order), `urls`, `platform`, then what only OCI holds.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodmanEntry<'a> {
    pub media_type: &'a str,
    pub size: u64,
    pub digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urls: Option<&'a Vec<String>>,
    pub platform: DockerPlatform<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<&'a Annotations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a str>,
}

impl<'a> PodmanEntry<'a> {
    /// The entry for `d`; with `oci_fields`, its annotations, artifactType and data too (podman's
    /// inspect shows them; a pushed Docker list cannot hold them).
    pub fn of(d: &'a Descriptor, oci_fields: bool) -> PodmanEntry<'a> {
        PodmanEntry {
            media_type: &d.media_type,
            size: d.size,
            digest: d.digest.as_str(),
            urls: d.urls.as_ref(),
            platform: DockerPlatform::of(d.platform.as_ref()),
            annotations: d.annotations.as_ref().filter(|_| oci_fields),
            artifact_type: d.artifact_type.as_deref().filter(|_| oci_fields),
            data: d.data.as_deref().filter(|_| oci_fields),
        }
    }
}

/// The bytes podman pushes for `index` (converted first when `--format` asked): an OCI index
/// in image-spec's field order, or, when its media type is a Docker list, containers/image's
/// `Schema2List` compact (entries `mediaType`, `size`, `digest`, `urls`, `platform`; Docker's
/// platform fields, `features` included).
pub fn podman_bytes(index: &ImageIndex) -> Vec<u8> {
    let mt = podman_media_type(index);
    if mt != media_type::DOCKER_LIST {
        let mut index = index.clone();
        index.media_type = Some(mt.to_string());
        return oci_bytes(&index);
    }
    let list = DockerList {
        schema_version: 2,
        media_type: mt,
        artifact_type: None,
        manifests: index
            .manifests
            .iter()
            .map(|d| PodmanEntry::of(d, false))
            .collect(),
        subject: None,
        annotations: None,
    };
    crate::json::go::to_vec(&list, "")
}

/// docker's store file name of a reference (`:` → `-`, `/` → `_`), the key it sorts a list's
/// entries by.
pub fn docker_file_name(reference: &str) -> String {
    reference.replace(':', "-").replace('/', "_")
}

/// Entry positions in docker's order. docker keeps a list's entries as files named after each
/// entry's source reference and reads them back sorted, so that is the order it pushes and
/// prints them in, which the pushed bytes (and digest) depend on. `sources[i]` is where entry
/// `i` was added from; an entry without one sorts last, by digest.
pub fn docker_order(index: &ImageIndex, sources: &[Option<&str>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..index.manifests.len()).collect();
    let key = |i: usize| {
        sources
            .get(i)
            .copied()
            .flatten()
            .map(docker_file_name)
            .unwrap_or_else(|| format!("~{}", index.manifests[i].digest))
    };
    order.sort_by_key(|&i| key(i));
    order
}

/// distribution's `ManifestList`, in Go's field order, with the index fields docker's type
/// lacks after `manifests`. The entry type is the writer's: docker's pushed form here, podman's
/// inspect form in the CLI.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerList<'a, E> {
    pub schema_version: u32,
    pub media_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<&'a str>,
    pub manifests: Vec<E>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a Descriptor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<&'a Annotations>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DockerEntry<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    media_type: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    size: u64,
    digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "no_annotations")]
    annotations: Option<&'a Annotations>,
    platform: DockerPlatform<'a>,
}

/// distribution's `PlatformSpec`: architecture and os always written, even empty; the rest
/// only when set. podman's inspect writes entry platforms the same way.
#[derive(Serialize)]
pub struct DockerPlatform<'a> {
    architecture: &'a str,
    os: &'a str,
    #[serde(rename = "os.version", skip_serializing_if = "is_empty_opt")]
    os_version: Option<&'a str>,
    #[serde(rename = "os.features", skip_serializing_if = "is_empty_vec")]
    os_features: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "is_empty_opt")]
    variant: Option<&'a str>,
    #[serde(skip_serializing_if = "is_empty_vec")]
    features: Option<&'a Vec<String>>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
fn is_empty_opt(s: &Option<&str>) -> bool {
    s.is_none_or(str::is_empty)
}
fn is_empty_vec(v: &Option<&Vec<String>>) -> bool {
    v.is_none_or(|v| v.is_empty())
}
fn no_annotations(a: &Option<&Annotations>) -> bool {
    a.is_none_or(|a| a.is_empty())
}

impl<'a> DockerPlatform<'a> {
    pub fn of(p: Option<&'a Platform>) -> Self {
        match p {
            Some(p) => DockerPlatform {
                architecture: &p.architecture,
                os: &p.os,
                os_version: p.os_version.as_deref(),
                os_features: p.os_features.as_ref(),
                variant: p.variant.as_deref(),
                features: p.features.as_ref(),
            },
            None => DockerPlatform {
                architecture: "",
                os: "",
                os_version: None,
                os_features: None,
                variant: None,
                features: None,
            },
        }
    }
}

/// The bytes `docker manifest push` would send for these entries: the list is exactly
/// `FromDescriptors(entries)`. The media type follows docker's first-entry rule unless `media_type`
/// is given. Fields docker's list type cannot hold (index annotations, subject, artifactType)
/// are written after `manifests` in Go's field order, so a docker-only list stays byte-identical.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn docker_bytes(index: &ImageIndex, media_type: Option<&str>) -> Vec<u8> {
    let mt = media_type.unwrap_or_else(|| docker_list_media_type(&index.manifests));
    let list = DockerList {
        schema_version: 2,
        media_type: mt,
        artifact_type: index.artifact_type.as_deref(),
        manifests: index
            .manifests
            .iter()
            .map(|d| DockerEntry {
                media_type: &d.media_type,
                size: d.size,
                digest: d.digest.as_str(),
                urls: d.urls.as_ref(),
                annotations: d.annotations.as_ref(),
                platform: DockerPlatform::of(d.platform.as_ref()),
            })
            .collect(),
        subject: index.subject.as_ref(),
        annotations: index.annotations.as_ref().filter(|a| !a.is_empty()),
    };
    go::to_vec(&list, "   ")
}

/// image-spec's Go struct order through `json.Marshal` (compact), as podman writes an index.
/// Unknown fields kept from a document that was read come last, in their original order.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn oci_bytes(index: &ImageIndex) -> Vec<u8> {
    go::to_vec(index, "")
}

/// The bytes of `index` in `style`.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn to_bytes(index: &ImageIndex, style: Style) -> Vec<u8> {
    match style {
        Style::Docker => docker_bytes(index, index.media_type.as_deref()),
        Style::Oci => oci_bytes(index),
    }
}

/// A stand-alone descriptor, as `json.Marshal` writes image-spec's `Descriptor`.
pub fn descriptor_bytes(d: &Descriptor) -> Vec<u8> {
    go::to_vec(d, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::model::Document;

    const DOCKER_PUSHED: &str = r#"{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 521,
         "digest": "sha256:ca0b2c8dde5244261dfe50b043e213b871f183b547a80d7e13f61f67e61edf4d",
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         }
      },
      {
         "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "size": 556,
         "digest": "sha256:460f4128d429d0d1d2bbd8fa04f3f751243a2f656eaed1820b6c2ed3c143746f",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "os.version": "1.2",
            "os.features": [
               "f1",
               "f2"
            ],
            "variant": "v7"
         }
      }
   ]
}"#;

    fn entry(mt: &str, size: u64, digest: &str, p: Platform) -> Descriptor {
        let mut d = Descriptor::new(mt, Digest::parse(digest).unwrap(), size);
        d.platform = Some(p);
        d
    }

    #[test]
    fn reproduces_the_list_docker_pushed() {
        // The body docker 28.2.2 sent on the wire (research notes §5.4), digest c19f6a2d….
        let mut arm = Platform::new("linux", "arm");
        arm.os_version = Some("1.2".into());
        arm.os_features = Some(vec!["f1".into(), "f2".into()]);
        arm.variant = Some("v7".into());
        let mut index = ImageIndex::new(media_type::DOCKER_LIST);
        index.media_type = None;
        index.manifests = vec![
            entry(
                media_type::DOCKER_MANIFEST,
                521,
                "sha256:ca0b2c8dde5244261dfe50b043e213b871f183b547a80d7e13f61f67e61edf4d",
                Platform::new("linux", "amd64"),
            ),
            entry(
                media_type::OCI_MANIFEST,
                556,
                "sha256:460f4128d429d0d1d2bbd8fa04f3f751243a2f656eaed1820b6c2ed3c143746f",
                arm,
            ),
        ];
        let bytes = docker_bytes(&index, None);
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), DOCKER_PUSHED);
        assert_eq!(bytes.len(), 876);
        assert_eq!(
            Digest::sha256(&bytes).as_str(),
            "sha256:c19f6a2de9eac41861df3fb854b6e232a7189e43ac5a600b28dd77c81d6daa15"
        );
    }

    #[test]
    fn re_serialising_a_docker_list_gives_the_same_bytes() {
        let doc: Document<ImageIndex> = Document::parse(DOCKER_PUSHED.as_bytes().to_vec()).unwrap();
        assert_eq!(docker_bytes(&doc.value, None), DOCKER_PUSHED.as_bytes());
    }

    #[test]
    fn first_entry_decides_the_docker_media_type() {
        let mut index = ImageIndex::new(media_type::OCI_INDEX);
        assert_eq!(
            docker_list_media_type(&index.manifests),
            media_type::DOCKER_LIST
        );
        index
            .manifests
            .push(Descriptor::of(media_type::OCI_MANIFEST, b"x"));
        assert_eq!(
            docker_list_media_type(&index.manifests),
            media_type::OCI_INDEX
        );
    }

    #[test]
    fn docker_orders_by_escaped_source_and_podman_picks_oci() {
        let mut index = ImageIndex::new(media_type::OCI_INDEX);
        index.media_type = None;
        assert_eq!(podman_media_type(&index), media_type::DOCKER_LIST);
        for b in [b"a", b"b", b"c"] {
            index
                .manifests
                .push(Descriptor::of(media_type::OCI_MANIFEST, b));
        }
        assert_eq!(podman_media_type(&index), media_type::OCI_INDEX);
        // "r/x:2" escapes to "r_x-2", which sorts after "r_x-1"; no source sorts last.
        let order = docker_order(&index, &[Some("r/x:2"), None, Some("r/x:1")]);
        assert_eq!(order, vec![2, 0, 1]);
        assert_eq!(docker_file_name("a.io/b:c"), "a.io_b-c");
    }

    #[test]
    fn absent_platform_is_written_empty_like_distribution() {
        let mut index = ImageIndex::new(media_type::DOCKER_LIST);
        index
            .manifests
            .push(Descriptor::of(media_type::DOCKER_MANIFEST, b"x"));
        let text = String::from_utf8(docker_bytes(&index, None)).unwrap();
        assert!(text.contains("\"platform\": {\n            \"architecture\": \"\",\n            \"os\": \"\"\n         }"), "{text}");
    }

    #[test]
    fn oci_style_matches_podman_key_order_and_escapes() {
        let mut d = Descriptor::new(
            media_type::DOCKER_MANIFEST,
            Digest::parse(
                "sha256:e7265efdd02057d4d286d4fd257864dea35b846bfb1b281f45c3191411e13682",
            )
            .unwrap(),
            523,
        );
        d.annotations = Some([("org.example.k".to_string(), "v".to_string())].into());
        let mut p = Platform::new("linux", "amd64");
        p.os_version = Some("1.2.3".into());
        d.platform = Some(p);
        let mut index = ImageIndex::new(media_type::OCI_INDEX);
        index.manifests.push(d);
        let text = String::from_utf8(oci_bytes(&index)).unwrap();
        assert_eq!(
            text,
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:e7265efdd02057d4d286d4fd257864dea35b846bfb1b281f45c3191411e13682","size":523,"annotations":{"org.example.k":"v"},"platform":{"architecture":"amd64","os":"linux","os.version":"1.2.3"}}]}"#
        );
        index.annotations = Some([("k".to_string(), "<&>".to_string())].into());
        assert!(String::from_utf8(oci_bytes(&index))
            .unwrap()
            .ends_with(r#""annotations":{"k":"\u003c\u0026\u003e"}}"#));
    }
}
