//! `manifold append TARGET IMAGE...` against the real registry: a new index made, members
//! made present first, reruns that write nothing, many appenders at one tag at the same moment
//! (all land, every repetition), kill -9 at random points (the tag holds the old or the new
//! index, never one naming an absent member), faults mid-put (bounded retries, one clear line,
//! nothing half-written), and sources that are missing, late or left out.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use manifold_tests::fault::{Fault, FaultProxy, When};
use manifold_tests::seed::{sha256, Format};
use manifold_tests::Auth;
use manifold_tests::{manifold_bin, Registry, RequestLine, Seeded, Seeder, TestEnv};

macro_rules! registry {
    () => {
        match Registry::start(Auth::None) {
            Some(r) => r,
            None => return,
        }
    };
}

/// Twenty platforms, one per concurrent appender.
const PLATFORMS: [&str; 20] = [
    "linux/amd64",
    "linux/arm64/v8",
    "linux/arm/v5",
    "linux/arm/v6",
    "linux/arm/v7",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
    "linux/mips64le",
    "linux/mips64",
    "linux/loong64",
    "windows/amd64",
    "windows/arm64",
    "freebsd/amd64",
    "freebsd/arm64",
    "freebsd/386",
    "netbsd/amd64",
    "openbsd/amd64",
    "solaris/amd64",
];

/// The digests the index at `repo:tag` names (None: no index there).
fn entries(reg: &Registry, repo: &str, tag: &str) -> Option<Vec<String>> {
    let (status, bytes) = reg.get_manifest(repo, tag);
    if status == 404 {
        return None;
    }
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    Some(
        doc["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["digest"].as_str().unwrap().to_string())
            .collect(),
    )
}

/// Every member the index at `repo:tag` names is served by digest.
fn members_present(reg: &Registry, repo: &str, tag: &str) -> Result<(), String> {
    for d in entries(reg, repo, tag).unwrap_or_default() {
        let (status, bytes) = reg.get_manifest(repo, &d);
        if status != 200 || sha256(&bytes) != d {
            return Err(format!(
                "{repo}:{tag} names {d}, which the repository does not serve ({status})"
            ));
        }
    }
    Ok(())
}

fn puts_to(reqs: &[RequestLine], path: &str) -> usize {
    reqs.iter()
        .filter(|r| r.method == "PUT" && r.path == path)
        .count()
}

fn json_of(out: &manifold_tests::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", out.stdout_str(), out.stderr))
}

#[test]
fn append_makes_a_new_index_then_extends_it_and_a_rerun_writes_nothing() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Oci, 1);
    let b = s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 2);
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/dst/app:v1");
    let out = env.manifold(&["append", "--insecure", &target, &format!("{h}/src/a:amd64")]);
    out.success();
    assert_eq!(
        entries(&reg, "dst/app", "v1").unwrap(),
        vec![a.digest.clone()]
    );
    assert!(
        out.stderr.contains("1 entry, 1 round (1 put)"),
        "{}",
        out.stderr
    );
    members_present(&reg, "dst/app", "v1").unwrap();
    // The new index is in the format of the first source (OCI here), and the digest printed is
    // that of the bytes served.
    let (_, bytes) = reg.get_manifest("dst/app", "v1");
    assert_eq!(out.stdout_str().trim(), sha256(&bytes));
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["mediaType"], "application/vnd.oci.image.index.v1+json");

    let out = env.manifold(&[
        "append",
        "--insecure",
        "--json",
        &target,
        &format!("{h}/src/b:arm64"),
    ]);
    out.success();
    let j = json_of(&out);
    assert_eq!(j["entries"], 2);
    assert_eq!(j["rounds"], 1);
    assert_eq!(
        entries(&reg, "dst/app", "v1").unwrap(),
        vec![a.digest.clone(), b.digest.clone()]
    );
    let digest = j["digest"].as_str().unwrap().to_string();

    // The same append again: the same digest, and no PUT at all (the access log).
    let before = reg.requests().len();
    let out = env.manifold(&[
        "append",
        "--insecure",
        "--json",
        &target,
        &format!("{h}/src/b:arm64"),
    ]);
    out.success();
    let j = json_of(&out);
    assert_eq!(j["digest"], digest.as_str());
    assert_eq!(j["puts"], 0);
    let reqs = &reg.requests()[before..];
    assert!(
        reqs.iter()
            .all(|r| r.method != "PUT" && r.method != "POST" && r.method != "PATCH"),
        "a rerun wrote: {reqs:?}"
    );
    let out = env.manifold(&["append", "--insecure", &target, &format!("{h}/src/b:arm64")]);
    out.success();
    assert_eq!(out.stdout_str().trim(), digest);
    assert!(out.stderr.contains("nothing written"), "{}", out.stderr);
}

