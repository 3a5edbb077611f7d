//! Properties over arbitrary input: validation never panics on bytes, JSON values or mutated
//! fixtures, and truncated documents are reported as not JSON.

use proptest::prelude::*;

use super::*;

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
