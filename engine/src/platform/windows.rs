//! Windows' os.version rules: which image builds a Windows host can run, and how far a build is
//! from the one wanted.
//!
//! Only Windows gives os.version a meaning for matching (containerd's `windowsVersionMatcher`);
//! elsewhere it only orders otherwise equal candidates. Kept apart from the variant ladders in
//! [`matching`](super::matching) because the LTSC table changes with Windows releases.

use super::Platform;

pub(super) fn os_version_distance(w: &Platform, c: &Platform, windows: bool) -> u32 {
    let Some(wanted) = w.os_version.as_deref() else {
        return 0;
    };
    let Some(candidate) = c.os_version.as_deref() else {
        // Matches (containerd lets an undeclared build through) but says least about fitting.
        return if windows { u32::MAX } else { 1 };
    };
    if wanted == candidate {
        return 0;
    }
    if !windows {
        return 1;
    }
    match (windows_version(wanted), windows_version(candidate)) {
        (Some(h), Some(k)) if h.build == k.build => 1,
        (Some(h), Some(k)) => 2 + u32::from(h.build.abs_diff(k.build)),
        _ => 1,
    }
}

/// The first three numbers of a Windows os.version (`major.minor.build[.revision]`), as
/// containerd's `getWindowsOSVersion` reads them; None where it would give the zero version.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct WindowsVersion {
    major: u8,
    minor: u8,
    build: u16,
}

fn windows_version(v: &str) -> Option<WindowsVersion> {
    let mut it = v.split('.');
    let (major, minor, build) = (it.next()?, it.next()?, it.next()?);
    let version = WindowsVersion {
        major: go_uint(major)?,
        minor: go_uint(minor)?,
        build: go_uint(build)?,
    };
    (version
        != WindowsVersion {
            major: 0,
            minor: 0,
            build: 0,
        })
    .then_some(version)
}

/// `strconv.ParseUint(s, 10, bits)`: digits only, no sign, in range.
fn go_uint<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Windows Server 2022's build, from which Windows keeps a stable container ABI.
const LTSC2022: u16 = 20348;
/// The LTSC builds with a stable ABI, ascending (containerd's `compatLTSCReleases`).
const STABLE_ABI_LTSC: &[u16] = &[LTSC2022, 26100];

/// containerd's `windowsVersionMatcher`: an unreadable or absent host version, or an absent
/// image version, matches; otherwise `checkWindowsHostAndContainerCompat`.
pub(super) fn windows_runs(host: Option<&str>, image: Option<&str>) -> bool {
    let (Some(host), Some(image)) = (host.and_then(windows_version), image) else {
        return true;
    };
    let Some(image) = windows_version(image) else {
        return false;
    };
    if host.major != image.major || host.minor != image.minor {
        return false;
    }
    if host.build < LTSC2022 {
        return host.build == image.build;
    }
    // The host runs images from the newest LTSC older than itself up to its own build.
    let oldest = STABLE_ABI_LTSC
        .iter()
        .rev()
        .find(|&&ltsc| host.build > ltsc)
        .copied()
        .unwrap_or(LTSC2022);
    oldest <= image.build && image.build <= host.build
}

#[cfg(test)]
mod tests {
    use crate::platform::tests::{best, p};
    use crate::platform::{matches, matches_exactly};

    #[test]
    fn windows_os_version() {
        let rs5 = "windows/amd64:10.0.17763.1";
        assert!(matches(&p(rs5), &p("windows/amd64:10.0.17763.5000")));
        assert!(!matches_exactly(
            &p(rs5),
            &p("windows/amd64:10.0.17763.5000")
        ));
        assert!(!matches(&p(rs5), &p("windows/amd64:10.0.20348.1")));
        assert!(!matches(&p("windows/amd64:10.0.20348.1"), &p(rs5)));
        assert!(matches(
            &p("windows/amd64:10.0.26100.1"),
            &p("windows/amd64:10.0.20348.2000")
        ));
        assert!(!matches(
            &p("windows/amd64:10.0.20348.1"),
            &p("windows/amd64:10.0.26100.1")
        ));
        assert!(matches(
            &p("windows/amd64:10.0.22621.1"),
            &p("windows/amd64:10.0.20348.1")
        ));
        assert!(!matches(&p("windows/amd64:10.0.22621.1"), &p(rs5)));
        assert!(!matches(
            &p("windows/amd64:6.3.9600.1"),
            &p("windows/amd64:10.0.9600.1")
        ));
        // Absent or unreadable versions on the wanted side match any build, as in containerd;
        // an entry without one matches too, but an unreadable one does not.
        assert!(matches(&p("windows/amd64"), &p(rs5)));
        assert!(matches(&p("windows/amd64:ltsc2019"), &p(rs5)));
        assert!(matches(&p(rs5), &p("windows/amd64")));
        assert!(!matches(&p(rs5), &p("windows/amd64:banana")));

        let entries = [
            "windows/amd64:10.0.20348.1",
            "windows/amd64:10.0.17763.2000",
            "windows/amd64:10.0.17763.1",
        ];
        assert_eq!(best(rs5, &entries), Some(2));
        assert_eq!(best("windows/amd64:10.0.17763.9", &entries), Some(1));
        assert_eq!(best("windows/amd64", &entries), Some(0));
        let servers = [
            "windows/amd64",
            "windows/amd64:10.0.17763.1",
            "windows/amd64:10.0.20348.1",
            "windows/amd64:10.0.26100.1",
        ];
        assert_eq!(best("windows/amd64:10.0.26100.3000", &servers), Some(3));
        assert_eq!(
            best("windows/amd64:10.0.26100.3000", &servers[..3]),
            Some(2)
        );
        assert_eq!(best("windows/amd64:10.0.20348.5", &servers), Some(2));
        assert_eq!(best("windows/amd64:10.0.14393.5", &servers), Some(0));
        assert_eq!(best("windows/amd64:10.0.14393.5", &servers[1..]), None);
    }
}
