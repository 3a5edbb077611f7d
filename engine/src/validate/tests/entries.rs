//! An index's entries as platforms: required and unknown os / architecture / variant, duplicate
//! platforms and the entry each repeat names, and child media types.
//!
//! These are the rules that decide what a list can be resolved to, hence their own file.

use super::*;

#[test]
fn missing_platform_is_a_warning_for_image_manifests() {
    let doc = edit(
        OCI_INDEX,
        ",\n      \"platform\": {\n        \"architecture\": \"amd64\",\n        \"os\": \"linux\"\n      }",
        "",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].platform",
        "platform is missing",
        Severity::Warning,
    );
    assert!(spanned(&doc, p).starts_with('{') && spanned(&doc, p).contains(AMD64_DIGEST));
    assert!(r.valid);
    assert_eq!(r.entries[0].platform, None);
}

#[test]
fn nested_indexes_and_artifacts_need_no_platform() {
    let doc = r#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "size": 7682,
         "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7"},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 12,
         "artifactType": "application/vnd.example.sbom.v1",
         "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7"}
    ]}"#;
    let r = auto(doc);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
}

#[test]
fn platform_os_and_architecture_are_required_strings() {
    let doc = edit(OCI_INDEX, ",\n        \"os\": \"linux\"\n", "\n");
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].platform.os",
        "platform.os is required",
        Severity::Error,
    );
    assert!(spanned(&doc, p).starts_with('{') && spanned(&doc, p).contains("\"amd64\""));

    let doc = edit(
        OCI_INDEX,
        "\"architecture\": \"amd64\"",
        "\"architecture\": 64",
    );
    only(
        &auto(&doc),
        "$.manifests[0].platform.architecture",
        "architecture is a number; expected a string",
        Severity::Error,
    );

    let doc = edit(
        OCI_INDEX,
        "\"variant\": \"v8\"",
        "\"variant\": \"v8\", \"os.features\": [\"a\", 1]",
    );
    only(
        &auto(&doc),
        "$.manifests[1].platform[\"os.features\"][1]",
        "os.features[1] is a number",
        Severity::Error,
    );

    let doc = edit(
        OCI_INDEX,
        "\"platform\": {\n        \"architecture\": \"amd64\",\n        \"os\": \"linux\"\n      }",
        "\"platform\": \"linux/amd64\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].platform",
        "platform is a string; expected an object",
        Severity::Error,
    );
}

#[test]
fn unknown_os_architecture_and_variant_are_warnings() {
    let doc = edit(
        OCI_INDEX,
        "\"architecture\": \"amd64\"",
        "\"architecture\": \"x86_64\"",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].platform.architecture",
        "architecture \"x86_64\" is not a GOARCH value; use \"amd64\"",
        Severity::Warning,
    );
    assert_eq!(spanned(&doc, p), "\"x86_64\"");

    let doc = edit(
        OCI_INDEX,
        "\"architecture\": \"amd64\"",
        "\"architecture\": \"z80\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].platform.architecture",
        "not a known GOARCH value",
        Severity::Warning,
    );

    let doc = edit(OCI_INDEX, "\"os\": \"linux\"", "\"os\": \"templeos\"");
    only(
        &auto(&doc),
        "$.manifests[0].platform.os",
        "not a known GOOS value",
        Severity::Warning,
    );

    let doc = edit(OCI_INDEX, "\"variant\": \"v8\"", "\"variant\": \"v7\"");
    only(
        &auto(&doc),
        "$.manifests[1].platform.variant",
        "variant \"v7\" is not a known arm64 variant",
        Severity::Warning,
    );

    // OCI reserves `features`; Docker lists use it for CPU features.
    let doc = edit(
        OCI_INDEX,
        "\"variant\": \"v8\"",
        "\"variant\": \"v8\", \"features\": [\"sse4\"]",
    );
    only(
        &auto(&doc),
        "$.manifests[1].platform.features",
        "RESERVED",
        Severity::Warning,
    );
    let doc = edit(
        DOCKER_LIST,
        "\"variant\": \"v8\"",
        "\"variant\": \"v8\", \"features\": [\"sse4\"]",
    );
    assert!(auto(&doc).problems.is_empty());
}

