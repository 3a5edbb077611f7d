//! `push --referrers` and `create --publish --referrers`: signatures, SBOMs and other referrers
//! of the members go with them to another registry, by cosign's `sha256-<hex>.sig` tags, the
//! OCI referrers tag schema (distribution 2.8, which has no referrers API) or the referrers API
//! (ferro-oci-server, a second registry implementation); a signature of the source index the
//! pushed list is not is named in a warning.
//!
//! The signatures are written here as cosign writes them (its media types and annotation), so
//! no cosign binary is needed.

use manifold_tests::oci_server::start_oci_server;
use manifold_tests::seed::{sha256, Format, OCI_CONFIG, OCI_MANIFEST};
use manifold_tests::{Auth, Registry, Seeded, Seeder, TestEnv};

macro_rules! some {
    ($e:expr) => {
        match $e {
            Some(r) => r,
            None => return,
        }
    };
}

const SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const EMPTY: &str = "application/vnd.oci.empty.v1+json";
const SPDX: &str = "application/spdx+json";

/// `sha256-<hex>` for a digest, with `suffix`.
fn tag_of(digest: &str, suffix: &str) -> String {
    format!("{}{suffix}", digest.replacen(':', "-", 1))
}

/// A cosign signature of `subject` in `repo` at `sha256-<hex>.sig`, as cosign writes it: a
/// config naming the payload, one simple-signing layer with the signature annotation.
/// Returns the signature manifest's digest.
fn sign(s: &Seeder, repo: &str, subject: &str) -> String {
    let payload = serde_json::to_vec(&serde_json::json!({
        "critical": {
            "identity": {"docker-reference": repo},
            "image": {"docker-manifest-digest": subject},
            "type": "cosign container image signature"
        },
        "optional": null
    }))
    .unwrap();
    let payload_digest = s.blob(repo, &payload);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "", "os": "", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [payload_digest]}
    }))
    .unwrap();
    let config_digest = s.blob(repo, &config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": config.len(), "digest": config_digest},
        "layers": [{
            "mediaType": SIMPLESIGNING,
            "size": payload.len(),
            "digest": payload_digest,
            "annotations": {"dev.cosignproject.cosign/signature": format!("MEUCIQ{}", &subject[7..20])}
        }]
    }))
    .unwrap();
    s.manifest(repo, &tag_of(subject, ".sig"), OCI_MANIFEST, &manifest)
}

/// An SPDX SBOM of `subject` as an OCI 1.1 artifact with `subject`, pushed by digest. Returns
/// its bytes and digest.
fn sbom(s: &Seeder, repo: &str, subject: &Seeded) -> (Vec<u8>, String) {
    let doc = format!(
        r#"{{"spdxVersion":"SPDX-2.3","name":"{}"}}"#,
        subject.digest
    )
    .into_bytes();
    let doc_digest = s.blob(repo, &doc);
    let empty_digest = s.blob(repo, b"{}");
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": SPDX,
        "config": {"mediaType": EMPTY, "size": 2, "digest": empty_digest},
        "layers": [{"mediaType": SPDX, "size": doc.len(), "digest": doc_digest}],
        "subject": {"mediaType": subject.media_type, "size": subject.size, "digest": subject.digest}
    }))
    .unwrap();
    let digest = sha256(&manifest);
    s.manifest(repo, &digest, OCI_MANIFEST, &manifest);
    (manifest, digest)
}

/// The referrers tag-schema index at `sha256-<hex>` naming `referrer`, as an OCI 1.1 client
/// writes it beside a registry without the API.
fn tag_index(s: &Seeder, repo: &str, subject: &str, referrer: &[u8]) {
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": OCI_MANIFEST, "size": referrer.len(), "digest": sha256(referrer),
            "artifactType": SPDX
        }]
    }))
    .unwrap();
    s.manifest(
        repo,
        &tag_of(subject, ""),
        "application/vnd.oci.image.index.v1+json",
        &index,
    );
}

/// The exact bytes served for `reference`, through manifold itself.
fn raw(env: &TestEnv, reference: &str) -> Vec<u8> {
    let out = env.manifold(&["inspect", "--raw", "--insecure", reference]);
    out.success();
    out.stdout
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// Whether `HEAD /v2/<repo>/blobs/<digest>` answers 200.
fn has_blob(reg: &Registry, repo: &str, digest: &str) -> bool {
    let url = format!("{}/v2/{repo}/blobs/{digest}", reg.base_url());
    agent().head(&url).call().unwrap().status().as_u16() == 200
}

/// `GET /v2/<repo>/referrers/<digest>`: the descriptors' digests.
fn api_referrers(reg: &Registry, repo: &str, digest: &str) -> Vec<String> {
    let url = format!("{}/v2/{repo}/referrers/{digest}", reg.base_url());
    let agent = agent();
    let body = agent
        .get(&url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_to_vec()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect()
}

/// A two-image source in `src/a` and `src/b`, the first signed; returns the image references
/// and (image, signature) digests.
fn signed_sources(src: &Registry) -> (Vec<String>, Seeded, String) {
    let s = Seeder::new(src);
    let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Oci, 61);
    s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 62);
    let sig = sign(&s, "src/a", &a.digest);
    let h = src.host();
    (
        vec![format!("{h}/src/a:amd64"), format!("{h}/src/b:arm64")],
        a,
        sig,
    )
}

