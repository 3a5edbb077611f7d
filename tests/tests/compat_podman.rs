//! manifold's podman personality beside the real podman 4.3.1 (and buildah 1.28, skopeo 1.9)
//! from Debian, against one registry: the same commands print the same bytes and end with the
//! same exit codes wherever podman's output is not a random ID (there the shape is compared),
//! and push lists with the same digest. Then the other way round: skopeo and podman read back
//! what manifold pushed, and manifold amends lists buildah and podman pushed.
//!
//! Where podman 4.3 and podman 5 differ, manifold follows 5 and the test says so:
//! - `manifest inspect` of a local list: 4.3 always shows the Docker list media type; 5 shows
//!   the type a save would write (OCI for a non-empty list without Docker-only fields).
//! - `manifest annotate --index`: 5 only (4.3: "unknown flag: --index").

use manifold_tests::podman::{self, PodmanEnv};
use manifold_tests::seed::{self, Format, Seeded};
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv};

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

const ZERO: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// podman and manifold side by side, each with its own storage.
struct Pair {
    p: PodmanEnv,
    m: TestEnv,
}

impl Pair {
    fn new(reg: &Registry) -> Pair {
        let mut m = TestEnv::new();
        m.set("MANIFOLD_COMPAT", "podman");
        Pair {
            p: PodmanEnv::new(&[reg.host()]),
            m,
        }
    }

    fn both(&self, args: &[&str]) -> (Output, Output) {
        let full: Vec<&str> = std::iter::once("manifest")
            .chain(args.iter().copied())
            .collect();
        (self.p.podman(&full), self.m.manifold(&full))
    }

    /// The same stdout, stderr and exit code.
    #[track_caller]
    fn same(&self, args: &[&str]) -> Output {
        let (theirs, ours) = self.both(args);
        assert_eq!(
            (ours.code, ours.stdout_str(), ours.stderr.as_str()),
            (theirs.code, theirs.stdout_str(), theirs.stderr.as_str()),
            "manifold differs from podman for {args:?}"
        );
        ours
    }

    /// The same output once every 64-digit hex ID is `<id>` (podman's IDs are random).
    #[track_caller]
    fn same_shape(&self, args: &[&str]) -> Output {
        let (theirs, ours) = self.both(args);
        assert_eq!(
            (ours.code, ids(&ours.stdout_str()), ids(&ours.stderr)),
            (theirs.code, ids(&theirs.stdout_str()), ids(&theirs.stderr)),
            "manifold differs from podman for {args:?}\npodman: {}{}\nmanifold: {}{}",
            theirs.stdout_str(),
            theirs.stderr,
            ours.stdout_str(),
            ours.stderr
        );
        ours
    }

    /// `inspect LIST` of a local list: podman 5's form (podman 4.3 names every list a Docker
    /// list there; see the file's note).
    #[track_caller]
    fn same_inspect(&self, list: &str) -> serde_json::Value {
        let (theirs, ours) = self.both(&["inspect", list]);
        assert_eq!((theirs.code, ours.code), (0, 0), "{}", ours.stderr);
        let theirs = theirs.stdout_str().replacen(
            "\"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\"",
            "\"mediaType\": \"application/vnd.oci.image.index.v1+json\"",
            1,
        );
        assert_eq!(ours.stdout_str(), theirs, "inspect {list}");
        assert_eq!(ours.stderr, "");
        serde_json::from_slice(&ours.stdout).unwrap()
    }
}

/// `s` with every run of 64 lowercase hex digits replaced by `<id>`.
fn ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let run = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count();
        if run == 64 {
            out.push_str("<id>");
            i += 64;
        } else {
            let n = run.max(1);
            out.push_str(&s[i..i + n]);
            i += n;
        }
    }
    out
}

