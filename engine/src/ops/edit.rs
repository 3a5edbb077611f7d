//! Building and editing a list: create, add (where a new entry goes), find and remove entries,
//! and annotate entries and the index.
//!
//! These are the edits `create`, `add`, `remove` and `annotate` make; each takes the index and
//! returns the change or an [`OpsError`], and the caller decides what to store.

use super::{ListFormat, OpsError};
use crate::digest::Digest;
use crate::model::{Annotations, Descriptor, ImageIndex, Platform};

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
    /// Its digest (podman's own rule).
    Digest,
    /// Its digest, or the same platform ([`same_platform`]): a rebuilt image replaces the one it
    /// supersedes (the podman and pack personalities).
    Platform,
    /// The reference it was added as, or the same platform (the docker personality's
    /// `add --replace`).
    SourceOrPlatform,
}

/// The annotation prefix podman and containers/image put on an instance that differs from
/// another of the same platform only in its compression (`--add-compression zstd`).
pub const COMPRESSION_ANNOTATION_PREFIX: &str = "io.github.containers.compression.";

/// What tells an entry apart for a client picking one: the normalised platform (os,
/// architecture, variant, os.version) and the compression annotations. `None` for an entry no
/// client picks by platform: no platform (an artifact, a nested index) or an attestation.
pub fn platform_key(d: &Descriptor) -> Option<(Platform, Vec<(&str, &str)>)> {
    let p = d.platform.as_ref()?;
    if crate::platform::is_attestation(d) {
        return None;
    }
    let n = crate::platform::normalize(p);
    let key = Platform {
        variant: n.variant,
        os_version: n.os_version.filter(|v| !v.is_empty()),
        ..Platform::new(&n.os, &n.architecture)
    };
    let compression = d
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.starts_with(COMPRESSION_ANNOTATION_PREFIX))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Some((key, compression))
}

/// True when nothing tells `a` and `b` apart for a client picking by platform.
pub fn same_platform(a: &Descriptor, b: &Descriptor) -> bool {
    matches!((platform_key(a), platform_key(b)), (Some(x), Some(y)) if x == y)
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
        EntryKey::Platform => d.digest == entry.digest || same_platform(d, entry),
        EntryKey::SourceOrPlatform => s == Some(source) || same_platform(d, entry),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type;

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
    fn the_same_platform_replaces_unless_compression_or_attestation_tells_it_apart() {
        let amd = d(b"a", "linux", "amd64");
        let arm = d(b"b", "linux", "arm64");
        let existing = [(&amd, Some("r/app:1")), (&arm, Some("r/app:2"))];
        let rebuilt = d(b"c", "linux", "amd64");
        assert_eq!(
            add_position(existing, &rebuilt, "r/app:3", EntryKey::Platform),
            Some(0)
        );
        assert_eq!(
            add_position(existing, &rebuilt, "r/app:3", EntryKey::Digest),
            None
        );
        assert_eq!(
            add_position(existing, &rebuilt, "r/app:3", EntryKey::Source),
            None
        );
        assert_eq!(
            add_position(existing, &rebuilt, "r/app:3", EntryKey::SourceOrPlatform),
            Some(0)
        );
        // arm64 and arm64/v8 are one platform (containerd's normalisation).
        let mut v8 = d(b"e", "linux", "arm64");
        v8.platform.as_mut().unwrap().variant = Some("v8".into());
        assert!(same_platform(&v8, &arm));
        // os.version tells Windows images apart.
        let mut w1 = d(b"w1", "windows", "amd64");
        w1.platform.as_mut().unwrap().os_version = Some("10.0.17763.1".into());
        let mut w2 = w1.clone();
        w2.platform.as_mut().unwrap().os_version = Some("10.0.20348.1".into());
        assert!(!same_platform(&w1, &w2));
        // A zstd instance beside the gzip one is told apart by its annotation.
        let mut zstd = d(b"z", "linux", "amd64");
        zstd.annotations = Some(
            [(
                format!("{COMPRESSION_ANNOTATION_PREFIX}zstd"),
                "true".to_string(),
            )]
            .into(),
        );
        assert!(!same_platform(&zstd, &amd));
        assert_eq!(
            add_position(existing, &zstd, "r/app:z", EntryKey::Platform),
            None
        );
        // Attestations (unknown/unknown) never replace one another by platform.
        let mut att1 = d(b"x", "unknown", "unknown");
        let att2 = d(b"y", "unknown", "unknown");
        assert!(!same_platform(&att1, &att2));
        // Nor do entries without a platform.
        att1.platform = None;
        assert!(!same_platform(&att1, &att1.clone()));
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
    fn annotations_parse() {
        assert_eq!(
            parse_annotation("a=b=c").unwrap(),
            ("a".into(), "b=c".into())
        );
        assert_eq!(parse_annotation("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_annotation("=b").is_err() && parse_annotation("ab").is_err());
    }
}
