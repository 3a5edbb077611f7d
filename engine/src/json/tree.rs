//! A JSON reader that keeps what validation needs and serde_json throws away: every member of
//! every object in document order (so duplicate and case-variant keys can be reported), the
//! byte span of every value (so a problem can point at its place in the document), and the
//! exact text of every number (so `2.0`, `-1` and `1e3` can be told apart from `2`).
//!
//! It enforces I-JSON (RFC 7493), which image-spec requires: UTF-8 only, no byte order mark,
//! no lone surrogates. Nesting is bounded, so hostile input cannot exhaust the stack.

use std::borrow::Cow;
use std::fmt;

/// Deeper documents are refused; no OCI or Docker document nests more than a handful of levels.
pub const MAX_DEPTH: usize = 128;

/// A parsed value. Strings, keys and numbers borrow from the input unless they held escapes,
/// so reading a large index allocates little more than its arrays and objects.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'s> {
    pub value: Value<'s>,
    /// Byte offset of the first byte of the value.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'s> {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(&'s str),
    String(Cow<'s, str>),
    Array(Vec<Node<'s>>),
    Object(Vec<Member<'s>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member<'s> {
    pub key: Cow<'s, str>,
    pub key_start: usize,
    pub key_end: usize,
    pub value: Node<'s>,
}

/// Where and why the bytes are not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not valid JSON at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

impl<'s> Node<'s> {
    /// The first member named exactly `key`.
    pub fn get(&self, key: &str) -> Option<&Node<'s>> {
        self.members()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    pub fn members(&self) -> Option<&[Member<'s>]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'s>]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number's text, if this is a number.
    pub fn as_number(&self) -> Option<&str> {
        match &self.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// A word for the JSON type, for messages: "an object", "a string", ...
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Parses `bytes` as one JSON value, surrounded by optional whitespace.
pub fn parse(bytes: &[u8]) -> Result<Node<'_>, ParseError> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(error_at(bytes, 0, "the document starts with a byte order mark; I-JSON forbids it, save it as UTF-8 without BOM".into()));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(error_at(
                bytes,
                e.valid_up_to(),
                "invalid UTF-8; JSON documents must be UTF-8".into(),
            ))
        }
    };
    let mut p = Parser {
        s: text,
        b: bytes,
        i: 0,
        depth: 0,
        members: Vec::new(),
        items: Vec::new(),
    };
    p.ws();
    let node = p.value()?;
    p.ws();
    if p.i != bytes.len() {
        return Err(p.err("unexpected content after the end of the document"));
    }
    Ok(node)
}

fn error_at(bytes: &[u8], offset: usize, message: String) -> ParseError {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    ParseError {
        offset,
        line,
        column,
        message,
    }
}

// Word-at-a-time byte tests (eight bytes in a u64, first byte lowest). Each sets the high bit
// of the lowest byte that matches; bytes above a match may be flagged falsely, so only the
// lowest flag is used.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SPACES: u64 = 0x2020_2020_2020_2020;
const QUOTES: u64 = 0x2222_2222_2222_2222;
const BACKSLASHES: u64 = 0x5C5C_5C5C_5C5C_5C5C;

/// Flags the lowest zero byte of `v`.
#[inline]
fn zero_byte(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Flags the lowest byte of `v` below 0x20 (a control character).
#[inline]
fn below_space(v: u64) -> u64 {
    v.wrapping_sub(SPACES) & !v & HIGHS
}

struct Parser<'a> {
    /// The input as text (checked UTF-8 once); slices at ASCII delimiters are char boundaries.
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
    /// Scratch stacks: the members of the objects (the items of the arrays) being read, from
    /// the outermost open one to the innermost. A finished object takes its members off the
    /// top into a vector of exactly their number, so reading allocates once per object or array
    /// instead of once per doubling of its vector (which in WebAssembly's allocator is much of
    /// the cost of reading a large index).
    members: Vec<Member<'a>>,
    items: Vec<Node<'a>>,
}

impl<'a> Parser<'a> {
    fn err(&self, msg: &str) -> ParseError {
        error_at(self.b, self.i, msg.to_string())
    }

