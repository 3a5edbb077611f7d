//! Everything at once: one document breaking many rules, reported in document order with the
//! expected severities, which is what the CLI and the page list.

use super::*;

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
