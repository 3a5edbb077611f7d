//! A push-based zstd decoder over ruzstd's frame decoder.
//!
//! ruzstd is pure Rust (no C, so it builds for wasm32-unknown-unknown, unlike the `zstd`
//! crate's libzstd) and its `FrameDecoder` decodes one block at a time from a slice. It reads
//! frames from a `Read`, which pulls; to push, this module reads the framing itself (RFC 8878:
//! frame header length from its descriptor, 3-byte block headers, the optional checksum,
//! skippable frames) and hands ruzstd exactly one whole block at a time. So memory is bounded
//! by one compressed block (at most 128 KiB) plus the frame's window, which is refused above
//! [`MAX_WINDOW`]. A frame's content checksum, when it has one, is checked.

use super::ArchiveError;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// The largest window accepted (128 MiB, ruzstd's default, enough for `zstd --long=27`).
pub const MAX_WINDOW: u64 = 128 << 20;
const MAX_BLOCK: usize = 128 * 1024;
const MAGIC: u32 = 0xFD2F_B528;

enum State {
    /// Collecting a frame header (or a skippable frame's 8-byte header).
    Frame,
    /// Collecting the next block (header, body and, after the last, the checksum).
    Block,
    /// Skipping a skippable frame's bytes.
    Skip(u64),
}

pub struct ZstdDecoder {
    state: State,
    buf: Vec<u8>,
    frames: u32,
    checksum: bool,
    decoder: FrameDecoder,
}

impl Default for ZstdDecoder {
    fn default() -> Self {
        Self::new()
    }
}

fn zerr(e: impl std::fmt::Display) -> ArchiveError {
    ArchiveError::Zstd(e.to_string())
}

struct Sink<'a>(
    &'a mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    Option<ArchiveError>,
);

impl std::io::Write for Sink<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Err(e) = (self.0)(b) {
            self.1 = Some(e);
            return Err(std::io::Error::other("stopped"));
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ZstdDecoder {
    pub fn new() -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_window_size(MAX_WINDOW);
        ZstdDecoder {
            state: State::Frame,
            buf: Vec::new(),
            frames: 0,
            checksum: false,
            decoder,
        }
    }

