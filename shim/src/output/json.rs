//! `--json`: one JSON document on stdout for the commands with a result, the same in every
//! personality (the tools have no such output to match). The schema is README's "JSON output";
//! `tests/tests/cli.rs` checks it field by field.
//!
//! A local list (`create`, `add`, `annotate`):
//! `{"name", "mediaType", "digest", "size", "entries": [{"digest", "mediaType", "size",
//! "platform", "annotations", "source"}]}`, where `digest`/`size` are those of the bytes a
//! push would send now (`null` when the list cannot be pushed as it is) and `source` is the
//! reference an entry was added from (`null` when unknown). `ls` prints an array of
//! `{"name", "id", "entries", "mediaType", "digest", "size"}` (`id`: the list ID podman's
//! personality prints and takes) (`"damaged"` instead of the last three
//! for a list that does not load); `exists` prints `{"name", "exists"}`.
//!
//! A publish (`push`, `create --publish`, `add --publish`):
//! `{"destination", "digest", "mediaType", "size", "tags", "blobs": {"mounted", "copied",
//! "skipped"}, "manifests": {"pushed", "skipped"}}`, each of the last five an array of
//! `{"digest", "size"}` (manifests with `"mediaType"` too): what was sent, and what the
//! destination held already.

use serde_json::{json, Value};

use crate::error::CliResult;
use crate::publish::{Item, Moved, Report};
use crate::store::LocalList;

use super::Words;

/// The digest and size of the bytes a push of `list` would send, if it can be pushed.
fn pushed_form(words: &dyn Words, list: &LocalList) -> (Value, Value) {
    match words.push_bytes(list) {
        Ok(bytes) => (
            json!(manifold_engine::Digest::sha256(&bytes).to_string()),
            json!(bytes.len()),
        ),
        Err(_) => (Value::Null, Value::Null),
    }
}

/// A local list and its entries.
pub fn list(words: &dyn Words, list: &LocalList) -> Value {
    let (digest, size) = pushed_form(words, list);
    let entries: Vec<Value> = list
        .index
        .manifests
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "digest": d.digest.to_string(),
                "mediaType": d.media_type,
                "size": d.size,
                "platform": d.platform,
                "annotations": d.annotations,
                "source": list.sources.get(i).cloned().flatten(),
            })
        })
        .collect();
    json!({
        "name": list.name,
        "mediaType": list.index.media_type,
        "digest": digest,
        "size": size,
        "entries": entries,
    })
}

/// One row of `ls --json`.
pub fn ls_row(words: &dyn Words, name: &str, loaded: Result<&LocalList, &str>) -> Value {
    match loaded {
        Ok(l) => {
            let (digest, size) = pushed_form(words, l);
            json!({
                "name": name,
                "id": super::id_of_name(name),
                "entries": l.index.manifests.len(),
                "mediaType": l.index.media_type,
                "digest": digest,
                "size": size,
            })
        }
        Err(e) => json!({ "name": name, "damaged": e }),
    }
}

/// What a publish to `destination` did.
pub fn published(destination: &str, r: &Report) -> Value {
    let of = |items: &[Item], moved: Moved| -> Vec<Value> {
        items
            .iter()
            .filter(|i| i.moved == moved)
            .map(|i| {
                if i.media_type.is_empty() {
                    json!({"digest": i.digest.to_string(), "size": i.size})
                } else {
                    json!({"digest": i.digest.to_string(), "mediaType": i.media_type, "size": i.size})
                }
            })
            .collect()
    };
    json!({
        "destination": destination,
        "digest": r.digest.to_string(),
        "mediaType": r.media_type,
        "size": r.size,
        "tags": r.tags,
        "blobs": {
            "mounted": of(&r.blobs, Moved::Mounted),
            "copied": of(&r.blobs, Moved::Copied),
            "skipped": of(&r.blobs, Moved::Skipped),
        },
        "manifests": {
            "pushed": of(&r.manifests, Moved::Copied),
            "skipped": of(&r.manifests, Moved::Skipped),
        },
    })
}

/// `value` on stdout, pretty-printed, with a final newline.
pub fn print(value: &Value) -> CliResult {
    let mut text = serde_json::to_vec_pretty(value).expect("a JSON value serialises");
    text.push(b'\n');
    super::print_bytes(&text)
}
