//! Certificates as docker and podman take them, against real registries (distribution 2.8):
//! a self-signed `CA:TRUE` registry certificate (made as `openssl req -x509` makes it) trusted
//! through `SSL_CERT_FILE`, `--cert-dir` or a `certs.d` folder, still refused for a wrong name
//! or when expired; a registry that requires client certificates, reached with `certs.d`'s
//! `client.cert`/`client.key` and refused, with a clear error, without them.
//!
//! The certs.d roots come from `MANIFOLD_CERTS_D` (a folder of the test), never `/etc`.

use std::path::{Path, PathBuf};

use manifold_tests::seed::Format;
use manifold_tests::{Auth, Output, Registry, Seeder, TestCa, TestEnv};

fn inspect(env: &TestEnv, extra: &[&str], reference: &str) -> Output {
    let mut args = vec!["manifest", "inspect"];
    args.extend_from_slice(extra);
    args.push(reference);
    env.manifold(&args)
}

/// A registry with `app:v1` (one image), and that reference.
fn seeded(auth: Auth) -> Option<(Registry, String)> {
    let reg = Registry::start(auth)?;
    Seeder::new(&reg).image("app", Some("v1"), "linux/amd64", Format::Docker, 1);
    let r = format!("{}/app:v1", reg.host());
    Some((reg, r))
}

/// `ROOT/HOST:PORT/` with `files` (name, contents), and ROOT.
fn certs_d(env: &TestEnv, reg: &Registry, files: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let root = env.path("certs.d");
    let dir = root.join(reg.host());
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (root, dir)
}

/// A TLS refusal, in one line, with the personality's exit code: docker's 1, or podman's 125
/// (podman ends every failed command with `Error: …` and 125).
fn refused(out: &Output, host: &str, problem: &str) {
    let podman = out.stderr.starts_with("Error: ");
    assert_eq!(out.code, if podman { 125 } else { 1 }, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("TLS failure talking to {host}: {problem}")),
        "{}",
        out.stderr
    );
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn a_self_signed_ca_certificate_is_trusted_by_ssl_cert_file_cert_dir_and_certs_d() {
    let Some((reg, r)) = seeded(Auth::SelfSigned) else {
        return;
    };
    // not trusted: refused at the handshake, as any unknown certificate
    let env = TestEnv::new();
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is signed by an unknown authority",
    );
    // SSL_CERT_FILE: the certificate itself is the trusted "CA"
    let mut env = TestEnv::new();
    env.set("SSL_CERT_FILE", reg.ca_file());
    let out = inspect(&env, &[], &r);
    out.success();
    assert!(
        out.stdout_str().contains("\"schemaVersion\": 2"),
        "{}",
        out.stdout_str()
    );
    // --cert-dir
    let env = TestEnv::new();
    let dir = env.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(reg.ca_file(), dir.join("registry.crt")).unwrap();
    inspect(&env, &["--cert-dir", dir.to_str().unwrap()], &r).success();
    // certs.d/HOST:PORT/ca.crt, for create and push too
    let mut env = TestEnv::new();
    let (root, _) = certs_d(&env, &reg, &[("ca.crt", &read(&reg.ca_file()))]);
    env.set("MANIFOLD_CERTS_D", &root);
    inspect(&env, &[], &r).success();
    let list = format!("{}/app:list", reg.host());
    env.manifold(&["manifest", "create", &list, &r]).success();
    env.manifold(&["manifest", "push", &list]).success();
    assert!(
        reg.count("PUT", "/v2/app/manifests/list") >= 1,
        "{:?}",
        reg.requests()
    );
    // a certs.d folder for another host does not apply
    let mut env = TestEnv::new();
    let other = env.path("certs.d").join("127.0.0.1:1");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(reg.ca_file(), other.join("ca.crt")).unwrap();
    env.set("MANIFOLD_CERTS_D", env.path("certs.d"));
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is signed by an unknown authority",
    );
}

#[test]
fn a_trusted_self_signed_certificate_for_another_name_is_refused() {
    let Some((reg, r)) = seeded(Auth::SelfSignedWrongName) else {
        return;
    };
    let mut env = TestEnv::new();
    env.set("SSL_CERT_FILE", reg.ca_file());
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is not valid for this host name",
    );
    let mut env = TestEnv::new();
    let (root, _) = certs_d(&env, &reg, &[("ca.crt", &read(&reg.ca_file()))]);
    env.set("MANIFOLD_CERTS_D", &root);
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is not valid for this host name",
    );
}

