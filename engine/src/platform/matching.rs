//! Matching: whether an entry serves a wanted platform, and which entry serves it best.
//!
//! containerd's default matcher restricted to one architecture (see the module notes of
//! [`platform`](super)): variant ladders per architecture, os.features, and the order in which
//! [`best_match`] ranks candidates. The os.version rules are Windows' and live in
//! [`windows`](super::windows).

use super::normalize::normalize;
use super::windows::{os_version_distance, windows_runs};
use super::Platform;

/// containerd's default matcher, restricted to one architecture (see the module notes): does
/// the entry `candidate` serve a machine that is `wanted`?
///
/// * os and architecture equal after [`normalize`];
/// * variant equal, or older on the same ladder: arm v8 runs v7..v5, amd64 v3 runs v2 and v1,
///   arm64 v8.x runs v8.0..v8.(x-1) and v9.x runs v9.0..v9.(x-1) and v8.0..v8.(x+5);
/// * on windows, when both carry an os.version, the builds must be compatible as containerd
///   decides (same major.minor; same build before Windows Server 2022; from then on any build
///   from the previous LTSC up to the host's). Elsewhere os.version does not take part;
/// * when `wanted` names os.features, the candidate's must all be among them (windows' `win32k`
///   excepted, which containerd ignores because older images did not declare it).
pub fn matches(wanted: &Platform, candidate: &Platform) -> bool {
    rank(wanted, candidate).is_some()
}

/// Equality after [`normalize`] of os, architecture and variant, and of os.version when `wanted`
/// gives one: the `OnlyStrict` view, for "is this exact platform in the index?" questions.
/// The os.features rule is the same as in [`matches()`], so an exact match always matches.
pub fn matches_exactly(wanted: &Platform, candidate: &Platform) -> bool {
    rank(wanted, candidate) == Some((0, 0))
}

