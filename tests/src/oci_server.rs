//! A second registry implementation: ferro-oci-server (a Rust OCI distribution-spec 1.1
//! registry with the referrers API and the `OCI-Subject` header, which distribution 2.8 lacks),
//! on 127.0.0.1 with a free port and temp storage, stopped on drop. `scripts/test` installs it
//! with `cargo install ferro-oci-server`.
//!
//! It is returned as a [`Registry`] (anonymous plain HTTP), so the seeder and every helper work
//! on it as on distribution. Its metadata (tags, manifests, referrers) lives in memory: each
//! start is empty.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::registry::{free_port, is_ci, Registry};

/// The binary: `MANIFOLD_OCI_SERVER_BIN`, else `ferro-oci-server` in cargo's bin folder, else
/// on `PATH`.
pub fn oci_server_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MANIFOLD_OCI_SERVER_BIN") {
        return Some(PathBuf::from(p));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(p) = cargo_home.map(|h| h.join("bin/ferro-oci-server")) {
        if p.exists() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("ferro-oci-server"))
            .find(|p| p.exists())
    })
}

/// Starts ferro-oci-server, or returns `None` (with a note) when it is not installed and this
/// is not CI. Under `CI=true` a missing server panics.
pub fn start_oci_server() -> Option<Registry> {
    let Some(bin) = oci_server_bin() else {
        if is_ci() {
            panic!("ferro-oci-server is missing and CI=true: cargo install ferro-oci-server (scripts/test does)");
        }
        eprintln!("SKIP: ferro-oci-server is not installed (cargo install ferro-oci-server)");
        return None;
    };
    let mut last = String::new();
    // A port picked free can be taken before the server binds it: try a few.
    for _ in 0..3 {
        match try_start(&bin) {
            Ok(r) => return Some(r),
            Err(e) => last = e,
        }
    }
    panic!("ferro-oci-server did not start: {last}");
}

fn try_start(bin: &std::path::Path) -> Result<Registry, String> {
    let dir = tempfile::Builder::new()
        .prefix("manifold-oci-server.")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let storage = dir.path().join("storage");
    std::fs::create_dir_all(&storage).map_err(|e| e.to_string())?;
    let port = free_port();
    let log = dir.path().join("server.log");
    let logf = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .env("FERRO_OCI_LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRO_OCI_STORAGE_DIR", &storage)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(logf.try_clone().map_err(|e| e.to_string())?)
        .stderr(logf)
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
    Registry::adopt(port, dir, child, log)
}
