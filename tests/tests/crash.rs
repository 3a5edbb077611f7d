//! Crash safety (issue 8): `create`, `add`, `annotate` and `push` to an OCI layout are killed
//! with SIGKILL at random points (a fixed seed, so a failure repeats), and after each kill:
//! - every local list loads and inspects, or does not exist at all (never half-written);
//! - the layout a push wrote into is absent, as before, or complete (every tag points at a
//!   list whose members and blobs are all there and match their digests);
//! - the next command that writes the list (or the layout) succeeds and leaves no temp file.
//!
//! - no list folder holds a blob its list does not need (what a killed run wrote is removed by
//!   the next write to that list), and no pool copy is left that no list links to.
//!
//! Also: concurrent `rm` and `add` on one list end in one consistent state, and a list missing
//! a blob is reported damaged (by `ls` and `inspect`) with the command that repairs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use manifold_tests::layout::write_layout;
use manifold_tests::manifold_bin;
use sha2::{Digest as _, Sha256};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!(
            "manifold-crash-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// splitmix64: a small deterministic generator, so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Env {
    dir: TempDir,
}

impl Env {
    fn home(&self) -> PathBuf {
        self.dir.0.join("home")
    }
    fn path(&self) -> &Path {
        &self.dir.0
    }
    fn cmd(&self, args: &[String]) -> Command {
        let mut c = Command::new(manifold_bin());
        c.args(args)
            .env("MANIFOLD_HOME", self.home())
            .env("HOME", self.path())
            .env_remove("MANIFOLD_COMPAT")
            .env_remove("XDG_DATA_HOME")
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
    fn run(&self, args: &[String]) -> Output {
        self.cmd(args).output().expect("run manifold")
    }
    #[track_caller]
    fn ok(&self, args: &[String]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "manifold {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A layer big enough (128 KiB) that copying it takes a moment, so kills land mid-copy.
fn big_layer(i: usize) -> Vec<u8> {
    (0..128 * 1024).map(|j| (j * (i + 7) % 251) as u8).collect()
}

/// Every `.tmp-*` file or folder under `root`.
fn temps(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                out.push(e.path());
            } else if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            }
        }
    }
    out
}

/// The blobs each list folder holds that its list does not need (the list blob, each entry's
/// manifest and that manifest's image config), and the pool copies no list links to.
fn strays(home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(home.join("lists")) else {
        return out;
    };
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap()
    };
    for list in rd.flatten() {
        if list.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let dir = list.path();
        let blob = |d: &serde_json::Value| dir.join("blobs/sha256").join(&d.as_str().unwrap()[7..]);
        let top = read(dir.join("index.json"));
        let list_digest = &top["manifests"][0]["digest"];
        let mut needed = vec![blob(list_digest)];
        for m in read(blob(list_digest))["manifests"].as_array().unwrap() {
            needed.push(blob(&m["digest"]));
            let doc = read(blob(&m["digest"]));
            let config = &doc["config"];
            if config["mediaType"].as_str().is_some_and(|t| {
                t.ends_with("config.v1+json") || t.ends_with("container.image.v1+json")
            }) {
                needed.push(blob(&config["digest"]));
            }
        }
        for f in std::fs::read_dir(dir.join("blobs/sha256"))
            .unwrap()
            .flatten()
        {
            // Temp files are `temps`' business.
            let temp = f.file_name().to_string_lossy().starts_with(".tmp-");
            if !temp && !needed.contains(&f.path()) {
                out.push(f.path());
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(home.join("blobs/sha256")) {
        use std::os::unix::fs::MetadataExt;
        for f in rd.flatten() {
            if f.metadata().unwrap().nlink() < 2 {
                out.push(f.path());
            }
        }
    }
    out
}

/// Where a killed run stopped, as seen from the outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// SIGKILL arrived while it ran.
    Killed,
    /// It had already finished (successfully) when the kill was due.
    Finished,
}

/// Runs `args`, kills it with SIGKILL after `delay`, and says whether it was still running.
fn run_and_kill(env: &Env, args: &[String], delay: Duration) -> Outcome {
    let mut child = env
        .cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start manifold");
    let start = Instant::now();
    while start.elapsed() < delay {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "manifold {args:?} failed before the kill");
            return Outcome::Finished;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // Command::kill sends SIGKILL on Unix.
    let _ = child.kill();
    let status = child.wait().unwrap();
    if status.success() {
        Outcome::Finished
    } else {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "manifold {args:?} ended with {status:?}, not by the kill"
        );
        Outcome::Killed
    }
}

