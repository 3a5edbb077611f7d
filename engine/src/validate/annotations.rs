//! `annotations` (`annotations.md`, "Rules"): a map whose keys and values MUST be strings;
//! values MAY be empty; keys MUST be unique (reported with every duplicate key, by the JSON
//! level); if there are none the property MUST be absent or an empty map, so `null` is an
//! error. Consumers MUST NOT error on unknown keys, so no key is refused for its name.
//!
//! Not reported: keys that are not in reverse-domain notation (a SHOULD that would flag most
//! real documents' harmless keys), and `org.opencontainers.` keys the spec does not define
//! (reserved for OCI, but warning on them is more noise than help).

use crate::json::tree::{Node, Value};

use super::context::{key_span, span, Ctx, Seg};

/// Checks an `annotations` value at the current path.
pub(super) fn check<'a>(ctx: &mut Ctx<'a>, node: &'a Node<'a>) {
    let members = match &node.value {
        Value::Object(members) => members,
        Value::Null => {
            ctx.error(
                span(node),
                "annotations is null; expected an object of string values (omit the field, or \
                 use {}, when there are none)"
                    .to_string(),
            );
            return;
        }
        _ => {
            ctx.error(
                span(node),
                format!(
                    "annotations is {}; expected an object mapping string keys to string values",
                    node.type_name()
                ),
            );
            return;
        }
    };
    for m in members {
        ctx.push(Seg::Key(&m.key));
        if m.key.is_empty() {
            // The rules require string keys and do not forbid the empty one (the schema's
            // patternProperties `.{1,}` does not constrain it either), so this is only a
            // warning: nothing can look such a key up meaningfully.
            ctx.warn(
                key_span(m),
                "annotation key is empty; keys SHOULD be namespaced in reverse domain \
                 notation, e.g. \"com.example.key\""
                    .to_string(),
            );
        }
        if !matches!(m.value.value, Value::String(_)) {
            let hint = match &m.value.value {
                Value::Number(n) => format!(" (write it as \"{n}\")"),
                Value::Bool(b) => format!(" (write it as \"{b}\")"),
                _ => String::new(),
            };
            ctx.error(
                span(&m.value),
                format!(
                    "annotation {:?} is {}; expected a string{hint}",
                    m.key,
                    m.value.type_name()
                ),
            );
        }
        ctx.pop();
    }
}
