//! podman's short names (containers-registries.conf(5), "SHORT-NAME ALIASES" and
//! `short-name-mode`): which fully qualified references a name without a registry stands for,
//! in the order they are tried.
//!
//! containers/image's rule, as podman 4.3 applies it where it resolves short names (`manifest
//! inspect` of a name that is no local list, `pull`): a name whose first component names a
//! registry is used as it is. Otherwise an alias for the name (without its tag or digest) is the
//! one candidate. Otherwise each `unqualified-search-registries` entry, in order, gives one,
//! with `:latest` when the name has no tag or digest. With more than one of those,
//! `short-name-mode = "enforcing"` asks the user to choose and fails when it cannot prompt;
//! `permissive` and `disabled` try them all in order (permissive prompts when it can; manifold
//! never prompts). `manifest create` and `manifest add` do not resolve short names at all:
//! podman reads an IMAGE without a transport as `docker://IMAGE`, so `busybox` is
//! `docker.io/library/busybox` there, whatever the search list says.

use std::collections::BTreeMap;

use crate::reference::{self, Reference};

/// `short-name-mode` of registries.conf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortNameMode {
    Disabled,
    Permissive,
    Enforcing,
}

impl ShortNameMode {
    /// The mode named in registries.conf.
    pub fn parse(s: &str) -> Option<ShortNameMode> {
        match s {
            "disabled" => Some(ShortNameMode::Disabled),
            "permissive" => Some(ShortNameMode::Permissive),
            "enforcing" => Some(ShortNameMode::Enforcing),
            _ => None,
        }
    }
}

/// What a short name stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidates {
    /// Fully qualified references (docker's normal form), in the order to try them.
    pub references: Vec<String>,
    /// The one candidate came from an alias (nothing else is tried then).
    pub from_alias: bool,
}

/// Why a short name cannot be resolved. The texts are podman's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShortNameError {
    /// No alias and an empty search list; `origin` is the file the list came from.
    NoSearchRegistries { name: String, origin: String },
    /// Enforcing mode with several search registries and no way to ask.
    CannotPrompt,
    /// The name, an alias's value or a search registry does not make a valid reference.
    Invalid { name: String, message: String },
}

impl std::fmt::Display for ShortNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShortNameError::NoSearchRegistries { name, origin } => write!(
                f,
                "short-name \"{name}\" did not resolve to an alias and no unqualified-search registries are defined in \"{origin}\""
            ),
            ShortNameError::CannotPrompt => {
                f.write_str("short-name resolution enforced but cannot prompt without a TTY")
            }
            ShortNameError::Invalid { name, message } => {
                write!(f, "parsing reference \"{name}\": {message}")
            }
        }
    }
}

/// The settings short names are resolved with (registries.conf, drop-ins merged).
#[derive(Clone, Copy, Debug)]
pub struct ShortNameRules<'a> {
    pub search: &'a [String],
    pub aliases: &'a BTreeMap<String, String>,
    /// `None`: not set anywhere, which is permissive.
    pub mode: Option<ShortNameMode>,
    /// The file the search list came from, for the error naming it.
    pub origin: &'a str,
}