/// The state of one list: absent, or the number of entries it holds (it inspects).
fn list_state(env: &Env, name: &str) -> Option<usize> {
    let exists = env.run(&s(&["exists", name]));
    match exists.status.code() {
        Some(1) => {
            assert!(exists.stderr.is_empty());
            None
        }
        Some(0) => {
            let out = env.run(&s(&["inspect", name]));
            assert!(
                out.status.success(),
                "list {name} exists but does not inspect: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            let v: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("inspect {name} printed no JSON ({e}): {text}"));
            Some(v["manifests"].as_array().map_or(0, Vec::len))
        }
        other => panic!(
            "list {name} is damaged ({other:?}): {}",
            String::from_utf8_lossy(&exists.stderr)
        ),
    }
}

/// Every list the store shows inspects.
fn all_lists_inspect(env: &Env) {
    let ls = env.ok(&s(&["ls"]));
    for line in ls.lines().skip(1) {
        let name = line.split_whitespace().next().unwrap();
        assert!(!line.contains("damaged"), "ls shows a damaged list: {line}");
        list_state(env, name).unwrap_or_else(|| panic!("ls shows {name}, which does not exist"));
    }
}

/// A blob of the layout, checked against its digest.
fn layout_blob(layout: &Path, digest: &str, size: u64) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digests");
    let path = layout.join("blobs/sha256").join(hex);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{} is referenced but missing: {e}", path.display()));
    assert_eq!(
        sha256_hex(&bytes),
        hex,
        "{} does not match its digest",
        path.display()
    );
    assert_eq!(
        bytes.len() as u64,
        size,
        "{} has the wrong size",
        path.display()
    );
    bytes
}

/// Checks a descriptor's whole tree: an index's members, a manifest's config and layers.
fn check_tree(layout: &Path, d: &serde_json::Value) {
    let bytes = layout_blob(
        layout,
        d["digest"].as_str().unwrap(),
        d["size"].as_u64().unwrap(),
    );
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    if let Some(ms) = v["manifests"].as_array() {
        for m in ms {
            check_tree(layout, m);
        }
    }
    if v["config"].is_object() {
        check_tree_leaf(layout, &v["config"]);
        for l in v["layers"].as_array().unwrap() {
            check_tree_leaf(layout, l);
        }
    }
}

fn check_tree_leaf(layout: &Path, d: &serde_json::Value) {
    layout_blob(
        layout,
        d["digest"].as_str().unwrap(),
        d["size"].as_u64().unwrap(),
    );
}

/// The tags of a layout written by push, each checked complete; `None` when there is no
/// layout yet (no index.json: nothing was published).
fn layout_tags(layout: &Path) -> Option<BTreeMap<String, String>> {
    let index = match std::fs::read(layout.join("index.json")) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot read the layout's index.json: {e}"),
    };
    let v: serde_json::Value = serde_json::from_slice(&index).unwrap_or_else(|e| {
        panic!(
            "the layout's index.json is not JSON ({e}): {}",
            String::from_utf8_lossy(&index)
        )
    });
    let mut tags = BTreeMap::new();
    for d in v["manifests"].as_array().expect("manifests") {
        check_tree(layout, d);
        let tag = d["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .expect("tagged")
            .to_string();
        tags.insert(tag, d["digest"].as_str().unwrap().to_string());
    }
    Some(tags)
}

#[derive(Default)]
struct Figures {
    runs: usize,
    killed: usize,
    finished: usize,
    /// What each command left, as "command: state" → how often.
    states: BTreeMap<String, usize>,
}

impl Figures {
    fn note(&mut self, outcome: Outcome, state: String) {
        self.runs += 1;
        match outcome {
            Outcome::Killed => self.killed += 1,
            Outcome::Finished => self.finished += 1,
        }
        *self.states.entry(state).or_default() += 1;
    }
}

