//! Faults between manifold and the registry (issue 8): a fault-injecting proxy
//! (`manifold_tests::fault`) sits between the `manifold` binary and a real registry. For each
//! command (create, add, remote inspect, push to another repository, push to another registry)
//! and each fault, the command either succeeds after bounded retries — the proxy's log shows how
//! many — or fails with one clear line and leaves the local store exactly as it was. A push
//! interrupted halfway completes when run again, with the digest an uninterrupted push gives.
//!
//! The client's timeouts are shortened with `MANIFOLD_TIMEOUT` so the slow-reply faults take
//! seconds, not minutes; every other request on loopback answers in milliseconds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use manifold_tests::fault::{snapshot, Capture, Fault, FaultProxy, Logged, When};
use manifold_tests::seed::Format;
use manifold_tests::{Auth, Output, Registry, Seeded, Seeder, TestEnv};

/// The client's timeout in these tests (`MANIFOLD_TIMEOUT`), and a delay well beyond it.
const TIMEOUT_SECS: u64 = 2;
const SLOW: Duration = Duration::from_secs(5);

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

/// The transient faults, each given once: the command must get through.
fn transient() -> Vec<Fault> {
    vec![
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::TooMany { retry_after: 1 },
        Fault::ResetBeforeReply,
        Fault::ResetMidBody,
        Fault::Truncate,
        Fault::Delay(SLOW),
    ]
}

fn env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("MANIFOLD_TIMEOUT", TIMEOUT_SECS.to_string());
    env
}

fn store(env: &TestEnv) -> PathBuf {
    env.path("home/.local/share/manifold")
}

/// The store's files, lock files left out (taking a lock creates an empty file and changes
/// nothing of any list).
fn lists(env: &TestEnv) -> HashMap<PathBuf, Vec<u8>> {
    let mut s = snapshot(&store(env));
    s.retain(|p, _| !p.starts_with("locks"));
    s
}

/// The one line a failed command printed.
fn one_error_line(out: &Output) -> String {
    assert_ne!(out.code, 0, "expected a failure, got: {}", out.stdout_str());
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one clear line, got: {}", out.stderr);
    lines[0].to_string()
}

fn last_line(out: &Output) -> String {
    out.stdout_str().lines().last().unwrap_or("").to_string()
}

/// Checks the log of a request that got `fault` once: it was sent twice, the first got the
/// fault, the second went through; after a 429 the retry waited for Retry-After.
fn assert_retried_once(log: &[Logged], fault: &Fault) {
    assert_eq!(log.len(), 2, "{fault:?}: one retry expected: {log:#?}");
    assert_eq!(log[0].fault.as_ref(), Some(fault));
    // went through: any answer but a failure (a ping's 401 is the answer it asks for)
    assert!(
        log[1].fault.is_none() && log[1].status != 0 && log[1].status < 429,
        "{log:#?}"
    );
    if let Fault::TooMany { retry_after } = fault {
        let waited = log[1].at - log[0].at;
        assert!(
            waited >= Duration::from_secs(*retry_after),
            "Retry-After: {retry_after} not honoured: retried after {waited:?}"
        );
    }
}

/// A registry with two images (Docker and OCI formats) in src/a and src/b, and an index of two
/// images in src/idx; a proxy in front of it.
struct Fixture {
    reg: Registry,
    proxy: FaultProxy,
    a: Seeded,
    b: Seeded,
}

impl Fixture {
    fn start() -> Option<Fixture> {
        let reg = Registry::start(Auth::None)?;
        let s = Seeder::new(&reg);
        let a = s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 1);
        let b = s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 2);
        let x = s.image("src/idx", None, "linux/amd64", Format::Oci, 3);
        let y = s.image("src/idx", None, "linux/s390x", Format::Oci, 4);
        s.index("src/idx", "list", &[x, y], Format::Oci, None);
        let proxy = FaultProxy::in_front_of(&reg);
        Some(Fixture { reg, proxy, a, b })
    }

    /// `127.0.0.1:PROXY/<rest>`.
    fn r(&self, rest: &str) -> String {
        format!("{}/{rest}", self.proxy.host())
    }

    /// Clears rules and log, then adds one rule.
    fn only(&self, method: &str, prefix: &str, when: When, fault: Fault) {
        self.proxy.clear();
        self.proxy.reset_log();
        self.proxy.fault(method, prefix, when, fault);
    }

    fn calm(&self) {
        self.proxy.clear();
        self.proxy.reset_log();
    }
}

