//! `manifold index remove` and `manifold index annotate` against the real registry: entries
//! removed by digest or platform (attestations along), annotations set, a removed entry not
//! brought back by a later append, dry runs that write nothing, and concurrent edits and
//! appends that all land.

use std::process::Stdio;

use manifold_tests::seed::{sha256, Format};
use manifold_tests::{manifold_bin, Auth, Registry, Seeder, TestEnv};

macro_rules! registry {
    () => {
        match Registry::start(Auth::None) {
            Some(r) => r,
            None => return,
        }
    };
}

fn index(reg: &Registry, repo: &str, tag: &str) -> serde_json::Value {
    let (status, bytes) = reg.get_manifest(repo, tag);
    assert_eq!(status, 200);
    serde_json::from_slice(&bytes).unwrap()
}

fn digests(v: &serde_json::Value) -> Vec<String> {
    v["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn remove_by_digest_and_platform_and_a_later_append_does_not_bring_it_back() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let a = s.image("e/app", Some("a"), "linux/amd64", Format::Oci, 1);
    let b = s.image("e/app", Some("b"), "linux/arm64/v8", Format::Oci, 2);
    let c = s.image("e/app", Some("c"), "linux/s390x", Format::Oci, 3);
    let d = s.image("e/app", Some("d"), "linux/ppc64le", Format::Oci, 4);
    let h = reg.host();
    let env = TestEnv::new();
    let t = format!("{h}/e/app:v1");
    for tag in ["a", "b", "c"] {
        env.manifold(&["append", "--insecure", &t, &format!("{h}/e/app:{tag}")])
            .success();
    }
    // A dry run writes nothing and shows the index without the entry.
    let before = reg.requests().len();
    let out = env.manifold(&[
        "index",
        "remove",
        "--insecure",
        "--dry-run",
        "--json",
        &t,
        &b.digest[7..19],
    ]);
    out.success();
    assert!(reg.requests()[before..]
        .iter()
        .all(|r| r.method == "GET" || r.method == "HEAD"));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown: serde_json::Value = serde_json::from_str(plan["index"].as_str().unwrap()).unwrap();
    assert_eq!(digests(&shown), vec![a.digest.clone(), c.digest.clone()]);
    let writes = plan["writes"].as_array().unwrap();
    assert_eq!(
        writes.last().unwrap()["request"],
        "PUT /v2/e/app/manifests/v1"
    );
    // b's marker is rewritten first, so no later union brings it back.
    assert!(writes.len() >= 2, "{writes:?}");
    assert_eq!(digests(&index(&reg, "e/app", "v1")).len(), 3);

    // By a digest prefix.
    let out = env.manifold(&["index", "remove", "--insecure", &t, &b.digest[7..19]]);
    out.success();
    let served = index(&reg, "e/app", "v1");
    assert_eq!(digests(&served), vec![a.digest.clone(), c.digest.clone()]);
    // By platform.
    env.manifold(&[
        "index",
        "remove",
        "--insecure",
        "--platform",
        "linux/s390x",
        &t,
    ])
    .success();
    assert_eq!(digests(&index(&reg, "e/app", "v1")), vec![a.digest.clone()]);
    // A later append unions the markers again: the removed entries stay removed.
    env.manifold(&["append", "--insecure", &t, &format!("{h}/e/app:d")])
        .success();
    assert_eq!(
        digests(&index(&reg, "e/app", "v1")),
        vec![a.digest.clone(), d.digest.clone()]
    );
    // Not there: one line naming it, nothing written.
    let out = env.manifold(&["index", "remove", "--insecure", &t, &b.digest]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = env.manifold(&[
        "index",
        "remove",
        "--insecure",
        "--platform",
        "windows/amd64",
        &t,
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("no entry of platform windows/amd64"),
        "{}",
        out.stderr
    );
    let out = env.manifold(&[
        "index",
        "remove",
        "--insecure",
        &format!("{h}/e/app:none"),
        &a.digest,
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no index there"), "{}", out.stderr);
}

/// The exact bytes at n/app:v1.
fn served_bytes(reg: &Registry) -> Vec<u8> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .new_agent();
    let url = format!("{}/v2/n/app/manifests/v1", reg.base_url());
    agent
        .get(&url)
        .header("Accept", "application/vnd.oci.image.index.v1+json")
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap()
}

#[test]
fn annotate_an_entry_by_platform_or_digest_and_the_index_itself() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let a = s.image("n/app", Some("a"), "linux/amd64", Format::Oci, 10);
    s.image("n/app", Some("b"), "linux/arm64/v8", Format::Oci, 11);
    let h = reg.host();
    let env = TestEnv::new();
    let t = format!("{h}/n/app:v1");
    env.manifold(&[
        "append",
        "--insecure",
        &t,
        &format!("{h}/n/app:a"),
        &format!("{h}/n/app:b"),
    ])
    .success();
    let out = env.manifold(&[
        "index",
        "annotate",
        "--insecure",
        "--json",
        "--platform",
        "linux/arm64",
        "--annotation",
        "org.example.built-by=ci",
        &t,
    ]);
    out.success();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let served = index(&reg, "n/app", "v1");
    assert_eq!(
        served["manifests"][1]["annotations"]["org.example.built-by"],
        "ci"
    );
    assert!(served["manifests"][0].get("annotations").is_none());
    assert_eq!(j["entries"], 2);
    env.manifold(&[
        "index",
        "annotate",
        "--insecure",
        &t,
        &a.digest,
        "--os-version",
        "1.0",
    ])
    .success();
    env.manifold(&[
        "index",
        "annotate",
        "--insecure",
        "--index",
        "--annotation",
        "org.opencontainers.image.version=1.2",
        &t,
    ])
    .success();
    let served = index(&reg, "n/app", "v1");
    assert_eq!(served["manifests"][0]["platform"]["os.version"], "1.0");
    assert_eq!(
        served["annotations"]["org.opencontainers.image.version"],
        "1.2"
    );
    // The same annotation again writes nothing.
    let before = reg.requests().len();
    let out = env.manifold(&[
        "index",
        "annotate",
        "--insecure",
        "--index",
        "--annotation",
        "org.opencontainers.image.version=1.2",
        &t,
    ]);
    out.success();
    assert!(reg.requests()[before..].iter().all(|r| r.method != "PUT"));
    assert_eq!(out.stdout_str().trim(), sha256(&served_bytes(&reg)));
}

#[test]
fn a_removal_and_concurrent_appends_all_land() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let plats = [
        "linux/amd64",
        "linux/arm64/v8",
        "linux/s390x",
        "linux/ppc64le",
        "linux/386",
        "linux/riscv64",
    ];
    let imgs: Vec<_> = plats
        .iter()
        .enumerate()
        .map(|(i, p)| {
            s.image(
                "c/app",
                Some(&format!("i{i}")),
                p,
                Format::Oci,
                20 + i as u32,
            )
        })
        .collect();
    let h = reg.host();
    let env = TestEnv::new();
    let t = format!("{h}/c/app:v1");
    env.manifold(&[
        "append",
        "--insecure",
        &t,
        &format!("{h}/c/app:i0"),
        &format!("{h}/c/app:i1"),
    ])
    .success();
    let mut children = Vec::new();
    let mut cmd = |args: Vec<String>| {
        children.push(
            env.command(&manifold_bin())
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    };
    cmd(vec![
        "index".into(),
        "remove".into(),
        "--insecure".into(),
        t.clone(),
        imgs[0].digest.clone(),
    ]);
    for i in 2..6 {
        cmd(vec![
            "append".into(),
            "--insecure".into(),
            t.clone(),
            format!("{h}/c/app:i{i}"),
        ]);
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let got = digests(&index(&reg, "c/app", "v1"));
    assert!(
        !got.contains(&imgs[0].digest),
        "removed entry is back: {got:?}"
    );
    for img in &imgs[1..] {
        assert!(got.contains(&img.digest), "{} lost: {got:?}", img.platform);
    }
}
