//! The `platform` of an index entry (`image-index.md`): `architecture` and `os` REQUIRED
//! strings that SHOULD be GOARCH / GOOS values, `os.version` a string, `os.features` an array
//! of strings, `variant` a string that SHOULD be one of the Platform Variants table, and
//! `features` an array of strings (Docker: CPU features; OCI: RESERVED).
//!
//! The known values are `crate::platform`'s (Go's GOOS/GOARCH lists plus `unknown`, which
//! buildx writes for attestation manifests), so parsing and validation agree.

use std::borrow::Cow;

use crate::json::tree::{Member, Node};
use crate::model::Platform;

use super::context::{fields, span, Ctx, Seg};
use super::{Flavor, Severity};

/// What buildx writes as os and architecture of attestation manifests.
const UNKNOWN: &str = "unknown";

/// Variants for the architectures of image-spec's Platform Variants table. `arm` also takes
/// `v5` (GOARM=5; the arm32v5 images use it) besides the table's v6, v7, v8; ppc64 shares
/// ppc64le's GOPPC64 values. arm64 is matched by [`is_known_variant`]; its list here is only
/// for messages.
fn known_variants(arch: &str) -> Option<&'static [&'static str]> {
    Some(match arch {
        "arm" => &["v5", "v6", "v7", "v8"],
        "arm64" => &["v8", "v8.0 … v8.9", "v9", "v9.0 … v9.5"],
        "amd64" => &["v1", "v2", "v3", "v4"],
        "ppc64le" | "ppc64" => &["power8", "power9", "power10"],
        "riscv64" => &["rva20u64", "rva22u64", "rva23u64"],
        _ => return None,
    })
}

fn is_known_variant(arch: &str, variant: &str) -> bool {
    let table = if arch == "ppc64" { "ppc64le" } else { arch };
    crate::platform::known_variants(table).is_some_and(|vs| vs.contains(&variant))
}

/// The strings of a platform that has string `os` and `architecture`.
#[derive(Clone, Copy, Debug)]
pub(super) struct PlatformInfo<'a> {
    pub os: &'a str,
    pub architecture: &'a str,
    pub variant: &'a str,
    pub os_version: &'a str,
}

impl<'a> PlatformInfo<'a> {
    /// buildx attestation manifests are `unknown/unknown`; several in one index are normal.
    pub(super) fn is_attestation(&self) -> bool {
        self.os == UNKNOWN && self.architecture == UNKNOWN
    }

    /// `os/arch[/variant][:os.version]`, as users type it.
    pub(super) fn display(&self) -> String {
        let mut s = format!("{}/{}", self.os, self.architecture);
        if !self.variant.is_empty() {
            s.push('/');
            s.push_str(self.variant);
        }
        if !self.os_version.is_empty() {
            s.push(':');
            s.push_str(self.os_version);
        }
        s
    }

    /// The platform as clients compare it (containerd's normalisation): lower case, the
    /// usual aliases (`aarch64`, `x86_64`, `armhf`, ...), and default variants dropped or
    /// filled in (`arm64/v8` is `arm64`, `amd64/v1` is `amd64`, `arm` is `arm/v7`).
    pub(super) fn normalized(self) -> [Cow<'a, str>; 4] {
        let os = lower(self.os);
        let os = if os == "macos" {
            Cow::Borrowed("darwin")
        } else {
            os
        };
        let arch = lower(self.architecture);
        let variant = lower(self.variant);
        let (arch, variant): (Cow<'a, str>, Cow<'a, str>) = match arch.as_ref() {
            "i386" => ("386".into(), "".into()),
            "x86_64" | "x86-64" | "amd64" => (
                "amd64".into(),
                if variant == "v1" { "".into() } else { variant },
            ),
            "aarch64" | "arm64" => (
                "arm64".into(),
                if matches!(variant.as_ref(), "8" | "v8" | "v8.0") {
                    "".into()
                } else {
                    variant
                },
            ),
            "armhf" => ("arm".into(), "v7".into()),
            "armel" => ("arm".into(), "v6".into()),
            "arm" => (
                "arm".into(),
                match variant.as_ref() {
                    "" | "7" => "v7".into(),
                    "5" | "6" | "8" => format!("v{variant}").into(),
                    _ => variant,
                },
            ),
            _ => (arch, variant),
        };
        [os, arch, variant, Cow::Borrowed(self.os_version)]
    }
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

const FIELDS: [&str; 6] = [
    "architecture",
    "os",
    "os.version",
    "os.features",
    "variant",
    "features",
];

/// Checks a `platform` object at the current path.
pub(super) fn check<'a>(
    ctx: &mut Ctx<'a>,
    node: &'a Node<'a>,
    flavor: Flavor,
) -> Option<PlatformInfo<'a>> {
    let Some(members) = node.members() else {
        ctx.error(
            span(node),
            format!(
                "platform is {}; expected an object with architecture and os",
                node.type_name()
            ),
        );
        return None;
    };
    let [architecture, os, os_version, os_features, variant, features] =
        fields(ctx, members, &FIELDS);

    let architecture = required_string(
        ctx,
        node,
        architecture,
        "architecture",
        "a GOARCH value such as \"amd64\" or \"arm64\"",
    );
    if let Some((m, a)) = architecture {
        if let Some(message) = architecture_problem(a) {
            ctx.at(Seg::Key(&m.key), |ctx| ctx.warn(span(&m.value), message));
        }
    }
    let os = required_string(
        ctx,
        node,
        os,
        "os",
        "a GOOS value such as \"linux\" or \"windows\"",
    );
    if let Some((m, o)) = os {
        if let Some(message) = os_problem(o) {
            ctx.at(Seg::Key(&m.key), |ctx| ctx.warn(span(&m.value), message));
        }
    }
    let os_version = os_version.and_then(|m| string(ctx, m));
    if let Some(m) = os_features {
        string_array(ctx, m);
    }
    let variant_value = variant.and_then(|m| string(ctx, m));
    if let (Some(m), Some(v), Some((_, a))) = (variant, variant_value, architecture) {
        if let Some(message) = variant_problem(a, v) {
            ctx.at(Seg::Key(&m.key), |ctx| ctx.warn(span(&m.value), message));
        }
    }
    if let Some(m) = features {
        string_array(ctx, m);
        if flavor == Flavor::Oci {
            ctx.at(Seg::Key(&m.key), |ctx| {
                ctx.warn(
                    span(&m.value),
                    "features is RESERVED by image-spec for future versions; OCI tools ignore \
                     it (os.features holds OS features)"
                        .to_string(),
                )
            });
        }
    }
    Some(PlatformInfo {
        os: os?.1,
        architecture: architecture?.1,
        variant: variant_value.unwrap_or(""),
        os_version: os_version.unwrap_or(""),
    })
}

