//! The walk over whole lists built in memory.

use serde_json::json;

use super::fixture::{run, Store};
use super::*;

fn none(_: &[u8]) -> Vec<Executable> {
    Vec::new()
}

fn errors(r: &CheckReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.path, f.message))
        .collect()
}

#[test]
fn healthy_list_with_attestations_is_clean() {
    let mut s = Store::default();
    let amd = s.image("linux", "amd64", json!({}), &[b"base", b"app-amd64"]);
    let arm = s.image("linux", "arm64", json!({}), &[b"base", b"app-arm64"]);
    let att = s.attestation(&amd.digest);
    let root = s.index(vec![
        (amd, Some("linux/amd64")),
        (arm, Some("linux/arm64/v8")),
        (att, None),
    ]);
    let walk = run(&s, root, Options::default(), &none);
    let r = walk.report();
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(r.exit_code(), 0, "{:#?}", r.findings);
    assert_eq!(r.counts.manifests, 3);
    assert_eq!(r.counts.configs, 3);
    assert_eq!(
        r.counts.blobs, 4,
        "the shared base layer is asked about once"
    );
    assert_eq!(walk.images().len(), 3);
    assert!(walk.images()[2].attestation);
}

#[test]
fn an_entry_over_another_architecture_is_named() {
    let mut s = Store::default();
    let amd = s.image("linux", "amd64", json!({}), &[b"a"]);
    let wrong = s.image("linux", "amd64", json!({"Cmd": ["x"]}), &[b"b"]);
    let root = s.index(vec![
        (amd, Some("linux/amd64")),
        (wrong, Some("linux/arm64")),
    ]);
    let r = run(&s, root, Options::default(), &none).report();
    assert_eq!(r.exit_code(), 1);
    assert_eq!(
        errors(&r),
        [
            "manifests[1] linux/arm64 → config.architecture: the entry says linux/arm64 but \
             the config's architecture is \"amd64\": the image was built for another machine, \
             or the entry is wrong"
        ]
    );
    assert!(r.lines()[0].starts_with("error: manifests[1] linux/arm64 → config.architecture"));
}

#[test]
fn missing_members_and_layers_name_their_digest() {
    let mut s = Store::default();
    let amd = s.image("linux", "amd64", json!({}), &[b"a"]);
    let arm = s.image("linux", "arm64", json!({}), &[b"gone layer"]);
    let root = s.index(vec![
        (amd.clone(), Some("linux/amd64")),
        (arm, Some("linux/arm64")),
    ]);
    let layer = crate::Digest::sha256(b"gone layer");
    s.blobs.remove(&layer);
    let r = run(&s, root.clone(), Options::default(), &none).report();
    assert_eq!(r.exit_code(), 1);
    let e = errors(&r);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with(&format!(
        "manifests[1] linux/arm64 → layers[0]: blob {layer} is not in the repository"
    )));
    s.blobs.remove(&amd.digest);
    let r = run(&s, root, Options::default(), &none).report();
    assert!(errors(&r)[0].starts_with(&format!(
        "manifests[0] linux/amd64: manifest {} is not in the repository",
        amd.digest
    )));
}

#[test]
fn bodies_are_verified_and_failures_are_unchecked() {
    let mut s = Store::default();
    let amd = s.image("linux", "amd64", json!({}), &[b"a"]);
    let root = s.index(vec![(amd.clone(), Some("linux/amd64"))]);
    let mut walk = Walk::new(root.clone(), Origin::default(), Options::default());
    let wants = walk.wants();
    assert_eq!(wants.len(), 1);
    assert_eq!(wants[0].action, Action::Manifest);
    walk.supply(&wants[0], Supplied::Bytes(b"{}".to_vec()));
    let r = walk.report();
    assert_eq!(r.exit_code(), 1);
    assert_eq!(r.findings[0].rule, Rule::Digest);

    let mut walk = Walk::new(root.clone(), Origin::default(), Options::default());
    let w = walk.wants().remove(0);
    walk.supply(
        &w,
        Supplied::Failed("401 Unauthorized: bad credentials".into()),
    );
    assert!(walk.is_done());
    let r = walk.report();
    assert_eq!(r.exit_code(), 2);
    assert!(r.findings[0].message.contains("401 Unauthorized"));

    // a root that is not what its origin says
    let origin = Origin {
        digest: Some(crate::Digest::sha256(b"other")),
        ..Origin::default()
    };
    let r = Walk::new(root.clone(), origin, Options::default()).report();
    assert_eq!(r.findings[0].rule, Rule::Digest);
    assert_eq!(r.findings[0].path, "");

    // an unanswered want is reported, not forgotten
    let walk = Walk::new(root, Origin::default(), Options::default());
    assert!(!walk.is_done());
    assert_eq!(walk.report().exit_code(), 2);
}

