//! Image manifests: the media type for the kind, fields that belong to indexes, config and
//! layers, and the empty config that needs an artifactType.

use super::*;

#[test]
fn manifest_media_type_wrong_for_the_kind() {
    let doc = edit(
        OCI_MANIFEST,
        "application/vnd.oci.image.manifest.v1+json\",\n  \"config\"",
        "application/vnd.oci.image.index.v1+json\",\n  \"config\"",
    );
    let r = run(&doc, DocumentKind::Manifest);
    only(
        &r,
        "$.mediaType",
        "mediaType \"application/vnd.oci.image.index.v1+json\" is wrong for an OCI image manifest; expected \"application/vnd.oci.image.manifest.v1+json\"",
        Severity::Error,
    );
}

#[test]
fn manifests_in_a_manifest_is_an_error() {
    let doc = edit(
        OCI_MANIFEST,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"manifests\": [],",
    );
    let r = auto(&doc);
    assert_eq!(r.kind, "manifest");
    let p = only(
        &r,
        "$.manifests",
        "does not belong in an OCI image manifest",
        Severity::Error,
    );
    assert_eq!(spanned(&doc, p), "[]");
}

#[test]
fn manifest_config_and_layers() {
    let start = OCI_MANIFEST.find("\"config\"").unwrap();
    let end = OCI_MANIFEST.find("\"layers\"").unwrap();
    let doc = format!("{}{}", &OCI_MANIFEST[..start], &OCI_MANIFEST[end..]);
    only(
        &run(&doc, DocumentKind::Manifest),
        "$.config",
        "config is required",
        Severity::Error,
    );

    // The prose makes an empty or missing `layers` a SHOULD, not the schema's MUST.
    let start = OCI_MANIFEST.find("\"layers\"").unwrap();
    let end = OCI_MANIFEST.find("\"subject\"").unwrap();
    let doc = format!(
        "{}\"layers\": [],\n  {}",
        &OCI_MANIFEST[..start],
        &OCI_MANIFEST[end..]
    );
    only(
        &auto(&doc),
        "$.layers",
        "layers is empty",
        Severity::Warning,
    );
    let doc = format!(
        "{}\"layers\": null,\n  {}",
        &OCI_MANIFEST[..start],
        &OCI_MANIFEST[end..]
    );
    only(&auto(&doc), "$.layers", "layers is null", Severity::Warning);
    let doc = format!("{}{}", &OCI_MANIFEST[..start], &OCI_MANIFEST[end..]);
    only(
        &auto(&doc),
        "$.layers",
        "layers is missing",
        Severity::Warning,
    );

    let doc = edit(OCI_MANIFEST, "\"size\": 16724", "\"size\": -5");
    only(
        &auto(&doc),
        "$.layers[1].size",
        "size is -5",
        Severity::Error,
    );
    let doc = edit(OCI_MANIFEST, "\"size\": 7682", "\"size\": \"big\"");
    only(
        &auto(&doc),
        "$.subject.size",
        "size is a string",
        Severity::Error,
    );
}

#[test]
fn an_empty_config_needs_an_artifact_type() {
    let doc = edit(
        OCI_ARTIFACT,
        "\"artifactType\": \"application/vnd.example+type\",\n",
        "",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.artifactType",
        "artifactType is required when config.mediaType is \"application/vnd.oci.empty.v1+json\"",
        Severity::Error,
    );
    assert_eq!(spanned(&doc, p), "\"application/vnd.oci.empty.v1+json\"");
}

#[test]
fn manifests_in_a_docker_manifest_is_an_error() {
    let doc = edit(
        DOCKER_MANIFEST,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"manifests\": [{\"mediaType\": \"x/y\"}],",
    );
    let r = auto(&doc);
    assert_eq!(r.kind, "docker-manifest");
    assert!(!r.valid);
    let p = only(
        &r,
        "$.manifests",
        "manifests is an index field",
        Severity::Error,
    );
    assert!(p.message.contains("CVE-2021-41190"));
}
