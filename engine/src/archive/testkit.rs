//! Test-only builders: a tiny tar writer in three styles and gzip/zstd wrappers, so tests make
//! their archives in the test instead of shipping opaque fixtures.

/// How long names are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarStyle {
    /// ustar: names over 100 bytes split into `prefix` + `name`.
    Ustar,
    /// GNU: names over 100 bytes in an `L` entry before the header.
    Gnu,
    /// PAX: names over 100 bytes in an `x` header's `path` record.
    Pax,
}

pub struct Tar {
    style: TarStyle,
    out: Vec<u8>,
}

fn octal_into(dst: &mut [u8], v: u64) {
    let s = format!("{:0width$o}\0", v, width = dst.len() - 1);
    dst.copy_from_slice(s.as_bytes());
}

impl Tar {
    pub fn new(style: TarStyle) -> Self {
        Tar {
            style,
            out: Vec::new(),
        }
    }

    fn header(
        &mut self,
        typeflag: u8,
        name: &str,
        link: &str,
        size: u64,
        mode: u32,
        base256: bool,
    ) {
        let mut h = [0u8; 512];
        let n = name.as_bytes();
        if n.len() <= 100 {
            h[..n.len()].copy_from_slice(n);
        } else {
            let split = name[..name.len().min(155)]
                .rfind('/')
                .expect("a splittable name");
            h[345..345 + split].copy_from_slice(&n[..split]);
            h[..n.len() - split - 1].copy_from_slice(&n[split + 1..]);
        }
        octal_into(&mut h[100..108], u64::from(mode));
        octal_into(&mut h[108..116], 0);
        octal_into(&mut h[116..124], 0);
        if base256 {
            h[124] = 0x80;
            h[128..136].copy_from_slice(&size.to_be_bytes());
        } else {
            octal_into(&mut h[124..136], size);
        }
        octal_into(&mut h[136..148], 0);
        h[156] = typeflag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        match self.style {
            TarStyle::Gnu => h[257..265].copy_from_slice(b"ustar  \0"),
            _ => h[257..265].copy_from_slice(b"ustar\x0000"),
        }
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        self.out.extend_from_slice(&h);
    }

    fn data(&mut self, d: &[u8]) {
        self.out.extend_from_slice(d);
        let pad = (512 - d.len() % 512) % 512;
        self.out.extend(std::iter::repeat_n(0, pad));
    }

    fn pax(&mut self, records: &[(&str, String)]) {
        let mut body = Vec::new();
        for (k, v) in records {
            let rest = format!(" {k}={v}\n");
            let mut len = rest.len() + 1;
            while format!("{len}").len() + rest.len() != len {
                len += 1;
            }
            body.extend_from_slice(format!("{len}{rest}").as_bytes());
        }
        self.header(b'x', "PaxHeaders/x", "", body.len() as u64, 0o644, false);
        self.data(&body);
    }

    fn named(&mut self, typeflag: u8, name: &str, link: &str, data: &[u8], mode: u32) {
        let short = if name.len() > 100 {
            match self.style {
                TarStyle::Ustar => name.to_string(),
                TarStyle::Gnu => {
                    let mut n = name.as_bytes().to_vec();
                    n.push(0);
                    self.header(b'L', "././@LongLink", "", n.len() as u64, 0o644, false);
                    self.data(&n);
                    name[..100].to_string()
                }
                TarStyle::Pax => {
                    self.pax(&[("path", name.to_string())]);
                    name[..100].to_string()
                }
            }
        } else {
            name.to_string()
        };
        self.header(typeflag, &short, link, data.len() as u64, mode, false);
        self.data(data);
    }

    pub fn file(&mut self, name: &str, data: &[u8], mode: u32) {
        self.named(b'0', name, "", data, mode);
    }

    pub fn dir(&mut self, name: &str) {
        self.named(b'5', name, "", b"", 0o755);
    }

    pub fn symlink(&mut self, name: &str, target: &str) {
        self.named(b'2', name, target, b"", 0o777);
    }

    pub fn hardlink(&mut self, name: &str, target: &str) {
        self.named(b'1', name, target, b"", 0o755);
    }

    /// A file whose header says size 0 and whose real size is in a PAX `size` record.
    pub fn file_with_pax_size(&mut self, name: &str, data: &[u8]) {
        self.pax(&[("size", data.len().to_string())]);
        self.header(b'0', name, "", 0, 0o644, false);
        self.data(data);
    }

    /// A file whose size is written in GNU base-256.
    pub fn file_base256(&mut self, name: &str, data: &[u8]) {
        self.header(b'0', name, "", data.len() as u64, 0o644, true);
        self.data(data);
    }

    /// A bare header with no data after it (to build damaged archives).
    pub fn raw_header(&mut self, typeflag: u8, name: &str, size: u64) {
        self.header(typeflag, name, "", size, 0o644, false);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend(std::iter::repeat_n(0, 1024));
        self.out
    }
}

/// A gzip member around `data` (header with a file name, raw deflate, CRC-32 and size).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(b"layer.tar\0");
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 computed bit by bit (independently of the decoder's table).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A zstd frame around `data`.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// The first bytes of an ELF file of this class, byte order, type and machine.
pub fn elf(bits64: bool, big_endian: bool, e_type: u16, machine: u16) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = if bits64 { 2 } else { 1 };
    h[5] = if big_endian { 2 } else { 1 };
    h[6] = 1;
    let (t, m) = if big_endian {
        (e_type.to_be_bytes(), machine.to_be_bytes())
    } else {
        (e_type.to_le_bytes(), machine.to_le_bytes())
    };
    h[16..18].copy_from_slice(&t);
    h[18..20].copy_from_slice(&m);
    h.extend(std::iter::repeat_n(0xAB, 4000));
    h
}

/// The first bytes of a PE file with this COFF machine, its PE header at `lfanew`.
pub fn pe(machine: u16, lfanew: u32) -> Vec<u8> {
    let mut h = vec![0u8; lfanew as usize + 64];
    h[..2].copy_from_slice(b"MZ");
    h[0x3c..0x40].copy_from_slice(&lfanew.to_le_bytes());
    let at = lfanew as usize;
    h[at..at + 4].copy_from_slice(b"PE\0\0");
    h[at + 4..at + 6].copy_from_slice(&machine.to_le_bytes());
    h
}

/// Decompresses `bytes` fed in pieces of `chunk` bytes through the one push interface the
/// scanner uses ([`super::decoder::Decoder`]), as a layer arriving in pieces is.
pub fn decode(
    compression: super::Compression,
    bytes: &[u8],
    chunk: usize,
) -> Result<Vec<u8>, super::ArchiveError> {
    let mut d = super::decoder::Decoder::new(compression);
    let mut out = Vec::new();
    for c in bytes.chunks(chunk) {
        d.feed(c, &mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })?;
    }
    d.finish()?;
    Ok(out)
}
