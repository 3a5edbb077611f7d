//! Parsing the strings users type: `os/arch[/variant][:os.version]` and containerd's
//! `os(os.version+feature)/arch[/variant]`.
//!
//! Only syntax is decided here; what the values mean (aliases, baselines, known names) comes from
//! [`normalize`](fn@super::normalize) and the [`known`](super::known) tables, so that parsing,
//! normalising and matching each have one home.

use super::error::{Part, PlatformError};
use super::known::{is_go_arch, is_go_os, is_known_arch, is_known_os};
use super::normalize::{non_empty, normalize, normalize_arch, normalize_os};
use super::Platform;

/// Parses `os/arch[/variant][:os.version]` (or containerd's `os(os.version+feature)/arch[/variant]`)
/// into [`normalize`]'s canonical form, so the result compares with `==` against normalised entries.
///
/// containerd's one-word forms (`linux`, `arm64`) need the host to fill the other half, which the
/// engine cannot see; they are errors here, and [`parse_for_host`] accepts them.
pub fn parse(s: &str) -> Result<Platform, PlatformError> {
    parse_exact(s).map(|p| normalize(&p))
}

/// Parses like [`parse`] but keeps every value as typed, case included: `docker manifest annotate`
/// stores exactly what it is given, and a drop-in must write the same bytes. Only the syntax is
/// checked; [`normalize`] and [`is_known_os`] say whether the values are conventional.
pub fn parse_exact(s: &str) -> Result<Platform, PlatformError> {
    match split(s)? {
        Spec::Full(p) => Ok(p),
        Spec::Single(p) => Err(single_word_error(s, &p.os)),
    }
}

/// Parses as containerd's `Parse` does on `host`: a lone os takes the host's architecture and
/// variant, a lone architecture takes the host's os (but not its os.version, which belongs to the
/// host's os build, not to the architecture). Full forms ignore `host`. The result is normalised.
pub fn parse_for_host(s: &str, host: &Platform) -> Result<Platform, PlatformError> {
    let p = match split(s)? {
        Spec::Full(p) => p,
        Spec::Single(mut p) => {
            let host = normalize(host);
            let word = normalize_os(&p.os);
            if is_go_os(&word) {
                p.architecture = host.architecture;
                p.variant = host.variant;
            } else {
                let (arch, variant) = normalize_arch(&p.os, "");
                if !is_go_arch(&arch) || p.os_version.is_some() || p.os_features.is_some() {
                    return Err(PlatformError::NotOsOrArch {
                        input: s.to_string(),
                    });
                }
                p.architecture = arch;
                p.variant = non_empty(variant);
                p.os = host.os;
            }
            p
        }
    };
    Ok(normalize(&p))
}

enum Spec {
    Full(Platform),
    /// One word, held in `os` until the caller decides whether it is an os or an arch.
    Single(Platform),
}

fn single_word_error(input: &str, word: &str) -> PlatformError {
    let input = input.to_string();
    if is_known_os(&normalize_os(word)) {
        PlatformError::NoArchitecture { input }
    } else if is_known_arch(&normalize_arch(word, "").0) {
        PlatformError::NoOs { input }
    } else {
        PlatformError::NotOsOrArch { input }
    }
}

fn is_os_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn is_arch_char(c: char) -> bool {
    is_os_char(c) || c == '.'
}

fn is_version_char(c: char) -> bool {
    is_arch_char(c) || c == '+'
}

fn is_option_char(c: char) -> bool {
    is_arch_char(c) || c == '%'
}

fn check(
    input: &str,
    value: &str,
    part: Part,
    ok: fn(char) -> bool,
    in_parens: bool,
) -> Result<(), PlatformError> {
    if value.is_empty() {
        return Err(PlatformError::EmptyPart {
            input: input.to_string(),
            part,
        });
    }
    match value.chars().find(|&c| !ok(c)) {
        Some(found) => Err(PlatformError::BadCharacter {
            input: input.to_string(),
            part,
            found,
            in_parens,
        }),
        None => Ok(()),
    }
}

