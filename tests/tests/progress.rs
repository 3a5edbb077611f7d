//! The progress line: drawn on stderr under a terminal (a pseudo-terminal made by util-linux's
//! `script`), for a push's copies and mounts and for create's fetches, and cleared after; in a
//! pipe, or with `--quiet`, `--json` or `--debug`, none of it is written.

use std::path::Path;
use std::process::Stdio;

use manifold_tests::registry::is_ci;
use manifold_tests::seed::Format;
use manifold_tests::{manifold_bin, Auth, Registry, Seeder, TestEnv};

macro_rules! registry {
    () => {
        match Registry::start(Auth::None) {
            Some(r) => r,
            None => return,
        }
    };
}

/// `script` from util-linux, or `None` (a failure under CI=true).
fn script() -> Option<&'static Path> {
    let p = Path::new("/usr/bin/script");
    if p.exists() {
        return Some(p);
    }
    assert!(
        !is_ci(),
        "util-linux's script is needed for the terminal tests"
    );
    eprintln!("skipping: no /usr/bin/script");
    None
}

fn seed(reg: &Registry) -> Vec<String> {
    let s = Seeder::new(reg);
    s.image("src/a", Some("amd64"), "linux/amd64", Format::Docker, 41);
    s.image("src/b", Some("arm64"), "linux/arm64/v8", Format::Oci, 42);
    let h = reg.host();
    vec![format!("{h}/src/a:amd64"), format!("{h}/src/b:arm64")]
}

/// Runs `manifold ARGS` with stdout and stderr on a pseudo-terminal; returns what the terminal
/// received and the exit code.
fn on_terminal(env: &TestEnv, script: &Path, args: &[&str]) -> (String, i32) {
    let mut line = format!("'{}'", manifold_bin().display());
    for a in args {
        assert!(!a.contains('\''), "{a}");
        line.push_str(&format!(" '{a}'"));
    }
    let out = env
        .command(script)
        .args(["-qfec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    let code = out.status.code().unwrap_or(-1);
    (String::from_utf8_lossy(&out.stdout).into_owned(), code)
}

#[test]
fn a_push_draws_its_line_on_a_terminal_and_clears_it() {
    let reg = registry!();
    let Some(script) = script() else { return };
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", reg.host());
    env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]])
        .success();
    let (seen, code) = on_terminal(&env, script, &["push", &list]);
    assert_eq!(code, 0, "{seen}");
    // 4 blobs mounted and 2 manifests put: the last state is drawn, then the line is cleared
    // before docker's "Pushed ref" lines and the digest.
    assert!(
        seen.contains("\r\x1b[Kpushing: 6/6 blobs and manifests"),
        "{seen:?}"
    );
    let last_clear = seen.rfind("\r\x1b[K").unwrap();
    let after = &seen[last_clear + 4..];
    assert!(after.starts_with("Pushed ref "), "{seen:?}");
    assert!(after.trim_end().ends_with(|c: char| c.is_ascii_hexdigit()));
}

#[test]
fn create_counts_its_fetches_on_a_terminal() {
    let reg = registry!();
    let Some(script) = script() else { return };
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let (seen, code) = on_terminal(
        &env,
        script,
        &["create", "--insecure", "app", &srcs[0], &srcs[1]],
    );
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("fetching: 2/2 images"), "{seen:?}");
    assert!(
        seen.contains("Created manifest list docker.io/library/app:latest"),
        "{seen:?}"
    );
}

#[test]
fn nothing_of_it_in_a_pipe_or_with_quiet_json_or_debug() {
    let reg = registry!();
    let Some(script) = script() else { return };
    let srcs = seed(&reg);
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", reg.host());
    // Piped: stderr holds none of it, and stdout only the digest.
    let created = env.manifold(&["create", "--insecure", &list, &srcs[0], &srcs[1]]);
    created.success();
    assert!(!created.stderr.contains("fetching"), "{}", created.stderr);
    let piped = env.manifold(&["push", &list]);
    piped.success();
    assert_eq!(piped.stderr, "");
    assert!(!piped.stdout_str().contains("pushing"));
    // On a terminal, but asked for quiet, JSON or a request log.
    for flags in [&["--quiet"][..], &["--json"], &["--debug"]] {
        let mut args = vec!["push"];
        args.extend_from_slice(flags);
        args.push(&list);
        let (seen, code) = on_terminal(&env, script, &args);
        assert_eq!(code, 0, "{flags:?}: {seen}");
        assert!(!seen.contains("pushing:"), "{flags:?}: {seen:?}");
        assert!(!seen.contains("\x1b[K"), "{flags:?}: {seen:?}");
    }
    let (seen, code) = on_terminal(
        &env,
        script,
        &[
            "create",
            "--json",
            "--insecure",
            "other",
            &srcs[0],
            &srcs[1],
        ],
    );
    assert_eq!(code, 0, "{seen}");
    assert!(!seen.contains("fetching:"), "{seen:?}");
}
