//! End-to-end tests of `validate`: valid fixtures of every kind, one broken variant per rule
//! (each asserting the path, a key part of the message and the severity), spans, ordering,
//! the serialised shape, and properties over arbitrary input.

use proptest::prelude::*;

use super::*;
use crate::digest::{Digest, DigestError};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// What `docker manifest push` wrote (the research notes' `peer/docker-pushed-list.json`).
const DOCKER_LIST: &str = r#"{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 523,
         "digest": "sha256:e7265efdd02057d4d286d4fd257864dea35b846bfb1b281f45c3191411e13682",
         "platform": {
            "architecture": "amd64",
            "os": "linux",
            "os.version": "1.2.3",
            "os.features": [
               "sse4"
            ]
         }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 523,
         "digest": "sha256:0edc67aad5e73b31239426dd99c014d205b0690a85bd09f8953f6886969f9e4c",
         "platform": {
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         }
      }
   ]
}"#;

/// An OCI index as buildx writes it: two images, two attestation manifests (unknown/unknown,
/// which must not count as duplicate platforms), index annotations.
const OCI_INDEX: &str = r#"{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
      "size": 7143,
      "platform": {
        "architecture": "amd64",
        "os": "linux"
      }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
      "size": 7682,
      "platform": {
        "architecture": "arm64",
        "os": "linux",
        "variant": "v8"
      }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7",
      "size": 839,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": {
        "architecture": "unknown",
        "os": "unknown"
      }
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
      "size": 839,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": {
        "architecture": "unknown",
        "os": "unknown"
      }
    }
  ],
  "annotations": {
    "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
    "com.example.empty": ""
  }
}"#;

const OCI_MANIFEST: &str = r#"{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
    "size": 7023
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
      "size": 32654
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b",
      "size": 16724
    }
  ],
  "subject": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "size": 7682
  },
  "annotations": {
    "com.example.key1": "value1"
  }
}"#;

/// The spec's minimal artifact, with the empty descriptor's `data` embedded.
const OCI_ARTIFACT: &str = r#"{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/vnd.example+type",
  "config": {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    "size": 2,
    "data": "e30="
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.empty.v1+json",
      "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      "size": 2
    }
  ]
}"#;

const DOCKER_MANIFEST: &str = r#"{
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
        "size": 7023
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
            "size": 32654,
            "urls": ["https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"]
        }
    ]
}"#;

const DESCRIPTOR: &str = r#"{
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "size": 7682,
  "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
  "urls": [
    "https://example.com/example-manifest"
  ],
  "artifactType": "application/vnd.example.sbom.v1"
}"#;

const AMD64_DIGEST: &str =
    "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";

// ---------------------------------------------------------------------------------------------
// Helpers

fn run(doc: &str, kind: DocumentKind) -> Report {
    validate(doc.as_bytes(), kind)
}

fn auto(doc: &str) -> Report {
    run(doc, DocumentKind::Auto)
}

/// `doc` with the first `from` replaced by `to`; `from` must be there.
fn edit(doc: &str, from: &str, to: &str) -> String {
    assert!(doc.contains(from), "fixture has no {from:?}");
    doc.replacen(from, to, 1)
}

/// The one problem at `path`.
fn at<'r>(report: &'r Report, path: &str) -> &'r Problem {
    let found: Vec<_> = report.problems.iter().filter(|p| p.path == path).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one problem at {path}, got {:#?}",
        report.problems
    );
    found[0]
}

/// The report has exactly one problem, at `path`, whose message contains `part`.
#[track_caller]
fn only<'r>(report: &'r Report, path: &str, part: &str, severity: Severity) -> &'r Problem {
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    let p = &report.problems[0];
    assert_eq!(p.path, path, "{p:#?}");
    assert!(p.message.contains(part), "{:?} lacks {part:?}", p.message);
    assert_eq!(p.severity, severity, "{p:#?}");
    assert_eq!(report.valid, severity == Severity::Warning);
    p
}

/// The text a problem's span covers.
fn spanned<'d>(doc: &'d str, p: &Problem) -> &'d str {
    let (s, e) = p.span.expect("every problem has a span");
    &doc[s..e]
}

// ---------------------------------------------------------------------------------------------
// Valid documents

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

// ---------------------------------------------------------------------------------------------
// The JSON level

