//! What a read must fetch beyond the manifests it was asked for.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_read_only_for_a_platform_not_known_yet() {
        assert!(config_needed(false));
        assert!(!config_needed(true));
    }
}
