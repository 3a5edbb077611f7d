//! Platforms: the `platform` object of index entries, the `os/arch[/variant]` strings users type,
//! and the rule that picks the entry a machine should run.
//!
//! Behaviour follows containerd's `platforms` package, because docker, nerdctl and buildkit all
//! use it: `--platform` has to mean here what it means there. Where it differs, it is on purpose:
//!
//! * **No host.** The engine cannot see the machine it runs on, so [`parse`] rejects containerd's
//!   one-word forms (`linux`, `arm64`), whose missing half containerd takes from the host.
//!   [`parse_for_host`] resolves them the same way, given the host platform from the shim.
//! * **One canonical form.** containerd's `Parse` leaves `linux/arm` without a variant but turns
//!   `linux/arm64` typed as `linux/arm64/v8` into `arm64/v8`, and then its matcher normalises both
//!   again. [`parse`] returns [`normalize`]'s form straight away (`linux/arm` is `arm/v7`,
//!   `arm64/v8` is `arm64`), so a parsed platform compares with `==` against normalised entries.
//! * **Matching stays within one architecture.** containerd's `Only` lets amd64 fall back to 386
//!   and arm64 to arm/v8..v5. That suits a runtime that must run *something*, but a manifest tool
//!   asked for `linux/amd64` must not quietly answer with a 386 image, so [`matches()`] and
//!   [`best_match`] keep containerd's variant ladders and drop the cross-architecture steps.
//! * **Both os.version spellings.** The `:os.version` suffix of go-containerregistry (crane,
//!   pack) and regclient, and containerd's `os(os.version+os.feature)` form, are both accepted.

use std::fmt;

use crate::model::Descriptor;
pub use crate::model::Platform;

