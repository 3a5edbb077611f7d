//! manifold beside the real docker CLI (28.2.2, client only), against one registry: the same
//! commands must print the same bytes, end with the same exit codes, and push lists with the
//! same digest. Each tool gets its own HOME, so their local stores never meet.

use manifold_tests::seed::Format;
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv};

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

/// Runs docker; without a docker CLI the test is skipped, except under CI=true where it fails.
fn docker(env: &TestEnv, args: &[&str]) -> Option<Output> {
    match env.docker(args) {
        Some(o) => Some(o),
        None if manifold_tests::registry::is_ci() => {
            panic!("CI=true but there is no docker CLI (apt-get install docker.io)")
        }
        None => {
            eprintln!("SKIP: no docker CLI");
            None
        }
    }
}

struct Pair {
    d: TestEnv,
    m: TestEnv,
}

impl Pair {
    fn new() -> Pair {
        Pair {
            d: TestEnv::new(),
            m: TestEnv::new(),
        }
    }

    /// Runs the same `manifest` arguments through docker and manifold and returns both.
    fn both(&self, args: &[&str]) -> Option<(Output, Output)> {
        let full: Vec<&str> = std::iter::once("manifest")
            .chain(args.iter().copied())
            .collect();
        let theirs = docker(&self.d, &full)?;
        let ours = self.m.manifold(&full);
        Some((theirs, ours))
    }

    /// The same stdout, stderr and exit code.
    #[track_caller]
    fn same(&self, args: &[&str]) -> Option<Output> {
        let (theirs, ours) = self.both(args)?;
        assert_eq!(
            ours.code, theirs.code,
            "exit codes differ for {args:?}\ndocker: {}\nmanifold: {}",
            theirs.stderr, ours.stderr
        );
        assert_eq!(
            ours.stdout_str(),
            theirs.stdout_str(),
            "stdout differs for {args:?}"
        );
        assert_eq!(ours.stderr, theirs.stderr, "stderr differs for {args:?}");
        Some(ours)
    }
}

/// Three single-platform sources in two repositories (Docker v2 and OCI manifests), with a
/// Windows one carrying os.version, all on `reg`.
fn seed(reg: &Registry) -> Vec<String> {
    let s = Seeder::new(reg);
    s.image("src/app", Some("amd64"), "linux/amd64", Format::Docker, 1);
    s.image(
        "src/app",
        Some("arm64"),
        "linux/arm64/v8",
        Format::Docker,
        2,
    );
    s.image("src/oci", Some("armv7"), "linux/arm/v7", Format::Oci, 3);
    s.image(
        "src/win",
        Some("ltsc"),
        "windows/amd64:10.0.17763.1",
        Format::Docker,
        4,
    );
    let h = reg.host();
    vec![
        format!("{h}/src/app:amd64"),
        format!("{h}/src/app:arm64"),
        format!("{h}/src/oci:armv7"),
        format!("{h}/src/win:ltsc"),
    ]
}

#[test]
fn create_annotate_inspect_and_push_give_docker_identical_bytes_and_digests() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let p = Pair::new();
    let list = format!("{}/target/app:v1", reg.host());
    let mut create = vec!["create", "--insecure", list.as_str()];
    create.extend(srcs.iter().map(String::as_str));
    if p.same(&create).is_none() {
        return;
    }
    p.same(&[
        "annotate",
        &list,
        &srcs[0],
        "--os-features",
        "sse4,avx",
        "--os-version",
        "1.2.3",
    ])
    .unwrap();
    p.same(&["annotate", &list, &srcs[2], "--variant", "v7"])
        .unwrap();
    // Local list, verbose, one entry, one entry verbose.
    p.same(&["inspect", &list]).unwrap();
    p.same(&["inspect", "-v", &list]).unwrap();
    p.same(&["inspect", &list, &srcs[1]]).unwrap();
    p.same(&["inspect", "-v", &list, &srcs[2]]).unwrap();
    // Remote image and remote index.
    p.same(&["inspect", "--insecure", &srcs[3]]).unwrap();
    p.same(&["inspect", "--insecure", "-v", &srcs[0]]).unwrap();

    // Cross-repository push: docker first, then manifold to another tag; same digest.
    let (theirs, _) = p.both(&["push", &list]).unwrap();
    assert_eq!(theirs.code, 0, "{}", theirs.stderr);
    let docker_digest = theirs.stdout_str().lines().last().unwrap().to_string();
    let mounts_before = reg.count("POST", "/v2/target/app/blobs/uploads/");
    let ours = p.m.manifold(&["manifest", "push", &list]);
    ours.success();
    assert_eq!(
        ours.stdout_str(),
        theirs.stdout_str(),
        "push prints the same lines (members, then the digest)"
    );
    assert_eq!(ours.stdout_str().lines().last().unwrap(), docker_digest);
    // manifold mounted each blob once (4 images × (config + layer)), as docker did.
    assert_eq!(
        reg.count("POST", "/v2/target/app/blobs/uploads/") - mounts_before,
        8
    );
    // The remote list, re-synthesised as docker prints it.
    p.same(&["inspect", "--insecure", &list]).unwrap();
}

