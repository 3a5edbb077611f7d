//! Lists from a description: `push from-spec FILE` (manifest-tool's YAML, several lists as
//! several documents) and `push from-args --platforms … --template … --target …`, checked in
//! the registry; bad spec files refused with one line naming file, line and key, exit 2, and
//! no request made (the registry's access log).

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

/// The exact bytes the registry serves for `reference`, through manifold itself.
fn raw(env: &TestEnv, reference: &str) -> Vec<u8> {
    let out = env.manifold(&["inspect", "--raw", "--insecure", reference]);
    out.success();
    out.stdout
}

/// `os/arch[/variant]` of each entry of the index served at `reference`.
fn platforms(env: &TestEnv, reference: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&raw(env, reference)).unwrap();
    v["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let mut s = format!(
                "{}/{}",
                p["os"].as_str().unwrap(),
                p["architecture"].as_str().unwrap()
            );
            if let Some(v) = p["variant"].as_str() {
                s.push('/');
                s.push_str(v);
            }
            s
        })
        .collect()
}

fn write(env: &TestEnv, name: &str, text: &str) -> String {
    let p = env.path(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn a_spec_with_two_lists_publishes_both_with_their_tags() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    s.image("src/web", Some("amd64"), "linux/amd64", Format::Docker, 41);
    s.image(
        "src/web",
        Some("arm64"),
        "linux/arm64/v8",
        Format::Docker,
        42,
    );
    s.image("src/db", Some("amd64"), "linux/amd64", Format::Oci, 43);
    s.image("src/db", Some("ppc"), "linux/ppc64le", Format::Oci, 44);
    let h = reg.host();
    let env = TestEnv::new();
    // The first list names its platforms (manifest-tool's usual form), the second leaves them
    // to the images' configs.
    let spec = format!(
        "image: {h}/dst/web:1.0\ntags: ['1', latest]\nmanifests:\n  - image: {h}/src/web:amd64\n    platform:\n      architecture: amd64\n      os: linux\n  - image: {h}/src/web:arm64\n    platform:\n      architecture: arm64\n      os: linux\n      variant: v8\n---\nimage: {h}/dst/db:2.0\ntags: [stable, '2']\nmanifests:\n  -\n    image: {h}/src/db:amd64\n  -\n    image: {h}/src/db:ppc\n"
    );
    let file = write(&env, "lists.yaml", &spec);
    let out = env.manifold(&["push", "from-spec", "--insecure", &file]);
    out.success();
    let text = out.stdout_str();
    for (image, tags, want) in [
        (
            "dst/web:1.0",
            ["1", "latest"],
            ["linux/amd64", "linux/arm64/v8"],
        ),
        (
            "dst/db:2.0",
            ["stable", "2"],
            ["linux/amd64", "linux/ppc64le"],
        ),
    ] {
        let at = format!("{h}/{image}");
        let bytes = raw(&env, &at);
        let digest = sha256(&bytes);
        assert!(
            text.contains(&format!("Digest: {digest} {} {at}\n", bytes.len())),
            "{text}"
        );
        assert_eq!(platforms(&env, &at), want);
        let repo = image.split(':').next().unwrap();
        for t in tags {
            assert_eq!(raw(&env, &format!("{h}/{repo}:{t}")), bytes, "{repo}:{t}");
        }
        // manifest-tool's default: a Docker manifest list.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v["mediaType"],
            "application/vnd.docker.distribution.manifest.list.v2+json"
        );
    }
}

#[test]
fn from_args_fills_the_template_per_platform() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    s.image(
        "src/app",
        Some("linux-amd64"),
        "linux/amd64",
        Format::Oci,
        51,
    );
    s.image(
        "src/app",
        Some("linux-arm64v8"),
        "linux/arm64/v8",
        Format::Oci,
        52,
    );
    let h = reg.host();
    let env = TestEnv::new();
    let target = format!("{h}/dst/app:3.0");
    let template = format!("{h}/src/app:OS-ARCHVARIANT");
    let args = [
        "push",
        "from-args",
        "--insecure",
        "--format",
        "oci",
        "--platforms",
        "linux/amd64,linux/arm64/v8",
        "--template",
        &template,
        "--target",
        &target,
        "--tags",
        "latest,3",
    ];
    // The dry run first: no write, and the bytes the run then puts.
    let before = reg.requests().len();
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let out = env.manifold(&dry);
    out.success();
    let reqs = reg.requests()[before..].to_vec();
    assert!(
        reqs.iter().all(|r| r.method == "GET" || r.method == "HEAD"),
        "{reqs:?}"
    );
    let text = out.stdout_str();
    assert!(text.contains("PUT /v2/dst/app/manifests/3.0\n"), "{text}");
    assert!(
        text.contains("PUT /v2/dst/app/manifests/latest\n"),
        "{text}"
    );

    let out = env.manifold(&args);
    out.success();
    let bytes = raw(&env, &target);
    // docker's "Pushed ref" line per member, then manifest-tool's digest line.
    assert_eq!(
        out.stdout_str().lines().last().unwrap(),
        format!("Digest: {} {}", sha256(&bytes), bytes.len())
    );
    assert!(text.ends_with(&format!("{}\n", String::from_utf8(bytes.clone()).unwrap())));
    assert_eq!(platforms(&env, &target), ["linux/amd64", "linux/arm64/v8"]);
    assert_eq!(raw(&env, &format!("{h}/dst/app:latest")), bytes);
    assert_eq!(raw(&env, &format!("{h}/dst/app:3")), bytes);

    // A platform whose image is missing: the list is not written at all.
    let out = env.manifold(&[
        "push",
        "from-args",
        "--insecure",
        "--platforms",
        "linux/amd64,linux/s390x",
        "--template",
        &template,
        "--target",
        &format!("{h}/dst/none:1"),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("linux-s390x"), "{}", out.stderr);
    let missing = env.manifold(&["inspect", "--raw", "--insecure", &format!("{h}/dst/none:1")]);
    assert_ne!(missing.code, 0);
}