#[test]
fn a_docker_first_source_starts_a_docker_list_and_format_overrides_it() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    s.image("src/d", Some("amd64"), "linux/amd64", Format::Docker, 3);
    let h = reg.host();
    let env = TestEnv::new();
    env.manifold(&[
        "append",
        "--insecure",
        &format!("{h}/dst/d:v1"),
        &format!("{h}/src/d:amd64"),
    ])
    .success();
    let (_, bytes) = reg.get_manifest("dst/d", "v1");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        doc["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    env.manifold(&[
        "append",
        "--insecure",
        "--format",
        "oci",
        &format!("{h}/dst/d:v2"),
        &format!("{h}/src/d:amd64"),
    ])
    .success();
    let (_, bytes) = reg.get_manifest("dst/d", "v2");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["mediaType"], "application/vnd.oci.image.index.v1+json");
}

#[test]
fn every_personality_has_append_and_podman_fails_its_way() {
    let reg = registry!();
    let h = reg.host();
    for compat in ["docker", "podman", "pack"] {
        let mut env = TestEnv::new();
        env.set("MANIFOLD_COMPAT", compat);
        let help = env.manifold(&["append", "--help"]);
        help.success();
        assert!(help.stdout_str().contains("--wait-for-sources"), "{compat}");
        let help = env.manifold(&["index", "remove", "--help"]);
        help.success();
        let out = env.manifold(&[
            "append",
            "--insecure",
            &format!("{h}/dst/x:v1"),
            &format!("{h}/src/none:v1"),
        ]);
        assert_ne!(out.code, 0);
        // One line of failure; docker's "no such manifest" carries the registry's reason on a
        // `hint:` line after it.
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(
            lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("hint: ")),
            "{compat}: {}",
            out.stderr
        );
        if compat == "podman" {
            assert_eq!(out.code, 125, "{}", out.stderr);
            assert!(out.stderr.starts_with("Error: "), "{}", out.stderr);
        } else {
            assert_eq!(out.code, 1, "{}", out.stderr);
        }
        assert!(
            out.stderr.contains(&format!("{h}/src/none")),
            "{}",
            out.stderr
        );
    }
}

/// Seeds the twenty images once, tagged `build-N` in `ci/app`.
fn seed_twenty(reg: &Registry) -> Vec<Seeded> {
    let s = Seeder::new(reg);
    PLATFORMS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            s.image(
                "ci/app",
                Some(&format!("build-{i}")),
                p,
                Format::Oci,
                100 + i as u32,
            )
        })
        .collect()
}

