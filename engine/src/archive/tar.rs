//! A push-based tar reader: bytes in as they come, entries and their data out.
//!
//! Reads the formats image layers and image archives are written in: ustar (with its `prefix`
//! field), GNU (`L`/`K` long names, base-256 sizes) and PAX (`x` headers' `path`, `linkpath` and
//! `size`; global `g` headers are read and ignored, as Go's archive/tar does for paths). The
//! reader holds one 512-byte block and at most [`MAX_META`] bytes of a long-name or PAX record;
//! file data passes straight through to the caller, so a layer of any size is read in bounded
//! memory. Data of hard links, symlinks, devices, directories and FIFOs is skipped, as Python's
//! tarfile does: only regular files (and unknown kinds) carry data.

use super::ArchiveError;

const BLOCK: usize = 512;

/// The most bytes a GNU long name or a PAX extended header may hold (1 MiB): real ones are a
/// path or two; more is a damaged or hostile archive, refused rather than buffered.
pub const MAX_META: u64 = 1 << 20;

/// What kind of entry a header names (its typeflag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `0`, NUL or `7` (contiguous): a regular file, whose data follows.
    File,
    /// `1`: a hard link to [`TarEntry::link`].
    HardLink,
    /// `2`: a symbolic link to [`TarEntry::link`].
    Symlink,
    /// `5`: a directory.
    Directory,
    /// `3`, `4`, `6`: a character device, block device or FIFO.
    Special,
    /// Any other typeflag (GNU sparse files, vendor extensions); its data is passed through.
    Other(u8),
}

/// One entry's header, with long names and PAX overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// The path as stored (not normalised; see [`TarEntry::absolute_path`]).
    pub path: String,
    /// The link target of a hard or symbolic link, empty otherwise.
    pub link: String,
    pub kind: EntryKind,
    /// Bytes of data that follow (0 for kinds that carry none).
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Where the entry's data starts in the tar stream (so a host with random access, such as a
    /// browser's `File.slice`, can read one entry without the rest).
    pub offset: u64,
}

impl TarEntry {
    /// The path as a user names the file in the image: `./usr/bin/x`, `usr/bin/x` and
    /// `/usr/bin/x` all become `/usr/bin/x`; a trailing slash is dropped.
    pub fn absolute_path(&self) -> String {
        let mut p = self.path.as_str();
        loop {
            if let Some(rest) = p.strip_prefix("./") {
                p = rest;
            } else if let Some(rest) = p.strip_prefix('/') {
                p = rest;
            } else {
                break;
            }
        }
        let p = p.trim_end_matches('/');
        if p == "." {
            return "/".into();
        }
        format!("/{p}")
    }
}