#[test]
fn not_json_reports_line_and_column() {
    let doc = "{\n  \"schemaVersion\": 2,\n  \"manifests\" []\n}";
    let r = auto(doc);
    let p = only(&r, "$", "line 3, column 15", Severity::Error);
    assert!(p.message.contains("expected ':'"), "{}", p.message);
    assert_eq!(r.kind, "auto");
    assert_eq!(p.span, Some((38, 39)));
    assert_eq!(&doc[38..39], "[");
    assert_eq!(r.digest, Digest::sha256(doc.as_bytes()).as_str());
}

#[test]
fn a_byte_order_mark_is_refused() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(OCI_INDEX.as_bytes());
    let r = validate(&bytes, DocumentKind::Auto);
    assert!(!r.valid);
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].message.contains("byte order mark"));
    assert!(r.problems[0].message.contains("line 1, column 1"));
    assert_eq!(r.problems[0].path, "$");
    assert_eq!(r.problems[0].span, Some((0, 1)));
}

#[test]
fn empty_input_and_lone_surrogates_are_not_json() {
    let r = validate(b"", DocumentKind::Index);
    assert_eq!(r.problems[0].span, Some((0, 0)));
    assert_eq!(r.kind, "index");
    assert!(!r.valid);
    let r = auto(r#"{"a": "\ud800"}"#);
    assert!(r.problems[0].message.contains("lone surrogate"));
}

#[test]
fn a_root_that_is_not_an_object_is_an_error() {
    let r = auto("[1, 2]");
    only(
        &r,
        "$",
        "the document is an array; expected a JSON object",
        Severity::Error,
    );
    assert_eq!(r.kind, "auto");
    let r = run("\"x\"", DocumentKind::Manifest);
    only(&r, "$", "is a string", Severity::Error);
    assert_eq!(r.kind, "manifest");
}

#[test]
fn an_empty_object_cannot_be_told_apart() {
    let r = auto("{}");
    only(
        &r,
        "$",
        "cannot tell what kind of document",
        Severity::Error,
    );
    assert_eq!(r.kind, "auto");
    let r = auto(r#"{"mediaType": "application/vnd.oci.image.config.v1+json"}"#);
    only(&r, "$", "is not an index or manifest type", Severity::Error);

    // As an index, the missing fields are named one by one.
    let r = run("{}", DocumentKind::Index);
    assert_eq!(r.problems.len(), 3, "{:#?}", r.problems);
    assert_eq!(at(&r, "$.schemaVersion").severity, Severity::Error);
    assert_eq!(at(&r, "$.manifests").severity, Severity::Error);
    assert_eq!(at(&r, "$.mediaType").severity, Severity::Warning);
    assert_eq!(spanned("{}", at(&r, "$.manifests")), "{}");
}

#[test]
fn duplicate_keys_are_errors_anywhere() {
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"schemaVersion\": 2,",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.schemaVersion",
        "duplicate key \"schemaVersion\"",
        Severity::Error,
    );
    assert_eq!(spanned(&doc, p), "\"schemaVersion\"");
    // The span is the second key, not the first.
    assert!(p.span.unwrap().0 > doc.find("schemaVersion").unwrap());

    let doc = edit(
        OCI_INDEX,
        "\"com.example.empty\": \"\"",
        "\"com.example.empty\": \"\", \"com.example.empty\": \"x\"",
    );
    let r = auto(&doc);
    only(
        &r,
        r#"$.annotations["com.example.empty"]"#,
        "duplicate key",
        Severity::Error,
    );

    // Also inside values no rule looks at.
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"x-extension\": [{\"a\": 1, \"a\": 2}],",
    );
    only(
        &auto(&doc),
        "$[\"x-extension\"][0].a",
        "duplicate key",
        Severity::Error,
    );
}

#[test]
fn the_last_duplicate_is_the_one_checked_as_go_reads_it() {
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 3, \"schemaVersion\": 2,",
    );
    let r = auto(&doc);
    only(&r, "$.schemaVersion", "duplicate key", Severity::Error);
    let doc = edit(
        OCI_INDEX,
        "\"schemaVersion\": 2,",
        "\"schemaVersion\": 2, \"schemaVersion\": 3,",
    );
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 2);
    assert!(r
        .problems
        .iter()
        .any(|p| p.message == "schemaVersion is 3; expected 2"));
}

