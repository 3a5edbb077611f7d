//! podman's `registries.conf` (containers-registries.conf(5), version 2): the model, and which
//! entry governs a reference. The shim finds and reads the file; everything decided from it is
//! here.
//!
//! Understood: `unqualified-search-registries`, `short-name-mode`, `[aliases]` (short names,
//! applied by `shortnames.rs`), and `[[registry]]` tables with `prefix`
//! (defaults to `location`; `*.example.com` wildcards match hosts), `location`, `insecure`,
//! `blocked`, `mirror-by-digest-only` and `[[registry.mirror]]` (`location`, `insecure`).
//! Other keys are ignored, as podman ignores keys it does not use for a given operation.
//! The entry for a reference is the one with the longest matching prefix; a prefix matches a
//! reference equal to it or continuing with `/`, `:` or `@` (containers/image's rule).
//! Drop-in files (`registries.conf.d/*.conf`) are [`RegistriesConf::merge`]d over the main one
//! in name order, as containers/image does.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::shortnames::{ShortNameMode, ShortNameRules};

/// One `[[registry]]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub prefix: String,
    /// Where the registry really is; empty means "the prefix itself".
    pub location: String,
    pub insecure: bool,
    pub blocked: bool,
    pub mirror_by_digest_only: bool,
    pub mirrors: Vec<Mirror>,
}

/// One `[[registry.mirror]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mirror {
    pub location: String,
    pub insecure: bool,
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistriesConf {
    pub unqualified_search_registries: Vec<String>,
    /// The file set `unqualified-search-registries` (a later drop-in replaces it only then).
    pub sets_search_registries: bool,
    pub registries: Vec<Entry>,
    /// `short-name-mode`, when set.
    pub short_name_mode: Option<ShortNameMode>,
    /// `[aliases]`: short name → fully qualified name.
    pub aliases: BTreeMap<String, String>,
}

/// Where to pull a reference from: the name to use there and whether TLS may be skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSource {
    /// The reference's name with the entry's prefix replaced by the source's location.
    pub name: String,
    pub insecure: bool,
    /// A mirror rather than the registry itself.
    pub mirror: bool,
}

fn string(t: &Table, key: &str, ctx: &str) -> Result<Option<String>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim_end_matches('/').to_string())),
        Some(_) => Err(format!("{ctx}: {key} must be a string")),
    }
}

fn boolean(t: &Table, key: &str, ctx: &str) -> Result<bool, String> {
    match t.get(key) {
        None => Ok(false),
        Some(Value::Boolean(b)) => Ok(*b),
        Some(_) => Err(format!("{ctx}: {key} must be true or false")),
    }
}

fn tables<'a>(t: &'a Table, key: &str, ctx: &str) -> Result<Vec<&'a Table>, String> {
    match t.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_table()
                    .ok_or_else(|| format!("{ctx}: each [[{key}]] must be a table"))
            })
            .collect(),
        Some(_) => Err(format!(
            "{ctx}: {key} must be an array of tables ([[{key}]])"
        )),
    }
}

/// Parses a registries.conf (v2). A v1 file (`[registries.search]` tables) is an error saying
/// so, as podman refuses to mix them.
pub fn parse(text: &str) -> Result<RegistriesConf, String> {
    let t: Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
    if t.contains_key("registries") {
        return Err(
            "the version 1 format ([registries.search] ...) is not supported; use version 2 ([[registry]] tables)"
                .to_string(),
        );
    }
    let short_name_mode = match t.get("short-name-mode") {
        None => None,
        Some(Value::String(m)) => Some(ShortNameMode::parse(m).ok_or_else(|| {
            format!("short-name-mode must be \"enforcing\", \"permissive\" or \"disabled\", not \"{m}\"")
        })?),
        Some(_) => return Err("short-name-mode must be a string".into()),
    };
    let mut aliases = BTreeMap::new();
    match t.get("aliases") {
        None => {}
        Some(Value::Table(a)) => {
            for (k, v) in a {
                let v = v
                    .as_str()
                    .ok_or_else(|| format!("[aliases]: \"{k}\" must be a string"))?;
                aliases.insert(k.clone(), v.to_string());
            }
        }
        Some(_) => return Err("aliases must be a table ([aliases])".into()),
    }
    let sets_search_registries = t.contains_key("unqualified-search-registries");
    let unqualified = match t.get("unqualified-search-registries") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    "unqualified-search-registries must be a list of strings".to_string()
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("unqualified-search-registries must be a list of strings".into()),
    };
    let mut registries = Vec::new();
    for (i, r) in tables(&t, "registry", "registries.conf")?
        .into_iter()
        .enumerate()
    {
        let ctx = format!("[[registry]] #{}", i + 1);
        let location = string(r, "location", &ctx)?.unwrap_or_default();
        let prefix = string(r, "prefix", &ctx)?.unwrap_or_else(|| location.clone());
        if prefix.is_empty() {
            return Err(format!("{ctx}: needs a location or a prefix"));
        }
        let mut mirrors = Vec::new();
        for m in tables(r, "mirror", &ctx)? {
            let location = string(m, "location", &ctx)?
                .filter(|l| !l.is_empty())
                .ok_or_else(|| format!("{ctx}: each [[registry.mirror]] needs a location"))?;
            mirrors.push(Mirror {
                location,
                insecure: boolean(m, "insecure", &ctx)?,
            });
        }
        registries.push(Entry {
            prefix,
            location,
            insecure: boolean(r, "insecure", &ctx)?,
            blocked: boolean(r, "blocked", &ctx)?,
            mirror_by_digest_only: boolean(r, "mirror-by-digest-only", &ctx)?,
            mirrors,
        });
    }
    Ok(RegistriesConf {
        unqualified_search_registries: unqualified,
        sets_search_registries,
        registries,
        short_name_mode,
        aliases,
    })
}

