//! Running the built `manifold` binary (and the docker CLI) with a throw-away HOME, so tests
//! never read or write the user's configuration.
//!
//! Which binary: `MANIFOLD_BIN` when set; otherwise `manifold` next to this test executable's
//! `deps/` folder (the same target directory and profile), built first — once per test
//! process — with `cargo build -p manifold --bin manifold`. `env!("CARGO_BIN_EXE_manifold")`
//! only exists inside the `manifold` crate, and a binary crate cannot be a dependency, so
//! building it here is what keeps `cargo test -p manifold-tests` from running a stale binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The path of a fresh `manifold` binary.
pub fn manifold_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("MANIFOLD_BIN") {
            return PathBuf::from(p);
        }
        let exe = std::env::current_exe().expect("test executable path");
        // <target>/<profile>/deps/<test>-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test executable lives in <target>/<profile>/deps")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&workspace)
            .args(["build", "--quiet", "-p", "manifold", "--bin", "manifold"])
            .env("CARGO_TARGET_DIR", &target_dir);
        // `cargo test` gives this process the tests crate's CARGO_MANIFEST_DIR, CARGO_PKG_* and
        // the like; some build scripts (ring's) rerun when those change, so a nested build that
        // inherited them would rebuild half the tree every time. Drop them.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("CARGO_MANIFEST_")
                || k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_BIN_")
                || k.starts_with("CARGO_CRATE_")
                || matches!(
                    k.as_str(),
                    "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR" | "CARGO_RUSTC_CURRENT_DIR"
                )
            {
                cmd.env_remove(&k);
            }
        }
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build -p manifold");
        assert!(status.success(), "cargo build -p manifold failed");
        let bin = profile_dir.join(format!("manifold{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Panics with everything printed unless the command succeeded.
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code,
            0,
            "command failed\nstdout: {}\nstderr: {}",
            self.stdout_str(),
            self.stderr
        );
        self
    }
}

/// A throw-away HOME with docker's and podman's config places, and a folder on PATH for
/// credential helpers.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// Extra environment for every command (set after the clean-up of the inherited one).
    pub vars: Vec<(String, String)>,
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("manifold-env.")
            .tempdir()
            .expect("temp dir");
        for sub in ["home", "docker", "xdg-runtime", "xdg-config", "bin"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        TestEnv {
            dir,
            vars: Vec::new(),
        }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// `$DOCKER_CONFIG` of the commands.
    pub fn docker_config_dir(&self) -> PathBuf {
        self.path("docker")
    }

    pub fn xdg_runtime_dir(&self) -> PathBuf {
        self.path("xdg-runtime")
    }

    /// A folder first on PATH (for `docker-credential-*` helpers).
    pub fn bin_dir(&self) -> PathBuf {
        self.path("bin")
    }

    pub fn set(&mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.vars
            .push((k.to_string(), v.as_ref().to_string_lossy().into_owned()));
        self
    }

    /// Writes `$DOCKER_CONFIG/config.json`.
    pub fn write_docker_config(&self, json: &serde_json::Value) {
        std::fs::write(
            self.docker_config_dir().join("config.json"),
            serde_json::to_vec_pretty(json).unwrap(),
        )
        .unwrap();
    }

    /// Writes an executable script into the PATH folder.
    pub fn write_script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.bin_dir().join(name);
        std::fs::write(&p, body).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        p
    }

    /// `program` in this environment: its own HOME, docker and XDG folders, the scripts of
    /// `bin_dir` first on PATH, the variables `set` gave; nothing of the caller's credentials,
    /// proxies, container or manifold settings.
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            let lower = k.to_ascii_lowercase();
            if k.starts_with("REGISTRY_")
                || k.starts_with("MANIFOLD_")
                || k.starts_with("DOCKER_")
                || k.starts_with("XDG_")
                || k.starts_with("SSL_CERT")
                || k.starts_with("CONTAINERS_")
                || lower.ends_with("_proxy")
            {
                c.env_remove(&k);
            }
        }
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("HOME", self.path("home"))
            .env("DOCKER_CONFIG", self.docker_config_dir())
            .env("XDG_RUNTIME_DIR", self.xdg_runtime_dir())
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("PATH", format!("{}:{path}", self.bin_dir().display()))
            .env("MANIFOLD_COMPAT", "docker");
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// Runs `manifold ARGS`.
    pub fn manifold(&self, args: &[&str]) -> Output {
        run(self.command(&manifold_bin()).args(args))
    }

    /// Runs the docker CLI (`DOCKER_BIN`, else `docker` on PATH) with this environment.
    /// `None` when there is no docker CLI.
    pub fn docker(&self, args: &[&str]) -> Option<Output> {
        let bin = std::env::var_os("DOCKER_BIN")
            .map(PathBuf::from)
            .or_else(|| {
                ["/usr/local/bin/docker", "/usr/bin/docker"]
                    .iter()
                    .map(PathBuf::from)
                    .find(|p| p.exists())
            })?;
        Some(run(self.command(&bin).args(args)))
    }
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Output {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}