/// What the reader hands the caller, in stream order: an [`TarEvent::Entry`], then its data in
/// zero or more [`TarEvent::Data`] chunks, then [`TarEvent::End`].
#[derive(Debug)]
pub enum TarEvent<'a> {
    Entry(&'a TarEntry),
    Data(&'a [u8]),
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meta {
    Pax,
    PaxGlobal,
    LongName,
    LongLink,
}

/// Overrides a PAX or GNU header sets for the next entry.
#[derive(Debug, Default)]
struct Pending {
    path: Option<String>,
    link: Option<String>,
    size: Option<u64>,
}

/// The push-based reader. Call [`TarReader::feed`] with each chunk as it arrives, then
/// [`TarReader::finish`] once the stream has ended.
#[derive(Debug, Default)]
pub struct TarReader {
    block: Vec<u8>,
    /// Data bytes of the current entry (or meta record) still to come.
    remaining: u64,
    /// Padding bytes to skip after the data, up to the next 512-byte boundary.
    padding: u64,
    /// The meta record being collected, if the current entry is one.
    meta: Option<(Meta, Vec<u8>)>,
    pending: Pending,
    /// An entry's data is being passed through (an End is owed).
    in_entry: bool,
    ended: bool,
    /// Bytes read so far, for error messages.
    offset: u64,
}

impl TarReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the end-of-archive marker has been read (the rest of the stream is ignored).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Reads `input`, calling `sink` for every entry, data chunk and entry end it completes.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(TarEvent<'_>),
    ) -> Result<(), ArchiveError> {
        while !input.is_empty() && !self.ended {
            if self.remaining > 0 {
                let n = self.remaining.min(input.len() as u64) as usize;
                let (chunk, rest) = input.split_at(n);
                input = rest;
                self.remaining -= n as u64;
                self.offset += n as u64;
                match &mut self.meta {
                    Some((_, buf)) => buf.extend_from_slice(chunk),
                    None => sink(TarEvent::Data(chunk)),
                }
                if self.remaining == 0 {
                    self.end_of_data(sink)?;
                }
            } else if self.padding > 0 {
                let n = self.padding.min(input.len() as u64) as usize;
                input = &input[n..];
                self.padding -= n as u64;
                self.offset += n as u64;
            } else {
                let n = (BLOCK - self.block.len()).min(input.len());
                self.block.extend_from_slice(&input[..n]);
                input = &input[n..];
                self.offset += n as u64;
                if self.block.len() == BLOCK {
                    let block = std::mem::take(&mut self.block);
                    self.header(&block, sink)?;
                    self.block = block;
                    self.block.clear();
                }
            }
        }
        Ok(())
    }

    /// Where the reader is in the stream: bytes read or skipped so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes the reader wants next to make progress with a header or an extended header (the
    /// rest of the current block, or the rest of a long-name or PAX record and its padding);
    /// 0 while an entry's data is being passed through.
    pub fn wanted(&self) -> u64 {
        if self.meta.is_some() {
            self.remaining + self.padding
        } else if self.remaining > 0 {
            0
        } else {
            self.padding + (BLOCK - self.block.len()) as u64
        }
    }

    /// Passes over the rest of the current entry's data without reading it, and returns how many
    /// bytes of the stream the caller must pass over too (seek, not read); 0 when no entry's
    /// data is pending. No [`TarEvent::End`] is sent for the skipped entry.
    pub fn skip_data(&mut self) -> u64 {
        if self.meta.is_some() || !self.in_entry {
            return 0;
        }
        let n = self.remaining + self.padding;
        self.offset += n;
        self.remaining = 0;
        self.padding = 0;
        self.in_entry = false;
        n
    }

    /// Says whether the stream ended where an archive may end: after the end marker, or at an
    /// entry boundary (Go's archive/tar accepts a missing end marker too).
    pub fn finish(&self) -> Result<(), ArchiveError> {
        if self.ended {
            return Ok(());
        }
        if self.remaining > 0 || self.in_entry || self.meta.is_some() {
            return Err(ArchiveError::Truncated("a tar entry's data"));
        }
        if !self.block.is_empty() {
            return Err(ArchiveError::Truncated("a tar header"));
        }
        Ok(())
    }

    fn end_of_data(&mut self, sink: &mut dyn FnMut(TarEvent<'_>)) -> Result<(), ArchiveError> {
        if let Some((kind, buf)) = self.meta.take() {
            self.apply_meta(kind, &buf)?;
        } else if self.in_entry {
            self.in_entry = false;
            sink(TarEvent::End);
        }
        Ok(())
    }

    fn header(&mut self, b: &[u8], sink: &mut dyn FnMut(TarEvent<'_>)) -> Result<(), ArchiveError> {
        if b.iter().all(|&x| x == 0) {
            // The end marker is two zero blocks; one is enough to know the archive is over.
            self.ended = true;
            return Ok(());
        }
        let at = self.offset - BLOCK as u64;
        let stored = octal(&b[148..156]).ok_or_else(|| {
            ArchiveError::Tar(format!(
                "header at byte {at} has no checksum: not a tar archive"
            ))
        })?;
        let sum: u64 = b
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(x)
                }
            })
            .sum();
        if sum != stored {
            return Err(ArchiveError::Tar(format!(
                "header at byte {at} has a wrong checksum: not a tar archive, or damaged"
            )));
        }
        let typeflag = b[156];
        let size = match self.pending.size.take() {
            Some(s) => s,
            None => number(&b[124..136]).ok_or_else(|| {
                ArchiveError::Tar(format!("header at byte {at} has an unreadable size"))
            })?,
        };
        let padding = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        let meta = match typeflag {
            b'x' => Some(Meta::Pax),
            b'g' => Some(Meta::PaxGlobal),
            b'L' => Some(Meta::LongName),
            b'K' => Some(Meta::LongLink),
            _ => None,
        };
        if let Some(meta) = meta {
            if size > MAX_META {
                return Err(ArchiveError::Tar(format!(
                    "header at byte {at}: an extended header of {size} bytes (more than {MAX_META} is refused)"
                )));
            }
            self.remaining = size;
            self.padding = padding;
            self.meta = Some((meta, Vec::with_capacity(size as usize)));
            if size == 0 {
                self.end_of_data(sink)?;
            }
            return Ok(());
        }
        let kind = match typeflag {
            b'0' | 0 | b'7' => EntryKind::File,
            b'1' => EntryKind::HardLink,
            b'2' => EntryKind::Symlink,
            b'5' => EntryKind::Directory,
            b'3' | b'4' | b'6' => EntryKind::Special,
            other => EntryKind::Other(other),
        };
        let ustar = &b[257..262] == b"ustar";
        let path = match self.pending.path.take() {
            Some(p) => p,
            None => {
                let name = field(&b[0..100]);
                let prefix = if ustar && &b[257..263] == b"ustar\0" {
                    field(&b[345..500])
                } else {
                    "".into()
                };
                if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                }
            }
        };
        let link = self
            .pending
            .link
            .take()
            .unwrap_or_else(|| field(&b[157..257]));
        let size = match kind {
            EntryKind::File | EntryKind::Other(_) => size,
            _ => 0,
        };
        let entry = TarEntry {
            path,
            link,
            kind,
            size,
            mode: octal(&b[100..108]).unwrap_or(0) as u32,
            offset: self.offset,
        };
        sink(TarEvent::Entry(&entry));
        self.remaining = size;
        self.padding = if size == 0 { 0 } else { padding };
        self.in_entry = true;
        if size == 0 {
            self.end_of_data(sink)?;
        }
        Ok(())
    }

    fn apply_meta(&mut self, kind: Meta, buf: &[u8]) -> Result<(), ArchiveError> {
        match kind {
            Meta::LongName => self.pending.path = Some(field(buf)),
            Meta::LongLink => self.pending.link = Some(field(buf)),
            Meta::PaxGlobal => {}
            Meta::Pax => {
                for (key, value) in pax_records(buf)? {
                    match key {
                        "path" => {
                            self.pending.path = Some(String::from_utf8_lossy(value).into_owned())
                        }
                        "linkpath" => {
                            self.pending.link = Some(String::from_utf8_lossy(value).into_owned())
                        }
                        "size" => {
                            let s = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
                            self.pending.size = Some(s.ok_or_else(|| {
                                ArchiveError::Tar("a PAX header's size is not a number".into())
                            })?);
                        }
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }
}

/// PAX records: `LEN KEY=VALUE\n`, LEN counting the whole record.
fn pax_records(mut buf: &[u8]) -> Result<Vec<(&str, &[u8])>, ArchiveError> {
    let bad = || ArchiveError::Tar("a PAX extended header is malformed".into());
    let mut out = Vec::new();
    while !buf.is_empty() {
        if buf.iter().all(|&b| b == 0) {
            break;
        }
        let space = buf.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&buf[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        if len <= space + 1 || len > buf.len() || buf[len - 1] != b'\n' {
            return Err(bad());
        }
        let record = &buf[space + 1..len - 1];
        let eq = record.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let key = std::str::from_utf8(&record[..eq]).map_err(|_| bad())?;
        out.push((key, &record[eq + 1..]));
        buf = &buf[len..];
    }
    Ok(out)
}

/// A NUL-terminated text field.
fn field(b: &[u8]) -> String {
    let end = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// An octal field (spaces and NULs around it allowed); None when empty or not octal.
fn octal(b: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(b).ok()?;
    let s = s.trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return None;
    }
    u64::from_str_radix(s, 8).ok()
}

/// A numeric field: octal, or GNU's base-256 (high bit of the first byte set).
fn number(b: &[u8]) -> Option<u64> {
    if b[0] & 0x80 != 0 {
        if b[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut v: u64 = u64::from(b[0] & 0x3f);
        for &x in &b[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(x))?;
        }
        return Some(v);
    }
    if b.iter().all(|&x| x == 0 || x == b' ') {
        return Some(0);
    }
    octal(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testkit::{Tar, TarStyle};

    fn read_all(bytes: &[u8], chunk: usize) -> Result<Vec<(TarEntry, Vec<u8>)>, ArchiveError> {
        let mut r = TarReader::new();
        let mut out: Vec<(TarEntry, Vec<u8>)> = Vec::new();
        let mut ends = 0;
        for c in bytes.chunks(chunk.max(1)) {
            r.feed(c, &mut |e| match e {
                TarEvent::Entry(h) => out.push((h.clone(), Vec::new())),
                TarEvent::Data(d) => out.last_mut().unwrap().1.extend_from_slice(d),
                TarEvent::End => ends += 1,
            })?;
        }
        r.finish()?;
        assert_eq!(ends, out.len(), "every entry ends once");
        Ok(out)
    }

    #[test]
    fn reads_ustar_files_dirs_and_links_in_any_chunking() {
        let mut t = Tar::new(TarStyle::Ustar);
        t.dir("usr/");
        t.file("usr/bin/hello", b"hello world", 0o755);
        t.symlink("usr/bin/hi", "hello");
        t.file("empty", b"", 0o644);
        let bytes = t.finish();
        for chunk in [1, 7, 511, 512, 513, 100_000] {
            let got = read_all(&bytes, chunk).unwrap();
            assert_eq!(got.len(), 4);
            assert_eq!(got[0].0.kind, EntryKind::Directory);
            assert_eq!(got[1].0.path, "usr/bin/hello");
            assert_eq!(got[1].0.mode, 0o755);
            assert_eq!(got[1].1, b"hello world");
            assert_eq!(got[2].0.kind, EntryKind::Symlink);
            assert_eq!(got[2].0.link, "hello");
            assert_eq!(got[3].1, b"");
        }
    }

    #[test]
    fn long_names_in_gnu_pax_and_ustar_prefix() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        for style in [TarStyle::Gnu, TarStyle::Pax, TarStyle::Ustar] {
            let mut t = Tar::new(style);
            t.file(&long, b"x", 0o644);
            let got = read_all(&t.finish(), 64).unwrap();
            assert_eq!(got[0].0.path, long, "{style:?}");
            assert_eq!(got[0].1, b"x");
        }
    }

    #[test]
    fn pax_size_overrides_and_base256_sizes_are_read() {
        let data = vec![7u8; 1000];
        let mut t = Tar::new(TarStyle::Pax);
        t.file_with_pax_size("big", &data);
        t.file_base256("b256", &data);
        let got = read_all(&t.finish(), 300).unwrap();
        assert_eq!(got[0].1, data);
        assert_eq!(got[1].0.size, 1000);
        assert_eq!(got[1].1, data);
    }

    #[test]
    fn absolute_paths_are_normalised() {
        let e = |p: &str| TarEntry {
            path: p.into(),
            link: String::new(),
            kind: EntryKind::File,
            size: 0,
            mode: 0,
            offset: 0,
        };
        assert_eq!(e("./usr/bin/x").absolute_path(), "/usr/bin/x");
        assert_eq!(e("usr/bin/x").absolute_path(), "/usr/bin/x");
        assert_eq!(e("/usr/lib/").absolute_path(), "/usr/lib");
        assert_eq!(e("./").absolute_path(), "/");
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let mut t = Tar::new(TarStyle::Ustar);
        t.file("a", b"abc", 0o644);
        let mut bytes = t.finish();
        // truncated inside the data
        assert_eq!(
            read_all(&bytes[..514], 9).unwrap_err(),
            ArchiveError::Truncated("a tar entry's data")
        );
        // truncated inside a header
        assert_eq!(
            read_all(&bytes[..100], 9).unwrap_err(),
            ArchiveError::Truncated("a tar header")
        );
        // a flipped byte breaks the checksum
        bytes[10] ^= 1;
        assert!(
            matches!(read_all(&bytes, 512), Err(ArchiveError::Tar(m)) if m.contains("checksum"))
        );
        // not a tar at all
        assert!(read_all(&[b'{'; 600], 512).is_err());
    }

    #[test]
    fn a_missing_end_marker_at_an_entry_boundary_is_accepted() {
        let mut t = Tar::new(TarStyle::Ustar);
        t.file("a", b"abc", 0o644);
        let bytes = t.finish();
        let got = read_all(&bytes[..1024], 512).unwrap();
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn oversized_meta_records_are_refused() {
        let mut t = Tar::new(TarStyle::Gnu);
        t.raw_header(b'L', "././@LongLink", MAX_META + 1);
        let bytes = t.finish();
        assert!(
            matches!(read_all(&bytes, 512), Err(ArchiveError::Tar(m)) if m.contains("refused"))
        );
    }
}
