//! First contact with a registry: whether a `GET /v2/` is needed at all, and which scheme an
//! answer proves.
//!
//! A ping costs a round trip that carries nothing a user asked for. Every registry that must be
//! spoken to over HTTPS gets none: its first real request carries the auth challenge (a 401
//! with `WWW-Authenticate`), as the distribution spec allows; the ping is a convenience, not a
//! step. Only a registry that may be reached over plain HTTP (loopback, `--insecure`,
//! registries.conf's `insecure`) has a scheme to find out, and even then:
//! - a host given a CA or a client certificate (certs.d, `--cert-dir`) is spoken to over HTTPS,
//!   as if it had to be: whoever configured certificates for it expects TLS;
//! - a host with an explicit port is spoken to over plain HTTP on a guess: one port speaks one
//!   protocol, and the first real request tells which at no extra cost. Its answer confirms the
//!   guess unless it is the 400 a TLS server gives a plain request (or the connection fails);
//!   then both schemes are probed at once and the request goes again over the one that answers.
//!   Nothing secret rides on the guess: credentials are sent only once a 401 asks for them,
//!   and a 401 is a registry's answer, which confirms the scheme first;
//! - a host without a port has two ports to choose from (443, 80): both are probed at once and
//!   HTTPS is kept when both answer.

/// How to make first contact with a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstContact {
    /// HTTPS, no ping: the first real request learns how the registry wants auth.
    Https,
    /// Plain HTTP, no ping: the first real request's answer confirms the scheme (see
    /// [`plain_answer`]); a doubt sends it to [`FirstContact::ProbeBoth`].
    PlainGuess,
    /// Ping both schemes at once and keep the one that answers as a registry.
    ProbeBoth,
}

/// What is known of a host before anything is sent to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// Plain HTTP is allowed (loopback, `--insecure`, registries.conf's `insecure`).
    pub plain_allowed: bool,
    /// The host names its port (`127.0.0.1:5000`): one port, one protocol.
    pub has_port: bool,
    /// A CA or client certificate is configured for it (certs.d, `--cert-dir`).
    pub tls_configured: bool,
}

/// The first contact for a host, from what is known of it.
pub fn first_contact(k: Known) -> FirstContact {
    if !k.plain_allowed || k.tls_configured {
        FirstContact::Https
    } else if k.has_port {
        FirstContact::PlainGuess
    } else {
        FirstContact::ProbeBoth
    }
}

/// What a plain-HTTP answer (a ping's, or a guessed first request's) says about the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlainAnswer {
    /// A registry speaking plain HTTP answered (any status but 400): use it.
    Registry,
    /// A 400: what a TLS server says to a plain request ("Client sent an HTTP request to an
    /// HTTPS server"). Wait for the HTTPS probe; take this answer only if that one fails.
    MaybeTls,
}

/// What a plain ping's status says.
pub fn plain_answer(status: u16) -> PlainAnswer {
    if status == 400 {
        PlainAnswer::MaybeTls
    } else {
        PlainAnswer::Registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_host_that_may_be_plain_and_has_no_port_is_probed() {
        let k = |plain_allowed, has_port, tls_configured| Known {
            plain_allowed,
            has_port,
            tls_configured,
        };
        // must be HTTPS: no ping, whatever else is known
        assert_eq!(first_contact(k(false, true, false)), FirstContact::Https);
        assert_eq!(first_contact(k(false, false, true)), FirstContact::Https);
        // certificates configured: TLS is expected
        assert_eq!(first_contact(k(true, true, true)), FirstContact::Https);
        // one port: its first answer tells
        assert_eq!(
            first_contact(k(true, true, false)),
            FirstContact::PlainGuess
        );
        // two ports (443, 80): both asked at once
        assert_eq!(
            first_contact(k(true, false, false)),
            FirstContact::ProbeBoth
        );
    }

    #[test]
    fn a_400_to_a_plain_request_may_be_a_tls_port() {
        assert_eq!(plain_answer(400), PlainAnswer::MaybeTls);
        for s in [200, 401, 404, 429, 503] {
            assert_eq!(plain_answer(s), PlainAnswer::Registry, "{s}");
        }
    }
}
