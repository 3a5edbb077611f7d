//! OCI 1.1 artifact manifests made from files: what `add --artifact` puts in a list (podman 5's
//! `manifest add --artifact` surface, containers/common's `AddArtifact` rules).
//!
//! The manifest is image-spec's: `artifactType` (default `application/vnd.unknown.artifact.v1`,
//! as podman and oras write when none is given), a config that is the empty descriptor
//! (`application/vnd.oci.empty.v1+json`, `{}` embedded as `data: "e30="`) unless a config file
//! is given (then typed `application/vnd.oci.image.config.v1+json` unless told otherwise), one
//! layer per file with an `org.opencontainers.image.title` of the file's name, an optional
//! `subject` and annotations. The entry for the list carries the manifest's `artifactType` and
//! no platform: an artifact runs nowhere. The shim reads the files and hashes them; everything
//! about the documents is decided here.

use std::fmt;

use crate::digest::Digest;
use crate::media_type;
use crate::model::{Annotations, Descriptor, Extra, ImageManifest};

/// podman's and oras's artifactType when none is given.
pub const UNKNOWN_ARTIFACT_TYPE: &str = "application/vnd.unknown.artifact.v1";
/// The bytes of the empty descriptor, and their `data` in base64.
pub const EMPTY_JSON: &[u8] = b"{}";
pub const EMPTY_JSON_DATA: &str = "e30=";
/// The annotation naming a layer's file (`org.opencontainers.image.title`).
pub const TITLE_ANNOTATION: &str = "org.opencontainers.image.title";

/// One file of an artifact, as the shim read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactFile {
    /// The file's name without its folder: the layer's title, and its extension the type guess.
    pub name: String,
    pub digest: Digest,
    pub size: u64,
    /// Its first bytes (up to 512), to guess a type from when the name does not tell.
    pub head: Vec<u8>,
}

/// How to build the artifact (the `--artifact-*` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArtifactSpec {
    /// `--artifact-type`: `None` is the unknown type; `Some("")` asks for none at all.
    pub artifact_type: Option<String>,
    /// `--artifact-config`: the config blob's bytes.
    pub config: Option<Vec<u8>>,
    /// `--artifact-config-type`.
    pub config_type: Option<String>,
    /// `--artifact-layer-type`: every file's type (else guessed per file).
    pub layer_type: Option<String>,
    /// `--artifact-subject`: the descriptor of the manifest the artifact is about.
    pub subject: Option<Descriptor>,
    /// `--artifact-annotation`: the manifest's annotations.
    pub annotations: Annotations,
    /// `--artifact-exclude-titles`: no title annotation on the layers.
    pub exclude_titles: bool,
}

/// An artifact made: its manifest's exact bytes, the config blob's bytes, and the list entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub manifest: Vec<u8>,
    pub config: Vec<u8>,
    pub descriptor: Descriptor,
}

/// Why the artifact cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArtifactError {
    NoFiles,
    /// An empty artifactType with the empty config: image-spec requires a type then.
    TypeRequired,
    BadMediaType {
        flag: &'static str,
        value: String,
    },
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactError::NoFiles => {
                f.write_str("--artifact needs at least one file: add --artifact LIST FILE...")
            }
            ArtifactError::TypeRequired => write!(
                f,
                "--artifact-type is empty, but an artifact whose config is the empty descriptor \
                 must declare its type (image-spec); give a type such as \
                 application/vnd.example+type, or a config with --artifact-config"
            ),
            ArtifactError::BadMediaType { flag, value } => write!(
                f,
                "{flag} {value:?} is not a media type; write it as type/subtype (RFC 6838), \
                 e.g. application/vnd.example+type"
            ),
        }
    }
}

impl std::error::Error for ArtifactError {}