// ---- create ------------------------------------------------------------------------------------

#[test]
fn create_gets_through_transient_faults() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let (a, b) = (f.r("src/a:amd64"), f.r("src/b:arm64"));
    env.manifold(&["create", &f.r("dst/base:v1"), &a, &b])
        .success();
    let expected = env.manifold(&["inspect", &f.r("dst/base:v1")]);
    expected.success();
    let mut case = 0;
    // every transient fault on the manifest GET
    for fault in transient() {
        case += 1;
        f.only(
            "GET",
            "/v2/src/a/manifests/amd64",
            When::Nth(1),
            fault.clone(),
        );
        let list = f.r(&format!("dst/c{case}:v1"));
        let out = env.manifold(&["create", &list, &a, &b]);
        assert_eq!(out.code, 0, "{fault:?}: {}", out.stderr);
        assert_retried_once(
            &f.proxy.matching("GET", "/v2/src/a/manifests/amd64"),
            &fault,
        );
        let shown = env.manifold(&["inspect", &list]);
        assert_eq!(shown.stdout, expected.stdout, "{fault:?}: the same list");
    }
    // body faults on a blob GET (the image config): resumed where it broke off
    for fault in [Fault::ResetMidBody, Fault::Truncate, Fault::Status(503)] {
        case += 1;
        f.only("GET", "/v2/src/a/blobs/", When::Nth(1), fault.clone());
        let list = f.r(&format!("dst/c{case}:v1"));
        let out = env.manifold(&["create", &list, &a, &b]);
        assert_eq!(out.code, 0, "{fault:?}: {}", out.stderr);
        let log = f.proxy.matching("GET", "/v2/src/a/blobs/");
        assert_retried_once(&log, &fault);
        if fault == Fault::Truncate {
            // half the config arrived: only the rest is asked for
            let range = log[1].header("range").unwrap_or_default().to_string();
            assert!(
                range.starts_with("bytes=") && range != "bytes=0-",
                "{range:?}"
            );
        }
        assert_eq!(env.manifold(&["inspect", &list]).stdout, expected.stdout);
    }
    // a blob GET redirected to a storage host is followed
    let storage = Capture::blob_store(&f.reg);
    case += 1;
    f.only(
        "GET",
        "/v2/src/b/blobs/",
        When::Always,
        Fault::Redirect(storage.localhost_url()),
    );
    let list = f.r(&format!("dst/c{case}:v1"));
    env.manifold(&["create", &list, &a, &b]).success();
    assert_eq!(storage.log().len(), 1, "{:?}", storage.log());
    assert_eq!(env.manifold(&["inspect", &list]).stdout, expected.stdout);
}