#[test]
fn case_variant_keys_are_warned_about() {
    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.index",
        "\"MediaType\": \"application/vnd.oci.image.index",
    );
    let r = auto(&doc);
    assert_eq!(r.kind, "index");
    let p = at(&r, "$.MediaType");
    assert_eq!(p.severity, Severity::Warning);
    assert!(
        p.message
            .contains("Go decoders match keys case-insensitively"),
        "{}",
        p.message
    );
    assert!(
        p.message.contains("did you mean \"mediaType\"?"),
        "{}",
        p.message
    );
    assert_eq!(spanned(&doc, p), "\"MediaType\"");
    // Strictly, the field is still missing.
    assert_eq!(at(&r, "$.mediaType").severity, Severity::Warning);
    assert!(r.valid);

    let doc = edit(OCI_INDEX, "\"manifests\"", "\"Manifests\"");
    let r = run(&doc, DocumentKind::Index);
    assert_eq!(at(&r, "$.Manifests").severity, Severity::Warning);
    assert_eq!(at(&r, "$.manifests").severity, Severity::Error);

    // Deep inside entries, and with Go's Unicode folding.
    let doc = edit(
        OCI_INDEX,
        "\"size\": 7143",
        "\"size\": 7143, \"\u{17F}ize\": 1",
    );
    let r = auto(&doc);
    only(
        &r,
        "$.manifests[0][\"ſize\"]",
        "did you mean \"size\"",
        Severity::Warning,
    );
    let doc = edit(
        OCI_INDEX,
        "\"os\": \"linux\"",
        "\"os\": \"linux\", \"OS\": \"windows\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].platform.OS",
        "read it as os",
        Severity::Warning,
    );
    // Annotation keys are the user's own and are left alone.
    let doc = edit(OCI_INDEX, "\"com.example.empty\"", "\"MediaType\"");
    assert!(auto(&doc).problems.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Index

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

// ---------------------------------------------------------------------------------------------
// Entries and platforms

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

// ---------------------------------------------------------------------------------------------
// Descriptors

#[test]
fn every_digest_error_is_reported_with_its_message() {
    let upper = AMD64_DIGEST.to_uppercase().replace("SHA256", "sha256");
    let cases: Vec<(String, DigestError)> = vec![
        (String::new(), DigestError::Empty),
        ("sha256".into(), DigestError::MissingColon("sha256".into())),
        (
            "SHA256:abc".into(),
            DigestError::BadAlgorithm("SHA256".into()),
        ),
        (
            "sha256:".into(),
            DigestError::EmptyEncoded("sha256:".into()),
        ),
        (
            "sha256:a/b".into(),
            DigestError::BadEncoded("sha256:a/b".into()),
        ),
        (
            "sha256:abc".into(),
            DigestError::WrongLength {
                algorithm: "sha256".into(),
                expected: 64,
                found: 3,
            },
        ),
        (upper.clone(), DigestError::UpperCaseHex(upper)),
        (
            format!("sha256:{}", "g".repeat(64)),
            DigestError::NotHex(format!("sha256:{}", "g".repeat(64))),
        ),
    ];
    for (bad, err) in cases {
        let doc = edit(OCI_INDEX, AMD64_DIGEST, &bad);
        let r = auto(&doc);
        let p = only(
            &r,
            "$.manifests[0].digest",
            &err.to_string(),
            Severity::Error,
        );
        assert_eq!(p.message, err.to_string());
        assert_eq!(spanned(&doc, p), format!("\"{bad}\""));
    }
    // Unregistered algorithms that fit the grammar pass (descriptor.md: SHOULD allow).
    let doc = edit(
        OCI_INDEX,
        AMD64_DIGEST,
        "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
    );
    assert!(auto(&doc).problems.is_empty());
    let doc = edit(OCI_INDEX, &format!("\"{AMD64_DIGEST}\""), "42");
    only(
        &auto(&doc),
        "$.manifests[0].digest",
        "digest is a number; expected a string",
        Severity::Error,
    );
}

#[test]
fn sizes_must_be_non_negative_int64_integers() {
    for (value, part) in [
        ("-1", "size is -1; expected a non-negative integer"),
        (
            "\"7143\"",
            "size is a string (\"7143\"); expected a non-negative integer",
        ),
        (
            "9223372036854775808",
            "size is 9223372036854775808; expected at most 9223372036854775807",
        ),
        (
            "1.0",
            "size is 1.0; expected a non-negative integer without a fraction",
        ),
        ("1e3", "without a fraction or exponent"),
        ("null", "size is null"),
    ] {
        let doc = edit(OCI_INDEX, "\"size\": 7143", &format!("\"size\": {value}"));
        let r = auto(&doc);
        let p = only(&r, "$.manifests[0].size", part, Severity::Error);
        assert_eq!(spanned(&doc, p), value, "span of {value}");
    }
    // The largest int64 is fine, but JavaScript readers lose precision above 2^53.
    let doc = edit(OCI_INDEX, "\"size\": 7143", "\"size\": 9223372036854775807");
    only(
        &auto(&doc),
        "$.manifests[0].size",
        "above 2^53",
        Severity::Warning,
    );
    let doc = edit(OCI_INDEX, "\"size\": 7143", "\"size\": 0");
    assert!(auto(&doc).problems.is_empty());
}

#[test]
fn required_descriptor_fields_are_named() {
    let doc = edit(OCI_INDEX, "\"size\": 7143,", "");
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].size",
        "size is required",
        Severity::Error,
    );
    assert!(spanned(&doc, p).starts_with('{'));
    let doc = edit(OCI_INDEX, &format!("\"digest\": \"{AMD64_DIGEST}\","), "");
    only(
        &auto(&doc),
        "$.manifests[0].digest",
        "digest is required",
        Severity::Error,
    );
    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",",
        "",
    );
    only(
        &auto(&doc),
        "$.manifests[0].mediaType",
        "mediaType is required",
        Severity::Error,
    );
    let doc = edit(OCI_INDEX, "\"manifests\": [", "\"manifests\": [ 7,");
    only(
        &auto(&doc),
        "$.manifests[0]",
        "this manifests entry is a number; expected a descriptor object",
        Severity::Error,
    );
}

