//! What every benchmark binary needs around its measurements: its own manifold build, the
//! peers' versions for the report's header, medians, a shell line, and a usage exit.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints `msg` (a usage or setup problem) and exits 2.
pub fn die(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(2);
}

/// The workspace this bench belongs to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds `manifold` in the calling binary's profile (and target dir) and returns its path, so
/// a release bench measures a release build.
pub fn build_manifold() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let profile_dir = exe.parent().expect("profile dir").to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--quiet", "-p", "manifold", "--bin", "manifold"])
        .env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target dir"),
        );
    if release {
        cmd.arg("--release");
    } else {
        eprintln!(
            "note: not a release build; use `cargo run --release` for figures that mean anything"
        );
    }
    assert!(
        cmd.status().expect("cargo build").success(),
        "cargo build -p manifold failed"
    );
    profile_dir.join("manifold")
}

/// The median (the mean of the middle two for an even count; NaN for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The first line `bin args` prints (a version), `?` when it cannot be run.
pub fn tool_version(bin: &Path, args: &[&str]) -> String {
    Command::new(bin)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "?".into())
}

/// What `sh -c cmd` prints, trimmed (empty when it cannot be run).
pub fn sh(cmd: &str) -> String {
    Command::new("sh")
        .args(["-c", cmd])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
