//! Why a string is not a platform: [`PlatformError`] and the [`Part`] it is about.
//!
//! The messages live apart from the parser because they are what users read: each says what is
//! wrong and what is expected, and keeping them in one place keeps their wording consistent.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use crate::platform::parse;

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
}