#[test]
fn descriptor_media_types_follow_rfc_6838() {
    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
        "\"mediaType\": \"application/json; charset=utf-8\"",
    );
    let r = auto(&doc);
    let p = only(
        &r,
        "$.manifests[0].mediaType",
        "is not a valid media type: parameters (after ';') are not allowed",
        Severity::Error,
    );
    assert_eq!(spanned(&doc, p), "\"application/json; charset=utf-8\"");
    let doc = edit(
        OCI_INDEX,
        "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
        "\"mediaType\": \"json\"",
    );
    only(
        &auto(&doc),
        "$.manifests[0].mediaType",
        "it has no '/'",
        Severity::Error,
    );
    let doc = edit(DESCRIPTOR, "application/vnd.example.sbom.v1", "sbom");
    only(
        &auto(&doc),
        "$.artifactType",
        "artifactType \"sbom\" is not a valid media type",
        Severity::Error,
    );
}

#[test]
fn urls_are_uris_and_should_be_http() {
    let doc = edit(
        DESCRIPTOR,
        "https://example.com/example-manifest",
        "ftp://example.com/x",
    );
    only(
        &auto(&doc),
        "$.urls[0]",
        "urls[0] \"ftp://example.com/x\" uses the \"ftp\" scheme",
        Severity::Warning,
    );
    let doc = edit(
        DESCRIPTOR,
        "https://example.com/example-manifest",
        "example.com/x",
    );
    only(
        &auto(&doc),
        "$.urls[0]",
        "not an absolute URI",
        Severity::Error,
    );
    let doc = edit(
        DESCRIPTOR,
        "\"https://example.com/example-manifest\"",
        "\"https://a b\"",
    );
    let r = auto(&doc);
    let p = only(&r, "$.urls[0]", "' ' at position 9", Severity::Error);
    assert_eq!(spanned(&doc, p), "\"https://a b\"");
    let doc = edit(
        DESCRIPTOR,
        "[\n    \"https://example.com/example-manifest\"\n  ]",
        "\"https://example.com\"",
    );
    only(
        &auto(&doc),
        "$.urls",
        "urls is a string; expected an array",
        Severity::Error,
    );
}

