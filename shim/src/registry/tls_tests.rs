//! The verifier's decisions on certificates made as registry guides make them.

use super::*;
use manifold_tests::certs::{self_signed_server, Validity};
use manifold_tests::TestCa;

fn der(pem_der: &[u8]) -> CertificateDer<'static> {
    CertificateDer::from(pem_der.to_vec())
}

fn check(trusted: &[&[u8]], server: &[u8], name: &str) -> Result<(), rustls::Error> {
    let setup = TlsSetup {
        insecure: false,
        roots: trusted.iter().map(|d| der(d)).collect(),
        client: None,
    };
    let v = verifier(&setup, provider()).unwrap();
    v.verify_server_cert(
        &der(server),
        &[],
        &ServerName::try_from(name.to_string()).unwrap(),
        &[],
        UnixTime::now(),
    )
    .map(|_| ())
}

#[test]
fn a_trusted_self_signed_ca_is_accepted_as_the_servers_own_certificate() {
    let c = self_signed_server("127.0.0.1", &["127.0.0.1", "localhost"], Validity::Now);
    check(&[&c.cert_der], &c.cert_der, "127.0.0.1").unwrap();
    check(&[&c.cert_der], &c.cert_der, "localhost").unwrap();
    // plain webpki refuses it, with the error the override is keyed on
    let roots = {
        let mut s = RootCertStore::empty();
        s.add(der(&c.cert_der)).unwrap();
        Arc::new(s)
    };
    let plain = WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .unwrap();
    let e = plain
        .verify_server_cert(
            &der(&c.cert_der),
            &[],
            &ServerName::try_from("127.0.0.1").unwrap(),
            &[],
            UnixTime::now(),
        )
        .unwrap_err();
    assert!(overridable(&e), "{e:?}");
}

#[test]
fn a_self_signed_ca_for_another_name_or_not_trusted_is_refused() {
    let c = self_signed_server("other", &["registry.example"], Validity::Now);
    let e = check(&[&c.cert_der], &c.cert_der, "127.0.0.1").unwrap_err();
    assert!(
        matches!(
            e,
            rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
        ),
        "{e:?}"
    );
    // trusted is another certificate with the same subject: not byte-identical, refused
    let mine = self_signed_server("127.0.0.1", &["127.0.0.1"], Validity::Now);
    let twin = self_signed_server("127.0.0.1", &["127.0.0.1"], Validity::Now);
    assert!(check(&[&twin.cert_der], &mine.cert_der, "127.0.0.1").is_err());
    // nothing trusted but an unrelated CA
    let ca = TestCa::new("unrelated");
    let ca_der = rustls::pki_types::pem::PemObject::from_pem_slice(ca.ca_pem.as_bytes())
        .map(|c: CertificateDer<'static>| c.as_ref().to_vec())
        .unwrap();
    assert!(check(&[&ca_der], &mine.cert_der, "127.0.0.1").is_err());
}

#[test]
fn an_expired_self_signed_ca_is_still_refused() {
    let c = self_signed_server("127.0.0.1", &["127.0.0.1"], Validity::Expired);
    let e = check(&[&c.cert_der], &c.cert_der, "127.0.0.1").unwrap_err();
    assert!(
        matches!(
            e,
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            )
        ),
        "{e:?}"
    );
}

#[test]
fn a_certificate_signed_by_a_trusted_ca_still_verifies() {
    let ca = TestCa::new("ca");
    let leaf = ca.issue("127.0.0.1", &["127.0.0.1"]);
    let ca_der: CertificateDer<'static> =
        rustls::pki_types::pem::PemObject::from_pem_slice(ca.ca_pem.as_bytes()).unwrap();
    check(&[ca_der.as_ref()], &leaf.cert_der, "127.0.0.1").unwrap();
    assert!(check(&[ca_der.as_ref()], &leaf.cert_der, "localhost").is_err());
}
