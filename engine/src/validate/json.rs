//! The JSON level, before any document rule: bytes that are not I-JSON, and duplicate keys.
//!
//! image-spec (`considerations.md`) requires I-JSON (RFC 7493): UTF-8 without a byte order
//! mark, no lone surrogates, and no duplicate names in an object. The reader in
//! `crate::json::tree` refuses the first three; duplicates it keeps, and they are reported
//! here for every object in the document, whatever it holds, because readers disagree about
//! them: Go and `serde_json::Value` keep the last value, other readers the first or refuse.

use std::collections::BTreeSet;

use crate::json::tree::{Member, Node, ParseError, Value};

use super::context::{key_span, Ctx, Seg};
use super::{Problem, Severity};

/// The one problem of a document that is not JSON: at `$`, with the line and column.
pub(super) fn parse_problem(e: &ParseError, len: usize) -> Problem {
    let start = e.offset.min(len);
    let end = (start + 1).min(len);
    Problem {
        path: "$".to_string(),
        message: e.to_string(),
        severity: Severity::Error,
        span: Some((start, end)),
    }
}

/// Small objects are checked pairwise; from this many members on, with a set, so that a
/// hostile object with a million keys stays linearithmic.
const PAIRWISE_LIMIT: usize = 12;

/// Reports every repeated key in every object of the document, at the repeat's path.
pub(super) fn duplicate_keys<'a>(ctx: &mut Ctx<'a>, node: &'a Node<'a>) {
    match &node.value {
        Value::Object(members) => {
            if members.len() <= PAIRWISE_LIMIT {
                for (i, m) in members.iter().enumerate() {
                    if members[..i].iter().any(|p| p.key == m.key) {
                        duplicate(ctx, m);
                    }
                }
            } else {
                let mut seen = BTreeSet::new();
                for m in members {
                    if !seen.insert(m.key.as_ref()) {
                        duplicate(ctx, m);
                    }
                }
            }
            for m in members {
                if matches!(m.value.value, Value::Object(_) | Value::Array(_)) {
                    ctx.push(Seg::Key(&m.key));
                    duplicate_keys(ctx, &m.value);
                    ctx.pop();
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item.value, Value::Object(_) | Value::Array(_)) {
                    ctx.push(Seg::Index(i));
                    duplicate_keys(ctx, item);
                    ctx.pop();
                }
            }
        }
        _ => {}
    }
}

fn duplicate<'a>(ctx: &mut Ctx<'a>, m: &'a Member<'a>) {
    ctx.push(Seg::Key(&m.key));
    ctx.error(
        key_span(m),
        format!(
            "duplicate key {:?}: I-JSON (RFC 7493), which image-spec requires, forbids repeating a \
             key in an object; Go decoders use the last value and other readers may use the \
             first, so remove one of them",
            m.key
        ),
    );
    ctx.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_objects_use_the_set_and_find_every_repeat() {
        let mut doc = String::from("{");
        for i in 0..100 {
            doc.push_str(&format!("\"k{i}\": 1, "));
        }
        doc.push_str("\"k7\": 2, \"k99\": 3}");
        let node = crate::json::tree::parse(doc.as_bytes()).unwrap();
        let mut ctx = Ctx::new();
        duplicate_keys(&mut ctx, &node);
        let p = ctx.finish();
        let paths: Vec<_> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.k7", "$.k99"]);
    }
}