/// The piece of a platform an error is about, named as in the image-spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Os,
    Architecture,
    Variant,
    OsVersion,
    OsFeature,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Os => "os",
            Part::Architecture => "architecture",
            Part::Variant => "variant",
            Part::OsVersion => "os.version",
            Part::OsFeature => "os.features entry",
        }
    }

    /// The characters allowed, in words, for the error message.
    fn allowed(self, in_parens: bool) -> &'static str {
        match (self, in_parens) {
            (_, true) => "letters, digits, '_', '.', '-' and %XX escapes",
            (Part::Os, false) => "letters, digits, '_' and '-'",
            (Part::Architecture | Part::Variant, false) => "letters, digits, '_', '.' and '-'",
            (Part::OsVersion | Part::OsFeature, false) => "letters, digits, '_', '.', '+' and '-'",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string is not a platform. Each message says what is wrong and what is expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlatformError {
    Empty,
    /// A single word that names an os (`linux`): the architecture would come from the host.
    NoArchitecture {
        input: String,
    },
    /// A single word that names an architecture (`arm64`): the os would come from the host.
    NoOs {
        input: String,
    },
    /// A single word that is neither a known os nor a known architecture.
    NotOsOrArch {
        input: String,
    },
    EmptyPart {
        input: String,
        part: Part,
    },
    TooManyParts {
        input: String,
        count: usize,
    },
    BadCharacter {
        input: String,
        part: Part,
        found: char,
        /// Inside containerd's `os(...)` options, where the allowed set differs.
        in_parens: bool,
    },
    /// A `%` in `os(...)` that is not followed by two hex digits, or that decodes to non-UTF-8.
    BadEscape {
        input: String,
        part: Part,
    },
    /// `os(` without the closing `)` right before the `/`.
    UnclosedOsOptions {
        input: String,
    },
    /// Both `os(os.version)` and `:os.version`.
    TwoOsVersions {
        input: String,
    },
}

const FORM: &str = "os/arch[/variant][:os.version]";

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformError::Empty => write!(f, "platform is empty; expected {FORM}, e.g. linux/amd64"),
            PlatformError::NoArchitecture { input } => write!(
                f,
                "platform {input:?} has no architecture; expected os/arch[/variant], e.g. linux/amd64"
            ),
            PlatformError::NoOs { input } => write!(
                f,
                "platform {input:?} has no os; expected os/arch[/variant], e.g. linux/{input}"
            ),
            PlatformError::NotOsOrArch { input } => write!(
                f,
                "platform {input:?} is neither a known os nor a known architecture; expected os/arch[/variant], e.g. linux/amd64"
            ),
            PlatformError::EmptyPart { input, part: Part::OsVersion } => write!(
                f,
                "platform {input:?} has an empty os.version after ':'; expected os/arch[/variant]:os.version, e.g. windows/amd64:10.0.17763.1, or no ':'"
            ),
            PlatformError::EmptyPart { input, part: Part::OsFeature } => write!(
                f,
                "platform {input:?} has an empty os.features entry; expected os(os.version+feature+...)/arch, e.g. windows(10.0.17763+win32k)/amd64"
            ),
            PlatformError::EmptyPart { input, part } => write!(
                f,
                "platform {input:?} has an empty {part}; expected {FORM}, e.g. linux/amd64 or linux/arm/v7"
            ),
            PlatformError::TooManyParts { input, count } => write!(
                f,
                "platform {input:?} has {count} '/'-separated parts; expected at most 3, os/arch/variant, e.g. linux/arm/v7"
            ),
            PlatformError::BadCharacter { input, part, found, in_parens } => {
                write!(
                    f,
                    "platform {input:?} has {found:?} in its {part}; expected {}",
                    part.allowed(*in_parens)
                )?;
                match found {
                    ',' => f.write_str(" (one platform per value; give several platforms separately)"),
                    '*' => f.write_str(" (wildcards are not supported)"),
                    _ => Ok(()),
                }
            }
            PlatformError::BadEscape { input, part } => write!(
                f,
                "platform {input:?} has a bad %-escape in its {part}; expected % followed by two hex digits of UTF-8, e.g. %2B for '+'"
            ),
            PlatformError::UnclosedOsOptions { input } => write!(
                f,
                "platform {input:?} opens '(' after the os without closing it before '/'; expected os(os.version[+feature...])/arch, e.g. windows(10.0.17763)/amd64"
            ),
            PlatformError::TwoOsVersions { input } => write!(
                f,
                "platform {input:?} gives os.version twice; expected either os(os.version)/arch or os/arch:os.version"
            ),
        }
    }
}

impl std::error::Error for PlatformError {}

// ---------------------------------------------------------------------------------------------
// Parsing

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

// ---------------------------------------------------------------------------------------------
// Normalisation

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// containerd's `normalizeOS`, minus its "empty means the host" rule, which needs the host.
fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

/// containerd's `normalizeArch`, case for case: the variant that is the architecture's baseline
/// (arm64 v8, amd64 v1) is dropped, bare arm means v7, and distro names map to GOARCH values.
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
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

// ---------------------------------------------------------------------------------------------
// Matching

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