    // Always inlined: called between every two tokens, and a call per token was a twentieth of
    // reading a large index in WebAssembly, where the engine is built for size.
    #[inline(always)]
    fn ws(&mut self) {
        loop {
            // Indentation is runs of spaces: eight at a time.
            if let Some(v) = self.word() {
                let x = v ^ SPACES;
                if x == 0 {
                    self.i += 8;
                    continue;
                }
                self.i += (x.trailing_zeros() / 8) as usize;
            }
            match self.b.get(self.i) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                _ => return,
            }
        }
    }

    /// The eight bytes at `i` as a little-endian word (first byte lowest), when there are eight.
    #[inline]
    fn word(&self) -> Option<u64> {
        let bytes = self.b.get(self.i..self.i + 8)?;
        Some(u64::from_le_bytes(bytes.try_into().ok()?))
    }

    /// Moves `i` to the first `"`, `\\` or control character at or after it, eight bytes at a
    /// time while there are eight (a string's plain run; digests are 71 bytes of it).
    #[inline]
    fn skip_plain(&mut self) {
        while let Some(v) = self.word() {
            let stop = zero_byte(v ^ QUOTES) | zero_byte(v ^ BACKSLASHES) | below_space(v);
            if stop != 0 {
                self.i += (stop.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
    }

    fn value(&mut self) -> Result<Node<'a>, ParseError> {
        let start = self.i;
        let value = match self.b.get(self.i) {
            None => return Err(self.err("unexpected end of input; expected a value")),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal(b"true", Value::Bool(true))?,
            Some(b'f') => self.literal(b"false", Value::Bool(false))?,
            Some(b'n') => self.literal(b"null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err("unexpected character; expected a value")),
        };
        Ok(Node {
            value,
            start,
            end: self.i,
        })
    }

    fn literal(&mut self, word: &[u8], v: Value<'a>) -> Result<Value<'a>, ParseError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("unexpected word; expected true, false or null"))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(&format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value<'a>, ParseError> {
        self.enter()?;
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Object(Vec::new()));
        }
        let base = self.members.len();
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a string key in double quotes"));
            }
            let key_start = self.i;
            let key = self.string()?;
            let key_end = self.i;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.i += 1;
            self.ws();
            let value = self.value()?;
            self.members.push(Member {
                key,
                key_start,
                key_end,
                value,
            });
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.err("expected ',' or '}' in the object")),
            }
        }
        self.depth -= 1;
        Ok(Value::Object(self.members.drain(base..).collect()))
    }

    fn array(&mut self) -> Result<Value<'a>, ParseError> {
        self.enter()?;
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Value::Array(Vec::new()));
        }
        let base = self.items.len();
        loop {
            self.ws();
            let item = self.value()?;
            self.items.push(item);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.err("expected ',' or ']' in the array")),
            }
        }
        self.depth -= 1;
        Ok(Value::Array(self.items.drain(base..).collect()))
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                    return Err(self.err("numbers must not have leading zeros"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("expected a digit")),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("expected a digit in the exponent"));
            }
            self.digits();
        }
        // The input was checked to be UTF-8 and these bytes are ASCII.
        Ok(Value::Number(&self.s[start..self.i]))
    }

    fn digits(&mut self) {
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.i += 1; // opening quote
        let mut out: Option<String> = None;
        let mut run = self.i;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    let tail = &self.s[run..self.i];
                    self.i += 1;
                    return Ok(match out {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(tail),
                    });
                }
                b'\\' => {
                    let s = out.get_or_insert_with(String::new);
                    s.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    let esc = self.b.get(self.i).copied();
                    self.i += 1;
                    match esc {
                        Some(b'"') => s.push('"'),
                        Some(b'\\') => s.push('\\'),
                        Some(b'/') => s.push('/'),
                        Some(b'b') => s.push('\u{8}'),
                        Some(b'f') => s.push('\u{c}'),
                        Some(b'n') => s.push('\n'),
                        Some(b'r') => s.push('\r'),
                        Some(b't') => s.push('\t'),
                        Some(b'u') => {
                            let ch = self.unicode_escape()?;
                            out.as_mut().expect("set above").push(ch);
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid escape sequence"));
                        }
                    }
                    run = self.i;
                }
                0x00..=0x1F => {
                    return Err(self.err("control character in a string; it must be escaped"))
                }
                _ => {
                    self.i += 1;
                    self.skip_plain();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let h = self
            .b
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let s = std::str::from_utf8(h).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(s, 16)
            .map_err(|_| self.err("invalid \\u escape; expected 4 hex digits"))?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape; expected 4 hex digits"));
        }
        self.i += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err(self.err("lone surrogate in a \\u escape; I-JSON forbids it"));
            }
            self.i += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.err("lone surrogate in a \\u escape; I-JSON forbids it"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00..0xE000).contains(&first) {
            return Err(self.err("lone surrogate in a \\u escape; I-JSON forbids it"));
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.err("invalid \\u escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_duplicates_spans_and_number_text() {
        let doc = br#"{"a": 1, "a": 2.50, "b": ["x\u00e9", true, null]}"#;
        let n = parse(doc).unwrap();
        let m = n.members().unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].value.as_number(), Some("2.50"));
        assert_eq!(&doc[m[1].value.start..m[1].value.end], b"2.50");
        assert_eq!(&doc[m[0].key_start..m[0].key_end], b"\"a\"");
        let b = n.get("b").unwrap().as_array().unwrap();
        assert_eq!(b[0].as_str(), Some("xé"));
    }

    #[test]
    fn surrogate_pairs_decode_and_lone_ones_fail() {
        assert_eq!(parse(br#""\ud83d\ude00""#).unwrap().as_str(), Some("😀"));
        assert!(parse(br#""\ud800""#)
            .unwrap_err()
            .message
            .contains("lone surrogate"));
        assert!(parse(br#""\udc00x""#).is_err());
    }

    #[test]
    fn refuses_what_ijson_refuses() {
        assert!(parse(b"\xEF\xBB\xBF{}")
            .unwrap_err()
            .message
            .contains("byte order mark"));
        let e = parse(b"{\"a\":\"\xff\"}").unwrap_err();
        assert!(e.message.contains("UTF-8"));
        assert_eq!(e.offset, 6);
    }

    #[test]
    fn reports_line_and_column() {
        let e = parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 7));
        assert!(e.to_string().contains("line 3, column 7"));
    }

    #[test]
    fn bounds_nesting() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes())
            .unwrap_err()
            .message
            .contains("nested"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn rejects_malformed_numbers_and_trailing_data() {
        for bad in [
            "01",
            "-",
            "1.",
            "1e",
            "{} x",
            "[1,]",
            "{\"a\":1,}",
            "tru",
            "\"a\tb\"",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
        }

        /// Documents of the bytes the word-at-a-time scans look for, at every offset: whether
        /// they are JSON, and the strings they hold, must be what serde_json says.
        #[test]
        fn agrees_with_serde_json_on_tricky_bytes(
            parts in proptest::collection::vec(
                prop::sample::select(vec![
                    " ", "\t", "\n", "\r", "\"", "\\", "\\\"", "\\n", "\\u00e9", "\u{1}", "\u{1f}",
                    "a", "é", "🐳", "0", "[", "]", "{", "}", ":", ",", "        ",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            let ours = parse(text.as_bytes());
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", text);
            if let (Ok(n), Ok(serde_json::Value::String(v))) = (&ours, &theirs) {
                prop_assert_eq!(n.as_str(), Some(v.as_str()));
            }
            let quoted = format!("\"{text}\"");
            let ours = parse(quoted.as_bytes());
            let theirs = serde_json::from_str::<serde_json::Value>(&quoted);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", quoted);
            if let (Ok(n), Ok(serde_json::Value::String(v))) = (&ours, &theirs) {
                prop_assert_eq!(n.as_str(), Some(v.as_str()));
            }
        }

        #[test]
        fn agrees_with_serde_json_on_strings(s in ".{0,64}") {
            let text = serde_json::to_string(&s).unwrap();
            let node = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(node.as_str(), Some(s.as_str()));
        }
    }
}
