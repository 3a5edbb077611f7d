//! Token-level reformatting of JSON bytes, as Go's `json.Indent` and `json.Compact` do it:
//! strings and numbers are copied exactly as written (escapes included), only whitespace
//! changes. docker prints a registry manifest this way (re-indented with tabs, not re-encoded),
//! and stores manifests compacted with HTML escapes, so matching its output needs both.

/// Reformats `src` (which must be valid JSON): `indent` empty compacts; otherwise every element
/// starts on a new line indented by `indent` per level, `[]` and `{}` stay as they are. With
/// `escape_html`, `<`, `>`, `&`, U+2028 and U+2029 inside strings become `\u003c` etc. (what
/// `json.Compact` does inside `json.Marshal`). As in Go, leading whitespace is dropped and
/// trailing whitespace is kept when indenting.
pub fn reformat(src: &[u8], indent: &str, escape_html: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len() + src.len() / 4);
    let mut depth = 0usize;
    let mut i = 0;
    // Skip leading whitespace.
    while i < src.len() && matches!(src[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    let mut need_indent = false; // an element begins after `[` or `{`
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        for _ in 0..depth {
            out.extend_from_slice(indent.as_bytes());
        }
    };
    let mut end_of_value = src.len();
    // Find where trailing whitespace begins (kept when indenting, as json.Indent does).
    while end_of_value > i && matches!(src[end_of_value - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end_of_value -= 1;
    }
    while i < end_of_value {
        let c = src[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if need_indent && c != b']' && c != b'}' {
            need_indent = false;
            if !indent.is_empty() {
                newline(&mut out, depth);
            }
        }
        match c {
            b'"' => {
                let start = i;
                i += 1;
                while i < src.len() && src[i] != b'"' {
                    if src[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(src.len());
                if escape_html {
                    escape_into(&mut out, &src[start..end]);
                } else {
                    out.extend_from_slice(&src[start..end]);
                }
                i = end;
                continue;
            }
            b'[' | b'{' => {
                out.push(c);
                depth += 1;
                need_indent = true;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if need_indent {
                    // Empty array or object: stays `[]` / `{}`.
                    need_indent = false;
                } else if !indent.is_empty() {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            b',' => {
                out.push(c);
                if !indent.is_empty() {
                    newline(&mut out, depth);
                }
            }
            b':' => {
                out.push(c);
                if !indent.is_empty() {
                    out.push(b' ');
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if !indent.is_empty() {
        out.extend_from_slice(&src[end_of_value..]);
    }
    out
}

fn escape_into(out: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => {
                // Copy the escape pair as is.
                out.extend_from_slice(&s[i..(i + 2).min(s.len())]);
                i += 2;
                continue;
            }
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            0xE2 if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9)) => {
                out.extend_from_slice(if s[i + 2] == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                i += 3;
                continue;
            }
            b => out.push(b),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_go_and_keeps_tokens() {
        let src = br#"  {"b": 1.50, "a":[ ], "c" : {}, "d":["x\"y", "<&>"], "e":{"f":null}}"#;
        let got = String::from_utf8(reformat(src, "\t", false)).unwrap();
        assert_eq!(got, "{\n\t\"b\": 1.50,\n\t\"a\": [],\n\t\"c\": {},\n\t\"d\": [\n\t\t\"x\\\"y\",\n\t\t\"<&>\"\n\t],\n\t\"e\": {\n\t\t\"f\": null\n\t}\n}");
    }

    #[test]
    fn compacts_with_html_escapes_like_marshal() {
        let src = "{\n   \"k\": \"x<y>&z\u{2028}\\u003c\"\n}\n".as_bytes();
        assert_eq!(
            String::from_utf8(reformat(src, "", true)).unwrap(),
            r#"{"k":"x\u003cy\u003e\u0026z\u2028\u003c"}"#
        );
    }

    #[test]
    fn keeps_trailing_whitespace_when_indenting() {
        assert_eq!(reformat(b"{\"a\":1}\n", "  ", false), b"{\n  \"a\": 1\n}\n");
        assert_eq!(reformat(b"{\"a\":1}\n", "", false), b"{\"a\":1}");
    }
}