fn split(input: &str) -> Result<Spec, PlatformError> {
    if input.is_empty() {
        return Err(PlatformError::Empty);
    }
    // Neither form allows ':' before the os.version, so the first one starts it.
    let (spec, colon_version) = match input.split_once(':') {
        Some((spec, version)) => (spec, Some(version)),
        None => (input, None),
    };
    let parts: Vec<&str> = spec.split('/').collect();
    if parts.len() > 3 {
        return Err(PlatformError::TooManyParts {
            input: input.to_string(),
            count: parts.len(),
        });
    }

    let mut p = Platform::default();
    let (os, version, features) = split_os(input, parts[0])?;
    p.os = os;
    p.os_version = version;
    p.os_features = features;
    if let Some(arch) = parts.get(1) {
        check(input, arch, Part::Architecture, is_arch_char, false)?;
        p.architecture = arch.to_string();
    }
    if let Some(variant) = parts.get(2) {
        check(input, variant, Part::Variant, is_arch_char, false)?;
        p.variant = Some(variant.to_string());
    }
    if let Some(version) = colon_version {
        check(input, version, Part::OsVersion, is_version_char, false)?;
        if p.os_version.is_some() {
            return Err(PlatformError::TwoOsVersions {
                input: input.to_string(),
            });
        }
        p.os_version = Some(version.to_string());
    }
    Ok(if parts.len() == 1 {
        Spec::Single(p)
    } else {
        Spec::Full(p)
    })
}

type OsPart = (String, Option<String>, Option<Vec<String>>);

/// `os` or containerd's `os(os.version+feature+...)`, whose values are %-escaped so that
/// `+ ( ) /` can appear in them.
fn split_os(input: &str, part: &str) -> Result<OsPart, PlatformError> {
    let Some((name, options)) = part.split_once('(') else {
        check(input, part, Part::Os, is_os_char, false)?;
        return Ok((part.to_string(), None, None));
    };
    check(input, name, Part::Os, is_os_char, false)?;
    let Some(options) = options.strip_suffix(')') else {
        return Err(PlatformError::UnclosedOsOptions {
            input: input.to_string(),
        });
    };
    let (version, features) = match options.split_once('+') {
        Some((version, features)) => (version, Some(features)),
        None => (options, None),
    };
    let version = if version.is_empty() {
        None
    } else {
        check(input, version, Part::OsVersion, is_option_char, true)?;
        Some(
            percent_decode(version).ok_or_else(|| PlatformError::BadEscape {
                input: input.to_string(),
                part: Part::OsVersion,
            })?,
        )
    };
    let features = match features {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for feature in list.split('+') {
                check(input, feature, Part::OsFeature, is_option_char, true)?;
                out.push(
                    percent_decode(feature).ok_or_else(|| PlatformError::BadEscape {
                        input: input.to_string(),
                        part: Part::OsFeature,
                    })?,
                );
            }
            Some(out)
        }
    };
    Ok((name.to_string(), version, features))
}

