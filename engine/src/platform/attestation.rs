//! Attestation entries: buildx's provenance and SBOM manifests, which sit in an index beside the
//! images but run nowhere.
//!
//! Platform selection, duplicate-platform checks and summaries all need to leave them out, so the
//! rule that recognises them has one home.

use super::known::UNKNOWN;
use crate::model::Descriptor;

/// The annotation buildx puts on attestation manifests (`vnd.docker.reference.type`).
pub const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";
/// Its value on attestation manifests.
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";

/// buildx stores provenance and SBOMs as index entries with platform `unknown/unknown` and a
/// `vnd.docker.reference.type=attestation-manifest` annotation. They run nowhere, so platform
/// selection, duplicate-platform checks and summaries must leave them out; either sign is enough,
/// since tools that rewrite indexes drop annotations or platforms.
pub fn is_attestation(desc: &Descriptor) -> bool {
    let unknown_platform = desc
        .platform
        .as_ref()
        .is_some_and(|p| p.os == UNKNOWN && p.architecture == UNKNOWN);
    let annotated = desc
        .annotations
        .as_ref()
        .and_then(|a| a.get(REFERENCE_TYPE_ANNOTATION))
        .is_some_and(|v| v == ATTESTATION_MANIFEST);
    unknown_platform || annotated
}

/// Positions in `manifests` of the entries that are not attestations (see [`is_attestation`]),
/// in document order, so that "first matching entry" keeps its meaning.
pub fn runnable_entries(manifests: &[Descriptor]) -> Vec<usize> {
    manifests
        .iter()
        .enumerate()
        .filter(|(_, d)| !is_attestation(d))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::p;
    use crate::platform::Platform;

    fn entry(platform: Option<Platform>, reference_type: Option<&str>) -> Descriptor {
        let mut d = Descriptor::of("application/vnd.oci.image.manifest.v1+json", b"{}");
        d.platform = platform;
        if let Some(t) = reference_type {
            let mut a = crate::model::Annotations::new();
            a.insert(REFERENCE_TYPE_ANNOTATION.into(), t.into());
            d.annotations = Some(a);
        }
        d
    }

    #[test]
    fn attestations_are_not_runnable() {
        let list = vec![
            entry(Some(p("linux/amd64")), None),
            entry(Some(p("linux/arm64")), None),
            entry(Some(p("unknown/unknown")), Some(ATTESTATION_MANIFEST)),
            entry(Some(p("unknown/unknown")), None),
            entry(None, Some(ATTESTATION_MANIFEST)),
            entry(None, None),
            entry(Some(p("linux/amd64")), Some("something-else")),
            entry(Some(p("unknown/amd64")), None),
        ];
        let flags: Vec<bool> = list.iter().map(is_attestation).collect();
        assert_eq!(flags, [false, false, true, true, true, false, false, false]);
        assert_eq!(runnable_entries(&list), vec![0, 1, 5, 6, 7]);
        assert_eq!(runnable_entries(&[]), Vec::<usize>::new());
    }
}