#[test]
fn same_repository_push_matches_docker() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    s.image("same/app", Some("a"), "linux/amd64", Format::Docker, 11);
    s.image("same/app", Some("b"), "linux/s390x", Format::Docker, 12);
    let h = reg.host();
    let p = Pair::new();
    let list = format!("{h}/same/app:multi");
    if p.same(&[
        "create",
        "--insecure",
        &list,
        &format!("{h}/same/app:b"),
        &format!("{h}/same/app:a"),
    ])
    .is_none()
    {
        return;
    }
    let (theirs, ours) = p.both(&["push", "--purge", &list]).unwrap();
    assert_eq!(theirs.code, 0, "{}", theirs.stderr);
    ours.success();
    assert_eq!(ours.stdout_str(), theirs.stdout_str());
    // --purge removed both local lists.
    p.same(&["inspect", &list, &format!("{h}/same/app:a")])
        .unwrap();
}

#[test]
fn common_mistakes_end_like_docker() {
    let reg = registry!(Auth::None);
    let srcs = seed(&reg);
    let p = Pair::new();
    let h = reg.host();
    let list = format!("{h}/t/mistakes:1");
    if p.same(&["create", "--insecure", &list, &srcs[0]]).is_none() {
        return;
    }
    // A missing list, everywhere it can be named.
    p.same(&["inspect", "nolist", "nothere"]).unwrap();
    p.same(&["push", "nolist"]).unwrap();
    p.same(&["rm", "nolist", "other"]).unwrap();
    // An image that is not in the list.
    p.same(&["annotate", &list, &srcs[1], "--arch", "arm64"])
        .unwrap();
    // A bad architecture.
    p.same(&["annotate", &list, &srcs[0], "--arch", "armv7l"])
        .unwrap();
    p.same(&["annotate", &list, &srcs[0], "--os", "plan10"])
        .unwrap();
    // A missing image: the first line is docker's.
    let (theirs, ours) = p
        .both(&[
            "create",
            "--insecure",
            &format!("{h}/t/x:1"),
            &format!("{h}/src/app:missing"),
        ])
        .unwrap();
    assert_eq!(
        (ours.code, ours.stderr.lines().next()),
        (theirs.code, theirs.stderr.lines().next())
    );
    // Flags docker does not have: pack's -r, pack's --annotations, manifold's long names
    // (docker's message, usage line and 125), and a shorthand after one docker has.
    p.same(&["create", "--insecure", "-rf", &srcs[0]]).unwrap();
    p.same(&["create", "-ar", &list, &srcs[0]]).unwrap();
    p.same(&["annotate", &list, &srcs[0], "--annotations", "k=v"])
        .unwrap();
    p.same(&["push", "--bogus", &list]).unwrap();
    p.same(&["inspect", "-x", &list]).unwrap();
    p.same(&["rm", "--force", &list]).unwrap();
    // Bad references.
    p.same(&["create", &format!("{h}/t/y:1"), "UPPER"]).unwrap();
    p.same(&["create", "a//b", &srcs[0]]).unwrap();
    p.same(&["annotate", "Bad:Name", "x"]).unwrap();
    p.same(&["rm", "UPPER"]).unwrap();
    // Creating over an existing list without --amend.
    p.same(&["create", "--insecure", &list, &srcs[1]]).unwrap();
}