#[test]
fn embedded_data_must_match_size_and_digest() {
    // Different content of the same size: the digest does not match.
    let doc = edit(OCI_ARTIFACT, "\"data\": \"e30=\"", "\"data\": \"W10=\"");
    let r = auto(&doc);
    let p = only(
        &r,
        "$.config.data",
        "data does not match digest",
        Severity::Error,
    );
    assert!(
        p.message.contains(Digest::sha256(b"[]").as_str()),
        "{}",
        p.message
    );
    assert_eq!(spanned(&doc, p), "\"W10=\"");

    // Content of another size: both are reported.
    let doc = edit(OCI_ARTIFACT, "\"data\": \"e30=\"", "\"data\": \"e30K\"");
    let r = auto(&doc);
    assert_eq!(r.problems.len(), 2, "{:#?}", r.problems);
    assert!(r.problems[0]
        .message
        .contains("data decodes to 3 bytes but size is 2"));
    assert!(r.problems[1].message.contains("does not match digest"));

    // A wrong size beside matching data is told apart.
    let doc = edit(
        OCI_ARTIFACT,
        "\"size\": 2,\n    \"data\"",
        "\"size\": 3,\n    \"data\"",
    );
    only(
        &auto(&doc),
        "$.config.data",
        "data decodes to 2 bytes but size is 3",
        Severity::Error,
    );

    for (bad, part) in [
        ("e30", "not a multiple of 4"),
        ("e3-_", "URL-safe alphabet"),
        ("e3!=", "not valid base64"),
    ] {
        let doc = edit(
            OCI_ARTIFACT,
            "\"data\": \"e30=\"",
            &format!("\"data\": \"{bad}\""),
        );
        only(&auto(&doc), "$.config.data", part, Severity::Error);
    }

    // An unregistered algorithm cannot be verified.
    let doc = edit(
        OCI_ARTIFACT,
        "\"digest\": \"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\n    \"size\": 2,\n    \"data\"",
        "\"digest\": \"foo:bar\",\n    \"size\": 2,\n    \"data\"",
    );
    only(
        &auto(&doc),
        "$.config.data",
        "cannot be checked against digest",
        Severity::Warning,
    );
}

#[test]
fn descriptor_annotations_follow_the_rules() {
    let doc = edit(
        DESCRIPTOR,
        "\"size\": 7682,",
        "\"size\": 7682, \"annotations\": null,",
    );
    only(
        &auto(&doc),
        "$.annotations",
        "annotations is null",
        Severity::Error,
    );
    let doc = edit(
        DESCRIPTOR,
        "\"size\": 7682,",
        "\"size\": 7682, \"annotations\": {\"\": \"x\", \"a\": \"\"},",
    );
    only(
        &auto(&doc),
        "$.annotations[\"\"]",
        "annotation key is empty",
        Severity::Warning,
    );
}

// ---------------------------------------------------------------------------------------------
// Manifests

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

// ---------------------------------------------------------------------------------------------
// Docker

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

// ---------------------------------------------------------------------------------------------
// Everything at once, in order

#[test]
fn every_problem_is_reported_in_document_order() {
    let doc = r#"{
  "schemaVersion": 3,
  "MediaType": "application/vnd.oci.image.index.v1+json",
  "config": {},
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": -1, "digest": "sha256:abc"},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "size": 2,
     "digest": "sha256:601570aaff1b68a61eb9c85b8beca1644e698003e0cdb5bce960f193d265a8b7",
     "platform": {"architecture": "amd64"}}
  ]
}"#;
    let r = auto(doc);
    let got: Vec<(&str, Severity)> = r
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.severity))
        .collect();
    use Severity::{Error as E, Warning as W};
    assert_eq!(
        got,
        [
            ("$.mediaType", W),
            ("$.schemaVersion", E),
            ("$.MediaType", W),
            ("$.config", E),
            ("$.manifests[0].platform", W),
            ("$.manifests[0].size", E),
            ("$.manifests[0].digest", E),
            ("$.manifests[1].size", E),
            ("$.manifests[1].platform.os", E),
        ],
        "{:#?}",
        r.problems
    );
    let starts: Vec<usize> = r.problems.iter().map(|p| p.span.unwrap().0).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
}

// ---------------------------------------------------------------------------------------------
// Scale

fn big_index(n: usize) -> String {
    let mut doc = String::with_capacity(n * 320);
    doc.push_str("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n  \"manifests\": [");
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        let digest = Digest::sha256(&(i as u64).to_le_bytes());
        doc.push_str(&format!(
            "\n    {{\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"digest\": \"{digest}\",\n      \"size\": {},\n      \"platform\": {{\n        \"architecture\": \"amd64\",\n        \"os\": \"windows\",\n        \"os.version\": \"10.0.{i}\"\n      }},\n      \"annotations\": {{\n        \"org.opencontainers.image.ref.name\": \"v{i}\"\n      }}\n    }}",
            1000 + i
        ));
    }
    doc.push_str("\n  ]\n}\n");
    doc
}

#[test]
fn a_ten_thousand_entry_index_validates_quickly() {
    let doc = big_index(10_000);
    assert!(doc.len() > 2_500_000, "{}", doc.len());
    let r = auto(&doc);
    assert!(
        r.problems.is_empty(),
        "{:#?}",
        &r.problems[..r.problems.len().min(5)]
    );
    assert_eq!(r.entries.len(), 10_000);
    assert_eq!(r.entries[9_999].size, 10_999);
}

