//! A blob upload whose connection breaks while a chunk (a PATCH) is sent continues in its own
//! session: manifold asks the registry how much it holds (`GET <upload location>`) and sends
//! the rest from there; when the session is gone it starts over on a new one; when every chunk
//! breaks it fails after the retry count with one line and writes no tag.
//!
//! A real registry behind the fault proxy (`manifold_tests::fault`), a layer of five and a bit
//! chunks (`MANIFOLD_CHUNK_SIZE` makes chunks small), copied across registries: the upload
//! reads its source again with a `Range` GET from where it must go on.

use std::time::Duration;

use manifold_tests::fault::{Fault, FaultProxy, Logged, When};
use manifold_tests::seed::sha256;
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv};

const CHUNK: u64 = 64 * 1024;
/// Five full chunks and a short one.
const LAYER: u64 = 5 * CHUNK + 1234;

/// Bytes that do not repeat within a chunk, so a chunk sent from a wrong offset changes the
/// digest.
fn layer_bytes() -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..LAYER)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// An image with one big layer at `src/big:v1`; returns the layer's digest.
fn seed_big_image(reg: &Registry) -> String {
    let s = Seeder::new(reg);
    let layer = layer_bytes();
    let layer_digest = s.blob("src/big", &layer);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    }))
    .unwrap();
    let config_digest = s.blob("src/big", &config);
    let mt = "application/vnd.oci.image.manifest.v1+json";
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": mt,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config.len(), "digest": config_digest},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": layer.len(), "digest": layer_digest}],
    }))
    .unwrap();
    s.manifest("src/big", "v1", mt, &manifest);
    layer_digest
}

fn env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("MANIFOLD_CHUNK_SIZE", CHUNK.to_string());
    env.set("MANIFOLD_TIMEOUT", "5");
    env
}

/// A source registry with the big image, a local list of it, and a destination behind a
/// fault proxy.
struct Fixture {
    _src: Registry,
    /// In front of the source, forwarding only: its log shows how the source was read.
    sproxy: FaultProxy,
    dst: Registry,
    proxy: FaultProxy,
    env: TestEnv,
    list: String,
    layer: String,
}

impl Fixture {
    fn start() -> Option<Fixture> {
        let src = Registry::start(Auth::None)?;
        let dst = Registry::start(Auth::None)?;
        let layer = seed_big_image(&src);
        let proxy = FaultProxy::in_front_of(&dst);
        let sproxy = FaultProxy::in_front_of(&src);
        let env = env();
        let list = format!("{}/copied/list:v1", proxy.host());
        env.manifold(&["create", &list, &format!("{}/src/big:v1", sproxy.host())])
            .success();
        Some(Fixture {
            _src: src,
            sproxy,
            dst,
            proxy,
            env,
            list,
            layer,
        })
    }

    /// `manifold push --yes --debug LIST PROXY/<repo>:v1`.
    fn push(&self, repo: &str) -> Output {
        let dest = format!("{}/{repo}:v1", self.proxy.host());
        self.env
            .manifold(&["push", "--yes", "--debug", &self.list, &dest])
    }

    /// The PATCHes of `repo`'s uploads, in order.
    fn patches(&self, repo: &str) -> Vec<Logged> {
        self.proxy
            .matching("PATCH", &format!("/v2/{repo}/blobs/uploads/"))
    }

    /// The blob as the destination registry serves it (not through the proxy).
    fn fetch(&self, repo: &str, digest: &str) -> Option<Vec<u8>> {
        let url = format!("{}/v2/{repo}/blobs/{digest}", self.dst.base_url());
        get(&url)
    }
}

fn get(url: &str) -> Option<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .header(
            "Accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
        )
        .call()
        .ok()?;
    if resp.status().as_u16() != 200 {
        return None;
    }
    resp.body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .ok()
}

/// `Content-Range: A-B` as (A, B).
fn content_range(l: &Logged) -> (u64, u64) {
    let v = l.header("content-range").expect("a PATCH's Content-Range");
    let (a, b) = v.split_once('-').expect("A-B");
    (a.parse().unwrap(), b.parse().unwrap())
}