/// `push --referrers` to `dst`: the signature tag is there with the same digest, its blobs
/// too, and the output names it.
fn signature_tag_follows_the_member(src: &Registry, dst: &Registry) {
    let (srcs, a, sig) = signed_sources(src);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", dst.host());
    env.manifold(&["create", &list, &srcs[0], &srcs[1]])
        .success();
    let out = env.manifold(&["push", "--yes", "--referrers", &list]);
    out.success();
    let sig_tag = tag_of(&a.digest, ".sig");
    let at = format!("{}/dst/app:{sig_tag}", dst.host());
    let stdout = out.stdout_str();
    assert!(
        stdout.contains(&format!(
            "Copied signature {}/dst/app@{sig} of {}",
            dst.host(),
            a.digest
        )) && stdout.contains(&format!("at tag {at}")),
        "{stdout}\n{}",
        out.stderr
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("Copied ")).count(),
        1
    );
    assert_eq!(sha256(&raw(&env, &at)), sig);
    // Its layer (the signed payload) was copied: the signature can be checked there.
    let m: serde_json::Value = serde_json::from_slice(&raw(&env, &at)).unwrap();
    let layer = m["layers"][0]["digest"].as_str().unwrap();
    assert!(
        has_blob(dst, "dst/app", layer),
        "the payload {layer} is missing"
    );
    // Without the flag, nothing but the list and its members goes.
    let env2 = TestEnv::new();
    let plain = format!("{}/dst/plain:v1", dst.host());
    env2.manifold(&["create", &plain, &srcs[0], &srcs[1]])
        .success();
    let out = env2.manifold(&["push", "--yes", &plain]);
    out.success();
    assert!(!out.stdout_str().contains("Copied"), "{}", out.stdout_str());
    let gone = env2.manifold(&[
        "inspect",
        "--raw",
        &format!("{}/dst/plain:{sig_tag}", dst.host()),
    ]);
    assert_ne!(gone.code, 0, "the signature went without --referrers");
}

#[test]
fn push_referrers_carries_a_cosign_signature_tag_between_distribution_registries() {
    let src = some!(Registry::start(Auth::None));
    let dst = some!(Registry::start(Auth::None));
    signature_tag_follows_the_member(&src, &dst);
}

#[test]
fn push_referrers_carries_a_cosign_signature_tag_to_the_second_implementation() {
    let src = some!(Registry::start(Auth::None));
    let dst = some!(start_oci_server());
    signature_tag_follows_the_member(&src, &dst);
}

#[test]
fn a_signed_source_index_is_named_as_not_covering_the_pushed_list() {
    let src = some!(Registry::start(Auth::None));
    let dst = some!(Registry::start(Auth::None));
    let s = Seeder::new(&src);
    let a = s.image("src/app", None, "linux/amd64", Format::Oci, 71);
    let b = s.image("src/app", None, "linux/arm64/v8", Format::Oci, 72);
    let index = s.index("src/app", "multi", &[a, b], Format::Oci, None);
    let index_sig = sign(&s, "src/app", &index.digest);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", dst.host());
    env.manifold(&[
        "create",
        "--all",
        &list,
        &format!("{}/src/app:multi", src.host()),
    ])
    .success();
    let out = env.manifold(&["push", "--yes", "--referrers", &list]);
    out.success();
    let pushed = out.stdout_str().lines().last().unwrap().to_string();
    assert_ne!(pushed, index.digest, "the list is re-serialised");
    assert!(
        out.stderr.contains(&format!(
            "warning: signature {index_sig} was signed as part of index {}; the pushed list {pushed} is not covered",
            index.digest
        )),
        "{}",
        out.stderr
    );
    // The index's signature is not carried (it could not verify anything there).
    let absent = env.manifold(&[
        "inspect",
        "--raw",
        &format!("{}/dst/app:{}", dst.host(), tag_of(&index.digest, ".sig")),
    ]);
    assert_ne!(absent.code, 0, "{}", absent.stderr);
}

