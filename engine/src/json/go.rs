//! Serialisation that matches Go's `encoding/json`, byte for byte: the encoder every registry
//! peer uses. Go escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings and serde_json does not,
//! so documents the tool authors would otherwise get different bytes (and digests) than docker's.
//! Indentation follows `json.MarshalIndent(v, "", indent)`; there is never a trailing newline.
//!
//! Also the one decoding rule of Go's that validation needs, `go_fold_eq`: how `json.Unmarshal`
//! matches object keys to struct fields. It lives with the encoder because both are "what Go's
//! `encoding/json` does", and validation depends on it without depending back.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// A serde_json formatter producing Go's output: compact when `indent` is empty.
pub struct GoFormatter<'a> {
    indent: &'a [u8],
    level: usize,
    has_value: bool,
}

impl<'a> GoFormatter<'a> {
    pub fn new(indent: &'a [u8]) -> Self {
        GoFormatter {
            indent,
            level: 0,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        if self.indent.is_empty() {
            return Ok(());
        }
        w.write_all(b"\n")?;
        for _ in 0..self.level {
            w.write_all(self.indent)?;
        }
        Ok(())
    }
}

impl Formatter for GoFormatter<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.indent.is_empty() {
            w.write_all(b":")
        } else {
            w.write_all(b": ")
        }
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_go_escaped(w, fragment)
    }
}

/// Writes `s` with Go's HTML-safe escapes; serde_json has already escaped quotes, backslashes
/// and control characters (the same way Go does) before a fragment reaches here.
fn write_go_escaped<W: ?Sized + io::Write>(w: &mut W, s: &str) -> io::Result<()> {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let esc: Option<&[u8]> = match bytes[i] {
            b'<' => Some(b"\\u003c"),
            b'>' => Some(b"\\u003e"),
            b'&' => Some(b"\\u0026"),
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                Some(b"\\u2028")
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                Some(b"\\u2029")
            }
            _ => None,
        };
        match esc {
            Some(e) => {
                w.write_all(&bytes[run..i])?;
                w.write_all(e)?;
                i += if bytes[i] == 0xE2 { 3 } else { 1 };
                run = i;
            }
            None => i += 1,
        }
    }
    w.write_all(&bytes[run..])
}

/// `json.MarshalIndent(value, "", indent)`; `indent` empty gives `json.Marshal(value)`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, indent: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, GoFormatter::new(indent.as_bytes()));
    value
        .serialize(&mut ser)
        .expect("serialising to memory cannot fail for these types");
    out
}

/// True when Go's `encoding/json` would match `key` to the field `known` (ASCII) although
/// the two differ: equal under Unicode simple case folding, which maps `ſ` (U+017F) to `s`
/// and the Kelvin sign `K` (U+212A) to `k` besides ASCII case.
pub(crate) fn go_fold_eq(key: &str, known: &str) -> bool {
    // Every char of `key` must fold to one ASCII byte of `known`; ASCII chars are 1 byte and
    // the two non-ASCII ones at most 3, which bounds the length cheaply.
    if key.len() < known.len() || key.len() > known.len() * 3 || key == known {
        return false;
    }
    let mut kb = known.bytes();
    for c in key.chars() {
        let folded = match c {
            '\u{17F}' => b's',
            '\u{212A}' => b'k',
            c if c.is_ascii() => (c as u8).to_ascii_lowercase(),
            _ => return false,
        };
        match kb.next() {
            Some(b) if b.to_ascii_lowercase() == folded => {}
            _ => return false,
        }
    }
    kb.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_like_go() {
        let v = json!({"k": "x<y>&z\u{2028}\u{2029}\u{8}\u{c}\n\u{1f}\"\\é"});
        assert_eq!(
            String::from_utf8(to_vec(&v, "")).unwrap(),
            r#"{"k":"x\u003cy\u003e\u0026z\u2028\u2029\b\f\n\u001f\"\\é"}"#
        );
    }

    #[test]
    fn indents_like_marshal_indent() {
        let v = json!({"a": [], "b": {}, "c": [1, {"d": "e"}]});
        let got = String::from_utf8(to_vec(&v, "   ")).unwrap();
        assert_eq!(got, "{\n   \"a\": [],\n   \"b\": {},\n   \"c\": [\n      1,\n      {\n         \"d\": \"e\"\n      }\n   ]\n}");
    }

    #[test]
    fn go_folding_matches_what_encoding_json_accepts() {
        assert!(go_fold_eq("MediaType", "mediaType"));
        assert!(go_fold_eq("MEDIATYPE", "mediaType"));
        assert!(go_fold_eq("ſize", "size"));
        assert!(go_fold_eq("\u{212A}ey", "key"));
        assert!(go_fold_eq("OS.Version", "os.version"));
        assert!(!go_fold_eq("mediaType", "mediaType"));
        assert!(!go_fold_eq("mediaTypes", "mediaType"));
        assert!(!go_fold_eq("media_type", "mediaType"));
        assert!(!go_fold_eq("sizé", "size"));
        assert!(!go_fold_eq("", "size"));
    }
}