#[test]
fn create_fails_cleanly_on_lasting_faults() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let (a, b) = (f.r("src/a:amd64"), f.r("src/b:arm64"));
    // an existing list, amended by the failing runs: it must stay as it is
    let list = f.r("dst/app:v1");
    env.manifold(&["create", &list, &a]).success();
    let before = lists(&env);
    let manifests = "/v2/src/b/manifests/arm64";

    // the registry keeps failing: three tries, then the registry's status in one line
    for fault in [
        Fault::Status(503),
        Fault::Status(500),
        Fault::TooMany { retry_after: 1 },
        Fault::ResetBeforeReply,
        Fault::ResetMidBody,
        Fault::Truncate,
    ] {
        f.only("GET", manifests, When::Always, fault.clone());
        for args in [
            vec!["create", "--amend", &list, &b],
            vec!["create", &f.r("dst/new:v1"), &a, &b],
        ] {
            let out = env.manifold(&args);
            let line = one_error_line(&out);
            assert!(
                line.contains(&f.proxy.host()),
                "{fault:?}: names the registry: {line}"
            );
            match &fault {
                Fault::Status(s) => assert!(line.contains(&s.to_string()), "{line}"),
                Fault::TooMany { .. } => assert!(line.contains("429"), "{line}"),
                _ => {}
            }
            assert_eq!(lists(&env), before, "{fault:?}: the store is unchanged");
        }
        // bounded: 3 tries for each of the two runs (a broken body: 3 tries of 3 at most)
        let n = f.proxy.count("GET", manifests);
        assert!((6..=18).contains(&n), "{fault:?}: {n} tries");
        if matches!(
            fault,
            Fault::Status(_) | Fault::TooMany { .. } | Fault::ResetBeforeReply
        ) {
            assert_eq!(n, 6, "{fault:?}");
        }
    }

    // a manifest whose bytes do not match its digest: not retried, both digests named
    f.only("GET", manifests, When::Always, Fault::Corrupt);
    let out = env.manifold(&["create", "--amend", &list, &b]);
    let line = one_error_line(&out);
    assert!(line.contains("digest mismatch"), "{line}");
    assert!(
        line.contains(&f.b.digest),
        "names the expected digest: {line}"
    );
    assert_eq!(
        line.matches("sha256:").count(),
        2,
        "and the one computed: {line}"
    );
    assert_eq!(f.proxy.count("GET", manifests), 1);
    assert_eq!(lists(&env), before);

    // a config blob altered on the way
    f.only("GET", "/v2/src/b/blobs/", When::Always, Fault::Corrupt);
    let out = env.manifold(&["create", "--amend", &list, &b]);
    let line = one_error_line(&out);
    assert!(
        line.contains("digest mismatch") && line.contains("blob"),
        "{line}"
    );
    assert_eq!(
        line.matches("sha256:").count(),
        3,
        "blob, expected, computed: {line}"
    );
    assert_eq!(lists(&env), before);

    // a registry that never answers in time: the host is named, with the way to wait longer
    f.only("GET", manifests, When::Always, Fault::Delay(SLOW));
    let started = std::time::Instant::now();
    let out = env.manifold(&["create", "--amend", &list, &b]);
    let line = one_error_line(&out);
    assert!(
        line.contains(&format!(
            "{} did not answer within {TIMEOUT_SECS} s",
            f.proxy.host()
        )),
        "{line}"
    );
    assert!(line.contains("MANIFOLD_TIMEOUT"), "{line}");
    assert_eq!(f.proxy.count("GET", manifests), 3);
    assert!(started.elapsed() < Duration::from_secs(3 * TIMEOUT_SECS + 10));
    assert_eq!(lists(&env), before);
    // and the list still works
    f.calm();
    env.manifold(&["add", &list, &b]).success();
    let shown = env.manifold(&["inspect", &list]).stdout_str();
    assert!(
        shown.contains(&f.a.digest) && shown.contains(&f.b.digest),
        "{shown}"
    );
}

// ---- add ---------------------------------------------------------------------------------------