fn os_version_distance(w: &Platform, c: &Platform, windows: bool) -> u32 {
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
fn windows_runs(host: Option<&str>, image: Option<&str>) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Tables

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
const UNKNOWN: &str = "unknown";

fn is_go_os(os: &str) -> bool {
    GO_OS.contains(&os)
}

fn is_go_arch(arch: &str) -> bool {
    GO_ARCH.contains(&arch)
}

/// Whether `os` is a GOOS value (image-spec: "Values SHOULD be ... GOOS"), or buildx's
/// `unknown`. Exact: pass [`normalize`]d values to ignore case and aliases.
pub fn is_known_os(os: &str) -> bool {
    is_go_os(os) || os == UNKNOWN
}

/// Whether `arch` is a GOARCH value (image-spec: "Values SHOULD be ... GOARCH"), or buildx's
/// `unknown`. Exact: pass [`normalize`]d values to ignore case and aliases.
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

// ---------------------------------------------------------------------------------------------
// Attestations

/// The annotation buildx puts on attestation manifests (`vnd.docker.reference.type`).
pub const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";
/// Its value on attestation manifests.
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";

/// buildx stores provenance and SBOMs as index entries with platform `unknown/unknown` and a
/// `vnd.docker.reference.type=attestation-manifest` annotation. They run nowhere, so platform
/// selection, duplicate-platform checks and summaries must leave them out; either sign is enough,
/// since tools that rewrite indexes drop annotations or platforms.
pub fn is_attestation(desc: &Descriptor) -> bool {
    let unknown_platform = desc
        .platform
        .as_ref()
        .is_some_and(|p| p.os == UNKNOWN && p.architecture == UNKNOWN);
    let annotated = desc
        .annotations
        .as_ref()
        .and_then(|a| a.get(REFERENCE_TYPE_ANNOTATION))
        .is_some_and(|v| v == ATTESTATION_MANIFEST);
    unknown_platform || annotated
}

/// Positions in `manifests` of the entries that are not attestations (see [`is_attestation`]),
/// in document order, so that "first matching entry" keeps its meaning.
pub fn runnable_entries(manifests: &[Descriptor]) -> Vec<usize> {
    manifests
        .iter()
        .enumerate()
        .filter(|(_, d)| !is_attestation(d))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plat(os: &str, arch: &str, variant: Option<&str>, os_version: Option<&str>) -> Platform {
        Platform {
            variant: variant.map(str::to_string),
            os_version: os_version.map(str::to_string),
            ..Platform::new(os, arch)
        }
    }

    fn p(s: &str) -> Platform {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

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
    fn error_messages_say_what_and_what_is_expected() {
        assert_eq!(
            parse("linux").unwrap_err().to_string(),
            "platform \"linux\" has no architecture; expected os/arch[/variant], e.g. linux/amd64"
        );
        assert_eq!(
            parse("arm64").unwrap_err().to_string(),
            "platform \"arm64\" has no os; expected os/arch[/variant], e.g. linux/arm64"
        );
        assert!(parse("a/b/c/d")
            .unwrap_err()
            .to_string()
            .contains("at most 3"));
        let comma = parse("linux/amd64,linux/arm64").unwrap_err().to_string();
        assert!(
            comma.contains("','") && comma.contains("one platform per value"),
            "{comma}"
        );
        assert!(parse("linux/amd64:")
            .unwrap_err()
            .to_string()
            .contains("empty os.version"));
        assert!(parse("")
            .unwrap_err()
            .to_string()
            .starts_with("platform is empty; expected"));
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

    fn best(wanted: &str, entries: &[&str]) -> Option<usize> {
        let platforms: Vec<Platform> = entries.iter().map(|e| p(e)).collect();
        let refs: Vec<Option<&Platform>> = platforms.iter().map(Some).collect();
        best_match(&p(wanted), &refs)
    }

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

    fn entry(platform: Option<Platform>, reference_type: Option<&str>) -> Descriptor {
        let mut d = Descriptor::of("application/vnd.oci.image.manifest.v1+json", b"{}");
        d.platform = platform;
        if let Some(t) = reference_type {
            let mut a = crate::model::Annotations::new();
            a.insert(REFERENCE_TYPE_ANNOTATION.into(), t.into());
            d.annotations = Some(a);
        }
        d
    }

    #[test]
    fn attestations_are_not_runnable() {
        let list = vec![
            entry(Some(p("linux/amd64")), None),
            entry(Some(p("linux/arm64")), None),
            entry(Some(p("unknown/unknown")), Some(ATTESTATION_MANIFEST)),
            entry(Some(p("unknown/unknown")), None),
            entry(None, Some(ATTESTATION_MANIFEST)),
            entry(None, None),
            entry(Some(p("linux/amd64")), Some("something-else")),
            entry(Some(p("unknown/amd64")), None),
        ];
        let flags: Vec<bool> = list.iter().map(is_attestation).collect();
        assert_eq!(flags, [false, false, true, true, true, false, false, false]);
        assert_eq!(runnable_entries(&list), vec![0, 1, 5, 6, 7]);
        assert_eq!(runnable_entries(&[]), Vec::<usize>::new());
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
