//! `--dry-run`: push, `create --publish` and `add --publish` print every write they would make
//! and the list they would put, make no write request (the registry's access log shows only
//! GETs and HEADs), and the bytes printed are the bytes the real run then puts. A local
//! `create`/`add` with `--dry-run` leaves the store as it was.

use std::collections::BTreeMap;
use std::path::Path;

use manifold_tests::seed::{sha256, Format};
use manifold_tests::{Auth, Registry, RequestLine, Seeder, TestEnv};

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
    s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 31);
    s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 32);
    let h = reg.host();
    vec![format!("{h}/src/a:amd64"), format!("{h}/src/b:arm64")]
}

/// The exact bytes the registry serves for `reference`, through manifold itself.
fn raw(env: &TestEnv, reference: &str) -> Vec<u8> {
    let out = env.manifold(&["inspect", "--raw", "--insecure", reference]);
    out.success();
    out.stdout
}

/// The list's bytes at the end of a dry run's text: after the `index … bytes, TYPE):` line,
/// without the one newline the text ends with.
fn printed_index(stdout: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(stdout.to_vec()).expect("utf-8");
    let at = text.find("\nindex sha256:").expect("an index line") + 1;
    let body = &text[at..];
    let body = &body[body.find("):\n").expect("end of the index line") + 3..];
    body.strip_suffix('\n')
        .expect("one final newline")
        .as_bytes()
        .to_vec()
}

fn writes(reqs: &[RequestLine]) -> Vec<&RequestLine> {
    reqs.iter()
        .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD"))
        .collect()
}

/// Every file under `dir` with its bytes (the local store and config folders).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.insert(p.display().to_string() + "/", Vec::new());
                walk(&p, out);
            } else {
                out.insert(
                    p.display().to_string(),
                    std::fs::read(&p).unwrap_or_default(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

#[test]
fn push_dry_run_writes_nothing_and_prints_the_bytes_the_push_puts() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", reg.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let before = reg.requests().len();
    let dry = env.manifold(&["push", "--dry-run", "--tag", "v1.0", &list]);
    dry.success();
    let reqs = reg.requests()[before..].to_vec();
    assert!(writes(&reqs).is_empty(), "{:?}", writes(&reqs));
    let text = dry.stdout_str();
    // Every blob is mounted from its source repository (2 images × config + layer), each
    // member put by digest, the list put at v1 and tagged v1.0, in that order.
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("  [")).collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "mount",
            "mount",
            "mount",
            "mount",
            "put-manifest",
            "put-manifest",
            "put-index",
            "tag"
        ],
        "{text}"
    );
    assert!(
        text.contains("POST /v2/dst/app/blobs/uploads/?mount=sha256:"),
        "{text}"
    );
    assert!(text.contains("&from=src/a"), "{text}");
    assert!(text.contains("PUT /v2/dst/app/manifests/v1\n"), "{text}");
    assert!(text.contains("PUT /v2/dst/app/manifests/v1.0\n"), "{text}");
    let planned = printed_index(&dry.stdout);

    // The real push then puts exactly those bytes.
    let real = env.manifold(&["push", "--tag", "v1.0", &list]);
    real.success();
    let digest = real.stdout_str().lines().last().unwrap().to_string();
    assert_eq!(raw(&env, &list), planned);
    assert_eq!(raw(&env, &format!("{}/dst/app:v1.0", reg.host())), planned);
    assert_eq!(sha256(&planned), digest);
    assert!(text.contains(&format!("\nindex {digest} (")), "{text}");

    // The JSON form says the same.
    let json = env.manifold(&["push", "--dry-run", "--json", &list]);
    json.success();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["index"].as_str().unwrap().as_bytes(), &planned[..]);
    assert_eq!(v["index_digest"], digest);
    // Now the members are in place: the plan is their puts by digest and the list's.
    let actions: Vec<&str> = v["writes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.last(), Some(&"put-index"), "{v}");
}

