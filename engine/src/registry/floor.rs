//! The critical-path floor of an operation, in round trips, derived from the protocol: what no
//! client can do without, however fast its own code is. The bench prints it beside every
//! measured row, so a wall time reads as "k times what the protocol needs".
//!
//! The steps, each a round trip on the critical path:
//! - **connection**: the TCP handshake (1); TLS 1.3 adds one (its handshake is one round trip).
//!   Connections to the same host open in parallel, so this is paid once however wide the work.
//! - **challenge**: a registry with auth answers the first request with a 401 naming the scheme;
//!   credentials are not sent before a registry asks for them (1).
//! - **token**: a token registry's realm is another endpoint: a connection to it and the token
//!   request (2). It can only start once the challenge names the realm.
//! - then the operation's own dependent waves, each `ceil(requests / width)` round trips:
//!   create reads each manifest, then each config (the platform is in the config); inspect of a
//!   list reads the list, then its members (their platforms are in the list); a cross-repository
//!   push mounts the blobs, then puts the members, then the list.

/// How a registry is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub tls: bool,
    pub auth: LinkAuth,
}

/// The auth a registry asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkAuth {
    Anonymous,
    Basic,
    /// Bearer tokens from a separate token endpoint.
    Token,
}

/// An operation whose floor is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A list of `n` single-platform images: each manifest, then its config.
    Create { n: usize },
    /// A remote list of `n` members that carry their platforms: the list, then the members.
    InspectList { n: usize },
    /// A local list of `n` images (one layer each) to another repository of the same registry:
    /// mount the layers and configs, put the members, put the list.
    PushCrossRepo { n: usize },
}

/// One step of a floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub what: &'static str,
    pub round_trips: u32,
}

/// A floor: its steps, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floor {
    pub steps: Vec<Step>,
}

impl Floor {
    /// The total, in round trips.
    pub fn round_trips(&self) -> u32 {
        self.steps.iter().map(|s| s.round_trips).sum()
    }

    /// The steps as `connection 1 + manifest 1 + config 1`.
    pub fn describe(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{} {}", s.what, s.round_trips))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

fn waves(requests: usize, width: Option<usize>) -> u32 {
    match width {
        None => 1,
        Some(w) => requests.div_ceil(w.max(1)).max(1) as u32,
    }
}

/// The floor of `op` over `link`, with at most `width` requests in flight (`None`: unbounded,
/// the protocol's own floor).
pub fn floor(op: Operation, link: Link, width: Option<usize>) -> Floor {
    let mut steps = vec![Step {
        what: "connection",
        round_trips: 1,
    }];
    if link.tls {
        steps.push(Step {
            what: "tls",
            round_trips: 1,
        });
    }
    if link.auth != LinkAuth::Anonymous {
        steps.push(Step {
            what: "challenge",
            round_trips: 1,
        });
    }
    if link.auth == LinkAuth::Token {
        steps.push(Step {
            what: "token",
            round_trips: 2,
        });
    }
    let mut wave = |what, requests| {
        steps.push(Step {
            what,
            round_trips: waves(requests, width),
        })
    };
    match op {
        Operation::Create { n } => {
            wave("manifests", n);
            wave("configs", n);
        }
        Operation::InspectList { n } => {
            wave("list", 1);
            wave("members", n);
        }
        Operation::PushCrossRepo { n } => {
            wave("mounts", 2 * n);
            wave("members", n);
            wave("list", 1);
        }
    }
    Floor { steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Link = Link {
        tls: false,
        auth: LinkAuth::Anonymous,
    };

    #[test]
    fn create_needs_a_connection_then_each_manifest_then_each_config() {
        let f = floor(Operation::Create { n: 4 }, PLAIN, None);
        assert_eq!(f.round_trips(), 3);
        assert_eq!(f.describe(), "connection 1 + manifests 1 + configs 1");
        // whatever N is, when the width is unbounded
        assert_eq!(
            floor(Operation::Create { n: 50 }, PLAIN, None).round_trips(),
            3
        );
        // 20 manifests over 8 connections: three waves of each
        assert_eq!(
            floor(Operation::Create { n: 20 }, PLAIN, Some(8)).round_trips(),
            7
        );
    }

    #[test]
    fn tls_and_a_token_endpoint_add_their_round_trips_before_any_work() {
        let link = Link {
            tls: true,
            auth: LinkAuth::Token,
        };
        let f = floor(Operation::Create { n: 4 }, link, None);
        assert_eq!(f.round_trips(), 7);
        assert_eq!(
            f.describe(),
            "connection 1 + tls 1 + challenge 1 + token 2 + manifests 1 + configs 1"
        );
        let basic = Link {
            tls: true,
            auth: LinkAuth::Basic,
        };
        assert_eq!(
            floor(Operation::Create { n: 4 }, basic, None).round_trips(),
            5
        );
    }

    #[test]
    fn inspect_and_push_have_their_own_waves() {
        assert_eq!(
            floor(Operation::InspectList { n: 4 }, PLAIN, None).round_trips(),
            3
        );
        assert_eq!(
            floor(Operation::PushCrossRepo { n: 4 }, PLAIN, None).round_trips(),
            4
        );
        // 40 blobs over 8 connections take five waves
        assert_eq!(
            floor(Operation::PushCrossRepo { n: 20 }, PLAIN, Some(8)).round_trips(),
            1 + 5 + 3 + 1
        );
    }
}
