//! The index's own fields: schemaVersion, manifests, mediaType, and the fields an index must
//! not or may hold (manifest fields, artifactType, subject, annotations).

use super::*;

#[test]
fn schema_version_must_be_the_integer_2() {
    for (value, part) in [
        ("3", "schemaVersion is 3; expected 2"),
        ("2.0", "schemaVersion is 2.0; expected the integer 2"),
        ("2e0", "expected the integer 2"),
        (
            "\"2\"",
            "schemaVersion is a string (\"2\"); expected the number 2",
        ),
        ("null", "schemaVersion is null; expected the number 2"),
    ] {
        let doc = edit(
            OCI_INDEX,
            "\"schemaVersion\": 2",
            &format!("\"schemaVersion\": {value}"),
        );
        let r = auto(&doc);
        let p = only(&r, "$.schemaVersion", part, Severity::Error);
        assert_eq!(spanned(&doc, p), value);
    }
    let doc = edit(OCI_INDEX, "\"schemaVersion\": 2,", "");
    only(
        &auto(&doc),
        "$.schemaVersion",
        "schemaVersion is required; expected 2",
        Severity::Error,
    );
}

#[test]
fn manifests_is_required_and_may_be_empty() {
    let start = OCI_INDEX.find("\"manifests\"").unwrap();
    let end = OCI_INDEX.find("\"annotations\": {\n    \"org").unwrap();
    let without = format!("{}{}", &OCI_INDEX[..start], &OCI_INDEX[end..]);
    let r = run(&without, DocumentKind::Index);
    let p = only(
        &r,
        "$.manifests",
        "manifests is required; expected an array",
        Severity::Error,
    );
    assert_eq!(spanned(&without, p), without);

    let empty = format!(
        "{}\"manifests\": [],\n  {}",
        &OCI_INDEX[..start],
        &OCI_INDEX[end..]
    );
    assert!(
        auto(&empty).problems.is_empty(),
        "{:#?}",
        auto(&empty).problems
    );

    let doc = format!(
        "{}\"manifests\": {{}},\n  {}",
        &OCI_INDEX[..start],
        &OCI_INDEX[end..]
    );
    only(
        &auto(&doc),
        "$.manifests",
        "manifests is an object; expected an array",
        Severity::Error,
    );
}

#[test]
fn index_media_type_should_be_present_and_must_be_right() {
    let doc = edit(
        OCI_INDEX,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
    );
    let r = run(&doc, DocumentKind::Index);
    let p = only(
        &r,
        "$.mediaType",
        "mediaType \"application/vnd.oci.image.manifest.v1+json\" is wrong for an OCI image index; expected \"application/vnd.oci.image.index.v1+json\"",
        Severity::Error,
    );
    assert_eq!(
        spanned(&doc, p),
        "\"application/vnd.oci.image.manifest.v1+json\""
    );

    let doc = edit(
        OCI_INDEX,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.index.v1+json; charset=utf-8",
    );
    only(
        &auto(&doc),
        "$.mediaType",
        "without parameters",
        Severity::Error,
    );
}

#[test]
fn manifest_fields_in_an_index_are_errors() {
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"config\": {}, \"layers\": [],",
    );
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 2, "{:#?}", r.problems);
    let p = at(&r, "$.config");
    assert!(p.message.contains("CVE-2021-41190"));
    assert_eq!(spanned(&doc, p), "{}");
    assert_eq!(spanned(&doc, at(&r, "$.layers")), "[]");
}

#[test]
fn index_artifact_type_subject_and_annotations_are_checked() {
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"artifactType\": \"not a type\", \"subject\": {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 1},",
    );
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 2, "{:#?}", r.problems);
    assert!(at(&r, "$.artifactType")
        .message
        .contains("not a valid media type"));
    assert!(at(&r, "$.subject.digest")
        .message
        .contains("digest is required"));

    let doc = edit(
        OCI_INDEX,
        "\"com.example.empty\": \"\"",
        "\"com.example.n\": 5",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.annotations[\"com.example.n\"]",
        "is a number; expected a string (write it as \"5\")",
        Severity::Error,
    );
    assert_eq!(spanned(&doc, p), "5");
}

#[test]
fn schema_1_fields_in_an_index_or_list_are_errors_naming_the_field() {
    // containers/image's CVE-2021-41190 vectors: fsLayers and history are schema 1 fields.
    for (base, kind) in [(OCI_INDEX, "index"), (DOCKER_LIST, "manifest-list")] {
        for (field, value) in [
            ("fsLayers", "[{\"blobSum\": \"sha256:00\"}]"),
            ("history", "[{\"v1Compatibility\": \"{}\"}]"),
            ("config", "{}"),
            ("layers", "[]"),
        ] {
            let doc = edit(
                base,
                "\"schemaVersion\": 2,",
                &format!("\"schemaVersion\": 2, \"{field}\": {value},"),
            );
            let r = auto(&doc);
            assert_eq!(r.kind, kind);
            assert!(!r.valid, "{field} in {kind}");
            let p = only(&r, &format!("$.{field}"), field, Severity::Error);
            assert!(p.message.contains("CVE-2021-41190"), "{}", p.message);
            assert!(
                p.message.contains(&format!("remove {field}")),
                "{}",
                p.message
            );
            assert_eq!(spanned(&doc, p), value);
        }
    }
}