/// An image podman can really pull: one gzipped tar layer, a config naming its diff ID.
fn runnable(s: &Seeder, repo: &str, tag: &str, platform: &str, format: Format, n: u32) -> Seeded {
    let (tar, gz) = podman::real_layer(n);
    let parts: Vec<&str> = platform.split('/').collect();
    let layer = s.blob(repo, &gz);
    let mut config = serde_json::json!({
        "architecture": parts[1],
        "os": parts[0],
        "rootfs": {"type": "layers", "diff_ids": [seed::sha256(&tar)]},
        "config": {"Cmd": ["/hello.txt"]},
    });
    if let Some(v) = parts.get(2) {
        config["variant"] = (*v).into();
    }
    let config = serde_json::to_vec(&config).unwrap();
    let config_digest = s.blob(repo, &config);
    let (mt, cmt, lmt) = match format {
        Format::Docker => (
            seed::DOCKER_MANIFEST,
            seed::DOCKER_CONFIG,
            seed::DOCKER_LAYER,
        ),
        Format::Oci => (seed::OCI_MANIFEST, seed::OCI_CONFIG, seed::OCI_LAYER),
    };
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": mt,
        "config": {"mediaType": cmt, "size": config.len(), "digest": config_digest},
        "layers": [{"mediaType": lmt, "size": gz.len(), "digest": layer}],
    });
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    let digest = s.manifest(repo, tag, mt, &bytes);
    Seeded {
        repo: repo.into(),
        digest,
        size: bytes.len() as u64,
        media_type: mt.into(),
        bytes,
        platform: platform.into(),
    }
}

/// Docker images for amd64 and arm64 in `app`, OCI ones in `ociapp`, and a Docker list of
/// ppc64le and s390x images (`app:biglist`, no child for this host).
struct Seeds {
    amd64: Seeded,
    arm64: Seeded,
    oci_amd64: Seeded,
}

fn seed_all(reg: &Registry) -> Seeds {
    let s = Seeder::new(reg);
    let amd64 = runnable(&s, "app", "amd64", "linux/amd64", Format::Docker, 1);
    let arm64 = runnable(&s, "app", "arm64", "linux/arm64", Format::Docker, 2);
    let oci_amd64 = runnable(&s, "ociapp", "amd64", "linux/amd64", Format::Oci, 3);
    runnable(&s, "ociapp", "arm64", "linux/arm64/v8", Format::Oci, 4);
    let ppc = runnable(
        &s,
        "app",
        "nested-ppc64le",
        "linux/ppc64le",
        Format::Docker,
        5,
    );
    let s390 = runnable(&s, "app", "nested-s390x", "linux/s390x", Format::Docker, 6);
    s.index("app", "biglist", &[ppc, s390], Format::Docker, None);
    Seeds {
        amd64,
        arm64,
        oci_amd64,
    }
}

