//! A wasmtime host for the manifold-plugin component: loads the built `.wasm`, calls every
//! function of `manifold:engine/validator` on the same documents as the native tests, and
//! asserts the answers equal the native engine's. Also shows what the component can reach:
//! its imports are only the wasi:cli/io/random interfaces Rust's std links in, and it runs
//! with a WASI context that grants nothing (no preopened directories, no sockets, no
//! environment, no arguments, no stdio).
//!
//! The component is taken from `MANIFOLD_PLUGIN_WASM` when set (scripts/test-wasm sets it),
//! else built here with `cargo build --profile wasm-release --target wasm32-wasip2` into a
//! target directory of its own. A missing component that cannot be built fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    additional_derives: [PartialEq, Eq],
});

use exports::manifold::engine::validator as wit;
use manifold_engine::validate::{self, DocumentKind, Severity};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixtures every wasm test uses: the repository's examples plus wasm/tests/fixtures.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = repo_root();
    let mut out = Vec::new();
    for dir in [root.join("examples"), root.join("wasm/tests/fixtures")] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let name = f.strip_prefix(&root).unwrap().display().to_string();
            out.push((name, std::fs::read(&f).unwrap()));
        }
    }
    assert!(out.len() >= 8, "fixtures missing: {out:?}");
    out
}

/// The component's path, built once per test binary.
fn component_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(p) = std::env::var_os("MANIFOLD_PLUGIN_WASM") {
            let p = PathBuf::from(p);
            assert!(p.is_file(), "MANIFOLD_PLUGIN_WASM={} does not exist", p.display());
            return p;
        }
        // Next to this test's own target directory (target/debug/deps/<exe> -> target), in a
        // directory of its own: the outer cargo holds the lock on the main one.
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().join("plugin-build");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(repo_root())
            .args([
                "build",
                "--locked",
                "--profile",
                "wasm-release",
                "--target",
                "wasm32-wasip2",
                "-p",
                "manifold-plugin",
                "--target-dir",
            ])
            .arg(&target)
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building the component failed; is the wasm32-wasip2 target installed? (scripts/test-wasm installs it)"
        );
        target.join("wasm32-wasip2/wasm-release/manifold_plugin.wasm")
    })
}

/// The store's state: a WASI context that grants nothing.
struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

struct Loaded {
    store: Store<Host>,
    plugin: Plugin,
}

fn engine_and_component() -> &'static (Engine, Component) {
    static LOADED: OnceLock<(Engine, Component)> = OnceLock::new();
    LOADED.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        let engine = Engine::new(&config).unwrap();
        let component = Component::from_file(&engine, component_path()).unwrap();
        (engine, component)
    })
}