#[test]
fn kill_9_never_leaves_a_half_written_list_or_layout() {
    const RUNS_PER_COMMAND: usize = 30;
    const SEED: u64 = 0x6d61_6e69_666f_6c64; // "manifold"
    let budget = Duration::from_secs(240);
    let started = Instant::now();
    let env = Env {
        dir: TempDir::new("kill"),
    };
    let src = env.path().join("src");
    // More images than runs of add, so every add brings a new entry.
    write_layout(&src, 40, big_layer);
    let img = |i: usize| format!("oci:{}:img{}", src.display(), i % 40);
    let mut rng = Rng(SEED);
    let mut fig = Figures::default();
    // How long a whole run of each command takes (refined as the test goes).
    let mut took = [Duration::from_millis(30); 4];

    env.ok(&s(&["create", "base", &img(0), &img(1)]));
    let dest = env.path().join("dest");
    for run in 0..RUNS_PER_COMMAND * 4 {
        if started.elapsed() > budget {
            eprintln!("crash test: time budget reached after {run} runs");
            break;
        }
        // Up to 30 ms, but no longer than a whole run of this command took last time, so
        // most kills land while it runs on a fast machine as on a slow one.
        let kind = run % 4;
        let limit = took[kind].as_micros().clamp(1_000, 30_000) as u64;
        let delay = Duration::from_micros(rng.below(limit * 11 / 10));
        match kind {
            // create: a fresh list of several images; absent or whole, never in between.
            0 => {
                let name = format!("c{run}");
                let n = 2 + rng.below(5) as usize;
                let mut args = s(&["create", &name]);
                args.extend((0..n).map(img));
                let outcome = run_and_kill(&env, &args, delay);
                let state = list_state(&env, &name);
                assert!(
                    state.is_none() || state == Some(n),
                    "create {name} of {n} images left {state:?} entries"
                );
                if outcome == Outcome::Finished {
                    assert_eq!(state, Some(n));
                }
                fig.note(
                    outcome,
                    format!("create: {}", if state.is_some() { "new" } else { "absent" }),
                );
                // The next run for that name writes it and clears what the killed one left.
                let mut again = s(&["create", "--amend", &name]);
                again.extend((0..n).map(img));
                let t = Instant::now();
                env.ok(&again);
                took[kind] = t.elapsed();
                assert_eq!(list_state(&env, &name), Some(n));
            }
            // add: one more image; the old list or the new one.
            1 => {
                let before = list_state(&env, "base").unwrap();
                let outcome = run_and_kill(&env, &s(&["add", "base", &img(before)]), delay);
                let after = list_state(&env, "base").expect("base never disappears");
                assert!(
                    after == before || after == before + 1,
                    "add left {after} entries after {before}"
                );
                if outcome == Outcome::Finished {
                    assert_eq!(after, before + 1);
                }
                fig.note(
                    outcome,
                    format!("add: {}", if after == before { "old" } else { "new" }),
                );
                let t = Instant::now();
                env.ok(&s(&["annotate", "base", &img(0), "--variant", "v8"]));
                took[kind] = t.elapsed();
                if after == before {
                    env.ok(&s(&["add", "base", &img(before)]));
                }
            }
            // annotate: a new variant and annotation on one entry; old or new, never mixed.
            2 => {
                let tag = format!("v{run}");
                let outcome = run_and_kill(
                    &env,
                    &s(&[
                        "annotate",
                        "base",
                        &img(1),
                        "--annotation",
                        &format!("org.example.run={tag}"),
                        "--os-version",
                        &tag,
                    ]),
                    delay,
                );
                let shown = env.ok(&s(&["inspect", "base"]));
                let has_annotation = shown.contains(&format!("\"org.example.run\": \"{tag}\""));
                let has_version = shown.contains(&format!("\"os.version\": \"{tag}\""));
                assert_eq!(
                    has_annotation, has_version,
                    "annotate was half applied:\n{shown}"
                );
                fig.note(
                    outcome,
                    format!("annotate: {}", if has_version { "new" } else { "old" }),
                );
                let t = Instant::now();
                env.ok(&s(&["annotate", "base", &img(1), "--variant", "v8"]));
                took[kind] = t.elapsed();
            }
            // push into a layout: its index.json is the commit point.
            _ => {
                let before = layout_tags(&dest);
                let tag = format!("t{run}");
                let outcome = run_and_kill(
                    &env,
                    &s(&["push", "base", &format!("oci:{}:{tag}", dest.display())]),
                    delay,
                );
                let after = layout_tags(&dest);
                let state = match (&before, &after) {
                    (_, None) => "absent",
                    (_, Some(t)) if t.contains_key(&tag) => "new",
                    (Some(b), Some(a)) if b == a => "old",
                    (None, Some(a)) if a.is_empty() => "empty",
                    _ => panic!("push changed the layout's tags from {before:?} to {after:?}"),
                };
                if outcome == Outcome::Finished {
                    assert_eq!(state, "new");
                }
                fig.note(outcome, format!("push: {state}"));
                // Pushing again completes it and clears the temp files the kill left.
                let t = Instant::now();
                env.ok(&s(&[
                    "push",
                    "base",
                    &format!("oci:{}:{tag}", dest.display()),
                ]));
                took[kind] = t.elapsed();
                assert!(layout_tags(&dest).unwrap().contains_key(&tag));
                let left = temps(&dest);
                assert!(left.is_empty(), "temp files left in the layout: {left:?}");
            }
        }
        all_lists_inspect(&env);
        let left = temps(&env.home());
        assert!(
            left.is_empty(),
            "run {run}: temp files left in the store after the next command: {left:?}"
        );
        let stray = strays(&env.home());
        assert!(
            stray.is_empty(),
            "run {run}: blobs no list needs, left after the next write: {stray:?}"
        );
    }
    eprintln!(
        "crash test: {} runs ({} killed while running, {} finished first) in {:.1} s; states: {:?}",
        fig.runs,
        fig.killed,
        fig.finished,
        started.elapsed().as_secs_f64(),
        fig.states
    );
    assert!(fig.runs >= 20, "too few runs in the time budget");
    assert!(fig.killed > 0, "no run was killed while it ran");
}

