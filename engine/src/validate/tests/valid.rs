//! Valid fixtures of every kind: no problems, the kind recognised, entries read (also from
//! invalid documents, best effort), and the serialised shape of a report.
//!
//! The baseline every broken variant in the other files is a one-edit change from.

use super::*;
use crate::digest::Digest;

#[test]
fn valid_fixtures_have_no_problems_and_are_recognised() {
    for (doc, kind) in [
        (DOCKER_LIST, "manifest-list"),
        (OCI_INDEX, "index"),
        (OCI_MANIFEST, "manifest"),
        (OCI_ARTIFACT, "manifest"),
        (DOCKER_MANIFEST, "docker-manifest"),
        (DESCRIPTOR, "descriptor"),
    ] {
        let r = auto(doc);
        assert!(r.problems.is_empty(), "{kind}: {:#?}", r.problems);
        assert!(r.valid);
        assert_eq!(r.kind, kind);
        assert_eq!(r.digest, Digest::sha256(doc.as_bytes()).as_str());
        assert_eq!(r.size, doc.len() as u64);
        // The same with the kind given.
        let explicit = run(doc, DocumentKind::parse(kind).unwrap());
        assert_eq!(explicit, r);
    }
}

#[test]
fn entries_are_read_with_their_platforms() {
    let r = auto(DOCKER_LIST);
    assert_eq!(
        r.media_type.as_deref(),
        Some(crate::media_type::DOCKER_LIST)
    );
    assert_eq!(r.entries.len(), 2);
    let e = &r.entries[0];
    assert_eq!(
        e.digest,
        "sha256:e7265efdd02057d4d286d4fd257864dea35b846bfb1b281f45c3191411e13682"
    );
    assert_eq!(e.media_type, crate::media_type::DOCKER_MANIFEST);
    assert_eq!(e.size, 523);
    let p = e.platform.as_ref().unwrap();
    assert_eq!(p.display(), "linux/amd64:1.2.3");
    assert_eq!(p.os_features.as_deref(), Some(&["sse4".to_string()][..]));
    assert_eq!(
        r.entries[1].platform.as_ref().unwrap().short(),
        "linux/arm64/v8"
    );
    assert_eq!(auto(OCI_INDEX).entries.len(), 4);
    assert!(auto(OCI_MANIFEST).entries.is_empty());
}

#[test]
fn entries_are_read_best_effort_from_invalid_documents() {
    let doc = r#"{"schemaVersion": 2, "manifests": [
        "nonsense",
        {"mediaType": 5, "digest": "sha256:x", "size": -1, "platform": {"os": "linux"}}
    ]}"#;
    let r = run(doc, DocumentKind::Index);
    assert!(!r.valid);
    assert_eq!(r.entries.len(), 2);
    assert_eq!(r.entries[0].digest, "");
    assert_eq!(r.entries[1].digest, "sha256:x");
    assert_eq!(r.entries[1].media_type, "");
    assert_eq!(r.entries[1].size, 0);
    assert_eq!(r.entries[1].platform.as_ref().unwrap().os, "linux");
}

#[test]
fn kinds_parse_and_print() {
    let names = DocumentKind::ALL.map(|k| k.as_str());
    assert_eq!(
        names,
        [
            "auto",
            "index",
            "manifest",
            "descriptor",
            "manifest-list",
            "docker-manifest"
        ]
    );
    for s in names {
        assert_eq!(DocumentKind::parse(s).unwrap().as_str(), s);
    }
    assert_eq!(DocumentKind::parse("list"), None);
}

#[test]
fn auto_tells_a_descriptor_of_a_manifest_from_a_manifest() {
    // A descriptor carries the media type of what it points to.
    let r = auto(DESCRIPTOR);
    assert_eq!(r.kind, "descriptor");
    // Shape decides without a mediaType.
    let r = auto(&edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n",
        "",
    ));
    assert_eq!(r.kind, "index");
    only(&r, "$.mediaType", "SHOULD be", Severity::Warning);
    let r = auto(&edit(
        OCI_MANIFEST,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n",
        "",
    ));
    assert_eq!(r.kind, "manifest");
}

#[test]
fn report_serialises_for_the_cli_and_the_page() {
    let r = auto(&edit(OCI_INDEX, "\"size\": 7143", "\"size\": -1"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["kind"], "index");
    assert_eq!(v["mediaType"], crate::media_type::OCI_INDEX);
    assert_eq!(v["problems"][0]["path"], "$.manifests[0].size");
    assert_eq!(v["problems"][0]["severity"], "error");
    assert!(v["problems"][0].get("span").is_none());
    assert_eq!(
        v["entries"][1]["mediaType"],
        crate::media_type::OCI_MANIFEST
    );
    assert_eq!(v["entries"][0]["platform"]["architecture"], "amd64");
}
