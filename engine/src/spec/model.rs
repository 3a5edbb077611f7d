//! manifest-tool's list spec (`push from-spec`): `image`, `tags`, `manifests[].image`,
//! `manifests[].platform.{architecture,os,variant,features,osversion,osfeatures}`, and the
//! index's `annotations`; several lists in one file as several YAML documents (`---`).
//!
//! Keys are matched exactly, as manifest-tool's YAML decoder matches them; a key it does not
//! know is an error here (manifest-tool drops it silently, so a misspelt `platfrom` there
//! publishes a list without the platform meant). Every check runs before any request.

use super::yaml::{parse_documents, Node, Value};
use crate::model::Platform;
use crate::platform::{is_known_arch, is_known_os, known_variants};
use crate::reference::{is_valid_tag, Reference};

/// One list to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListSpec {
    /// Where the list goes (`image:`), and the line it is on.
    pub image: String,
    pub line: usize,
    /// `tags:`: more tags the list is put at.
    pub tags: Vec<String>,
    /// `annotations:` of the index, in file order; the line of the key when given.
    pub annotations: Vec<(String, String)>,
    pub annotations_line: Option<usize>,
    pub manifests: Vec<EntrySpec>,
}

/// One member (`manifests[i]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySpec {
    pub image: String,
    pub line: usize,
    /// The platform written in the spec; `None` (or one without os and architecture) takes the
    /// image's own, as manifest-tool does.
    pub platform: Option<Platform>,
}

/// A spec that cannot be used: the line, the key (as a path: `manifests[1].platform.os`) and
/// what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.key, self.message)
    }
}

fn error(line: usize, key: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError {
        line,
        key: key.into(),
        message: message.into(),
    }
}

const LIST_KEYS: &str = "image, tags, manifests, annotations";
const ENTRY_KEYS: &str = "image, platform";
const PLATFORM_KEYS: &str = "architecture, os, variant, features, osversion, osfeatures";

/// Reads every list of a spec file (`bytes`, UTF-8 YAML), all checked.
pub fn parse_spec(bytes: &[u8]) -> Result<Vec<ListSpec>, SpecError> {
    if bytes.len() > super::yaml::MAX_SPEC_BYTES {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        return Err(error(
            1,
            super::yaml::key_on_line(&head, 1),
            format!(
                "the file is larger than {} KiB, far more than any list spec; is it the right file?",
                super::yaml::MAX_SPEC_BYTES / 1024
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        error(line, "-", "not UTF-8 text")
    })?;
    let docs = parse_documents(text).map_err(|e| error(e.line, e.key, e.message))?;
    let lists = docs
        .iter()
        .filter(|d| d.value != Value::Null)
        .map(list)
        .collect::<Result<Vec<_>, _>>()?;
    if lists.is_empty() {
        return Err(error(
            1,
            "image",
            "no list in the file; a spec names at least `image` and `manifests`",
        ));
    }
    for (i, a) in lists.iter().enumerate() {
        if let Some(b) = lists[..i].iter().find(|b| b.image == a.image) {
            return Err(error(
                a.line,
                "image",
                format!(
                    "{} is also the list of line {}; each list once",
                    a.image, b.line
                ),
            ));
        }
    }
    Ok(lists)
}

/// The pairs of a mapping whose keys are all strings.
fn pairs<'a>(n: &'a Node, key: &str) -> Result<Vec<(&'a str, &'a Node, usize)>, SpecError> {
    let Value::Map(pairs) = &n.value else {
        return Err(error(n.line, key, "must be a mapping of keys to values"));
    };
    let mut out: Vec<(&str, &Node, usize)> = Vec::new();
    for (k, v) in pairs {
        let Value::Scalar(name) = &k.value else {
            return Err(error(k.line, key, "keys must be plain names"));
        };
        if let Some((_, _, l)) = out.iter().find(|(n, _, _)| n == name) {
            return Err(error(
                k.line,
                path(key, name),
                format!("given twice (first on line {l})"),
            ));
        }
        out.push((name, v, k.line));
    }
    Ok(out)
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn string(v: &Node, key: &str, line: usize) -> Result<String, SpecError> {
    match &v.value {
        Value::Scalar(s) if !s.is_empty() => Ok(s.clone()),
        Value::Scalar(_) | Value::Null => Err(error(line, key, "has no value")),
        _ => Err(error(
            v.line,
            key,
            "must be a single value, not a list or mapping",
        )),
    }
}

fn strings(v: &Node, key: &str, line: usize) -> Result<Vec<String>, SpecError> {
    match &v.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| string(n, &format!("{key}[{i}]"), n.line))
            .collect(),
        _ => Err(error(line, key, "must be a list (`[a, b]` or `- a` lines)")),
    }
}