fn required_string<'a>(
    ctx: &mut Ctx<'a>,
    platform: &'a Node<'a>,
    field: Option<&'a Member<'a>>,
    key: &'static str,
    expected: &str,
) -> Option<(&'a Member<'a>, &'a str)> {
    let Some(m) = field else {
        ctx.report_field(
            key,
            Severity::Error,
            span(platform),
            format!("platform.{key} is required; expected {expected}"),
        );
        return None;
    };
    string(ctx, m).map(|s| (m, s))
}

fn string<'a>(ctx: &mut Ctx<'a>, m: &'a Member<'a>) -> Option<&'a str> {
    let s = m.value.as_str();
    if s.is_none() {
        ctx.at(Seg::Key(&m.key), |ctx| {
            ctx.error(
                span(&m.value),
                format!("{} is {}; expected a string", m.key, m.value.type_name()),
            )
        });
    }
    s
}

fn string_array<'a>(ctx: &mut Ctx<'a>, m: &'a Member<'a>) {
    ctx.at(Seg::Key(&m.key), |ctx| {
        let Some(items) = m.value.as_array() else {
            ctx.error(
                span(&m.value),
                format!(
                    "{} is {}; expected an array of strings",
                    m.key,
                    m.value.type_name()
                ),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if item.as_str().is_none() {
                ctx.at(Seg::Index(i), |ctx| {
                    ctx.error(
                        span(item),
                        format!("{}[{i}] is {}; expected a string", m.key, item.type_name()),
                    )
                });
            }
        }
    });
}

/// A warning for an architecture that is not a GOARCH value, with the right name when it is
/// a well-known alias.
fn architecture_problem(a: &str) -> Option<String> {
    if crate::platform::is_known_arch(a) {
        return None;
    }
    if a.is_empty() {
        return Some(
            "architecture is empty; expected a GOARCH value such as \"amd64\" or \"arm64\""
                .to_string(),
        );
    }
    let l = a.to_ascii_lowercase();
    let suggestion = match l.as_str() {
        "x86_64" | "x86-64" | "x64" => Some("\"amd64\"".to_string()),
        "aarch64" | "armv8" | "arm64v8" => Some("\"arm64\"".to_string()),
        "i386" | "i486" | "i586" | "i686" | "x86" => Some("\"386\"".to_string()),
        "armhf" | "armv7" | "armv7l" | "arm32v7" => Some("\"arm\" with variant \"v7\"".into()),
        "armel" | "armv6" | "armv6l" | "arm32v6" => Some("\"arm\" with variant \"v6\"".into()),
        "armv5" | "armv5l" | "arm32v5" => Some("\"arm\" with variant \"v5\"".into()),
        "ppc64el" => Some("\"ppc64le\"".to_string()),
        _ if crate::platform::is_known_arch(&l) => Some(format!("{l:?}")),
        _ => None,
    };
    Some(match suggestion {
        Some(s) => format!("architecture {a:?} is not a GOARCH value; use {s}"),
        None => format!(
            "architecture {a:?} is not a known GOARCH value; expected one such as amd64, arm64, \
             arm, 386, ppc64le, s390x or riscv64 (or \"unknown\" for attestations)"
        ),
    })
}

fn os_problem(o: &str) -> Option<String> {
    if crate::platform::is_known_os(o) {
        return None;
    }
    if o.is_empty() {
        return Some(
            "os is empty; expected a GOOS value such as \"linux\" or \"windows\"".to_string(),
        );
    }
    let l = o.to_ascii_lowercase();
    let suggestion = match l.as_str() {
        "macos" | "osx" | "macosx" => Some("darwin"),
        "win" | "win32" | "win64" => Some("windows"),
        _ if crate::platform::is_known_os(&l) => Some(l.as_str()),
        _ => None,
    };
    Some(match suggestion {
        Some(s) => format!("os {o:?} is not a GOOS value; use {s:?}"),
        None => format!(
            "os {o:?} is not a known GOOS value; expected one such as linux, windows, darwin or \
             freebsd (or \"unknown\" for attestations)"
        ),
    })
}

fn variant_problem(arch: &str, variant: &str) -> Option<String> {
    let known = known_variants(arch)?;
    if variant.is_empty() || is_known_variant(arch, variant) {
        return None;
    }
    let with_v = format!("v{variant}");
    if is_known_variant(arch, &with_v) {
        return Some(format!(
            "variant {variant:?} is not a known {arch} variant; use {with_v:?}"
        ));
    }
    Some(format!(
        "variant {variant:?} is not a known {arch} variant; expected one of {}",
        known.join(", ")
    ))
}

/// The platform as read, for [`super::Entry`]: the string fields that are strings, the
/// string items of the arrays.
pub(super) fn to_model(node: &Node) -> Option<Platform> {
    // One pass over the members, the last of a repeated key winning (as `context::last`).
    let mut fields: [Option<&Node>; 6] = [None; 6];
    for m in node.members()? {
        if let Some(i) = FIELDS.iter().position(|k| *k == m.key) {
            fields[i] = Some(&m.value);
        }
    }
    let [architecture, os, os_version, os_features, variant, features] = fields;
    let string = |n: Option<&Node>| n.and_then(Node::as_str).map(str::to_string);
    let strings = |n: Option<&Node>| {
        n.and_then(Node::as_array).map(|items| {
            items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect()
        })
    };
    Some(Platform {
        architecture: string(architecture).unwrap_or_default(),
        os: string(os).unwrap_or_default(),
        os_version: string(os_version),
        os_features: strings(os_features),
        variant: string(variant),
        features: strings(features),
        extra: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info<'a>(os: &'a str, arch: &'a str, variant: &'a str) -> PlatformInfo<'a> {
        PlatformInfo {
            os,
            architecture: arch,
            variant,
            os_version: "",
        }
    }

    #[test]
    fn normalisation_joins_aliases_and_default_variants() {
        let n = |os, arch, v| {
            info(os, arch, v)
                .normalized()
                .map(|c| c.into_owned())
                .to_vec()
        };
        assert_eq!(n("linux", "aarch64", ""), n("linux", "arm64", "v8"));
        assert_eq!(n("Linux", "x86_64", ""), n("linux", "amd64", "v1"));
        assert_eq!(n("linux", "arm", ""), n("linux", "armhf", ""));
        assert_eq!(n("linux", "arm", "7"), n("linux", "arm", "v7"));
        assert_ne!(n("linux", "arm", "v6"), n("linux", "arm", "v7"));
        assert_ne!(n("linux", "amd64", "v3"), n("linux", "amd64", ""));
        assert_eq!(n("macos", "arm64", ""), n("darwin", "arm64", ""));
    }

    #[test]
    fn known_values_and_suggestions() {
        assert_eq!(architecture_problem("amd64"), None);
        assert_eq!(architecture_problem("unknown"), None);
        assert!(architecture_problem("x86_64")
            .unwrap()
            .contains("use \"amd64\""));
        assert!(architecture_problem("AMD64")
            .unwrap()
            .contains("use \"amd64\""));
        assert!(architecture_problem("armhf")
            .unwrap()
            .contains("variant \"v7\""));
        assert!(architecture_problem("z80")
            .unwrap()
            .contains("not a known GOARCH"));
        assert_eq!(os_problem("linux"), None);
        assert!(os_problem("Linux").unwrap().contains("use \"linux\""));
        assert!(os_problem("macos").unwrap().contains("use \"darwin\""));
        assert!(os_problem("beos").unwrap().contains("not a known GOOS"));
        assert_eq!(variant_problem("arm64", "v8.2"), None);
        assert_eq!(variant_problem("arm64", "v9.5"), None);
        assert!(variant_problem("arm64", "v9.6").is_some());
        assert_eq!(variant_problem("arm", "v5"), None);
        assert!(variant_problem("arm", "7").unwrap().contains("use \"v7\""));
        assert!(variant_problem("arm", "v9").unwrap().contains("v6, v7"));
        assert_eq!(variant_problem("s390x", "anything"), None);
        assert_eq!(variant_problem("amd64", ""), None);
    }
}
