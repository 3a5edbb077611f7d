//! No silent format change or loss: an edit a Docker manifest list cannot hold (annotations,
//! subject, an artifact entry) turns the list into an OCI index with a one-line notice under the
//! podman and pack personalities, and is refused, naming the field and `--format oci`, under the
//! docker personality or an explicit `--format v2s2`; a refusal leaves the local list as it was.
//! Sources that are ambiguous between an index and a manifest (CVE-2021-41190) are refused
//! naming the field. Every list pushed here validates with no problem at all.

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
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// The bytes a registry serves for `HOST/REPO:TAG`, read without manifold.
fn served(reference: &str) -> Vec<u8> {
    let (host, rest) = reference.split_once('/').unwrap();
    let (repo, tag) = rest.rsplit_once(':').unwrap();
    let url = format!("http://{host}/v2/{repo}/manifests/{tag}");
    let mut resp = ureq::get(&url)
        .header("Accept", &format!("{OCI_INDEX}, {DOCKER_LIST}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    resp.body_mut().read_to_vec().unwrap()
}

/// `manifold validate --json` of `bytes`: the report.
fn report(env: &TestEnv, bytes: &[u8]) -> Value {
    let file = env.path("doc.json");
    std::fs::write(&file, bytes).unwrap();
    let out = env.manifold(&["validate", "--json", file.to_str().unwrap()]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What manifold pushed validates without a single problem.
#[track_caller]
fn validates_clean(env: &TestEnv, bytes: &[u8]) {
    let r = report(env, bytes);
    assert_eq!(r["valid"], true, "{r}");
    assert_eq!(r["problems"].as_array().map(Vec::len), Some(0), "{r}");
}

/// The local list's bytes as a push would send them (`inspect --raw`).
fn local(env: &TestEnv, compat: &str, list: &str) -> Vec<u8> {
    let out = env.manifold(&["--compat", compat, "inspect", "--raw", list]);
    out.success();
    out.stdout
}

#[test]
fn an_annotation_converts_a_docker_list_under_podman_and_pack_and_docker_refuses() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let h = reg.host();
    let amd = s.image("src/oci", Some("amd64"), "linux/amd64", Format::Oci, 1);
    let arm = s.image("src/oci", Some("arm64"), "linux/arm64", Format::Oci, 2);
    let docker_img = s.image(
        "src/docker",
        Some("amd64"),
        "linux/amd64",
        Format::Docker,
        3,
    );
    let (a, b) = (format!("{h}/src/oci:amd64"), format!("{h}/src/oci:arm64"));
    let env = TestEnv::new();

    for compat in ["podman", "pack"] {
        // A Docker-format list (chosen at create), then an annotation on an entry.
        let list = format!("{h}/{compat}/app:v1");
        let create: &[&str] = if compat == "pack" {
            &["create", "-f", "v2s2"]
        } else {
            &["create", "--insecure", "--format", "v2s2"]
        };
        let mut args = vec!["--compat", compat];
        args.extend_from_slice(create);
        args.extend_from_slice(&[&list, &a, &b]);
        env.manifold(&args).success();
        let before: Value = serde_json::from_slice(&local(&env, compat, &list)).unwrap();
        assert_eq!(before["mediaType"], DOCKER_LIST, "{compat}");

        let out = env.manifold(&[
            "--compat",
            compat,
            "annotate",
            "--annotation",
            "org.example.k=v",
            &list,
            &amd.digest,
        ]);
        out.success();
        let notices: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains("is now an OCI image index"))
            .collect();
        assert_eq!(
            notices,
            [format!(
                "note: {list} is now an OCI image index: a Docker manifest list cannot hold annotations ($.manifests[0].annotations)"
            )],
            "{compat}: {}",
            out.stderr
        );
        // Pushed: an OCI index holding the annotation, members untouched, nothing to warn of.
        let push: &[&str] = if compat == "pack" {
            &["push", "--insecure", &list]
        } else {
            &["push", "--insecure", &list, &list]
        };
        let mut args = vec!["--compat", compat];
        args.extend_from_slice(push);
        env.manifold(&args).success();
        let bytes = served(&list);
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["mediaType"], OCI_INDEX, "{compat}");
        assert_eq!(doc["manifests"][0]["annotations"]["org.example.k"], "v");
        assert_eq!(doc["manifests"][0]["digest"], amd.digest.as_str());
        assert_eq!(doc["manifests"][1]["digest"], arm.digest.as_str());
        validates_clean(&env, &bytes);
    }

    // The docker personality: a Docker list (its first entry is a Docker image) refuses it, and
    // the list stays as it was.
    let list = format!("{h}/docker/app:v1");
    let src = format!("{h}/src/docker:amd64");
    env.manifold(&["create", "--insecure", &list, &src])
        .success();
    let before = local(&env, "docker", &list);
    for args in [
        vec!["annotate", "--annotation", "k=v", &list, &src],
        vec!["annotate", "--index", "--annotation", "k=v", &list],
    ] {
        let out = env.manifold(&args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("a Docker manifest list cannot hold annotations")
                && out.stderr.contains("--format oci"),
            "{}",
            out.stderr
        );
        assert_eq!(
            local(&env, "docker", &list),
            before,
            "the list is unchanged"
        );
    }
    // Made OCI explicitly, the annotation is taken and the pushed index validates clean.
    env.manifold(&["create", "--amend", "--format", "oci", &list])
        .success();
    env.manifold(&["annotate", "--annotation", "k=v", &list, &src])
        .success();
    let out = env.manifold(&["push", &list]);
    out.success();
    let bytes = served(&list);
    assert_eq!(&sha256(&bytes), out.stdout_str().lines().last().unwrap());
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["mediaType"], OCI_INDEX);
    assert_eq!(doc["manifests"][0]["digest"], docker_img.digest.as_str());
    // (A Docker image inside an OCI index: image-spec's portability SHOULD, and only that.)
    let r = report(&env, &bytes);
    assert_eq!(r["valid"], true);
    let problems = r["problems"].as_array().unwrap();
    assert!(
        problems.iter().all(|p| p["message"]
            .as_str()
            .unwrap()
            .contains("Docker type in an OCI index")),
        "{r}"
    );
}

