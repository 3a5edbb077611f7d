//! The tables of known values: Go's GOOS and GOARCH lists, image-spec's variants, and the
//! (os, arch) pairs `docker manifest annotate` accepts.
//!
//! Parsing uses them to tell a lone os from a lone architecture, and validation to warn on
//! unconventional values; they change when Go or docker do, so they live together.

/// Go's `internal/syslist.KnownOS`: every GOOS `go tool dist list` prints, plus the ones Go
/// reserves (hurd, nacl, zos). containerd's bare-word detection uses the same list.
const GO_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Go's `internal/syslist.KnownArch`: the GOARCH values of `go tool dist list` and the reserved ones.
const GO_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// buildx writes `unknown/unknown` on attestation entries, so validation must not warn on it.
pub(super) const UNKNOWN: &str = "unknown";

pub(super) fn is_go_os(os: &str) -> bool {
    GO_OS.contains(&os)
}

pub(super) fn is_go_arch(arch: &str) -> bool {
    GO_ARCH.contains(&arch)
}

/// Whether `os` is a GOOS value (image-spec: "Values SHOULD be ... GOOS"), or buildx's
/// `unknown`. Exact: pass [`normalize`](fn@super::normalize)d values to ignore case and aliases.
pub fn is_known_os(os: &str) -> bool {
    is_go_os(os) || os == UNKNOWN
}

/// Whether `arch` is a GOARCH value (image-spec: "Values SHOULD be ... GOARCH"), or buildx's
/// `unknown`. Exact: pass [`normalize`](fn@super::normalize)d values to ignore case and aliases.
pub fn is_known_arch(arch: &str) -> bool {
    is_go_arch(arch) || arch == UNKNOWN
}

/// docker/cli `validOSArches` (cli/command/manifest/util.go): all that `docker manifest
/// annotate` accepts, compared exactly, without normalising.
const DOCKER_ANNOTATE_OS_ARCH: &[(&str, &str)] = &[
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm"),
    ("darwin", "arm64"),
    ("dragonfly", "amd64"),
    ("freebsd", "386"),
    ("freebsd", "amd64"),
    ("freebsd", "arm"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "mips64"),
    ("linux", "mips64le"),
    ("linux", "riscv64"),
    ("linux", "s390x"),
    ("netbsd", "386"),
    ("netbsd", "amd64"),
    ("netbsd", "arm"),
    ("openbsd", "386"),
    ("openbsd", "amd64"),
    ("openbsd", "arm"),
    ("plan9", "386"),
    ("plan9", "amd64"),
    ("solaris", "amd64"),
    ("windows", "386"),
    ("windows", "amd64"),
];

/// Whether `docker manifest annotate` accepts this (os, arch) pair. Docker compares the merged
/// values exactly, so `Linux/amd64` and `windows/arm64` are refused there and must be here.
pub fn docker_annotate_allows(os: &str, arch: &str) -> bool {
    DOCKER_ANNOTATE_OS_ARCH.contains(&(os, arch))
}

const ARM_VARIANTS: &[&str] = &["v5", "v6", "v7", "v8"];
const ARM64_VARIANTS: &[&str] = &[
    "v8", "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9",
    "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5",
];
const AMD64_VARIANTS: &[&str] = &["v1", "v2", "v3", "v4"];
const PPC64LE_VARIANTS: &[&str] = &["power8", "power9", "power10"];
const RISCV64_VARIANTS: &[&str] = &["rva20u64", "rva22u64", "rva23u64"];

/// The variants image-spec's table lists for `arch`, spelled as Go's GOARM / GOARM64 / GOAMD64
/// / GOPPC64 / GORISCV64 spell them, so validation can warn on `armv7` or `v7l`. None when the
/// architecture has no variant table, i.e. any variant there is unconventional.
pub fn known_variants(arch: &str) -> Option<&'static [&'static str]> {
    match arch {
        "arm" => Some(ARM_VARIANTS),
        "arm64" => Some(ARM64_VARIANTS),
        "amd64" => Some(AMD64_VARIANTS),
        "ppc64le" => Some(PPC64LE_VARIANTS),
        "riscv64" => Some(RISCV64_VARIANTS),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert!(docker_annotate_allows("linux", "arm64"));
        assert!(docker_annotate_allows("linux", "s390x"));
        assert!(docker_annotate_allows("windows", "amd64"));
        assert!(docker_annotate_allows("solaris", "amd64"));
        for (os, arch) in [
            ("windows", "arm64"),
            ("linux", "ppc64"),
            ("linux", "loong64"),
            ("linux", "mips"),
            ("linux", "armv7l"),
            ("unknown", "unknown"),
            ("Linux", "amd64"),
            ("linux", ""),
            ("", "arm64"),
        ] {
            assert!(!docker_annotate_allows(os, arch), "{os}/{arch}");
        }
        assert_eq!(DOCKER_ANNOTATE_OS_ARCH.len(), 28);

        for os in ["linux", "windows", "darwin", "wasip1", "illumos", "unknown"] {
            assert!(is_known_os(os), "{os}");
        }
        for os in ["macos", "Linux", "", "osx"] {
            assert!(!is_known_os(os), "{os}");
        }
        for arch in [
            "amd64", "arm64", "386", "loong64", "riscv64", "wasm", "unknown",
        ] {
            assert!(is_known_arch(arch), "{arch}");
        }
        for arch in ["x86_64", "aarch64", "armhf", "AMD64", ""] {
            assert!(!is_known_arch(arch), "{arch}");
        }

        assert_eq!(known_variants("arm"), Some(&["v5", "v6", "v7", "v8"][..]));
        let arm64 = known_variants("arm64").unwrap();
        assert!(arm64.contains(&"v8") && arm64.contains(&"v8.9") && arm64.contains(&"v9.5"));
        assert!(!arm64.contains(&"v9.6"));
        assert_eq!(known_variants("amd64"), Some(&["v1", "v2", "v3", "v4"][..]));
        assert!(known_variants("ppc64le").unwrap().contains(&"power10"));
        assert!(known_variants("riscv64").unwrap().contains(&"rva23u64"));
        assert_eq!(known_variants("s390x"), None);
        assert_eq!(known_variants("386"), None);
    }
}
