//! `manifold check` against a real registry: a list whose arm64 entry holds an amd64 image, a
//! healthy list with attestations, members and layers deleted from the registry, a registry
//! refusing the credentials, binaries built for another machine, and the same list as a local
//! list and as an OCI layout.

use manifold_tests::seed::{sha256, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST};
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv};
use serde_json::json;

/// An image pushed by hand: config `arch` with `config` as its inner config, `layers` as given
/// (media type, bytes); returns (digest, size, manifest bytes).
fn image(
    s: &Seeder,
    repo: &str,
    arch: &str,
    config: serde_json::Value,
    layers: &[(&str, Vec<u8>)],
) -> (String, usize) {
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    for (mt, bytes) in layers {
        let d = s.blob(repo, bytes);
        descs.push(json!({"mediaType": mt, "digest": d, "size": bytes.len()}));
        diff_ids.push(sha256(bytes));
    }
    let cfg = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .unwrap();
    let cd = s.blob(repo, &cfg);
    let m = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": cfg.len()},
        "layers": descs
    }))
    .unwrap();
    let d = s.manifest(repo, &sha256(&m), OCI_MANIFEST, &m);
    (d, m.len())
}

fn entry(d: &(String, usize), platform: serde_json::Value) -> serde_json::Value {
    json!({"mediaType": OCI_MANIFEST, "digest": d.0, "size": d.1, "platform": platform})
}

fn index(s: &Seeder, repo: &str, tag: &str, entries: Vec<serde_json::Value>) -> String {
    let bytes = serde_json::to_vec_pretty(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}),
    )
    .unwrap();
    s.manifest(repo, tag, OCI_INDEX, &bytes)
}

fn layer(name: &str) -> (&'static str, Vec<u8>) {
    (OCI_LAYER, format!("layer {name}").into_bytes())
}

/// A healthy two-platform list with a buildx-style attestation about the amd64 image.
fn healthy(s: &Seeder, repo: &str) -> ((String, usize), (String, usize), String) {
    let amd = image(
        s,
        repo,
        "amd64",
        json!({"Cmd": ["/app"]}),
        &[layer("base"), layer("amd")],
    );
    let arm = image(
        s,
        repo,
        "arm64",
        json!({"Cmd": ["/app"]}),
        &[layer("base"), layer("arm")],
    );
    let att = image(s, repo, "unknown", json!({}), &[layer("in-toto")]);
    let mut att_entry = entry(&att, json!({"os": "unknown", "architecture": "unknown"}));
    att_entry["annotations"] = json!({
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": amd.0,
    });
    let d = index(
        s,
        repo,
        "v1",
        vec![
            entry(&amd, json!({"os": "linux", "architecture": "amd64"})),
            entry(
                &arm,
                json!({"os": "linux", "architecture": "arm64", "variant": "v8"}),
            ),
            att_entry,
        ],
    );
    (amd, arm, d)
}

fn out(o: &Output) -> String {
    format!("{}{}", o.stdout_str(), o.stderr)
}

fn delete(reg: &Registry, path: &str) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .new_agent();
    let r = agent
        .delete(&format!("{}/v2/{path}", reg.base_url()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202, "DELETE {path}");
}

#[test]
fn an_arm64_entry_over_an_amd64_image_is_named() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let amd = image(&s, "app", "amd64", json!({}), &[layer("a")]);
    let wrong = image(&s, "app", "amd64", json!({}), &[layer("b")]);
    index(
        &s,
        "app",
        "mixed",
        vec![
            entry(&amd, json!({"os": "linux", "architecture": "amd64"})),
            entry(&wrong, json!({"os": "linux", "architecture": "arm64"})),
        ],
    );
    let env = TestEnv::new();
    let r = format!("{}/app:mixed", reg.host());
    let o = env.manifold(&["check", &r]);
    assert_eq!(o.code, 1, "{}", out(&o));
    let text = o.stdout_str();
    assert!(
        text.contains(
            "error: manifests[1] linux/arm64 → config.architecture: the entry says linux/arm64 but \
             the config's architecture is \"amd64\""
        ),
        "{text}"
    );
    assert!(text.contains("1 problem(s) found"), "{text}");

    let o = env.manifold(&["check", "--json", &r]);
    assert_eq!(o.code, 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "problems");
    assert_eq!(v["findings"][0]["rule"], "platform");
    assert_eq!(
        v["findings"][0]["path"],
        "manifests[1] linux/arm64 → config.architecture"
    );
}

#[test]
fn a_healthy_list_passes_until_a_member_or_layer_goes() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let (_amd, arm, _) = healthy(&s, "app");
    let env = TestEnv::new();
    let r = format!("{}/app:v1", reg.host());
    for compat in ["docker", "podman", "pack"] {
        let o = env.manifold(&["--compat", compat, "check", &r]);
        assert_eq!(o.code, 0, "{compat}: {}", out(&o));
        assert!(
            o.stdout_str()
                .contains(": ok (1 index(es), 3 manifest(s), 3 config(s), 4 blob(s) checked"),
            "{}",
            o.stdout_str()
        );
    }
    let o = env.manifold(&["check", "--json", &r]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "clean");
    assert_eq!(v["counts"]["manifests"], 3);
    // every layer fetched and verified
    let o = env.manifold(&["check", "--pull-layers", &r]);
    assert_eq!(o.code, 0, "{}", out(&o));
    let before = reg.count("GET", "/v2/app/blobs/");
    assert!(before >= 4 + 3, "layers and configs fetched: {before}");

    let arm_layer = sha256(b"layer arm");
    delete(&reg, &format!("app/blobs/{arm_layer}"));
    let o = env.manifold(&["check", &r]);
    assert_eq!(o.code, 1, "{}", out(&o));
    assert!(
        o.stdout_str().contains(&format!(
            "error: manifests[1] linux/arm64/v8 → layers[1]: blob {arm_layer} is not in the repository"
        )),
        "{}",
        o.stdout_str()
    );

    delete(&reg, &format!("app/manifests/{}", arm.0));
    let o = env.manifold(&["check", &r]);
    assert_eq!(o.code, 1, "{}", out(&o));
    assert!(
        o.stdout_str().contains(&format!(
            "error: manifests[1] linux/arm64/v8: manifest {} is not in the repository",
            arm.0
        )),
        "{}",
        o.stdout_str()
    );
}

