//! First contact with a registry: whether a `GET /v2/` is needed at all, and which scheme an
//! answer proves.
//!
//! A ping costs a round trip that carries nothing a user asked for. It is only needed when the
//! scheme is unknown: a registry that may be reached over plain HTTP (loopback, `--insecure`,
//! registries.conf's `insecure`) could speak either. Every other registry is spoken to over
//! HTTPS, and its first real request carries the auth challenge (a 401 with
//! `WWW-Authenticate`), as the distribution spec allows: the ping is a convenience, not a step.
//!
//! Where a probe is needed, both schemes are tried at once (not HTTPS, then HTTP after it
//! fails): the critical path is one probe, not two.

/// How to make first contact with a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstContact {
    /// HTTPS, no ping: the first real request learns how the registry wants auth.
    Https,
    /// Ping both schemes at once and keep the one that answers as a registry.
    ProbeBoth,
}

/// The first contact for a host where plain HTTP is (or is not) allowed.
pub fn first_contact(plain_allowed: bool) -> FirstContact {
    if plain_allowed {
        FirstContact::ProbeBoth
    } else {
        FirstContact::Https
    }
}

/// What a plain-HTTP ping's answer says about the port.
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
    fn only_a_host_that_may_be_plain_is_probed() {
        assert_eq!(first_contact(false), FirstContact::Https);
        assert_eq!(first_contact(true), FirstContact::ProbeBoth);
    }

    #[test]
    fn a_400_to_a_plain_request_may_be_a_tls_port() {
        assert_eq!(plain_answer(400), PlainAnswer::MaybeTls);
        for s in [200, 401, 404, 429, 503] {
            assert_eq!(plain_answer(s), PlainAnswer::Registry, "{s}");
        }
    }
}