#[test]
fn concurrent_rm_and_add_end_in_one_consistent_state() {
    let env = Env {
        dir: TempDir::new("rmadd"),
    };
    let src = env.path().join("src");
    write_layout(&src, 4, big_layer);
    let img = |i: usize| format!("oci:{}:img{i}", src.display());
    let mut ends = BTreeMap::<String, usize>::new();
    for round in 0..12 {
        env.ok(&s(&["create", "shared", &img(0)]));
        let mut adds: Vec<_> = (1..4)
            .map(|i| env.cmd(&s(&["add", "shared", &img(i)])).spawn().unwrap())
            .collect();
        if round % 2 == 1 {
            std::thread::sleep(Duration::from_millis(round as u64));
        }
        let rm = env.cmd(&s(&["rm", "shared"])).spawn().unwrap();
        let rm = rm.wait_with_output().unwrap();
        assert!(
            rm.status.success(),
            "rm failed: {}",
            String::from_utf8_lossy(&rm.stderr)
        );
        let mut added = 0;
        for a in adds.drain(..) {
            let out = a.wait_with_output().unwrap();
            if out.status.success() {
                added += 1;
            } else {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    err.starts_with("No such manifest: docker.io/library/shared:latest"),
                    "an add that lost the race must say the list is gone: {err}"
                );
            }
        }
        // rm ran while adds may still have been going: the list is gone or whole.
        let state = list_state(&env, "shared");
        if let Some(n) = state {
            assert!((1..=4).contains(&n), "{n} entries");
        }
        *ends
            .entry(format!(
                "{} add(s) done, list {}",
                added,
                state.map_or("absent".to_string(), |n| format!("with {n} entries"))
            ))
            .or_default() += 1;
        let left = temps(&env.home());
        if state.is_some() {
            assert_eq!(strays(&env.home()), Vec::<PathBuf>::new());
            env.ok(&s(&["rm", "shared"]));
        }
        assert!(left.is_empty(), "temp files left: {left:?}");
        assert_eq!(strays(&env.home()), Vec::<PathBuf>::new(), "after rm");
    }
    eprintln!("rm/add races ended as: {ends:?}");
}

