//! A push-based gzip decoder over miniz_oxide's streaming inflate.
//!
//! miniz_oxide's `inflate::stream` works on byte slices with a state value and no IO trait, so
//! it is push-based as it stands (flate2 wraps the same code behind `Read`/`Write`, which
//! pull). The gzip framing (RFC 1952 header, 8-byte trailer, several members one after
//! another as `pigz` and some registries write) is read here, and the trailer's CRC-32 and
//! size are checked: deflate decodes many corruptions without complaint, and a layer read from a
//! dropped folder may not have been verified against its digest.
//! Memory: miniz_oxide's ~43 KiB state and a 32 KiB output buffer.

use super::ArchiveError;
use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// The longest gzip header accepted (its optional name and comment are unbounded in the
/// format; 64 KiB is far beyond any real one).
const MAX_HEADER: usize = 64 * 1024;
const OUT: usize = 32 * 1024;

enum State {
    /// Collecting a member's header.
    Header(Vec<u8>),
    Deflate,
    /// Bytes of the trailer still to skip.
    Trailer(usize),
    /// After a member: another member may follow.
    Between,
}

/// Feed compressed bytes in with [`GzipDecoder::feed`]; decompressed bytes come out through
/// the callback.
pub struct GzipDecoder {
    state: State,
    inflate: Box<InflateState>,
    out: Vec<u8>,
    members: u32,
    crc: u32,
    isize: u32,
    trailer: [u8; 8],
}

impl Default for GzipDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl GzipDecoder {
    pub fn new() -> Self {
        GzipDecoder {
            state: State::Header(Vec::new()),
            inflate: InflateState::new_boxed(DataFormat::Raw),
            out: vec![0; OUT],
            members: 0,
            crc: !0,
            isize: 0,
            trailer: [0; 8],
        }
    }

    pub fn feed(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        while !input.is_empty() {
            match &mut self.state {
                State::Between => {
                    if input[0] != 0x1f {
                        return Err(ArchiveError::Gzip(
                            "bytes after the end of the gzip data are not another gzip member"
                                .into(),
                        ));
                    }
                    self.state = State::Header(Vec::new());
                }
                State::Header(buf) => {
                    let before = buf.len();
                    let take = input.len().min(MAX_HEADER + 1 - before);
                    buf.extend_from_slice(&input[..take]);
                    match header_len(buf)? {
                        Some(n) => {
                            input = &input[n - before..];
                            self.inflate.reset(DataFormat::Raw);
                            self.state = State::Deflate;
                        }
                        None if buf.len() > MAX_HEADER => {
                            return Err(ArchiveError::Gzip("the gzip header is over 64 KiB".into()))
                        }
                        None => input = &input[take..],
                    }
                }
                State::Deflate => {
                    let r = inflate(&mut self.inflate, input, &mut self.out, MZFlush::None);
                    input = &input[r.bytes_consumed..];
                    if r.bytes_written > 0 {
                        self.out_chunk(r.bytes_written, sink)?;
                    }
                    match r.status {
                        Ok(MZStatus::StreamEnd) => {
                            self.drain(sink)?;
                            self.state = State::Trailer(8);
                        }
                        Ok(_) => {}
                        Err(MZError::Buf) => {
                            if r.bytes_consumed == 0 && r.bytes_written == 0 {
                                break;
                            }
                        }
                        Err(_) => {
                            return Err(ArchiveError::Gzip("the deflate data is corrupt".into()))
                        }
                    }
                }
                State::Trailer(left) => {
                    let n = (*left).min(input.len());
                    let at = 8 - *left;
                    self.trailer[at..at + n].copy_from_slice(&input[..n]);
                    input = &input[n..];
                    *left -= n;
                    if *left == 0 {
                        let crc =
                            u32::from_le_bytes(self.trailer[..4].try_into().expect("4 bytes"));
                        let size =
                            u32::from_le_bytes(self.trailer[4..].try_into().expect("4 bytes"));
                        if crc != !self.crc || size != self.isize {
                            return Err(ArchiveError::Gzip(
                                "the CRC-32 or size in the gzip trailer does not match the data (damaged)".into(),
                            ));
                        }
                        self.crc = !0;
                        self.isize = 0;
                        self.members += 1;
                        self.state = State::Between;
                    }
                }
            }
        }
        if matches!(self.state, State::Deflate) {
            self.drain(sink)?;
        }
        Ok(())
    }