#[test]
fn an_explicit_v2s2_refuses_what_a_docker_list_cannot_hold() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let h = reg.host();
    s.image("src/oci", Some("amd64"), "linux/amd64", Format::Oci, 1);
    let a = format!("{h}/src/oci:amd64");
    let env = TestEnv::new();
    for compat in ["docker", "podman"] {
        let list = format!("{h}/{compat}/x:v1");
        let out = env.manifold(&[
            "--compat",
            compat,
            "create",
            "--insecure",
            "--format",
            "v2s2",
            "--annotation",
            "k=v",
            &list,
            &a,
        ]);
        assert_ne!(out.code, 0, "{compat}");
        assert!(
            out.stderr
                .contains("cannot hold annotations ($.annotations)")
                && out.stderr.contains("--format oci"),
            "{compat}: {}",
            out.stderr
        );
        let exists = env.manifold(&["--compat", compat, "manifest", "exists", &list]);
        assert_eq!(exists.code, 1, "{compat}: nothing written");
    }
    // push --format v2s2 of an annotated OCI list: refused, nothing sent.
    let list = format!("{h}/p/oci:v1");
    env.manifold(&[
        "--compat",
        "podman",
        "create",
        "--insecure",
        "--annotation",
        "k=v",
        &list,
        &a,
    ])
    .success();
    let before = reg.requests().len();
    let out = env.manifold(&[
        "--compat",
        "podman",
        "push",
        "--insecure",
        "--format",
        "v2s2",
        &list,
        &list,
    ]);
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot hold annotations ($.annotations)"),
        "{}",
        out.stderr
    );
    assert!(
        reg.requests()[before..]
            .iter()
            .all(|r| r.method != "PUT" && r.method != "POST"),
        "nothing written"
    );
}

/// An OCI layout whose tag `bad` names `doc` (stored as a blob under `media_type`).
fn layout_with(dir: &std::path::Path, doc: &str, media_type: &str) -> String {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let d = sha256(doc.as_bytes());
    std::fs::write(dir.join("blobs/sha256").join(&d[7..]), doc).unwrap();
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{media_type}","digest":"{d}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"bad"}}}}]}}"#,
        doc.len()
    );
    std::fs::write(dir.join("index.json"), index).unwrap();
    format!("oci:{}:bad", dir.display())
}

