//! The list commands against OCI layout sources, as a user runs them: no registry involved.
//! Each test runs the built `manifold` binary with its own store and reads what it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use manifold_tests::manifold_bin;
use sha2::{Digest as _, Sha256};

struct Env {
    dir: tempdir::Dir,
}

mod tempdir {
    use std::path::{Path, PathBuf};
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let p = std::env::temp_dir()
                .join(format!("manifold-e2e-{tag}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Env {
    fn new(tag: &str) -> Env {
        Env {
            dir: tempdir::Dir::new(tag),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(manifold_bin());
        c.args(args)
            .env("MANIFOLD_HOME", self.home())
            .env("HOME", self.dir.path())
            .env_remove("MANIFOLD_COMPAT")
            .env_remove("DOCKER_CONFIG")
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run manifold")
    }

    /// An OCI layout with `n` single-platform images tagged img0..img{n-1}.
    fn layout(&self, name: &str, n: usize) -> PathBuf {
        let dir = self.dir.path().join(name);
        manifold_tests::layout::write_layout(&dir, n, manifold_tests::layout::small_layer);
        dir
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[track_caller]
fn fails(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stderr)
}

fn img(layout: &Path, i: usize) -> String {
    format!("oci:{}:img{i}", layout.display())
}

#[test]
fn create_inspect_annotate_rm_in_the_docker_personality() {
    let env = Env::new("docker");
    let l = env.layout("src", 3);
    let out = env.run(&["manifest", "create", "app", &img(&l, 0), &img(&l, 1)]);
    assert_eq!(
        ok(&out),
        "Created manifest list docker.io/library/app:latest\n"
    );

    let inspect = ok(&env.run(&["manifest", "inspect", "app"]));
    assert!(inspect.starts_with("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n   \"manifests\": [\n"), "{inspect}");
    assert!(
        inspect.contains("\"architecture\": \"amd64\"")
            && inspect.contains("\"architecture\": \"arm64\"")
    );
    assert!(inspect.ends_with("}\n"));

    // Without --amend docker refuses, with it the new image is added.
    let again = env.run(&["manifest", "create", "app", &img(&l, 2)]);
    assert_eq!(
        fails(&again, 1),
        "refusing to amend an existing manifest list with no --amend flag\n"
    );
    ok(&env.run(&["manifest", "create", "--amend", "app", &img(&l, 2)]));
    assert_eq!(
        ok(&env.run(&["manifest", "inspect", "app"]))
            .matches("\"digest\"")
            .count(),
        3
    );

    // annotate by the reference the entry was added as; docker's os/arch check and wording.
    ok(&env.run(&[
        "manifest",
        "annotate",
        "app",
        &img(&l, 1),
        "--variant",
        "v8",
        "--os-features",
        "f1,f2",
    ]));
    let shown = ok(&env.run(&["manifest", "inspect", "app"]));
    assert!(
        shown.contains("\"variant\": \"v8\"")
            && shown.contains(
                "\"os.features\": [\n               \"f1\",\n               \"f2\"\n            ]"
            ),
        "{shown}"
    );
    let bad = env.run(&[
        "manifest",
        "annotate",
        "app",
        &img(&l, 1),
        "--arch",
        "armv7l",
    ]);
    assert_eq!(
        fails(&bad, 1),
        "manifest entry for image has unsupported os/arch combination: /armv7l\n"
    );
    let missing = env.run(&["manifest", "annotate", "app", "nothere"]);
    assert_eq!(
        fails(&missing, 1),
        "manifest for image nothere does not exist in app\n"
    );

    // One entry, tab-indented as docker prints it.
    let entry = ok(&env.run(&["manifest", "inspect", "app", &img(&l, 0)]));
    assert!(entry.starts_with("{\n\t\"schemaVersion\": 2,\n"), "{entry}");

    // ls shows what docker cannot; rm deletes and says what was missing.
    let ls = ok(&env.run(&["manifest", "ls"]));
    assert!(
        ls.contains("docker.io/library/app:latest") && ls.contains("  3  "),
        "{ls}"
    );
    let rm = env.run(&["manifest", "rm", "app", "other"]);
    assert_eq!(
        fails(&rm, 1),
        "No such manifest: docker.io/library/other:latest\n"
    );
    assert_eq!(
        fails(&env.run(&["manifest", "inspect", "app", &img(&l, 0)]), 1),
        format!("No such manifest: {}\n", img(&l, 0))
    );
}

#[test]
fn a_failed_create_leaves_nothing_behind() {
    let env = Env::new("atomic");
    let l = env.layout("src", 1);
    let out = env.run(&[
        "create",
        "app",
        &img(&l, 0),
        &format!("oci:{}:nope", l.display()),
    ]);
    let err = fails(&out, 1);
    assert!(
        err.contains("no image tagged \"nope\"") && err.contains("its tags are: img0"),
        "{err}"
    );
    assert_eq!(fails(&env.run(&["exists", "app"]), 1), "");
    // Nothing in the store folder but the (empty) lists and locks folders.
    let lists = env.home().join("lists");
    let leftovers: Vec<_> = std::fs::read_dir(&lists)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A bad reference stops everything before anything is fetched.
    let bad = env.run(&["create", "app", &img(&l, 0), "UPPER"]);
    assert_eq!(
        fails(&bad, 1),
        "invalid reference format: repository name (library/UPPER) must be lowercase\n"
    );
    assert_eq!(fails(&env.run(&["exists", "app"]), 1), "");
}

#[test]
fn twenty_concurrent_adds_leave_twenty_entries() {
    let env = Env::new("concurrent");
    let l = env.layout("src", 20);
    ok(&env.run(&["--compat", "podman", "create", "many"]));
    // (Each with its own os.version: an image of a platform already there would replace it.)
    let children: Vec<_> = (0..20)
        .map(|i| {
            let v = format!("{i}");
            env.cmd(&[
                "--compat",
                "podman",
                "add",
                "--os-version",
                &v,
                "many",
                &img(&l, i),
            ])
            .spawn()
            .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let shown = ok(&env.run(&["--compat", "podman", "inspect", "many"]));
    assert_eq!(shown.matches("\"digest\"").count(), 20, "{shown}");
    // No temp files left for the user to see.
    let dir = std::fs::read_dir(env.home().join("lists"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert_eq!(dir, vec!["localhost%2Fmany%3Alatest".to_string()]);
}

#[test]
fn podman_personality_flows() {
    let env = Env::new("podman");
    let l = env.layout("src", 2);
    let id = ok(&env.run(&["--compat", "podman", "manifest", "create", "list"]));
    assert_eq!(id.trim().len(), 64, "podman prints the list ID: {id}");
    ok(&env.run(&[
        "--compat",
        "podman",
        "manifest",
        "add",
        "--annotation",
        "org.example.k=v",
        "list",
        &img(&l, 0),
        &img(&l, 1),
    ]));
    assert_eq!(
        ok(&env.run(&["--compat", "podman", "manifest", "exists", "list"])),
        ""
    );
    assert_eq!(
        fails(
            &env.run(&["--compat", "podman", "manifest", "exists", "nope"]),
            1
        ),
        ""
    );
    let shown = ok(&env.run(&["--compat", "podman", "manifest", "inspect", "list"]));
    assert!(shown.starts_with("{\n    \"schemaVersion\": 2,\n    \"mediaType\": \"application/vnd.oci.image.index.v1+json\""), "{shown}");
    assert!(shown.contains("\"org.example.k\": \"v\""));
    // remove LIST DIGEST drops one entry; an absent digest is an error.
    let digest = shown
        .split("\"digest\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    ok(&env.run(&["--compat", "podman", "manifest", "remove", "list", &digest]));
    let after = ok(&env.run(&["--compat", "podman", "manifest", "inspect", "list"]));
    assert_eq!(after.matches("\"digest\"").count(), 1);
    let err = fails(
        &env.run(&["--compat", "podman", "manifest", "remove", "list", &digest]),
        125,
    );
    assert!(err.contains("no instance matching digest"), "{err}");
    // rm deletes the list.
    ok(&env.run(&["--compat", "podman", "manifest", "rm", "list"]));
    assert_eq!(
        fails(
            &env.run(&["--compat", "podman", "manifest", "exists", "list"]),
            1
        ),
        ""
    );
}

#[test]
fn pack_personality_flows() {
    let env = Env::new("pack");
    let l = env.layout("src", 2);
    let pack = |args: &[&str]| {
        let mut c = env.cmd(&[&["manifest"], args].concat());
        c.env("MANIFOLD_COMPAT", "pack");
        c.output().unwrap()
    };
    assert_eq!(
        ok(&pack(&["create", "my-index", &img(&l, 0)])),
        "Successfully created manifest list 'my-index'\n"
    );
    assert_eq!(
        ok(&pack(&["add", "my-index", &img(&l, 1)])),
        format!("Successfully added image '{}' to index\n", img(&l, 1))
    );
    assert_eq!(
        fails(&pack(&["annotate", "my-index", &img(&l, 1)]), 1),
        "ERROR: one of --os, --arch, or --variant is required\n"
    );
    assert_eq!(
        ok(&pack(&[
            "annotate",
            "my-index",
            &img(&l, 1),
            "--variant",
            "v8"
        ])),
        format!(
            "Successfully annotated image '{}' in index 'my-index'\n",
            img(&l, 1)
        )
    );
    let shown = ok(&pack(&["inspect", "my-index"]));
    let digest = shown
        .split("\"digest\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // pack's rm drops entries (by repo@digest), its remove deletes lists.
    assert_eq!(
        ok(&pack(&["rm", "my-index", &format!("x/y@{digest}")])),
        "Successfully removed image(s) from index: 'my-index'\n"
    );
    assert_eq!(
        ok(&pack(&["remove", "my-index"])),
        "Successfully deleted manifest list(s) from local storage\n"
    );
    assert_eq!(
        fails(&pack(&["inspect", "my-index"]), 1),
        "ERROR: Image: 'my-index' not found\n"
    );
}

#[test]
fn index_sources_need_a_choice_unless_one_platform_runs() {
    let env = Env::new("indexsrc");
    let l = env.layout("src", 3);
    // Publish a 3-platform index into a layout, then use it as a source.
    let multi = format!("oci:{}:multi", l.display());
    ok(&env.run(&[
        "create",
        "--publish",
        &multi,
        &img(&l, 0),
        &img(&l, 1),
        &img(&l, 2),
    ]));
    let err = fails(&env.run(&["create", "a", &multi]), 1);
    assert!(
        err.contains("is an index of 3 platforms: linux/amd64, linux/arm64, linux/s390x;")
            && err.contains("--platform")
            && err.contains("--all")
            && err.contains("--nested"),
        "{err}"
    );
    ok(&env.run(&["create", "b", "--platform", "linux/s390x", &multi]));
    let b = ok(&env.run(&["inspect", "b"]));
    assert!(b.contains("s390x") && !b.contains("amd64"), "{b}");
    ok(&env.run(&["create", "c", "--all", &multi]));
    assert_eq!(
        ok(&env.run(&["inspect", "c"]))
            .matches("\"digest\"")
            .count(),
        3
    );
    ok(&env.run(&["create", "d", "--nested", &multi]));
    assert!(ok(&env.run(&["inspect", "d"]))
        .contains("application/vnd.oci.image.index.v1+json\",\n         \"size\""));
}

#[test]
fn push_to_a_layout_is_byte_exact_and_validates() {
    let env = Env::new("layoutpush");
    let l = env.layout("src", 2);
    ok(&env.run(&["create", "app", &img(&l, 0), &img(&l, 1)]));
    ok(&env.run(&["annotate", "app", &img(&l, 1), "--variant", "v8"]));
    let raw = env.run(&["inspect", "--raw", "app"]).stdout;
    let out = env.dir.path().join("out");
    let digestfile = env.dir.path().join("digest.txt");
    let pushed = ok(&env.run(&[
        "push",
        "--digestfile",
        digestfile.to_str().unwrap(),
        "--tag",
        "also",
        "app",
        &format!("oci:{}:v1", out.display()),
    ]));
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(&raw)));
    assert_eq!(
        pushed,
        format!("{digest}\n"),
        "push prints the sha256 of exactly the bytes inspect --raw shows"
    );
    assert_eq!(std::fs::read_to_string(&digestfile).unwrap(), digest);
    let index = std::fs::read_to_string(out.join("index.json")).unwrap();
    assert!(
        index.contains("\"v1\"") && index.contains("\"also\""),
        "{index}"
    );
    // Every member and blob was copied: the pushed layout stands alone.
    let v = ok(&env.run(&[
        "validate",
        out.join("blobs/sha256")
            .join(&digest[7..])
            .to_str()
            .unwrap(),
    ]));
    assert!(v.contains(": valid "), "{v}");
    ok(&env.run(&[
        "create",
        "copy",
        &format!("oci:{}:v1", out.display()),
        "--all",
    ]));
    // --purge removes the local list only after success.
    ok(&env.run(&[
        "push",
        "--purge",
        "app",
        &format!("oci:{}:v2", out.display()),
    ]));
    assert_eq!(fails(&env.run(&["exists", "app"]), 1), "");
}

#[test]
fn the_readme_main_job_publishes_the_example_layout() {
    // Run exactly the README's first quick-start command (with its output folder moved to a
    // temp dir), from the repository root, as a user would.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run -q -p manifold -- "))
        .expect("README's main-job command");
    let env = Env::new("readme");
    let out_dir = env.dir.path().join("example-out");
    let args: Vec<String> = line["cargo run -q -p manifold -- ".len()..]
        .split_whitespace()
        .map(|a| {
            a.replace(
                "oci:target/example-out",
                &format!("oci:{}", out_dir.display()),
            )
        })
        .collect();
    let out = env
        .cmd(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .current_dir(&root)
        .output()
        .unwrap();
    let digest = ok(&out).trim().to_string();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    let list = std::fs::read(out_dir.join("blobs/sha256").join(&digest[7..])).unwrap();
    assert_eq!(
        format!("sha256:{}", hex::encode(Sha256::digest(&list))),
        digest
    );
    let report = ok(&env.run(&[
        "validate",
        "--json",
        out_dir
            .join("blobs/sha256")
            .join(&digest[7..])
            .to_str()
            .unwrap(),
    ]));
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(v["valid"], true);
    let platforms: Vec<String> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["platform"]["os"].as_str().unwrap(),
                e["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        platforms,
        ["linux/amd64", "linux/arm", "linux/arm64", "windows/amd64"]
    );
    // Running it again gives the same digest (idempotent publish).
    let again = env
        .cmd(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(ok(&again).trim(), digest);
}
