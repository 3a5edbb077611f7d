//! Media types of the OCI image-spec and of Docker's v2 schema 2, and the RFC 6838 grammar
//! every other type (an `artifactType`, a layer type) must follow.

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYOUT_HEADER: &str = "application/vnd.oci.layout.header.v1+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const OCI_LAYER_NONDIST_TAR: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
pub const OCI_LAYER_NONDIST_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
pub const OCI_LAYER_NONDIST_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const DOCKER_FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
pub const DOCKER_PLUGIN_CONFIG: &str = "application/vnd.docker.plugin.v1+json";
pub const DOCKER_SCHEMA1_SIGNED: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+json";

/// The Accept list for manifest requests: every manifest and index type the tool reads.
pub const MANIFEST_ACCEPT: [&str; 4] = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST];

/// What a manifest-level media type is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    OciIndex,
    OciManifest,
    DockerList,
    DockerManifest,
}

impl Kind {
    pub fn from_media_type(mt: &str) -> Option<Kind> {
        match strip_parameters(mt) {
            OCI_INDEX => Some(Kind::OciIndex),
            OCI_MANIFEST => Some(Kind::OciManifest),
            DOCKER_LIST => Some(Kind::DockerList),
            DOCKER_MANIFEST => Some(Kind::DockerManifest),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::OciIndex => OCI_INDEX,
            Kind::OciManifest => OCI_MANIFEST,
            Kind::DockerList => DOCKER_LIST,
            Kind::DockerManifest => DOCKER_MANIFEST,
        }
    }

    pub fn is_index(self) -> bool {
        matches!(self, Kind::OciIndex | Kind::DockerList)
    }

    pub fn is_docker(self) -> bool {
        matches!(self, Kind::DockerList | Kind::DockerManifest)
    }
}

/// True for the OCI index and the Docker manifest list.
pub fn is_index(mt: &str) -> bool {
    Kind::from_media_type(mt).is_some_and(Kind::is_index)
}

/// True for the OCI image manifest and the Docker v2 manifest.
pub fn is_image_manifest(mt: &str) -> bool {
    Kind::from_media_type(mt).is_some_and(|k| !k.is_index())
}

/// True for media types whose content is a config blob.
pub fn is_config(mt: &str) -> bool {
    matches!(mt, OCI_CONFIG | DOCKER_CONFIG)
}

/// Drops `; charset=...` and similar parameters, as registries' Content-Type headers may carry them.
pub fn strip_parameters(mt: &str) -> &str {
    mt.split(';').next().unwrap_or("").trim()
}

/// The bytes a restricted name may hold after its first, as a table: one load per byte
/// instead of a search of the punctuation list (every entry of an index has a media type).
static RESTRICTED_NAME_CHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#' | b'$' | b'&' | b'^' | b'_' | b'.' | b'+' | b'-'
            );
        i += 1;
    }
    t
};

fn restricted_name(s: &str) -> bool {
    // RFC 6838 §4.2 restricted-name, as image-spec's schema spells it:
    // [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 127
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|&c| RESTRICTED_NAME_CHARS[c as usize])
}

/// RFC 6838 `type "/" subtype` with restricted names on both sides and no parameters.
pub fn is_valid(mt: &str) -> bool {
    match mt.split_once('/') {
        Some((t, s)) => restricted_name(t) && restricted_name(s),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_are_classified() {
        assert_eq!(Kind::from_media_type(OCI_INDEX), Some(Kind::OciIndex));
        assert_eq!(
            Kind::from_media_type(
                "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"
            ),
            Some(Kind::DockerManifest)
        );
        assert!(is_index(DOCKER_LIST) && !is_index(OCI_MANIFEST));
        assert!(is_image_manifest(OCI_MANIFEST) && is_image_manifest(DOCKER_MANIFEST));
        assert!(Kind::from_media_type("application/json").is_none());
    }

    #[test]
    fn rfc6838_grammar() {
        for ok in [
            OCI_INDEX,
            DOCKER_LIST,
            "application/vnd.example+type",
            "a/b",
            "text/plain",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        let long = format!("application/{}", "a".repeat(128));
        for bad in [
            "",
            "application",
            "/json",
            "application/",
            "application/json; charset=utf-8",
            "app lication/json",
            "a/b/c",
            "-a/b",
            long.as_str(),
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