#[test]
fn bad_specs_are_one_line_with_file_line_and_key_and_make_no_request() {
    let reg = registry!(Auth::None);
    let h = reg.host();
    let env = TestEnv::new();
    let ok_entry = format!(
        "  - image: {h}/src/a:1\n    platform:\n      os: linux\n      architecture: amd64\n"
    );
    let mut bomb = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    bomb.push_str(&format!("image: {h}/dst/x:1\nmanifests:\n{ok_entry}"));
    let big = format!(
        "image: {h}/dst/x:1\nmanifests:\n{}",
        ok_entry.repeat(10_000_000 / ok_entry.len() + 1)
    );
    assert!(big.len() > 10_000_000);
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown-key.yaml",
            format!("image: {h}/dst/x:1\nmanifests:\n  - image: {h}/src/a:1\n    platfrom:\n      os: linux\n"),
            ":4: manifests[0].platfrom: unknown key",
            "",
        ),
        (
            "missing-image.yaml",
            format!("tags: [v1]\nmanifests:\n{ok_entry}"),
            ":1: image: missing",
            "",
        ),
        (
            "bad-platform.yaml",
            format!("image: {h}/dst/x:1\nmanifests:\n  - image: {h}/src/a:1\n    platform:\n      os: linux\n      architecture: amd65\n"),
            ":6: manifests[0].platform.architecture: amd65 is not an architecture",
            "",
        ),
        (
            "tabs.yaml",
            format!("image: {h}/dst/x:1\nmanifests:\n\t- image: {h}/src/a:1\n"),
            ":3: image: indented with a tab",
            "",
        ),
        ("big.yaml", big, ":1: image: ", "1024 KiB"),
        ("bomb.yaml", bomb, ":", "aliases expand to more than"),
    ];
    for (name, text, want, also) in cases {
        let file = write(&env, name, &text);
        let before = reg.requests().len();
        let started = std::time::Instant::now();
        let out = env.manifold(&["push", "from-spec", "--insecure", &file]);
        let took = started.elapsed();
        eprintln!("{name}: {took:?}");
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: {}", out.stderr);
        assert!(
            lines[0].contains(&format!("{file}{want}")),
            "{name}: {}",
            lines[0]
        );
        assert!(lines[0].contains(also), "{name}: {}", lines[0]);
        assert!(out.stdout.is_empty(), "{name}");
        assert_eq!(reg.requests().len(), before, "{name}: a request was made");
        assert!(took.as_secs() < 10, "{name} took {took:?}");
    }
    // The bomb's line names the line and key of the alias that would explode.
    let out = env.manifold(&[
        "push",
        "from-spec",
        &env.path("bomb.yaml").display().to_string(),
    ]);
    let line = out.stderr.trim();
    let after = line.split("bomb.yaml:").nth(1).unwrap();
    let (n, rest) = after.split_once(": ").unwrap();
    assert!(n.parse::<usize>().unwrap() > 1, "{line}");
    assert!(rest.chars().next().unwrap().is_ascii_lowercase(), "{line}");

    // from-args' bad flags are one line naming the flag, exit 2.
    let out = env.manifold(&[
        "push",
        "from-args",
        "--platforms",
        "linux",
        "--template",
        &format!("{h}/a:OS-ARCH"),
        "--target",
        &format!("{h}/b:1"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("from-args: --platforms: linux:"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_local_list_called_from_spec_is_still_pushed() {
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    s.image("src/a", Some("amd64"), "linux/amd64", Format::Oci, 61);
    let h = reg.host();
    let env = TestEnv::new();
    env.manifold(&[
        "create",
        "--insecure",
        "from-spec",
        &format!("{h}/src/a:amd64"),
    ])
    .success();
    let dest = format!("{h}/dst/named:1");
    env.manifold(&["push", "--insecure", "from-spec", &dest])
        .success();
    assert_eq!(platforms(&env, &dest), ["linux/amd64"]);
}