fn load() -> Loaded {
    let (engine, component) = engine_and_component();
    let mut linker = Linker::<Host>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    // Nothing granted: no preopened directories, no network, no env, no args; stdio is
    // closed (reads see EOF, writes are dropped).
    let ctx = WasiCtxBuilder::new().build();
    let mut store = Store::new(
        engine,
        Host {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let plugin = Plugin::instantiate(&mut store, component, &linker).unwrap();
    Loaded { store, plugin }
}

/// The native engine's report, in the WIT's types.
fn native_report(bytes: &[u8], kind: DocumentKind) -> wit::Report {
    let r = validate::validate(bytes, kind);
    wit::Report {
        valid: r.valid,
        kind: r.kind.to_string(),
        media_type: r.media_type,
        digest: r.digest,
        size: r.size,
        problems: r
            .problems
            .into_iter()
            .map(|p| wit::Problem {
                path: p.path,
                message: p.message,
                severity: match p.severity {
                    Severity::Error => wit::Severity::Error,
                    Severity::Warning => wit::Severity::Warning,
                },
                span: p.span.map(|(s, e)| wit::Span {
                    start: s as u32,
                    end: e as u32,
                }),
            })
            .collect(),
        entries: r
            .entries
            .into_iter()
            .map(|e| wit::Entry {
                digest: e.digest,
                media_type: e.media_type,
                size: e.size,
                platform: e.platform.map(|p| wit::Platform {
                    os: p.os,
                    architecture: p.architecture,
                    variant: p.variant,
                    os_version: p.os_version,
                    os_features: p.os_features,
                    features: p.features,
                }),
            })
            .collect(),
    }
}

#[test]
fn validate_matches_the_native_engine_for_every_fixture_and_kind() {
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let mut compared = 0;
    for (name, bytes) in fixtures() {
        // No kind means auto.
        let got = v.call_validate(&mut l.store, &bytes, None).unwrap();
        assert_eq!(got, Ok(native_report(&bytes, DocumentKind::Auto)), "{name}");
        for kind in DocumentKind::ALL {
            let got = v
                .call_validate(&mut l.store, &bytes, Some(kind.as_str()))
                .unwrap();
            let want = native_report(&bytes, kind);
            assert_eq!(got, Ok(want), "{name} as {}", kind.as_str());
            compared += 1;
        }
    }
    eprintln!("compared {compared} reports with the native engine");
}

#[test]
fn reports_are_not_trivially_equal() {
    // Guard against comparing two empty answers: the fixtures include valid and invalid
    // documents, and problems carry spans.
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let bad = std::fs::read(repo_root().join("examples/invalid-index.json")).unwrap();
    let r = v.call_validate(&mut l.store, &bad, None).unwrap().unwrap();
    assert!(!r.valid && r.problems.len() >= 3, "{r:?}");
    assert!(r.problems.iter().all(|p| p.span.is_some()), "{r:?}");
    let good = std::fs::read(repo_root().join("examples/docker-list.json")).unwrap();
    let r = v.call_validate(&mut l.store, &good, None).unwrap().unwrap();
    assert!(r.valid, "{r:?}");
    assert_eq!(r.kind, "manifest-list");
    assert_eq!(r.entries.len(), 2);
}

#[test]
fn an_unknown_kind_is_an_error_value() {
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let e = v
        .call_validate(&mut l.store, b"{}", Some("helm-chart"))
        .unwrap()
        .unwrap_err();
    assert!(e.message.contains("helm-chart"), "{e:?}");
    assert!(e.hint.unwrap().contains("manifest-list"));
}

#[test]
fn digest_matches_the_native_engine() {
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    for (name, bytes) in fixtures() {
        let got = v.call_digest(&mut l.store, &bytes).unwrap();
        assert_eq!(
            got,
            manifold_engine::Digest::sha256(&bytes).to_string(),
            "{name}"
        );
    }
    let big = vec![b'x'; 3 << 20];
    assert_eq!(
        v.call_digest(&mut l.store, &big).unwrap(),
        manifold_engine::Digest::sha256(&big).to_string()
    );
}

#[test]
fn convert_matches_the_native_engine() {
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let mut converted = 0;
    for (name, bytes) in fixtures() {
        for to in ["oci", "docker", "v2s2", "tar"] {
            let got = v.call_convert(&mut l.store, &bytes, to).unwrap();
            match manifold_wasm::api::convert_bytes(&bytes, to) {
                Ok((out, losses)) => {
                    let got = got.unwrap_or_else(|e| panic!("{name} to {to}: {e:?}"));
                    assert_eq!(got.document, out, "{name} to {to}");
                    assert_eq!(
                        got.digest,
                        manifold_engine::Digest::sha256(&out).to_string()
                    );
                    let want: Vec<(String, String)> =
                        losses.into_iter().map(|l| (l.path, l.message)).collect();
                    let have: Vec<(String, String)> = got
                        .losses
                        .into_iter()
                        .map(|l| (l.path, l.message))
                        .collect();
                    assert_eq!(have, want, "{name} to {to}");
                    converted += 1;
                }
                Err(e) => {
                    let got = got.unwrap_err();
                    assert_eq!(got.message, e.message, "{name} to {to}");
                    assert_eq!(got.hint, e.hint, "{name} to {to}");
                }
            }
        }
    }
    assert!(converted >= 6, "only {converted} conversions succeeded");
}

#[test]
fn match_platform_matches_the_native_engine() {
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let mut found = 0;
    for (name, bytes) in fixtures() {
        for p in [
            "linux/amd64",
            "linux/arm64",
            "linux/arm64/v8",
            "linux/arm",
            "linux/arm/v6",
            "windows/amd64",
            "unknown/unknown",
            "linux",
            "",
        ] {
            let got = v.call_match_platform(&mut l.store, &bytes, p).unwrap();
            match manifold_wasm::api::match_platform_index(&bytes, p) {
                Ok((_, chosen)) => {
                    let want = chosen.ok().map(|i| i as u32);
                    found += usize::from(want.is_some());
                    assert_eq!(got, Ok(want), "{name} on {p}");
                }
                Err(e) => assert_eq!(got.unwrap_err().message, e.message, "{name} on {p}"),
            }
        }
    }
    assert!(found >= 4, "only {found} matches");
}

/// The component's imports, e.g. `wasi:io/streams@0.2.6`.
fn imports() -> Vec<String> {
    let (engine, component) = engine_and_component();
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn the_component_imports_no_filesystem_network_clock_or_http() {
    let imports = imports();
    eprintln!("component imports: {imports:#?}");
    // What Rust's std links into a wasm32-wasip2 cdylib: stdio and exit (panic messages),
    // environment (std's startup), io streams, and random (HashMap's RandomState seed).
    const ALLOWED: [&str; 4] = [
        "wasi:cli/",
        "wasi:io/",
        "wasi:random/insecure-seed@",
        "wasi:random/random@",
    ];
    for name in &imports {
        assert!(
            ALLOWED.iter().any(|a| name.starts_with(a)),
            "unexpected import {name}; the plugin must stay pure computation"
        );
        for forbidden in [
            "wasi:filesystem",
            "wasi:sockets",
            "wasi:http",
            "wasi:clocks",
        ] {
            assert!(!name.starts_with(forbidden), "{name}");
        }
    }
}

#[test]
fn works_with_nothing_granted_and_leaves_the_host_untouched() {
    // The store's WASI context has no preopened directory, so even a component that wanted
    // to open a file would find no directory to open it in; this one does not import the
    // filesystem interfaces at all (test above). Run every function through such a store
    // and check that the calls made no use of the context: nothing was written to stdio
    // (the context drops it anyway) and the resource table is still empty.
    let mut l = load();
    let v = l.plugin.manifold_engine_validator();
    let bytes = std::fs::read(repo_root().join("examples/oci-index.json")).unwrap();
    let r = v
        .call_validate(&mut l.store, &bytes, None)
        .unwrap()
        .unwrap();
    assert!(r.valid, "{r:?}");
    v.call_digest(&mut l.store, &bytes).unwrap();
    v.call_convert(&mut l.store, &bytes, "docker")
        .unwrap()
        .unwrap();
    v.call_match_platform(&mut l.store, &bytes, "linux/amd64")
        .unwrap()
        .unwrap();
    assert!(
        l.store.data_mut().table.is_empty(),
        "the component opened WASI resources"
    );
}

// --- manifold:engine/inspector -------------------------------------------------------------

use exports::manifold::engine::inspector as insp;
use manifold_engine::archive::layout::check_blobs;
use manifold_engine::Digest;

/// A one-file ustar archive (what an uncompressed layer is).
fn tar_with(path: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..path.len()].copy_from_slice(path.as_bytes());
    h[100..108].copy_from_slice(b"0000755\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..265].copy_from_slice(b"ustar\x0000");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

fn elf_header(machine: u16) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&machine.to_le_bytes());
    b
}

/// A two-platform list: the amd64 image ships an aarch64 nginx, the Entrypoints differ, and
/// the arm64 image's layer is not supplied. Returns (root, blobs).
fn inspected_list() -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let mut blobs = Vec::new();
    let mut put = |bytes: Vec<u8>| {
        let d = Digest::sha256(&bytes).to_string();
        let n = bytes.len();
        blobs.push((d.clone(), bytes));
        (d, n)
    };
    let mut entries = Vec::new();
    for (arch, entrypoint, machine, keep_layer) in [
        ("amd64", "/usr/sbin/nginx", 183u16, true),
        ("arm64", "/docker-entrypoint.sh", 183, false),
    ] {
        let layer = tar_with("usr/sbin/nginx", &elf_header(machine));
        let diff = Digest::sha256(&layer).to_string();
        let (ld, ln) = if keep_layer {
            put(layer)
        } else {
            (diff.clone(), layer.len())
        };
        let cfg = serde_json::to_vec(&serde_json::json!({
            "architecture": arch, "os": "linux", "config": {"Entrypoint": [entrypoint]},
            "rootfs": {"type": "layers", "diff_ids": [diff]}
        }))
        .unwrap();
        let (cd, cn) = put(cfg);
        let m = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ln}]
        }))
        .unwrap();
        let (md, mn) = put(m);
        entries.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn,
            "platform": {"os": "linux", "architecture": arch}
        }));
    }
    let root = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries
    }))
    .unwrap();
    (root, blobs)
}

