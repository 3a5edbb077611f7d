//! Normalisation: containerd's canonical form of a platform, the form two platforms are compared in.
//!
//! Parsing returns this form and matching compares in it, so the aliases (`x86_64`, `aarch64`,
//! `armhf`, `macos`) and the baseline variants (arm64 v8, amd64 v1) are decided once, here.

use super::Platform;

pub(super) fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// containerd's `normalizeOS`, minus its "empty means the host" rule, which needs the host.
pub(super) fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

/// containerd's `normalizeArch`, case for case: the variant that is the architecture's baseline
/// (arm64 v8, amd64 v1) is dropped, bare arm means v7, and distro names map to GOARCH values.
pub(super) fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let variant = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".into(), variant)
        }
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), variant)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), variant)
        }
        _ => (arch, variant),
    }
}

/// containerd's `Normalize`: the form two platforms are compared in. On top of containerd, empty
/// `variant` / `os.version` / `os.features` become absent, since the spec gives them no meaning
/// apart from absence, and `os.features` is sorted and de-duplicated as containerd does.
/// `features` and unknown fields are kept untouched.
pub fn normalize(p: &Platform) -> Platform {
    let mut out = p.clone();
    out.os = normalize_os(&p.os);
    let (arch, variant) = normalize_arch(&p.architecture, p.variant.as_deref().unwrap_or(""));
    out.architecture = arch;
    out.variant = non_empty(variant);
    out.os_version = p.os_version.clone().filter(|v| !v.is_empty());
    out.os_features = p.os_features.as_ref().and_then(|features| {
        let mut features = features.clone();
        features.sort_unstable(); // equal strings are interchangeable, and dedup removes them
        features.dedup();
        if features.is_empty() {
            None
        } else {
            Some(features)
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::plat;

    #[test]
    fn normalize_follows_containerd() {
        let n =
            |os: &str, arch: &str, variant: Option<&str>| normalize(&plat(os, arch, variant, None));
        assert_eq!(
            n("Linux", "AARCH64", Some("V8")),
            plat("linux", "arm64", None, None)
        );
        assert_eq!(
            n("linux", "arm64", Some("9.0")),
            plat("linux", "arm64", Some("v9"), None)
        );
        assert_eq!(
            n("linux", "armhf", Some("v6")),
            plat("linux", "arm", Some("v7"), None)
        );
        assert_eq!(
            n("linux", "arm", Some("")),
            plat("linux", "arm", Some("v7"), None)
        );
        assert_eq!(
            n("linux", "arm", Some("v7l")),
            plat("linux", "arm", Some("v7l"), None)
        );
        assert_eq!(
            n("linux", "x86_64", Some("v1")),
            plat("linux", "amd64", None, None)
        );
        assert_eq!(
            n("linux", "386", Some("sse")),
            plat("linux", "386", Some("sse"), None)
        );
        assert_eq!(n("", "", None), plat("", "", None, None));

        let mut q = plat("windows", "amd64", None, Some(""));
        q.os_features = Some(vec!["b".into(), "a".into(), "b".into()]);
        q.features = Some(vec!["sse4".into()]);
        let normal = normalize(&q);
        assert_eq!(normal.os_version, None);
        assert_eq!(
            normal.os_features,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(normal.features, q.features);
        q.os_features = Some(vec![]);
        assert_eq!(normalize(&q).os_features, None);
    }
}
