//! Index operations as pure functions: build, add, remove, annotate, convert and resolve.
//! Each one takes an index and returns the changed index or a precise error; the caller
//! (the local store, a push, the browser page) decides what to do with it.

use std::fmt;

use crate::digest::Digest;
use crate::json::tree;
use crate::media_type;
use crate::model::{Annotations, Descriptor, ImageIndex, Platform};

/// The two list formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Oci,
    Docker,
}

impl ListFormat {
    /// Accepts `oci`, `docker` and podman's `v2s2` (any case).
    pub fn parse(s: &str) -> Option<ListFormat> {
        match s.to_ascii_lowercase().as_str() {
            "oci" => Some(ListFormat::Oci),
            "docker" | "v2s2" => Some(ListFormat::Docker),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ListFormat::Oci => media_type::OCI_INDEX,
            ListFormat::Docker => media_type::DOCKER_LIST,
        }
    }

    pub fn of(index: &ImageIndex) -> ListFormat {
        if index.is_docker() {
            ListFormat::Docker
        } else {
            ListFormat::Oci
        }
    }
}

/// Why an operation could not be done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpsError {
    EntryNotFound(String),
    AmbiguousEntry { selector: String, count: usize },
    BadAnnotation(String),
    NotOciField { field: &'static str },
    BadConfig(String),
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsError::EntryNotFound(s) => write!(
                f,
                "no entry {s} in the list; `inspect` the list to see its entries"
            ),
            OpsError::AmbiguousEntry { selector, count } => {
                write!(f, "{count} entries match {selector}; give the full digest")
            }
            OpsError::BadAnnotation(s) => write!(
                f,
                "annotation {s:?} is not KEY=VALUE; write it as key=value with a non-empty key"
            ),
            OpsError::NotOciField { field } => write!(
                f,
                "a Docker manifest list cannot hold {field}; use --format oci"
            ),
            OpsError::BadConfig(m) => {
                write!(f, "cannot read the platform from the image config: {m}")
            }
        }
    }
}

impl std::error::Error for OpsError {}

/// A new, empty list.
pub fn create(format: ListFormat) -> ImageIndex {
    ImageIndex::new(format.media_type())
}

/// Parses `KEY=VALUE` (the value may be empty or contain `=`).
pub fn parse_annotation(s: &str) -> Result<(String, String), OpsError> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(OpsError::BadAnnotation(s.to_string())),
    }
}

/// What makes a new entry the same as one already in a list, so that it replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKey {
    /// The reference it was added as (docker: the same reference again replaces its entry;
    /// two references to one digest stay two entries).
    Source,
    /// Its digest (podman, pack).
    Digest,
}

/// Where a new entry goes among `existing` entries (each with the source it was added as):
/// `Some(i)` replaces entry `i`, `None` appends.
pub fn add_position<'a>(
    existing: impl IntoIterator<Item = (&'a Descriptor, Option<&'a str>)>,
    entry: &Descriptor,
    source: &str,
    key: EntryKey,
) -> Option<usize> {
    existing.into_iter().position(|(d, s)| match key {
        EntryKey::Source => s == Some(source),
        EntryKey::Digest => d.digest == entry.digest,
    })
}

/// Finds the one entry a user means: a full digest, or a unique prefix of the hex (at least 7
/// characters, as git and podman users type them).
pub fn find_entry(index: &ImageIndex, selector: &str) -> Result<usize, OpsError> {
    if let Ok(d) = Digest::parse(selector) {
        return index
            .manifests
            .iter()
            .position(|e| e.digest == d)
            .ok_or_else(|| OpsError::EntryNotFound(selector.to_string()));
    }
    let hex = selector.strip_prefix("sha256:").unwrap_or(selector);
    if hex.len() < 7 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpsError::EntryNotFound(selector.to_string()));
    }
    let matches: Vec<usize> = index
        .manifests
        .iter()
        .enumerate()
        .filter(|(_, e)| e.digest.encoded().starts_with(hex))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(OpsError::EntryNotFound(selector.to_string())),
        many => Err(OpsError::AmbiguousEntry {
            selector: selector.to_string(),
            count: many.len(),
        }),
    }
}

/// Removes the entry `selector` names and returns it.
pub fn remove(index: &mut ImageIndex, selector: &str) -> Result<Descriptor, OpsError> {
    let i = find_entry(index, selector)?;
    Ok(index.manifests.remove(i))
}

/// A field `annotate --clear` can empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Os,
    Architecture,
    Variant,
    OsVersion,
    OsFeatures,
    Features,
    Annotations,
    Annotation(String),
    Platform,
}