/// What a killed `add` leaves (the manifest and config of an image it never recorded, a temp
/// file) and what an old `annotate` left (a replaced list blob) are gone after the next write.
#[test]
fn orphans_of_a_killed_run_go_with_the_next_write() {
    let env = Env {
        dir: TempDir::new("orphans"),
    };
    let src = env.path().join("src");
    write_layout(&src, 3, big_layer);
    let img = |i: usize| format!("oci:{}:img{i}", src.display());
    env.ok(&s(&["create", "o", &img(0), &img(1)]));
    let dir = env.home().join("lists/docker.io%2Flibrary%2Fo%3Alatest");
    let blobs = dir.join("blobs/sha256");
    let old_list = std::fs::read_dir(&blobs).unwrap().count();
    // img2's manifest and config, as a kill -9 after the blob writes of `add o img2` leaves them.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src.join("index.json")).unwrap()).unwrap();
    let m_digest = index["manifests"][2]["digest"].as_str().unwrap()[7..].to_string();
    let m_bytes = std::fs::read(src.join("blobs/sha256").join(&m_digest)).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&m_bytes).unwrap();
    let c_digest = m["config"]["digest"].as_str().unwrap()[7..].to_string();
    std::fs::copy(
        src.join("blobs/sha256").join(&m_digest),
        blobs.join(&m_digest),
    )
    .unwrap();
    std::fs::copy(
        src.join("blobs/sha256").join(&c_digest),
        blobs.join(&c_digest),
    )
    .unwrap();
    std::fs::write(blobs.join(".tmp-4242-0-1"), b"half a blob").unwrap();
    assert_eq!(strays(&env.home()).len(), 2, "the test plants two orphans");
    // Orphans are not damage: ls shows the list as usual.
    assert!(!env.ok(&s(&["ls"])).contains("damaged"));

    env.ok(&s(&["annotate", "o", &img(1), "--os-version", "1"]));
    assert_eq!(strays(&env.home()), Vec::<PathBuf>::new());
    assert!(temps(&env.home()).is_empty());
    // Annotate replaced the list blob; the old one went too.
    assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), old_list);
    // Dropping an entry drops its manifest and config.
    let digest0 = env.ok(&s(&["inspect", "o"]));
    let v: serde_json::Value = serde_json::from_str(&digest0).unwrap();
    let first = v["manifests"][0]["digest"].as_str().unwrap().to_string();
    env.ok(&s(&["remove", "o", &first]));
    assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), old_list - 2);
    assert_eq!(strays(&env.home()), Vec::<PathBuf>::new());
}

/// A list missing a blob (deleted by hand, a disk error) is shown damaged by `ls` and refused by
/// `inspect`, both naming the blob and the command that repairs it; that command works.
#[test]
fn a_list_missing_a_blob_is_reported_damaged_with_its_repair() {
    let env = Env {
        dir: TempDir::new("damaged"),
    };
    let src = env.path().join("src");
    write_layout(&src, 2, big_layer);
    let img = |i: usize| format!("oci:{}:img{i}", src.display());
    env.ok(&s(&["create", "d", &img(0), &img(1)]));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src.join("index.json")).unwrap()).unwrap();
    let m1 = index["manifests"][1]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = env
        .home()
        .join("lists/docker.io%2Flibrary%2Fd%3Alatest/blobs/sha256")
        .join(&m1[7..]);
    std::fs::remove_file(&blob).unwrap();

    let repair = format!("manifold add docker.io/library/d:latest {}", img(1));
    let ls = env.ok(&s(&["ls"]));
    assert!(
        ls.contains("damaged") && ls.contains(&m1) && ls.contains(&repair),
        "ls should show the list damaged, the blob and the repair:\n{ls}"
    );
    let out = env.run(&s(&["inspect", "d"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("damaged") && err.contains(&repair),
        "inspect should refuse the damaged list with the repair: {err}"
    );
    env.ok(&s(&["add", "d", &img(1)]));
    assert!(!env.ok(&s(&["ls"])).contains("damaged"));
    env.ok(&s(&["inspect", "d"]));

    // A folder without index.json is listed damaged too, and `rm` removes it.
    let bare = env.home().join("lists/docker.io%2Flibrary%2Fbare%3Alatest");
    std::fs::create_dir_all(bare.join("blobs/sha256")).unwrap();
    let ls = env.ok(&s(&["ls"]));
    assert!(
        ls.lines()
            .any(|l| l.starts_with("docker.io/library/bare:latest")
                && l.contains("damaged")
                && l.contains("manifold rm")),
        "{ls}"
    );
    env.ok(&s(&["rm", "bare"]));
    assert!(!bare.exists());
}
