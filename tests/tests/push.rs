//! Publishing lists: members made present where the list goes (same repository, another
//! repository by mounts, another registry by streamed copies after consent, OCI layouts both
//! ways), conversions, several tags, digest files, purge, and the one-step --publish flows.

use manifold_tests::seed::{sha256, Format};
use manifold_tests::{Auth, Registry, Seeder, TestEnv};

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

fn seed(reg: &Registry) -> Vec<String> {
    let s = Seeder::new(reg);
    s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 21);
    s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 22);
    let h = reg.host();
    vec![format!("{h}/src/a:amd64"), format!("{h}/src/b:arm64")]
}

/// The exact bytes the registry serves for `reference`, through manifold itself.
fn raw(env: &TestEnv, reference: &str) -> Vec<u8> {
    let out = env.manifold(&["inspect", "--raw", "--insecure", reference]);
    out.success();
    out.stdout
}

#[test]
fn push_to_another_repository_mounts_and_puts_members_by_digest() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", reg.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let before = reg.requests().len();
    let out = env.manifold(&["push", &list]);
    out.success();
    let digest = out.stdout_str().lines().last().unwrap().to_string();
    // Each blob mounted once (2 images × config + layer), each member PUT by digest, the list once.
    let reqs = &reg.requests()[before..];
    let mounts = reqs
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains("mount="))
        .count();
    assert_eq!(mounts, 4, "{reqs:?}");
    assert_eq!(
        reqs.iter()
            .filter(|r| r.method == "PUT" && r.path.starts_with("/v2/dst/app/manifests/sha256:"))
            .count(),
        2
    );
    assert_eq!(
        reqs.iter()
            .filter(|r| r.method == "PUT" && r.path == "/v2/dst/app/manifests/v1")
            .count(),
        1
    );
    assert!(reqs.iter().all(|r| r.status < 400), "{reqs:?}");
    // The registry serves exactly those bytes, and every member is there by digest.
    let served = raw(&env, &list);
    assert_eq!(sha256(&served), digest);
    let doc: serde_json::Value = serde_json::from_slice(&served).unwrap();
    for m in doc["manifests"].as_array().unwrap() {
        let d = m["digest"].as_str().unwrap();
        assert_eq!(
            sha256(&raw(&env, &format!("{}/dst/app@{d}", reg.host()))),
            d
        );
    }
}

#[test]
fn push_to_the_same_repository_puts_only_the_list() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    s.image("one/app", Some("x"), "linux/amd64", Format::Docker, 31);
    s.image("one/app", Some("y"), "linux/ppc64le", Format::Docker, 32);
    let h = reg.host();
    let env = TestEnv::new();
    let list = format!("{h}/one/app:multi");
    env.manifold(&[
        "create",
        "--insecure",
        &list,
        &format!("{h}/one/app:x"),
        &format!("{h}/one/app:y"),
    ])
    .success();
    let before = reg.requests().len();
    env.manifold(&["push", &list]).success();
    let reqs = &reg.requests()[before..];
    let writes: Vec<_> = reqs
        .iter()
        .filter(|r| r.method != "GET" && r.method != "HEAD")
        .collect();
    assert_eq!(writes.len(), 1, "only the list is written: {reqs:?}");
}