/// Go's `url.PathUnescape`: `%XX` becomes a byte, `+` stays itself. None on a bad escape.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push((hi << 4) | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::{p, plat};

    /// input, os, architecture, variant, os.version
    type ParseCase = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
    );

    #[test]
    fn parse_and_normalise_table() {
        let ok: &[ParseCase] = &[
            ("linux/amd64", "linux", "amd64", None, None),
            ("linux/x86_64", "linux", "amd64", None, None),
            ("linux/x86-64", "linux", "amd64", None, None),
            ("linux/amd64/v1", "linux", "amd64", None, None),
            ("linux/amd64/v3", "linux", "amd64", Some("v3"), None),
            ("linux/aarch64", "linux", "arm64", None, None),
            ("linux/arm64", "linux", "arm64", None, None),
            ("linux/arm64/v8", "linux", "arm64", None, None),
            ("linux/arm64/8", "linux", "arm64", None, None),
            ("linux/arm64/v8.0", "linux", "arm64", None, None),
            ("linux/arm64/v8.2", "linux", "arm64", Some("v8.2"), None),
            ("linux/arm64/9", "linux", "arm64", Some("v9"), None),
            ("linux/arm64/v9.0", "linux", "arm64", Some("v9"), None),
            ("linux/arm", "linux", "arm", Some("v7"), None),
            ("linux/armhf", "linux", "arm", Some("v7"), None),
            ("linux/armel", "linux", "arm", Some("v6"), None),
            ("linux/arm/7", "linux", "arm", Some("v7"), None),
            ("linux/arm/v6", "linux", "arm", Some("v6"), None),
            ("linux/arm/5", "linux", "arm", Some("v5"), None),
            ("linux/arm/8", "linux", "arm", Some("v8"), None),
            ("linux/arm/V7", "linux", "arm", Some("v7"), None),
            ("linux/i386", "linux", "386", None, None),
            ("linux/i386/sse2", "linux", "386", None, None),
            ("linux/386", "linux", "386", None, None),
            (
                "linux/ppc64le/power9",
                "linux",
                "ppc64le",
                Some("power9"),
                None,
            ),
            (
                "linux/riscv64/rva22u64",
                "linux",
                "riscv64",
                Some("rva22u64"),
                None,
            ),
            ("linux/s390x", "linux", "s390x", None, None),
            (
                "windows/amd64:10.0.17763.1",
                "windows",
                "amd64",
                None,
                Some("10.0.17763.1"),
            ),
            (
                "windows/arm64:10.0.26100.2894",
                "windows",
                "arm64",
                None,
                Some("10.0.26100.2894"),
            ),
            (
                "linux/arm/v7:5.15",
                "linux",
                "arm",
                Some("v7"),
                Some("5.15"),
            ),
            (
                "windows(10.0.17763)/amd64",
                "windows",
                "amd64",
                None,
                Some("10.0.17763"),
            ),
            (
                "windows(10.0%2E1)/amd64",
                "windows",
                "amd64",
                None,
                Some("10.0.1"),
            ),
            ("windows()/amd64", "windows", "amd64", None, None),
            ("darwin/arm64", "darwin", "arm64", None, None),
            ("macos/arm64", "darwin", "arm64", None, None),
            ("Linux/AMD64", "linux", "amd64", None, None),
            ("MacOS/X86_64", "darwin", "amd64", None, None),
            ("unknown/unknown", "unknown", "unknown", None, None),
            ("freebsd/amd64", "freebsd", "amd64", None, None),
            ("plan9/my_arch-2.0", "plan9", "my_arch-2.0", None, None),
        ];
        for &(input, os, arch, variant, os_version) in ok {
            assert_eq!(
                parse(input),
                Ok(plat(os, arch, variant, os_version)),
                "parse({input:?})"
            );
        }

        let features = p("windows(10.0.17763+win32k+a%2Bb)/amd64");
        assert_eq!(features.os_version.as_deref(), Some("10.0.17763"));
        assert_eq!(
            features.os_features,
            Some(vec!["a+b".to_string(), "win32k".to_string()])
        );
        let features = p("windows(+win32k)/amd64");
        assert_eq!(features.os_version, None);
        assert_eq!(features.os_features, Some(vec!["win32k".to_string()]));
    }

    #[test]
    fn parse_errors() {
        use Part::*;
        use PlatformError as E;
        let s = |x: &str| x.to_string();
        let empty = |i: &str, part| E::EmptyPart { input: s(i), part };
        let bad = |i: &str, part, found| E::BadCharacter {
            input: s(i),
            part,
            found,
            in_parens: false,
        };
        let bad_in_parens = |i: &str, part, found| E::BadCharacter {
            input: s(i),
            part,
            found,
            in_parens: true,
        };
        let cases: Vec<(&str, PlatformError)> = vec![
            ("", E::Empty),
            ("linux", E::NoArchitecture { input: s("linux") }),
            (
                "Windows",
                E::NoArchitecture {
                    input: s("Windows"),
                },
            ),
            ("arm64", E::NoOs { input: s("arm64") }),
            ("x86_64", E::NoOs { input: s("x86_64") }),
            ("foo", E::NotOsOrArch { input: s("foo") }),
            ("linux/", empty("linux/", Architecture)),
            ("/amd64", empty("/amd64", Os)),
            ("/", empty("/", Os)),
            ("linux/arm/", empty("linux/arm/", Variant)),
            ("linux//v7", empty("linux//v7", Architecture)),
            ("linux/amd64:", empty("linux/amd64:", OsVersion)),
            (":1.0", empty(":1.0", Os)),
            ("(1)/amd64", empty("(1)/amd64", Os)),
            ("windows(1+)/amd64", empty("windows(1+)/amd64", OsFeature)),
            (
                "a/b/c/d",
                E::TooManyParts {
                    input: s("a/b/c/d"),
                    count: 4,
                },
            ),
            ("linux/am d64", bad("linux/am d64", Architecture, ' ')),
            (" linux/amd64", bad(" linux/amd64", Os, ' ')),
            (
                "linux/amd64,linux/arm64",
                bad("linux/amd64,linux/arm64", Architecture, ','),
            ),
            ("lin.ux/amd64", bad("lin.ux/amd64", Os, '.')),
            ("linux/*", bad("linux/*", Architecture, '*')),
            ("linux/arm/v7!", bad("linux/arm/v7!", Variant, '!')),
            ("linux/ämd64", bad("linux/ämd64", Architecture, 'ä')),
            ("linux/amd64:10:0", bad("linux/amd64:10:0", OsVersion, ':')),
            (
                "windows(10 0)/amd64",
                bad_in_parens("windows(10 0)/amd64", OsVersion, ' '),
            ),
            (
                "windows(10.0/amd64",
                E::UnclosedOsOptions {
                    input: s("windows(10.0/amd64"),
                },
            ),
            (
                "windows(1)/amd64:1",
                E::TwoOsVersions {
                    input: s("windows(1)/amd64:1"),
                },
            ),
            (
                "windows(1%zz)/amd64",
                E::BadEscape {
                    input: s("windows(1%zz)/amd64"),
                    part: OsVersion,
                },
            ),
            (
                "windows(1%ff)/amd64",
                E::BadEscape {
                    input: s("windows(1%ff)/amd64"),
                    part: OsVersion,
                },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input), Err(want.clone()), "parse({input:?})");
            assert_eq!(parse_exact(input), Err(want), "parse_exact({input:?})");
        }
    }

    #[test]
    fn parse_exact_keeps_what_was_typed() {
        assert_eq!(
            parse_exact("Linux/AMD64"),
            Ok(plat("Linux", "AMD64", None, None))
        );
        assert_eq!(
            parse_exact("linux/arm"),
            Ok(plat("linux", "arm", None, None))
        );
        assert_eq!(
            parse_exact("linux/arm64/v8"),
            Ok(plat("linux", "arm64", Some("v8"), None))
        );
        assert_eq!(
            parse_exact("macos/x86_64"),
            Ok(plat("macos", "x86_64", None, None))
        );
        assert_eq!(
            parse_exact("windows/amd64:10.0.17763.1"),
            Ok(plat("windows", "amd64", None, Some("10.0.17763.1")))
        );
        assert_eq!(
            parse_exact("windows(10.0.17763+win32k)/amd64")
                .unwrap()
                .os_features,
            Some(vec!["win32k".to_string()])
        );
    }

    #[test]
    fn parse_for_host_fills_the_missing_half() {
        let host = plat("linux", "arm64", None, None);
        assert_eq!(
            parse_for_host("linux", &host),
            Ok(plat("linux", "arm64", None, None))
        );
        assert_eq!(
            parse_for_host("arm", &host),
            Ok(plat("linux", "arm", Some("v7"), None))
        );
        assert_eq!(
            parse_for_host("armel", &host),
            Ok(plat("linux", "arm", Some("v6"), None))
        );
        assert_eq!(
            parse_for_host("x86_64", &host),
            Ok(plat("linux", "amd64", None, None))
        );
        assert_eq!(
            parse_for_host("macos", &host),
            Ok(plat("darwin", "arm64", None, None))
        );
        let arm_host = plat("linux", "arm", Some("v6"), None);
        assert_eq!(
            parse_for_host("linux", &arm_host),
            Ok(plat("linux", "arm", Some("v6"), None))
        );
        let win_host = plat("windows", "amd64", None, Some("10.0.20348.1"));
        assert_eq!(
            parse_for_host("windows(10.0.17763)", &win_host),
            Ok(plat("windows", "amd64", None, Some("10.0.17763")))
        );
        // The os.version belongs to the host's os, not to an architecture typed alone.
        assert_eq!(
            parse_for_host("amd64", &win_host),
            Ok(plat("windows", "amd64", None, None))
        );
        assert_eq!(
            parse_for_host("linux/s390x", &host),
            Ok(plat("linux", "s390x", None, None))
        );
        assert_eq!(
            parse_for_host("foo", &host),
            Err(PlatformError::NotOsOrArch {
                input: "foo".into()
            })
        );
        assert_eq!(
            parse_for_host("unknown", &host),
            Err(PlatformError::NotOsOrArch {
                input: "unknown".into()
            })
        );
        assert!(parse_for_host("", &host).is_err());
    }
}
