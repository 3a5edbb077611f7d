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

/// `bash -c SCRIPT` in `env`, its stdout (panics on a failure).
fn bash(env: &TestEnv, script: &str) -> String {
    let out = env
        .command(std::path::Path::new("bash"))
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bash_completes_from_the_sourced_script() {
    let env = TestEnv::new();
    let bin = manifold_tests::manifold_bin();
    // Source the script, then do what bash does on TAB: set COMP_WORDS/COMP_CWORD and call
    // the function `complete -p manifold` names, with (command, word, previous word).
    let complete = |words: &[&str]| {
        let script = format!(
            "source <('{bin}' completion bash) || exit 1
             f=$(complete -p manifold | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
             COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
             COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}
             \"$f\" manifold \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bin = bin.display(),
            words = words.join(" ")
        );
        bash(&env, &script)
    };
    assert_eq!(complete(&["manifold", "manifest", "cr"]), "create\n");
    assert!(complete(&["manifold", "manifest", "create", "--am"]).contains("--amend\n"));
    let top = complete(&["manifold", "va"]);
    assert_eq!(top, "validate\n");
    // Every shell clap_complete knows gets a script that names the command.
    for shell in ["zsh", "fish", "powershell"] {
        let out = env.manifold(&["completion", shell]);
        out.success();
        assert!(out.stdout_str().contains("manifold"), "{shell}");
    }
    assert_eq!(env.manifold(&["completion", "tcsh"]).code, 2);
}

/// The first of `names` found on PATH.
fn which(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {n} >/dev/null")])
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|n| n.to_string())
}

#[test]
fn man_renders_the_generated_pages() {
    let env = TestEnv::new();
    let Some(tool) = which(&["man", "mandoc", "groff"]) else {
        assert!(
            std::env::var("CI").is_err(),
            "no man, mandoc or groff under CI (scripts/test installs man-db)"
        );
        eprintln!("skipped: no man, mandoc or groff");
        return;
    };
    let dir = env.path("man1");
    let out = env.manifold(&["man", dir.to_str().unwrap()]);
    out.success();
    let page = dir.join("manifold-manifest-create.1");
    let render = match tool.as_str() {
        "man" => "MANWIDTH=100 man -l",
        "mandoc" => "mandoc -T ascii",
        _ => "groff -man -T ascii -P -c -P -b -P -u",
    };
    let text = bash(&env, &format!("{render} '{}'", page.display()));
    assert!(text.contains("manifold-manifest-create"), "{text}");
    assert!(text.contains("-a, --amend"), "{text}");
    assert!(text.contains("Amend an existing manifest list"), "{text}");
    // The top page, on stdout, lists the commands.
    let top = env.manifold(&["man"]);
    top.success();
    let top_path = env.path("manifold.1");
    std::fs::write(&top_path, &top.stdout).unwrap();
    let text = bash(&env, &format!("{render} '{}'", top_path.display()));
    assert!(text.contains("manifold-validate"), "{text}");
    assert!(std::fs::read_dir(&dir).unwrap().count() > 10);
}

