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

fn refused(out: &Output, host: &str, problem: &str) {
    assert_eq!(out.code, 1, "{}", out.stderr);
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