#[test]
fn add_gets_through_transient_faults_or_changes_nothing() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let (a, b) = (f.r("src/a:amd64"), f.r("src/b:arm64"));
    let mut case = 0;
    for (prefix, fault) in [
        ("/v2/src/b/manifests/arm64", Fault::Status(503)),
        (
            "/v2/src/b/manifests/arm64",
            Fault::TooMany { retry_after: 1 },
        ),
        ("/v2/src/b/manifests/arm64", Fault::ResetMidBody),
        ("/v2/src/b/blobs/", Fault::Truncate),
        ("/v2/src/b/blobs/", Fault::Delay(SLOW)),
    ] {
        case += 1;
        let list = f.r(&format!("dst/add{case}:v1"));
        f.calm();
        env.manifold(&["create", &list, &a]).success();
        f.only("GET", prefix, When::Nth(1), fault.clone());
        let out = env.manifold(&["add", &list, &b]);
        assert_eq!(out.code, 0, "{fault:?}: {}", out.stderr);
        assert_retried_once(&f.proxy.matching("GET", prefix), &fault);
        let shown = env.manifold(&["inspect", &list]).stdout_str();
        assert!(shown.contains(&f.b.digest), "{fault:?}: {shown}");
    }
    // lasting faults: the list is exactly as before
    let list = f.r("dst/add-fail:v1");
    f.calm();
    env.manifold(&["create", &list, &a]).success();
    let before = lists(&env);
    for (prefix, fault) in [
        ("/v2/src/b/manifests/arm64", Fault::Status(502)),
        ("/v2/src/b/manifests/arm64", Fault::Corrupt),
        ("/v2/src/b/blobs/", Fault::Corrupt),
        ("/v2/src/b/blobs/", Fault::ResetMidBody),
    ] {
        f.only("GET", prefix, When::Always, fault.clone());
        let line = one_error_line(&env.manifold(&["add", &list, &b]));
        if fault == Fault::Corrupt {
            assert!(line.contains("digest mismatch"), "{line}");
        }
        assert_eq!(lists(&env), before, "{fault:?}");
    }
}

// ---- inspect (remote) ----------------------------------------------------------------------------

#[test]
fn remote_inspect_gets_through_transient_faults() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let list = f.r("src/idx:list");
    let expected = env.manifold(&["inspect", "-v", &list]);
    expected.success();
    for (prefix, fault) in [
        ("/v2/src/idx/manifests/list", Fault::Status(503)),
        (
            "/v2/src/idx/manifests/list",
            Fault::TooMany { retry_after: 1 },
        ),
        ("/v2/src/idx/manifests/list", Fault::ResetMidBody),
        ("/v2/src/idx/manifests/list", Fault::Truncate),
        ("/v2/src/idx/manifests/list", Fault::Delay(SLOW)),
        ("/v2/src/idx/manifests/sha256:", Fault::Status(500)),
        ("/v2/src/idx/manifests/sha256:", Fault::ResetBeforeReply),
    ] {
        f.only("GET", prefix, When::Nth(1), fault.clone());
        let out = env.manifold(&["inspect", "-v", &list]);
        assert_eq!(out.code, 0, "{fault:?}: {}", out.stderr);
        assert_eq!(out.stdout, expected.stdout, "{fault:?}");
        let log = f.proxy.matching("GET", prefix);
        // the children share a prefix: one more request than there are children
        let distinct: std::collections::BTreeSet<_> = log.iter().map(|l| l.path.clone()).collect();
        assert_eq!(log.len(), distinct.len() + 1, "{fault:?}: {log:#?}");
        assert_eq!(log[0].fault.as_ref(), Some(&fault));
    }
    // the list carries its members' platforms: no config is fetched
    f.calm();
    env.manifold(&["inspect", "-v", &list]).success();
    assert_eq!(f.proxy.count("GET", "/v2/src/idx/blobs/"), 0);
    // a child altered on the way: both digests named, nothing printed
    f.only(
        "GET",
        "/v2/src/idx/manifests/sha256:",
        When::Nth(1),
        Fault::Corrupt,
    );
    let out = env.manifold(&["inspect", "-v", &list]);
    let line = one_error_line(&out);
    assert!(line.contains("digest mismatch"), "{line}");
    assert!(out.stdout.is_empty());
    // a list that cannot be fetched in time
    f.only(
        "GET",
        "/v2/src/idx/manifests/list",
        When::Always,
        Fault::Status(503),
    );
    let out = env.manifold(&["inspect", &list]);
    let line = one_error_line(&out);
    assert!(
        line.contains("503") && line.contains(&f.proxy.host()),
        "{line}"
    );
    assert_eq!(f.proxy.count("GET", "/v2/src/idx/manifests/list"), 3);
}