/// The bytes a registry holds under `reference` (`docker://` form), read by skopeo.
fn skopeo_raw(env: &PodmanEnv, reference: &str) -> Vec<u8> {
    let out = env.skopeo(&["inspect", "--tls-verify=false", "--raw", reference]);
    out.success();
    out.stdout
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_issue_table_and_every_list_command_match_podman() {
    let reg = registry!(Auth::None);
    if !podman::available() {
        return;
    }
    let seeds = seed_all(&reg);
    let h = reg.host();
    let p = Pair::new(&reg);
    let src = |tag: &str| format!("docker://{h}/app:{tag}");

    let created = p.same_shape(&["create", "pl:1"]);
    assert_eq!(ids(&created.stdout_str()), "<id>\n");
    // Row 1: a docker:// source.
    p.same_shape(&["add", "--tls-verify=false", "pl:1", &src("amd64")]);
    // Platform flags and an annotation recorded on the new entry.
    p.same_shape(&[
        "add",
        "--tls-verify=false",
        "--arch",
        "arm64",
        "--os",
        "linux",
        "--variant",
        "v8",
        "--os-version",
        "1.0",
        "--annotation",
        "org.example.k=v",
        "pl:1",
        &src("arm64"),
    ]);
    p.same_inspect("pl:1");
    // annotate by digest: os.version and an annotation.
    p.same_shape(&[
        "annotate",
        "--os-version",
        "1.2.3",
        "--annotation",
        "org.example.a=b",
        "pl:1",
        &seeds.amd64.digest,
    ]);
    p.same(&["annotate", "--annotation", "x=y", "pl:1", ZERO]);
    let shown = p.same_inspect("pl:1");
    assert_eq!(shown["manifests"][0]["platform"]["os.version"], "1.2.3");
    // podman 5 only (see the file's note): --os-features is recorded (4.3 drops it), --arch
    // without --variant clears the variant (4.3 keeps it), --index annotates the list itself.
    for args in [
        &[
            "annotate",
            "--os-features",
            "sse4",
            "pl:1",
            &seeds.amd64.digest,
        ][..],
        &["annotate", "--arch", "arm64", "pl:1", &seeds.arm64.digest][..],
        &[
            "annotate",
            "--index",
            "--annotation",
            "org.example.i=1",
            "pl:1",
        ][..],
    ] {
        let mut full = vec!["manifest"];
        full.extend_from_slice(args);
        let o = p.m.manifold(&full);
        o.success();
        assert_eq!(ids(&o.stdout_str()), "<id>\n");
    }
    let o = p.m.manifold(&["manifest", "inspect", "pl:1"]);
    let ours: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ours["manifests"][0]["platform"]["os.features"][0], "sse4");
    assert!(ours["manifests"][1]["platform"].get("variant").is_none());
    assert_eq!(ours["annotations"]["org.example.i"], "1");
    // Undo on manifold's side what 4.3 cannot do, so both push the same list.
    for args in [
        &[
            "annotate",
            "--clear",
            "os-features",
            "pl:1",
            &seeds.amd64.digest,
        ][..],
        &["annotate", "--variant", "v8", "pl:1", &seeds.arm64.digest][..],
        &["annotate", "--index", "--clear", "annotations", "pl:1"][..],
    ] {
        let mut full = vec!["manifest"];
        full.extend_from_slice(args);
        p.m.manifold(&full).success();
    }
    p.same_inspect("pl:1");

    p.same(&["exists", "pl:1"]);
    p.same(&["exists", "nolist"]);
    // Row 4: an entry that is not there.
    let refused = p.same(&["remove", "pl:1", ZERO]);
    assert_eq!(refused.code, 125);
    // A source named through a transport manifold cannot read: refused, clearly.
    let (theirs, ours) = p.both(&["add", "pl:1", "containers-storage:localhost/x:1"]);
    assert_eq!((ours.code, theirs.code), (125, 125));
    assert_eq!(
        ours.stderr,
        "Error: containers-storage:localhost/x:1: the containers-storage transport is not supported: manifold reads images from registries (docker://) and OCI layouts (oci:PATH[:TAG]) only; push the image to a registry first\n"
    );

    // push: the same (empty) output, the same digest in --digestfile, the same bytes.
    let (pd, md) = (p.p.path("digest"), p.m.path("digest"));
    let (pdest, mdest) = (
        format!("docker://{h}/pushed/podman:1"),
        format!("docker://{h}/pushed/manifold:1"),
    );
    let (theirs, ours) = (
        p.p.podman(&[
            "manifest",
            "push",
            "-q",
            "--tls-verify=false",
            "--digestfile",
            pd.to_str().unwrap(),
            "pl:1",
            &pdest,
        ]),
        p.m.manifold(&[
            "manifest",
            "push",
            "-q",
            "--tls-verify=false",
            "--digestfile",
            md.to_str().unwrap(),
            "pl:1",
            &mdest,
        ]),
    );
    assert_eq!(
        (ours.code, ours.stdout_str(), ours.stderr.as_str()),
        (theirs.code, theirs.stdout_str(), theirs.stderr.as_str())
    );
    assert_eq!(read(&md), read(&pd), "pushed digests");
    assert_eq!(skopeo_raw(&p.p, &mdest), skopeo_raw(&p.p, &pdest));
    assert_eq!(read(&md), seed::sha256(&skopeo_raw(&p.p, &mdest)));

    // Rows 2 and 3: rm of a list, then of a list that is no more.
    let removed = p.same_shape(&["rm", "pl:1"]);
    assert_eq!(
        ids(&removed.stdout_str()),
        "Untagged: localhost/pl:1\nDeleted: <id>\n"
    );
    let gone = p.same(&["rm", "pl:1"]);
    assert_eq!(
        (gone.code, gone.stderr.as_str()),
        (1, "Error: pl:1: image not known\n")
    );
    p.same(&["exists", "pl:1"]);

    // Mistakes: a list that exists, a list that is not there, an image that is not there,
    // a list source with no child for this host.
    p.same_shape(&["create", "pl:3"]);
    let (theirs, ours) = p.both(&["create", "pl:3"]);
    assert_eq!(
        (ours.code, ids(&ours.stderr)),
        (theirs.code, ids(&theirs.stderr))
    );
    assert_eq!(ours.code, 125);
    p.same(&[
        "push",
        "--tls-verify=false",
        "nolist:1",
        &format!("docker://{h}/x:1"),
    ]);
    p.same(&["add", "--tls-verify=false", "nolist:1", &src("amd64")]);
    for source in [src("nothere"), src("biglist")] {
        let (theirs, ours) = p.both(&["add", "--tls-verify=false", "pl:3", &source]);
        assert_eq!((ours.code, theirs.code), (125, 125), "{}", ours.stderr);
        assert!(ours.stderr.starts_with("Error: "), "{}", ours.stderr);
    }
    p.same_shape(&["rm", "pl:3"]);

    // create with --all from a list; push --rm removes the local list after the push.
    p.same_shape(&[
        "create",
        "--tls-verify=false",
        "--all",
        "pl:2",
        &src("biglist"),
    ]);
    p.same_inspect("pl:2");
    let (theirs, ours) = p.both(&[
        "push",
        "-q",
        "--tls-verify=false",
        "--rm",
        "pl:2",
        &format!("docker://{h}/pushed/all:p"),
    ]);
    assert_eq!(
        (ours.code, ours.stdout_str()),
        (theirs.code, theirs.stdout_str())
    );
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    p.same(&["exists", "pl:2"]);

    // OCI members, pushed with --format oci (nothing to convert): the same digest.
    p.same_shape(&[
        "create",
        "--tls-verify=false",
        "pl:4",
        &format!("docker://{h}/ociapp:amd64"),
        &format!("docker://{h}/ociapp:arm64"),
    ]);
    p.same_inspect("pl:4");
    let (pd, md) = (p.p.path("d3"), p.m.path("d3"));
    let push = |env_is_podman: bool, file: &std::path::Path, dest: &str| {
        let args = [
            "manifest",
            "push",
            "-q",
            "--tls-verify=false",
            "--all",
            "--format",
            "oci",
            "--digestfile",
            file.to_str().unwrap(),
            "pl:4",
            dest,
        ];
        if env_is_podman {
            p.p.podman(&args)
        } else {
            p.m.manifold(&args)
        }
    };
    push(true, &pd, &format!("docker://{h}/pushed/oci-podman:1")).success();
    push(false, &md, &format!("docker://{h}/pushed/oci-manifold:1")).success();
    assert_eq!(read(&md), read(&pd), "--format oci digests");
    assert_eq!(seeds.oci_amd64.media_type, seed::OCI_MANIFEST);
}