impl Field {
    pub fn parse(s: &str) -> Option<Field> {
        Some(match s {
            "os" => Field::Os,
            "arch" | "architecture" => Field::Architecture,
            "variant" => Field::Variant,
            "os-version" | "os.version" => Field::OsVersion,
            "os-features" | "os.features" => Field::OsFeatures,
            "features" => Field::Features,
            "annotations" => Field::Annotations,
            "platform" => Field::Platform,
            other => Field::Annotation(
                other
                    .strip_prefix("annotation:")
                    .filter(|k| !k.is_empty())?
                    .to_string(),
            ),
        })
    }
}

/// Changes to one entry. `None` and empty lists mean "leave as is" (docker's rule that an
/// empty flag changes nothing); clearing is explicit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryEdit {
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    /// Appended when not already present (docker's additive rule).
    pub os_features: Vec<String>,
    pub features: Vec<String>,
    pub annotations: Vec<(String, String)>,
    pub clear: Vec<Field>,
}

impl EntryEdit {
    pub fn touches_platform(&self) -> bool {
        self.os.is_some()
            || self.architecture.is_some()
            || self.variant.is_some()
            || self.os_version.is_some()
            || !self.os_features.is_empty()
            || !self.features.is_empty()
    }
}

fn set_if(target: &mut String, v: &Option<String>) {
    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
        *target = v.to_string();
    }
}

fn set_opt_if(target: &mut Option<String>, v: &Option<String>) {
    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
        *target = Some(v.to_string());
    }
}

fn append_unique(target: &mut Option<Vec<String>>, add: &[String]) {
    for f in add.iter().filter(|f| !f.is_empty()) {
        let list = target.get_or_insert_with(Vec::new);
        if !list.contains(f) {
            list.push(f.clone());
        }
    }
}

/// Applies `edit` to one descriptor: clears first, then sets, so `--clear os-features
/// --os-features x` replaces the features.
pub fn annotate_entry(entry: &mut Descriptor, edit: &EntryEdit) {
    for field in &edit.clear {
        match field {
            Field::Platform => entry.platform = None,
            Field::Annotations => entry.annotations = None,
            Field::Annotation(k) => {
                if let Some(a) = entry.annotations.as_mut() {
                    a.remove(k);
                }
            }
            f => {
                if let Some(p) = entry.platform.as_mut() {
                    match f {
                        Field::Os => p.os.clear(),
                        Field::Architecture => p.architecture.clear(),
                        Field::Variant => p.variant = None,
                        Field::OsVersion => p.os_version = None,
                        Field::OsFeatures => p.os_features = None,
                        Field::Features => p.features = None,
                        _ => {}
                    }
                }
            }
        }
    }
    if edit.touches_platform() {
        let p = entry.platform.get_or_insert_with(Platform::default);
        set_if(&mut p.os, &edit.os);
        set_if(&mut p.architecture, &edit.architecture);
        set_opt_if(&mut p.variant, &edit.variant);
        set_opt_if(&mut p.os_version, &edit.os_version);
        append_unique(&mut p.os_features, &edit.os_features);
        append_unique(&mut p.features, &edit.features);
    }
    if !edit.annotations.is_empty() {
        let a = entry.annotations.get_or_insert_with(Annotations::new);
        for (k, v) in &edit.annotations {
            a.insert(k.clone(), v.clone());
        }
    }
    if entry.annotations.as_ref().is_some_and(|a| a.is_empty()) {
        entry.annotations = None;
    }
}

/// Changes to the index itself: its annotations and subject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexEdit {
    pub annotations: Vec<(String, String)>,
    pub subject: Option<Descriptor>,
    pub clear: Vec<Field>,
}

pub fn annotate_index(index: &mut ImageIndex, edit: &IndexEdit) {
    for field in &edit.clear {
        match field {
            Field::Annotations => index.annotations = None,
            Field::Annotation(k) => {
                if let Some(a) = index.annotations.as_mut() {
                    a.remove(k);
                }
            }
            _ => {}
        }
    }
    if !edit.annotations.is_empty() {
        let a = index.annotations.get_or_insert_with(Annotations::new);
        for (k, v) in &edit.annotations {
            a.insert(k.clone(), v.clone());
        }
    }
    if let Some(s) = &edit.subject {
        index.subject = Some(s.clone());
    }
    if index.annotations.as_ref().is_some_and(|a| a.is_empty()) {
        index.annotations = None;
    }
}

