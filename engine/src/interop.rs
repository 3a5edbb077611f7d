//! Conversions into oci-spec's types, for Rust programs built on that crate. They are lossy
//! where oci-spec is: `os.version` and `os.features` have no place there (its fields are named
//! `os_version`/`os_features` in JSON), annotations become a `HashMap` (order lost), unknown
//! fields are dropped. The tests below pin each difference, so a reader sees exactly what a
//! round trip through oci-spec costs.

use oci_spec::image as oci;

use crate::model::{Descriptor, ImageIndex, ImageManifest, Platform};

/// Why a conversion failed (oci-spec refuses something the engine's model holds).
#[derive(Debug)]
pub struct InteropError(pub String);

impl std::fmt::Display for InteropError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot convert to oci-spec: {}", self.0)
    }
}

impl std::error::Error for InteropError {}

fn err(e: impl std::fmt::Display) -> InteropError {
    InteropError(e.to_string())
}

pub fn platform(p: &Platform) -> Result<oci::Platform, InteropError> {
    let mut b = oci::PlatformBuilder::default();
    b = b
        .architecture(oci::Arch::from(p.architecture.as_str()))
        .os(oci::Os::from(p.os.as_str()));
    if let Some(v) = &p.os_version {
        b = b.os_version(v.clone());
    }
    if let Some(f) = &p.os_features {
        b = b.os_features(f.clone());
    }
    if let Some(v) = &p.variant {
        b = b.variant(v.clone());
    }
    b.build().map_err(err)
}

pub fn descriptor(d: &Descriptor) -> Result<oci::Descriptor, InteropError> {
    let digest: oci_spec::image::Digest = d.digest.as_str().parse().map_err(err)?;
    let mut out = oci::Descriptor::new(oci::MediaType::from(d.media_type.as_str()), d.size, digest);
    if let Some(u) = &d.urls {
        out.set_urls(Some(u.clone()));
    }
    if let Some(a) = &d.annotations {
        out.set_annotations(Some(
            a.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ));
    }
    if let Some(p) = &d.platform {
        out.set_platform(Some(platform(p)?));
    }
    if let Some(t) = &d.artifact_type {
        out.set_artifact_type(Some(oci::MediaType::from(t.as_str())));
    }
    if let Some(data) = &d.data {
        out.set_data(Some(data.clone()));
    }
    Ok(out)
}

pub fn image_index(i: &ImageIndex) -> Result<oci::ImageIndex, InteropError> {
    let manifests = i
        .manifests
        .iter()
        .map(descriptor)
        .collect::<Result<Vec<_>, _>>()?;
    let mut b = oci::ImageIndexBuilder::default()
        .schema_version(i.schema_version)
        .manifests(manifests);
    if let Some(mt) = &i.media_type {
        b = b.media_type(oci::MediaType::from(mt.as_str()));
    }
    if let Some(t) = &i.artifact_type {
        b = b.artifact_type(oci::MediaType::from(t.as_str()));
    }
    if let Some(s) = &i.subject {
        b = b.subject(descriptor(s)?);
    }
    if let Some(a) = &i.annotations {
        b = b.annotations(
            a.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<std::collections::HashMap<_, _>>(),
        );
    }
    b.build().map_err(err)
}

pub fn image_manifest(m: &ImageManifest) -> Result<oci::ImageManifest, InteropError> {
    let layers = m
        .layers
        .iter()
        .map(descriptor)
        .collect::<Result<Vec<_>, _>>()?;
    let mut b = oci::ImageManifestBuilder::default()
        .schema_version(m.schema_version)
        .config(descriptor(&m.config)?)
        .layers(layers);
    if let Some(mt) = &m.media_type {
        b = b.media_type(oci::MediaType::from(mt.as_str()));
    }
    if let Some(t) = &m.artifact_type {
        b = b.artifact_type(oci::MediaType::from(t.as_str()));
    }
    if let Some(s) = &m.subject {
        b = b.subject(descriptor(s)?);
    }
    if let Some(a) = &m.annotations {
        b = b.annotations(
            a.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<std::collections::HashMap<_, _>>(),
        );
    }
    b.build().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;

    const WINDOWS_LIST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":523,"digest":"sha256:e7265efdd02057d4d286d4fd257864dea35b846bfb1b281f45c3191411e13682","platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"]},"x-vendor":"kept"}]}"#;

    #[test]
    fn conversion_keeps_what_oci_spec_can_hold() {
        let doc: Document<ImageIndex> = Document::parse(WINDOWS_LIST.as_bytes().to_vec()).unwrap();
        let converted = image_index(&doc.value).unwrap();
        let p = converted.manifests()[0].platform().as_ref().unwrap();
        assert_eq!(p.os_version().as_deref(), Some("10.0.17763.1"));
        assert_eq!(
            p.os_features().as_ref().unwrap(),
            &vec!["win32k".to_string()]
        );
    }

    #[test]
    fn oci_spec_parsing_drops_os_version_and_unknown_fields_where_the_engine_keeps_them() {
        // The engine's model: os.version, os.features and the vendor field survive.
        let ours: Document<ImageIndex> = Document::parse(WINDOWS_LIST.as_bytes().to_vec()).unwrap();
        let p = ours.value.manifests[0].platform.as_ref().unwrap();
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763.1"));
        assert!(ours.value.manifests[0].extra.contains_key("x-vendor"));
        // oci-spec reading the same bytes: os.version and os.features are gone.
        let theirs: oci::ImageIndex = serde_json::from_str(WINDOWS_LIST).unwrap();
        let tp = theirs.manifests()[0].platform().as_ref().unwrap();
        assert_eq!(
            tp.os_version(),
            &None,
            "oci-spec 0.10 drops os.version (no serde rename)"
        );
        assert_eq!(tp.os_features(), &None, "oci-spec 0.10 drops os.features");
        let rewritten = serde_json::to_string(&theirs).unwrap();
        assert!(
            !rewritten.contains("x-vendor"),
            "oci-spec drops unknown fields"
        );
    }

    #[test]
    fn oci_spec_rewrites_armbe() {
        let theirs = oci::Arch::from("armbe");
        assert_eq!(
            theirs.to_string(),
            "arm64be",
            "oci-spec 0.10 maps armbe to arm64be"
        );
        let ours = Platform::new("linux", "armbe");
        assert_eq!(
            serde_json::to_value(&ours).unwrap()["architecture"],
            "armbe"
        );
    }
}
