//! End-to-end tests of `validate`: valid fixtures of every kind, one broken variant per rule
//! (each asserting the path, a key part of the message and the severity), spans, ordering,
//! the serialised shape, and properties over arbitrary input.
//!
//! One file per topic, in the order a document is checked (`valid`, `json`, `index`, `entries`,
//! `descriptor`, `manifest`, `docker`, `in_order`, `scale`, `properties`); this file holds the
//! fixtures and helpers they share.

use super::*;

mod descriptor;
mod docker;
mod entries;
mod in_order;
mod index;
mod json;
mod manifest;
mod properties;
mod scale;
mod valid;

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
