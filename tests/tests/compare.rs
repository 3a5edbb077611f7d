//! `manifold compare` against a real registry: a two-platform Cloud Native Buildpacks image
//! whose arm64 build lost a buildpack and its entrypoint, and a list whose platforms agree.

use manifold_tests::seed::{sha256, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST};
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv};
use serde_json::json;

/// Pushes an image with `config` as its inner config and one layer; returns its index entry.
fn image(s: &Seeder, repo: &str, arch: &str, config: serde_json::Value) -> serde_json::Value {
    let layer = format!("layer of {arch}").into_bytes();
    let ld = s.blob(repo, &layer);
    let cfg = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z", "config": config,
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]}
    }))
    .unwrap();
    let cd = s.blob(repo, &cfg);
    let m = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": cfg.len()},
        "layers": [{"mediaType": OCI_LAYER, "digest": ld, "size": layer.len()}]
    }))
    .unwrap();
    let d = s.manifest(repo, &sha256(&m), OCI_MANIFEST, &m);
    json!({"mediaType": OCI_MANIFEST, "digest": d, "size": m.len(),
           "platform": {"os": "linux", "architecture": arch}})
}

fn index(s: &Seeder, repo: &str, tag: &str, entries: Vec<serde_json::Value>) {
    let bytes = serde_json::to_vec(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}),
    )
    .unwrap();
    s.manifest(repo, tag, OCI_INDEX, &bytes);
}

/// The labels pack and the lifecycle write, with these buildpacks.
fn buildpack_labels(buildpacks: &[(&str, &str)]) -> serde_json::Value {
    let bps: Vec<_> = buildpacks
        .iter()
        .map(|(id, v)| json!({"id": id, "version": v}))
        .collect();
    let keys: Vec<_> = buildpacks
        .iter()
        .map(|(id, v)| json!({"key": id, "version": v, "layers": {}}))
        .collect();
    json!({
        "io.buildpacks.build.metadata": json!({
            "buildpacks": bps, "launcher": {"version": "0.20.3"},
            "processes": [{"type": "web", "command": ["npm"], "args": ["start"]}]
        }).to_string(),
        "io.buildpacks.lifecycle.metadata": json!({
            "buildpacks": keys,
            "runImage": {"image": "index.docker.io/paketobuildpacks/run-jammy-base", "reference": "sha256:00"}
        }).to_string(),
        "org.opencontainers.image.title": "web",
    })
}

fn both(o: &Output) -> String {
    format!("{}{}", o.stdout_str(), o.stderr)
}