#[test]
fn duplicate_platforms_are_warnings_naming_both_entries() {
    let doc = edit(
        OCI_INDEX,
        "\"architecture\": \"arm64\"",
        "\"architecture\": \"amd64\"",
    );
    let doc = edit(&doc, "\"variant\": \"v8\"", "\"variant\": \"v1\"");
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[1].platform",
        "manifests[1] has the same platform as manifests[0] (linux/amd64/v1; manifests[0] writes it linux/amd64)",
        Severity::Warning,
    );
    assert!(spanned(&doc, p).starts_with('{') && spanned(&doc, p).contains("\"v1\""));

    // Different os.version: different platforms (Windows images).
    let doc = r#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7",
         "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.1"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7",
         "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.1"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7",
         "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.1"}}
    ]}"#;
    let r = auto(doc);
    only(
        &r,
        "$.manifests[2].platform",
        "as manifests[0] (windows/amd64:10.0.17763.1)",
        Severity::Warning,
    );
}

#[test]
fn every_repeat_of_a_platform_names_its_first_entry_in_document_order() {
    let entry = |arch: &str| {
        format!(
            r#"{{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7", "platform": {{"architecture": "{arch}", "os": "linux"}}}}"#
        )
    };
    let archs = [
        "arm64", "amd64", "x86_64", "arm64", "riscv64", "amd64", "aarch64",
    ];
    let doc = format!(
        r#"{{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{}]}}"#,
        archs.map(entry).join(", ")
    );
    let r = auto(&doc);
    // x86_64 is amd64 and aarch64 is arm64 once normalised (their spellings get their own
    // warnings, left out here).
    let got: Vec<(&str, &str)> = r
        .problems
        .iter()
        .filter_map(|p| {
            let first = p.message.split("same platform as ").nth(1)?;
            Some((p.path.as_str(), first.split(' ').next()?))
        })
        .collect();
    assert_eq!(
        got,
        [
            ("$.manifests[2].platform", "manifests[1]"),
            ("$.manifests[3].platform", "manifests[0]"),
            ("$.manifests[5].platform", "manifests[1]"),
            ("$.manifests[6].platform", "manifests[0]"),
        ],
        "{:#?}",
        r.problems
    );
}

#[test]
fn unknown_child_media_types_are_at_most_warnings() {
    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
        "\"mediaType\": \"application/vnd.example.future.v2+json\"",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].mediaType",
        "is not a manifest or index type",
        Severity::Warning,
    );
    assert_eq!(
        spanned(&doc, p),
        "\"application/vnd.example.future.v2+json\""
    );

    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
        "\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].mediaType",
        "Docker type in an OCI index",
        Severity::Warning,
    );
}

#[test]
fn a_compression_annotation_tells_entries_of_one_platform_apart() {
    let entry = |annotations: &str| {
        format!(
            r#"{{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7"{annotations}, "platform": {{"architecture": "amd64", "os": "linux"}}}}"#
        )
    };
    let doc = |second: &str| {
        format!(
            r#"{{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{}, {}]}}"#,
            entry(""),
            entry(second)
        )
    };
    // podman's zstd instance beside the gzip one: clients that know zstd can choose it.
    let zstd = doc(r#", "annotations": {"io.github.containers.compression.zstd": "true"}"#);
    assert!(
        auto(&zstd).problems.is_empty(),
        "{:#?}",
        auto(&zstd).problems
    );
    // Any other annotation tells no client anything: the second can only be reached by digest.
    let other = doc(r#", "annotations": {"org.example": "x"}"#);
    only(
        &auto(&other),
        "$.manifests[1].platform",
        "has the same platform as manifests[0]",
        Severity::Warning,
    );
}
