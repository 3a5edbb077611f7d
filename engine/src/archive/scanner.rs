//! [`LayerScanner`]: a layer's bytes in, its ELF and PE executables out, in bounded memory.
//!
//! The layer is decompressed and read as a tar chunk by chunk as the host pushes it; of each
//! regular file only the first [`HEADER_BYTES`] are kept until the file ends, and at most
//! [`MAX_EXECUTABLES`] findings are listed (the rest counted). So memory is the decompressor's
//! (see [`super::gzip`], [`super::zstd`]), one tar block and one header, whatever the layer's
//! size.

use super::{
    detect, ArchiveError, Compression, Decoder, EntryKind, Machine, TarEntry, TarEvent, TarReader,
    HEADER_BYTES,
};

/// The most executables one layer's report lists; past it they are counted in
/// [`ScanReport::omitted`] (a report of a million files helps nobody and costs memory).
pub const MAX_EXECUTABLES: usize = 10_000;

/// An executable found in a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// Its path in the image, absolute (`/usr/sbin/nginx`).
    pub path: String,
    /// The machine its header names (format, code, class, byte order).
    pub machine: Machine,
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// ELF executables and shared objects and PE images, in layer order.
    pub executables: Vec<Executable>,
    /// Executables found past [`MAX_EXECUTABLES`], not listed.
    pub omitted: u64,
    /// Regular files read (with data).
    pub files: u64,
    /// Decompressed tar bytes read.
    pub tar_bytes: u64,
}

struct Current {
    path: String,
    header: Vec<u8>,
}

enum Start {
    /// The compression is known.
    Known,
    /// Decided from the first bytes (held here until there are 4).
    Sniff(Vec<u8>),
}

/// Feed a layer's bytes with [`LayerScanner::feed`] as they arrive, then call
/// [`LayerScanner::finish`].
pub struct LayerScanner {
    start: Start,
    decoder: Decoder,
    tar: TarReader,
    current: Option<Current>,
    report: ScanReport,
    failed: Option<ArchiveError>,
}

impl LayerScanner {
    /// A scanner for a layer of this media type (`…tar`, `…tar+gzip`, `…tar+zstd`, Docker's
    /// `…tar.gzip`); an error for media types that are not tar layers.
    pub fn new(media_type: &str) -> Result<LayerScanner, ArchiveError> {
        let c = Compression::from_media_type(media_type)
            .ok_or_else(|| ArchiveError::UnknownMediaType(media_type.to_string()))?;
        Ok(Self::with_compression(c))
    }

    pub fn with_compression(c: Compression) -> LayerScanner {
        LayerScanner {
            start: Start::Known,
            decoder: Decoder::new(c),
            tar: TarReader::new(),
            current: None,
            report: ScanReport::default(),
            failed: None,
        }
    }

    /// A scanner that tells the compression from the layer's first bytes (for blobs that come
    /// without a media type, like `docker save`'s `layer.tar`).
    pub fn sniffing() -> LayerScanner {
        let mut s = Self::with_compression(Compression::None);
        s.start = Start::Sniff(Vec::new());
        s
    }

    /// Reads the next chunk of the layer. After an error every later call returns it again.
    pub fn feed(&mut self, input: &[u8]) -> Result<(), ArchiveError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if let Start::Sniff(held) = &mut self.start {
            let n = (4 - held.len()).min(input.len());
            held.extend_from_slice(&input[..n]);
            if held.len() < 4 {
                return Ok(());
            }
            let held = std::mem::take(held);
            self.decoder = Decoder::new(Compression::sniff(&held));
            self.start = Start::Known;
            let r = self.push(&held).and_then(|()| self.push(&input[n..]));
            return self.keep(r);
        }
        let r = self.push(input);
        self.keep(r)
    }

    fn keep(&mut self, r: Result<(), ArchiveError>) -> Result<(), ArchiveError> {
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn push(&mut self, input: &[u8]) -> Result<(), ArchiveError> {
        if input.is_empty() {
            return Ok(());
        }
        let LayerScanner {
            decoder,
            tar,
            current,
            report,
            ..
        } = self;
        decoder.feed(input, &mut |out| {
            report.tar_bytes += out.len() as u64;
            tar.feed(out, &mut |event| on_event(event, current, report))
        })
    }

    /// Ends the scan: an error when the layer ended early or is damaged.
    pub fn finish(mut self) -> Result<ScanReport, ArchiveError> {
        if let Start::Sniff(held) = std::mem::replace(&mut self.start, Start::Known) {
            self.decoder = Decoder::new(Compression::sniff(&held));
            let r = self.push(&held);
            self.keep(r)?;
        }
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.decoder.finish()?;
        self.tar.finish()?;
        Ok(self.report)
    }
}

fn on_event(event: TarEvent<'_>, current: &mut Option<Current>, report: &mut ScanReport) {
    match event {
        TarEvent::Entry(e) => *current = start(e),
        TarEvent::Data(d) => {
            if let Some(c) = current {
                let n = (HEADER_BYTES - c.header.len()).min(d.len());
                c.header.extend_from_slice(&d[..n]);
            }
        }
        TarEvent::End => {
            if let Some(c) = current.take() {
                report.files += 1;
                if let Some(machine) = detect(&c.header) {
                    if report.executables.len() < MAX_EXECUTABLES {
                        report.executables.push(Executable {
                            path: c.path,
                            machine,
                        });
                    } else {
                        report.omitted += 1;
                    }
                }
            }
        }
    }
}

