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
