//! What a read must fetch beyond the manifests it was asked for, and the connections it opens
//! ahead.
//!
//! A config is fetched to learn an image's platform. Where the descriptor that led to the
//! image already carries one (a member of a list), and nothing else is read from the config,
//! it is a round trip and a request for nothing: the output is the same without it. docker
//! fetches it anyway; what it would catch, a config missing from the registry, is what a push
//! of that list, or a pull of that image, reports.

/// Whether an image's config must be fetched: only when its platform is not known already.
pub fn config_needed(platform_known: bool) -> bool {
    !platform_known
}

/// How many connections to open beside a remote inspect's first read, while it is in flight:
/// when the reference is a list, its members are read next, each on a connection of its own,
/// and a connection opened only then costs a round trip (two with TLS) before its request.
/// Lists people push have 2–4 platforms; at most `jobs - 1`, and one to spare when the
/// reference turns out to be an image (an unused ping).
pub fn warm_beside_first_read(jobs: usize) -> usize {
    jobs.saturating_sub(1).min(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_read_only_for_a_platform_not_known_yet() {
        assert!(config_needed(false));
        assert!(!config_needed(true));
    }

    #[test]
    fn a_few_connections_open_beside_the_first_read_within_jobs() {
        assert_eq!(warm_beside_first_read(32), 3);
        assert_eq!(warm_beside_first_read(2), 1);
        assert_eq!(warm_beside_first_read(1), 0);
    }
}
