//! The catalogue of bad input (issue 8): references, documents, flags, platforms, annotation
//! syntax, file paths, store folders edited by hand, huge and deeply nested JSON and non-UTF-8
//! arguments, each run through the built `manifold` binary.
//!
//! Every case must end with a non-zero exit (the expected code), a first line on stderr that
//! names the problem in words (no panic, no backtrace, no Debug dump), and a local store that is
//! byte-for-byte what it was before. The cases are one table; a failing run lists every case
//! that broke, not only the first.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manifold_tests::layout::{small_layer, write_layout};
use manifold_tests::manifold_bin;
use sha2::{Digest as _, Sha256};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p =
            std::env::temp_dir().join(format!("manifold-bad-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run gave back.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs manifold with `home` as its store, in `cwd`, with `stdin` fed from a thread (so a
/// refused huge input does not block), killed after a generous bound.
fn run(
    home: &Path,
    cwd: &Path,
    args: &[OsString],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Run {
    let mut c = Command::new(manifold_bin());
    c.args(args)
        .env("MANIFOLD_HOME", home)
        .env("HOME", cwd)
        .env("RUST_BACKTRACE", "1")
        .env_remove("MANIFOLD_COMPAT")
        .env_remove("XDG_DATA_HOME")
        .env_remove("DOCKER_CONFIG")
        .env_remove("REGISTRY_AUTH_FILE")
        .current_dir(cwd)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("start manifold");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            // The command may stop reading early (that is the point of a size limit).
            let _ = pipe.write_all(&bytes);
        })
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("manifold {args:?} ran for more than 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
    }
}

/// Every file and folder under `root` with a hash of its bytes (folders and symlinks marked).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &p, out);
            } else if meta.is_file() {
                let bytes =
                    std::fs::read(&p).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes());
                out.insert(rel, hex::encode(Sha256::digest(&bytes)));
            } else {
                out.insert(rel, format!("{:?}", meta.file_type()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Which stream names the problem: stderr for every failure, except `validate`'s report of an
/// invalid document, which is the command's output (stdout, one line per problem, exit 1).
#[derive(Clone, Copy, PartialEq)]
enum Says {
    Stderr,
    Report,
}

/// A hand edit of the store made before the case runs (on a copy of the shared store).
type Edit = fn(&Path);

struct Case {
    /// Arguments; `{W}` is replaced by the work folder, `{L}` by the source layout's path.
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    env: Vec<(&'static str, &'static str)>,
    edit: Option<Edit>,
    code: i32,
    /// A substring of the first line that names the problem.
    says: String,
    stream: Says,
}

/// The table builder: `c(&[args], code, "substring")` and modifiers.
fn c(args: &[&str], code: i32, says: &str) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        stdin: None,
        env: Vec::new(),
        edit: None,
        code,
        says: says.to_string(),
        stream: Says::Stderr,
    }
}

impl Case {
    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Case {
        self.stdin = Some(bytes.into());
        self
    }
    fn report(mut self) -> Case {
        self.stream = Says::Report;
        self
    }
    fn edit(mut self, f: Edit) -> Case {
        self.edit = Some(f);
        self
    }
    fn env(mut self, k: &'static str, v: &'static str) -> Case {
        self.env.push((k, v));
        self
    }
    fn raw(args: Vec<OsString>, code: i32, says: &str) -> Case {
        Case {
            args,
            ..c(&[], code, says)
        }
    }
}

const APP: &str = "docker.io%2Flibrary%2Fapp%3Alatest";

fn app_dir(home: &Path) -> PathBuf {
    home.join("lists").join(APP)
}

/// The list blob `index.json` of a store list points at.
fn list_blob(home: &Path) -> PathBuf {
    let index = std::fs::read_to_string(app_dir(home).join("index.json")).unwrap();
    let hex = index.split("sha256:").nth(1).unwrap()[..64].to_string();
    app_dir(home).join("blobs/sha256").join(hex)
}

fn cases(root_is_root: bool) -> Vec<Case> {
    let long_name = "a".repeat(256);
    let long_path = format!("example.com/{}", "abc/".repeat(70) + "x");
    let long_tag = format!("app:{}", "t".repeat(129));
    let hex64 = "0123456789abcdef".repeat(4);
    let deep_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let huge_stdin = vec![b' '; 70 * 1024 * 1024];
    let mut v = vec![
        // ---- references as list names (docker: exit 1, docker's words) ----
        c(&["create", "UPPER"], 1, "repository name (library/UPPER) must be lowercase"),
        c(&["create", ""], 1, "error parsing name for manifest list : invalid reference format"),
        c(&["create", "a//b"], 1, "invalid reference format"),
        c(&["create", "a:b:c"], 1, "invalid reference format"),
        c(&["create", "a:"], 1, "invalid reference format"),
        c(&["create", ":tag"], 1, "invalid reference format"),
        c(&["create", "a@sha256:abc"], 1, "invalid reference format"),
        c(&["create", "a@"], 1, "invalid reference format"),
        c(&["create", &format!("a@sha256:{}", "g".repeat(64))], 1, "invalid reference format"),
        c(&["create", &format!("a@md5:{hex64}")], 1, "unsupported digest algorithm"),
        c(&["create", &format!("a@sha256:{}", &hex64[..60])], 1, "invalid checksum digest length"),
        c(&["create", &format!("a@sha256:{}", hex64.to_uppercase())], 1, "invalid"),
        c(&["create", "a\u{1}b"], 1, "invalid reference format"),
        c(&["create", "a\nb"], 1, "manifest list a\\nb: invalid reference format"),
        c(&["create", "a\tb"], 1, "invalid reference format"),
        c(&["create", "a\u{1b}[31mred"], 1, "manifest list a\\u{1b}[31mred: invalid"),
        c(&["create", "a b"], 1, "invalid reference format"),
        c(&["create", "héllo"], 1, "invalid reference format"),
        c(&["create", &long_name], 1, "must not be more than 255 characters"),
        c(&["create", &long_path], 1, "must not be more than 255 characters"),
        c(&["create", &long_tag], 1, "invalid reference format"),
        c(&["create", "app:.tag"], 1, "invalid reference format"),
        c(&["create", "app:-tag"], 1, "invalid reference format"),
        c(&["create", "a/b/"], 1, "invalid reference format"),
        c(&["create", "/a"], 1, "invalid reference format"),
        c(&["create", "a..b"], 1, "invalid reference format"),
        c(&["create", "a___b"], 1, "invalid reference format"),
        c(&["create", "[::1/a"], 1, "invalid reference format"),
        c(&["create", "Example.com:x/a"], 1, "invalid reference format"),
        c(&["create", &hex64], 1, "cannot specify 64-byte hexadecimal strings"),
        c(&["create", "example.com/A"], 1, "must be lowercase"),
        c(&["--compat", "podman", "create", "UPPER"], 125, "Error: parsing name \"UPPER\""),
        c(&["--compat", "podman", "create", "a:b:c"], 125, "invalid reference format"),
        c(&["--compat", "pack", "create", "UPPER"], 1, "ERROR: 'UPPER' is not a valid manifest list name"),
        c(&["--compat", "pack", "create", "a//b"], 1, "is not a valid manifest list name"),
        c(&["exists", "UPPER"], 1, "must be lowercase"),
        c(&["rm", "a:b:c"], 1, "invalid reference format"),
        c(&["rm", "nothere", "UPPER"], 1, "No such manifest: docker.io/library/nothere:latest"),
        c(&["--compat", "podman", "rm", "UPPER"], 125, "must be lowercase"),
        c(&["annotate", "a:b:c", "x"], 1, "annotate: error parsing name for manifest list a:b:c"),
        c(&["push", "a:b:c"], 1, "invalid reference format"),
        c(&["inspect", "UPPER"], 1, "UPPER"),
        c(&["inspect", "app", "a:b:c"], 1, "No such manifest: a:b:c"),
        // ---- references as images ----
        c(&["create", "new", "UPPER"], 1, "repository name (library/UPPER) must be lowercase"),
        c(&["create", "new", "{L}:img0", "a:b:c"], 1, "invalid reference format"),
        c(&["add", "app", "a//b"], 1, "invalid reference format"),
        c(&["add", "app", ""], 1, "invalid reference format"),
        c(&["--compat", "podman", "add", "app", "x@sha256:12"], 125, "Error: parsing reference \"x@sha256:12\""),
        c(&["--compat", "pack", "add", "app", "UPPER"], 1, "ERROR: 'UPPER' is not a valid manifest reference"),
        c(&["annotate", "app", "a:b:c", "--os", "linux"], 1, "annotate: error parsing name for manifest a:b:c"),
        c(&["push", "app", "a:b:c"], 1, "invalid reference format"),
        c(&["push", "app", "x/UPPER"], 1, "must be lowercase"),
        // ---- digests naming entries ----
        c(&["--compat", "podman", "remove", "docker.io/library/app", "sha256:zz"], 125, "no instance matching digest"),
        c(&["--compat", "podman", "remove", "docker.io/library/app", &format!("sha256:{hex64}")], 125, "no instance matching digest"),
        c(&["--compat", "podman", "remove", "docker.io/library/app", "sha256:"], 125, "no instance matching digest"),
        c(&["--compat", "pack", "rm", "app", "x/y@sha256:00"], 1, "ERROR: invalid instance 'x/y@sha256:00'"),
        c(&["annotate", "app", &format!("sha256:{hex64}"), "--os", "linux"], 1, "does not exist in app"),
        c(&["annotate", "app", "nothere", "--os", "linux"], 1, "manifest for image nothere does not exist in app"),
        c(&["--compat", "podman", "annotate", "docker.io/library/app", "sha256:ff", "--os", "linux"], 125, "no instance matching"),
        c(&["--compat", "pack", "annotate", "app", "nothere", "--os", "linux"], 1, "ERROR: image 'nothere' is not in index 'app'"),
        c(&["create", "new", &format!("{{L}}@sha256:{hex64}")], 1, "holds 3 images"),
        // ---- documents for validate (the report names the problem) and digest ----
        c(&["validate", "{W}/notjson"], 1, "not valid JSON").report(),
        c(&["validate", "{W}/bom"], 1, "byte order mark").report(),
        c(&["validate", "{W}/badutf8"], 1, "invalid UTF-8").report(),
        c(&["validate", "{W}/empty"], 1, "unexpected end of input").report(),
        c(&["validate", "{W}/spaces"], 1, "not valid JSON").report(),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin(deep_arrays.clone()),
        c(&["validate", "-"], 1, "nested more than").report().stdin(deep_objects.clone()),
        c(&["validate", "--kind", "index", "-"], 1, "nested more than").report().stdin(deep_arrays),
        c(&["validate", "--json", "-"], 1, "{").report().stdin(deep_objects),
        c(&["validate", "-"], 1, "duplicate key \"schemaVersion\"").report().stdin(r#"{"schemaVersion":2,"schemaVersion":2,"manifests":[]}"#),
        c(&["validate", "-"], 1, "schemaVersion is a string").report().stdin(r#"{"schemaVersion":"2","manifests":[]}"#),
        c(&["validate", "-"], 1, "manifests is an object").report().stdin(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":{}}"#),
        c(&["validate", "-"], 1, "$").report().stdin(r#"{"schemaVersion":1,"manifests":[]}"#),
        c(&["validate", "-"], 1, "$").report().stdin("null"),
        c(&["validate", "-"], 1, "$").report().stdin("2"),
        c(&["validate", "-"], 1, "$").report().stdin("\"index\""),
        c(&["validate", "-"], 1, "$").report().stdin("[]"),
        c(&["validate", "-"], 1, "$").report().stdin("{}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{}x"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{}{}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{\"a\":NaN}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{\"a\":\"\\x\"}"),
        c(&["validate", "-"], 1, "$").report().stdin("{\"a\":\"\\ud800\"}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{\"a\":\"tab\there\"}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{\"a\":\"unterminated"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin(r#"{"schemaVersion":2,"manifests":["#),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("// comment\n{}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin("{'a':1}"),
        c(&["validate", "-"], 1, "not valid JSON").report().stdin(r#"{"schemaVersion":2,"manifests":[],}"#),
        c(&["validate", "-"], 1, "$").report().stdin(r#"{"schemaVersion":2e999,"manifests":[]}"#),
        c(&["validate", "-"], 1, "$.manifests[0]").report().stdin(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:abc","size":-1}]}"#),
        c(&["validate", "-"], 1, "$.manifests[0]").report().stdin(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":7,"digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":1.5}]}"#),
        c(&["validate", "--kind", "descriptor", "-"], 1, "$").report().stdin(r#"{"schemaVersion":2,"manifests":[]}"#),
        c(&["validate", "--kind", "manifest", "-"], 1, "$").report().stdin(r#"{"schemaVersion":2,"manifests":[]}"#),
        c(&["validate", "--kind", "manifest-list", "-"], 1, "$").report().stdin(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#),
        c(&["validate", "--kind", "docker-manifest", "-"], 1, "$").report().stdin("garbage"),
        c(&["validate", "{W}/huge"], 1, "larger than 64 MiB"),
        c(&["digest", "{W}/huge"], 1, "larger than 64 MiB"),
        c(&["validate", "-"], 1, "larger than 64 MiB").stdin(huge_stdin.clone()),
        c(&["digest", "--algorithm", "sha512", "-"], 1, "larger than 64 MiB").stdin(huge_stdin),
        // ---- file paths ----
        c(&["validate", "{W}/missing.json"], 1, "missing.json: no such file"),
        c(&["digest", "{W}/missing.json"], 1, "missing.json: no such file"),
        c(&["validate", ""], 1, "no such file"),
        c(&["validate", "{W}"], 1, "is a directory"),
        c(&["digest", "{W}"], 1, "is a directory"),
        c(&["validate", "/proc/self/mem"], 1, "/proc/self/mem: cannot read"),
        c(&["digest", "{W}/notjson/child"], 1, "notjson/child: cannot open"),
        c(&["create", "new", "oci:{W}/missing"], 1, "not an OCI image layout"),
        c(&["create", "new", "oci:{W}/notjson"], 1, "not an OCI image layout"),
        c(&["create", "new", "oci:{W}/notjson:tag"], 1, "not an OCI image layout"),
        c(&["create", "new", "{L}:nope"], 1, "no image tagged \"nope\"; its tags are: img0, img1, img2"),
        c(&["create", "new", "{L}"], 1, "holds 3 images; name one as oci:"),
        c(&["create", "new", "oci:{W}/garbage-layout"], 1, "garbage-layout/index.json: not a valid index"),
        c(&["create", "new", "oci:{W}/bad-blob-layout:img0"], 1, "bad-blob-layout/blobs/sha256/"),
        c(&["create", "new", "oci:{W}/no-blob-layout:img0"], 1, "missing"),
        c(&["create", "new", "oci:"], 1, "oci: names no layout folder"),
        c(&["push", "app", "oci:{W}/notjson/sub"], 1, "notjson/sub"),
        c(&["push", "app", "oci:{W}/garbage-layout"], 1, "garbage-layout/index.json: not a valid index"),
        c(&["push", "app", "--digestfile", "{W}", "oci:{W}/out"], 1, "--digestfile"),
        // ---- flags ----
        c(&["create", "--bogus", "x"], 125, "unknown flag: --bogus"),
        c(&["--compat", "podman", "create", "--bogus", "x"], 125, "Error: unknown flag: --bogus"),
        c(&["--compat", "pack", "create", "--bogus", "x"], 1, "ERROR: unknown flag: --bogus"),
        c(&["validate", "--bogus", "{W}/notjson"], 2, "unexpected argument '--bogus'"),
        c(&["bogus"], 2, "unrecognized subcommand 'bogus'"),
        c(&["manifest", "bogus"], 1, "unrecognized subcommand 'bogus'"),
        c(&["validate"], 2, "required arguments were not provided"),
        c(&["digest"], 2, "required arguments were not provided"),
        c(&["add", "app"], 1, "required arguments were not provided"),
        c(&["inspect"], 1, "required arguments were not provided"),
        c(&["inspect", "a", "b", "c"], 1, "unexpected value 'c'"),
        c(&["create", "x", "--format"], 125, "a value is required for '--format"),
        c(&["create", "x", "--format", "bogus"], 2, "--format bogus: unknown list format"),
        c(&["create", "x", "--format", ""], 2, "unknown list format"),
        c(&["push", "app", "--format", "bogus", "oci:{W}/out"], 2, "--format bogus: unknown list format"),
        c(&["create", "--all", "--platform", "linux/amd64", "x"], 2, "give at most one"),
        c(&["create", "--all", "--nested", "x"], 2, "give at most one"),
        c(&["add", "--nested", "--platform", "linux/amd64", "app", "{L}:img0"], 2, "give at most one"),
        c(&["validate", "--kind", "bogus", "{W}/notjson"], 2, "--kind bogus: unknown kind"),
        c(&["validate", "--kind", "", "{W}/notjson"], 2, "unknown kind"),
        c(&["digest", "--algorithm", "md5", "{W}/notjson"], 2, "--algorithm md5: not a registered digest algorithm"),
        c(&["digest", "--algorithm", "", "{W}/notjson"], 2, "--algorithm"),
        c(&["digest", "--algorithm", "SHA256", "{W}/notjson"], 2, "--algorithm"),
        c(&["digest", "--algorithm", "sha256:", "{W}/notjson"], 2, "--algorithm"),
        c(&["annotate", "app", "{L}:img0", "--clear", "bogus"], 2, "--clear bogus: unknown field"),
        c(&["annotate", "app", "{L}:img0", "--clear", ""], 2, "unknown field"),
        c(&["annotate", "app", "{L}:img0", "--clear", "annotation:"], 2, "unknown field"),
        c(&["--compat", "bogus", "ls"], 2, "--compat bogus: unknown personality"),
        c(&["ls"], 2, "MANIFOLD_COMPAT=bogus: unknown personality").env("MANIFOLD_COMPAT", "bogus"),
        c(&["create", "x", "--jobs", "-1"], 125, "unexpected argument '-1'"),
        c(&["create", "x", "--jobs", "many"], 125, "invalid value 'many'"),
        c(&["push", "app", "--tls-verify=maybe"], 125, "invalid value 'maybe'"),
        c(&["push", "app", "--tag", "bad tag", "oci:{W}/out"], 2, "--tag bad tag: invalid tag"),
        c(&["push", "app", "--tag", "", "oci:{W}/out"], 2, "invalid tag"),
        c(&["annotate", "app", "--index", "{L}:img0"], 2, "did not expect an image"),
        c(&["annotate", "app", "--index", "--os", "linux"], 2, "platform fields belong to entries"),
        c(&["annotate", "app"], 2, "annotate needs the entry"),
        c(&["--compat", "podman", "remove", "app"], 2, "give the list and at least one entry digest"),
        c(&["--compat", "pack", "annotate", "app", "{L}:img0"], 1, "ERROR: one of --os, --arch, or --variant is required"),
        // ---- platforms ----
        c(&["create", "x", "--platform", ""], 2, "--platform : platform is empty"),
        c(&["create", "x", "--platform", "linux/amd64/v8/x"], 2, "has 4 '/'-separated parts"),
        c(&["create", "x", "--platform", "/amd64"], 2, "--platform /amd64"),
        c(&["create", "x", "--platform", "linux/"], 2, "--platform linux/"),
        c(&["create", "x", "--platform", "linux//v7"], 2, "--platform linux//v7"),
        c(&["create", "x", "--platform", "lin ux/amd64"], 2, "--platform lin ux/amd64"),
        c(&["create", "x", "--platform", "linux/amd64\n"], 2, "--platform linux/amd64"),
        c(&["add", "app", "{L}:img0", "--platform", "linux/amd64/v8/x/y"], 2, "'/'-separated parts"),
        c(&["inspect", "app", "--platform", "a/b/c/d"], 2, "--platform a/b/c/d"),
        c(&["inspect", "app", "--platform", "windows/mips"], 1, "has no entry for windows/mips"),
        c(&["annotate", "app", "{L}:img0", "--arch", "armv7l"], 1, "unsupported os/arch combination: /armv7l"),
        c(&["annotate", "app", "{L}:img0", "--os", "plan10", "--arch", "amd64"], 1, "unsupported os/arch combination: plan10/amd64"),
        // ---- annotation syntax ----
        c(&["create", "x", "--annotation", "novalue"], 2, "annotation \"novalue\" is not KEY=VALUE"),
        c(&["create", "x", "--annotation", "=v"], 2, "is not KEY=VALUE"),
        c(&["create", "x", "--annotation", ""], 2, "is not KEY=VALUE"),
        c(&["add", "app", "{L}:img0", "--annotation", "k"], 2, "is not KEY=VALUE"),
        c(&["annotate", "app", "{L}:img0", "--annotation", "k"], 2, "is not KEY=VALUE"),
        c(&["annotate", "app", "--index", "--annotation", "=x"], 2, "is not KEY=VALUE"),
        c(&["--compat", "pack", "annotate", "app", "{L}:img0", "--annotations", "k"], 2, "is not KEY=VALUE"),
        // ---- lists that are not there / not allowed ----
        c(&["create", "app"], 1, "refusing to amend an existing manifest list with no --amend flag"),
        c(&["add", "nothere", "{L}:img0"], 1, "No such manifest: docker.io/library/nothere:latest"),
        c(&["annotate", "nothere", "{L}:img0", "--os", "linux"], 1, "does not exist in nothere"),
        c(&["annotate", "nothere", "--index", "--annotation", "k=v"], 1, "No such manifest"),
        c(&["rm", "nothere"], 1, "No such manifest: docker.io/library/nothere:latest"),
        // podman exits 1 for a list rm cannot find (125 elsewhere).
        c(&["--compat", "podman", "rm", "nothere"], 1, "nothere: image not known"),
        c(&["--compat", "podman", "remove", "nothere", &format!("sha256:{hex64}")], 125, "image not known"),
        c(&["push", "nothere", "oci:{W}/out"], 1, "No such manifest"),
        c(&["push", "empty", "oci:{W}/out"], 1, "docker.io/library/empty:latest not found"),
        c(&["exists", "nothere"], 1, ""),
    ];
    // ---- non-UTF-8 arguments ----
    let bad = |prefix: &[u8]| {
        let mut b = prefix.to_vec();
        b.push(0xff);
        OsString::from_vec(b)
    };
    for args in [
        vec![OsString::from("create"), bad(b"")],
        vec![OsString::from("create"), OsString::from("x"), bad(b"oci:")],
        vec![OsString::from("validate"), bad(b"file")],
        vec![
            OsString::from("digest"),
            OsString::from("--algorithm"),
            bad(b"sha"),
        ],
        vec![OsString::from("--compat"), bad(b""), OsString::from("ls")],
        vec![
            OsString::from("manifest"),
            OsString::from("inspect"),
            bad(b"app"),
        ],
    ] {
        let code = if args[0] == "create" || args[0] == "manifest" {
            1
        } else {
            2
        };
        v.push(Case::raw(args, code, "invalid UTF-8"));
    }
    v.push(Case::raw(
        vec![bad(b"create")],
        2,
        "unrecognized subcommand",
    ));
    // ---- store folders edited by hand (each on its own copy of the store) ----
    let store_cases: Vec<(Vec<&str>, i32, &str, Edit)> = vec![
        (
            vec!["inspect", "app"],
            1,
            "the local list docker.io/library/app:latest is damaged",
            |h| std::fs::write(app_dir(h).join("index.json"), b"{garbage").unwrap(),
        ),
        (
            vec!["add", "app", "{L}:img2"],
            1,
            "is damaged (index.json:",
            |h| std::fs::write(app_dir(h).join("index.json"), b"").unwrap(),
        ),
        (
            vec!["annotate", "app", "{L}:img0", "--os", "linux"],
            1,
            "is damaged",
            |h| std::fs::write(app_dir(h).join("index.json"), b"[]").unwrap(),
        ),
        (
            vec!["push", "app", "oci:{W}/out-damaged"],
            1,
            "is damaged",
            |h| std::fs::write(app_dir(h).join("index.json"), b"\xef\xbb\xbf{}").unwrap(),
        ),
        (
            vec!["create", "--amend", "app", "{L}:img2"],
            1,
            "is damaged",
            |h| {
                std::fs::write(
                    app_dir(h).join("index.json"),
                    br#"{"schemaVersion":2,"manifests":[]}"#,
                )
                .unwrap()
            },
        ),
        (vec!["exists", "app"], 125, "is damaged", |h| {
            std::fs::write(app_dir(h).join("index.json"), b"null").unwrap()
        }),
        (vec!["inspect", "app"], 1, "is damaged (cannot read", |h| {
            std::fs::remove_file(list_blob(h)).unwrap()
        }),
        (vec!["add", "app", "{L}:img2"], 1, "is damaged", |h| {
            std::fs::remove_file(list_blob(h)).unwrap()
        }),
        (vec!["inspect", "app"], 1, "is damaged", |h| {
            let p = list_blob(h);
            let mut b = std::fs::read(&p).unwrap();
            b[10] ^= 1;
            std::fs::write(p, b).unwrap()
        }),
        (
            vec!["annotate", "app", "--index", "--annotation", "k=v"],
            1,
            "is damaged",
            |h| std::fs::write(list_blob(h), b"{}").unwrap(),
        ),
        (
            vec!["push", "app", "oci:{W}/out-damaged"],
            1,
            "is damaged",
            |h| std::fs::write(list_blob(h), b"").unwrap(),
        ),
        (
            vec!["inspect", "app"],
            1,
            "index.json names docker.io/library/other:latest, not this list",
            |h| {
                let other = h.join("lists").join("docker.io%2Flibrary%2Fother%3Alatest");
                std::fs::remove_dir_all(app_dir(h)).unwrap();
                std::fs::rename(other, app_dir(h)).unwrap();
            },
        ),
        (vec!["add", "app", "{L}:img2"], 1, "not this list", |h| {
            let other = h.join("lists").join("docker.io%2Flibrary%2Fother%3Alatest");
            std::fs::remove_dir_all(app_dir(h)).unwrap();
            copy_dir(&other, &app_dir(h));
        }),
        (
            vec!["inspect", "app"],
            1,
            "index.json must hold exactly one descriptor",
            |h| {
                let p = app_dir(h).join("index.json");
                let t = std::fs::read_to_string(&p).unwrap();
                let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
                let first = v["manifests"][0].clone();
                v["manifests"].as_array_mut().unwrap().push(first);
                std::fs::write(&p, v.to_string()).unwrap();
            },
        ),
        (vec!["inspect", "app"], 1, "dev.manifold.sources", |h| {
            let p = app_dir(h).join("index.json");
            let t = std::fs::read_to_string(&p).unwrap();
            let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
            v["manifests"][0]["annotations"]["dev.manifold.sources"] = "not json".into();
            std::fs::write(&p, v.to_string()).unwrap();
        }),
        (
            vec!["annotate", "app", "nothere", "--os", "linux"],
            1,
            "manifest for image nothere does not exist in app",
            |h| {
                let tmp = h.join("lists").join(format!(".tmp-{APP}+1-2"));
                std::fs::create_dir_all(tmp.join("blobs/sha256")).unwrap();
                std::fs::write(tmp.join("index.json"), b"half").unwrap();
            },
        ),
        (
            vec!["push", "app", "--format", "bogus", "oci:{W}/out"],
            2,
            "--format bogus",
            |h| {
                std::fs::write(app_dir(h).join("blobs/sha256/.tmp-1-2"), b"half a blob").unwrap();
                std::fs::write(app_dir(h).join(".tmp-3-4"), b"half an index").unwrap();
            },
        ),
    ];
    for (args, code, says, edit) in store_cases {
        v.push(c(&args, code, says).edit(edit));
    }
    if !root_is_root {
        v.push(c(
            &["validate", "{W}/unreadable"],
            1,
            "unreadable: permission denied",
        ));
        v.push(c(
            &["digest", "{W}/unreadable"],
            1,
            "unreadable: permission denied",
        ));
    }
    v
}

/// The first line of `s`, for messages.
fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Why a first line is not one clear line naming the problem, if it is not.
fn unclear(line: &str, all: &str) -> Option<String> {
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "note: run with",
    ] {
        if all.contains(bad) {
            return Some(format!("output has {bad:?}"));
        }
    }
    // Debug dumps: `Some("…")`, `Os { code: … }`, `Custom { kind: … }`, `{ .. }`.
    for bad in [
        "Some(", "None,", "Ok(", "Err(", " { ", "{ .. }", "kind: ", "code: ",
    ] {
        if line.contains(bad) {
            return Some(format!("first line has the Debug text {bad:?}"));
        }
    }
    if line.trim().is_empty() {
        return Some("first line is empty".into());
    }
    None
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(true)
}

#[test]
fn every_bad_input_fails_clearly_and_leaves_the_store_alone() {
    let work = TempDir::new("catalogue");
    let w = work.0.clone();
    let layout = w.join("src");
    write_layout(&layout, 3, small_layer);
    let base = w.join("base-home");
    let prep = |args: &[&str]| {
        let args: Vec<OsString> = args
            .iter()
            .map(|a| OsString::from(a.replace("{L}", &format!("oci:{}", layout.display()))))
            .collect();
        let r = run(&base, &w, &args, None, &[]);
        assert_eq!(r.code, Some(0), "setup {args:?}: {}", r.stderr);
    };
    prep(&["create", "app", "{L}:img0", "{L}:img1"]);
    prep(&["create", "other", "{L}:img2"]);
    prep(&["create", "empty"]);
    // Documents and folders the cases point at.
    std::fs::write(w.join("notjson"), b"not json").unwrap();
    std::fs::write(
        w.join("bom"),
        b"\xef\xbb\xbf{\"schemaVersion\":2,\"manifests\":[]}",
    )
    .unwrap();
    std::fs::write(
        w.join("badutf8"),
        b"{\"schemaVersion\":2,\"manifests\":[],\"x\":\"\xff\"}",
    )
    .unwrap();
    std::fs::write(w.join("empty"), b"").unwrap();
    std::fs::write(w.join("spaces"), b" \n\t ").unwrap();
    std::fs::File::create(w.join("huge"))
        .unwrap()
        .set_len(70 * 1024 * 1024)
        .unwrap();
    std::fs::write(w.join("unreadable"), b"{}").unwrap();
    std::fs::set_permissions(
        w.join("unreadable"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    let garbage = w.join("garbage-layout");
    std::fs::create_dir_all(&garbage).unwrap();
    std::fs::write(
        garbage.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(garbage.join("index.json"), b"{\"manifests\":").unwrap();
    let bad_blob = w.join("bad-blob-layout");
    write_layout(&bad_blob, 1, small_layer);
    let no_blob = w.join("no-blob-layout");
    write_layout(&no_blob, 1, small_layer);
    for dir in [&bad_blob, &no_blob] {
        let index = std::fs::read_to_string(dir.join("index.json")).unwrap();
        let hex = &index.split("sha256:").nth(1).unwrap()[..64];
        let p = dir.join("blobs/sha256").join(hex);
        if dir == &bad_blob {
            std::fs::write(p, b"{\"schemaVersion\":2}").unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }

    let cases = cases(is_root());
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let subst = |a: &OsString| -> OsString {
        match a.to_str() {
            Some(s) => OsString::from(
                s.replace("{L}", &format!("oci:{}", layout.display()))
                    .replace("{W}", &w.display().to_string()),
            ),
            None => a.clone(),
        }
    };
    let mut failures = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let args: Vec<OsString> = case.args.iter().map(subst).collect();
        let home = match case.edit {
            None => base.clone(),
            Some(edit) => {
                let h = w.join(format!("home-{n}"));
                copy_dir(&base, &h);
                edit(&h);
                h
            }
        };
        let before = snapshot(&home);
        let r = run(&home, &w, &args, case.stdin.as_deref(), &case.env);
        let after = snapshot(&home);
        let shown = format!("#{n} manifold {args:?}");
        let (line, all) = match case.stream {
            Says::Stderr => (first_line(&r.stderr), r.stderr.as_str()),
            Says::Report => (first_line(&r.stdout), r.stdout.as_str()),
        };
        let mut why = Vec::new();
        if r.code != Some(case.code) {
            why.push(format!("exit {:?}, expected {}", r.code, case.code));
        }
        if r.code == Some(0) {
            why.push("succeeded".into());
        }
        if case.says.is_empty() {
            // `exists` answers with its exit code alone.
            if !r.stderr.is_empty() {
                why.push("expected no output".into());
            }
        } else {
            let named = match case.stream {
                Says::Stderr => line.contains(&case.says),
                Says::Report => all.lines().any(|l| l.contains(&case.says)),
            };
            if !named {
                why.push(format!("first line lacks {:?}", case.says));
            }
            if let Some(u) = unclear(line, &format!("{}{}", r.stderr, all)) {
                why.push(u);
            }
        }
        if case.stream == Says::Report && !r.stderr.is_empty() {
            why.push("a report of an invalid document wrote to stderr".into());
        }
        if before != after {
            let changed: Vec<_> = before
                .keys()
                .chain(after.keys())
                .filter(|k| before.get(*k) != after.get(*k))
                .collect();
            why.push(format!("the store changed: {changed:?}"));
        }
        if !why.is_empty() {
            failures.push(format!(
                "{shown}\n    {}\n    stderr: {}\n    stdout: {}",
                why.join("; "),
                r.stderr
                    .trim_end()
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" | "),
                first_line(&r.stdout)
            ));
        }
    }
    eprintln!("{} bad inputs checked", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled well:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The way out every "damaged" message names works: `rm` removes a damaged list, and the next
/// command that writes a list clears the temp folders and files a killed run left for it.
#[test]
fn damaged_lists_can_be_removed_and_temps_are_cleared() {
    let work = TempDir::new("wayout");
    let w = work.0.clone();
    let layout = w.join("src");
    write_layout(&layout, 2, small_layer);
    let home = w.join("home");
    let img = |i: usize| OsString::from(format!("oci:{}:img{i}", layout.display()));
    let ok = |args: Vec<OsString>| {
        let r = run(&home, &w, &args, None, &[]);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        r
    };
    let os = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
    ok([os(&["create", "app"]), vec![img(0)]].concat());
    std::fs::write(app_dir(&home).join("index.json"), b"{garbage").unwrap();
    let r = run(&home, &w, &os(&["inspect", "app"]), None, &[]);
    assert!(r.stderr.contains("manifold rm"), "{}", r.stderr);
    ok(os(&["rm", "app"]));
    assert!(!app_dir(&home).exists());

    ok([os(&["create", "app"]), vec![img(0)]].concat());
    let stray = home.join("lists").join(format!(".tmp-{APP}+99-1-0"));
    std::fs::create_dir_all(stray.join("blobs/sha256")).unwrap();
    std::fs::write(app_dir(&home).join(".tmp-99-2-0"), b"half an index").unwrap();
    std::fs::write(
        app_dir(&home).join("blobs/sha256/.tmp-99-3-0"),
        b"half a blob",
    )
    .unwrap();
    // Another list whose name extends app's: its temp folder is not app's to clear.
    let other = home
        .join("lists")
        .join(".tmp-docker.io%2Flibrary%2Fapp%3Alatest-1+99-4-0");
    std::fs::create_dir_all(&other).unwrap();
    ok([os(&["add", "app"]), vec![img(1)]].concat());
    assert!(!stray.exists());
    assert!(!app_dir(&home).join(".tmp-99-2-0").exists());
    assert!(!app_dir(&home).join("blobs/sha256/.tmp-99-3-0").exists());
    assert!(
        other.exists(),
        "the temp folder of app:latest-1 was taken for app's"
    );
    let shown = ok(os(&["inspect", "app"])).stdout;
    assert_eq!(shown.matches("\"digest\"").count(), 2, "{shown}");
}