/// How long a match of `prefix` against `name` (`host[:port]/path[:tag|@digest]`) is, if it
/// matches.
fn match_len(name: &str, prefix: &str) -> Option<usize> {
    if let Some(suffix) = prefix.strip_prefix("*.") {
        let host = name.split('/').next().unwrap_or(name);
        let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
        return (bare.len() > suffix.len()
            && bare.ends_with(suffix)
            && bare[..bare.len() - suffix.len()].ends_with('.'))
        .then_some(host.len());
    }
    let rest = name.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with(['/', ':', '@'])).then_some(prefix.len())
}

impl RegistriesConf {
    /// A drop-in read after this file: what it sets replaces what was set before (the search
    /// list, the mode), its `[[registry]]` tables replace those of the same prefix and add the
    /// rest, and its aliases are added over the earlier ones.
    pub fn merge(&mut self, later: RegistriesConf) {
        if later.sets_search_registries {
            self.unqualified_search_registries = later.unqualified_search_registries;
            self.sets_search_registries = true;
        }
        if later.short_name_mode.is_some() {
            self.short_name_mode = later.short_name_mode;
        }
        for e in later.registries {
            match self.registries.iter_mut().find(|r| r.prefix == e.prefix) {
                Some(r) => *r = e,
                None => self.registries.push(e),
            }
        }
        self.aliases.extend(later.aliases);
    }

    /// The short-name rules of this configuration; `origin` names the file the search list
    /// came from.
    pub fn short_names<'a>(&'a self, origin: &'a str) -> ShortNameRules<'a> {
        ShortNameRules {
            search: &self.unqualified_search_registries,
            aliases: &self.aliases,
            mode: self.short_name_mode,
            origin,
        }
    }

    /// The entry governing `name` (`host[:port]/path`, or a bare `host[:port]`): the longest
    /// matching prefix.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.registries
            .iter()
            .filter_map(|e| match_len(name, &e.prefix).map(|n| (n, e)))
            .max_by_key(|(n, _)| *n)
            .map(|(_, e)| e)
    }

    /// Whether TLS verification is skipped for the registry `host`: its own entry says
    /// `insecure`, or it is a mirror marked `insecure`.
    pub fn insecure(&self, host: &str) -> bool {
        self.entry(host).is_some_and(|e| e.insecure)
            || self
                .registries
                .iter()
                .flat_map(|e| &e.mirrors)
                .any(|m| m.insecure && m.location.split('/').next() == Some(host))
    }

    /// Whether pulls of and pushes to `name` are refused.
    pub fn blocked(&self, name: &str) -> bool {
        self.entry(name).is_some_and(|e| e.blocked)
    }

    /// Where to pull `name` (`host[:port]/path`) from, in order: its entry's mirrors (not for a
    /// tag when `mirror-by-digest-only`), then the registry (at `location` if set).
    pub fn pull_sources(&self, name: &str, by_digest: bool) -> Vec<PullSource> {
        let Some(e) = self.entry(name) else {
            return vec![PullSource {
                name: name.to_string(),
                insecure: false,
                mirror: false,
            }];
        };
        let rest = match e.prefix.strip_prefix("*.") {
            Some(_) => &name[name.find('/').unwrap_or(name.len())..],
            None => &name[e.prefix.len()..],
        };
        let mut out = Vec::new();
        if by_digest || !e.mirror_by_digest_only {
            out.extend(e.mirrors.iter().map(|m| PullSource {
                name: format!("{}{rest}", m.location),
                insecure: m.insecure,
                mirror: true,
            }));
        }
        let own = if e.location.is_empty() || e.prefix.starts_with("*.") {
            name.to_string()
        } else {
            format!("{}{rest}", e.location)
        };
        out.push(PullSource {
            name: own,
            insecure: e.insecure,
            mirror: false,
        });
        out
    }
}

#[cfg(test)]
#[path = "registries_conf_tests.rs"]
mod tests;