#[test]
fn a_list_of_features_inspects_like_podman() {
    let reg = registry!(Auth::None);
    if !podman::available() {
        return;
    }
    seed_all(&reg);
    let h = reg.host();
    let p = Pair::new(&reg);
    p.same_shape(&["create", "feat:1"]);
    p.same_shape(&[
        "add",
        "--tls-verify=false",
        "--features",
        "f1",
        "feat:1",
        &format!("docker://{h}/app:amd64"),
    ]);
    // podman 4.3 and 5 both keep a list whose entries carry (Docker-only) features a Docker
    // list: inspect shows it so, and the bytes podman pushes are a Docker list.
    let shown = p.same(&["inspect", "feat:1"]);
    assert!(shown.stdout_str().contains(seed::DOCKER_LIST));
    let dest = format!("docker://{h}/feat/podman:1");
    p.p.podman(&[
        "manifest",
        "push",
        "-q",
        "--tls-verify=false",
        "feat:1",
        &dest,
    ])
    .success();
    let raw = p.m.manifold(&["manifest", "inspect", "--raw", "feat:1"]);
    raw.success();
    assert_eq!(
        String::from_utf8_lossy(&raw.stdout),
        String::from_utf8_lossy(&skopeo_raw(&p.p, &dest)),
        "inspect --raw shows the bytes podman pushes"
    );
}

/// Pushes local list `list` of `m` to `dest` (`docker://…`) and returns the digest written to
/// `--digestfile`.
fn manifold_push(m: &TestEnv, list: &str, dest: &str, extra: &[&str]) -> String {
    let file = m.path(&format!("digest-{}", seed::sha256(dest.as_bytes())));
    let mut args = vec!["manifest", "push", "-q", "--tls-verify=false"];
    args.extend_from_slice(extra);
    args.extend(["--digestfile", file.to_str().unwrap(), list, dest]);
    let out = m.manifold(&args);
    out.success();
    assert_eq!(
        out.stdout_str(),
        "",
        "podman's push prints nothing on stdout"
    );
    read(&file)
}