#[test]
fn ambiguous_sources_are_refused_naming_the_field() {
    let env = TestEnv::new();
    let zero = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let entry = format!(
        r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{zero}","size":2,"platform":{{"architecture":"amd64","os":"linux"}}}}"#
    );
    let cases = [
        (
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{entry}],"fsLayers":[{{"blobSum":"{zero}"}}]}}"#
            ),
            OCI_INDEX,
            "fsLayers",
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{DOCKER_LIST}","manifests":[{entry}],"history":[{{"v1Compatibility":"{{}}"}}]}}"#
            ),
            DOCKER_LIST,
            "history",
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{entry}],"layers":[]}}"#
            ),
            OCI_INDEX,
            "layers",
        ),
        (
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{zero}","size":2}},"layers":[],"manifests":[{entry}]}}"#
            ),
            "application/vnd.oci.image.manifest.v1+json",
            "manifests",
        ),
    ];
    for (i, (doc, mt, field)) in cases.iter().enumerate() {
        let src = layout_with(&env.path(&format!("l{i}")), doc, mt);
        for compat in ["docker", "podman", "pack"] {
            let list = format!("example.com/amb{i}:{compat}");
            let out = env.manifold(&["--compat", compat, "create", &list, &src]);
            assert_ne!(out.code, 0, "{compat} {field}");
            assert!(
                out.stderr.contains(&format!("carries \"{field}\""))
                    && out.stderr.contains("CVE-2021-41190"),
                "{compat} {field}: {}",
                out.stderr
            );
            let exists = env.manifold(&["--compat", compat, "exists", &list]);
            assert_eq!(exists.code, 1, "nothing written");
        }
        // And validate rejects the document itself, naming the field.
        let r = report(&env, doc.as_bytes());
        assert_eq!(r["valid"], false);
        assert!(
            r["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["path"] == format!("$.{field}") && p["severity"] == "error"),
            "{r}"
        );
    }
}

/// The digests of a local list's entries, from its `--json` description.
fn entry_digests(env: &TestEnv, compat: &str, list: &str) -> Vec<String> {
    let out = env.manifold(&["--compat", compat, "inspect", "--raw", list]);
    out.success();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_image_of_a_platform_already_there_replaces_its_entry() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let h = reg.host();
    let old = s.image("src/app", Some("old"), "linux/amd64", Format::Oci, 1);
    let arm = s.image("src/app", Some("arm"), "linux/arm64", Format::Oci, 2);
    let new = s.image("src/app", Some("new"), "linux/amd64", Format::Oci, 3);
    let r = |t: &str| format!("{h}/src/app:{t}");
    let env = TestEnv::new();

    // podman and pack: the rebuilt amd64 image takes the old one's place.
    for compat in ["podman", "pack"] {
        let list = format!("{h}/{compat}/dup:v1");
        env.manifold(&["--compat", compat, "create", &list, &r("old"), &r("arm")])
            .success();
        env.manifold(&["--compat", compat, "add", &list, &r("new")])
            .success();
        assert_eq!(
            entry_digests(&env, compat, &list),
            [new.digest.clone(), arm.digest.clone()],
            "{compat}"
        );
    }

    // docker: another reference is another entry, as docker manifest create --amend keeps it;
    // --replace makes it take the place of the entry of its platform.
    let list = format!("{h}/docker/dup:v1");
    env.manifold(&["create", &list, &r("old"), &r("arm")])
        .success();
    env.manifold(&["add", "--replace", &list, &r("new")])
        .success();
    // (docker orders entries by the reference they were added as: arm, new, old.)
    assert_eq!(
        entry_digests(&env, "docker", &list),
        [arm.digest.clone(), new.digest.clone()]
    );
    env.manifold(&["add", &list, &r("old")]).success();
    assert_eq!(
        entry_digests(&env, "docker", &list),
        [arm.digest.clone(), new.digest.clone(), old.digest.clone()]
    );
    // ... and validate names what nothing tells apart.
    let bytes = local(&env, "docker", &list);
    let rep = report(&env, &bytes);
    let problems = rep["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{rep}");
    assert_eq!(problems[0]["path"], "$.manifests[2].platform");
    assert!(problems[0]["message"]
        .as_str()
        .unwrap()
        .contains("same platform as manifests[1]"));
    // --replace is the docker personality's word; the others take it too (they replace anyway).
    let out = env.manifold(&["--compat", "podman", "add", "--help"]);
    out.success();
    assert!(out.stdout_str().contains("--replace"));
}
