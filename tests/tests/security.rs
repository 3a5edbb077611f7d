//! Security (issue 8): no credential over plain HTTP to a host that is not loopback unless
//! `--insecure`; no `Authorization` across a redirect to another host, nor to an upload
//! Location on another host (Basic and Bearer); no secret in any output, `--debug` included;
//! the local store cannot be escaped by a crafted list name or a hand-edited `index.json`.
//! (A loopback registry with an untrusted certificate: `tls_self_signed_refused_*` in
//! registry.rs.)
//!
//! A name that is not loopback but reaches 127.0.0.1 comes from `MANIFOLD_RESOLVE`
//! (HOST:PORT:ADDRESS, curl's `--resolve`): only the dialled address changes, the client's
//! rules still see the name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use manifold_tests::fault::{snapshot, Capture, CaptureReply, Fault, FaultProxy, Logged, When};
use manifold_tests::seed::Format;
use manifold_tests::{Auth, Output, Registry, Seeder, TestEnv, PASSWORD, USER};

macro_rules! registry {
    ($auth:expr) => {
        match Registry::start($auth) {
            Some(r) => r,
            None => return,
        }
    };
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn creds() -> String {
    format!("{USER}:{PASSWORD}")
}

fn with_auth(log: &[Logged]) -> Vec<&Logged> {
    log.iter()
        .filter(|l| l.header("authorization").is_some())
        .collect()
}

// ---- plain HTTP ------------------------------------------------------------------------------

#[test]
fn no_credential_over_plain_http_to_a_non_loopback_name_without_insecure() {
    let reg = registry!(Auth::Basic);
    Seeder::new(&reg).image("priv/app", Some("v1"), "linux/amd64", Format::Docker, 1);
    let proxy = FaultProxy::in_front_of(&reg);
    let host = format!("registry.test:{}", proxy.port);
    let mut env = TestEnv::new();
    env.set("MANIFOLD_RESOLVE", format!("{host}:127.0.0.1"));
    // the credential also in config.json, as `docker login` leaves it
    env.write_docker_config(&serde_json::json!({
        "auths": {host.clone(): {"auth": b64(&creds())}}
    }));
    let image = format!("{host}/priv/app:v1");
    let list = format!("{host}/dst/app:v1");
    let c = creds();
    for args in [
        vec!["inspect", "--creds", &c, &image],
        vec!["inspect", &image],
        vec!["create", "--creds", &c, &list, &image],
        vec!["create", &list, &image],
    ] {
        let out = env.manifold(&args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("{host} speaks plain HTTP only"))
                && out.stderr.contains("--insecure"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let log = proxy.log();
    assert!(
        with_auth(&log).is_empty(),
        "a credential went out: {log:#?}"
    );
    assert!(
        log.iter().all(|l| l.path == "/v2/"),
        "only the probe that tells it speaks HTTP: {log:#?}"
    );
    // with --insecure the same commands work, with the credential
    env.manifold(&["inspect", "--insecure", &image]).success();
    env.manifold(&["create", "--insecure", &list, &image])
        .success();
    assert!(
        with_auth(&proxy.log())
            .iter()
            .any(|l| l.header("authorization") == Some(&format!("Basic {}", b64(&creds())))),
        "{:#?}",
        proxy.log()
    );
    // push: refused without --insecure before any credential is sent, then done with it
    proxy.reset_log();
    let out = env.manifold(&["push", &list]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("speaks plain HTTP only"),
        "{}",
        out.stderr
    );
    assert!(with_auth(&proxy.log()).is_empty(), "{:#?}", proxy.log());
    env.manifold(&["push", "--insecure", &list]).success();
}

/// A token realm over plain HTTP on a host that is not loopback gets no credential (the
/// registry itself is on loopback, so talking to it over HTTP is fine).
#[test]
fn no_credential_to_a_plain_http_token_realm_that_is_not_loopback() {
    let reg = registry!(Auth::Token);
    Seeder::new(&reg).image("tok/app", Some("v1"), "linux/amd64", Format::Docker, 1);
    let token = reg.token.as_ref().unwrap();
    // the realm's far end: records headers and passes the request on to the token server
    let upstream = format!("http://127.0.0.1:{}", token.port);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let realm = Capture::start(move |req, _| {
        let mut r = agent.get(format!("{upstream}{}", req.path));
        if let Some(a) = req.header("authorization") {
            r = r.header("Authorization", a);
        }
        match r.call() {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let body = resp.body_mut().read_to_vec().unwrap_or_default();
                let mut reply = CaptureReply::new(status, body);
                reply
                    .headers
                    .push(("content-type".into(), "application/json".into()));
                reply
            }
            Err(e) => CaptureReply::new(502, e.to_string().into_bytes()),
        }
    });
    let proxy = FaultProxy::in_front_of(&reg);
    let realm_host = format!("tokens.test:{}", realm.port);
    proxy.rewrite_headers(&token.realm(), &format!("http://{realm_host}/token"));
    let mut env = TestEnv::new();
    env.set("MANIFOLD_RESOLVE", format!("{realm_host}:127.0.0.1"));
    let image = format!("{}/tok/app:v1", proxy.host());
    let out = env.manifold(&["inspect", "--creds", &creds(), &image]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("unauthorized"), "{}", out.stderr);
    let log = realm.log();
    assert!(!log.is_empty(), "the realm was asked (anonymously)");
    assert!(with_auth(&log).is_empty(), "{log:#?}");
    assert!(log.iter().all(|l| !l.path.contains("account=")), "{log:#?}");
    // --insecure allows it
    env.manifold(&["inspect", "--insecure", "--creds", &creds(), &image])
        .success();
    assert!(!with_auth(&realm.log()).is_empty(), "{:#?}", realm.log());
}

// ---- redirects and upload locations ---------------------------------------------------------------

/// A 307 from the registry (127.0.0.1:P) to storage on another host (localhost:C): the
/// redirected request carries no Authorization, with Basic and with Bearer auth.
#[test]
fn no_authorization_across_a_redirect_to_another_host() {
    for auth in [Auth::Basic, Auth::Token] {
        let reg = registry!(auth);
        Seeder::new(&reg).image("priv/app", Some("v1"), "linux/amd64", Format::Docker, 1);
        let proxy = FaultProxy::in_front_of(&reg);
        let storage = Capture::blob_store(&reg);
        proxy.fault(
            "GET",
            "/v2/priv/app/blobs/",
            When::Always,
            Fault::Redirect(storage.localhost_url()),
        );
        let env = TestEnv::new();
        let image = format!("{}/priv/app:v1", proxy.host());
        // create reads the image's config: a blob GET, redirected to the storage host
        env.manifold(&[
            "create",
            "--creds",
            &creds(),
            &format!("{}/dst/app:v1", proxy.host()),
            &image,
        ])
        .success();
        let scheme = if auth == Auth::Basic {
            "Basic "
        } else {
            "Bearer "
        };
        let to_registry = proxy.matching("GET", "/v2/priv/app/blobs/");
        assert!(
            !to_registry.is_empty()
                && to_registry.iter().all(|l| l
                    .header("authorization")
                    .is_some_and(|a| a.starts_with(scheme))),
            "{auth:?}: the registry got the credential: {to_registry:#?}"
        );
        let redirected = storage.log();
        assert!(
            !redirected.is_empty(),
            "{auth:?}: the redirect was followed"
        );
        assert!(
            with_auth(&redirected).is_empty(),
            "{auth:?}: Authorization crossed hosts: {redirected:#?}"
        );
        // a manifest redirected elsewhere: not followed with the credential either
        proxy.clear();
        proxy.fault(
            "GET",
            "/v2/priv/app/manifests/",
            When::Always,
            Fault::Redirect(storage.localhost_url()),
        );
        let out = env.manifold(&["inspect", "--creds", &creds(), &image]);
        assert_eq!(out.code, 1);
        let redirected = storage.log();
        assert!(redirected.iter().any(|l| l.path.contains("/manifests/")));
        assert!(with_auth(&redirected).is_empty(), "{redirected:#?}");
    }
}

/// An upload session whose Location is on another host gets the blob but not the credential.
#[test]
fn no_authorization_to_an_upload_location_on_another_host() {
    let reg = registry!(Auth::Basic);
    Seeder::new(&reg).image("priv/app", Some("v1"), "linux/amd64", Format::Docker, 1);
    // two names for one registry, so a push from one to the other copies blobs
    let from = FaultProxy::in_front_of(&reg);
    let to = FaultProxy::in_front_of(&reg);
    let elsewhere = Capture::start(|_, _| CaptureReply::new(404, b"no such upload".to_vec()));
    to.fault(
        "POST",
        "/v2/dst/app/blobs/uploads/",
        When::Always,
        Fault::MoveLocation(elsewhere.localhost_url()),
    );
    let env = TestEnv::new();
    let list = format!("{}/dst/app:v1", to.host());
    env.manifold(&[
        "create",
        "--creds",
        &creds(),
        &list,
        &format!("{}/priv/app:v1", from.host()),
    ])
    .success();
    let out = env.manifold(&["push", "--yes", "--creds", &creds(), &list]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!with_auth(&to.matching("POST", "/v2/dst/app/blobs/uploads/")).is_empty());
    let uploads = elsewhere.log();
    assert!(
        uploads.iter().any(|l| l.method == "PUT"),
        "the blob went to the Location: {uploads:#?}"
    );
    assert!(
        with_auth(&uploads).is_empty(),
        "the credential followed the Location: {uploads:#?}"
    );
}

// ---- no secret in any output -----------------------------------------------------------------------

/// Every secret a run may hold: the password, the Basic header value, a config.json `auth`,
/// an identity token, and any JWT (the token server's tokens start with `eyJ`).
fn assert_no_secret(out: &Output, what: &str, extra: &[&str]) {
    let text = format!("{}\n{}", out.stdout_str(), out.stderr);
    let mut secrets = vec![
        PASSWORD.to_string(),
        b64(&creds()),
        "eyJ".to_string(),
        IDENTITY_TOKEN.to_string(),
    ];
    secrets.extend(extra.iter().map(|s| s.to_string()));
    for s in secrets {
        assert!(
            !text.contains(&s),
            "{what}: printed the secret {s:?}:\n{text}"
        );
    }
}

const IDENTITY_TOKEN: &str = "idtok-9f8e7d-SECRET";

#[test]
fn no_secret_in_any_output_debug_included() {
    let basic = registry!(Auth::Basic);
    let token = registry!(Auth::Token);
    for reg in [&basic, &token] {
        let s = Seeder::new(reg);
        s.image("sec/a", Some("v1"), "linux/amd64", Format::Docker, 1);
        s.image("sec/b", Some("v1"), "linux/arm64/v8", Format::Oci, 2);
    }
    let broken = FaultProxy::in_front_of(&basic);
    broken.fault("*", "/v2/sec/", When::Always, Fault::Status(500));
    let wrong = "Wr0ng-pass-77";
    let wrong_creds = format!("{USER}:{wrong}");
    let extra = [wrong, &b64(&wrong_creds)];
    for (i, reg_host) in [basic.host(), token.host(), broken.host()]
        .iter()
        .enumerate()
    {
        for source in ["flag", "config"] {
            let env = TestEnv::new();
            let mut cred_args: Vec<String> = Vec::new();
            if source == "flag" {
                cred_args = vec!["--creds".into(), creds()];
            } else {
                env.write_docker_config(&serde_json::json!({
                    "auths": {reg_host.clone(): {"auth": b64(&creds())}}
                }));
            }
            let a = format!("{reg_host}/sec/a:v1");
            let b = format!("{reg_host}/sec/b:v1");
            let list = format!("{reg_host}/sec/list:v1");
            for debug in [false, true] {
                let mut runs: Vec<Vec<String>> = vec![
                    vec!["create".into(), list.clone(), a.clone()],
                    vec!["add".into(), list.clone(), b.clone()],
                    vec!["inspect".into(), list.clone()],
                    vec!["inspect".into(), "-v".into(), a.clone()],
                    vec!["push".into(), list.clone()],
                    vec![
                        "push".into(),
                        list.clone(),
                        format!("{reg_host}/sec/other:v1"),
                    ],
                    vec!["inspect".into(), format!("{reg_host}/sec/nothing:v1")],
                    vec!["rm".into(), list.clone()],
                ];
                for r in runs.iter_mut().filter(|r| r[0] != "rm") {
                    let at = 1;
                    for (k, c) in cred_args.iter().enumerate() {
                        r.insert(at + k, c.clone());
                    }
                    if debug {
                        r.insert(1, "--debug".into());
                    }
                }
                // a wrong password, said back as an error
                runs.push(vec![
                    "inspect".into(),
                    "--debug".into(),
                    "--creds".into(),
                    wrong_creds.clone(),
                    a.clone(),
                ]);
                for r in &runs {
                    let args: Vec<&str> = r.iter().map(String::as_str).collect();
                    let out = env.manifold(&args);
                    assert_no_secret(&out, &format!("registry {i} {source}: {args:?}"), &extra);
                    if debug && i < 2 && args[0] == "inspect" && args.contains(&"-v") {
                        assert!(
                            out.stderr.contains("<redacted>"),
                            "the debug log shows where a secret was: {}",
                            out.stderr
                        );
                    }
                }
            }
        }
    }
    // an identity token (refresh token) in config.json, sent to the token realm by POST
    let env = TestEnv::new();
    env.write_docker_config(&serde_json::json!({
        "auths": {token.host(): {"identitytoken": IDENTITY_TOKEN}}
    }));
    for args in [
        vec!["inspect", "--debug", "-v"],
        vec!["create", "--debug"],
        vec!["inspect"],
    ] {
        let mut args = args.clone();
        let list = format!("{}/sec/idt:v1", token.host());
        let a = format!("{}/sec/a:v1", token.host());
        if args[0] == "create" {
            args.push(&list);
        }
        args.push(&a);
        let out = env.manifold(&args);
        assert_no_secret(&out, &format!("identity token: {args:?}"), &extra);
    }
}

// ---- the store cannot be escaped -----------------------------------------------------------------

fn example_layout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/layout")
}

fn store_root(env: &TestEnv) -> PathBuf {
    env.path("home/.local/share/manifold")
}

/// Every file of the whole test folder (HOME and all) outside the store's own lists/ and
/// locks/ folders, and every path inside them: what a command wrote where.
fn outside(env: &TestEnv) -> HashMap<PathBuf, Vec<u8>> {
    let mut s = snapshot(env.dir.path());
    let store = store_root(env)
        .strip_prefix(env.dir.path())
        .unwrap()
        .to_path_buf();
    s.retain(|p, _| !p.starts_with(store.join("lists")) && !p.starts_with(store.join("locks")));
    s
}

/// Paths under the store are one folder (or lock file) per list, directly under lists/.
fn assert_store_shape(env: &TestEnv) {
    let root = store_root(env);
    for p in snapshot(&root).keys() {
        let mut parts = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let top = parts.next().unwrap();
        let name = parts.next().unwrap_or_default();
        assert!(top == "lists" || top == "locks", "{}", p.display());
        assert!(
            !name.is_empty() && name != ".." && name != "." && !name.contains('/'),
            "{}",
            p.display()
        );
        let canon = std::fs::canonicalize(root.join(p)).unwrap();
        assert!(canon.starts_with(std::fs::canonicalize(&root).unwrap()));
    }
}

#[test]
fn crafted_list_names_stay_inside_the_store() {
    let layout = example_layout();
    let image = format!("oci:{}:amd64", layout.display());
    let env = TestEnv::new();
    // a file beside the store that a traversal would reach
    let planted = store_root(&env).parent().unwrap().join("x");
    std::fs::create_dir_all(planted.parent().unwrap()).unwrap();
    std::fs::write(&planted, b"planted").unwrap();
    let before = outside(&env);
    let names = [
        "../x",
        "../../x",
        "..",
        ".",
        "/abs/path",
        "/tmp/manifold-escape",
        "%2F..%2Fx",
        "..%2F..%2Fx",
        "a/../../b",
        "localhost/../../x:v1",
        "localhost/..%2F..%2Fx:v1",
        "x/..",
        "foo:v1/../..",
        "~/x",
        ".hidden",
        "a\\..\\..\\b",
        "localhost:5000/a/b:../../c",
        "registry.example.com/a@sha256:../../x",
    ];
    for compat in ["docker", "podman", "pack"] {
        for name in names {
            for args in [
                vec!["--compat", compat, "create", name, &image],
                vec!["--compat", compat, "add", name, &image],
                vec![
                    "--compat",
                    compat,
                    "annotate",
                    name,
                    &image,
                    "--annotation",
                    "a=b",
                ],
                vec!["--compat", compat, "inspect", name],
                vec!["--compat", compat, "exists", name],
                vec!["--compat", compat, "rm", name],
            ] {
                let out = env.manifold(&args);
                assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
                assert_eq!(outside(&env), before, "{args:?} wrote outside the store");
                assert_store_shape(&env);
            }
        }
    }
    assert!(!Path::new("/tmp/manifold-escape").exists());
    assert!(!Path::new("/abs").exists());
    assert_eq!(std::fs::read(&planted).unwrap(), b"planted");
}

/// The one list folder of a store with one list.
fn only_list_dir(env: &TestEnv) -> PathBuf {
    let lists: Vec<PathBuf> = std::fs::read_dir(store_root(env).join("lists"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(lists.len(), 1, "{lists:?}");
    lists[0].clone()
}

#[test]
fn a_hand_edited_index_json_cannot_reach_outside_the_store() {
    let layout = example_layout();
    let image = format!("oci:{}:amd64", layout.display());
    let other = format!("oci:{}:arm64", layout.display());
    for crafted in [
        "sha256:../../x",
        "sha256:../../../../../../../../etc/passwd",
        "sha256:/etc/passwd",
        "sha256:..%2F..%2Fx",
        "../../x:abc",
        "/etc:passwd",
        "sha256:....",
        "sha256:..",
    ] {
        let env = TestEnv::new();
        let name = "localhost/escape/app:v1";
        env.manifold(&["create", name, &image]).success();
        let dir = only_list_dir(&env);
        // what a traversal from blobs/sha256/ would find: valid JSON that would pass for a list
        let marker = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"planted":"OUTSIDE"}}"#;
        for p in [
            dir.join("x"),
            dir.parent().unwrap().join("x"),
            store_root(&env).join("x"),
        ] {
            std::fs::write(p, marker).unwrap();
        }
        let index_path = dir.join("index.json");
        let mut index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
        index["manifests"][0]["digest"] = crafted.into();
        index["manifests"][0]["size"] = marker.len().into();
        std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
        let before = snapshot(env.dir.path());
        let dest = env.path("out-layout");
        let dest_arg = format!("oci:{}", dest.display());
        for args in [
            vec!["inspect", name],
            vec!["inspect", "--raw", name],
            vec!["add", name, &other],
            vec!["annotate", name, &image, "--annotation", "a=b"],
            vec!["annotate", "--index", name, "--annotation", "a=b"],
            vec!["push", name, &dest_arg],
            vec!["--compat", "podman", "inspect", name],
        ] {
            let out = env.manifold(&args);
            assert_ne!(
                out.code,
                0,
                "{crafted}: {args:?} accepted it: {}",
                out.stdout_str()
            );
            assert!(
                !out.stdout_str().contains("OUTSIDE") && !out.stderr.contains("OUTSIDE"),
                "{crafted}: {args:?} read outside: {}",
                out.stderr
            );
            assert!(
                out.stderr.contains("damaged") && out.stderr.contains("manifold rm"),
                "{crafted}: {args:?}: {}",
                out.stderr
            );
            let lines = out.stderr.lines().filter(|l| !l.is_empty()).count();
            assert_eq!(lines, 1, "{crafted}: one line: {}", out.stderr);
            assert_eq!(
                snapshot(env.dir.path()),
                before,
                "{crafted}: {args:?} wrote"
            );
        }
        // rm refuses it as damaged (docker's rule), or removes exactly its folder and the pool
        // copies (`blobs/` of the store) that only its folder linked to: never more.
        let only_ours: Vec<PathBuf> = {
            use std::os::unix::fs::MetadataExt;
            let pool = store_root(&env).join("blobs/sha256");
            let ours: Vec<u64> = std::fs::read_dir(dir.join("blobs/sha256"))
                .map(|rd| rd.flatten().map(|f| f.metadata().unwrap().ino()).collect())
                .unwrap_or_default();
            std::fs::read_dir(&pool)
                .map(|rd| {
                    rd.flatten()
                        .filter(|f| {
                            let m = f.metadata().unwrap();
                            m.nlink() == 2 && ours.contains(&m.ino())
                        })
                        .map(|f| f.path().strip_prefix(env.dir.path()).unwrap().to_path_buf())
                        .collect()
                })
                .unwrap_or_default()
        };
        let out = env.manifold(&["rm", name]);
        let rel = |p: &Path| p.strip_prefix(env.dir.path()).unwrap().to_path_buf();
        let locks = rel(&store_root(&env).join("locks"));
        let mut after = snapshot(env.dir.path());
        let mut expected = before.clone();
        if out.code == 0 {
            assert!(!dir.exists());
            expected.retain(|p, _| !p.starts_with(rel(&dir)) && !only_ours.contains(p));
        } else {
            assert!(out.stderr.contains("damaged"), "{}", out.stderr);
        }
        after.retain(|p, _| !p.starts_with(&locks));
        expected.retain(|p, _| !p.starts_with(&locks));
        assert_eq!(after, expected, "{crafted}: rm touched nothing else");
    }
}

/// A list blob (hash-correct, so it passes as the list) whose entries name crafted digests.
#[test]
fn crafted_digests_inside_the_stored_list_are_refused() {
    let layout = example_layout();
    let image = format!("oci:{}:amd64", layout.display());
    let env = TestEnv::new();
    let name = "localhost/escape/entries:v1";
    env.manifold(&["create", name, &image]).success();
    let dir = only_list_dir(&env);
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let list_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let list_path = dir.join("blobs/sha256").join(&list_digest[7..]);
    let mut list: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&list_path).unwrap()).unwrap();
    list["manifests"][0]["digest"] = "sha256:../../../../x".into();
    let bytes = serde_json::to_vec(&list).unwrap();
    let digest = manifold_tests::seed::sha256(&bytes);
    std::fs::write(dir.join("blobs/sha256").join(&digest[7..]), &bytes).unwrap();
    index["manifests"][0]["digest"] = digest.into();
    index["manifests"][0]["size"] = bytes.len().into();
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let before = snapshot(env.dir.path());
    let dest = format!("oci:{}", env.path("out").display());
    for args in [
        vec!["inspect", name],
        vec!["push", name, &dest],
        vec!["annotate", "--index", name, "--annotation", "a=b"],
    ] {
        let out = env.manifold(&args);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(out.stderr.contains("damaged"), "{args:?}: {}", out.stderr);
        assert_eq!(snapshot(env.dir.path()), before, "{args:?}");
    }
}
