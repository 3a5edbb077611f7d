//! Which decompressor a layer needs, from its media type or its first bytes.

use super::gzip::GzipDecoder;
use super::zstd::ZstdDecoder;
use super::ArchiveError;

/// How a layer's tar is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// From a layer media type: OCI's `…layer.v1.tar[+gzip|+zstd]` (and the nondistributable
    /// forms), Docker's `…rootfs.diff.tar[.gzip]` and `…rootfs.foreign.diff.tar.gzip`. None
    /// for anything that is not a tar layer (an artifact's blobs, a config).
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        let m = media_type.split(';').next().unwrap_or("").trim();
        if let Some(base) = m.strip_suffix("+gzip").or_else(|| m.strip_suffix(".gzip")) {
            return base.ends_with(".tar").then_some(Compression::Gzip);
        }
        if let Some(base) = m.strip_suffix("+zstd") {
            return base.ends_with(".tar").then_some(Compression::Zstd);
        }
        (m.starts_with("application/vnd.") && m.ends_with(".tar")).then_some(Compression::None)
    }

    /// From a blob's first bytes (gzip's `1f 8b`, zstd's magic, else plain): for blobs with no
    /// media type, such as `docker save`'s `layer.tar` files.
    pub fn sniff(first: &[u8]) -> Compression {
        if first.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if first.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// One of the decompressors, behind one push interface.
pub enum Decoder {
    None,
    Gzip(Box<GzipDecoder>),
    Zstd(Box<ZstdDecoder>),
}

impl Decoder {
    pub fn new(c: Compression) -> Decoder {
        match c {
            Compression::None => Decoder::None,
            Compression::Gzip => Decoder::Gzip(Box::default()),
            Compression::Zstd => Decoder::Zstd(Box::default()),
        }
    }

    /// Decompresses `input`, passing what comes out to `sink`.
    pub fn feed(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        match self {
            Decoder::None => sink(input),
            Decoder::Gzip(d) => d.feed(input, sink),
            Decoder::Zstd(d) => d.feed(input, sink),
        }
    }

    /// Whether the compressed stream ended where it may.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        match self {
            Decoder::None => Ok(()),
            Decoder::Gzip(d) => d.finish(),
            Decoder::Zstd(d) => d.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_media_types() {
        for (m, c) in [
            (
                "application/vnd.oci.image.layer.v1.tar",
                Some(Compression::None),
            ),
            (
                "application/vnd.oci.image.layer.v1.tar+gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.oci.image.layer.v1.tar+zstd",
                Some(Compression::Zstd),
            ),
            (
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.diff.tar",
                Some(Compression::None),
            ),
            ("application/vnd.oci.image.config.v1+json", None),
            ("application/vnd.in-toto+json", None),
            ("application/x-tar+gzip", None),
        ] {
            assert_eq!(Compression::from_media_type(m), c, "{m}");
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"usr/"), Compression::None);
    }
}