/// The type of a file's contents when `--artifact-layer-type` is not given: Go's built-in
/// extension table (what `mime.TypeByExtension` knows on every system), else a sniff of the
/// first bytes in the spirit of `http.DetectContentType`, parameters dropped as podman does.
pub fn guess_layer_type(name: &str, head: &[u8]) -> &'static str {
    if let Some((_, ext)) = name.rsplit_once('.') {
        let by_ext = match ext.to_ascii_lowercase().as_str() {
            "avif" => Some("image/avif"),
            "css" => Some("text/css"),
            "gif" => Some("image/gif"),
            "htm" | "html" => Some("text/html"),
            "jpeg" | "jpg" => Some("image/jpeg"),
            "js" | "mjs" => Some("text/javascript"),
            "json" => Some("application/json"),
            "pdf" => Some("application/pdf"),
            "png" => Some("image/png"),
            "svg" => Some("image/svg+xml"),
            "wasm" => Some("application/wasm"),
            "webp" => Some("image/webp"),
            "xml" => Some("text/xml"),
            _ => None,
        };
        if let Some(t) = by_ext {
            return t;
        }
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x1f\x8b\x08", "application/x-gzip"),
        (b"PK\x03\x04", "application/zip"),
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\0asm", "application/wasm"),
    ];
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return t;
    }
    let text = std::str::from_utf8(head)
        .map(|s| s.chars().all(|c| !c.is_control() || c.is_whitespace()))
        // A cut in the middle of a character at the end of the sample is still text.
        .unwrap_or_else(|e| e.error_len().is_none() && head.len() >= 512);
    if text && !head.is_empty() {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

fn checked(flag: &'static str, value: &str) -> Result<String, ArtifactError> {
    if media_type::is_valid(value) {
        Ok(value.to_string())
    } else {
        Err(ArtifactError::BadMediaType {
            flag,
            value: value.to_string(),
        })
    }
}

/// Builds the artifact manifest for `files` as `spec` says, and the list entry for it.
pub fn build(files: &[ArtifactFile], spec: &ArtifactSpec) -> Result<Artifact, ArtifactError> {
    if files.is_empty() {
        return Err(ArtifactError::NoFiles);
    }
    let config_type = spec
        .config_type
        .as_deref()
        .map(|t| checked("--artifact-config-type", t))
        .transpose()?;
    let layer_type = spec
        .layer_type
        .as_deref()
        .map(|t| checked("--artifact-layer-type", t))
        .transpose()?;
    let (config_bytes, config_type) = match &spec.config {
        Some(bytes) => (
            bytes.clone(),
            config_type.unwrap_or_else(|| media_type::OCI_CONFIG.to_string()),
        ),
        None => (
            EMPTY_JSON.to_vec(),
            config_type.unwrap_or_else(|| media_type::OCI_EMPTY.to_string()),
        ),
    };
    let mut config = Descriptor::of(&config_type, &config_bytes);
    if config_type == media_type::OCI_EMPTY && config_bytes == EMPTY_JSON {
        config.data = Some(EMPTY_JSON_DATA.to_string());
    }
    let artifact_type = match spec.artifact_type.as_deref() {
        None => Some(UNKNOWN_ARTIFACT_TYPE.to_string()),
        Some("") if config_type == media_type::OCI_EMPTY => {
            return Err(ArtifactError::TypeRequired)
        }
        Some("") => None,
        Some(t) => Some(checked("--artifact-type", t)?),
    };
    let layers = files
        .iter()
        .map(|f| {
            let t = layer_type
                .clone()
                .unwrap_or_else(|| guess_layer_type(&f.name, &f.head).to_string());
            let mut d = Descriptor::new(&t, f.digest.clone(), f.size);
            if !spec.exclude_titles && !f.name.is_empty() {
                d.annotations = Some([(TITLE_ANNOTATION.to_string(), f.name.clone())].into());
            }
            d
        })
        .collect();
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_string()),
        artifact_type: artifact_type.clone(),
        config,
        layers,
        subject: spec.subject.clone(),
        annotations: (!spec.annotations.is_empty()).then(|| spec.annotations.clone()),
        extra: Extra::new(),
    };
    let bytes = crate::json::go::to_vec(&manifest, "");
    let mut descriptor = Descriptor::of(media_type::OCI_MANIFEST, &bytes);
    descriptor.artifact_type = artifact_type;
    Ok(Artifact {
        manifest: bytes,
        config: config_bytes,
        descriptor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{validate, DocumentKind};

    fn file(name: &str, bytes: &[u8]) -> ArtifactFile {
        ArtifactFile {
            name: name.into(),
            digest: Digest::sha256(bytes),
            size: bytes.len() as u64,
            head: bytes[..bytes.len().min(512)].to_vec(),
        }
    }

    #[test]
    fn the_default_artifact_is_typed_unknown_with_the_empty_config_and_titled_layers() {
        let a = build(
            &[file("notes.txt", b"hello\n"), file("data", b"\x00\x01")],
            &ArtifactSpec::default(),
        )
        .unwrap();
        let text = String::from_utf8(a.manifest.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}},"layers":[{{"mediaType":"text/plain","digest":"{}","size":6,"annotations":{{"org.opencontainers.image.title":"notes.txt"}}}},{{"mediaType":"application/octet-stream","digest":"{}","size":2,"annotations":{{"org.opencontainers.image.title":"data"}}}}]}}"#,
                Digest::sha256(b"hello\n"),
                Digest::sha256(b"\x00\x01")
            )
        );
        assert_eq!(a.config, b"{}");
        assert_eq!(a.descriptor.digest, Digest::sha256(&a.manifest));
        assert_eq!(
            a.descriptor.artifact_type.as_deref(),
            Some(UNKNOWN_ARTIFACT_TYPE)
        );
        assert_eq!(a.descriptor.platform, None);
        // What manifold makes, its own validator accepts without a word.
        let r = validate(&a.manifest, DocumentKind::Auto);
        assert!(r.valid && r.problems.is_empty(), "{:#?}", r.problems);
    }

    #[test]
    fn flags_set_the_types_config_subject_and_annotations() {
        let subject = Descriptor::of(media_type::OCI_MANIFEST, b"the image");
        let spec = ArtifactSpec {
            artifact_type: Some("application/vnd.example.sbom".into()),
            config: Some(br#"{"a":"b"}"#.to_vec()),
            config_type: None,
            layer_type: Some("application/spdx+json".into()),
            subject: Some(subject.clone()),
            annotations: [("k".to_string(), "v".to_string())].into(),
            exclude_titles: true,
        };
        let a = build(&[file("sbom.json", b"{}")], &spec).unwrap();
        let m: ImageManifest = serde_json::from_slice(&a.manifest).unwrap();
        assert_eq!(m.config.media_type, media_type::OCI_CONFIG);
        assert_eq!(m.config.data, None);
        assert_eq!(m.layers[0].media_type, "application/spdx+json");
        assert_eq!(m.layers[0].annotations, None);
        assert_eq!(m.subject, Some(subject));
        assert_eq!(m.annotations.unwrap()["k"], "v");
        let r = validate(&a.manifest, DocumentKind::Auto);
        assert!(r.valid && r.problems.is_empty(), "{:#?}", r.problems);

        // An empty type with a config: no artifactType at all (podman's rule).
        let untyped = ArtifactSpec {
            artifact_type: Some(String::new()),
            ..spec.clone()
        };
        assert_eq!(
            build(&[file("x", b"1")], &untyped)
                .unwrap()
                .descriptor
                .artifact_type,
            None
        );
        // ...but the empty config requires one.
        let e = build(
            &[file("x", b"1")],
            &ArtifactSpec {
                artifact_type: Some(String::new()),
                ..ArtifactSpec::default()
            },
        )
        .unwrap_err();
        assert_eq!(e, ArtifactError::TypeRequired);
        assert_eq!(
            build(&[], &ArtifactSpec::default()),
            Err(ArtifactError::NoFiles)
        );
        let bad = ArtifactSpec {
            layer_type: Some("nonsense".into()),
            ..ArtifactSpec::default()
        };
        assert!(build(&[file("x", b"1")], &bad)
            .unwrap_err()
            .to_string()
            .contains("--artifact-layer-type \"nonsense\" is not a media type"));
    }

    #[test]
    fn layer_types_are_guessed_from_the_name_then_the_bytes() {
        assert_eq!(guess_layer_type("a.JSON", b"x"), "application/json");
        assert_eq!(
            guess_layer_type("a.tar.gz", b"\x1f\x8b\x08\0"),
            "application/x-gzip"
        );
        assert_eq!(guess_layer_type("README", b"plain words\n"), "text/plain");
        assert_eq!(
            guess_layer_type("blob", b"\x00\xff"),
            "application/octet-stream"
        );
        assert_eq!(guess_layer_type("empty", b""), "application/octet-stream");
    }
}