    /// How many bytes the current unit needs in `buf`, given what it holds; None: not known yet.
    fn needed(&self) -> Result<Option<usize>, ArchiveError> {
        let b = &self.buf;
        match self.state {
            State::Frame => {
                if b.len() < 4 {
                    return Ok(Some(4));
                }
                let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                    return Ok(Some(8));
                }
                if magic != MAGIC {
                    return Err(ArchiveError::Zstd(
                        "not zstd data (no frame magic number)".into(),
                    ));
                }
                let Some(&fd) = b.get(4) else {
                    return Ok(Some(5));
                };
                let single = fd & 0x20 != 0;
                let window = usize::from(!single);
                let dict = [0, 1, 2, 4][usize::from(fd & 3)];
                let fcs = match fd >> 6 {
                    0 => usize::from(single),
                    1 => 2,
                    2 => 4,
                    _ => 8,
                };
                Ok(Some(5 + window + dict + fcs))
            }
            State::Block => {
                if b.len() < 3 {
                    return Ok(Some(3));
                }
                let h = u32::from_le_bytes([b[0], b[1], b[2], 0]);
                let last = h & 1 != 0;
                let size = (h >> 3) as usize;
                let body = match (h >> 1) & 3 {
                    1 => 1,
                    3 => return Err(ArchiveError::Zstd("a block of the reserved type".into())),
                    _ => size,
                };
                if size > MAX_BLOCK {
                    return Err(ArchiveError::Zstd(format!(
                        "a block of {size} bytes (at most {MAX_BLOCK})"
                    )));
                }
                Ok(Some(3 + body + if last && self.checksum { 4 } else { 0 }))
            }
            State::Skip(_) => Ok(None),
        }
    }

    pub fn feed(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        while !input.is_empty() {
            if let State::Skip(left) = &mut self.state {
                let n = (*left).min(input.len() as u64);
                input = &input[n as usize..];
                *left -= n;
                if *left == 0 {
                    self.state = State::Frame;
                }
                continue;
            }
            let need = self.needed()?.unwrap_or(0);
            if self.buf.len() < need {
                let n = (need - self.buf.len()).min(input.len());
                self.buf.extend_from_slice(&input[..n]);
                input = &input[n..];
                if self.buf.len() < need {
                    continue;
                }
            }
            // A unit may only be known complete after its first bytes said how long it is.
            if self.needed()? != Some(self.buf.len()) {
                continue;
            }
            self.unit(sink)?;
        }
        Ok(())
    }

    /// Decodes the complete unit in `buf`.
    fn unit(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        let unit = std::mem::take(&mut self.buf);
        match self.state {
            State::Frame if unit.len() == 8 && unit[0] & 0xF0 == 0x50 => {
                let len = u32::from_le_bytes([unit[4], unit[5], unit[6], unit[7]]);
                self.state = if len == 0 {
                    State::Frame
                } else {
                    State::Skip(u64::from(len))
                };
            }
            State::Frame => {
                self.decoder.reset(&mut &unit[..]).map_err(zerr)?;
                self.checksum = unit[4] & 0x04 != 0;
                self.state = State::Block;
            }
            State::Block => {
                let last = unit[0] & 1 != 0;
                self.decoder
                    .decode_blocks(&mut &unit[..], BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(zerr)?;
                let mut w = Sink(sink, None);
                let done = self.decoder.collect_to_writer(&mut w);
                if let Some(e) = w.1 {
                    return Err(e);
                }
                done.map_err(zerr)?;
                if last {
                    if self.checksum
                        && self.decoder.get_checksum_from_data()
                            != self.decoder.get_calculated_checksum()
                    {
                        return Err(ArchiveError::Zstd(
                            "the frame's content checksum does not match the data (damaged)".into(),
                        ));
                    }
                    self.frames += 1;
                    self.state = State::Frame;
                }
            }
            State::Skip(_) => {}
        }
        self.buf = unit;
        self.buf.clear();
        Ok(())
    }

    /// The stream must end after a whole frame.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        match self.state {
            State::Frame if self.buf.is_empty() && self.frames > 0 => Ok(()),
            State::Frame => Err(ArchiveError::Truncated("the zstd frame header")),
            State::Block => Err(ArchiveError::Truncated("the zstd data")),
            State::Skip(_) => Err(ArchiveError::Truncated("a zstd skippable frame")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testkit::zstd;

    fn decode(bytes: &[u8], chunk: usize) -> Result<Vec<u8>, ArchiveError> {
        crate::archive::testkit::decode(crate::archive::Compression::Zstd, bytes, chunk)
    }

    fn sample() -> Vec<u8> {
        (0..400_000u32)
            .flat_map(|i| ((i * 7) % 253).to_le_bytes())
            .collect()
    }

    #[test]
    fn decodes_in_any_chunking_and_across_frames() {
        let data = sample();
        let mut z = zstd(&data);
        // a skippable frame, then a second frame
        z.extend_from_slice(&[0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        z.extend(zstd(b"tail"));
        let mut want = data.clone();
        want.extend_from_slice(b"tail");
        for chunk in [1, 5, 4096, 1 << 20] {
            assert_eq!(decode(&z, chunk).unwrap(), want, "chunk {chunk}");
        }
    }

    #[test]
    fn damage_and_truncation_are_errors() {
        let z = zstd(&sample());
        assert_eq!(
            decode(&z[..z.len() - 2], 999).unwrap_err(),
            ArchiveError::Truncated("the zstd data")
        );
        assert_eq!(
            decode(&z[..3], 999).unwrap_err(),
            ArchiveError::Truncated("the zstd frame header")
        );
        assert!(matches!(
            decode(b"\x1f\x8b gzip, not zstd", 4),
            Err(ArchiveError::Zstd(_))
        ));
        let mut bad = z.clone();
        for b in bad.iter_mut().skip(20).take(40) {
            *b ^= 0x5a;
        }
        assert!(decode(&bad, 999).is_err());
    }
}