/// skopeo copies `reference` with every instance into `layout` (an OCI layout for an OCI
/// index; `dir:` for a Docker list, which an OCI layout cannot hold without converting it)
/// and back to `back`, digests preserved; returns the digest that came back.
fn round_trip(env: &PodmanEnv, reference: &str, local: &str, back: &str) -> String {
    env.skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "-q",
        "--src-tls-verify=false",
        reference,
        local,
    ])
    .success();
    env.skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "-q",
        "--dest-tls-verify=false",
        local,
        back,
    ])
    .success();
    seed::sha256(&skopeo_raw(env, back))
}

#[test]
fn skopeo_and_podman_read_back_every_list_manifold_pushes() {
    let reg = registry!(Auth::None);
    if !podman::available() {
        return;
    }
    seed_all(&reg);
    let h = reg.host();
    let p = Pair::new(&reg);
    let m = &p.m;
    let src = |repo: &str, tag: &str| format!("docker://{h}/{repo}:{tag}");
    let ok = |args: &[&str]| {
        let mut full = vec!["manifest"];
        full.extend_from_slice(args);
        m.manifold(&full).success();
    };
    // An OCI index of Docker images with entry and index annotations.
    ok(&[
        "create",
        "--tls-verify=false",
        "rb:annotated",
        &src("app", "amd64"),
        &src("app", "arm64"),
    ]);
    ok(&[
        "annotate",
        "--annotation",
        "org.example.e=1",
        "rb:annotated",
        &src("app", "arm64"),
    ]);
    ok(&[
        "annotate",
        "--index",
        "--annotation",
        "org.example.i=2",
        "rb:annotated",
    ]);
    // The same images without annotations (what a Docker list can hold).
    ok(&[
        "create",
        "--tls-verify=false",
        "rb:plain",
        &src("app", "amd64"),
        &src("app", "arm64"),
    ]);
    // OCI images.
    ok(&[
        "create",
        "--tls-verify=false",
        "rb:oci",
        &src("ociapp", "amd64"),
        &src("ociapp", "arm64"),
    ]);
    // A list holding a list (manifold's --nested) and an image.
    ok(&[
        "create",
        "--tls-verify=false",
        "--nested",
        "rb:nested",
        &src("app", "biglist"),
    ]);
    ok(&[
        "add",
        "--tls-verify=false",
        "rb:nested",
        &src("app", "amd64"),
    ]);

    let cases: [(&str, &[&str], &str); 4] = [
        ("rb:annotated", &[], "linux/arm64"),
        ("rb:plain", &["--format", "v2s2"], "linux/amd64"),
        ("rb:oci", &[], "linux/arm64/v8"),
        ("rb:nested", &[], "linux/amd64"),
    ];
    // An explicit v2s2 never drops the annotations a Docker list cannot hold: it refuses.
    let refused = m.manifold(&[
        "manifest",
        "push",
        "--tls-verify=false",
        "--format",
        "v2s2",
        "rb:annotated",
        &format!("docker://{h}/readback/refused:t"),
    ]);
    assert_eq!(refused.code, 125, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("cannot hold annotations"),
        "{}",
        refused.stderr
    );
    for (i, (list, extra, platform)) in cases.iter().enumerate() {
        let dest = format!("docker://{h}/readback/l{i}:t");
        let raw_local = {
            let o = m.manifold(&["manifest", "inspect", "--raw", list]);
            o.success();
            o.stdout
        };
        let digest = manifold_push(m, list, &dest, extra);
        let raw = skopeo_raw(&p.p, &dest);
        assert_eq!(
            seed::sha256(&raw),
            digest,
            "{list} {extra:?}: skopeo reads the pushed digest"
        );
        if extra.is_empty() {
            assert_eq!(
                raw, raw_local,
                "{list}: skopeo reads exactly what inspect --raw showed"
            );
        }
        let index: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        let oci = index["mediaType"] == seed::OCI_INDEX;
        let local = if oci {
            format!("oci:{}:t{i}", p.p.path("layout").display())
        } else {
            format!("dir:{}", p.p.path(&format!("dir{i}")).display())
        };
        let nested = *list == "rb:nested";
        if nested {
            // containers/image copies one level: a list inside a list is refused, not changed.
            let o = p.p.skopeo(&[
                "copy",
                "--all",
                "-q",
                "--src-tls-verify=false",
                &dest,
                &local,
            ]);
            assert_ne!(o.code, 0, "skopeo copied a nested list: {}", o.stderr);
        } else {
            let back = format!("docker://{h}/readback/back{i}:t");
            assert_eq!(
                round_trip(&p.p, &dest, &local, &back),
                digest,
                "{list} {extra:?} round trip"
            );
            if oci {
                let layout: serde_json::Value =
                    serde_json::from_str(&read(&p.p.path("layout/index.json"))).unwrap();
                assert!(
                    layout["manifests"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d["digest"] == digest.as_str()),
                    "the OCI layout holds the list under its digest"
                );
            }
        }
        // podman reads the remote list (and manifold shows it as podman does), and pulls one
        // platform out of it.
        let plain = dest.trim_start_matches("docker://");
        let inspected = p.p.podman(&["manifest", "inspect", plain]);
        inspected.success();
        let ours = m.manifold(&["manifest", "inspect", "--tls-verify=false", plain]);
        assert_eq!(
            (ours.code, ours.stdout_str()),
            (0, inspected.stdout_str()),
            "inspect {plain}: {}",
            ours.stderr
        );
        let shown: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
        let digests = |v: &serde_json::Value| -> Vec<String> {
            v["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["digest"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            digests(&shown),
            digests(&index),
            "podman manifest inspect {plain}"
        );
        let pulled = p.p.podman(&["pull", "-q", "--platform", platform, plain]);
        assert_eq!(
            pulled.code, 0,
            "podman pull --platform {platform} {plain}: {}",
            pulled.stderr
        );
    }
}

#[test]
fn lists_buildah_and_podman_push_are_amended_by_manifold_keeping_their_members() {
    let reg = registry!(Auth::None);
    if !podman::available() {
        return;
    }
    seed_all(&reg);
    let h = reg.host();
    let p = Pair::new(&reg);
    let src = |repo: &str, tag: &str| format!("docker://{h}/{repo}:{tag}");
    // podman: annotations on an entry; buildah: --all of a list plus an image.
    p.p.podman(&["manifest", "create", "made:p"]).success();
    p.p.podman(&[
        "manifest",
        "add",
        "--tls-verify=false",
        "--annotation",
        "org.example.by=podman",
        "made:p",
        &src("app", "amd64"),
    ])
    .success();
    p.p.podman(&[
        "manifest",
        "push",
        "-q",
        "--tls-verify=false",
        "made:p",
        &format!("docker://{h}/made/podman:1"),
    ])
    .success();
    p.p.buildah(&["manifest", "create", "made:b"]).success();
    p.p.buildah(&[
        "manifest",
        "add",
        "--tls-verify=false",
        "--all",
        "made:b",
        &src("app", "biglist"),
    ])
    .success();
    p.p.buildah(&[
        "manifest",
        "add",
        "--tls-verify=false",
        "made:b",
        &src("ociapp", "amd64"),
    ])
    .success();
    p.p.buildah(&[
        "manifest",
        "push",
        "-q",
        "--all",
        "--tls-verify=false",
        "made:b",
        &format!("docker://{h}/made/buildah:1"),
    ])
    .success();

    for made in ["made/podman:1", "made/buildah:1"] {
        let theirs = format!("docker://{h}/{made}");
        let before: serde_json::Value = serde_json::from_slice(&skopeo_raw(&p.p, &theirs)).unwrap();
        // manifold inspects it remotely as podman does.
        let plain = format!("{h}/{made}");
        let (pi, mi) = (
            p.p.podman(&["manifest", "inspect", &plain]),
            p.m.manifold(&["manifest", "inspect", "--tls-verify=false", &plain]),
        );
        assert_eq!(
            (mi.code, mi.stdout_str()),
            (pi.code, pi.stdout_str()),
            "remote inspect {made}"
        );
        // Amended in place (read, add an image, publish) and re-pushed.
        let out = p.m.manifold(&[
            "manifest",
            "add",
            "--publish",
            "--tls-verify=false",
            &plain,
            &src("app", "arm64"),
        ]);
        out.success();
        let after: serde_json::Value = serde_json::from_slice(&skopeo_raw(&p.p, &theirs)).unwrap();
        let was = before["manifests"].as_array().unwrap();
        let now = after["manifests"].as_array().unwrap();
        assert_eq!(now.len(), was.len() + 1, "{made}: one entry more");
        assert_eq!(
            &now[..was.len()],
            &was[..],
            "{made}: the members it had are kept as they were"
        );
        assert_eq!(after["annotations"], before["annotations"]);
        // and podman still reads it.
        p.p.podman(&["manifest", "inspect", &plain]).success();
    }
}

/// Short names in `manifest inspect` (a name that is no local list is read from a registry):
/// podman resolves them through registries.conf (`unqualified-search-registries` in order,
/// `short-name-mode`), and so does the podman personality, reading the very same file.
/// (`manifest create`/`add` do not: podman reads an IMAGE without a transport as
/// `docker://IMAGE`, so a short name there is Docker Hub's, in both.)
#[test]
fn short_names_resolve_through_registries_conf_as_podman_does() {
    if !podman::available() {
        return;
    }
    let reg = registry!(Auth::None);
    let s = Seeder::new(&reg);
    let a = s.image("mfshort", None, "linux/amd64", Format::Oci, 61);
    let b = s.image("mfshort", None, "linux/arm64/v8", Format::Oci, 62);
    s.index("mfshort", "latest", &[a, b], Format::Oci, None);
    let h = reg.host();
    let mut p = Pair::new(&reg);
    let conf = p.p.path("registries.conf");
    p.m.set("CONTAINERS_REGISTRIES_CONF", &conf);
    let write = |head: &str| {
        std::fs::write(
            &conf,
            format!("{head}\n[[registry]]\nlocation = \"{h}\"\ninsecure = true\n"),
        )
        .unwrap()
    };

    // The one search registry holds it: the same document, whatever the mode.
    for mode in ["", "short-name-mode = \"enforcing\"\n"] {
        write(&format!("{mode}unqualified-search-registries = [\"{h}\"]"));
        let shown = p.same(&["inspect", "mfshort"]);
        let v: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(v["manifests"].as_array().unwrap().len(), 2);
        p.same(&["inspect", "mfshort:latest"]);
    }
    // A name none of them has: podman's "reading image" line naming the reference tried.
    let (theirs, ours) = p.both(&["inspect", "mfnosuch"]);
    let tried = format!("Error: reading image \"docker://{h}/mfnosuch:latest\": ");
    assert_eq!((ours.code, theirs.code), (125, 125));
    assert!(theirs.stderr.starts_with(&tried), "{}", theirs.stderr);
    assert!(ours.stderr.starts_with(&tried), "{}", ours.stderr);

    // Permissive (the default) with a first registry that is down: the next one answers.
    write(&format!(
        "unqualified-search-registries = [\"127.0.0.1:1\", \"{h}\"]"
    ));
    p.same(&["inspect", "mfshort"]);
    // Neither has it: both attempts reported, the last one first.
    let (theirs, ours) = p.both(&["inspect", "mfnosuch"]);
    for o in [&theirs, &ours] {
        assert_eq!(o.code, 125);
        let first = o.stderr.find(&format!(
            "tried reading image \"docker://{h}/mfnosuch:latest\": "
        ));
        let second = o
            .stderr
            .find("\n: reading image \"docker://127.0.0.1:1/mfnosuch:latest\": ");
        assert!(
            first == Some("Error: ".len()) && second.is_some(),
            "{}",
            o.stderr
        );
    }

    // Enforcing with two registries and no terminal to ask on; no search registries at all.
    write(&format!(
        "short-name-mode = \"enforcing\"\nunqualified-search-registries = [\"{h}\", \"127.0.0.1:1\"]"
    ));
    p.same(&["inspect", "mfshort"]);
    write("unqualified-search-registries = []");
    p.same(&["inspect", "mfshort"]);
    // A name with its registry is not a short name.
    p.same(&["inspect", &format!("{h}/mfshort")]);
}

/// The list ID: podman prints it on create, add and annotate (the same one for the list's whole
/// life) and takes it, or its first 12 digits, wherever it takes the list's name. Each side
/// gets its own ID (podman's is random); the outputs are the same once IDs are `<id>`, and
/// manifold's ID is the same across runs for the same name.
#[test]
fn the_list_id_is_stable_and_names_the_list_as_podman_takes_it() {
    if !podman::available() {
        return;
    }
    let reg = registry!(Auth::None);
    let seeds = seed_all(&reg);
    let h = reg.host();
    let p = Pair::new(&reg);
    let src = |tag: &str| format!("docker://{h}/app:{tag}");
    let create = p.same_shape(&["create", "idl:1"]);
    let ours = create.stdout_str().trim().to_string();
    let theirs_out = p.p.podman(&["manifest", "exists", "idl:1"]);
    assert_eq!(theirs_out.code, 0);
    // podman's ID, from the list's image record.
    let theirs = p.p.podman(&[
        "images",
        "--no-trunc",
        "--format",
        "{{.ID}}",
        "localhost/idl:1",
    ]);
    let theirs = theirs
        .stdout_str()
        .trim()
        .trim_start_matches("sha256:")
        .to_string();
    assert_eq!((ours.len(), theirs.len()), (64, 64), "{ours} / {theirs}");

    // Each side's command with its own ID (or its first 12 digits) where the list name goes.
    let run = |args: &[&str]| {
        let with = |id: &str| -> Vec<String> {
            std::iter::once("manifest".to_string())
                .chain(args.iter().map(|a| match *a {
                    "ID" => id.to_string(),
                    "SHORT" => id[..12].to_string(),
                    a => a.to_string(),
                }))
                .collect()
        };
        let t = with(&theirs);
        let o = with(&ours);
        let t =
            p.p.podman(&t.iter().map(String::as_str).collect::<Vec<_>>());
        let o =
            p.m.manifold(&o.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            (o.code, ids(&o.stdout_str()), ids(&o.stderr)),
            (t.code, ids(&t.stdout_str()), ids(&t.stderr)),
            "manifold differs from podman for {args:?}\npodman: {}{}\nmanifold: {}{}",
            t.stdout_str(),
            t.stderr,
            o.stdout_str(),
            o.stderr
        );
        (t, o)
    };
    // add and annotate by ID print the list's one ID, unchanged by the edit.
    let (t, o) = run(&["add", "--tls-verify=false", "ID", &src("amd64")]);
    assert_eq!(
        (t.stdout_str().trim(), o.stdout_str().trim()),
        (theirs.as_str(), ours.as_str())
    );
    let (t, o) = run(&["add", "--tls-verify=false", "SHORT", &src("arm64")]);
    assert_eq!(
        (t.stdout_str().trim(), o.stdout_str().trim()),
        (theirs.as_str(), ours.as_str())
    );
    let (_, o) = run(&["annotate", "--annotation", "k=v", "ID", &seeds.arm64.digest]);
    assert_eq!(o.stdout_str().trim(), ours);
    run(&["exists", "ID"]);
    run(&["exists", "SHORT"]);
    // inspect by ID shows the same document as by name.
    let by_name = p.m.manifold(&["manifest", "inspect", "idl:1"]);
    // (podman 4.3 names the list a Docker list there, 5 as manifold does: the file's note.)
    let by_id = p.m.manifold(&["manifest", "inspect", &ours[..12]]);
    assert_eq!(by_id.stdout, by_name.stdout);
    let theirs_by_id = p.p.podman(&["manifest", "inspect", &theirs[..12]]);
    let theirs_by_name = p.p.podman(&["manifest", "inspect", "idl:1"]);
    assert_eq!(theirs_by_id.stdout, theirs_by_name.stdout);
    // push by ID, then rm by ID: "Untagged: NAME" and "Deleted: ID".
    let dest = format!("docker://{h}/pushed/idl:1");
    run(&["push", "--quiet", "--tls-verify=false", "ID", &dest]);
    let (t, o) = run(&["rm", "ID"]);
    assert_eq!(
        o.stdout_str(),
        format!("Untagged: localhost/idl:1\nDeleted: {ours}\n")
    );
    assert!(t.stdout_str().ends_with(&format!("Deleted: {theirs}\n")));
    run(&["exists", "ID"]);

    // The same name gives the same ID in a later run; `ls --json` shows it.
    let again = p.m.manifold(&["manifest", "create", "idl:1"]);
    assert_eq!(again.stdout_str().trim(), ours);
    let ls = p.m.manifold(&["ls", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&ls.stdout).unwrap();
    assert_eq!(rows[0]["name"], "localhost/idl:1");
    assert_eq!(rows[0]["id"], ours.as_str());
    let other = p.m.manifold(&["manifest", "create", "idl:2"]);
    assert_ne!(other.stdout_str().trim(), ours);
}