// ---- push to another repository of the same registry --------------------------------------------

/// The requests of one push of a two-image list to `dst`: 4 mounts, 2 member PUTs, 1 list PUT.
#[test]
fn push_across_repositories_gets_through_transient_faults() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let list = f.r("dst/app:v1");
    env.manifold(&["create", &list, &f.r("src/a:amd64"), &f.r("src/b:arm64")])
        .success();
    let out = env.manifold(&["push", &list, &f.r("dst/base:v1")]);
    out.success();
    let expected = last_line(&out);
    let before = lists(&env);
    let mut case = 0;
    let cases: Vec<(&str, &str, Fault)> = vec![
        ("POST", "blobs/uploads/?from=", Fault::Status(503)),
        (
            "POST",
            "blobs/uploads/?from=",
            Fault::TooMany { retry_after: 1 },
        ),
        ("POST", "blobs/uploads/?from=", Fault::ResetBeforeReply),
        ("POST", "blobs/uploads/?from=", Fault::Delay(SLOW)),
        ("PUT", "manifests/sha256:", Fault::Status(500)),
        ("PUT", "manifests/sha256:", Fault::ResetBeforeReply),
        (
            "PUT",
            "manifests/sha256:",
            Fault::TooMany { retry_after: 1 },
        ),
        ("PUT", "manifests/v1", Fault::Status(502)),
        ("PUT", "manifests/v1", Fault::ResetBeforeReply),
        ("PUT", "manifests/v1", Fault::Delay(SLOW)),
    ];
    for (method, suffix, fault) in cases {
        case += 1;
        let repo = format!("dst/p{case}");
        let prefix = format!("/v2/{repo}/{suffix}");
        f.only(method, &prefix, When::Nth(1), fault.clone());
        let out = env.manifold(&["push", &list, &f.r(&format!("{repo}:v1"))]);
        assert_eq!(out.code, 0, "{method} {suffix} {fault:?}: {}", out.stderr);
        assert_eq!(last_line(&out), expected, "the same digest");
        let log = f.proxy.matching(method, &prefix);
        let distinct: std::collections::BTreeSet<_> = log.iter().map(|l| l.path.clone()).collect();
        assert_eq!(
            log.len(),
            distinct.len() + 1,
            "{fault:?}: one retry: {log:#?}"
        );
        if let Fault::TooMany { .. } = fault {
            let retry = log.iter().skip(1).find(|l| l.path == log[0].path).unwrap();
            assert!(
                retry.at - log[0].at >= Duration::from_secs(1),
                "Retry-After honoured"
            );
        }
        assert_eq!(lists(&env), before, "push leaves the local list alone");
    }
    // the registry keeps refusing the list: one line, three tries, local list untouched
    f.only(
        "PUT",
        "/v2/dst/fail/manifests/v1",
        When::Always,
        Fault::Status(500),
    );
    let out = env.manifold(&["push", &list, &f.r("dst/fail:v1")]);
    let line = one_error_line(&out);
    assert!(line.contains("500"), "{line}");
    assert_eq!(f.proxy.count("PUT", "/v2/dst/fail/manifests/v1"), 3);
    assert_eq!(lists(&env), before);
}