fn list(doc: &Node) -> Result<ListSpec, SpecError> {
    let mut spec = ListSpec {
        image: String::new(),
        line: doc.line,
        tags: Vec::new(),
        annotations: Vec::new(),
        annotations_line: None,
        manifests: Vec::new(),
    };
    let mut manifests_line = None;
    for (k, v, line) in pairs(doc, "")? {
        match k {
            "image" => {
                spec.image = string(v, k, line)?;
                spec.line = line;
                Reference::parse_normalized(&spec.image)
                    .map_err(|e| error(line, k, format!("{}: {e}", spec.image)))?;
            }
            "tags" => {
                spec.tags = strings(v, k, line)?;
                for (i, t) in spec.tags.iter().enumerate() {
                    if !is_valid_tag(t) {
                        return Err(error(line, format!("tags[{i}]"), format!("{t} is not a valid tag; tags hold letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'")));
                    }
                }
            }
            "annotations" => {
                spec.annotations_line = Some(line);
                if v.value != Value::Null {
                    for (ak, av, al) in pairs(v, k)? {
                        spec.annotations
                            .push((ak.to_string(), string(av, &path(k, ak), al)?));
                    }
                }
            }
            "manifests" => {
                manifests_line = Some(line);
                let Value::Seq(items) = &v.value else {
                    return Err(error(line, k, "must be a list of entries (`- image: …`)"));
                };
                for (i, item) in items.iter().enumerate() {
                    spec.manifests
                        .push(entry(item, &format!("manifests[{i}]"))?);
                }
            }
            other => {
                return Err(error(
                    line,
                    other,
                    format!("unknown key; a list spec has {LIST_KEYS}"),
                ))
            }
        }
    }
    if spec.image.is_empty() {
        return Err(error(
            doc.line,
            "image",
            "missing: name where the list goes (`image: registry/repo:tag`)",
        ));
    }
    if spec.manifests.is_empty() {
        return Err(error(
            manifests_line.unwrap_or(spec.line),
            "manifests",
            "no entries; list the images (`manifests:` then `- image: …`)",
        ));
    }
    for (i, e) in spec.manifests.iter().enumerate() {
        let Some(p) = e.platform.as_ref().filter(|p| !p.os.is_empty()) else {
            continue;
        };
        if let Some(j) = spec.manifests[..i]
            .iter()
            .position(|o| o.platform.as_ref() == Some(p))
        {
            return Err(error(
                e.line,
                format!("manifests[{i}].platform"),
                format!("the same platform as manifests[{j}]; each platform once per list"),
            ));
        }
    }
    Ok(spec)
}

fn entry(n: &Node, key: &str) -> Result<EntrySpec, SpecError> {
    let mut e = EntrySpec {
        image: String::new(),
        line: n.line,
        platform: None,
    };
    for (k, v, line) in pairs(n, key)? {
        let at = path(key, k);
        match k {
            "image" => {
                e.image = string(v, &at, line)?;
                e.line = line;
                Reference::parse_normalized(&e.image)
                    .map_err(|err| error(line, &at, format!("{}: {err}", e.image)))?;
            }
            "platform" if v.value == Value::Null => {}
            "platform" => e.platform = Some(platform(v, &at)?),
            other => {
                return Err(error(
                    line,
                    path(key, other),
                    format!("unknown key; an entry has {ENTRY_KEYS}"),
                ))
            }
        }
    }
    if e.image.is_empty() {
        return Err(error(
            n.line,
            path(key, "image"),
            "missing: the image of this entry (`- image: registry/repo:tag`)",
        ));
    }
    Ok(e)
}