#[test]
fn refused_credentials_cannot_be_checked() {
    let Some(reg) = Registry::start(Auth::Basic) else {
        return;
    };
    let s = Seeder::new(&reg);
    healthy(&s, "app");
    let env = TestEnv::new();
    let r = format!("{}/app:v1", reg.host());
    let o = env.manifold(&["check", "--creds", "alice:wrong-password", &r]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(o.stderr.contains("unauthorized"), "{}", o.stderr);
    assert!(o.stderr.contains(&reg.host()), "{}", o.stderr);
    let o = env.manifold(&[
        "check",
        "--creds",
        &format!("{}:{}", manifold_tests::USER, manifold_tests::PASSWORD),
        &r,
    ]);
    assert_eq!(o.code, 0, "{}", out(&o));
}

#[test]
fn local_lists_and_layouts_are_checked_too() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let amd = image(&s, "app", "amd64", json!({}), &[layer("a")]);
    let wrong = image(&s, "app", "amd64", json!({}), &[layer("b")]);
    let env = TestEnv::new();
    let a = format!("{}/app@{}", reg.host(), amd.0);
    let w = format!("{}/app@{}", reg.host(), wrong.0);
    let list = format!("{}/app:local", reg.host());
    env.manifold(&["create", &list, &a, &w]).success();
    env.manifold(&["annotate", "--os", "linux", "--arch", "arm64", &list, &w])
        .success();
    let o = env.manifold(&["check", &list]);
    assert_eq!(o.code, 1, "{}", out(&o));
    assert!(
        o.stdout_str()
            .contains("manifests[1] linux/arm64 → config.architecture"),
        "{}",
        o.stdout_str()
    );

    // the same list pushed to an OCI layout: read from its folder alone
    let dir = env.path("layout");
    let dest = format!("oci:{}:v1", dir.display());
    env.manifold(&["push", &list, &dest]).success();
    let o = env.manifold(&["check", &dest]);
    assert_eq!(o.code, 1, "{}", out(&o));
    assert!(
        o.stdout_str()
            .contains("manifests[1] linux/arm64 → config.architecture"),
        "{}",
        o.stdout_str()
    );
    let o = env.manifold(&["check", &format!("oci:{}:nope", dir.display())]);
    assert_eq!(o.code, 2, "{}", out(&o));
}

/// A gzipped tar layer made by GNU tar holding `files` (path, bytes).
fn tar_gz(env: &TestEnv, name: &str, files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let root = env.path(name);
    for (path, bytes) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    let out = env.path(&format!("{name}.tar.gz"));
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(&root)
        .arg(".")
        .status()
        .expect("GNU tar");
    assert!(st.success());
    std::fs::read(out).unwrap()
}

/// The first bytes of a 64-bit little-endian ELF executable for machine `e_machine`.
fn elf(e_machine: u16) -> Vec<u8> {
    let mut b = vec![0u8; 256];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // ELFDATA2LSB
    b[6] = 1; // EV_CURRENT
    b[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    b[18..20].copy_from_slice(&e_machine.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b
}

#[test]
fn check_binaries_names_an_x86_64_file_in_the_arm64_image() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let env = TestEnv::new();
    let good = tar_gz(
        &env,
        "good",
        &[("usr/bin/app", elf(183)), ("etc/motd", b"hi".to_vec())],
    );
    let bad = tar_gz(
        &env,
        "bad",
        &[("usr/bin/app", elf(183)), ("usr/sbin/helper", elf(62))],
    );
    let amd_layer = tar_gz(&env, "amd", &[("usr/bin/app", elf(62))]);
    let amd = image(&s, "bins", "amd64", json!({}), &[(OCI_LAYER, amd_layer)]);
    let arm = image(
        &s,
        "bins",
        "arm64",
        json!({}),
        &[(OCI_LAYER, good), (OCI_LAYER, bad)],
    );
    index(
        &s,
        "bins",
        "v1",
        vec![
            entry(&amd, json!({"os": "linux", "architecture": "amd64"})),
            entry(&arm, json!({"os": "linux", "architecture": "arm64"})),
        ],
    );
    let r = format!("{}/bins:v1", reg.host());
    // without the flag the layers are only asked about: nothing to see
    let o = env.manifold(&["check", &r]);
    assert_eq!(o.code, 0, "{}", out(&o));
    let o = env.manifold(&["check", "--check-binaries", &r]);
    assert_eq!(o.code, 1, "{}", out(&o));
    let text = o.stdout_str();
    assert!(
        text.contains(
            "error: manifests[1] linux/arm64 → layers[1] /usr/sbin/helper: /usr/sbin/helper is \
             x86-64 in the linux/arm64 image"
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("error:").count(),
        1,
        "only the foreign one: {text}"
    );
    assert!(text.contains("4 executable(s) in 3 layer(s)"), "{text}");
    let o = env.manifold(&["check", "--check-binaries", "--json", &r]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "binary");
}
