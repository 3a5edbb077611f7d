//! `--json` on the publishing commands (`push`, `create --publish`, `add --publish`): one JSON
//! document on stdout saying what was pushed (the list's digest, size and tags; each blob
//! mounted, copied or skipped; each member manifest pushed or skipped), the same in every
//! personality, and nothing else on stdout.

use manifold_tests::seed::{sha256, Format};
use manifold_tests::{Auth, Registry, Seeder, TestEnv};
use serde_json::Value;

macro_rules! registry {
    () => {
        match Registry::start(Auth::None) {
            Some(r) => r,
            None => return,
        }
    };
}

fn seed(reg: &Registry) -> Vec<String> {
    let s = Seeder::new(reg);
    s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 31);
    s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 32);
    let h = reg.host();
    vec![format!("{h}/src/a:amd64"), format!("{h}/src/b:arm64")]
}

fn json_of(out: &manifold_tests::Output) -> Value {
    out.success();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn count(v: &Value, group: &str, kind: &str) -> usize {
    v[group][kind].as_array().unwrap().len()
}

/// Every item of a group has a digest and a size, and sizes add up to something.
fn digests(v: &Value, group: &str, kind: &str) -> Vec<String> {
    v[group][kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(i["size"].as_u64().unwrap() > 0, "{i}");
            i["digest"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn push_json_says_what_was_mounted_then_what_was_skipped() {
    let reg = registry!();
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", reg.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let first = json_of(&env.manifold(&["push", "--json", &list]));
    // docker's "Pushed ref" lines are not printed: stdout is the document alone.
    assert_eq!(first["destination"], list);
    assert_eq!(first["tags"], serde_json::json!(["v1"]));
    assert_eq!(count(&first, "blobs", "mounted"), 4, "{first:#}");
    assert_eq!(count(&first, "blobs", "copied"), 0);
    assert_eq!(count(&first, "blobs", "skipped"), 0);
    let pushed = digests(&first, "manifests", "pushed");
    assert_eq!(pushed.len(), 2);
    assert_eq!(count(&first, "manifests", "skipped"), 0);
    // The digest and size are those of the bytes the registry serves.
    let served = env.manifold(&["inspect", "--raw", "--insecure", &list]);
    served.success();
    assert_eq!(first["digest"], sha256(&served.stdout));
    assert_eq!(first["size"], served.stdout.len() as u64);
    let doc: Value = serde_json::from_slice(&served.stdout).unwrap();
    assert_eq!(first["mediaType"], doc["mediaType"]);
    let members: Vec<&str> = doc["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    for d in &pushed {
        assert!(members.contains(&d.as_str()), "{d} not in {members:?}");
    }

    // A list of the members now in that repository, pushed there with two tags: they are in
    // place, nothing is sent but the list.
    let h = reg.host();
    let list2 = format!("{h}/dst/app:v2");
    let members_here: Vec<String> = pushed.iter().map(|d| format!("{h}/dst/app@{d}")).collect();
    env.manifold(&[
        "create",
        "--insecure",
        &list2,
        &members_here[0],
        &members_here[1],
    ])
    .success();
    let again = json_of(&env.manifold(&["push", "--json", "--tag", "v3", &list2]));
    assert_eq!(again["tags"], serde_json::json!(["v2", "v3"]));
    assert_eq!(count(&again, "blobs", "mounted"), 0, "{again:#}");
    assert_eq!(count(&again, "blobs", "copied"), 0);
    assert_eq!(count(&again, "manifests", "pushed"), 0);
    let mut skipped = digests(&again, "manifests", "skipped");
    skipped.sort();
    let mut expected = pushed.clone();
    expected.sort();
    assert_eq!(skipped, expected);
}

#[test]
fn push_json_with_a_digestfile_in_the_podman_personality() {
    let reg = registry!();
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/pod:v1", reg.host());
    let pod = |args: &[&str]| {
        let mut all = vec!["--compat", "podman"];
        all.extend_from_slice(args);
        env.manifold(&all)
    };
    pod(&["manifest", "create", "pl"]).success();
    pod(&["manifest", "add", "--tls-verify=false", "pl", &srcs[0]]).success();
    pod(&["manifest", "add", "--tls-verify=false", "pl", &srcs[1]]).success();
    let file = env.path("digest.txt");
    let v = json_of(&pod(&[
        "manifest",
        "push",
        "--json",
        "--tls-verify=false",
        "--digestfile",
        file.to_str().unwrap(),
        "pl",
        &format!("docker://{list}"),
    ]));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        v["digest"].as_str().unwrap()
    );
    assert_eq!(count(&v, "manifests", "pushed"), 2, "{v:#}");
    assert_eq!(count(&v, "blobs", "mounted"), 4);
    let served = env.manifold(&["inspect", "--raw", "--insecure", &list]);
    served.success();
    assert_eq!(v["digest"], sha256(&served.stdout));
}

#[test]
fn create_and_add_publish_json_into_a_layout_report_copies() {
    let reg = registry!();
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let layout = env.path("out");
    let dest = format!("oci:{}:v1", layout.display());
    let created = json_of(&env.manifold(&[
        "create",
        "--publish",
        "--json",
        "--insecure",
        &dest,
        &srcs[0],
    ]));
    assert_eq!(created["tags"], serde_json::json!(["v1"]));
    assert_eq!(count(&created, "blobs", "copied"), 2, "{created:#}");
    assert_eq!(count(&created, "blobs", "mounted"), 0);
    assert_eq!(count(&created, "manifests", "pushed"), 1);
    // The list's blob in the layout is the reported digest, of the reported size.
    let hex = created["digest"]
        .as_str()
        .unwrap()
        .strip_prefix("sha256:")
        .unwrap()
        .to_string();
    let blob = std::fs::read(layout.join("blobs/sha256").join(&hex)).unwrap();
    assert_eq!(created["size"], blob.len() as u64);

    let added =
        json_of(&env.manifold(&["add", "--publish", "--json", "--insecure", &dest, &srcs[1]]));
    assert_ne!(added["digest"], created["digest"]);
    // The first member is in the layout already: skipped, with its blobs not read again.
    assert_eq!(
        digests(&added, "manifests", "skipped"),
        digests(&created, "manifests", "pushed")
    );
    assert_eq!(count(&added, "manifests", "pushed"), 1, "{added:#}");
    assert_eq!(count(&added, "blobs", "copied"), 2);
}
