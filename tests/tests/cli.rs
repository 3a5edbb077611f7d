//! The command line as people meet it, through the built binary: strict personalities (a flag
//! only another tool has is an unknown flag, in this tool's words), output into a closed pipe,
//! shell completion sourced into bash itself, the generated man page rendered by `man`, and
//! `--help`.

use manifold_tests::TestEnv;

/// Every local list, as `manifold ls` prints them (one line each, header aside).
fn lists(env: &TestEnv) -> String {
    let out = env.manifold(&["ls"]);
    out.success();
    out.stdout_str()
}

#[test]
fn a_pack_flag_is_unknown_to_docker_and_creates_nothing() {
    let env = TestEnv::new();
    let before = lists(&env);
    let out = env.manifold(&["create", "--insecure", "-rf", "example.com/app:amd64"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr,
        "unknown shorthand flag: 'r' in -rf\n\n\
         Usage:  docker manifest create MANIFEST_LIST MANIFEST [MANIFEST...]\n\n\
         Run 'docker manifest create --help' for more information\n"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(lists(&env), before, "the failed create left a list");
    assert_eq!(env.manifold(&["exists", "example.com/app:amd64"]).code, 1);
    assert_eq!(env.manifold(&["exists", "f"]).code, 1);

    // The long form, and under `manifold manifest`, the same way.
    let out = env.manifold(&["manifest", "annotate", "l", "i", "--annotations", "k=v"]);
    assert_eq!(out.code, 125);
    assert!(
        out.stderr.starts_with("unknown flag: --annotations\n\nUsage:  docker manifest annotate [OPTIONS] MANIFEST_LIST MANIFEST\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn each_personality_refuses_what_its_tool_lacks() {
    let env = TestEnv::new();
    // podman has no push -v and says so as podman does.
    let out = env.manifold(&["--compat", "podman", "push", "-v", "l"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            125,
            "Error: unknown shorthand flag: 'v' in -v\nSee 'podman manifest push --help'\n"
        )
    );
    // pack has no --amend shorthand; its errors are `ERROR: ...`, exit 1.
    let out = env.manifold(&["--compat", "pack", "create", "-a", "l", "i"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "ERROR: unknown shorthand flag: 'a' in -a\n")
    );
    // What pack does have still parses under pack: -r takes a value, -f its format.
    let out = env.manifold(&[
        "--compat", "pack", "create", "-r", "x", "-f", "bogus", "l", "i",
    ]);
    assert!(
        !out.stderr.contains("unknown flag") && !out.stderr.contains("unknown shorthand"),
        "pack's own flags were refused: {}",
        out.stderr
    );
    // A flag no tool has reads as the personality's unknown flag too.
    let out = env.manifold(&["create", "--bogus", "x"]);
    assert_eq!(out.code, 125);
    assert!(
        out.stderr.starts_with("unknown flag: --bogus\n\n"),
        "{}",
        out.stderr
    );
}

/// An index whose report runs to megabytes: 3 problems for each of 20,000 entries.
fn big_invalid_index(env: &TestEnv) -> std::path::PathBuf {
    let entries = vec![serde_json::json!({"mediaType": "x"}); 20_000];
    let doc = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries,
    });
    let path = env.path("big.json");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    path
}

#[cfg(unix)]
#[test]
fn output_into_a_closed_pipe_ends_quietly_as_coreutils_does() {
    use std::os::unix::process::ExitStatusExt;
    let env = TestEnv::new();
    let big = big_invalid_index(&env);
    let big = big.to_str().unwrap();

    // A pipe whose reader is gone before manifold writes: every write fails with EPIPE.
    // validate writes its report in one go; digest prints with println!.
    for args in [vec!["validate", big], vec!["digest", big]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env
            .command(&manifold_tests::manifold_bin())
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?} should end as a writer killed by SIGPIPE: {:?}",
            out.status
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }

    // What a person types: the shell sees 141 from manifold, as from `cat`, and head's line.
    let script = format!(
        "'{bin}' validate '{big}' | head -n 1; echo \"status ${{PIPESTATUS[0]}}\"; \
         cat '{big}' '{big}' '{big}' | head -c 1 >/dev/null; echo \"cat ${{PIPESTATUS[0]}}\"",
        bin = manifold_tests::manifold_bin().display()
    );
    let out = env
        .command(std::path::Path::new("bash"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "$.manifests[0].digest: digest is required in a descriptor; expected algorithm:hex, e.g. sha256:<64 lower-case hex digits>\n\
         status 141\ncat 141\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
