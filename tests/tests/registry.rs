//! The registry client against a real registry (CNCF distribution 2.8 started by the harness):
//! remote inspect as docker prints it, every credential source, Basic and Bearer auth, TLS,
//! and the error a user sees for each failure.

use base64::Engine;
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

fn inspect(env: &TestEnv, extra: &[&str], reference: &str) -> Output {
    let mut args = vec!["manifest", "inspect"];
    args.extend_from_slice(extra);
    args.push(reference);
    env.manifold(&args)
}

/// Seeds `repo:v1` (one image) and `repo:list` (an OCI index of two images, with annotations).
fn seed_basic(reg: &Registry, repo: &str) -> (manifold_tests::Seeded, manifold_tests::Seeded) {
    let s = Seeder::new(reg);
    let amd = s.image(repo, Some("v1"), "linux/amd64", Format::Docker, 1);
    let arm = s.image(repo, None, "linux/arm/v7", Format::Oci, 2);
    let list = s.index(
        repo,
        "list",
        &[amd.clone(), arm],
        Format::Oci,
        Some(serde_json::json!({"org.example": "x<y>&z"})),
    );
    (amd, list)
}

#[test]
fn inspect_remote_image_prints_tab_indented_manifest() {
    let reg = registry!(Auth::None);
    let (amd, _) = seed_basic(&reg, "src/app");
    let env = TestEnv::new();
    let r = format!("{}/src/app:v1", reg.host());
    let out = inspect(&env, &[], &r);
    out.success();
    // json.Indent with tabs of the exact registry bytes, plus a newline
    let expected = {
        let v: serde_json::Value = serde_json::from_slice(&amd.bytes).unwrap();
        let mut s = serde_json::to_string_pretty(&v)
            .unwrap()
            .replace("  ", "\t");
        s.push('\n');
        s
    };
    assert_eq!(out.stdout_str(), expected);
    // --raw: the exact bytes
    let raw = inspect(&env, &["--raw"], &r);
    raw.success();
    assert_eq!(raw.stdout, amd.bytes);
    // by digest too
    let by_digest = inspect(&env, &[], &format!("{}/src/app@{}", reg.host(), amd.digest));
    by_digest.success();
    assert_eq!(by_digest.stdout_str(), expected);
}

#[test]
fn inspect_remote_list_resynthesised_as_docker() {
    let reg = registry!(Auth::None);
    let (amd, list) = seed_basic(&reg, "src/multi");
    let env = TestEnv::new();
    let r = format!("{}/src/multi:list", reg.host());
    let out = inspect(&env, &[], &r);
    out.success();
    let text = out.stdout_str();
    // three-space indent, docker list type (first child is a Docker manifest), no annotations
    assert!(text.starts_with("{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n   \"manifests\": [\n      {\n         \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"), "{text}");
    assert!(text.contains(&format!("\"digest\": \"{}\"", amd.digest)));
    assert!(text.contains("\"variant\": \"v7\""));
    assert!(!text.contains("annotations") && !text.contains("org.example"));
    assert!(text.ends_with("}\n"));
    // --raw gives the registry's bytes
    let raw = inspect(&env, &["--raw"], &r);
    assert_eq!(raw.stdout, list.bytes);
    // -v: a tab-indented array of ImageManifest with Ref = REF@child
    let v = inspect(&env, &["-v"], &r);
    v.success();
    let vt = v.stdout_str();
    assert!(vt.starts_with("[\n\t{\n\t\t\"Ref\": \""), "{vt}");
    assert!(vt.contains(&format!("\"Ref\": \"{r}@{}\"", amd.digest)));
    assert!(vt.contains("\"SchemaV2Manifest\"") && vt.contains("\"OCIManifest\""));
}