/// What a conversion could not carry over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// JSON path of what was dropped or is doubtful, e.g. `$.manifests[1].annotations`.
    pub path: String,
    pub message: String,
}

/// Converts between an OCI index and a Docker list. Entries keep their digests (changing a
/// child would change what the list points at), so an OCI manifest inside a Docker list is
/// reported rather than rewritten.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn convert(index: &ImageIndex, to: ListFormat) -> (ImageIndex, Vec<Loss>) {
    let mut out = index.clone();
    out.media_type = Some(to.media_type().to_string());
    let mut losses = Vec::new();
    if to == ListFormat::Docker {
        if out.annotations.take().is_some() {
            losses.push(Loss {
                path: "$.annotations".into(),
                message: "index annotations dropped: Docker manifest lists have none".into(),
            });
        }
        if out.subject.take().is_some() {
            losses.push(Loss {
                path: "$.subject".into(),
                message: "subject dropped: Docker manifest lists have none".into(),
            });
        }
        if out.artifact_type.take().is_some() {
            losses.push(Loss {
                path: "$.artifactType".into(),
                message: "artifactType dropped: Docker manifest lists have none".into(),
            });
        }
        for (i, d) in out.manifests.iter_mut().enumerate() {
            if d.annotations.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].annotations"),
                    message: "entry annotations dropped: Docker manifest lists have none".into(),
                });
            }
            if d.urls.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].urls"),
                    message: "entry urls dropped: Docker manifest lists have none".into(),
                });
            }
            if d.artifact_type.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].artifactType"),
                    message: "entry artifactType dropped".into(),
                });
            }
            if d.data.take().is_some() {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].data"),
                    message: "entry data dropped".into(),
                });
            }
            if d.media_type == media_type::OCI_MANIFEST || d.media_type == media_type::OCI_INDEX {
                losses.push(Loss {
                    path: format!("$.manifests[{i}].mediaType"),
                    message: format!("entry is {}; kept as is (its digest cannot change), but some Docker tools refuse OCI entries in a Docker list", d.media_type),
                });
            }
        }
    }
    (out, losses)
}

