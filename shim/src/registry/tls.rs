//! TLS as docker and podman do it: a rustls client configuration per set of trusted
//! certificates and client certificate, with a verifier that also accepts a registry's own
//! self-signed certificate when it is among the trusted ones, and the ureq connector that uses it.
//!
//! The guides' way of making a registry certificate (`openssl req -x509 -newkey ...`) gives a
//! self-signed certificate marked `CA:TRUE`, used as the server's own. Go accepts it once it is
//! in the trusted pool; webpki refuses it (`CaUsedAsEndEntity`). [`TrustedSelfSigned`] delegates
//! to rustls's WebPki verifier and overrides only that refusal (or an unknown issuer), and only
//! for a certificate byte-for-byte among the trusted ones, valid now and naming the server.
//!
//! ureq cannot take a custom verifier through its `TlsConfig`, so [`TlsConnector`] wraps the
//! TCP (or proxy CONNECT) transport in rustls itself, with the configuration it was made with;
//! ureq's own TLS connector then sees a TLS transport and steps aside.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// What one registry's connections trust and present.
#[derive(Clone, Debug)]
pub struct TlsSetup {
    /// No verification at all (`--insecure`, `--tls-verify=false`).
    pub insecure: bool,
    /// The trusted certificates: the system's, `--cert-dir`'s and the host's `certs.d`.
    pub roots: Vec<CertificateDer<'static>>,
    /// A client certificate chain and its key, for registries that ask for one.
    pub client: Option<(Vec<CertificateDer<'static>>, Arc<PrivateKeyDer<'static>>)>,
}

fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The rustls configuration for `setup`. Without roots (no system store, nothing given), the
/// bundled Mozilla roots are used, as before.
pub fn client_config(setup: &TlsSetup) -> Result<Arc<ClientConfig>, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier(setup, provider)?);
    let config = match &setup.client {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(|e| format!("the client certificate cannot be used: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The server certificate verifier for `setup`.
fn verifier(
    setup: &TlsSetup,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if setup.insecure {
        return Ok(Arc::new(NoVerification(provider)));
    }
    let mut store = RootCertStore::empty();
    if setup.roots.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        store.add_parsable_certificates(setup.roots.iter().cloned());
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
        .build()
        .map_err(|e| format!("no usable trusted certificate: {e}"))?;
    Ok(Arc::new(TrustedSelfSigned {
        inner,
        trusted: setup.roots.clone(),
        provider,
    }))
}

/// The WebPki verifier, plus: a server certificate that is itself one of the trusted
/// certificates is accepted when webpki refuses it only for being a CA (or for having no known
/// issuer), provided it names the server.
///
/// Validity is not given up: webpki checks the end entity's validity period at `now` before its
/// basic constraints and before looking for an issuer, so it reports `CaUsedAsEndEntity` and
/// `UnknownIssuer` only for a certificate valid now (an expired one is `Expired`; the unit test
/// `an_expired_self_signed_ca_is_still_refused` pins that order). Names are checked with the
/// same webpki call rustls makes for every certificate (subjectAltName DNS and IP entries; like
/// Go since 1.15, no Common Name fallback). Handshake signatures are verified by rustls's own
/// functions with the provider's algorithms.
#[derive(Debug)]
pub struct TrustedSelfSigned {
    inner: Arc<WebPkiServerVerifier>,
    trusted: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
}

/// Whether webpki's refusal is one a trusted self-signed certificate may override.
fn overridable(e: &rustls::Error) -> bool {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => true,
        rustls::Error::InvalidCertificate(CertificateError::Other(o)) => matches!(
            o.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

impl ServerCertVerifier for TrustedSelfSigned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(e)
                if overridable(&e)
                    && self
                        .trusted
                        .iter()
                        .any(|t| t.as_ref() == end_entity.as_ref()) =>
            {
                let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `--insecure`: any certificate, any signature (what ureq's `disable_verification` did).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls configuration made on first use: a run that only speaks plain HTTP never loads
/// the system's roots nor builds a verifier.
pub struct LazyConfig {
    cell: std::sync::OnceLock<Result<Arc<ClientConfig>, String>>,
    make: Box<dyn Fn() -> Result<Arc<ClientConfig>, String> + Send + Sync>,
}

impl LazyConfig {
    pub fn new(
        make: impl Fn() -> Result<Arc<ClientConfig>, String> + Send + Sync + 'static,
    ) -> LazyConfig {
        LazyConfig {
            cell: std::sync::OnceLock::new(),
            make: Box::new(make),
        }
    }

    /// The configuration, made once (an error is kept and given to every connection).
    pub fn get(&self) -> Result<Arc<ClientConfig>, String> {
        self.cell.get_or_init(|| (self.make)()).clone()
    }
}

impl std::fmt::Debug for LazyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LazyConfig")
    }
}

/// The ureq connector that wraps a connection in TLS with one rustls configuration. rustls
/// keeps a client session cache in the configuration (256 sessions by default), so every
/// connection of a run after the first to a host resumes its TLS session.
#[derive(Debug)]
pub struct TlsConnector(pub Arc<LazyConfig>);

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .authority()
            .map(|a| a.host().trim_start_matches('[').trim_end_matches(']'))
            .unwrap_or("");
        let name = ServerName::try_from(host)
            .map_err(|_| ureq::Error::Tls("invalid TLS server name"))?
            .to_owned();
        let config = self.0.get().map_err(|message| {
            ureq::Error::Other(Box::new(super::error::RegistryError::Credentials {
                message,
            }))
        })?;
        let mut conn = ClientConnection::new(config, name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        Ok(Some(Either::B(TlsTransport {
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// A connection wrapped by [`TlsConnector`].
pub struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsTransport")
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