/// The upload session a request went to (`/v2/<repo>/blobs/uploads/<uuid>`).
fn session(l: &Logged) -> String {
    l.path.split('?').next().unwrap().to_string()
}

fn sent_bytes(patches: &[Logged]) -> u64 {
    patches
        .iter()
        .map(|l| {
            l.header("content-length")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

fn assert_blob_is_the_layer(f: &Fixture, repo: &str) {
    let got = f
        .fetch(repo, &f.layer)
        .expect("the layer at the destination");
    assert_eq!(got.len() as u64, LAYER);
    assert_eq!(sha256(&got), f.layer);
}

#[test]
fn a_patch_broken_mid_body_continues_in_its_session_at_the_registrys_offset() {
    let Some(f) = Fixture::start() else { return };
    let repo = "copied/resumed";
    let uploads = format!("/v2/{repo}/blobs/uploads/");
    f.proxy
        .fault("PATCH", &uploads, When::Nth(2), Fault::ResetMidRequestBody);
    let out = f.push(repo);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.proxy.faults(), 1);

    let patches = f.patches(repo);
    let broken = patches.iter().position(|l| l.fault.is_some()).unwrap();
    assert_eq!(broken, 1, "{patches:#?}");
    assert_eq!(content_range(&patches[1]), (CHUNK, 2 * CHUNK - 1));
    // one session throughout: no new POST, every PATCH to the same upload
    let first = session(&patches[0]);
    assert!(patches.iter().all(|l| session(l) == first), "{patches:#?}");
    // after the broken PATCH: the status GET of the session, answered 204, then the next
    // PATCH from the offset the registry holds (the first chunk's end), not from 0
    let log = f.proxy.log();
    let at = log
        .iter()
        .position(|l| l.method == "PATCH" && l.fault.is_some())
        .unwrap();
    let status = log[at..]
        .iter()
        .position(|l| l.method == "GET" && session(l) == first)
        .map(|i| &log[at + i])
        .unwrap_or_else(|| panic!("a status GET after the broken PATCH: {log:#?}"));
    assert_eq!(status.status, 204, "{status:?}");
    assert!(status.at <= patches[2].at);
    assert_eq!(content_range(&patches[2]), (CHUNK, 2 * CHUNK - 1));
    // the rest in order, each chunk once
    let ranges: Vec<(u64, u64)> = patches[2..].iter().map(content_range).collect();
    let mut next = CHUNK;
    for (a, b) in &ranges {
        assert_eq!(*a, next, "{ranges:?}");
        next = b + 1;
    }
    assert_eq!(next, LAYER);
    // what went twice: the broken chunk only
    let resent = sent_bytes(&patches) - LAYER;
    assert_eq!(resent, CHUNK, "{ranges:?}");
    eprintln!("resumed at {CHUNK} of {LAYER} bytes; {resent} bytes sent again");
    // one debug line says so
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("* upload of"))
        .collect();
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(said[0].contains("continuing there"), "{}", said[0]);
    eprintln!("{}", said[0]);
    assert_eq!(
        f.proxy.count("POST", &uploads),
        2,
        "one session for the layer, one for the config: {log:#?}"
    );
    // the source was read again from the chunk's start with a Range GET
    let reads = f
        .sproxy
        .matching("GET", &format!("/v2/src/big/blobs/{}", f.layer));
    let ranges: Vec<Option<&str>> = reads.iter().map(|l| l.header("range")).collect();
    assert_eq!(ranges, vec![None, Some("bytes=65536-")], "{reads:#?}");
    assert_blob_is_the_layer(&f, repo);
    assert!(get(&format!("{}/v2/{repo}/manifests/v1", f.dst.base_url())).is_some());
}

#[test]
fn a_gone_session_starts_over_and_lasting_breaks_fail_with_one_line() {
    let Some(f) = Fixture::start() else { return };
    // the status GET answers 404: the session is gone, a new one is opened, sent from 0
    let repo = "copied/over";
    let uploads = format!("/v2/{repo}/blobs/uploads/");
    f.proxy
        .fault("PATCH", &uploads, When::Nth(2), Fault::ResetMidRequestBody)
        .fault("GET", &uploads, When::Nth(1), Fault::Status(404));
    let out = f.push(repo);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(f.proxy.faults(), 2, "{:#?}", f.proxy.log());
    let patches = f.patches(repo);
    let (old, new) = (session(&patches[0]), session(&patches[2]));
    assert_ne!(old, new, "a new session: {patches:#?}");
    assert_eq!(content_range(&patches[2]).0, 0);
    assert!(patches[2..].iter().all(|l| session(l) == new));
    assert_eq!(sent_bytes(&patches[2..]), LAYER);
    assert_eq!(f.proxy.count("POST", &uploads), 3, "{:#?}", f.proxy.log());
    assert!(
        out.stderr.lines().any(|l| l.contains("starting over")),
        "{}",
        out.stderr
    );
    assert_blob_is_the_layer(&f, repo);

    // every PATCH breaks: the retry count, then one line, exit 1, no tag written
    let repo = "copied/broken";
    let uploads = format!("/v2/{repo}/blobs/uploads/");
    f.proxy.clear();
    f.proxy.reset_log();
    f.proxy
        .fault("PATCH", &uploads, When::Always, Fault::ResetMidRequestBody);
    let dest = format!("{}/{repo}:v1", f.proxy.host());
    let out = f.env.manifold(&["push", "--yes", &f.list, &dest]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one clear line: {}", out.stderr);
    assert!(lines[0].contains(&f.proxy.host()), "{}", lines[0]);
    assert!(
        lines[0].contains("the connection broke 3 times") && !lines[0].contains("_state"),
        "{}",
        lines[0]
    );
    // tries (3) PATCHes, each at the first chunk, with the status asked between them
    let patches = f.patches(repo);
    assert_eq!(patches.len(), 3, "{patches:#?}");
    assert!(patches.iter().all(|l| content_range(l).0 == 0));
    assert_eq!(f.proxy.count("GET", &uploads), 2);
    assert!(get(&format!("{}/v2/{repo}/manifests/v1", f.dst.base_url())).is_none());
    assert!(f.fetch(repo, &f.layer).is_none());
    eprintln!("{}", lines[0]);
}

/// The same from an OCI layout folder: the layer is read again from its file.
#[test]
fn a_layout_source_is_read_again_from_where_the_registry_stands() {
    let Some(dst) = Registry::start(Auth::None) else {
        return;
    };
    let proxy = FaultProxy::in_front_of(&dst);
    let env = env();
    let dir = env.path("layout");
    manifold_tests::layout::write_layout(&dir, 1, |_| layer_bytes());
    let layer = sha256(&layer_bytes());
    let repo = "fromdisk/app";
    let uploads = format!("/v2/{repo}/blobs/uploads/");
    proxy.fault("PATCH", &uploads, When::Nth(3), Fault::ResetMidRequestBody);
    let dest = format!("{}/{repo}:v1", proxy.host());
    let src = format!("oci:{}:img0", dir.display());
    let list = format!("{}/fromdisk/list:v1", proxy.host());
    env.manifold(&["create", &list, &src]).success();
    let out = env.manifold(&["push", "--yes", &list, &dest]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let patches = proxy.matching("PATCH", &uploads);
    assert!(patches[2].fault.is_some(), "{patches:#?}");
    assert_eq!(content_range(&patches[3]), (2 * CHUNK, 3 * CHUNK - 1));
    assert!(patches.iter().all(|l| session(l) == session(&patches[0])));
    assert_eq!(sent_bytes(&patches) - LAYER, CHUNK);
    let got = get(&format!("{}/v2/{repo}/blobs/{layer}", dst.base_url())).expect("the layer");
    assert_eq!((got.len() as u64, sha256(&got)), (LAYER, layer));
}