/// The docker CLI 28.2.2 side by side (no daemon needed for `manifest inspect`).
#[test]
fn inspect_matches_the_docker_cli_byte_for_byte() {
    let reg = registry!(Auth::None);
    let (_, _) = seed_basic(&reg, "cmp/app");
    let env = TestEnv::new();
    for (r, flags) in [
        (format!("{}/cmp/app:v1", reg.host()), vec!["--insecure"]),
        (
            format!("{}/cmp/app:v1", reg.host()),
            vec!["--insecure", "-v"],
        ),
        (format!("{}/cmp/app:list", reg.host()), vec!["--insecure"]),
        (
            format!("{}/cmp/app:list", reg.host()),
            vec!["--insecure", "-v"],
        ),
    ] {
        let Some(theirs) = inspect_docker(&env, &flags, &r) else {
            eprintln!("SKIP: no docker CLI");
            return;
        };
        let ours = inspect(&env, &flags, &r);
        assert_eq!(theirs.code, 0, "docker: {}", theirs.stderr);
        ours.success();
        assert_eq!(
            ours.stdout_str(),
            theirs.stdout_str(),
            "manifold and docker differ for {flags:?} {r}"
        );
    }
    // a missing tag: the same first line as docker
    let r = format!("{}/cmp/app:nope", reg.host());
    let theirs = inspect_docker(&env, &["--insecure"], &r).unwrap();
    let ours = inspect(&env, &["--insecure"], &r);
    assert_eq!(ours.code, 1);
    assert_eq!(ours.stderr.lines().next(), theirs.stderr.lines().next());
    assert!(ours
        .stderr
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("hint: manifest unknown"));
}

fn inspect_docker(env: &TestEnv, extra: &[&str], reference: &str) -> Option<Output> {
    let mut args = vec!["manifest", "inspect"];
    args.extend_from_slice(extra);
    args.push(reference);
    env.docker(&args)
}

#[test]
fn manifest_unknown_and_repository_unknown_are_told_apart() {
    let reg = registry!(Auth::None);
    seed_basic(&reg, "known/repo");
    let env = TestEnv::new();
    let out = inspect(&env, &[], &format!("{}/known/repo:missing", reg.host()));
    assert_eq!(out.code, 1);
    let mut lines = out.stderr.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("no such manifest: {}/known/repo:missing", reg.host())
    );
    assert!(
        lines.next().unwrap().starts_with(&format!(
            "hint: manifest unknown: {}/known/repo has no manifest missing",
            reg.host()
        )),
        "{}",
        out.stderr
    );
    let out = inspect(&env, &[], &format!("{}/no/such/repo:v1", reg.host()));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!(
            "hint: repository unknown: {}/no/such/repo does not exist",
            reg.host()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn connection_refused_names_host_and_asks_if_registry_runs() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = TestEnv::new();
    let out = inspect(&env, &[], &format!("127.0.0.1:{port}/a/b:v1"));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains(&format!("connection refused by 127.0.0.1:{port}"))
            && out.stderr.contains("is the registry running"),
        "{}",
        out.stderr
    );
}

// ---- Basic auth and every credential source -------------------------------------------------

struct BasicFixture {
    reg: Registry,
    reference: String,
}

fn basic_fixture(auth: Auth) -> Option<BasicFixture> {
    let reg = Registry::start(auth)?;
    Seeder::new(&reg).image("priv/app", Some("v1"), "linux/amd64", Format::Docker, 7);
    let reference = format!("{}/priv/app:v1", reg.host());
    Some(BasicFixture { reg, reference })
}

fn auth_json(host: &str, user: &str, pass: &str) -> serde_json::Value {
    serde_json::json!({"auths": {host: {"auth": b64(&format!("{user}:{pass}"))}}})
}

#[test]
fn basic_anonymous_is_unauthorized_naming_the_sources_tried() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let out = inspect(&env, &[], &f.reference);
    assert_eq!(out.code, 1);
    let mut lines = out.stderr.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("no such manifest: {}", f.reference)
    );
    let hint = lines.next().unwrap();
    assert!(
        hint.starts_with(&format!(
            "hint: unauthorized: {} refused access to priv/app",
            f.reg.host()
        )),
        "{hint}"
    );
    assert!(hint.contains("credentials tried: none"), "{hint}");
    assert!(
        hint.contains("--creds") && hint.contains("--authfile"),
        "{hint}"
    );
}

#[test]
fn creds_flag() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    inspect(
        &env,
        &["--creds", &format!("{USER}:{PASSWORD}")],
        &f.reference,
    )
    .success();
    let bad = inspect(&env, &["--creds", &format!("{USER}:wrong")], &f.reference);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("credentials tried: user \"alice\" from --creds"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("wrong"));
}