/// The references `raw` stands for, or `None` when it names its registry (use it as it is).
/// `can_prompt` says whether the user could be asked to choose (manifold passes `false`).
pub fn resolve(
    raw: &str,
    rules: &ShortNameRules,
    can_prompt: bool,
) -> Result<Option<Candidates>, ShortNameError> {
    if reference::names_registry(raw) {
        return Ok(None);
    }
    let invalid = |name: &str, message: String| ShortNameError::Invalid {
        name: name.to_string(),
        message,
    };
    // The name's own check first: `Busybox` or `a b` is no name in any registry.
    let probe = Reference::parse_docker(raw).map_err(|e| invalid(raw, e.to_string()))?;
    let (name, suffix) = split_suffix(raw);
    let suffix = if suffix.is_empty() && probe.digest().is_none() {
        ":latest".to_string()
    } else {
        suffix.to_string()
    };
    if let Some(target) = rules.aliases.get(name) {
        let full = if split_suffix(target).1.is_empty() {
            format!("{target}{suffix}")
        } else {
            target.clone()
        };
        let r = Reference::parse_docker(&full).map_err(|e| invalid(&full, e.to_string()))?;
        return Ok(Some(Candidates {
            references: vec![r.to_string()],
            from_alias: true,
        }));
    }
    if rules.search.is_empty() {
        return Err(ShortNameError::NoSearchRegistries {
            name: name.to_string(),
            origin: rules.origin.to_string(),
        });
    }
    if rules.search.len() > 1 && rules.mode == Some(ShortNameMode::Enforcing) && !can_prompt {
        return Err(ShortNameError::CannotPrompt);
    }
    let references = rules
        .search
        .iter()
        .map(|registry| {
            let full = format!("{}/{name}{suffix}", registry.trim_end_matches('/'));
            Reference::parse_docker(&full)
                .map(|r| r.to_string())
                .map_err(|e| invalid(&full, e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(Candidates {
        references,
        from_alias: false,
    }))
}

/// `name[:tag][@digest]` split after the name (a `:` in the last path component starts the tag).
fn split_suffix(raw: &str) -> (&str, &str) {
    let at = raw.find('@').unwrap_or(raw.len());
    let last_slash = raw[..at].rfind('/').map_or(0, |i| i + 1);
    let cut = raw[last_slash..at].find(':').map_or(at, |i| last_slash + i);
    (&raw[..cut], &raw[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules<'a>(
        search: &'a [String],
        aliases: &'a BTreeMap<String, String>,
        mode: Option<ShortNameMode>,
    ) -> ShortNameRules<'a> {
        ShortNameRules {
            search,
            aliases,
            mode,
            origin: "/etc/containers/registries.conf",
        }
    }

    fn refs(c: Option<Candidates>) -> Vec<String> {
        c.expect("a short name").references
    }

    #[test]
    fn qualified_names_are_left_alone() {
        let none = BTreeMap::new();
        let r = rules(&[], &none, None);
        for q in [
            "127.0.0.1:5000/app",
            "localhost/app",
            "quay.io/a/b:1",
            "docker.io/busybox",
        ] {
            assert_eq!(resolve(q, &r, false), Ok(None), "{q}");
        }
    }

    #[test]
    fn search_registries_in_order_with_latest_by_default() {
        let search = vec!["127.0.0.1:5000".to_string(), "docker.io".to_string()];
        let none = BTreeMap::new();
        let r = rules(&search, &none, None);
        assert_eq!(
            refs(resolve("busybox", &r, false).unwrap()),
            vec![
                "127.0.0.1:5000/busybox:latest",
                "docker.io/library/busybox:latest"
            ]
        );
        assert_eq!(
            refs(resolve("team/app:amd64", &r, false).unwrap()),
            vec!["127.0.0.1:5000/team/app:amd64", "docker.io/team/app:amd64"]
        );
        let d = format!("app@sha256:{}", "a".repeat(64));
        assert_eq!(
            refs(resolve(&d, &r, false).unwrap())[0],
            format!("127.0.0.1:5000/app@sha256:{}", "a".repeat(64))
        );
    }

    #[test]
    fn an_alias_is_the_only_candidate_and_keeps_the_tag() {
        let search = vec!["127.0.0.1:5000".to_string()];
        let aliases = BTreeMap::from([(
            "busybox".to_string(),
            "docker.io/library/busybox".to_string(),
        )]);
        let r = rules(&search, &aliases, Some(ShortNameMode::Enforcing));
        let c = resolve("busybox:1.36", &r, false).unwrap().unwrap();
        assert!(c.from_alias);
        assert_eq!(c.references, vec!["docker.io/library/busybox:1.36"]);
    }

    #[test]
    fn enforcing_with_several_registries_cannot_prompt_without_a_terminal() {
        let search = vec!["a.example".to_string(), "b.example".to_string()];
        let none = BTreeMap::new();
        let enforcing = rules(&search, &none, Some(ShortNameMode::Enforcing));
        let e = resolve("nosuch", &enforcing, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "short-name resolution enforced but cannot prompt without a TTY"
        );
        // One registry needs no choice; permissive and disabled try them all.
        let one = vec!["a.example".to_string()];
        assert_eq!(
            refs(
                resolve(
                    "x",
                    &rules(&one, &none, Some(ShortNameMode::Enforcing)),
                    false
                )
                .unwrap()
            )
            .len(),
            1
        );
        for mode in [
            None,
            Some(ShortNameMode::Permissive),
            Some(ShortNameMode::Disabled),
        ] {
            assert_eq!(
                refs(resolve("x", &rules(&search, &none, mode), false).unwrap()).len(),
                2
            );
        }
    }

    #[test]
    fn no_search_registries_is_podmans_error_naming_the_file() {
        let none = BTreeMap::new();
        let e = resolve("nosuch", &rules(&[], &none, None), false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "short-name \"nosuch\" did not resolve to an alias and no unqualified-search registries are defined in \"/etc/containers/registries.conf\""
        );
    }

    #[test]
    fn modes_parse_by_their_names() {
        assert_eq!(
            ShortNameMode::parse("enforcing"),
            Some(ShortNameMode::Enforcing)
        );
        assert_eq!(ShortNameMode::parse("Enforcing"), None);
    }
}
