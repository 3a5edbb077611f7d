//! Artifacts in lists (podman 5's `manifest add --artifact` surface): files made into an OCI 1.1
//! artifact manifest (artifactType, the empty config descriptor with `data: "e30="`, one titled
//! layer per file, a subject, annotations), added as an entry without a platform, pushed with
//! its blobs from the local store, and read back by skopeo 1.9; `annotate --subject` sets the
//! index's subject. Everything pushed validates with no problem; a failure leaves the list as
//! it was.

use manifold_tests::podman::{self, PodmanEnv};
use manifold_tests::seed::{sha256, Format};
use manifold_tests::{Auth, Registry, Seeder, TestEnv};
use serde_json::Value;

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// What the registry serves at `GET /v2/{repo}/manifests/{reference}` (or blobs), without
/// manifold.
fn get(reg: &Registry, path: &str) -> Vec<u8> {
    let url = format!("{}/v2/{path}", reg.base_url());
    let mut resp = ureq::get(&url)
        .header("Accept", &format!("{OCI_INDEX}, {OCI_MANIFEST}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    resp.body_mut().read_to_vec().unwrap()
}

#[track_caller]
fn validates_clean(env: &TestEnv, bytes: &[u8]) {
    let file = env.path("doc.json");
    std::fs::write(&file, bytes).unwrap();
    let out = env.manifold(&["validate", "--json", file.to_str().unwrap()]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["problems"].as_array().map(Vec::len), Some(0), "{r}");
}

fn local(env: &TestEnv, list: &str) -> Value {
    let out = env.manifold(&["--compat", "podman", "inspect", "--raw", list]);
    out.success();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn add_artifact_makes_an_entry_skopeo_reads_back_after_push() {
    let reg = registry!(Auth::None);
    if !podman::available() {
        assert!(
            !manifold_tests::registry::is_ci(),
            "skopeo is missing and CI=true"
        );
        eprintln!("skipped: skopeo is not installed");
        return;
    }
    let s = Seeder::new(&reg);
    let h = reg.host();
    let image = s.image("art/app", Some("amd64"), "linux/amd64", Format::Oci, 7);
    let img = format!("{h}/art/app:amd64");
    let mut env = TestEnv::new();
    env.set("MANIFOLD_COMPAT", "podman");
    let notes = env.path("notes.txt");
    std::fs::write(&notes, b"release notes\n").unwrap();
    let data = env.path("payload.bin");
    std::fs::write(&data, [0u8, 1, 2, 3, 255]).unwrap();
    let list = format!("{h}/art/list:v1");
    env.manifold(&["manifest", "create", "--tls-verify=false", &list, &img])
        .success();

    // Failures first: each leaves the list as it was.
    let before = local(&env, &list);
    let out = env.manifold(&["manifest", "add", "--artifact-type", "a/b", &list, "x"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("add --artifact"), "{}", out.stderr);
    let out = env.manifold(&["manifest", "add", "--artifact", &list, "/no/such/file"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("/no/such/file"), "{}", out.stderr);
    let out = env.manifold(&[
        "manifest",
        "add",
        "--artifact",
        "--artifact-layer-type",
        "nonsense",
        &list,
        notes.to_str().unwrap(),
    ]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("is not a media type"), "{}", out.stderr);
    assert_eq!(local(&env, &list), before, "the list is unchanged");

    let out = env.manifold(&[
        "manifest",
        "add",
        "--tls-verify=false",
        "--artifact",
        "--artifact-type",
        "application/vnd.example.notes",
        "--artifact-subject",
        &img,
        "--artifact-annotation",
        "org.example.k=v",
        "--annotation",
        "org.example.entry=1",
        &list,
        notes.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    out.success();
    let shown = local(&env, &list);
    let entry = &shown["manifests"][1];
    assert_eq!(entry["artifactType"], "application/vnd.example.notes");
    assert_eq!(entry["annotations"]["org.example.entry"], "1");
    assert!(entry.get("platform").is_none(), "{entry}");
    let artifact = entry["digest"].as_str().unwrap().to_string();

    // annotate --subject: the index itself points at the image.
    env.manifold(&["manifest", "annotate", "--index", "--subject", &img, &list])
        .success();

    env.manifold(&["manifest", "push", "--tls-verify=false", &list, &list])
        .success();
    let served = get(&reg, "art/list/manifests/v1");
    validates_clean(&env, &served);
    let index: Value = serde_json::from_slice(&served).unwrap();
    assert_eq!(index["mediaType"], OCI_INDEX);
    assert_eq!(index["subject"]["digest"], image.digest.as_str());
    assert_eq!(index["manifests"][1]["digest"], artifact.as_str());

    // skopeo reads the artifact manifest back, byte for byte what the registry holds.
    let p = PodmanEnv::new(std::slice::from_ref(&h));
    let out = p.skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{h}/art/list@{artifact}"),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(sha256(&out.stdout), artifact);
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    validates_clean(&env, &out.stdout);
    assert_eq!(m["artifactType"], "application/vnd.example.notes");
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(m["config"]["data"], "e30=");
    assert_eq!(m["subject"]["digest"], image.digest.as_str());
    assert_eq!(m["annotations"]["org.example.k"], "v");
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers[0]["mediaType"], "text/plain");
    assert_eq!(
        layers[0]["annotations"]["org.opencontainers.image.title"],
        "notes.txt"
    );
    assert_eq!(layers[1]["mediaType"], "application/octet-stream");
    // ... and its files and config are in the registry with their contents.
    for (layer, bytes) in layers.iter().zip([
        std::fs::read(&notes).unwrap(),
        std::fs::read(&data).unwrap(),
    ]) {
        let d = layer["digest"].as_str().unwrap();
        assert_eq!(get(&reg, &format!("art/list/blobs/{d}")), bytes);
    }
    let config = m["config"]["digest"].as_str().unwrap();
    assert_eq!(get(&reg, &format!("art/list/blobs/{config}")), b"{}");
    // skopeo reads the index too, the artifact entry in it.
    let out = p.skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{list}"),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, served);
}

#[test]
fn an_artifact_cannot_join_a_docker_list_silently() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let h = reg.host();
    s.image("art/d", Some("amd64"), "linux/amd64", Format::Docker, 8);
    let env = TestEnv::new();
    let file = env.path("f.txt");
    std::fs::write(&file, b"x").unwrap();
    let list = format!("{h}/art/dlist:v1");
    env.manifold(&["create", "--insecure", &list, &format!("{h}/art/d:amd64")])
        .success();
    let before = env.manifold(&["inspect", "--raw", &list]).stdout;
    let out = env.manifold(&["add", "--artifact", &list, file.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot hold artifactType ($.manifests[1].artifactType)")
            && out.stderr.contains("--format oci"),
        "{}",
        out.stderr
    );
    assert_eq!(env.manifold(&["inspect", "--raw", &list]).stdout, before);
    // The podman personality makes its Docker list OCI, and says so.
    let plist = format!("{h}/art/plist:v1");
    env.manifold(&[
        "--compat",
        "podman",
        "create",
        "--format",
        "v2s2",
        &plist,
        &format!("{h}/art/d:amd64"),
    ])
    .success();
    let out = env.manifold(&[
        "--compat",
        "podman",
        "add",
        "--artifact",
        &plist,
        file.to_str().unwrap(),
    ]);
    out.success();
    assert!(
        out.stderr.contains("is now an OCI image index: a Docker manifest list cannot hold artifactType ($.manifests[1].artifactType)"),
        "{}",
        out.stderr
    );
}