#[test]
fn a_buildpack_missing_on_one_platform_is_one_row() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let amd = image(
        &s,
        "web",
        "amd64",
        json!({"Entrypoint": ["/cnb/process/web"], "Env": ["PATH=/cnb/process:/usr/bin", "NODE_ENV=production"],
               "WorkingDir": "/workspace",
               "Labels": buildpack_labels(&[("paketo-buildpacks/node-engine", "3.2.1"), ("paketo-buildpacks/npm-install", "1.4.0")])}),
    );
    let arm = image(
        &s,
        "web",
        "arm64",
        json!({"Entrypoint": ["/cnb/lifecycle/launcher"], "Env": ["PATH=/cnb/process:/usr/bin"],
               "WorkingDir": "/workspace",
               "Labels": buildpack_labels(&[("paketo-buildpacks/node-engine", "3.2.1")])}),
    );
    index(&s, "web", "v1", vec![amd, arm]);
    let env = TestEnv::new();
    let r = format!("{}/web:v1", reg.host());

    let o = env.manifold(&["compare", &r]);
    assert_eq!(o.code, 0, "{}", both(&o));
    for line in o.stdout_str().lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(
        o.stdout_str().contains("paketo-buildpack"),
        "{}",
        o.stdout_str()
    );
    // wide enough for one line per row, to read the rows
    let o = env.manifold(&["compare", "--width", "200", &r]);
    let text = o.stdout_str();
    let row = |label: &str| {
        text.lines()
            .find(|l| l.get(2..).is_some_and(|rest| rest.starts_with(label)))
            .unwrap_or_else(|| panic!("no row {label}:\n{text}"))
            .to_string()
    };
    let npm = row("buildpack paketo-buildpacks/npm-install");
    assert!(npm.starts_with('*'), "marked as differing: {npm}");
    assert!(
        npm.contains("1.4.0") && npm.trim_end().ends_with('-'),
        "{npm}"
    );
    assert!(row("Entrypoint").starts_with('*'), "{text}");
    assert!(
        row("Entrypoint").contains("[\"/cnb/process/web\"]"),
        "{text}"
    );
    assert!(!row("buildpack paketo-buildpacks/node-engine").starts_with('*'));
    assert!(!row("WorkingDir").starts_with('*'));
    assert!(row("lifecycle").contains("0.20.3"));
    assert!(text.contains("linux/amd64") && text.contains("linux/arm64"));

    let o = env.manifold(&["compare", "--diff", &r]);
    assert!(!o.stdout_str().contains("WorkingDir"), "{}", o.stdout_str());
    assert!(
        o.stdout_str().contains("Env NODE_ENV"),
        "{}",
        o.stdout_str()
    );

    let o = env.manifold(&["compare", "--fail-on-diff", &r]);
    assert_eq!(o.code, 1, "{}", both(&o));
    assert!(o.stderr.contains("Entrypoint"), "{}", o.stderr);
    let o = env.manifold(&["compare", "--fail-on-diff=working-dir,user", &r]);
    assert_eq!(o.code, 0, "{}", both(&o));
    let o = env.manifold(&["compare", "--fail-on-diff=buildpacks", &r]);
    assert_eq!(o.code, 1, "{}", both(&o));
    let o = env.manifold(&["compare", "--fail-on-diff=colour", &r]);
    assert_eq!(o.code, 2, "{}", both(&o));
    assert!(
        o.stderr.contains("unknown field \"colour\""),
        "{}",
        o.stderr
    );

    let o = env.manifold(&["compare", "--json", &r]);
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["columns"], json!(["linux/amd64", "linux/arm64"]));
    assert_eq!(v["buildpacks"], true);
    let rows = v["rows"].as_array().unwrap();
    let npm = rows
        .iter()
        .find(|r| r["label"] == "buildpack paketo-buildpacks/npm-install")
        .unwrap();
    assert_eq!(npm["values"], json!(["1.4.0", null]));
    assert_eq!(npm["differs"], true);
    assert_eq!(npm["field"], "buildpacks");
}

#[test]
fn identical_platforms_pass_fail_on_diff() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let cfg = json!({"Entrypoint": ["/app"], "Env": ["A=1"], "User": "1000"});
    let amd = image(&s, "same", "amd64", cfg.clone());
    let arm = image(&s, "same", "arm64", cfg);
    index(&s, "same", "v1", vec![amd, arm]);
    let env = TestEnv::new();
    let r = format!("{}/same:v1", reg.host());
    let o = env.manifold(&["compare", "--fail-on-diff", &r]);
    assert_eq!(o.code, 0, "{}", both(&o));
    let o = env.manifold(&["compare", "--fail-on-diff=platform", &r]);
    assert_eq!(o.code, 1, "the platforms themselves differ: {}", both(&o));
    let o = env.manifold(&[
        "--compat", "podman", "compare", "--diff", "--width", "60", &r,
    ]);
    assert_eq!(o.code, 0, "{}", both(&o));
    assert!(o.stdout_str().lines().all(|l| l.chars().count() <= 60));
    assert!(
        o.stdout_str().contains("* architecture"),
        "{}",
        o.stdout_str()
    );
    assert!(!o.stdout_str().contains("Entrypoint"), "{}", o.stdout_str());
}
