//! The browser page's layout check against the CLI: a two-platform list in a real registry
//! (its arm64 image ships an x86-64 helper and another Entrypoint), copied into a `.tar` by
//! `skopeo copy --all … oci-archive:`, dropped onto `wasm/www` in Chromium and given to the
//! Node package; both must show what `manifold check --check-binaries --json` and `manifold
//! compare --json` print for the registry image. `wasm/tests/layout-page.mjs` drives the
//! browser; `scripts/test-wasm` builds the page's modules first (as `scripts/test` does before
//! the workspace tests).

use std::path::{Path, PathBuf};
use std::process::Command;

use manifold_tests::seed::{sha256, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST};
use manifold_tests::{Auth, Registry, Seeder, TestEnv};
use serde_json::json;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A missing part: skipped with a note, or a failure under CI=true.
fn missing(what: &str) {
    assert!(!is_ci(), "{what} (CI=true: a missing part is a failure)");
    eprintln!("SKIP: {what}");
}

fn elf(e_machine: u16) -> Vec<u8> {
    let mut b = vec![0u8; 256];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&e_machine.to_le_bytes());
    b
}

/// A gzipped layer made by GNU tar.
fn tar_gz(env: &TestEnv, name: &str, files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let root = env.path(name);
    for (path, bytes) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    let out = env.path(&format!("{name}.tar.gz"));
    let st = Command::new("tar")
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

fn image(
    s: &Seeder,
    repo: &str,
    arch: &str,
    config: serde_json::Value,
    layer: Vec<u8>,
) -> serde_json::Value {
    let d = s.blob(repo, &layer);
    let cfg = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]}
    }))
    .unwrap();
    let cd = s.blob(repo, &cfg);
    let m = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": cfg.len()},
        "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": layer.len()}]
    }))
    .unwrap();
    let md = s.manifest(repo, &sha256(&m), OCI_MANIFEST, &m);
    json!({"mediaType": OCI_MANIFEST, "digest": md, "size": m.len(),
           "platform": {"os": "linux", "architecture": arch}})
}

#[test]
fn the_page_shows_the_clis_check_and_compare_of_a_skopeo_tar() {
    let root = repo_root();
    let page_module = root.join("wasm/www/pkg/manifold_inspect_bytes.js");
    let node_module = root.join("wasm/pkg/inspect/index.js");
    if !page_module.exists() || !node_module.exists() {
        return missing("the page's layout-check module is not built (run scripts/test-wasm)");
    }
    if !Path::new("/usr/bin/skopeo").exists() {
        return missing("skopeo is not installed");
    }
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let s = Seeder::new(&reg);
    let env = TestEnv::new();
    let amd = image(
        &s,
        "web",
        "amd64",
        json!({"Entrypoint": ["/usr/bin/app"], "Env": ["PATH=/usr/bin"]}),
        tar_gz(
            &env,
            "amd",
            &[("usr/bin/app", elf(62)), ("etc/motd", b"hi".to_vec())],
        ),
    );
    let arm = image(
        &s,
        "web",
        "arm64",
        json!({"Entrypoint": ["/usr/bin/app", "--arm"], "Env": ["PATH=/usr/bin"]}),
        tar_gz(
            &env,
            "arm",
            &[("usr/bin/app", elf(183)), ("usr/sbin/helper", elf(62))],
        ),
    );
    let index = serde_json::to_vec_pretty(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [amd, arm]}),
    )
    .unwrap();
    s.manifest("web", "v1", OCI_INDEX, &index);
    let r = format!("{}/web:v1", reg.host());

    let check = env.manifold(&["check", "--check-binaries", "--json", &r]);
    assert_eq!(
        check.code,
        1,
        "the CLI finds the x86-64 helper: {}",
        check.stdout_str()
    );
    let compare = env.manifold(&["compare", "--json", &r]);
    assert_eq!(compare.code, 0, "{}", compare.stderr);

    let tar = env.path("web.tar");
    let o = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--all",
            "--src-tls-verify=false",
        ])
        .arg(format!("docker://{r}"))
        .arg(format!("oci-archive:{}:v1", tar.display()))
        .output()
        .expect("skopeo");
    assert!(
        o.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    std::fs::write(env.path("check.json"), &check.stdout).unwrap();
    std::fs::write(env.path("compare.json"), &compare.stdout).unwrap();
    let cases = json!([{
        "name": "skopeo oci-archive",
        "tar": tar,
        "check": env.path("check.json"),
        "compare": env.path("compare.json"),
    }]);
    std::fs::write(env.path("cases.json"), serde_json::to_vec(&cases).unwrap()).unwrap();
    let o = Command::new("node")
        .arg(root.join("wasm/tests/layout-page.mjs"))
        .arg(env.path("cases.json"))
        .current_dir(&root)
        .output()
        .expect("node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "the page and the Node package against the CLI:\n{text}"
    );
    assert!(
        text.contains("page: skopeo oci-archive: same verdict, findings and rows"),
        "{text}"
    );
    assert!(
        text.contains("node: skopeo oci-archive: same verdict, findings and rows"),
        "{text}"
    );
}
