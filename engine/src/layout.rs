//! OCI image layouts as rules, without the files: the `oci:PATH[:TAG]` spelling (skopeo's),
//! the `org.opencontainers.image.ref.name` tag annotation, which descriptor of `index.json` a
//! tag names, how an index is retagged, and where a blob lives inside the folder.
//!
//! The shim, the local store and publishing all read and write layouts; these rules were
//! written three times over there. Here they are one set, unit-tested without a disk, and the
//! shim keeps only the file work (opening, locking, atomic and streamed writes).

use crate::digest::Digest;
use crate::model::{Annotations, Descriptor, ImageIndex};

/// The annotation naming a descriptor of `index.json` (image-layout's tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An `oci:` argument split: the folder, and the tag or digest it names (at most one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutSpec {
    pub path: String,
    pub tag: Option<String>,
    /// `oci:PATH@DIGEST`, how entries taken from a layout's index record their source.
    pub digest: Option<Digest>,
}

/// `oci:PATH`, `oci:PATH:TAG` or `oci:PATH@DIGEST`; `None` when `spec` is not an `oci:`
/// argument or names no folder. A colon followed by something holding a `/` belongs to the
/// path (`oci:./x:y/z` is the folder `./x:y/z`), as skopeo reads it.
pub fn parse_spec(spec: &str) -> Option<LayoutSpec> {
    let rest = spec.strip_prefix("oci:")?;
    if rest.is_empty() {
        return None;
    }
    if let Some((path, digest)) = rest.rsplit_once('@') {
        if let (Ok(d), false) = (Digest::parse(digest), path.is_empty()) {
            return Some(LayoutSpec {
                path: path.to_string(),
                tag: None,
                digest: Some(d),
            });
        }
    }
    let (path, tag) = match rest.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') && !path.is_empty() => {
            (path, Some(tag.to_string()))
        }
        _ => (rest, None),
    };
    Some(LayoutSpec {
        path: path.to_string(),
        tag,
        digest: None,
    })
}

/// Where a blob lives, relative to the layout folder: `blobs/ALG/HEX`. The local store's
/// lists are layouts too, so it is the one place this path is spelled.
pub fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm_str(), digest.encoded())
}

/// The tag a descriptor of `index.json` carries, if any.
pub fn tag_of(d: &Descriptor) -> Option<&str> {
    d.annotations.as_ref()?.get(REF_NAME).map(String::as_str)
}

/// Why a tag names nothing in a layout. The texts name the folder, so they are made with it
/// ([`ResolveError::describe`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// No descriptor carries the tag asked for.
    NoSuchTag { tag: String, tags: Vec<String> },
    /// No tag was given and the layout holds several images, none tagged `latest`.
    Ambiguous { count: usize, tags: Vec<String> },
}

impl ResolveError {
    /// The message for the layout at `dir`, with the tags it has so the user can pick one.
    pub fn describe(&self, dir: &str) -> String {
        let tags = |t: &[String]| {
            if t.is_empty() {
                "it has no tagged entries".to_string()
            } else {
                format!("its tags are: {}", t.join(", "))
            }
        };
        match self {
            ResolveError::NoSuchTag { tag, tags: t } => {
                format!("{dir}: no image tagged {tag:?}; {}", tags(t))
            }
            ResolveError::Ambiguous { count, tags: t } => format!(
                "{dir}: holds {count} images; name one as oci:{dir}:TAG ({})",
                tags(t)
            ),
        }
    }
}

/// The descriptor `tag` names in a layout's index; without a tag, the only entry, else the
/// one tagged `latest` (skopeo's and regclient's reading of an untagged `oci:PATH`).
pub fn resolve<'a>(
    index: &'a ImageIndex,
    tag: Option<&str>,
) -> Result<&'a Descriptor, ResolveError> {
    let named = |t: &str| index.manifests.iter().find(|d| tag_of(d) == Some(t));
    let tags = || -> Vec<String> {
        index
            .manifests
            .iter()
            .filter_map(tag_of)
            .map(str::to_string)
            .collect()
    };
    match tag {
        Some(t) => named(t).ok_or_else(|| ResolveError::NoSuchTag {
            tag: t.to_string(),
            tags: tags(),
        }),
        None => match index.manifests.as_slice() {
            [only] => Ok(only),
            _ => named("latest").ok_or_else(|| ResolveError::Ambiguous {
                count: index.manifests.len(),
                tags: tags(),
            }),
        },
    }
}

/// Points `tag` at `desc` in a layout's index: what the tag named before is dropped, and the
/// new descriptor is added last, without a platform (the index lists images by tag, not by
/// platform) and with the tag as its only annotation.
pub fn retag(index: &mut ImageIndex, desc: &Descriptor, tag: &str) {
    index.manifests.retain(|d| tag_of(d) != Some(tag));
    let mut d = desc.clone();
    d.platform = None;
    let mut a = Annotations::new();
    a.insert(REF_NAME.to_string(), tag.to_string());
    d.annotations = Some(a);
    index.manifests.push(d);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media_type;

    fn spec(path: &str, tag: Option<&str>) -> Option<LayoutSpec> {
        Some(LayoutSpec {
            path: path.into(),
            tag: tag.map(str::to_string),
            digest: None,
        })
    }

    #[test]
    fn specs_split_path_and_tag() {
        assert_eq!(parse_spec("oci:dir"), spec("dir", None));
        assert_eq!(parse_spec("oci:a/b:v1"), spec("a/b", Some("v1")));
        assert_eq!(parse_spec("oci:./x:y/z"), spec("./x:y/z", None));
        assert_eq!(parse_spec("oci:"), None);
        assert_eq!(parse_spec("docker.io/x"), None);
        let d = Digest::sha256(b"x");
        assert_eq!(
            parse_spec(&format!("oci:a/b@{d}")),
            Some(LayoutSpec {
                path: "a/b".into(),
                tag: None,
                digest: Some(d.clone()),
            })
        );
    }

    #[test]
    fn blob_paths_are_relative() {
        let d = Digest::sha256(b"x");
        assert_eq!(blob_path(&d), format!("blobs/sha256/{}", d.encoded()));
    }

    #[test]
    fn tags_resolve_and_errors_list_them() {
        let mut index = ImageIndex::new(media_type::OCI_INDEX);
        let a = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256(b"a"), 1);
        let b = Descriptor::new(media_type::OCI_MANIFEST, Digest::sha256(b"b"), 1);
        assert_eq!(
            resolve(&index, None).unwrap_err().describe("d"),
            "d: holds 0 images; name one as oci:d:TAG (it has no tagged entries)"
        );
        retag(&mut index, &a, "v1");
        assert_eq!(resolve(&index, None).unwrap().digest, a.digest);
        assert_eq!(resolve(&index, Some("v1")).unwrap().digest, a.digest);
        assert_eq!(
            resolve(&index, Some("v2")).unwrap_err().describe("d"),
            "d: no image tagged \"v2\"; its tags are: v1"
        );
        retag(&mut index, &b, "v2");
        assert_eq!(
            resolve(&index, None).unwrap_err().describe("d"),
            "d: holds 2 images; name one as oci:d:TAG (its tags are: v1, v2)"
        );
        retag(&mut index, &b, "latest");
        assert_eq!(resolve(&index, None).unwrap().digest, b.digest);
        // retagging moves the tag: still three entries, v1 now names b
        retag(&mut index, &b, "v1");
        assert_eq!(index.manifests.len(), 3);
        assert_eq!(resolve(&index, Some("v1")).unwrap().digest, b.digest);
        assert!(index.manifests.iter().all(|d| d.platform.is_none()));
    }
}