#[test]
fn a_trusted_self_signed_certificate_that_expired_is_refused() {
    let Some((reg, r)) = seeded(Auth::SelfSignedExpired) else {
        return;
    };
    let mut env = TestEnv::new();
    let (root, _) = certs_d(&env, &reg, &[("ca.crt", &read(&reg.ca_file()))]);
    env.set("MANIFOLD_CERTS_D", &root);
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate has expired",
    );
    // --insecure still skips verification, as before
    inspect(&env, &["--insecure"], &r).success();
}

#[test]
fn a_registry_requiring_client_certificates_takes_certs_d_client_cert_and_key() {
    let Some((reg, r)) = seeded(Auth::ClientCert) else {
        return;
    };
    let ca = read(&reg.ca_file());
    let host = reg.host();
    // the CA alone: refused, naming the host and the folder the pair goes in
    let mut env = TestEnv::new();
    let (root, dir) = certs_d(&env, &reg, &[("ca.crt", &ca)]);
    env.set("MANIFOLD_CERTS_D", &root);
    let out = inspect(&env, &[], &r);
    refused(
        &out,
        &host,
        "it requires a client certificate and none is configured",
    );
    assert!(
        out.stderr.contains(&format!(
            "put client.cert and client.key in {}/",
            dir.display()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    // a client.cert without its key: docker's error, naming the folder
    std::fs::write(dir.join("client.cert"), "x").unwrap();
    let out = inspect(&env, &[], &r);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("missing key client.key for client certificate client.cert"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&dir.display().to_string()),
        "{}",
        out.stderr
    );
    // a certificate of another CA: refused by the registry
    let stranger = TestCa::new("not the registry's client CA").issue_client("mallory");
    std::fs::write(dir.join("client.cert"), &stranger.cert_pem).unwrap();
    std::fs::write(dir.join("client.key"), &stranger.key_pem).unwrap();
    let out = inspect(&env, &[], &r);
    refused(&out, &host, "it refused the client certificate");
    // the registry's client CA's certificate: works, for inspect, create and push
    let good = reg.client_ca.as_ref().unwrap().issue_client("alice");
    std::fs::write(dir.join("client.cert"), &good.cert_pem).unwrap();
    std::fs::write(dir.join("client.key"), &good.key_pem).unwrap();
    let out = inspect(&env, &[], &r);
    out.success();
    assert!(out.stdout_str().contains("\"schemaVersion\": 2"));
    let list = format!("{host}/app:list");
    env.manifold(&["manifest", "create", &list, &r]).success();
    env.manifold(&["manifest", "push", &list]).success();
    assert!(
        reg.count("PUT", "/v2/app/manifests/list") >= 1,
        "{:?}",
        reg.requests()
    );
    // --cert-dir holding the same files works as well (podman's flag)
    let env = TestEnv::new();
    let flat = env.path("flat");
    std::fs::create_dir_all(&flat).unwrap();
    for f in ["ca.crt", "client.cert", "client.key"] {
        std::fs::copy(dir.join(f), flat.join(f)).unwrap();
    }
    inspect(&env, &["--cert-dir", flat.to_str().unwrap()], &r).success();
}

// ---- registries.conf (podman personality) -----------------------------------------------------

/// A podman environment reading `conf` as its registries.conf.
fn podman_env(conf: &str) -> TestEnv {
    let mut env = TestEnv::new();
    let file = env.path("registries.conf");
    std::fs::write(&file, conf).unwrap();
    env.set("MANIFOLD_COMPAT", "podman");
    env.set("CONTAINERS_REGISTRIES_CONF", &file);
    env
}

/// Seeds `app:list`, an index of one image, and returns its reference.
fn seed_list(reg: &Registry) -> String {
    let s = Seeder::new(reg);
    let img = s.image("app", None, "linux/amd64", Format::Oci, 3);
    s.index("app", "list", &[img], Format::Oci, None);
    format!("{}/app:list", reg.host())
}

#[test]
fn registries_conf_insecure_skips_verification_in_the_podman_personality_only() {
    let Some(reg) = Registry::start(Auth::SelfSigned) else {
        return;
    };
    let r = seed_list(&reg);
    let conf = format!(
        "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
        reg.host()
    );
    let env = podman_env(&conf);
    let out = inspect(&env, &[], &r);
    out.success();
    assert!(
        out.stdout_str().contains("\"manifests\""),
        "{}",
        out.stdout_str()
    );
    // another registry's entry does not make this one insecure
    let env = podman_env("[[registry]]\nlocation = \"127.0.0.1:1\"\ninsecure = true\n");
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is signed by an unknown authority",
    );
    // `--compat podman` chooses the personality as well as MANIFOLD_COMPAT does
    let mut env = podman_env(&conf);
    env.set("MANIFOLD_COMPAT", "docker");
    let mut args = vec!["--compat", "podman", "manifest", "inspect"];
    args.push(&r);
    let out = env.manifold(&args);
    out.success();
    assert!(out.stdout_str().contains("\"manifests\""), "{}", out.stderr);
    // docker never reads registries.conf
    let mut env = podman_env(&conf);
    env.set("MANIFOLD_COMPAT", "docker");
    refused(
        &inspect(&env, &[], &r),
        &reg.host(),
        "its certificate is signed by an unknown authority",
    );
}

#[test]
fn registries_conf_blocked_refuses_before_any_request() {
    let Some(reg) = Registry::start(Auth::None) else {
        return;
    };
    let r = seed_list(&reg);
    let env = podman_env(&format!(
        "[[registry]]\nprefix = \"{}/app\"\nlocation = \"{}/app\"\nblocked = true\n",
        reg.host(),
        reg.host()
    ));
    let before = reg.requests().len();
    let out = inspect(&env, &[], &r);
    assert_ne!(out.code, 0);
    let file = env.path("registries.conf");
    assert!(
        out.stderr.contains(&format!(
            "{}/app: the registry is blocked in {}",
            reg.host(),
            file.display()
        )),
        "{}",
        out.stderr
    );
    let list = format!("{}/app:mine", reg.host());
    let out = env.manifold(&["manifest", "create", &list]);
    out.success();
    let out = env.manifold(&["manifest", "push", &list, &list]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("is blocked in"), "{}", out.stderr);
    assert_eq!(reg.requests().len(), before, "{:?}", reg.requests());
    // the longest prefix wins: another repository of that registry is not blocked
    Seeder::new(&reg).image("other", Some("v1"), "linux/amd64", Format::Oci, 4);
    inspect(&env, &[], &format!("{}/other:v1", reg.host())).success();
    // a file podman would refuse is an error, naming the file
    let env = podman_env("[[registry]]\ninsecure = \"yes\"\nlocation = \"x\"\n");
    let out = inspect(&env, &[], &r);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("registries.conf: [[registry]] #1: insecure must be true or false"),
        "{}",
        out.stderr
    );
}

