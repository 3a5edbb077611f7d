//! `manifold validate` and `manifold digest` as a user runs them: exit codes, the human and
//! JSON reports, and digests equal to what sha256sum/sha512sum compute from the same bytes.

use std::io::Write;
use std::process::{Command, Stdio};

use manifold_tests::{manifold_bin, TestEnv};

fn examples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples")
}

fn coreutils(tool: &str, path: &std::path::Path) -> String {
    let out = Command::new(tool)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn digest_equals_coreutils_for_files_and_stdin() {
    let env = TestEnv::new();
    // Deterministic pseudo-random content of a few sizes, including empty.
    for (i, len) in [0usize, 1, 55, 64, 1000, 1 << 20].into_iter().enumerate() {
        let mut x: u32 = 0x1234_5678 ^ i as u32;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let path = env.path(&format!("blob{i}"));
        std::fs::write(&path, &bytes).unwrap();
        let out = env.manifold(&["digest", path.to_str().unwrap()]);
        out.success();
        assert_eq!(
            out.stdout_str(),
            format!("sha256:{}\n", coreutils("sha256sum", &path))
        );
        let out = env.manifold(&["digest", "--algorithm", "sha512", path.to_str().unwrap()]);
        assert_eq!(
            out.stdout_str(),
            format!("sha512:{}\n", coreutils("sha512sum", &path))
        );
        // Standard input gives the same.
        let mut child = Command::new(manifold_bin())
            .args(["digest", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let piped = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8(piped.stdout).unwrap(),
            format!("sha256:{}\n", coreutils("sha256sum", &path))
        );
    }
    let bad = env.manifold(&["digest", "--algorithm", "md5", "x"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("use sha256, sha512 or blake3"),
        "{}",
        bad.stderr
    );
}

#[test]
fn validate_reports_each_problem_by_path_and_exits_by_verdict() {
    let env = TestEnv::new();
    let ok = env.manifold(&[
        "validate",
        examples().join("oci-index.json").to_str().unwrap(),
    ]);
    ok.success();
    assert!(ok.stdout_str().ends_with(": valid index (1392 bytes, sha256:feff6ae0254fc5070e929a088d962b5f16ea8221a0cb0a15fc8a0844c3e362e3): 0 error(s), 0 warning(s)\n"), "{}", ok.stdout_str());
    let bad = env.manifold(&[
        "validate",
        examples().join("invalid-index.json").to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 1);
    let lines: Vec<String> = bad.stdout_str().lines().map(str::to_string).collect();
    assert_eq!(lines[0], "$.schemaVersion: schemaVersion is 3; expected 2");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("$.manifests[0].size: size is -1")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("$.manifests[1].digest: sha256 digest has 3 hex digits; expected 64")),
        "{lines:?}"
    );
    assert!(
        lines.last().unwrap().contains("invalid index")
            && lines.last().unwrap().contains("6 error(s)")
    );
    // Warnings alone keep exit 0; the Docker example's mixed list gets one.
    let docker = env.manifold(&[
        "validate",
        examples().join("docker-list.json").to_str().unwrap(),
    ]);
    docker.success();
    assert!(docker
        .stdout_str()
        .starts_with("$.manifests[1].mediaType: warning: "));
    // Usage errors exit 2.
    assert_eq!(
        env.manifold(&["validate", "--kind", "nonsense", "x"]).code,
        2
    );
    let missing = env.manifold(&["validate", "/nonexistent/file.json"]);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr, "/nonexistent/file.json: no such file; give the path of a JSON document, or - to read standard input\n");
}

#[test]
fn validate_json_report_has_every_field() {
    let env = TestEnv::new();
    let path = examples().join("docker-list.json");
    let out = env.manifold(&["validate", "--json", path.to_str().unwrap()]);
    out.success();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["kind"], "manifest-list");
    assert_eq!(
        v["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    assert_eq!(
        v["digest"],
        format!("sha256:{}", coreutils("sha256sum", &path))
    );
    assert_eq!(v["size"], 876);
    assert_eq!(v["problems"][0]["severity"], "warning");
    assert_eq!(v["problems"][0]["path"], "$.manifests[1].mediaType");
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["entries"][1]["platform"]["os.features"],
        serde_json::json!(["f1", "f2"])
    );
    // --kind forces the reading: the Docker list read as an OCI index is wrong about its mediaType.
    let forced = env.manifold(&[
        "validate",
        "--kind",
        "index",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(forced.code, 1);
    let v: serde_json::Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert!(v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["path"] == "$.mediaType" && p["severity"] == "error"));
}