#[test]
fn authfile_flag() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let file = env.path("my-auth.json");
    std::fs::write(&file, auth_json(&f.reg.host(), USER, PASSWORD).to_string()).unwrap();
    inspect(&env, &["--authfile", file.to_str().unwrap()], &f.reference).success();
    std::fs::write(&file, auth_json(&f.reg.host(), USER, "nope").to_string()).unwrap();
    let bad = inspect(&env, &["--authfile", file.to_str().unwrap()], &f.reference);
    assert!(
        bad.stderr
            .contains(&format!("from --authfile {}", file.display())),
        "{}",
        bad.stderr
    );
}

#[test]
fn registry_auth_file_env() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let mut env = TestEnv::new();
    let file = env.path("env-auth.json");
    std::fs::write(&file, auth_json(&f.reg.host(), USER, PASSWORD).to_string()).unwrap();
    env.set("REGISTRY_AUTH_FILE", &file);
    inspect(&env, &[], &f.reference).success();
}

#[test]
fn xdg_runtime_containers_auth_json() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let dir = env.xdg_runtime_dir().join("containers");
    std::fs::create_dir_all(&dir).unwrap();
    // podman's per-repository key
    std::fs::write(
        dir.join("auth.json"),
        auth_json(&format!("{}/priv/app", f.reg.host()), USER, PASSWORD).to_string(),
    )
    .unwrap();
    inspect(&env, &[], &f.reference).success();
}

#[test]
fn docker_config_auth() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    env.write_docker_config(&auth_json(&f.reg.host(), USER, PASSWORD));
    inspect(&env, &[], &f.reference).success();
    // and the docker CLI agrees with the same config
    if let Some(d) = env.docker(&["manifest", "inspect", "--insecure", &f.reference]) {
        assert_eq!(d.code, 0, "docker: {}", d.stderr);
    }
}

fn helper_script(user: &str, pass: &str, log: &std::path::Path) -> String {
    format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" >> '{}'\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{pass}\"}}' \"$server\"\n",
        log.display()
    )
}

#[test]
fn docker_config_cred_helpers() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let log = env.path("helper.log");
    env.write_script(
        "docker-credential-mftest",
        &helper_script(USER, PASSWORD, &log),
    );
    env.write_docker_config(&serde_json::json!({"credHelpers": {f.reg.host(): "mftest"}}));
    inspect(&env, &[], &f.reference).success();
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), f.reg.host());
    // a wrong secret from the helper: the message names the helper, not the secret
    env.write_script(
        "docker-credential-mftest",
        &helper_script(USER, "bad-secret-xyz", &log),
    );
    let bad = inspect(&env, &[], &f.reference);
    assert!(
        bad.stderr
            .contains("credential helper docker-credential-mftest"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains("bad-secret-xyz"));
}

#[test]
fn docker_config_creds_store() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let log = env.path("store.log");
    env.write_script(
        "docker-credential-mfstore",
        &helper_script(USER, PASSWORD, &log),
    );
    env.write_docker_config(
        &serde_json::json!({"credsStore": "mfstore", "auths": {f.reg.host(): {}}}),
    );
    inspect(&env, &[], &f.reference).success();
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), f.reg.host());
}

// ---- Bearer tokens ---------------------------------------------------------------------------

#[test]
fn bearer_flow_with_token_cache() {
    let reg = registry!(Auth::Token);
    let (_, _) = seed_basic(&reg, "tok/app");
    let token = reg.token.as_ref().unwrap();
    let env = TestEnv::new();
    let r = format!("{}/tok/app:list", reg.host());
    // anonymous: the token server grants nothing, the registry refuses
    let anon = inspect(&env, &[], &r);
    assert_eq!(anon.code, 1);
    assert!(
        anon.stderr.contains("hint: unauthorized:"),
        "{}",
        anon.stderr
    );
    assert!(
        anon.stderr.contains("credentials tried: none"),
        "{}",
        anon.stderr
    );
    // with credentials: one token for the whole run (list, two children, two configs)
    let before = token.requests();
    let ok = inspect(&env, &["--creds", &format!("{USER}:{PASSWORD}")], &r);
    ok.success();
    assert_eq!(
        token.requests() - before,
        1,
        "token requests: {:?}",
        token.log()
    );
    let last = token.log().pop().unwrap();
    assert!(
        last.contains("scope=repository%3Atok%2Fapp%3Apull") && last.contains("account=alice"),
        "{last}"
    );
    // wrong password: the token server's 401 becomes an unauthorized error naming the source
    let bad = inspect(&env, &["--creds", &format!("{USER}:wrong")], &r);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("from --creds"), "{}", bad.stderr);
}