#[test]
fn a_subject_referrer_goes_by_the_api_where_the_destination_has_it() {
    // Source: distribution 2.8 (no API), the SBOM in the referrers tag schema's index.
    let src = some!(Registry::start(Auth::None));
    let dst = some!(start_oci_server());
    let s = Seeder::new(&src);
    let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Oci, 81);
    let (sbom_bytes, sbom_digest) = sbom(&s, "src/a", &a);
    tag_index(&s, "src/a", &a.digest, &sbom_bytes);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", dst.host());
    let out = env.manifold(&[
        "create",
        "--publish",
        "--referrers",
        "--yes",
        &list,
        &format!("{}/src/a:amd64", src.host()),
    ]);
    out.success();
    assert!(
        out.stdout_str().contains(&format!(
            "Copied SBOM {}/dst/app@{sbom_digest} of {} by the referrers API",
            dst.host(),
            a.digest
        )),
        "{}\n{}",
        out.stdout_str(),
        out.stderr
    );
    assert_eq!(
        api_referrers(&dst, "dst/app", &a.digest),
        vec![sbom_digest.clone()]
    );
    assert_eq!(
        raw(&env, &format!("{}/dst/app@{sbom_digest}", dst.host())),
        sbom_bytes
    );
}

#[test]
fn a_referrer_found_by_the_api_lands_in_the_tag_index_where_there_is_none() {
    // Source: ferro-oci-server (the API); destination: distribution 2.8 (the tag schema).
    let src = some!(start_oci_server());
    let dst = some!(Registry::start(Auth::None));
    let s = Seeder::new(&src);
    let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Oci, 91);
    let (sbom_bytes, sbom_digest) = sbom(&s, "src/a", &a);
    assert_eq!(
        api_referrers(&src, "src/a", &a.digest),
        vec![sbom_digest.clone()]
    );
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", dst.host());
    env.manifold(&["create", &list, &format!("{}/src/a:amd64", src.host())])
        .success();
    let out = env.manifold(&["push", "--yes", "--referrers", &list]);
    out.success();
    let fallback = format!("{}/dst/app:{}", dst.host(), tag_of(&a.digest, ""));
    assert!(
        out.stdout_str()
            .contains(&format!("of {} in the referrers tag {fallback}", a.digest)),
        "{}\n{}",
        out.stdout_str(),
        out.stderr
    );
    let index: serde_json::Value = serde_json::from_slice(&raw(&env, &fallback)).unwrap();
    assert_eq!(index["manifests"][0]["digest"], sbom_digest.as_str());
    assert_eq!(index["manifests"][0]["artifactType"], SPDX);
    assert_eq!(
        raw(&env, &format!("{}/dst/app@{sbom_digest}", dst.host())),
        sbom_bytes
    );
    // A second push merges rather than duplicates the tag index entry.
    let again = env.manifold(&["push", "--yes", "--referrers", &list]);
    again.success();
    let index: serde_json::Value = serde_json::from_slice(&raw(&env, &fallback)).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
}

#[test]
fn the_second_implementation_takes_a_plain_push_across_repositories() {
    // The push machinery (mounts, members by digest, the list by tag) against ferro-oci-server
    // as against distribution; with --referrers and nothing referring, nothing more is written.
    let reg = some!(start_oci_server());
    let s = Seeder::new(&reg);
    let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 101);
    let b = s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 102);
    let h = reg.host();
    let env = TestEnv::new();
    let list = format!("{h}/dst/app:v1");
    env.manifold(&[
        "create",
        &list,
        &format!("{h}/src/a:amd64"),
        &format!("{h}/src/b:arm64"),
    ])
    .success();
    let out = env.manifold(&["push", "--referrers", &list]);
    out.success();
    assert!(!out.stdout_str().contains("Copied"), "{}", out.stdout_str());
    let digest = out.stdout_str().lines().last().unwrap().to_string();
    let served = raw(&env, &list);
    assert_eq!(sha256(&served), digest);
    for m in [&a, &b] {
        assert_eq!(raw(&env, &format!("{h}/dst/app@{}", m.digest)), m.bytes);
        let doc: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
        for blob in std::iter::once(&doc["config"]).chain(doc["layers"].as_array().unwrap()) {
            let d = blob["digest"].as_str().unwrap();
            assert!(has_blob(&reg, "dst/app", d), "{d} missing in dst/app");
        }
    }
}

#[test]
fn referrers_to_a_layout_are_refused_with_a_warning_and_the_layout_is_written() {
    let src = some!(Registry::start(Auth::None));
    let (srcs, _, _) = signed_sources(&src);
    let env = TestEnv::new();
    let list = "example.com/app:v1";
    env.manifold(&["create", list, &srcs[0], &srcs[1]])
        .success();
    let dir = env.path("layout");
    let dest = format!("oci:{}:v1", dir.display());
    let out = env.manifold(&["push", "--referrers", list, &dest]);
    out.success();
    assert!(
        out.stderr
            .contains("warning: --referrers: referrers are carried to registries only"),
        "{}",
        out.stderr
    );
    assert!(dir.join("index.json").exists());
}
