//! Attestations follow their image: from a buildx-style source index (images, each with an
//! attestation manifest of platform `unknown/unknown` annotated `vnd.docker.reference.type:
//! attestation-manifest` and `vnd.docker.reference.digest: <image>`, holding an in-toto layer),
//! create takes the images it is asked for plus exactly their attestations, with the source's
//! descriptor bytes; `--attestations drop` takes the images only; a push to another repository
//! or another registry leaves the attestation manifests and their blobs readable there; and no
//! summary counts an attestation as a platform.

use manifold_tests::seed::{sha256, Format, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST};
use manifold_tests::{Auth, Registry, Seeder, TestEnv};
use serde_json::{json, Value};

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

/// A buildx-style source in `repo`: its tag, the index's entries (descriptor JSON as written,
/// compact, Go's key order) and, per image, (image digest, attestation digest).
struct Buildx {
    reference: String,
    descriptors: Vec<Value>,
    pairs: Vec<(String, String)>,
}

/// Pushes images for `platforms`, one attestation manifest each, and an index of all of them
/// (images first, then attestations, as buildx writes it), tagged `tag`.
fn seed_buildx(reg: &Registry, repo: &str, tag: &str, platforms: &[&str], seed: u32) -> Buildx {
    let s = Seeder::new(reg);
    let mut images = Vec::new();
    let mut attestations = Vec::new();
    let mut pairs = Vec::new();
    for (i, p) in platforms.iter().enumerate() {
        let image = s.image(repo, None, p, Format::Oci, seed + i as u32);
        let statement = serde_json::to_vec(&json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": format!("pkg:docker/{repo}@{tag}"), "digest": {"sha256": &image.digest[7..]}}],
            "predicate": {"builder": {"id": format!("test {seed} {p}")}},
        }))
        .unwrap();
        let layer = s.blob(repo, &statement);
        let config = serde_json::to_vec(&json!({
            "architecture": "unknown", "os": "unknown", "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256(&statement)]},
        }))
        .unwrap();
        let config_digest = s.blob(repo, &config);
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len()},
            "layers": [{
                "mediaType": "application/vnd.in-toto+json",
                "digest": layer,
                "size": statement.len(),
                "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
            }],
        }))
        .unwrap();
        let digest = sha256(&manifest);
        s.manifest(repo, &digest, OCI_MANIFEST, &manifest);
        let parts: Vec<&str> = p.split('/').collect();
        let mut platform = json!({"architecture": parts[1], "os": parts[0]});
        if let Some(v) = parts.get(2) {
            platform["variant"] = (*v).into();
        }
        images.push(json!({
            "mediaType": OCI_MANIFEST,
            "digest": image.digest,
            "size": image.size,
            "platform": platform,
        }));
        attestations.push(json!({
            "mediaType": OCI_MANIFEST,
            "digest": digest,
            "size": manifest.len(),
            "annotations": {
                "vnd.docker.reference.digest": image.digest,
                "vnd.docker.reference.type": "attestation-manifest",
            },
            "platform": {"architecture": "unknown", "os": "unknown"},
        }));
        pairs.push((image.digest.clone(), digest));
    }
    let descriptors: Vec<Value> = images.into_iter().chain(attestations).collect();
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": descriptors,
    }))
    .unwrap();
    s.manifest(repo, tag, OCI_INDEX, &index);
    Buildx {
        reference: format!("{}/{repo}:{tag}", reg.host()),
        descriptors,
        pairs,
    }
}

/// The exact bytes a registry serves for `reference` (`HOST/REPO:TAG` or `HOST/REPO@DIGEST`),
/// read without manifold (a local list of the same name would answer `inspect` first).
fn raw(_env: &TestEnv, reference: &str) -> Vec<u8> {
    let (host, rest) = reference.split_once('/').unwrap();
    let (repo, tag) = rest
        .split_once('@')
        .or_else(|| rest.rsplit_once(':'))
        .unwrap();
    let url = format!("http://{host}/v2/{repo}/manifests/{tag}");
    let mut resp = ureq::get(&url)
        .header(
            "Accept",
            "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
             application/vnd.docker.distribution.manifest.list.v2+json, \
             application/vnd.docker.distribution.manifest.v2+json",
        )
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    resp.body_mut().read_to_vec().unwrap()
}

