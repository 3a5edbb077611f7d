//! Cloud Native Buildpacks images: their labels read into rows, so "npm-install is missing on
//! arm64" is one row and not a diff of two JSON documents.
//!
//! What the lifecycle and pack write (buildpacks/spec `platform.md` and `buildpack.md`, and
//! pack's builder and buildpackage labels):
//! - `io.buildpacks.build.metadata`: `buildpacks[] {id, version}`, `launcher.version` (the
//!   lifecycle's), `processes[] {type, command, args}`;
//! - `io.buildpacks.lifecycle.metadata`: `buildpacks[] {key, version}`, `runImage {image,
//!   reference}`, older `stack.runImage.image`;
//! - `io.buildpacks.builder.metadata`: `buildpacks[] {id, version}`, `lifecycle.version`,
//!   `stack.runImage.image`, `runImages[] {image}`;
//! - `io.buildpacks.buildpackage.metadata`: `{id, version}` of the package itself;
//! - `io.buildpacks.buildpack.layers`: `{id: {version: {...}}}`.
//!
//! A label that is not the JSON expected gives no rows; it is not this command's to judge.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::fields::Facts;
use super::{Field, Row};

pub const BUILD_METADATA: &str = "io.buildpacks.build.metadata";
pub const LIFECYCLE_METADATA: &str = "io.buildpacks.lifecycle.metadata";
pub const BUILDER_METADATA: &str = "io.buildpacks.builder.metadata";
pub const BUILDPACKAGE_METADATA: &str = "io.buildpacks.buildpackage.metadata";
pub const BUILDPACK_LAYERS: &str = "io.buildpacks.buildpack.layers";

/// What one image's buildpack labels say.
#[derive(Default)]
struct Buildpacks {
    /// id → versions (sorted, joined when several).
    buildpacks: BTreeMap<String, BTreeSet<String>>,
    lifecycle: Option<String>,
    run_image: Option<String>,
    processes: BTreeMap<String, String>,
    any: bool,
}

fn label(f: &Facts, key: &str) -> Option<Value> {
    serde_json::from_str(f.labels.get(key)?).ok()
}

fn text(v: &Value, path: &str) -> Option<String> {
    v.pointer(path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Buildpacks {
    fn add(&mut self, id: Option<String>, version: Option<String>) {
        if let Some(id) = id {
            let versions = self.buildpacks.entry(id).or_default();
            if let Some(v) = version {
                versions.insert(v);
            }
        }
    }

    fn add_list(&mut self, v: &Value, id_key: &str) {
        for b in v
            .get("buildpacks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id_path = format!("/{id_key}");
            self.add(text(b, &id_path), text(b, "/version"));
        }
    }

    fn read(f: &Facts) -> Buildpacks {
        let mut b = Buildpacks::default();
        if let Some(v) = label(f, BUILD_METADATA) {
            b.any = true;
            b.add_list(&v, "id");
            b.lifecycle = b.lifecycle.or_else(|| text(&v, "/launcher/version"));
            for p in v
                .get("processes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(kind) = text(p, "/type") else {
                    continue;
                };
                let words: Vec<String> = ["command", "args"]
                    .iter()
                    .flat_map(|k| match p.get(*k) {
                        Some(Value::String(s)) => vec![s.clone()],
                        Some(Value::Array(a)) => a
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect(),
                        _ => vec![],
                    })
                    .collect();
                b.processes.insert(kind, words.join(" "));
            }
        }
        if let Some(v) = label(f, LIFECYCLE_METADATA) {
            b.any = true;
            b.add_list(&v, "key");
            b.run_image = b
                .run_image
                .or_else(|| text(&v, "/runImage/image"))
                .or_else(|| text(&v, "/runImage/reference"))
                .or_else(|| text(&v, "/stack/runImage/image"));
        }
        if let Some(v) = label(f, BUILDER_METADATA) {
            b.any = true;
            b.add_list(&v, "id");
            b.lifecycle = b.lifecycle.or_else(|| text(&v, "/lifecycle/version"));
            b.run_image = b
                .run_image
                .or_else(|| text(&v, "/stack/runImage/image"))
                .or_else(|| text(&v, "/runImages/0/image"));
        }
        if let Some(v) = label(f, BUILDPACKAGE_METADATA) {
            b.any = true;
            b.add(text(&v, "/id"), text(&v, "/version"));
        }
        if let Some(Value::Object(ids)) = label(f, BUILDPACK_LAYERS) {
            b.any = true;
            for (id, versions) in ids {
                let vs: Vec<String> = versions
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                if vs.is_empty() {
                    b.add(Some(id.clone()), None);
                }
                for v in vs {
                    b.add(Some(id.clone()), Some(v));
                }
            }
        }
        b
    }
}

/// The buildpack rows of the columns: one per buildpack id (its version on each platform, or
/// absent), then lifecycle, run image and processes. None when no column is a buildpacks image.
pub(crate) fn rows(facts: &[Facts]) -> Vec<Row> {
    let all: Vec<Buildpacks> = facts.iter().map(Buildpacks::read).collect();
    if !all.iter().any(|b| b.any) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    let row = |field, label: String, values| Row {
        field,
        label,
        values,
        differs: false,
    };
    let ids: BTreeSet<&String> = all.iter().flat_map(|b| b.buildpacks.keys()).collect();
    for id in ids {
        let values = all
            .iter()
            .map(|b| {
                b.buildpacks.get(id).map(|vs| {
                    if vs.is_empty() {
                        "(no version)".to_string()
                    } else {
                        vs.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                })
            })
            .collect();
        rows.push(row(Field::Buildpacks, format!("buildpack {id}"), values));
    }
    rows.push(row(
        Field::Lifecycle,
        "lifecycle".into(),
        all.iter().map(|b| b.lifecycle.clone()).collect(),
    ));
    rows.push(row(
        Field::RunImage,
        "run image".into(),
        all.iter().map(|b| b.run_image.clone()).collect(),
    ));
    let kinds: BTreeSet<&String> = all.iter().flat_map(|b| b.processes.keys()).collect();
    for k in kinds {
        rows.push(row(
            Field::Processes,
            format!("process {k}"),
            all.iter().map(|b| b.processes.get(k).cloned()).collect(),
        ));
    }
    rows
}