fn platform(n: &Node, key: &str) -> Result<Platform, SpecError> {
    let mut p = Platform::default();
    let mut lines = Vec::new();
    for (k, v, line) in pairs(n, key)? {
        let at = path(key, k);
        lines.push((k.to_string(), line));
        match k {
            "architecture" => p.architecture = string(v, &at, line)?,
            "os" => p.os = string(v, &at, line)?,
            "variant" => p.variant = Some(string(v, &at, line)?),
            "osversion" => p.os_version = Some(string(v, &at, line)?),
            "features" => p.features = Some(strings(v, &at, line)?).filter(|f| !f.is_empty()),
            "osfeatures" => p.os_features = Some(strings(v, &at, line)?).filter(|f| !f.is_empty()),
            other => {
                return Err(error(
                    line,
                    path(key, other),
                    format!("unknown key; a platform has {PLATFORM_KEYS}"),
                ))
            }
        }
    }
    let line = |k: &str| {
        lines
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, l)| *l)
            .unwrap_or(n.line)
    };
    match (p.os.is_empty(), p.architecture.is_empty()) {
        (true, true) if p.variant.is_none() => return Ok(p),
        (true, _) => {
            return Err(error(
                n.line,
                path(key, "os"),
                "missing; a platform names os and architecture together",
            ))
        }
        (_, true) => {
            return Err(error(
                n.line,
                path(key, "architecture"),
                "missing; a platform names os and architecture together",
            ))
        }
        _ => {}
    }
    check_platform(&p).map_err(|(k, m)| error(line(k), path(key, k), m))?;
    Ok(p)
}

/// A platform of known os and architecture (Go's names), and a known variant where the
/// architecture has a table of them; the error names the field.
fn check_platform(p: &Platform) -> Result<(), (&'static str, String)> {
    if !is_known_os(&p.os) {
        return Err((
            "os",
            format!(
                "{} is not an operating system Go knows (linux, windows, darwin, freebsd, …)",
                p.os
            ),
        ));
    }
    if !is_known_arch(&p.architecture) {
        return Err(("architecture", format!("{} is not an architecture Go knows (amd64, arm64, arm, ppc64le, s390x, riscv64, …)", p.architecture)));
    }
    if let (Some(v), Some(known)) = (&p.variant, known_variants(&p.architecture)) {
        if !known.contains(&v.as_str()) {
            return Err((
                "variant",
                format!(
                    "{v} is not a variant of {} ({})",
                    p.architecture,
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// `os/arch[/variant]` given as its parts, checked as a spec's platform is.
pub fn parse_platform_value(
    os: &str,
    arch: &str,
    variant: Option<&str>,
) -> Result<Platform, String> {
    let p = Platform {
        os: os.to_string(),
        architecture: arch.to_string(),
        variant: variant.map(str::to_string),
        ..Default::default()
    };
    check_platform(&p).map_err(|(_, m)| m)?;
    Ok(p)
}

/// The platform an entry is published with, as manifest-tool settles it: the spec's when it
/// names os or architecture, else the image's own; then the image's variant, os.version and
/// os.features where the spec gives none.
pub fn resolve_platform(spec: Option<&Platform>, image: Option<&Platform>) -> Option<Platform> {
    let mut p = match spec {
        Some(s) if !s.os.is_empty() || !s.architecture.is_empty() => s.clone(),
        Some(s) => {
            let mut p = image.cloned().unwrap_or_default();
            if s.variant.is_some() {
                p.variant = s.variant.clone();
            }
            p
        }
        None => image.cloned()?,
    };
    if let Some(i) = image {
        if p.variant.is_none() {
            p.variant = i.variant.clone();
        }
        if p.os_version.is_none() {
            p.os_version = i.os_version.clone();
        }
        if p.os_features.is_none() {
            p.os_features = i.os_features.clone();
        }
    }
    Some(p)
}

/// The first entry whose settled platform repeats an earlier one's (manifest-tool refuses a
/// list with two images for one platform): `(earlier, later)`.
pub fn repeated_platform(platforms: &[Option<Platform>]) -> Option<(usize, usize)> {
    for (i, p) in platforms.iter().enumerate() {
        let Some(p) = p else { continue };
        if let Some(j) = platforms[..i].iter().position(|o| o.as_ref() == Some(p)) {
            return Some((j, i));
        }
    }
    None
}

/// Annotations of the index need an OCI index: a Docker manifest list has no field for them
/// (manifest-tool refuses the same).
pub fn check_format(spec: &ListSpec, oci: bool) -> Result<(), SpecError> {
    match spec.annotations_line {
        Some(line) if !oci && !spec.annotations.is_empty() => Err(error(
            line,
            "annotations",
            "a Docker manifest list has no annotations; publish an OCI index (--format oci)",
        )),
        _ => Ok(()),
    }
}