/// The platform an image config declares, read as Go's `json.Unmarshal` into `ocispec.Platform`
/// reads it (what docker, podman and buildx do): the top-level keys `architecture`, `os`,
/// `os.version`, `os.features` and `variant`, matched case-insensitively, the last one winning.
pub fn platform_from_config(config: &[u8]) -> Result<Platform, OpsError> {
    let node = tree::parse(config).map_err(|e| OpsError::BadConfig(e.to_string()))?;
    let members = node.members().ok_or_else(|| {
        OpsError::BadConfig(format!("the config is {}, not an object", node.type_name()))
    })?;
    let mut p = Platform::default();
    for m in members {
        let key = m.key.to_ascii_lowercase();
        match key.as_str() {
            "architecture" => p.architecture = string_of(&m.value, "architecture")?,
            "os" => p.os = string_of(&m.value, "os")?,
            "os.version" => {
                p.os_version = Some(string_of(&m.value, "os.version")?).filter(|s| !s.is_empty())
            }
            "variant" => {
                p.variant = Some(string_of(&m.value, "variant")?).filter(|s| !s.is_empty())
            }
            "os.features" => {
                p.os_features = match &m.value.value {
                    tree::Value::Null => None,
                    tree::Value::Array(items) => {
                        let v = items
                            .iter()
                            .map(|n| string_of(n, "os.features[]"))
                            .collect::<Result<Vec<_>, _>>()?;
                        Some(v).filter(|v| !v.is_empty())
                    }
                    _ => {
                        return Err(OpsError::BadConfig(
                            "os.features is not an array of strings".into(),
                        ))
                    }
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

fn string_of(n: &tree::Node, what: &str) -> Result<String, OpsError> {
    match &n.value {
        tree::Value::String(s) => Ok(s.to_string()),
        tree::Value::Null => Ok(String::new()),
        _ => Err(OpsError::BadConfig(format!(
            "{what} is {}, expected a string",
            n.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(byte: &[u8], os: &str, arch: &str) -> Descriptor {
        let mut d = Descriptor::of(media_type::DOCKER_MANIFEST, byte);
        d.platform = Some(Platform::new(os, arch));
        d
    }

    #[test]
    fn clear_fields_need_a_name_and_an_annotation_a_key() {
        assert_eq!(
            Field::parse("annotation:k"),
            Some(Field::Annotation("k".into()))
        );
        // Found by the bad-input catalogue: `--clear annotation:` cleared the empty key.
        assert_eq!(Field::parse("annotation:"), None);
        assert_eq!(Field::parse(""), None);
        assert_eq!(Field::parse("bogus"), None);
    }

    #[test]
    fn entries_are_keyed_by_source_or_digest() {
        let a_amd = d(b"a", "linux", "amd64");
        let b_arm = d(b"b", "linux", "arm64");
        let existing = [(&a_amd, Some("r/app:amd64")), (&b_arm, Some("r/app:arm64"))];
        let again = d(b"a", "linux", "amd64");
        // podman and pack: the same digest replaces its entry, whatever it was added as.
        assert_eq!(
            add_position(existing, &again, "r/app@sha256:x", EntryKey::Digest),
            Some(0)
        );
        // docker: the same reference replaces; another reference to the digest is a new entry.
        assert_eq!(
            add_position(existing, &again, "r/app:arm64", EntryKey::Source),
            Some(1)
        );
        assert_eq!(
            add_position(existing, &again, "r/app:other", EntryKey::Source),
            None
        );
    }

    #[test]
    fn remove_by_digest_and_prefix() {
        let mut idx = create(ListFormat::Oci);
        idx.manifests.push(d(b"a", "linux", "amd64"));
        idx.manifests.push(d(b"b", "linux", "arm64"));
        let full = idx.manifests[1].digest.to_string();
        let prefix = &idx.manifests[0].digest.encoded()[..12].to_string();
        assert!(remove(&mut idx, &full).is_ok());
        assert!(matches!(
            remove(&mut idx, "sha256:abc"),
            Err(OpsError::EntryNotFound(_))
        ));
        assert!(remove(&mut idx, prefix).is_ok());
        assert!(idx.manifests.is_empty());
    }

    #[test]
    fn annotate_sets_appends_and_clears() {
        let mut e = d(b"a", "linux", "arm");
        let edit = EntryEdit {
            variant: Some("v7".into()),
            os_features: vec!["f1".into(), "f2".into(), "f1".into()],
            annotations: vec![("k".into(), "v".into())],
            os: Some(String::new()),
            ..EntryEdit::default()
        };
        annotate_entry(&mut e, &edit);
        let p = e.platform.clone().unwrap();
        assert_eq!((p.os.as_str(), p.variant.as_deref()), ("linux", Some("v7")));
        assert_eq!(p.os_features.unwrap(), vec!["f1", "f2"]);
        annotate_entry(
            &mut e,
            &EntryEdit {
                clear: vec![Field::Variant, Field::Annotation("k".into())],
                ..EntryEdit::default()
            },
        );
        assert_eq!(e.platform.as_ref().unwrap().variant, None);
        assert_eq!(e.annotations, None);
    }

    #[test]
    fn convert_to_docker_reports_losses() {
        let mut idx = create(ListFormat::Oci);
        let mut e = Descriptor::of(media_type::OCI_MANIFEST, b"a");
        e.annotations = Some([("a".to_string(), "b".to_string())].into());
        idx.manifests.push(e);
        idx.annotations = Some([("x".to_string(), "y".to_string())].into());
        let (out, losses) = convert(&idx, ListFormat::Docker);
        assert!(
            out.is_docker() && out.annotations.is_none() && out.manifests[0].annotations.is_none()
        );
        let paths: Vec<_> = losses.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.annotations",
                "$.manifests[0].annotations",
                "$.manifests[0].mediaType"
            ]
        );
        let (back, none) = convert(&out, ListFormat::Oci);
        assert!(none.is_empty() && !back.is_docker());
    }

    #[test]
    fn config_platform_reads_like_go() {
        let cfg = br#"{"Architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"],"rootfs":{}}"#;
        let p = platform_from_config(cfg).unwrap();
        assert_eq!(p.architecture, "amd64");
        assert_eq!(p.os, "windows");
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763.1"));
        assert_eq!(p.os_features, Some(vec!["win32k".to_string()]));
        assert!(platform_from_config(b"[]").is_err());
        assert_eq!(platform_from_config(b"{}").unwrap(), Platform::default());
    }

    #[test]
    fn annotations_parse() {
        assert_eq!(
            parse_annotation("a=b=c").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(parse_annotation("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_annotation("=b").is_err() && parse_annotation("ab").is_err());
    }
}

/// What to take from a source that is itself an index (`create`/`add` flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// No flag: the one runnable platform, if there is exactly one.
    Default,
    /// `--platform P`: the best entry for P.
    Platform(Platform),
    /// `--all`: every entry (flattened).
    All,
    /// `--nested`: the index itself as one entry.
    Nested,
}

/// What a selection from an index source came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    /// These entries of the source index.
    Entries(Vec<usize>),
    /// The source index itself, as a nested entry.
    Itself,
}

/// Why nothing could be selected; the message lists what the index holds and the three ways out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectError(pub String);

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectError {}

/// The entry of `index` that serves `wanted` best (containerd's matching and ordering), never
/// an attestation: what `--platform` picks from a source index and what `inspect --platform`
/// shows.
pub fn entry_for_platform(index: &ImageIndex, wanted: &Platform) -> Option<usize> {
    let candidates: Vec<Option<&Platform>> = index
        .manifests
        .iter()
        .map(|d| {
            if crate::platform::is_attestation(d) {
                None
            } else {
                d.platform.as_ref()
            }
        })
        .collect();
    crate::platform::best_match(wanted, &candidates)
}

/// Decides which entries of the source index `source` (named `name` in messages) to add.
/// docker refuses index sources and podman silently takes the host's platform; manifold takes
/// the only runnable platform when there is one, and otherwise says what there is.
#[inline] // compiled in the caller's crate: see AnyDocument::parse
pub fn select(
    name: &str,
    source: &ImageIndex,
    selection: &Selection,
) -> Result<Selected, SelectError> {
    let platforms = || {
        let list: Vec<String> = crate::platform::runnable_entries(&source.manifests)
            .into_iter()
            .map(|i| {
                source.manifests[i]
                    .platform
                    .as_ref()
                    .map_or_else(|| "(no platform)".to_string(), Platform::display)
            })
            .collect();
        if list.is_empty() {
            "no runnable platforms".to_string()
        } else {
            list.join(", ")
        }
    };
    match selection {
        Selection::Nested => Ok(Selected::Itself),
        Selection::All => Ok(Selected::Entries((0..source.manifests.len()).collect())),
        Selection::Platform(p) => entry_for_platform(source, p)
            .map(|i| Selected::Entries(vec![i]))
            .ok_or_else(|| {
                SelectError(format!(
                    "{name} is an index with no entry for {}; it has: {}",
                    p.display(),
                    platforms()
                ))
            }),
        Selection::Default => {
            let runnable = crate::platform::runnable_entries(&source.manifests);
            match runnable.as_slice() {
                [one] => Ok(Selected::Entries(vec![*one])),
                _ => Err(SelectError(format!(
                    "{name} is an index of {} platforms ({}); choose with --platform OS/ARCH, add them all with --all, or add the index itself with --nested",
                    runnable.len(),
                    platforms()
                ))),
            }
        }
    }
}

#[cfg(test)]
mod select_tests {
    use super::*;

    fn index_of(platforms: &[&str]) -> ImageIndex {
        let mut idx = create(ListFormat::Oci);
        for (i, p) in platforms.iter().enumerate() {
            let mut d = Descriptor::of(media_type::OCI_MANIFEST, format!("m{i}").as_bytes());
            d.platform = Some(crate::platform::parse_exact(p).unwrap());
            idx.manifests.push(d);
        }
        idx
    }

    #[test]
    fn one_runnable_platform_is_taken_without_flags() {
        let idx = index_of(&["linux/amd64", "unknown/unknown"]);
        assert_eq!(
            select("x", &idx, &Selection::Default),
            Ok(Selected::Entries(vec![0]))
        );
    }

    #[test]
    fn several_platforms_need_a_choice_and_the_error_names_them() {
        let idx = index_of(&["linux/amd64", "linux/arm64/v8", "unknown/unknown"]);
        let e = select("a.io/x:1", &idx, &Selection::Default).unwrap_err().0;
        assert!(
            e.contains("2 platforms (linux/amd64, linux/arm64/v8)")
                && e.contains("--platform")
                && e.contains("--all")
                && e.contains("--nested"),
            "{e}"
        );
        let p = crate::platform::parse("linux/arm64").unwrap();
        assert_eq!(
            select("x", &idx, &Selection::Platform(p)),
            Ok(Selected::Entries(vec![1]))
        );
        assert_eq!(
            select("x", &idx, &Selection::All),
            Ok(Selected::Entries(vec![0, 1, 2]))
        );
        let none = crate::platform::parse("linux/s390x").unwrap();
        assert!(select("x", &idx, &Selection::Platform(none))
            .unwrap_err()
            .0
            .contains("no entry for linux/s390x"));
    }
}
