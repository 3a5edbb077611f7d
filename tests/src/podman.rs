//! The real podman 4.3, buildah 1.28 and skopeo 1.9 (Debian 12) in a throw-away environment, as
//! `peer/podman-env.sh` builds it: vfs storage, run root, tmp dir and network config under one
//! temp dir, the CONTAINERS_* variables pointing there, the test registries marked insecure,
//! an empty auth file. Every tool runs with a cleared environment (PATH, HOME and those
//! variables only), so nothing of the caller's configuration, credentials or proxies reaches
//! it. Without podman, buildah or skopeo a test is skipped, except with `CI=true` where that is
//! a failure (scripts/test installs them).
//!
//! One thing this cannot move: containers/image keeps root's blob-info cache in
//! /var/lib/containers/cache whatever the settings (no podman 4.3 flag moves it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env::Output;

/// A podman/buildah/skopeo environment of its own.
pub struct PodmanEnv {
    pub dir: tempfile::TempDir,
}

/// The path of `tool` (podman, buildah, skopeo): `MANIFOLD_<TOOL>_BIN`, else `/usr/bin/<tool>`.
/// `None` (after a SKIP note) when it is missing; a panic under CI=true.
pub fn tool(name: &str) -> Option<PathBuf> {
    let var = format!("MANIFOLD_{}_BIN", name.to_ascii_uppercase());
    let path = std::env::var_os(&var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("/usr/bin").join(name));
    if path.exists() {
        return Some(path);
    }
    if crate::registry::is_ci() {
        panic!(
            "{} is missing and CI=true: apt-get install podman buildah skopeo (scripts/test does)",
            path.display()
        );
    }
    eprintln!("SKIP: {} is not installed", path.display());
    None
}

/// True when podman, buildah and skopeo are all there (see [`tool`]).
pub fn available() -> bool {
    ["podman", "buildah", "skopeo"]
        .iter()
        .all(|t| tool(t).is_some())
}

impl PodmanEnv {
    /// A fresh environment trusting the plain-HTTP registries `insecure` (`host:port`).
    pub fn new(insecure: &[String]) -> PodmanEnv {
        let dir = tempfile::Builder::new()
            .prefix("manifold-podman.")
            .tempdir()
            .expect("temp dir");
        let root = dir.path();
        for sub in ["root", "runroot", "tmp", "networks", "home"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let p = |s: &str| root.join(s).display().to_string();
        std::fs::write(
            root.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\nrunroot = \"{}\"\ngraphroot = \"{}\"\n",
                p("runroot"),
                p("root")
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("containers.conf"),
            format!(
                "[engine]\ntmp_dir = \"{}\"\nevents_logger = \"none\"\n[network]\nnetwork_config_dir = \"{}\"\n",
                p("tmp"),
                p("networks")
            ),
        )
        .unwrap();
        let mut registries = String::from("unqualified-search-registries = []\n");
        for r in insecure {
            registries.push_str(&format!(
                "[[registry]]\nlocation = \"{r}\"\ninsecure = true\n"
            ));
        }
        std::fs::write(root.join("registries.conf"), registries).unwrap();
        std::fs::write(root.join("auth.json"), "{\"auths\": {}}\n").unwrap();
        PodmanEnv { dir }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// `tool ARGS` with nothing but this environment.
    pub fn command(&self, tool: &Path) -> Command {
        let mut c = Command::new(tool);
        c.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("HOME", self.path("home"))
            .env("TMPDIR", self.path("tmp"))
            .env("CONTAINERS_STORAGE_CONF", self.path("storage.conf"))
            .env("CONTAINERS_CONF", self.path("containers.conf"))
            .env("CONTAINERS_REGISTRIES_CONF", self.path("registries.conf"))
            .env("REGISTRY_AUTH_FILE", self.path("auth.json"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        c
    }

    /// Runs `name ARGS` (podman, buildah, skopeo); the tool must exist (see [`available`]).
    pub fn run(&self, name: &str, args: &[&str]) -> Output {
        let bin = tool(name).unwrap_or_else(|| panic!("{name} is not installed"));
        let out = self
            .command(&bin)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {name} {args:?}: {e}"));
        Output {
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    pub fn podman(&self, args: &[&str]) -> Output {
        self.run("podman", args)
    }

    pub fn buildah(&self, args: &[&str]) -> Output {
        self.run("buildah", args)
    }

    pub fn skopeo(&self, args: &[&str]) -> Output {
        self.run("skopeo", args)
    }
}

impl Drop for PodmanEnv {
    /// vfs leaves read-only folders behind; make them writable so the temp dir can go.
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A gzipped tar holding one small file, the same bytes for the same `seed` (`tar` and `gzip -n`
/// with fixed times and owners): a layer podman can really unpack.
pub fn real_layer(seed: u32) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), format!("hello {seed}\n")).unwrap();
    let tar = Command::new("tar")
        .args([
            "--sort=name",
            "--mtime=@0",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "-C",
        ])
        .arg(dir.path())
        .args(["-cf", "-", "hello.txt"])
        .output()
        .expect("run tar");
    assert!(tar.status.success(), "tar failed");
    let mut gz = Command::new("gzip")
        .args(["-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run gzip");
    use std::io::Write;
    gz.stdin.take().unwrap().write_all(&tar.stdout).unwrap();
    let out = gz.wait_with_output().unwrap();
    assert!(out.status.success(), "gzip failed");
    (tar.stdout, out.stdout)
}