/// A blob as the registry serves it, read without manifold.
fn blob(reg: &Registry, repo: &str, digest: &str) -> Vec<u8> {
    let url = format!("{}/v2/{repo}/blobs/{digest}", reg.base_url());
    let mut resp = ureq::get(&url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    resp.body_mut().read_to_vec().unwrap()
}

/// `manifold validate` of bytes manifold pushed: valid, and not one warning.
fn validates_clean(env: &TestEnv, bytes: &[u8]) {
    let file = env.path("pushed.json");
    std::fs::write(&file, bytes).unwrap();
    let out = env.manifold(&["validate", "--json", file.to_str().unwrap()]);
    out.success();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(
        report["problems"].as_array().map(Vec::len),
        Some(0),
        "manifold's own list draws problems: {report}"
    );
}

/// Pushes local list `list` (podman personality, to itself) and returns the served bytes'
/// entries, each as compact JSON in the order written.
fn pushed_entries(env: &TestEnv, list: &str, extra: &[&str]) -> (Vec<u8>, Vec<String>) {
    let mut args = vec!["--compat", "podman", "push", "--insecure"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[list, list]);
    env.manifold(&args).success();
    let served = raw(env, list);
    let doc: Value = serde_json::from_slice(&served).unwrap();
    let entries = doc["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    (served, entries)
}

fn compact(d: &Value) -> String {
    serde_json::to_string(d).unwrap()
}

#[test]
fn create_takes_each_image_with_exactly_its_attestations() {
    let reg = registry!(Auth::None);
    let single = seed_buildx(&reg, "src/app", "single", &["linux/amd64"], 10);
    let multi = seed_buildx(
        &reg,
        "src/app",
        "multi",
        &["linux/amd64", "linux/arm64"],
        20,
    );
    let env = TestEnv::new();
    let host = reg.host();
    let create = |list: &str, extra: &[&str], source: &str| {
        let mut args = vec!["--compat", "podman", "create", "--insecure"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[list, source]);
        env.manifold(&args).success();
    };

    // The one runnable platform, with its attestation, descriptors byte for byte.
    let l1 = format!("{host}/dst/one:v1");
    create(&l1, &[], &single.reference);
    let (served, entries) = pushed_entries(&env, &l1, &[]);
    assert_eq!(
        entries,
        single.descriptors.iter().map(compact).collect::<Vec<_>>()
    );
    validates_clean(&env, &served);

    // --platform: arm64 and arm64's attestation, not amd64's.
    let l2 = format!("{host}/dst/arm:v1");
    create(&l2, &["--platform", "linux/arm64"], &multi.reference);
    let (served, entries) = pushed_entries(&env, &l2, &[]);
    assert_eq!(
        entries,
        [
            compact(&multi.descriptors[1]),
            compact(&multi.descriptors[3])
        ]
    );
    validates_clean(&env, &served);

    // --all: everything, as the source had it.
    let l3 = format!("{host}/dst/all:v1");
    create(&l3, &["--all"], &multi.reference);
    let (served, entries) = pushed_entries(&env, &l3, &[]);
    assert_eq!(
        entries,
        multi.descriptors.iter().map(compact).collect::<Vec<_>>()
    );
    validates_clean(&env, &served);

    // --attestations drop: the images only, whichever way they were chosen.
    for (name, extra) in [
        ("dropall", vec!["--all", "--attestations", "drop"]),
        (
            "droparm",
            vec!["--platform", "linux/arm64", "--attestations", "drop"],
        ),
    ] {
        let l = format!("{host}/dst/{name}:v1");
        create(&l, &extra, &multi.reference);
        let (served, entries) = pushed_entries(&env, &l, &[]);
        let expected: Vec<String> = if name == "dropall" {
            multi.descriptors[..2].iter().map(compact).collect()
        } else {
            vec![compact(&multi.descriptors[1])]
        };
        assert_eq!(entries, expected, "{name}");
        validates_clean(&env, &served);
    }
    let drop1 = format!("{host}/dst/dropone:v1");
    create(&drop1, &["--attestations", "drop"], &single.reference);
    let (_, entries) = pushed_entries(&env, &drop1, &[]);
    assert_eq!(entries, [compact(&single.descriptors[0])]);

    // The docker personality writes docker's key order, but the same descriptors.
    let ld = format!("{host}/dst/docker:v1");
    env.manifold(&["create", "--insecure", &ld, &single.reference])
        .success();
    env.manifold(&["push", "--insecure", &ld]).success();
    let doc: Value = serde_json::from_slice(&raw(&env, &ld)).unwrap();
    assert_eq!(doc["manifests"].as_array().unwrap(), &single.descriptors);
}

#[test]
fn attestations_are_never_a_platform_in_summaries() {
    let reg = registry!(Auth::None);
    let multi = seed_buildx(
        &reg,
        "src/app",
        "multi",
        &["linux/amd64", "linux/arm64"],
        30,
    );
    let env = TestEnv::new();
    // No flag: two runnable platforms, and the attestations named apart.
    let out = env.manifold(&["create", "--insecure", "l", &multi.reference]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("is an index of 2 platforms (+2 attestations): linux/amd64, linux/arm64;"),
        "{}",
        out.stderr
    );
    // Asking for unknown/unknown finds no platform.
    let out = env.manifold(&[
        "create",
        "--insecure",
        "--platform",
        "unknown/unknown",
        "l",
        &multi.reference,
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("no entry for unknown/unknown")
            && out.stderr.contains("2 platforms (+2 attestations)"),
        "{}",
        out.stderr
    );
    // ls counts platforms and names the attestations beside them.
    env.manifold(&["create", "--insecure", "--all", "l", &multi.reference])
        .success();
    let ls = env.manifold(&["ls"]);
    ls.success();
    assert!(
        ls.stdout_str().contains("2 platforms (+2 attestations)"),
        "{}",
        ls.stdout_str()
    );
    // inspect --platform shows the image with its attestation beside it.
    let out = env.manifold(&["inspect", "--platform", "linux/arm64", "l"]);
    out.success();
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["descriptor"]["digest"], multi.pairs[1].0.as_str());
    assert_eq!(
        view["attestations"].as_array().unwrap(),
        &[multi.descriptors[3].clone()]
    );
    let out = env.manifold(&["inspect", "--platform", "unknown/unknown", "l"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("2 platforms (+2 attestations): linux/amd64, linux/arm64"),
        "{}",
        out.stderr
    );
    // A bad --attestations value is a usage error in the personality's exit code.
    for (compat, code) in [("docker", 125), ("podman", 125), ("pack", 1)] {
        let out = env.manifold(&[
            "--compat",
            compat,
            "create",
            "--attestations",
            "some",
            "x",
            &multi.reference,
        ]);
        assert_eq!(out.code, code, "{compat}: {}", out.stderr);
        assert!(out.stderr.contains("some"), "{}", out.stderr);
    }
}

/// The attestation manifests and every blob they reference are readable in `repo` of `reg`.
fn attestations_readable(env: &TestEnv, reg: &Registry, repo: &str, source: &Buildx) {
    for (image, attestation) in &source.pairs {
        for d in [image, attestation] {
            let bytes = raw(env, &format!("{}/{repo}@{d}", reg.host()));
            assert_eq!(&sha256(&bytes), d, "manifest {d} in {repo}");
        }
        let bytes = raw(env, &format!("{}/{repo}@{attestation}", reg.host()));
        let m: Value = serde_json::from_slice(&bytes).unwrap();
        let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_string()];
        for l in m["layers"].as_array().unwrap() {
            blobs.push(l["digest"].as_str().unwrap().to_string());
        }
        for b in blobs {
            assert_eq!(sha256(&blob(reg, repo, &b)), b, "blob {b} in {repo}");
        }
    }
}

#[test]
fn pushes_carry_attestation_manifests_and_blobs() {
    let a = registry!(Auth::None);
    let b = registry!(Auth::None);
    let multi = seed_buildx(&a, "src/app", "multi", &["linux/amd64", "linux/arm64"], 40);
    let env = TestEnv::new();

    // Another repository on the same registry: mounted.
    let here = format!("{}/mounted/app:v1", a.host());
    env.manifold(&["create", "--insecure", "--all", &here, &multi.reference])
        .success();
    let out = env.manifold(&["push", &here]);
    out.success();
    let served = raw(&env, &here);
    assert_eq!(
        &sha256(&served),
        out.stdout_str().lines().last().unwrap(),
        "the printed digest is the served list's"
    );
    attestations_readable(&env, &a, "mounted/app", &multi);
    validates_clean(&env, &served);

    // Another registry: copied, after consent.
    let there = format!("{}/copied/app:v1", b.host());
    env.manifold(&[
        "--compat",
        "podman",
        "create",
        "--insecure",
        "--platform",
        "linux/amd64",
        &there,
        &multi.reference,
    ])
    .success();
    env.manifold(&[
        "--compat",
        "podman",
        "push",
        "--insecure",
        "--yes",
        &there,
        &there,
    ])
    .success();
    let single = Buildx {
        reference: String::new(),
        descriptors: vec![multi.descriptors[0].clone(), multi.descriptors[2].clone()],
        pairs: vec![multi.pairs[0].clone()],
    };
    attestations_readable(&env, &b, "copied/app", &single);
    let served = raw(&env, &there);
    let doc: Value = serde_json::from_slice(&served).unwrap();
    assert_eq!(doc["manifests"].as_array().unwrap(), &single.descriptors);
    validates_clean(&env, &served);
}
