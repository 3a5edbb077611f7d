//! A throw-away certificate authority made in the test with `rcgen` (pure Rust, so the tests
//! need no `openssl` binary and the keys never leave the temp folder).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};

/// A CA and the PEM files it wrote.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The CA certificate (PEM).
    pub ca_pem: String,
}

/// A certificate issued by a [`TestCa`], with its key.
pub struct Issued {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    /// PKCS#8 DER of the key (what `ring` signs with).
    pub key_pkcs8: Vec<u8>,
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CommonName, cn);
    d.push(DnType::OrganizationName, "manifold tests");
    d
}

fn issued(cert: rcgen::Certificate, key: KeyPair) -> Issued {
    Issued {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_pem: key.serialize_pem(),
        key_pkcs8: key.serialize_der(),
    }
}

/// When a [`self_signed_server`] certificate is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Valid now (rcgen's default period).
    Now,
    /// 2020 only: expired.
    Expired,
}

/// A registry certificate made the way registry guides make it, `openssl req -x509 -newkey
/// ec ... -subj /CN=NAME -addext subjectAltName=...`: self-signed, and (openssl's default
/// `v3_ca` extensions) marked `CA:TRUE`, then used as the server's own certificate.
pub fn self_signed_server(cn: &str, names: &[&str], validity: Validity) -> Issued {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .expect("params");
    params.distinguished_name = dn(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    match validity {
        // rcgen's default period, 1975 to 4096
        Validity::Now => {}
        Validity::Expired => {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 12, 31);
        }
    }
    let cert = params.self_signed(&key).expect("self-signed certificate");
    issued(cert, key)
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name = dn(name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, key).expect("self-signed CA");
        let ca_pem = issuer.pem();
        TestCa { issuer, ca_pem }
    }

    /// A certificate for `names` (DNS names or IP addresses), or with none for a signing key.
    pub fn issue(&self, cn: &str, names: &[&str]) -> Issued {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("leaf key");
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("leaf params");
        params.distinguished_name = dn(cn);
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        issued(cert, key)
    }

    /// A client certificate (extended key usage clientAuth) for `cn`, as a registry that
    /// verifies client certificates against this CA accepts.
    pub fn issue_client(&self, cn: &str) -> Issued {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("client key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name = dn(cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).expect("client cert");
        issued(cert, key)
    }

    /// Writes the CA certificate as `<dir>/<file>` and returns its path.
    pub fn write_ca(&self, dir: &Path, file: &str) -> PathBuf {
        std::fs::create_dir_all(dir).expect("mkdir");
        let p = dir.join(file);
        std::fs::write(&p, &self.ca_pem).expect("write CA");
        p
    }
}
