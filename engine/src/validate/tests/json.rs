//! The JSON level, before any document rule: what is not JSON or not I-JSON, duplicate keys
//! anywhere, and keys that differ from a known field only in case.
//!
//! Kept apart because these problems come from the reader and `validate::json`, not from the
//! document rules, and because their spans point into raw bytes.

use super::*;
use crate::digest::Digest;

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
