//! What can go wrong talking to a registry, each case worded to say what happened and what to do.

use std::fmt;

use manifold_engine::registry::{ErrorCode, RegistryErrors};
use manifold_engine::Digest;

/// A failed registry operation.
#[derive(Debug, Clone)]
pub enum RegistryError {
    /// 401 after authenticating as well as the client could.
    Unauthorized {
        host: String,
        repo: String,
        /// Which credential was sent, from where (never the secret), or where the lookup looked.
        tried: String,
        /// The registry's own message, when it gave one.
        message: Option<String>,
    },
    /// 403 / `DENIED`: authenticated, but not allowed.
    Denied {
        host: String,
        repo: String,
        tried: String,
        message: String,
    },
    /// The repository exists but has no such tag or digest (`MANIFEST_UNKNOWN`).
    ManifestUnknown { name: String, reference: String },
    /// The repository does not exist (`NAME_UNKNOWN`).
    RepositoryUnknown { name: String },
    /// The blob is not in the repository (`BLOB_UNKNOWN`, or a 404 on a blob).
    BlobUnknown { name: String, digest: Digest },
    /// TLS failed: an untrusted or mismatched certificate, or a handshake error.
    Tls { host: String, problem: String },
    /// The registry asks for a client certificate (mutual TLS) and none was configured
    /// (`sent` is `None`), or refused the one sent.
    ClientCertificate {
        host: String,
        /// Where the certificate goes: the host's certs.d folder (or `--cert-dir`).
        folder: Option<String>,
        /// The client certificate file sent, if any.
        sent: Option<String>,
        /// The TLS alert the registry sent.
        alert: String,
    },
    /// Nothing listens at host:port.
    ConnectionRefused { host: String },
    /// Another network failure: DNS, reset, timeout.
    Network { url: String, message: String },
    /// Plain HTTP to a registry that is neither loopback nor allowed with --insecure.
    PlainHttpRefused { host: String },
    /// The registry answered something the protocol does not allow, or an error with its message.
    Protocol {
        method: String,
        url: String,
        status: u16,
        message: String,
        errors: Option<RegistryErrors>,
    },
    /// Content did not hash to the digest it was asked for, or the registry's digest header disagrees.
    DigestMismatch {
        what: String,
        expected: Digest,
        computed: Digest,
    },
    /// A manifest larger than the limit.
    TooLarge { url: String, limit: u64 },
    /// A credential file or helper could not be used.
    Credentials { message: String },
    /// A setting (an environment variable) could not be used.
    Settings { message: String },
    /// An upload or mount was refused by the registry in a way the client cannot recover from.
    Upload { name: String, message: String },
}

impl RegistryError {
    /// Whether docker's endpoint loop treats this error as "try elsewhere", which ends in
    /// `no such manifest` (401, 404 of a manifest or repository, plain HTTP refused).
    pub fn is_docker_not_found(&self) -> bool {
        matches!(
            self,
            RegistryError::Unauthorized { .. }
                | RegistryError::ManifestUnknown { .. }
                | RegistryError::RepositoryUnknown { .. }
                | RegistryError::PlainHttpRefused { .. }
        ) || matches!(self, RegistryError::Protocol { errors: None, .. })
    }

    /// The registry's error code, if it sent one.
    #[allow(
        dead_code,
        reason = "the client's API: for callers that act on a registry's error code"
    )]
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            RegistryError::Protocol {
                errors: Some(e), ..
            } => e.first_code(),
            _ => None,
        }
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Unauthorized {
                host,
                repo,
                tried,
                message,
            } => {
                write!(f, "unauthorized: {host} refused access to {repo}")?;
                if let Some(m) = message {
                    write!(f, " ({m})")?;
                }
                write!(
                    f,
                    "; credentials tried: {tried}. Log in (docker login / podman login {host}), or pass --creds USER:PASSWORD or --authfile FILE"
                )
            }
            RegistryError::Denied {
                host,
                repo,
                tried,
                message,
            } => write!(
                f,
                "denied: {host} does not allow this on {repo}: {message} (credentials: {tried}); check the repository name and that this account may use it"
            ),
            RegistryError::ManifestUnknown { name, reference } => write!(
                f,
                "manifest unknown: {name} has no manifest {reference} (the repository exists; check the tag or digest)"
            ),
            RegistryError::RepositoryUnknown { name } => write!(
                f,
                "repository unknown: {name} does not exist on the registry (check the name, or that you may see it)"
            ),
            RegistryError::BlobUnknown { name, digest } => {
                write!(f, "blob unknown: {name} has no blob {digest}")
            }
            RegistryError::Tls { host, problem } => write!(
                f,
                "TLS failure talking to {host}: {problem}. To trust the registry's CA pass --cert-dir DIR (a folder with its *.crt files); to skip verification pass --insecure"
            ),
            RegistryError::ClientCertificate {
                host,
                folder,
                sent,
                alert,
            } => {
                let folder = folder.as_deref().unwrap_or("/etc/docker/certs.d/HOST:PORT");
                match sent {
                    None => write!(
                        f,
                        "TLS failure talking to {host}: it requires a client certificate and none is configured ({alert}); put client.cert and client.key in {folder}/ (or pass --cert-dir DIR holding them)"
                    ),
                    Some(cert) => write!(
                        f,
                        "TLS failure talking to {host}: it refused the client certificate {cert} ({alert}); put one it accepts, with its key, in {folder}/"
                    ),
                }
            }
            RegistryError::ConnectionRefused { host } => write!(
                f,
                "connection refused by {host}: is the registry running, and is the host and port right?"
            ),
            RegistryError::Network { url, message } => write!(f, "cannot reach {url}: {message}"),
            RegistryError::PlainHttpRefused { host } => write!(
                f,
                "{host} speaks plain HTTP only; refusing to use it without --insecure (or --tls-verify=false)"
            ),
            RegistryError::Protocol {
                method,
                url,
                status,
                message,
                ..
            } => write!(f, "{method} {url}: the registry answered {status}: {message}"),
            RegistryError::DigestMismatch {
                what,
                expected,
                computed,
            } => write!(
                f,
                "digest mismatch for {what}: expected {expected}, but the content is {computed}"
            ),
            RegistryError::TooLarge { url, limit } => write!(
                f,
                "{url}: the manifest is larger than {limit} bytes; refusing it (as containerd does)"
            ),
            RegistryError::Credentials { message } => write!(f, "credentials: {message}"),
            RegistryError::Settings { message } => f.write_str(message),
            RegistryError::Upload { name, message } => write!(f, "upload to {name}: {message}"),
        }
    }
}

impl std::error::Error for RegistryError {}
