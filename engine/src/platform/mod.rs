//! Platforms: the `platform` object of index entries, the `os/arch[/variant]` strings users type,
//! and the rule that picks the entry a machine should run.
//!
//! Behaviour follows containerd's `platforms` package, because docker, nerdctl and buildkit all
//! use it: `--platform` has to mean here what it means there. Where it differs, it is on purpose:
//!
//! * **No host.** The engine cannot see the machine it runs on, so [`parse`](fn@parse) rejects
//!   containerd's one-word forms (`linux`, `arm64`), whose missing half containerd takes from the
//!   host. [`parse_for_host`] resolves them the same way, given the host platform from the shim.
//! * **One canonical form.** containerd's `Parse` leaves `linux/arm` without a variant but turns
//!   `linux/arm64` typed as `linux/arm64/v8` into `arm64/v8`, and then its matcher normalises both
//!   again. [`parse`](fn@parse) returns [`normalize`](fn@normalize)'s form straight away
//!   (`linux/arm` is `arm/v7`, `arm64/v8` is `arm64`), so a parsed platform compares with `==`
//!   against normalised entries.
//! * **Matching stays within one architecture.** containerd's `Only` lets amd64 fall back to 386
//!   and arm64 to arm/v8..v5. That suits a runtime that must run *something*, but a manifest tool
//!   asked for `linux/amd64` must not quietly answer with a 386 image, so [`matches()`] and
//!   [`best_match`] keep containerd's variant ladders and drop the cross-architecture steps.
//! * **Both os.version spellings.** The `:os.version` suffix of go-containerregistry (crane,
//!   pack) and regclient, and containerd's `os(os.version+os.feature)` form, are both accepted.
//!
//! Each rule has a file of its own: `parse` for syntax, `normalize` for the canonical form,
//! `matching` for the choice of entry, `windows` for os.version, `known` for the tables of
//! conventional values, and `attestation` for the entries that run nowhere, with the tests of each
//! beside it. Everything is re-exported here, so the paths stay `platform::X`.

mod attestation;
mod error;
mod known;
mod matching;
mod normalize;
mod parse;
mod windows;

pub use crate::model::Platform;

pub use attestation::{
    attestations_of, attested_digest, count_words, is_attestation, runnable_entries,
    ATTESTATION_MANIFEST, REFERENCE_DIGEST_ANNOTATION, REFERENCE_TYPE_ANNOTATION,
};
pub use error::{Part, PlatformError};
pub use known::{docker_annotate_allows, is_known_arch, is_known_os, known_variants};
pub use matching::{best_match, matches, matches_exactly};
pub use normalize::normalize;
pub use parse::{parse, parse_exact, parse_for_host};

/// Helpers the submodules' tests share, and the properties that span parsing, normalisation and
/// matching together.
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(super) fn plat(
        os: &str,
        arch: &str,
        variant: Option<&str>,
        os_version: Option<&str>,
    ) -> Platform {
        Platform {
            variant: variant.map(str::to_string),
            os_version: os_version.map(str::to_string),
            ..Platform::new(os, arch)
        }
    }

    pub(super) fn p(s: &str) -> Platform {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    pub(super) fn best(wanted: &str, entries: &[&str]) -> Option<usize> {
        let platforms: Vec<Platform> = entries.iter().map(|e| p(e)).collect();
        let refs: Vec<Option<&Platform>> = platforms.iter().map(Some).collect();
        best_match(&p(wanted), &refs)
    }

    fn os_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "linux", "Linux", "windows", "macos", "MacOS", "darwin", "freebsd", "unknown"
            ])
            .prop_map(str::to_string),
            "[A-Za-z0-9_-]{1,10}",
        ]
    }

    fn arch_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "amd64", "x86_64", "X86-64", "i386", "386", "arm", "armhf", "armel", "arm64",
                "aarch64", "AArch64", "ppc64le", "riscv64", "s390x", "unknown",
            ])
            .prop_map(str::to_string),
            "[A-Za-z0-9_.-]{1,10}",
        ]
    }

    fn variant_strategy() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            prop::sample::select(vec![
                "v1", "v2", "v3", "5", "6", "7", "8", "9", "9.0", "v5", "v6", "v7", "V7", "v8",
                "v8.0", "v8.1", "v8.5", "v9", "v9.0", "v9.3", "v9.7", "power9", "rva22u64",
            ])
            .prop_map(str::to_string),
            "[A-Za-z0-9_.-]{1,8}",
        ])
    }

    fn os_version_strategy() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            prop::sample::select(vec![
                "10.0.17763.1",
                "10.0.17763.5000",
                "10.0.20348.1",
                "10.0.22621.1",
                "10.0.26100.2894",
                "10.0.26100.3000",
                "6.3.9600.1",
            ])
            .prop_map(str::to_string),
            "[A-Za-z0-9_.+-]{1,12}",
        ])
    }

    fn platform_strategy() -> impl Strategy<Value = Platform> {
        (
            os_strategy(),
            arch_strategy(),
            variant_strategy(),
            os_version_strategy(),
        )
            .prop_map(|(os, arch, variant, os_version)| Platform {
                variant,
                os_version,
                ..Platform::new(&os, &arch)
            })
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = parse(&s);
            let _ = parse_exact(&s);
            let _ = parse_for_host(&s, &Platform::new("linux", "amd64"));
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[a-zA-Z0-9/:()+%._ ,*-]{0,24}") {
            if let Ok(p) = parse(&s) {
                prop_assert_eq!(normalize(&p), p.clone());
            }
            let _ = parse_for_host(&s, &Platform::new("windows", "arm64"));
        }

        #[test]
        fn canonical_display_parses_back(p in platform_strategy()) {
            let n = normalize(&p);
            prop_assert_eq!(normalize(&n), n.clone());
            prop_assert_eq!(parse(&n.display()), Ok(n));
        }

        #[test]
        fn exact_display_parses_back(p in platform_strategy()) {
            prop_assert_eq!(parse_exact(&p.display()), Ok(p));
        }

        #[test]
        fn matching_is_reflexive_and_exact_implies_compatible(
            a in platform_strategy(),
            b in platform_strategy(),
        ) {
            prop_assert!(matches_exactly(&a, &a));
            prop_assert!(matches(&a, &a));
            prop_assert_eq!(best_match(&a, &[None, Some(&b), Some(&a)]).is_some(), true);
            if matches_exactly(&a, &b) {
                prop_assert!(matches(&a, &b));
            }
            if let Some(i) = best_match(&a, &[Some(&b), Some(&a)]) {
                let chosen = if i == 0 { &b } else { &a };
                prop_assert!(matches(&a, chosen));
                if matches_exactly(&a, &b) {
                    prop_assert_eq!(i, 0);
                }
            }
        }
    }
}
