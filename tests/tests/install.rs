//! Installing as people install: `cargo install --path shim` gives a `manifold` that runs, and
//! a symlink to it named `docker` is the docker personality, as the README's Install section
//! says. The install reuses this test's target directory and profile (`--debug` unless the
//! tests run in release), so it links the binary already built instead of building again.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `<target>/<profile>` of this test executable (`<target>/<profile>/deps/<test>-<hash>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

#[test]
fn cargo_install_gives_a_working_manifold_and_symlinks_pick_the_personality() {
    let root = tempfile::tempdir().unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let profile = profile_dir();
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // The variables `cargo test` gives this process would make build scripts rerun (see
    // manifold_tests::env); the install sees what a person's shell has, plus the target
    // directory set below.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("CARGO_") && k != "CARGO_HOME" {
            cargo.env_remove(&k);
        }
    }
    cargo
        .current_dir(workspace)
        .args([
            "install",
            "--quiet",
            "--path",
            "shim",
            "--locked",
            "--offline",
        ])
        .arg("--root")
        .arg(root.path())
        .env("CARGO_TARGET_DIR", profile.parent().unwrap());
    if profile.file_name().is_none_or(|n| n != "release") {
        cargo.arg("--debug");
    }
    let status = cargo.status().expect("run cargo install");
    assert!(status.success(), "cargo install --path shim failed");
    let bin = root.path().join("bin").join("manifold");
    assert!(bin.exists(), "cargo install put no {}", bin.display());

    let env = manifold_tests::TestEnv::new();
    let run = |program: &Path, args: &[&str]| {
        let out = env
            .command(program)
            .env_remove("MANIFOLD_COMPAT")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, _) = run(&bin, &["--version"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, format!("manifold {}\n", env!("CARGO_PKG_VERSION")));
    // It does its job: the example layout's index digests and validates.
    let index = workspace.join("examples/layout/index.json");
    let (code, stdout, stderr) = run(&bin, &["validate", index.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(": valid index"), "{stdout}");

    // The README's symlinks: named docker it is docker, named podman podman.
    let docker = root.path().join("bin/docker");
    let podman = root.path().join("bin/podman");
    std::os::unix::fs::symlink(&bin, &docker).unwrap();
    std::os::unix::fs::symlink(&bin, &podman).unwrap();
    let (code, _, stderr) = run(&docker, &["manifest", "create", "--insecure", "-rf", "x"]);
    assert_eq!(code, Some(125));
    assert!(
        stderr.starts_with("unknown shorthand flag: 'r' in -rf\n\nUsage:  docker manifest create"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&podman, &["manifest", "exists", "nothere"]);
    assert_eq!((code, stderr.as_str()), (Some(1), ""));
    let (code, _, stderr) = run(&podman, &["manifest", "push", "-v", "x"]);
    assert_eq!(code, Some(125));
    assert!(
        stderr.starts_with("Error: unknown shorthand flag: 'v'"),
        "{stderr}"
    );
}