// ---- TLS -------------------------------------------------------------------------------------

#[test]
fn tls_self_signed_refused_then_cert_dir_or_insecure() {
    let Some(f) = basic_fixture(Auth::BasicTls) else {
        return;
    };
    let env = TestEnv::new();
    let creds = format!("{USER}:{PASSWORD}");
    let seeded = f.reg.requests().len();
    let out = inspect(&env, &["--creds", &creds], &f.reference);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains(&format!("TLS failure talking to {}", f.reg.host())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("unknown authority"), "{}", out.stderr);
    assert!(
        out.stderr.contains("--cert-dir") && out.stderr.contains("--insecure"),
        "{}",
        out.stderr
    );
    // refused at the handshake: no request reached the registry (no fall-back to plain HTTP,
    // so the credential was never sent), and create and push are refused the same way
    assert_eq!(f.reg.requests().len(), seeded, "{:?}", f.reg.requests());
    let list = format!("{}/dst/app:v1", f.reg.host());
    let out = env.manifold(&["create", "--creds", &creds, &list, &f.reference]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("unknown authority"), "{}", out.stderr);
    assert_eq!(f.reg.requests().len(), seeded, "{:?}", f.reg.requests());
    env.manifold(&[
        "create",
        "--insecure",
        "--creds",
        &creds,
        &list,
        &f.reference,
    ])
    .success();
    let seen = f.reg.requests().len();
    let out = env.manifold(&["push", "--creds", &creds, &list]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("unknown authority"), "{}", out.stderr);
    assert_eq!(f.reg.requests().len(), seen, "{:?}", f.reg.requests());
    env.manifold(&["push", "--insecure", "--creds", &creds, &list])
        .success();
    // --cert-dir with the CA
    let certs = env.path("certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(f.reg.ca_file(), certs.join("ca.crt")).unwrap();
    inspect(
        &env,
        &["--creds", &creds, "--cert-dir", certs.to_str().unwrap()],
        &f.reference,
    )
    .success();
    // --insecure, and podman's --tls-verify=false
    inspect(&env, &["--creds", &creds, "--insecure"], &f.reference).success();
    inspect(
        &env,
        &["--creds", &creds, "--tls-verify=false"],
        &f.reference,
    )
    .success();
    // SSL_CERT_FILE, as OpenSSL and Go read it
    let mut env2 = TestEnv::new();
    env2.set("SSL_CERT_FILE", f.reg.ca_file());
    inspect(&env2, &["--creds", &creds], &f.reference).success();
}

// ---- --debug ---------------------------------------------------------------------------------

#[test]
fn debug_logs_requests_without_secrets() {
    let Some(f) = basic_fixture(Auth::Basic) else {
        return;
    };
    let env = TestEnv::new();
    let out = inspect(
        &env,
        &["--debug", "--creds", &format!("{USER}:{PASSWORD}")],
        &f.reference,
    );
    out.success();
    assert!(
        out.stderr.contains("> GET http://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Authorization: Basic <redacted>"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(PASSWORD));
    assert!(!out.stderr.contains(&b64(&format!("{USER}:{PASSWORD}"))));

    let reg = registry!(Auth::Token);
    Seeder::new(&reg).image("t/x", Some("v1"), "linux/amd64", Format::Docker, 1);
    let out = inspect(
        &env,
        &["--debug", "--creds", &format!("{USER}:{PASSWORD}")],
        &format!("{}/t/x:v1", reg.host()),
    );
    out.success();
    assert!(
        out.stderr.contains("Authorization: Bearer <redacted>"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(PASSWORD));
    assert!(!out.stderr.contains("eyJ"), "a JWT leaked: {}", out.stderr);
}