#[test]
fn help_names_the_arguments_as_docker_does_and_says_what_each_is() {
    let env = TestEnv::new();
    let out = env.manifold(&["manifest", "create", "--help"]);
    out.success();
    let help = out.stdout_str();
    assert!(
        help.contains("Usage: manifold manifest create [OPTIONS] <MANIFEST_LIST> [MANIFEST]...\n"),
        "{help}"
    );
    // Every argument and option of every command has a one-line description.
    for cmd in [
        "create",
        "add",
        "annotate",
        "inspect",
        "push",
        "rm",
        "remove",
        "exists",
        "ls",
        "validate",
        "digest",
        "completion",
        "man",
    ] {
        let out = env.manifold(&[cmd, "--help"]);
        out.success();
        let help = out.stdout_str();
        let mut section = "";
        for line in help.lines() {
            if line.ends_with(':') && !line.starts_with(' ') {
                section = line;
            } else if (section == "Arguments:" || section == "Options:")
                && line.starts_with("  ")
                && !line.starts_with("       ")
            {
                let name_and_text: Vec<&str> = line.trim().splitn(2, "  ").collect();
                assert!(
                    name_and_text.len() == 2 && !name_and_text[1].trim().is_empty(),
                    "{cmd} --help: no description for {line:?}"
                );
            }
        }
    }
    for (cmd, args) in [
        ("annotate", "<MANIFEST_LIST> [MANIFEST]"),
        ("inspect", "<MANIFEST_LIST> [MANIFEST]"),
        ("push", "<MANIFEST_LIST> [DESTINATION]"),
        ("exists", "<MANIFEST_LIST>"),
    ] {
        let help = env.manifold(&[cmd, "--help"]).stdout_str();
        assert!(help.contains(args), "{cmd}: {help}");
    }
}

#[test]
fn json_describes_the_list_and_its_digest_is_the_one_push_sends() {
    let env = TestEnv::new();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let layout = workspace.join("examples/layout");
    let src = |tag: &str| format!("oci:{}:{tag}", layout.display());
    let json = |args: &[&str]| -> serde_json::Value {
        let out = env.manifold(args);
        out.success();
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
    };
    let created = json(&["create", "--json", "app", &src("amd64"), &src("arm64")]);
    assert_eq!(created["name"], "docker.io/library/app:latest");
    let entries = created["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["source"], src("amd64").as_str());
    assert_eq!(entries[0]["platform"]["architecture"], "amd64");
    assert_eq!(entries[1]["platform"]["architecture"], "arm64");
    for e in entries {
        assert!(e["digest"].as_str().unwrap().starts_with("sha256:"));
        assert!(e["size"].as_u64().unwrap() > 0);
        assert_eq!(e["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    }

    let annotated = json(&[
        "annotate",
        "--json",
        "app",
        &src("arm64"),
        "--os-features",
        "f1",
    ]);
    assert_eq!(
        annotated["entries"][1]["platform"]["os.features"],
        serde_json::json!(["f1"])
    );
    assert_ne!(annotated["digest"], created["digest"]);
    let added = json(&["add", "--json", "app", &src("arm")]);
    assert_eq!(added["entries"].as_array().unwrap().len(), 3);

    // The digest and size are those of the bytes push sends.
    let out_dir = env.path("out");
    let out = env.manifold(&["push", "app", &format!("oci:{}:v1", out_dir.display())]);
    out.success();
    let pushed = out.stdout_str().trim().to_string();
    assert_eq!(added["digest"], pushed.as_str());
    let blob = out_dir
        .join("blobs/sha256")
        .join(&pushed["sha256:".len()..]);
    assert_eq!(
        added["size"].as_u64(),
        Some(std::fs::metadata(blob).unwrap().len())
    );

    let ls = json(&["ls", "--json"]);
    assert_eq!(
        ls,
        serde_json::json!([{
            "name": "docker.io/library/app:latest",
            "id": manifold_tests::seed::sha256(b"docker.io/library/app:latest")
                .trim_start_matches("sha256:"),
            "entries": 3,
            "mediaType": added["mediaType"],
            "digest": pushed,
            "size": added["size"],
        }])
    );
    assert_eq!(
        json(&["exists", "--json", "app"]),
        serde_json::json!({"name": "docker.io/library/app:latest", "exists": true})
    );
    let out = env.manifold(&["exists", "--json", "nope"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        serde_json::json!({"name": "docker.io/library/nope:latest", "exists": false})
    );
    // The same document in every personality: podman's would print a list ID otherwise.
    let podman = env.manifold(&[
        "--compat",
        "podman",
        "add",
        "--json",
        "docker.io/library/app",
        &src("windows"),
    ]);
    podman.success();
    let v: serde_json::Value = serde_json::from_slice(&podman.stdout).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 4);
}
