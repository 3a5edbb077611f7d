//! Folder names for lists: lossless and reversible, unlike docker's `:`→`-`, `/`→`_` (which maps
//! `a/b_c` and `a_b/c` to one folder and so can never list what it stores).

/// Percent-encodes every byte outside `[a-z0-9._-]` (upper case included, for case-insensitive
/// file systems), so the encoding is injective and can never produce `/`, `..` or a hidden name.
/// Names that would not fit a file name fall back to a digest of the reference; the reference
/// itself is always recorded inside the folder, so nothing is lost.
pub fn encode(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len() + 16);
    for b in reference.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => out.push(b as char),
            b'.' if !out.is_empty() => out.push('.'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.len() > 200 {
        return format!(
            "%{}",
            manifold_engine::Digest::sha256(reference.as_bytes()).encoded()
        );
    }
    out
}

/// The reference a folder name stands for, when the name is a plain encoding (not the digest form).
pub fn decode(name: &str) -> Option<String> {
    if name.len() == 65 && name.starts_with('%') {
        return None;
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_reversible_and_collision_free() {
        let a = encode("docker.io/foo/bar_baz:latest");
        let b = encode("docker.io/foo_bar/baz:latest");
        assert_ne!(a, b);
        assert_eq!(decode(&a).unwrap(), "docker.io/foo/bar_baz:latest");
        assert_eq!(
            encode("127.0.0.1:5000/t/app:v1"),
            "127.0.0.1%3A5000%2Ft%2Fapp%3Av1"
        );
        assert_eq!(encode("x:V1"), "x%3A%561");
    }

    #[test]
    fn never_a_path_or_hidden_name() {
        for r in ["..", ".", "../../etc/passwd", "/abs", ".hidden", "a\0b"] {
            let e = encode(r);
            assert!(
                !e.contains('/') && !e.starts_with('.') && e != ".." && !e.contains('\0'),
                "{r} -> {e}"
            );
            assert_eq!(decode(&e).unwrap(), r);
        }
    }

    #[test]
    fn long_names_fall_back_to_a_digest() {
        let long = format!("example.com/{}:tag", "a/".repeat(150));
        let e = encode(&long);
        assert_eq!(e.len(), 65);
        assert_eq!(decode(&e), None);
    }
}
