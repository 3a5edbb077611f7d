//! How much goes to a registry at once: `--jobs` when given, else a width for requests and a
//! narrower one for blob transfers.
//!
//! **Requests** (manifests, configs, HEADs, mounts, puts of documents) are small: each costs a
//! round trip, and the round trip is the cost. The wider the wave, the fewer waves: at a
//! registry 40 ms away, creating a list of 20 images took 344 ms with 8 at once, 252 ms with 16
//! and 168 ms with 32 (the world bench, TLS with tokens alike: 866, 405 and 346 ms); 32 covers
//! the lists people push (2–20 platforms) in one wave, and distribution, GHCR and Docker Hub
//! serve that many connections from one client.
//!
//! **Transfers** (a blob's bytes, uploaded or copied) are bounded by bandwidth, not round
//! trips, and a blob up to the upload chunk size is held whole while it is sent: 8 at once
//! bounds that memory (8 × 8 MiB) whatever the request width, and more streams over one link
//! do not end sooner.

/// The default number of requests in flight at once.
pub const REQUESTS: usize = 32;
/// The default number of blob transfers in flight at once.
pub const TRANSFERS: usize = 8;
/// The most `--jobs` may ask for.
pub const MAX: usize = 64;

/// How much goes at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Widths {
    /// Requests in flight at once.
    pub requests: usize,
    /// Blob transfers in flight at once (within `requests`).
    pub transfers: usize,
}

/// The widths for `jobs` (`--jobs`, else `MANIFOLD_JOBS`, as given): that many of both, within
/// 1..=[`MAX`]; none given, the defaults.
pub fn widths(jobs: Option<usize>) -> Widths {
    match jobs {
        Some(n) => {
            let n = n.clamp(1, MAX);
            Widths {
                requests: n,
                transfers: n,
            }
        }
        None => Widths {
            requests: REQUESTS,
            transfers: TRANSFERS,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_set_both_widths_and_the_defaults_keep_transfers_narrow() {
        assert_eq!(
            widths(None),
            Widths {
                requests: 32,
                transfers: 8
            }
        );
        assert_eq!(
            widths(Some(4)),
            Widths {
                requests: 4,
                transfers: 4
            }
        );
        assert_eq!(widths(Some(0)).requests, 1);
        assert_eq!(widths(Some(1000)).transfers, MAX);
    }
}