    /// Passes on output inflate still holds (it stops when the output buffer is full).
    fn drain(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        loop {
            let r = inflate(&mut self.inflate, &[], &mut self.out, MZFlush::None);
            if r.bytes_written == 0 {
                if let Err(e) = r.status {
                    if e != MZError::Buf {
                        return Err(ArchiveError::Gzip("the deflate data is corrupt".into()));
                    }
                }
                if r.status == Ok(MZStatus::StreamEnd) && matches!(self.state, State::Deflate) {
                    self.state = State::Trailer(8);
                }
                return Ok(());
            }
            self.out_chunk(r.bytes_written, sink)?;
        }
    }

    fn out_chunk(
        &mut self,
        n: usize,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        self.crc = crc32_update(self.crc, &self.out[..n]);
        self.isize = self.isize.wrapping_add(n as u32);
        sink(&self.out[..n])
    }

    /// The stream must end after a whole member.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        match &self.state {
            State::Between if self.members > 0 => Ok(()),
            State::Header(b) if b.is_empty() && self.members > 0 => Ok(()),
            State::Header(_) | State::Between => Err(ArchiveError::Truncated("the gzip header")),
            State::Deflate => Err(ArchiveError::Truncated("the gzip data")),
            State::Trailer(_) => Err(ArchiveError::Truncated("the gzip trailer")),
        }
    }
}

/// CRC-32 (IEEE, reflected, as gzip uses), bytewise with a table made at compile time.
fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The length of the RFC 1952 header at the start of `b`, None when more bytes are needed.
fn header_len(b: &[u8]) -> Result<Option<usize>, ArchiveError> {
    if b.len() < 10 {
        if b.len() >= 2 && b[..2] != [0x1f, 0x8b] || b.len() == 1 && b[0] != 0x1f {
            return Err(ArchiveError::Gzip(
                "not gzip data (no 1f 8b at its start)".into(),
            ));
        }
        return Ok(None);
    }
    if b[..2] != [0x1f, 0x8b] {
        return Err(ArchiveError::Gzip(
            "not gzip data (no 1f 8b at its start)".into(),
        ));
    }
    if b[2] != 8 {
        return Err(ArchiveError::Gzip(format!(
            "compression method {} is not deflate",
            b[2]
        )));
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        if b.len() < at + 2 {
            return Ok(None);
        }
        at += 2 + usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    }
    for bit in [0x08, 0x10] {
        if flags & bit != 0 {
            match b.get(at..).and_then(|r| r.iter().position(|&x| x == 0)) {
                Some(p) => at += p + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    Ok((b.len() >= at).then_some(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testkit::gzip;

    fn decode(bytes: &[u8], chunk: usize) -> Result<Vec<u8>, ArchiveError> {
        crate::archive::testkit::decode(crate::archive::Compression::Gzip, bytes, chunk)
    }

    fn sample() -> Vec<u8> {
        (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    }

    #[test]
    fn decodes_in_any_chunking() {
        let data = sample();
        let z = gzip(&data);
        for chunk in [1, 3, 4096, 1 << 20] {
            assert_eq!(decode(&z, chunk).unwrap(), data, "chunk {chunk}");
        }
    }

    #[test]
    fn reads_several_members_and_optional_header_fields() {
        let mut z = gzip(b"one ");
        // FEXTRA + FCOMMENT + FHCRC
        let mut second = vec![
            0x1f,
            0x8b,
            8,
            0x04 | 0x10 | 0x02,
            0,
            0,
            0,
            0,
            0,
            3,
            3,
            0,
            b'a',
            b'b',
            b'c',
        ];
        second.extend_from_slice(b"comment\0\0\0");
        second.extend(miniz_oxide::deflate::compress_to_vec(b"two", 1));
        second.extend_from_slice(&crate::archive::testkit::crc32(b"two").to_le_bytes());
        second.extend_from_slice(&3u32.to_le_bytes());
        z.extend(second);
        assert_eq!(decode(&z, 5).unwrap(), b"one two");
    }

    #[test]
    fn damage_and_truncation_are_errors() {
        let z = gzip(&sample());
        assert_eq!(
            decode(&z[..z.len() - 3], 999).unwrap_err(),
            ArchiveError::Truncated("the gzip trailer")
        );
        assert_eq!(
            decode(&z[..z.len() / 2], 999).unwrap_err(),
            ArchiveError::Truncated("the gzip data")
        );
        assert!(matches!(
            decode(b"PK\x03\x04 not gzip", 4),
            Err(ArchiveError::Gzip(_))
        ));
        assert_eq!(
            decode(b"", 4).unwrap_err(),
            ArchiveError::Truncated("the gzip header")
        );
        let mut bad = z.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x10;
        assert!(decode(&bad, 999).is_err());
        let mut trailing = z;
        trailing.extend_from_slice(b"junk");
        assert!(
            matches!(decode(&trailing, 999), Err(ArchiveError::Gzip(m)) if m.contains("after the end"))
        );
    }
}