#[test]
fn publish_flows_dry_run_write_nothing_and_print_what_the_run_puts() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let target = format!("{}/pub/app:v1", reg.host());
    let home = snapshot(env.dir.path());

    let before = reg.requests().len();
    let dry = env.manifold(&[
        "create",
        "--publish",
        "--dry-run",
        "--insecure",
        &target,
        &srcs[0],
    ]);
    dry.success();
    let reqs = reg.requests()[before..].to_vec();
    assert!(writes(&reqs).is_empty(), "{:?}", writes(&reqs));
    let planned = printed_index(&dry.stdout);
    // No tag exists yet, and nothing local was written.
    let out = env.manifold(&["inspect", "--raw", "--insecure", &target]);
    assert_ne!(out.code, 0);
    assert_eq!(snapshot(env.dir.path()), home);

    let real = env.manifold(&["create", "--publish", "--insecure", &target, &srcs[0]]);
    real.success();
    assert_eq!(raw(&env, &target), planned);

    // add --publish: read the list from the registry, plan, write nothing.
    let before = reg.requests().len();
    let dry = env.manifold(&[
        "add",
        "--publish",
        "--dry-run",
        "--insecure",
        &target,
        &srcs[1],
    ]);
    dry.success();
    let reqs = reg.requests()[before..].to_vec();
    assert!(writes(&reqs).is_empty(), "{:?}", writes(&reqs));
    let planned2 = printed_index(&dry.stdout);
    assert_ne!(planned2, planned);
    assert_eq!(raw(&env, &target), planned, "the dry run changed the tag");
    let json = env.manifold(&[
        "add",
        "--publish",
        "--dry-run",
        "--json",
        "--insecure",
        &target,
        &srcs[1],
    ]);
    json.success();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["index"].as_str().unwrap().as_bytes(), &planned2[..]);

    let real = env.manifold(&["add", "--publish", "--insecure", &target, &srcs[1]]);
    real.success();
    assert_eq!(raw(&env, &target), planned2);
}

#[test]
fn local_create_and_add_dry_run_leave_the_store_alone() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/loc/app:v1", reg.host());
    let home = snapshot(env.dir.path());
    let dry = env.manifold(&["create", "--dry-run", "--insecure", &list, &srcs[0]]);
    dry.success();
    assert!(
        dry.stdout_str().contains("(nothing is written)"),
        "{}",
        dry.stdout_str()
    );
    assert_eq!(snapshot(env.dir.path()), home, "create --dry-run wrote");
    let out = env.manifold(&["inspect", &list]);
    assert_ne!(out.code, 0, "the list must not exist");

    env.manifold(&["create", "--insecure", &list, &srcs[0]])
        .success();
    let stored = snapshot(env.dir.path());
    let dry = env.manifold(&["add", "--dry-run", "--insecure", &list, &srcs[1]]);
    dry.success();
    assert!(
        dry.stdout_str().contains("with 2 entries"),
        "{}",
        dry.stdout_str()
    );
    assert_eq!(snapshot(env.dir.path()), stored, "add --dry-run wrote");
    // What the dry run printed is what push then puts after the real add.
    let planned = printed_index(&dry.stdout);
    env.manifold(&["add", "--insecure", &list, &srcs[1]])
        .success();
    env.manifold(&["push", &list]).success();
    assert_eq!(raw(&env, &list), planned);
}

#[test]
fn a_dry_run_into_a_layout_creates_no_folder() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/lay/app:v1", reg.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let dir = env.path("out-layout");
    let dest = format!("oci:{}:v1", dir.display());
    let dry = env.manifold(&["push", "--dry-run", &list, &dest]);
    dry.success();
    assert!(!dir.exists(), "the dry run made the layout");
    let text = dry.stdout_str();
    // Every blob and member is copied in as a file, then the list is tagged v1.
    assert_eq!(
        text.matches("\n      write blobs/sha256/").count(),
        7,
        "{text}"
    );
    assert!(text.contains("and index.json (v1)\n"), "{text}");
    let planned = printed_index(&dry.stdout);
    env.manifold(&["push", &list, &dest]).success();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = dir.join("blobs/sha256").join(&digest[7..]);
    assert_eq!(std::fs::read(blob).unwrap(), planned);
}
