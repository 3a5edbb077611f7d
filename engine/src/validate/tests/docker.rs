//! Docker's schema 2 documents: the list's exact media type, entries that need a platform,
//! OCI-only fields (warnings, as docker ignores them) and docker manifest rules.
//!
//! Apart from the OCI files because docker's rules are a separate specification with its own
//! severities.

use super::*;

#[test]
fn docker_list_media_type_is_required_exactly() {
    let doc = edit(
        DOCKER_LIST,
        "\"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n",
        "",
    );
    let r = run(&doc, DocumentKind::ManifestList);
    only(
        &r,
        "$.mediaType",
        "mediaType is required for a Docker manifest list",
        Severity::Error,
    );
    // Without it, the shape says OCI index.
    assert_eq!(auto(&doc).kind, "index");
}

#[test]
fn docker_list_entries_need_a_platform() {
    let doc = edit(
        DOCKER_LIST,
        ",\n         \"platform\": {\n            \"architecture\": \"arm64\",\n            \"os\": \"linux\",\n            \"variant\": \"v8\"\n         }",
        "",
    );
    only(
        &auto(&doc),
        "$.manifests[1].platform",
        "platform is required in a Docker manifest list entry",
        Severity::Error,
    );
}

#[test]
fn oci_only_fields_in_docker_documents_are_warnings() {
    let doc = edit(
        DOCKER_LIST,
        "\"size\": 523,",
        "\"size\": 523, \"annotations\": {\"a\": \"b\"}, \"urls\": [\"https://x\"],",
    );
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 2, "{:#?}", r.problems);
    assert!(at(&r, "$.manifests[0].annotations")
        .message
        .contains("Docker tools drop it"));
    assert_eq!(at(&r, "$.manifests[0].urls").severity, Severity::Warning);
    assert!(r.valid);

    let doc = edit(
        DOCKER_LIST,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"annotations\": {}, \"subject\": {}, \"artifactType\": \"a/b\",",
    );
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 3, "{:#?}", r.problems);
    assert!(r.problems.iter().all(|p| p.severity == Severity::Warning));

    let doc = edit(
        DOCKER_MANIFEST,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"annotations\": {\"a\": \"b\"},",
    );
    only(
        &auto(&doc),
        "$.annotations",
        "not define",
        Severity::Warning,
    );
}

#[test]
fn docker_list_entry_media_types() {
    let doc = edit(
        DOCKER_LIST,
        "\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\"",
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].mediaType",
        "mixed",
        Severity::Warning,
    );
}

#[test]
fn docker_manifest_rules() {
    let doc = edit(
        DOCKER_MANIFEST,
        "\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n",
        "",
    );
    only(
        &run(&doc, DocumentKind::DockerManifest),
        "$.mediaType",
        "mediaType is required for a Docker image manifest",
        Severity::Error,
    );
    let doc = edit(
        DOCKER_MANIFEST,
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.oci.image.config.v1+json",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.config.mediaType",
        "is not a Docker config type",
        Severity::Warning,
    );
    assert_eq!(
        spanned(&doc, p),
        "\"application/vnd.oci.image.config.v1+json\""
    );
}