#[test]
fn push_to_another_registry_copies_members_only_with_consent() {
    let a = registry!(Auth::None);
    let b = registry!(Auth::None);
    let srcs = seed(&a);
    let env = TestEnv::new();
    let list = format!("{}/copied/app:v1", b.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    // Without a terminal and without --yes: refused before anything is written.
    let refused = env.manifold(&["push", &list]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("would copy 2 image(s)") && refused.stderr.contains("--yes"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        b.requests()
            .iter()
            .filter(|r| r.method == "PUT" || r.method == "POST")
            .count(),
        0
    );
    // With --yes: copied, member digests unchanged.
    let out = env.manifold(&["push", "--yes", &list]);
    out.success();
    let digest = out.stdout_str().lines().last().unwrap().to_string();
    let served = raw(&env, &list);
    assert_eq!(sha256(&served), digest);
    let doc: serde_json::Value = serde_json::from_slice(&served).unwrap();
    for m in doc["manifests"].as_array().unwrap() {
        let d = m["digest"].as_str().unwrap();
        assert_eq!(
            sha256(&raw(&env, &format!("{}/copied/app@{d}", b.host()))),
            d,
            "member {d} copied byte for byte"
        );
    }
    // Running it again completes without copying anything twice.
    let again_before = b.requests().len();
    env.manifold(&["push", "--yes", &list]).success();
    let again = &b.requests()[again_before..];
    assert_eq!(
        again
            .iter()
            .filter(|r| r.method == "PATCH" || (r.method == "PUT" && r.path.contains("/blobs/")))
            .count(),
        0,
        "{again:?}"
    );
}

#[test]
fn format_conversion_tags_digestfile_and_purge() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let h = reg.host();
    let list = format!("{h}/conv/app:v1");
    // A Docker list cannot hold annotations: the docker personality refuses them on one.
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let refused = env.manifold(&["annotate", &list, &srcs[0], "--annotation", "k=v"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("cannot hold annotations")
            && refused.stderr.contains("--format oci"),
        "{}",
        refused.stderr
    );
    env.manifold(&["create", "--amend", "--format", "oci", &list])
        .success();
    env.manifold(&[
        "annotate",
        &list,
        &srcs[0],
        "--annotation",
        "org.example.k=v",
    ])
    .success();
    // To OCI: an index, annotations kept.
    let digestfile = env.path("digest");
    let out = env.manifold(&[
        "push",
        "--format",
        "oci",
        "--tag",
        "also",
        "--tag",
        "again",
        "--digestfile",
        digestfile.to_str().unwrap(),
        &list,
    ]);
    out.success();
    let digest = out.stdout_str().lines().last().unwrap().to_string();
    assert_eq!(std::fs::read_to_string(&digestfile).unwrap(), digest);
    // (v1 is read by digest: the local list of that name would be shown first.)
    for reference in [
        format!("{h}/conv/app@{digest}"),
        format!("{h}/conv/app:also"),
        format!("{h}/conv/app:again"),
    ] {
        let tag = reference.as_str();
        let served = raw(&env, &reference);
        assert_eq!(sha256(&served), digest, "tag {tag}");
        let doc: serde_json::Value = serde_json::from_slice(&served).unwrap();
        assert_eq!(doc["mediaType"], "application/vnd.oci.image.index.v1+json");
        assert!(String::from_utf8_lossy(&served).contains("org.example.k"));
    }
    // To Docker: refused while the list holds what a Docker list cannot (nothing is dropped
    // silently), then a Docker list once the annotation is cleared.
    let to_docker = [
        "push",
        "--format",
        "v2s2",
        "--purge",
        &list,
        &format!("{h}/conv/app:docker"),
    ];
    let refused = env.manifold(&to_docker);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("cannot hold annotations ($.manifests[0].annotations)")
            && refused.stderr.contains("--format oci"),
        "{}",
        refused.stderr
    );
    env.manifold(&[
        "annotate",
        &list,
        &srcs[0],
        "--clear",
        "annotation:org.example.k",
    ])
    .success();
    let out = env.manifold(&to_docker);
    out.success();
    let doc: serde_json::Value =
        serde_json::from_slice(&raw(&env, &format!("{h}/conv/app:docker"))).unwrap();
    assert_eq!(
        doc["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    assert!(doc["manifests"][0].get("annotations").is_none());
    // --purge removed the local list after the successful push.
    assert_eq!(env.manifold(&["exists", &list]).code, 1);
}

#[test]
fn create_and_add_publish_straight_to_the_registry() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let s = Seeder::new(&reg);
    s.image("src/c", Some("s390x"), "linux/s390x", Format::Docker, 23);
    let h = reg.host();
    let env = TestEnv::new();
    let list = format!("{h}/pub/app:v1");
    let out = env.manifold(&["create", "--publish", "--insecure", &list, &srcs[0]]);
    out.success();
    assert_eq!(
        env.manifold(&["exists", &list]).code,
        1,
        "nothing kept locally"
    );
    let out = env.manifold(&[
        "add",
        "--publish",
        "--insecure",
        &list,
        &srcs[1],
        &format!("{h}/src/c:s390x"),
    ]);
    out.success();
    let digest = out.stdout_str().lines().last().unwrap().to_string();
    let served = raw(&env, &list);
    assert_eq!(sha256(&served), digest);
    let doc: serde_json::Value = serde_json::from_slice(&served).unwrap();
    let arches: Vec<&str> = doc["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap())
        .collect();
    assert_eq!(arches.len(), 3, "{arches:?}");
    assert!(arches.contains(&"amd64") && arches.contains(&"arm64") && arches.contains(&"s390x"));
}

#[test]
fn nested_index_children_are_pushed_before_it() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let a = s.image("src/n", None, "linux/amd64", Format::Oci, 41);
    let b = s.image("src/n", None, "linux/arm64/v8", Format::Oci, 42);
    let inner = s.index("src/n", "inner", &[a.clone(), b.clone()], Format::Oci, None);
    s.image("src/m", Some("s390x"), "linux/s390x", Format::Oci, 43);
    let h = reg.host();
    let env = TestEnv::new();
    let list = format!("{h}/nest/app:v1");
    env.manifold(&[
        "create",
        "--insecure",
        "--nested",
        &list,
        &format!("{h}/src/n:inner"),
    ])
    .success();
    env.manifold(&["add", "--insecure", &list, &format!("{h}/src/m:s390x")])
        .success();
    let out = env.manifold(&["push", &list]);
    out.success();
    let reqs = reg.requests();
    let pos = |d: &str| {
        reqs.iter()
            .position(|r| r.method == "PUT" && r.path == format!("/v2/nest/app/manifests/{d}"))
            .unwrap_or_else(|| panic!("{d} not put: {reqs:?}"))
    };
    assert!(
        pos(&a.digest) < pos(&inner.digest) && pos(&b.digest) < pos(&inner.digest),
        "children first"
    );
    assert_eq!(
        sha256(&raw(&env, &format!("{h}/nest/app@{}", inner.digest))),
        inner.digest
    );
}

#[test]
fn oci_layouts_as_source_and_destination() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let h = reg.host();
    // Registry → layout.
    let layout = env.path("layout");
    let out = env.manifold(&[
        "create",
        "--publish",
        "--insecure",
        &format!("oci:{}:v1", layout.display()),
        &srcs[0],
        &srcs[1],
    ]);
    out.success();
    let digest = out.stdout_str().trim().to_string();
    assert_eq!(
        sha256(&std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap()),
        digest
    );
    // Layout → registry (blobs uploaded from the folder), digests unchanged.
    let list = format!("{h}/fromlayout/app:v1");
    env.manifold(&[
        "create",
        "--all",
        &list,
        &format!("oci:{}:v1", layout.display()),
    ])
    .success();
    let out = env.manifold(&["push", &list]);
    out.success();
    let served = raw(&env, &list);
    let doc: serde_json::Value = serde_json::from_slice(&served).unwrap();
    for m in doc["manifests"].as_array().unwrap() {
        let d = m["digest"].as_str().unwrap();
        assert_eq!(sha256(&raw(&env, &format!("{h}/fromlayout/app@{d}"))), d);
    }
}