fn spawn_append(env: &TestEnv, args: &[String]) -> Child {
    env.command(&manifold_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn manifold")
}

#[test]
fn twenty_appenders_at_once_all_land_in_every_repetition() {
    let reg = registry!();
    let images = seed_twenty(&reg);
    let h = reg.host();
    let env = TestEnv::new();
    let started = Instant::now();
    let mut rounds_seen: Vec<u64> = Vec::new();
    let mut index_puts = Vec::new();
    for rep in 0..10 {
        let tag = format!("v{rep}");
        let target = format!("{h}/ci/app:{tag}");
        let before = reg.requests().len();
        // All twenty start together: each waits on the same barrier file before running.
        let children: Vec<Child> = (0..20)
            .map(|i| {
                spawn_append(
                    &env,
                    &[
                        "append".into(),
                        "--insecure".into(),
                        "--json".into(),
                        target.clone(),
                        format!("{h}/ci/app:build-{i}"),
                    ],
                )
            })
            .collect();
        for (i, c) in children.into_iter().enumerate() {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "rep {rep}, appender {i}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            rounds_seen.push(j["rounds"].as_u64().unwrap());
        }
        let got = entries(&reg, "ci/app", &tag).expect("an index");
        for img in &images {
            assert!(
                got.contains(&img.digest),
                "rep {rep}: {} ({}) lost: {got:?}",
                img.platform,
                img.digest
            );
        }
        assert_eq!(got.len(), 20, "rep {rep}: {got:?}");
        members_present(&reg, "ci/app", &tag).unwrap();
        let reqs = &reg.requests()[before..];
        index_puts.push(puts_to(reqs, &format!("/v2/ci/app/manifests/{tag}")));
    }
    let max = rounds_seen.iter().max().unwrap();
    let multi = rounds_seen.iter().filter(|&&r| r > 1).count();
    eprintln!(
        "20 appenders x 10 repetitions: all 20 landed every time in {:.1} s; rounds max {max}, {multi} of 200 appenders needed more than one; index PUTs per repetition (access log): {index_puts:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(index_puts.iter().all(|&n| n >= 1));
}

/// A small deterministic generator for the kill points (printed, so a failure can be replayed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn kill_9_at_random_points_leaves_the_old_index_or_the_new_one() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let base = s.image("kill/src", Some("base"), "linux/amd64", Format::Oci, 500);
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/kill/dst:v1");
    env.manifold(&[
        "append",
        "--insecure",
        &target,
        &format!("{h}/kill/src:base"),
    ])
    .success();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("kill points seed {seed}");
    let mut rng = Lcg(seed);
    let mut killed_mid = 0;
    let mut finished = 0;
    let mut expected: Vec<String> = vec![base.digest.clone()];
    let mut pending: Vec<String> = Vec::new();
    let (mut unchanged, mut changed, mut carried) = (0, 0, 0);
    for run in 0..50 {
        // Each run appends a new image from another repository (so its blobs are mounted and
        // its manifest put into the target repository first).
        let img = s.image(
            "kill/src",
            Some(&format!("k{run}")),
            PLATFORMS[run % 20],
            Format::Oci,
            600 + run as u32,
        );
        let old = entries(&reg, "kill/dst", "v1").unwrap();
        let mut child = spawn_append(
            &env,
            &[
                "append".into(),
                "--insecure".into(),
                "--settle".into(),
                "300ms".into(),
                target.clone(),
                format!("{h}/kill/src:k{run}"),
            ],
        );
        std::thread::sleep(Duration::from_millis(rng.next(700)));
        let done = child.try_wait().unwrap().is_some();
        // Child::kill is SIGKILL (kill -9): no handler runs, nothing is cleaned up.
        let _ = child.kill();
        let _ = child.wait();
        if done {
            finished += 1;
        } else {
            killed_mid += 1;
        }
        let now = entries(&reg, "kill/dst", "v1").expect("the tag always holds an index");
        // The old index, or a new one: the old entries in their order, then this run's entry
        // and perhaps those of earlier killed runs that had left their marker (a marker names
        // only members already present, so the next writer finishes their append).
        let could_join: Vec<&String> = pending.iter().chain([&img.digest]).collect();
        assert!(
            now.len() >= old.len() && now[..old.len()] == old[..],
            "run {run}: the old entries are not kept: old {old:?}, now {now:?}"
        );
        for d in &now[old.len()..] {
            assert!(
                could_join.contains(&d),
                "run {run}: {d} came from nowhere: {now:?}"
            );
        }
        if done {
            assert!(
                now.contains(&img.digest),
                "run {run} finished but its entry is missing"
            );
        }
        members_present(&reg, "kill/dst", "v1").unwrap_or_else(|e| panic!("run {run}: {e}"));
        if now == old {
            unchanged += 1;
        } else {
            changed += 1;
        }
        carried += now[old.len()..]
            .iter()
            .filter(|d| **d != img.digest)
            .count();
        pending.push(img.digest.clone());
        pending.retain(|d| !now.contains(d));
        expected = now;
    }
    // An append after all that completes the index with what it adds.
    let last = s.image("kill/src", Some("last"), "linux/arm64/v8", Format::Oci, 999);
    env.manifold(&[
        "append",
        "--insecure",
        &target,
        &format!("{h}/kill/src:last"),
    ])
    .success();
    let now = entries(&reg, "kill/dst", "v1").unwrap();
    assert!(now.contains(&last.digest));
    for d in &expected {
        assert!(now.contains(d), "{d} was in the index and is gone");
    }
    members_present(&reg, "kill/dst", "v1").unwrap();
    eprintln!("kill -9: 50 runs, {killed_mid} killed mid-way, {finished} had finished; the tag held the old index {unchanged} times and a new one {changed} times ({carried} entries of earlier killed runs carried in from their markers); never a member missing");
}

#[test]
fn faults_mid_put_retry_a_bounded_number_of_times_then_fail_in_one_line() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    s.image("f/src", Some("a"), "linux/amd64", Format::Oci, 700);
    s.image("f/src", Some("b"), "linux/arm64/v8", Format::Oci, 701);
    let proxy = FaultProxy::in_front_of(&reg);
    let p = proxy.host();
    let mut env = TestEnv::new();
    env.set("MANIFOLD_TIMEOUT", "2");
    let target = format!("{p}/f/dst:v1");
    env.manifold(&["append", "--insecure", &target, &format!("{p}/f/src:a")])
        .success();
    let before = entries(&reg, "f/dst", "v1").unwrap();
    for fault in [
        Fault::Status(503),
        Fault::Status(500),
        Fault::ResetBeforeReply,
    ] {
        proxy.clear();
        proxy.reset_log();
        proxy.fault("PUT", "/v2/f/dst/manifests/v1", When::Always, fault.clone());
        let out = env.manifold(&["append", "--insecure", &target, &format!("{p}/f/src:b")]);
        assert_eq!(out.code, 1, "{fault:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{fault:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("failed to put the index at"),
            "{}",
            out.stderr
        );
        let tries = proxy.count("PUT", "/v2/f/dst/manifests/v1");
        assert!((2..=5).contains(&tries), "{fault:?}: {tries} tries");
        eprintln!(
            "{fault:?} on the index PUT: {tries} tries, then: {}",
            out.stderr.trim()
        );
        // Nothing half-written: the tag holds what it held, and every member it names is there.
        assert_eq!(entries(&reg, "f/dst", "v1").unwrap(), before);
        members_present(&reg, "f/dst", "v1").unwrap();
    }
    // A fault on the first try only is retried through.
    proxy.clear();
    proxy.reset_log();
    proxy.fault(
        "PUT",
        "/v2/f/dst/manifests/v1",
        When::Nth(1),
        Fault::Status(503),
    );
    env.manifold(&["append", "--insecure", &target, &format!("{p}/f/src:b")])
        .success();
    assert_eq!(proxy.count("PUT", "/v2/f/dst/manifests/v1"), 2);
    assert_eq!(entries(&reg, "f/dst", "v1").unwrap().len(), 2);
    // A member's PUT failing stops everything before the index is touched.
    s.image("f/src", Some("c"), "linux/s390x", Format::Oci, 702);
    proxy.clear();
    proxy.reset_log();
    proxy.fault(
        "PUT",
        "/v2/f/dst/manifests/sha256:",
        When::Always,
        Fault::Status(503),
    );
    let out = env.manifold(&["append", "--insecure", &target, &format!("{p}/f/src:c")]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(proxy.count("PUT", "/v2/f/dst/manifests/v1"), 0);
    assert_eq!(entries(&reg, "f/dst", "v1").unwrap().len(), 2);
}

#[test]
fn missing_sources_are_named_together_waited_for_or_left_out() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    s.image("m/src", Some("a"), "linux/amd64", Format::Oci, 800);
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/m/dst:v1");
    let (a, x, y) = (
        format!("{h}/m/src:a"),
        format!("{h}/m/src:late"),
        format!("{h}/m/nothere:v1"),
    );
    // Without a flag: one line naming both missing ones, nothing written.
    let out = env.manifold(&["append", "--insecure", &target, &a, &x, &y]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&x) && out.stderr.contains(&y),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("2 sources are not found"),
        "{}",
        out.stderr
    );
    assert!(entries(&reg, "m/dst", "v1").is_none());
    // create names them all too.
    let out = env.manifold(&[
        "create",
        "--insecure",
        &format!("{h}/m/local:v1"),
        &x,
        &a,
        &y,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&x) && out.stderr.contains(&y),
        "{}",
        out.stderr
    );

    // --ignore-missing: left out, with a line naming them.
    let out = env.manifold(&["append", "--insecure", "--ignore-missing", &target, &a, &y]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("leaving out missing source: {y}")),
        "{}",
        out.stderr
    );
    assert_eq!(entries(&reg, "m/dst", "v1").unwrap().len(), 1);

    // --wait-for-sources: the source appears during the wait.
    let mut child = spawn_append(
        &env,
        &[
            "append".into(),
            "--insecure".into(),
            "--wait-for-sources".into(),
            "30s".into(),
            target.clone(),
            x.clone(),
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "still waiting");
    let late = s.image("m/src", Some("late"), "linux/arm64/v8", Format::Oci, 801);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(entries(&reg, "m/dst", "v1").unwrap().contains(&late.digest));

    // A wait that ends without the source fails naming it.
    let out = env.manifold(&[
        "append",
        "--insecure",
        "--wait-for-sources",
        "1s",
        &target,
        &y,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("not found after waiting") && out.stderr.contains(&y),
        "{}",
        out.stderr
    );
}

#[test]
fn add_publish_appends_through_the_same_rounds() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    let a = s.image("p/src", Some("a"), "linux/amd64", Format::Oci, 900);
    let b = s.image("p/src", Some("b"), "linux/arm64/v8", Format::Oci, 901);
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/p/dst:v1");
    env.manifold(&["append", "--insecure", &target, &format!("{h}/p/src:a")])
        .success();
    let out = env.manifold(&[
        "add",
        "--publish",
        "--insecure",
        &target,
        &format!("{h}/p/src:b"),
    ]);
    out.success();
    assert_eq!(
        entries(&reg, "p/dst", "v1").unwrap(),
        vec![a.digest, b.digest]
    );
    let (_, bytes) = reg.get_manifest("p/dst", "v1");
    assert_eq!(out.stdout_str().trim(), sha256(&bytes));
}