fn start(e: &TarEntry) -> Option<Current> {
    (e.kind == EntryKind::File && e.size > 0).then(|| Current {
        path: e.absolute_path(),
        header: Vec::with_capacity((e.size as usize).min(HEADER_BYTES)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::machine::{EM_AARCH64, EM_X86_64, IMAGE_FILE_MACHINE_AMD64};
    use crate::archive::testkit::{elf, gzip, pe, zstd, Tar, TarStyle};

    fn layer() -> Vec<u8> {
        let mut t = Tar::new(TarStyle::Pax);
        t.dir("usr/sbin/");
        t.file("usr/sbin/nginx", &elf(true, false, 3, EM_AARCH64), 0o755);
        t.file("./bin/busybox", &elf(true, false, 2, EM_X86_64), 0o755);
        t.file("etc/os-release", b"ID=debian\n", 0o644);
        t.hardlink("bin/sh", "bin/busybox");
        t.symlink("bin/ls", "busybox");
        t.file("app/tool.exe", &pe(IMAGE_FILE_MACHINE_AMD64, 0x80), 0o644);
        t.file(
            &format!("opt/{}/lib.so", "deep".repeat(40)),
            &elf(true, false, 3, EM_AARCH64),
            0o644,
        );
        t.file("tiny", b"\x7fEL", 0o755);
        t.finish()
    }

    fn scan(s: &mut LayerScanner, bytes: &[u8], chunk: usize) -> Result<(), ArchiveError> {
        bytes.chunks(chunk).try_for_each(|c| s.feed(c))
    }

    fn paths(r: &ScanReport) -> Vec<(String, &'static str)> {
        r.executables
            .iter()
            .map(|e| (e.path.clone(), e.machine.oci_architecture().unwrap()))
            .collect()
    }

    #[test]
    fn finds_executables_in_plain_gzip_and_zstd_layers() {
        let tar = layer();
        let want = vec![
            ("/usr/sbin/nginx".to_string(), "arm64"),
            ("/bin/busybox".to_string(), "amd64"),
            ("/app/tool.exe".to_string(), "amd64"),
            (format!("/opt/{}/lib.so", "deep".repeat(40)), "arm64"),
        ];
        for (media_type, bytes) in [
            ("application/vnd.oci.image.layer.v1.tar", tar.clone()),
            ("application/vnd.oci.image.layer.v1.tar+gzip", gzip(&tar)),
            (
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                gzip(&tar),
            ),
            ("application/vnd.oci.image.layer.v1.tar+zstd", zstd(&tar)),
        ] {
            for chunk in [1, 1000, 1 << 20] {
                let mut s = LayerScanner::new(media_type).unwrap();
                scan(&mut s, &bytes, chunk).unwrap();
                let r = s.finish().unwrap();
                assert_eq!(paths(&r), want, "{media_type} in chunks of {chunk}");
                assert_eq!(r.files, 6);
                assert_eq!(r.tar_bytes, tar.len() as u64);
            }
            let mut s = LayerScanner::sniffing();
            scan(&mut s, &bytes, 3).unwrap();
            assert_eq!(paths(&s.finish().unwrap()), want, "sniffed {media_type}");
        }
    }

    #[test]
    fn short_sniffed_layers_are_still_judged() {
        let mut s = LayerScanner::sniffing();
        s.feed(&[0, 0]).unwrap();
        assert_eq!(
            s.finish().unwrap_err(),
            ArchiveError::Truncated("a tar header")
        );
        assert_eq!(
            LayerScanner::sniffing().finish().unwrap(),
            ScanReport::default()
        );
    }

    #[test]
    fn damaged_layers_are_errors_and_stay_errors() {
        let z = gzip(&layer());
        let mut s = LayerScanner::new("application/vnd.oci.image.layer.v1.tar+gzip").unwrap();
        scan(&mut s, &z[..z.len() / 2], 100).unwrap();
        assert_eq!(
            s.finish().unwrap_err(),
            ArchiveError::Truncated("the gzip data")
        );

        let mut s = LayerScanner::new("application/vnd.oci.image.layer.v1.tar+zstd").unwrap();
        let e = s.feed(&gzip(&layer())).unwrap_err();
        assert_eq!(s.feed(b"more").unwrap_err(), e);

        assert_eq!(
            LayerScanner::new("application/vnd.oci.image.config.v1+json").err(),
            Some(ArchiveError::UnknownMediaType(
                "application/vnd.oci.image.config.v1+json".into()
            ))
        );
    }

    #[test]
    fn findings_are_capped_and_counted() {
        let mut t = Tar::new(TarStyle::Ustar);
        let exe = elf(true, false, 2, EM_X86_64);
        for i in 0..MAX_EXECUTABLES + 5 {
            t.file(&format!("b/{i}"), &exe[..64], 0o755);
        }
        let mut s = LayerScanner::with_compression(Compression::None);
        s.feed(&t.finish()).unwrap();
        let r = s.finish().unwrap();
        assert_eq!(r.executables.len(), MAX_EXECUTABLES);
        assert_eq!(r.omitted, 5);
    }
}
