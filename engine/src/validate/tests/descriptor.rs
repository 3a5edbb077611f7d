//! The descriptor rules every entry, config and layer shares: digests, sizes, required fields,
//! media types (RFC 6838), urls, embedded data and annotations.

use super::*;
use crate::digest::DigestError;

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