#[test]
fn index_rules_between_entries() {
    let mut s = Store::default();
    let a = s.image("linux", "amd64", json!({}), &[b"a"]);
    let b = s.image("linux", "amd64", json!({"User": "x"}), &[b"b"]);
    let stray = s.attestation(&crate::Digest::sha256(b"not listed"));
    let root = s.index(vec![
        (a, Some("linux/amd64")),
        (b, Some("linux/x86_64")),
        (stray, None),
    ]);
    let r = run(&s, root, Options::default(), &none).report();
    let rules: Vec<Rule> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule)
        .collect();
    assert!(rules.contains(&Rule::Attestation), "{:#?}", r.findings);
    assert!(rules.contains(&Rule::Duplicate), "{:#?}", r.findings);

    let mut s = Store::default();
    let att = s.attestation(&crate::Digest::sha256(b"x"));
    let root = s.index(vec![(att, None)]);
    let r = run(&s, root, Options::default(), &none).report();
    assert!(r.findings.iter().any(|f| f.rule == Rule::Runnable));
}

#[test]
fn nested_indexes_are_followed() {
    let mut s = Store::default();
    let arm = s.image("linux", "amd64", json!({}), &[b"a"]);
    let inner = s.index(vec![(arm, Some("linux/arm64"))]);
    let inner_d = crate::model::Descriptor::of(crate::media_type::OCI_INDEX, &inner);
    let root = s.index(vec![(inner_d, None)]);
    let r = run(&s, root, Options::default(), &none).report();
    assert!(
        errors(&r)
            .iter()
            .any(|e| e.starts_with("manifests[0] → manifests[0] linux/arm64 → config.architecture")),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.counts.indexes, 2);
}

#[test]
fn binaries_are_judged_per_image() {
    let mut s = Store::default();
    let arm = s.image("linux", "arm64", json!({}), &[b"layer with x86 elf"]);
    let root = s.index(vec![(arm, Some("linux/arm64"))]);
    let scan = |b: &[u8]| {
        if b == b"layer with x86 elf" {
            vec![Executable {
                path: "usr/bin/tool".into(),
                format: ExecutableFormat::Elf,
                machine: 62,
                bits: 64,
                big_endian: false,
            }]
        } else {
            vec![]
        }
    };
    let options = Options {
        check_binaries: true,
        ..Options::default()
    };
    let r = run(&s, root.clone(), options, &scan).report();
    assert_eq!(
        errors(&r),
        [
            "manifests[0] linux/arm64 → layers[0] /usr/bin/tool: /usr/bin/tool is x86-64 in the \
          linux/arm64 image; it will not run there (rebuild it for the image's platform, or fix \
          the entry's platform)"
        ]
    );
    assert_eq!(r.counts.layers_scanned, 1);
    // without the option, the layer is only asked about
    let r = run(&s, root, Options::default(), &scan).report();
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.counts.layers_scanned, 0);
}

#[test]
fn documents_only_asks_for_no_blobs() {
    let mut s = Store::default();
    let a = s.image("linux", "amd64", json!({}), &[b"a"]);
    let root = s.index(vec![(a, Some("linux/amd64"))]);
    let options = Options {
        documents_only: true,
        ..Options::default()
    };
    let walk = run(&s, root, options, &none);
    assert_eq!(walk.report().counts.blobs, 0);
    assert!(walk.images()[0].config.is_some());
}

#[test]
fn config_disagreeing_with_manifest_layers() {
    let mut s = Store::default();
    let a = s.image("linux", "amd64", json!({}), &[b"a"]);
    let mut m: serde_json::Value = serde_json::from_slice(&s.blobs[&a.digest]).unwrap();
    m["layers"].as_array_mut().unwrap().clear();
    let bytes = serde_json::to_vec(&m).unwrap();
    let (d, n) = s.put(bytes);
    let root = s.index(vec![(
        crate::model::Descriptor::new(crate::media_type::OCI_MANIFEST, d, n),
        Some("linux/amd64"),
    )]);
    let r = run(&s, root, Options::default(), &none).report();
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule == Rule::Config && f.path.ends_with("rootfs.diff_ids")));
}