#[test]
fn interrupted_push_completes_when_run_again() {
    let Some(f) = Fixture::start() else { return };
    let env = env();
    let list = f.r("dst/app:v1");
    env.manifold(&["create", &list, &f.r("src/a:amd64"), &f.r("src/b:arm64")])
        .success();
    let out = env.manifold(&["push", &list, &f.r("dst/base:v1")]);
    out.success();
    let expected = last_line(&out);
    let served = |r: &str| {
        let o = env.manifold(&["inspect", "--raw", r]);
        o.success();
        o.stdout
    };
    let expected_bytes = served(&f.r("dst/base:v1"));
    let before = lists(&env);
    for (name, method, prefix, when) in [
        // the connection dies from the second member PUT on
        (
            "kill",
            "PUT",
            "/v2/dst/int1/manifests/sha256:",
            When::FromNth(2),
        ),
        // every request after the third to the destination fails
        ("after", "*", "/v2/dst/int2/", When::FromNth(4)),
    ] {
        let repo = if name == "kill" {
            "dst/int1"
        } else {
            "dst/int2"
        };
        let fault = if name == "kill" {
            Fault::ResetBeforeReply
        } else {
            Fault::Status(503)
        };
        f.only(method, prefix, when, fault);
        let dest = f.r(&format!("{repo}:v1"));
        let out = env.manifold(&["push", &list, &dest]);
        one_error_line(&out);
        assert_eq!(lists(&env), before);
        f.calm();
        let out = env.manifold(&["push", &list, &dest]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert_eq!(
            last_line(&out),
            expected,
            "{name}: same digest as an uninterrupted push"
        );
        assert_eq!(served(&dest), expected_bytes);
    }
}

// ---- push to another registry ------------------------------------------------------------------

#[test]
fn push_across_registries_gets_through_faults_and_completes_when_run_again() {
    let Some(f) = Fixture::start() else { return };
    let dst = registry!(Auth::None);
    let dproxy = FaultProxy::in_front_of(&dst);
    let env = env();
    let d = |rest: &str| format!("{}/{rest}", dproxy.host());
    let list = d("copied/app:v1");
    env.manifold(&["create", &list, &f.r("src/a:amd64"), &f.r("src/b:arm64")])
        .success();
    let out = env.manifold(&["push", "--yes", &list, &d("copied/base:v1")]);
    out.success();
    let expected = last_line(&out);
    let before = lists(&env);
    let reset = |p: &FaultProxy| {
        p.clear();
        p.reset_log();
    };
    let mut case = 0;
    // (fault on the source side?, method, path after /v2/<repo>/, fault)
    let cases: Vec<(bool, &str, &str, Fault)> = vec![
        (true, "GET", "blobs/", Fault::ResetMidBody),
        (true, "GET", "blobs/", Fault::Truncate),
        (true, "GET", "blobs/", Fault::Status(503)),
        (true, "GET", "blobs/", Fault::Delay(SLOW)),
        (false, "HEAD", "blobs/", Fault::TooMany { retry_after: 1 }),
        (false, "HEAD", "blobs/", Fault::ResetBeforeReply),
        (false, "POST", "blobs/uploads/", Fault::Status(503)),
        (false, "PUT", "blobs/uploads/", Fault::Status(500)),
        (false, "PUT", "blobs/uploads/", Fault::ResetBeforeReply),
        (false, "PUT", "manifests/sha256:", Fault::Status(502)),
    ];
    for (source_side, method, suffix, fault) in cases {
        case += 1;
        reset(&f.proxy);
        reset(&dproxy);
        let repo = format!("copied/x{case}");
        let (proxy, prefix) = if source_side {
            (&f.proxy, format!("/v2/src/a/{suffix}"))
        } else {
            (&dproxy, format!("/v2/{repo}/{suffix}"))
        };
        proxy.fault(method, &prefix, When::Nth(1), fault.clone());
        let out = env.manifold(&["push", "--yes", &list, &d(&format!("{repo}:v1"))]);
        assert_eq!(out.code, 0, "{method} {prefix} {fault:?}: {}", out.stderr);
        assert_eq!(last_line(&out), expected);
        assert_eq!(proxy.faults(), 1, "{fault:?}");
        let log = proxy.matching(method, &prefix);
        let first = &log[0];
        assert!(first.fault.is_some(), "{log:#?}");
        if method == "PUT" && suffix == "blobs/uploads/" {
            // a failed upload starts over on a new session
            assert!(
                dproxy.count("POST", &format!("/v2/{repo}/blobs/uploads/")) >= 5,
                "{:#?}",
                dproxy.log()
            );
        } else {
            let again = log.iter().skip(1).find(|l| l.path == first.path);
            assert!(
                again.is_some_and(|l| l.fault.is_none()),
                "{fault:?}: retried: {log:#?}"
            );
        }
        if fault == Fault::Truncate {
            let retry = log.iter().skip(1).find(|l| l.path == first.path).unwrap();
            assert!(retry.header("range").is_some(), "resumed: {retry:?}");
        }
        assert_eq!(lists(&env), before);
    }
    // a source blob altered on the way: not copied, both digests named; then a clean re-run
    reset(&f.proxy);
    reset(&dproxy);
    f.proxy
        .fault("GET", "/v2/src/b/blobs/", When::Always, Fault::Corrupt);
    let dest = d("copied/corrupt:v1");
    let line = one_error_line(&env.manifold(&["push", "--yes", &list, &dest]));
    assert!(line.contains("digest mismatch"), "{line}");
    assert_eq!(lists(&env), before);
    reset(&f.proxy);
    let out = env.manifold(&["push", "--yes", &list, &dest]);
    out.success();
    assert_eq!(last_line(&out), expected);
    // interrupted after two blob uploads on the destination: the re-run completes
    reset(&dproxy);
    dproxy.fault(
        "PUT",
        "/v2/copied/int/blobs/uploads/",
        When::FromNth(3),
        Fault::ResetBeforeReply,
    );
    let dest = d("copied/int:v1");
    one_error_line(&env.manifold(&["push", "--yes", &list, &dest]));
    assert_eq!(lists(&env), before);
    reset(&dproxy);
    let out = env.manifold(&["push", "--yes", &list, &dest]);
    out.success();
    assert_eq!(last_line(&out), expected);
    // blobs uploaded by the first run are not uploaded again
    assert_eq!(
        dproxy.count("PUT", "/v2/copied/int/blobs/uploads/"),
        2,
        "{:#?}",
        dproxy.log()
    );
}

// ---- the first contact -------------------------------------------------------------------------

/// A 503, a 429 or a reset on the first request a registry gets (a plain-HTTP port's first
/// request is the real one, not a ping) is retried like any other, not taken for "this registry
/// wants no credentials": the credentials still go once the registry asks for them.
#[test]
fn first_contact_faults_do_not_drop_credentials() {
    let reg = registry!(Auth::Basic);
    Seeder::new(&reg).image("priv/app", Some("v1"), "linux/amd64", Format::Docker, 5);
    let proxy = FaultProxy::in_front_of(&reg);
    let env = env();
    let creds = format!("{}:{}", manifold_tests::USER, manifold_tests::PASSWORD);
    let image = format!("{}/priv/app:v1", proxy.host());
    const MANIFEST: &str = "/v2/priv/app/manifests/v1";
    for fault in [
        Fault::Status(503),
        Fault::TooMany { retry_after: 1 },
        Fault::ResetBeforeReply,
    ] {
        proxy.clear();
        proxy.reset_log();
        proxy.fault("GET", MANIFEST, When::Nth(1), fault.clone());
        let out = env.manifold(&["inspect", "--creds", &creds, &image]);
        assert_eq!(out.code, 0, "{fault:?}: {}", out.stderr);
        // (inspect opens connections beside its first read: `GET /v2/` pings that carry
        // nothing it waits for)
        let firsts: Vec<Logged> = proxy
            .log()
            .into_iter()
            .filter(|l| l.path == MANIFEST)
            .collect();
        assert_retried_once(&firsts[..2], &fault);
        assert!(
            firsts
                .last()
                .is_some_and(|l| l.status == 200 && l.header("authorization").is_some()),
            "{fault:?}: the credentials went: {firsts:#?}"
        );
    }
    // a registry that keeps failing its first contact: its status, not "unauthorized"
    proxy.clear();
    proxy.fault("GET", MANIFEST, When::Always, Fault::Status(503));
    let out = env.manifold(&["create", "--creds", &creds, "x/y:v1", &image]);
    let line = one_error_line(&out);
    assert!(
        line.contains("503") && !line.contains("unauthorized"),
        "{line}"
    );
}