#[test]
fn dry_run_writes_nothing_and_shows_the_bytes_the_real_run_puts() {
    let reg = registry!();
    let s = Seeder::new(&reg);
    s.image("dr/src", Some("a"), "linux/amd64", Format::Oci, 1000);
    s.image("dr/src", Some("b"), "linux/arm64/v8", Format::Docker, 1001);
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/dr/dst:v1");
    env.manifold(&["append", "--insecure", &target, &format!("{h}/dr/src:a")])
        .success();
    let before = reg.requests().len();
    let out = env.manifold(&[
        "append",
        "--insecure",
        "--dry-run",
        "--json",
        &target,
        &format!("{h}/dr/src:b"),
    ]);
    out.success();
    let reqs = &reg.requests()[before..];
    assert!(
        reqs.iter().all(|r| r.method == "GET" || r.method == "HEAD"),
        "a dry run wrote: {reqs:?}"
    );
    let plan = json_of(&out);
    let writes = plan["writes"].as_array().unwrap();
    let last = writes.last().unwrap();
    assert_eq!(last["action"], "put-index");
    assert_eq!(last["request"], "PUT /v2/dr/dst/manifests/v1");
    // members (mounted from dr/src? no: same registry, other repository) come before the index
    assert!(writes.iter().any(|w| w["action"] == "mount"), "{writes:?}");
    let shown = plan["index"].as_str().unwrap().to_string();
    let out = env.manifold(&["append", "--insecure", &target, &format!("{h}/dr/src:b")]);
    out.success();
    let (_, put) = reg.get_manifest("dr/dst", "v1");
    assert_eq!(
        shown.as_bytes(),
        put.as_slice(),
        "the dry run's index is the one put"
    );
    // The text form, a rerun: nothing to write.
    let out = env.manifold(&[
        "append",
        "--insecure",
        "--dry-run",
        &target,
        &format!("{h}/dr/src:b"),
    ]);
    out.success();
    assert!(
        out.stdout_str().starts_with("dry run: publishing to"),
        "{}",
        out.stdout_str()
    );
    assert!(
        out.stdout_str().contains("0 writes"),
        "{}",
        out.stdout_str()
    );
}
