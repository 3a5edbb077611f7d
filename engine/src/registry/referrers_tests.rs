use super::*;

fn d(s: &str) -> Digest {
    Digest::sha256(s.as_bytes())
}

/// A referrers reply as ferro-oci-server answers it, with one cosign signature in the OCI 1.1
/// form (artifactType, annotations).
fn api_reply(subject: &Digest, sig: &Digest) -> Vec<u8> {
    format!(
        r#"{{"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{sig}","size":612,"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json","annotations":{{"dev.sigstore.bundle.predicateType":"x","subject":"{subject}"}}}}],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}}"#
    )
    .into_bytes()
}

#[test]
fn tags_for_a_subject() {
    let s = d("img");
    let hex = s.encoded().to_string();
    assert_eq!(fallback_tag(&s), format!("sha256-{hex}"));
    assert_eq!(
        referrer_tag(&s, TagKind::Signature),
        format!("sha256-{hex}.sig")
    );
    assert_eq!(
        referrer_tag(&s, TagKind::Sbom),
        format!("sha256-{hex}.sbom")
    );
    let tags = vec![
        "v1".to_string(),
        format!("sha256-{hex}.att"),
        format!("sha256-{hex}.sig"),
        format!("sha256-{}.sig", d("other").encoded()),
        format!("sha256-{hex}"),
    ];
    assert_eq!(
        referrer_tags_of(&s, &tags),
        vec![
            (format!("sha256-{hex}"), TagKind::Index),
            (format!("sha256-{hex}.sig"), TagKind::Signature),
            (format!("sha256-{hex}.att"), TagKind::Attestation),
        ]
    );
    assert_eq!(
        parse_referrer_tag(&format!("sha256-{hex}.sig")),
        Some((s.clone(), TagKind::Signature))
    );
    assert_eq!(
        parse_referrer_tag(&format!("sha256-{hex}")),
        Some((s, TagKind::Index))
    );
    assert_eq!(parse_referrer_tag("v1-beta"), None);
    assert_eq!(parse_referrer_tag("sha256-abc.sig"), None, "short hex");
}

#[test]
fn the_api_answered_or_not() {
    let s = d("img");
    let sig = d("sig");
    match read_referrers_reply(200, &api_reply(&s, &sig)).unwrap() {
        Some(SourceReferrers::Api(v)) => {
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].digest, sig);
            assert_eq!(
                v[0].artifact_type.as_deref(),
                Some("application/vnd.dev.cosign.artifact.sig.v1+json")
            );
        }
        other => panic!("{other:?}"),
    }
    // Nothing refers to it: still the API, with no entries (as ferro-oci-server answers).
    let empty =
        br#"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#;
    assert_eq!(
        read_referrers_reply(200, empty).unwrap(),
        Some(SourceReferrers::Api(vec![]))
    );
    // distribution 2.8: its router has no such route.
    assert_eq!(
        read_referrers_reply(404, b"404 page not found\n").unwrap(),
        Some(SourceReferrers::Unsupported)
    );
    assert_eq!(
        read_referrers_reply(405, b"").unwrap(),
        Some(SourceReferrers::Unsupported)
    );
    // 401 and 5xx are failures for the caller to word.
    assert_eq!(read_referrers_reply(401, b"").unwrap(), None);
    assert!(read_referrers_reply(200, b"<html>")
        .unwrap_err()
        .0
        .contains("not an image index"));
}

#[test]
fn the_destination_took_the_subject_only_when_it_says_so() {
    let s = d("img");
    assert!(destination_took_subject(Some(s.as_str()), &s));
    assert!(!destination_took_subject(None, &s));
    assert!(!destination_took_subject(Some(d("x").as_str()), &s));
}

#[test]
fn the_tag_index_is_merged_not_replaced() {
    let a = Descriptor::new("application/vnd.oci.image.manifest.v1+json", d("a"), 10);
    let b = Descriptor::new("application/vnd.oci.image.manifest.v1+json", d("b"), 20);
    let first = merge_fallback_index(None, &a).unwrap().unwrap();
    assert_eq!(read_fallback_index(&first).unwrap(), vec![a.clone()]);
    let both = merge_fallback_index(Some(&first), &b).unwrap().unwrap();
    assert_eq!(read_fallback_index(&both).unwrap(), vec![a.clone(), b]);
    assert_eq!(merge_fallback_index(Some(&both), &a).unwrap(), None);
    let v: serde_json::Value = serde_json::from_slice(&both).unwrap();
    assert_eq!(v["mediaType"], INDEX_MEDIA_TYPE);
}

fn cosign(subject: &Digest, sig: &Digest) -> Referrer {
    Referrer {
        subject: subject.clone(),
        descriptor: Descriptor::new("application/vnd.oci.image.manifest.v1+json", sig.clone(), 5),
        found: FoundBy::CosignTag(
            referrer_tag(subject, TagKind::Signature),
            TagKind::Signature,
        ),
    }
}

#[test]
fn members_referrers_are_carried_a_source_index_s_warned_about() {
    let member = d("member");
    let index = d("index");
    let pushed = d("pushed");
    let msig = d("msig");
    let isig = d("isig");
    let sbom = Referrer {
        subject: member.clone(),
        descriptor: Descriptor {
            artifact_type: Some("application/spdx+json".into()),
            ..Descriptor::new("application/vnd.oci.image.manifest.v1+json", d("sbom"), 7)
        },
        found: FoundBy::Api,
    };
    let found = vec![
        (Role::Member, cosign(&member, &msig)),
        (Role::Member, cosign(&member, &msig)),
        (Role::Member, sbom.clone()),
        (Role::SourceIndex, cosign(&index, &isig)),
    ];
    let plan = plan_referrers(&found, &pushed);
    assert_eq!(plan.carry.len(), 2, "the duplicate is carried once");
    assert_eq!(
        plan.carry[0].tag.as_deref(),
        Some(referrer_tag(&member, TagKind::Signature).as_str())
    );
    assert_eq!(plan.carry[1].tag, None);
    assert_eq!(plan.carry[1].referrer.kind(), TagKind::Sbom);
    assert_eq!(plan.uncovered.len(), 1);
    assert_eq!(
        plan.uncovered[0].message(),
        format!("signature {isig} was signed as part of index {index}; the pushed list {pushed} is not covered (sign {pushed} again)")
    );
    // The list pushed is the source index itself: its signature applies and is carried.
    let same = plan_referrers(&[(Role::SourceIndex, cosign(&index, &isig))], &index);
    assert_eq!(same.carry.len(), 1);
    assert!(same.uncovered.is_empty());
}

#[test]
fn lines_name_the_referrer_and_where_it_went() {
    let member = d("member");
    let sig = d("sig");
    let c = Carry {
        referrer: cosign(&member, &sig),
        tag: Some(referrer_tag(&member, TagKind::Signature)),
    };
    assert_eq!(
        carried_line(&c, "r/dst", false),
        format!(
            "Copied signature r/dst@{sig} of {member} at tag r/dst:sha256-{}.sig",
            member.encoded()
        )
    );
    let api = Carry {
        referrer: Referrer {
            found: FoundBy::Api,
            ..cosign(&member, &sig)
        },
        tag: None,
    };
    assert!(carried_line(&api, "r/dst", true).ends_with("by the referrers API"));
    assert!(carried_line(&api, "r/dst", false).ends_with(&format!(
        "in the referrers tag r/dst:sha256-{}",
        member.encoded()
    )));
}