#[test]
fn registries_conf_mirrors_serve_pulls_first_then_the_registry() {
    let (Some(primary), Some(mirror)) = (Registry::start(Auth::None), Registry::start(Auth::None))
    else {
        return;
    };
    // the list is on the mirror only; `solo:v1` on the registry only
    seed_list(&mirror);
    let r = format!("{}/app:list", primary.host());
    Seeder::new(&primary).image("solo", Some("v1"), "linux/amd64", Format::Oci, 5);
    let env = podman_env(&format!(
        "[[registry]]\nlocation = \"{}\"\n[[registry.mirror]]\nlocation = \"{}\"\n",
        primary.host(),
        mirror.host()
    ));
    let out = inspect(&env, &[], &r);
    out.success();
    assert!(
        out.stdout_str().contains("\"manifests\""),
        "{}",
        out.stdout_str()
    );
    assert!(
        mirror.count("GET", "/v2/app/manifests/list") >= 1,
        "{:?}",
        mirror.requests()
    );
    assert_eq!(
        primary.count("GET", "/v2/app/manifests/"),
        0,
        "{:?}",
        primary.requests()
    );
    // what the mirror lacks comes from the registry
    inspect(&env, &[], &format!("{}/solo:v1", primary.host())).success();
    assert!(mirror.count("GET", "/v2/solo/manifests/v1") >= 1);
    // an image added from the mirror into a local list (its config fetched there too)
    let list = format!("{}/local:list", primary.host());
    env.manifold(&["manifest", "create", &list, &r]).success();
    // without registries.conf the registry alone answers: the list is not there
    let out = inspect(&TestEnv::new(), &[], &r);
    assert_ne!(out.code, 0);
}