/// The entry to use for `wanted`: exact matches first, then the nearest older variant (v7 before
/// v6 for a v7 machine), then on windows the nearest compatible build. Ties go to the earliest
/// entry, as image-spec asks: "the first matching entry SHOULD be used". `None` entries (no
/// platform) are never chosen.
pub fn best_match(wanted: &Platform, candidates: &[Option<&Platform>]) -> Option<usize> {
    let mut best: Option<(usize, (usize, u32))> = None;
    for (i, candidate) in candidates.iter().enumerate() {
        let Some(candidate) = candidate else { continue };
        if let Some(r) = rank(wanted, candidate) {
            if best.is_none_or(|(_, b)| r < b) {
                best = Some((i, r));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// `None` when `candidate` cannot serve `wanted`; otherwise (variant steps down the ladder,
/// os.version distance), lower being better and `(0, 0)` an exact match.
fn rank(wanted: &Platform, candidate: &Platform) -> Option<(usize, u32)> {
    let w = normalize(wanted);
    let c = normalize(candidate);
    if w.os != c.os || w.architecture != c.architecture {
        return None;
    }
    let windows = w.os == "windows";
    if !os_features_fit(&w, &c, windows) {
        return None;
    }
    if windows && !windows_runs(w.os_version.as_deref(), c.os_version.as_deref()) {
        return None;
    }
    let step = variant_step(&w.architecture, w.variant.as_deref(), c.variant.as_deref())?;
    Some((step, os_version_distance(&w, &c, windows)))
}

fn os_features_fit(w: &Platform, c: &Platform, windows: bool) -> bool {
    // A request that names no os.features (what a user types: `linux/amd64`) takes any entry of
    // that platform; containerd's host matcher is stricter because it knows the host's features.
    let Some(wanted) = w.os_features.as_deref() else {
        return true;
    };
    c.os_features
        .iter()
        .flatten()
        .filter(|f| !(windows && *f == "win32k"))
        .all(|f| wanted.contains(f))
}

/// How many rungs below `wanted` the candidate's variant is on containerd's ladder for the
/// architecture (both normalised); None if it is not on it. Architectures without a ladder
/// (ppc64le, riscv64, ...) need the same variant, as in containerd.
fn variant_step(arch: &str, wanted: Option<&str>, candidate: Option<&str>) -> Option<usize> {
    if wanted == candidate {
        return Some(0);
    }
    match arch {
        // containerd walks "v{n-1}" down to "v1" (normalised to none) and v5 for arm.
        "amd64" | "arm" => {
            let floor = if arch == "amd64" { 1 } else { 5 };
            let top = wanted.and_then(level_loose)?;
            let below = match candidate {
                None if arch == "amd64" => 1,
                None => return None,
                Some(v) => level_canonical(v)?,
            };
            (below >= floor && below < top).then(|| (top - below) as usize)
        }
        "arm64" => arm64_ladder(wanted)?
            .iter()
            .position(|v| v.as_deref() == candidate),
        _ => None,
    }
}

/// The level of a wanted variant as containerd reads it: `strconv.Atoi` after an optional `v`.
fn level_loose(v: &str) -> Option<u32> {
    let digits = v.strip_prefix('v').unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The level of a candidate variant only if it is spelled as containerd generates the rungs
/// (`v` and a number without leading zeros), because containerd compares the strings.
fn level_canonical(v: &str) -> Option<u32> {
    let digits = v.strip_prefix('v')?;
    if digits.starts_with('0') {
        return None;
    }
    level_loose(v)
}

/// containerd's arm64 table (`arm64variantToVersion`): the normalised variants a wanted arm64
/// variant runs, best first. A v9.x core runs v8 up to five minors further on, capped at v8.9.
fn arm64_ladder(wanted: Option<&str>) -> Option<Vec<Option<String>>> {
    let (major, minor) = match wanted {
        None => (8, 0),
        Some("v9") => (9, 0),
        Some(v) => {
            let (major, minor) = v.strip_prefix('v')?.split_once('.')?;
            let minor: u32 = match minor.as_bytes() {
                [d @ b'1'..=b'9'] => u32::from(d - b'0'),
                _ => return None,
            };
            match major {
                "8" => (8, minor),
                "9" if minor <= 7 => (9, minor),
                _ => return None,
            }
        }
    };
    let rung = |major: u32, minor: u32| match (major, minor) {
        (8, 0) => None,
        (m, 0) => Some(format!("v{m}")),
        (m, n) => Some(format!("v{m}.{n}")),
    };
    let mut ladder: Vec<Option<String>> = (0..=minor).rev().map(|n| rung(major, n)).collect();
    if major == 9 {
        ladder.extend((0..=(minor + 5).min(9)).rev().map(|n| rung(8, n)));
    }
    Some(ladder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::{best, p, plat};

    #[test]
    fn best_match_prefers_exact_then_nearest_variant_then_first() {
        assert_eq!(
            best("linux/arm/v7", &["linux/arm/v6", "linux/arm/v7"]),
            Some(1)
        );
        assert_eq!(
            best("linux/arm/v8", &["linux/arm/v6", "linux/arm/v7"]),
            Some(1)
        );
        assert_eq!(
            best("linux/arm/v8", &["linux/arm/v5", "linux/arm/v6"]),
            Some(1)
        );
        assert_eq!(best("linux/arm/v6", &["linux/arm/v7"]), None);
        assert_eq!(
            best(
                "linux/arm",
                &["linux/arm/v5", "linux/arm/v7", "linux/arm/v6"]
            ),
            Some(1)
        );
        assert_eq!(
            best("linux/amd64", &["linux/arm64", "linux/amd64"]),
            Some(1)
        );
        assert_eq!(
            best("linux/amd64", &["linux/amd64", "linux/amd64"]),
            Some(0)
        );
        assert_eq!(
            best(
                "linux/arm64",
                &["linux/arm64/v8", "linux/arm64", "linux/aarch64"]
            ),
            Some(0)
        );
        assert_eq!(best("linux/amd64", &[]), None);
        assert_eq!(best("linux/amd64", &["windows/amd64", "linux/386"]), None);
        assert_eq!(best("linux/amd64", &["linux/amd64/v2"]), None);
        assert_eq!(
            best(
                "linux/amd64/v3",
                &["linux/amd64", "linux/amd64/v2", "linux/amd64/v4"]
            ),
            Some(1)
        );
        assert_eq!(
            best("linux/amd64/v3", &["linux/amd64/v4", "linux/amd64"]),
            Some(1)
        );
        // Same architecture only: no amd64 -> 386 and no arm64 -> arm fallback.
        assert_eq!(best("linux/arm64", &["linux/arm/v7"]), None);
        assert_eq!(
            best(
                "linux/arm64/v8.2",
                &["linux/arm64/v8.1", "linux/arm64", "linux/arm64/v8.3"]
            ),
            Some(0)
        );
        assert_eq!(
            best("linux/arm64/v9", &["linux/arm64/v8.6", "linux/arm64/v8.5"]),
            Some(1)
        );
        assert_eq!(
            best(
                "linux/arm64/v9.2",
                &["linux/arm64/v8.7", "linux/arm64/v9.1"]
            ),
            Some(1)
        );
        assert_eq!(best("linux/arm64/v9.2", &["linux/arm64/v8.8"]), None);
        assert_eq!(best("linux/arm64", &["linux/arm64/v8.1"]), None);

        // Entries without a platform are skipped, and indices still count them.
        let amd = p("linux/amd64");
        assert_eq!(best_match(&amd, &[None, Some(&amd)]), Some(1));
        assert_eq!(best_match(&amd, &[None]), None);
    }

    #[test]
    fn matches_and_matches_exactly() {
        assert!(matches(&p("linux/arm/v8"), &p("linux/arm/v5")));
        assert!(!matches_exactly(&p("linux/arm/v8"), &p("linux/arm/v5")));
        assert!(matches(
            &plat("Linux", "x86_64", None, None),
            &plat("linux", "amd64", Some("v1"), None)
        ));
        assert!(matches_exactly(
            &plat("linux", "arm", None, None),
            &p("linux/arm/v7")
        ));
        assert!(matches_exactly(
            &p("linux/arm64/v8"),
            &plat("linux", "aarch64", None, None)
        ));
        assert!(!matches(
            &p("linux/arm/v7"),
            &plat("linux", "arm", Some("v7l"), None)
        ));
        assert!(matches(
            &p("linux/ppc64le/power9"),
            &p("linux/ppc64le/power9")
        ));
        assert!(!matches(
            &p("linux/ppc64le/power9"),
            &p("linux/ppc64le/power8")
        ));
        assert!(!matches(&p("linux/riscv64"), &p("linux/riscv64/rva22u64")));

        // os.version outside windows: ignored by matches, compared by matches_exactly.
        assert!(matches(&p("linux/amd64:5.15"), &p("linux/amd64")));
        assert!(matches(&p("linux/amd64:5.15"), &p("linux/amd64:6.1")));
        assert!(!matches_exactly(
            &p("linux/amd64:5.15"),
            &p("linux/amd64:6.1")
        ));
        assert!(matches_exactly(&p("linux/amd64"), &p("linux/amd64:6.1")));

        // os.features: a request without them takes any entry; one with them needs the entry's
        // to be among them, win32k aside on windows.
        let mut featured = p("linux/amd64");
        featured.os_features = Some(vec!["sgx".into()]);
        assert!(matches(&p("linux/amd64"), &featured));
        let mut other = p("linux/amd64");
        other.os_features = Some(vec!["avx".into()]);
        assert!(!matches(&other, &featured));
        assert!(matches(&featured, &p("linux/amd64")));
        assert!(matches_exactly(&featured, &featured));
        assert!(matches(
            &p("windows/amd64"),
            &p("windows(10.0.17763+win32k)/amd64")
        ));
    }
}
