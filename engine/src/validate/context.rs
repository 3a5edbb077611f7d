//! The state of one validation: where in the document the checks are (a stack of path
//! segments, turned into a string only when a problem is reported) and the problems so far.
//! Also the field lookup every object check starts with, which reports case-variant keys.

use crate::json::go::go_fold_eq;
use crate::json::tree::{Member, Node};

use super::{Problem, Severity};

/// One step of a path: an object key or an array index. Keys borrow from the document.
#[derive(Clone, Copy, Debug)]
pub(super) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

pub(super) struct Ctx<'a> {
    segs: Vec<Seg<'a>>,
    problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new() -> Ctx<'a> {
        Ctx {
            segs: Vec::with_capacity(8),
            problems: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, seg: Seg<'a>) {
        self.segs.push(seg);
    }

    pub(super) fn pop(&mut self) {
        self.segs.pop();
    }

    /// Runs `f` with `seg` appended to the path.
    pub(super) fn at<R>(&mut self, seg: Seg<'a>, f: impl FnOnce(&mut Ctx<'a>) -> R) -> R {
        self.segs.push(seg);
        let r = f(self);
        self.segs.pop();
        r
    }

    pub(super) fn report(&mut self, severity: Severity, span: (usize, usize), message: String) {
        self.problems.push(Problem {
            path: render_path(&self.segs),
            message,
            severity,
            span: Some(span),
        });
    }

    pub(super) fn error(&mut self, span: (usize, usize), message: String) {
        self.report(Severity::Error, span, message);
    }

    pub(super) fn warn(&mut self, span: (usize, usize), message: String) {
        self.report(Severity::Warning, span, message);
    }

    /// Reports a problem about the field `key` of the current object: used for a field that
    /// is missing (span: the object) or present where it must not be (span: the value).
    pub(super) fn report_field(
        &mut self,
        key: &'a str,
        severity: Severity,
        span: (usize, usize),
        message: String,
    ) {
        self.push(Seg::Key(key));
        self.report(severity, span, message);
        self.pop();
    }

    /// The problems in document order: by where their span starts, ties in the order found.
    ///
    /// Sorted as `start << 64 | position` keys, like the duplicate search in `index`: one
    /// integer sort serves both, where a stable sort of problems would be more code in the
    /// WebAssembly module for no gain.
    pub(super) fn finish(self) -> Vec<Problem> {
        let start = |p: &Problem| p.span.map_or(0, |(start, _)| start);
        if self.problems.is_sorted_by_key(start) {
            return self.problems;
        }
        let mut order: Vec<u128> = self
            .problems
            .iter()
            .enumerate()
            .map(|(i, p)| ((start(p) as u128) << 64) | i as u128)
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<Problem>> = self.problems.into_iter().map(Some).collect();
        order
            .iter()
            .filter_map(|&k| slots[k as u64 as usize].take())
            .collect()
    }
}

/// The byte range of a value.
pub(super) fn span(node: &Node) -> (usize, usize) {
    (node.start, node.end)
}

/// The byte range of a member's key, quotes included.
pub(super) fn key_span(m: &Member) -> (usize, usize) {
    (m.key_start, m.key_end)
}

/// The last member named exactly `key`: the one Go decoders keep when a key is repeated.
pub(super) fn last<'n>(node: &'n Node<'n>, key: &str) -> Option<&'n Node<'n>> {
    node.members()?
        .iter()
        .rev()
        .find(|m| m.key == key)
        .map(|m| &m.value)
}

/// Finds the fields named in `known` among `members` (the last one where a key repeats) and
/// warns about keys that differ from a known field only in case, such as `"MediaType"`.
///
/// Go's `encoding/json` matches keys case-insensitively (with Unicode simple folding, so even
/// `"ſize"` is read as `size`), while the specs, serde and most other readers do not: the same
/// bytes then mean different things to different tools.
pub(super) fn fields<'a, const N: usize>(
    ctx: &mut Ctx<'a>,
    members: &'a [Member<'a>],
    known: &[&'static str; N],
) -> [Option<&'a Member<'a>>; N] {
    let mut found = [None; N];
    for m in members {
        if let Some(i) = known.iter().position(|k| *k == m.key) {
            found[i] = Some(m);
            continue;
        }
        if let Some(k) = known.iter().find(|k| go_fold_eq(&m.key, k)) {
            ctx.push(Seg::Key(&m.key));
            ctx.warn(
                key_span(m),
                format!(
                    "key {:?} differs from {k:?} only in case; Go decoders match keys \
                     case-insensitively and read it as {k} (the later one wins if both are \
                     present), while the spec and other tools ignore it; did you mean {k:?}?",
                    m.key
                ),
            );
            ctx.pop();
        }
    }
    found
}

/// `$`, then `.key` for identifier-like keys, `["key"]` (JSON-escaped) for others, `[i]`.
fn render_path(segs: &[Seg<'_>]) -> String {
    let mut s = String::from("$");
    for seg in segs {
        match seg {
            Seg::Key(k) if is_identifier(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Key(k) => {
                s.push('[');
                s.push_str(&serde_json::to_string(k).unwrap_or_else(|_| format!("{k:?}")));
                s.push(']');
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

fn is_identifier(k: &str) -> bool {
    let mut bytes = k.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_identifiers_brackets_and_indexes() {
        let segs = [
            Seg::Key("manifests"),
            Seg::Index(2),
            Seg::Key("platform"),
            Seg::Key("os.version"),
        ];
        assert_eq!(
            render_path(&segs),
            r#"$.manifests[2].platform["os.version"]"#
        );
        assert_eq!(render_path(&[]), "$");
        assert_eq!(
            render_path(&[Seg::Key("annotations"), Seg::Key("a\"b")]),
            r#"$.annotations["a\"b"]"#
        );
        assert_eq!(render_path(&[Seg::Key("")]), r#"$[""]"#);
        assert_eq!(render_path(&[Seg::Key("9lives")]), r#"$["9lives"]"#);
    }
}