#[test]
fn inspect_matches_the_native_check_and_compare() {
    let (root, blobs) = inspected_list();
    let mut l = load();
    let options = insp::Options {
        check_binaries: true,
        pull_layers: false,
        attestations: false,
    };
    let wit_blobs: Vec<insp::Blob> = blobs
        .iter()
        .map(|(d, b)| insp::Blob {
            digest: d.clone(),
            bytes: b.clone(),
        })
        .collect();
    let got = l
        .plugin
        .manifold_engine_inspector()
        .call_inspect(&mut l.store, "example/web:1", &root, &wit_blobs, options)
        .unwrap()
        .unwrap();

    let map = blobs
        .iter()
        .map(|(d, b)| (Digest::parse(d).unwrap(), b.clone()))
        .collect();
    let origin = manifold_engine::check::Origin {
        reference: "example/web:1".into(),
        ..Default::default()
    };
    let opts = manifold_engine::check::Options {
        check_binaries: true,
        ..Default::default()
    };
    let walk = check_blobs(root, origin, &map, opts);
    let report = walk.report();
    assert_eq!(
        got.report.json,
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert_eq!(got.report.lines, report.lines());
    assert_eq!(got.report.exit_code, 1);
    assert_eq!(got.report.verdict, "problems");
    // what a person would look for, in the plugin's own records
    assert!(
        got.report
            .findings
            .iter()
            .any(|f| f.severity == insp::Severity::Error
                && f.rule == "binary"
                && f.message
                    .contains("/usr/sbin/nginx is aarch64 in the linux/amd64 image")),
        "{:#?}",
        got.report.findings
    );
    let columns: Vec<_> = walk
        .images()
        .iter()
        .filter_map(manifold_engine::compare::Column::from_image)
        .collect();
    let c = manifold_engine::compare::compare(&columns, Default::default());
    assert_eq!(
        got.comparison.json,
        serde_json::to_string_pretty(&c).unwrap()
    );
    assert_eq!(got.comparison.columns, ["linux/amd64", "linux/arm64"]);
    let entry = got
        .comparison
        .rows
        .iter()
        .find(|r| r.label.starts_with("Entrypoint"))
        .expect("an Entrypoint row");
    assert!(entry.differs);
    assert_ne!(entry.values[0], entry.values[1]);
    assert!(
        got.comparison
            .table
            .iter()
            .all(|line| line.chars().count() <= 80),
        "{:#?}",
        got.comparison.table
    );
}

#[test]
fn inspect_refuses_a_blob_named_by_no_digest() {
    let (root, _) = inspected_list();
    let mut l = load();
    let options = insp::Options {
        check_binaries: false,
        pull_layers: false,
        attestations: false,
    };
    let bad = [insp::Blob {
        digest: "not-a-digest".into(),
        bytes: vec![1],
    }];
    let e = l
        .plugin
        .manifold_engine_inspector()
        .call_inspect(&mut l.store, "x", &root, &bad, options)
        .unwrap()
        .unwrap_err();
    assert!(e.message.contains("not-a-digest"), "{}", e.message);
}
