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
/// The annotation naming the image an attestation manifest is about
/// (`vnd.docker.reference.digest`).
pub const REFERENCE_DIGEST_ANNOTATION: &str = "vnd.docker.reference.digest";

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

/// The digest of the image `desc` attests, when it is an attestation that names one.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn attested_digest(desc: &Descriptor) -> Option<&str> {
    if !is_attestation(desc) {
        return None;
    }
    desc.annotations
        .as_ref()?
        .get(REFERENCE_DIGEST_ANNOTATION)
        .map(String::as_str)
}

/// Positions in `manifests` of the attestations of the image whose digest is `image`, in
/// document order: what travels with the image when it is taken out of an index.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn attestations_of(manifests: &[Descriptor], image: &str) -> Vec<usize> {
    manifests
        .iter()
        .enumerate()
        .filter(|(_, d)| attested_digest(d) == Some(image))
        .map(|(i, _)| i)
        .collect()
}

/// How many entries of `manifests` are platforms and how many attestations, in words for
/// summaries: "2 platforms (+2 attestations)", "1 platform", "0 platforms (+1 attestation)".
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn count_words(manifests: &[Descriptor]) -> String {
    let attestations = manifests.iter().filter(|d| is_attestation(d)).count();
    let platforms = manifests.len() - attestations;
    let s = |n: usize| if n == 1 { "" } else { "s" };
    match attestations {
        0 => format!("{platforms} platform{}", s(platforms)),
        n => format!(
            "{platforms} platform{} (+{n} attestation{})",
            s(platforms),
            s(n)
        ),
    }
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

    fn attestation_of(digest: &str) -> Descriptor {
        let mut d = entry(Some(p("unknown/unknown")), Some(ATTESTATION_MANIFEST));
        d.annotations
            .as_mut()
            .unwrap()
            .insert(REFERENCE_DIGEST_ANNOTATION.into(), digest.into());
        d
    }

    #[test]
    fn attestations_are_found_by_the_image_they_name_and_counted_apart() {
        let amd = entry(Some(p("linux/amd64")), None);
        let arm = entry(Some(p("linux/arm64")), None);
        let a = amd.digest.to_string();
        let list = vec![
            amd.clone(),
            arm,
            attestation_of(&a),
            attestation_of("sha256:other"),
            attestation_of(&a),
            // an image annotated with a reference digest is not an attestation
            {
                let mut d = entry(Some(p("linux/s390x")), None);
                d.annotations = Some([(REFERENCE_DIGEST_ANNOTATION.to_string(), a.clone())].into());
                d
            },
        ];
        assert_eq!(attestations_of(&list, &a), vec![2, 4]);
        assert_eq!(attestations_of(&list, "sha256:none"), Vec::<usize>::new());
        assert_eq!(attested_digest(&list[5]), None);
        assert_eq!(count_words(&list), "3 platforms (+3 attestations)");
        assert_eq!(count_words(&list[..1]), "1 platform");
        assert_eq!(count_words(&list[2..3]), "0 platforms (+1 attestation)");
        assert_eq!(count_words(&[]), "0 platforms");
    }
}