// ---------------------------------------------------------------------------------------------
// Properties

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(J::from),
        ".{0,12}".prop_map(J::String),
        prop_oneof![
            Just("mediaType"),
            Just("digest"),
            Just("size"),
            Just("platform"),
            Just("2"),
            Just(crate::media_type::OCI_MANIFEST),
            Just(AMD64_DIGEST),
            Just("linux"),
            Just("arm64"),
            Just("e30="),
        ]
        .prop_map(|s| J::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("schemaVersion".to_string()),
            Just("mediaType".to_string()),
            Just("manifests".to_string()),
            Just("config".to_string()),
            Just("layers".to_string()),
            Just("digest".to_string()),
            Just("size".to_string()),
            Just("data".to_string()),
            Just("urls".to_string()),
            Just("platform".to_string()),
            Just("annotations".to_string()),
            Just("os".to_string()),
            Just("architecture".to_string()),
            Just("MediaType".to_string()),
            "[a-z.]{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Replaces the value at a pseudo-random place of `v` (chosen by `pick`) with `with`.
fn mutate(v: &mut serde_json::Value, pick: &[usize], with: serde_json::Value) {
    use serde_json::Value as J;
    let Some((&first, rest)) = pick.split_first() else {
        *v = with;
        return;
    };
    match v {
        J::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(first % map.len()).cloned().unwrap();
            if rest.is_empty() && first % 7 == 0 {
                map.remove(&key);
            } else {
                mutate(map.get_mut(&key).unwrap(), rest, with);
            }
        }
        J::Array(items) if !items.is_empty() => {
            let n = items.len();
            mutate(&mut items[first % n], rest, with);
        }
        _ => *v = with,
    }
}

fn check_invariants(bytes: &[u8], r: &Report) {
    assert_eq!(r.digest, Digest::sha256(bytes).as_str());
    assert_eq!(r.size, bytes.len() as u64);
    assert_eq!(
        r.valid,
        !r.problems.iter().any(|p| p.severity == Severity::Error)
    );
    let mut last = 0;
    for p in &r.problems {
        let (s, e) = p.span.unwrap();
        assert!(s <= e && e <= bytes.len(), "{p:?}");
        assert!(s >= last, "out of order: {:#?}", r.problems);
        last = s;
        assert!(p.path.starts_with('$'));
        assert!(!p.message.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), k in 0usize..6) {
        let r = validate(&bytes, DocumentKind::ALL[k]);
        check_invariants(&bytes, &r);
    }

    #[test]
    fn never_panics_on_json_values(v in json_value(), k in 0usize..6, pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
        let r = validate(text.as_bytes(), DocumentKind::ALL[k]);
        check_invariants(text.as_bytes(), &r);
        prop_assert!(r.problems.iter().all(|p| !p.message.contains("not valid JSON")));
    }

    #[test]
    fn never_panics_on_mutated_documents(
        which in 0usize..6,
        pick in prop::collection::vec(any::<usize>(), 0..6),
        with in json_value(),
        k in 0usize..6,
    ) {
        let fixture = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, OCI_ARTIFACT, DOCKER_MANIFEST, DESCRIPTOR][which];
        let mut v: serde_json::Value = serde_json::from_str(fixture).unwrap();
        mutate(&mut v, &pick, with);
        let text = serde_json::to_string_pretty(&v).unwrap();
        let r = validate(text.as_bytes(), DocumentKind::ALL[k]);
        check_invariants(text.as_bytes(), &r);
        if k == 0 {
            // Entries line up with the array whenever the document is an index.
            if let Some(items) = v.get("manifests").and_then(|m| m.as_array()) {
                if r.kind == "index" || r.kind == "manifest-list" {
                    prop_assert_eq!(r.entries.len(), items.len());
                }
            }
        }
    }

    #[test]
    fn truncated_documents_are_not_json(cut in 1usize..200) {
        let cut = OCI_INDEX.len() - cut.min(OCI_INDEX.len() - 1);
        let bytes = &OCI_INDEX.as_bytes()[..cut];
        let r = validate(bytes, DocumentKind::Auto);
        check_invariants(bytes, &r);
        prop_assert_eq!(r.problems.len(), 1);
        prop_assert!(r.problems[0].message.contains("not valid JSON"));
    }
}
