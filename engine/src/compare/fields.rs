//! The rows read from each image's config and manifest: what a person asks of an image.
//!
//! Configs are read leniently (a missing or odd field is an absent value, never an error): the
//! comparison is for looking, and `check` is where a broken config is reported.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::size::human_size;
use super::{Column, Field, Row};
use crate::digest::Digest;
use crate::model::Platform;

/// Labels read into buildpack rows instead of label rows (they are large JSON documents that
/// differ by nature, digests inside).
pub(crate) const BUILDPACK_LABEL_PREFIX: &str = "io.buildpacks.";

/// What one column's image says, read once.
pub(crate) struct Facts {
    pub platform: Platform,
    pub manifest_digest: Digest,
    pub config_digest: Digest,
    pub config: Value,
    pub env: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub layers: Vec<(Digest, u64)>,
}

impl Facts {
    pub fn read(c: &Column) -> Facts {
        let config: Value = serde_json::from_slice(&c.config).unwrap_or(Value::Null);
        let inner = config.get("config").cloned().unwrap_or(Value::Null);
        let mut env = BTreeMap::new();
        for e in inner
            .get("Env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(s) = e.as_str() {
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                env.insert(k.to_string(), v.to_string());
            }
        }
        let labels = inner
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Facts {
            platform: c.platform.clone(),
            manifest_digest: c.manifest.digest.clone(),
            config_digest: c.config_digest.clone(),
            config,
            env,
            labels,
            layers: c
                .manifest
                .value
                .layers
                .iter()
                .map(|l| (l.digest.clone(), l.size))
                .collect(),
        }
    }

    fn inner(&self, key: &str) -> Option<&Value> {
        self.config.get("config").and_then(|c| c.get(key))
    }

    /// A string field of `config`, absent when missing or empty.
    fn text(&self, key: &str) -> Option<String> {
        self.inner(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// An array field (`Entrypoint`, `Cmd`) as JSON, the way a Dockerfile writes it.
    fn array(&self, key: &str) -> Option<String> {
        self.inner(key)
            .filter(|v| v.is_array())
            .map(|v| serde_json::to_string(v).unwrap_or_default())
    }

    /// An object-as-set field (`ExposedPorts`, `Volumes`): its keys, sorted.
    fn set(&self, key: &str) -> Option<String> {
        let keys: Vec<&String> = self.inner(key)?.as_object()?.keys().collect();
        (!keys.is_empty()).then(|| {
            keys.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

fn row(field: Field, label: impl Into<String>, values: Vec<Option<String>>) -> Row {
    Row {
        field,
        label: label.into(),
        values,
        differs: false,
    }
}

/// The digest as people compare them by eye: algorithm and the first 12 hex digits.
pub(crate) fn short(d: &Digest) -> String {
    let e = d.encoded();
    format!("{}:{}", d.algorithm_str(), &e[..e.len().min(12)])
}

/// Every row but the buildpacks', in the order a person reads an image.
pub(crate) fn rows(columns: &[&Column], facts: &[Facts]) -> Vec<Row> {
    let each = |f: &dyn Fn(&Facts) -> Option<String>| facts.iter().map(f).collect::<Vec<_>>();
    let mut rows = vec![
        row(
            Field::Platform,
            "os",
            each(&|f| Some(f.platform.os.clone())),
        ),
        row(
            Field::Platform,
            "architecture",
            each(&|f| Some(f.platform.architecture.clone())),
        ),
    ];
    let variant = each(&|f| f.platform.variant.clone().filter(|v| !v.is_empty()));
    if variant.iter().any(Option::is_some) {
        rows.push(row(Field::Platform, "variant", variant));
    }
    let os_version = each(&|f| f.platform.os_version.clone().filter(|v| !v.is_empty()));
    if os_version.iter().any(Option::is_some) {
        rows.push(row(Field::Platform, "os.version", os_version));
    }
    rows.push(row(
        Field::Digest,
        "image digest",
        each(&|f| Some(short(&f.manifest_digest))),
    ));
    rows.push(row(
        Field::Digest,
        "config digest",
        each(&|f| Some(short(&f.config_digest))),
    ));
    rows.push(row(
        Field::Created,
        "created",
        each(&|f| {
            f.config
                .get("created")
                .and_then(Value::as_str)
                .map(str::to_string)
        }),
    ));
    rows.push(row(
        Field::Entrypoint,
        "Entrypoint",
        each(&|f| f.array("Entrypoint")),
    ));
    rows.push(row(Field::Cmd, "Cmd", each(&|f| f.array("Cmd"))));
    let env_keys: BTreeSet<&String> = facts.iter().flat_map(|f| f.env.keys()).collect();
    for k in env_keys {
        rows.push(row(
            Field::Env,
            format!("Env {k}"),
            each(&|f| f.env.get(k).cloned()),
        ));
    }
    rows.push(row(Field::User, "User", each(&|f| f.text("User"))));
    rows.push(row(
        Field::WorkingDir,
        "WorkingDir",
        each(&|f| f.text("WorkingDir")),
    ));
    rows.push(row(
        Field::ExposedPorts,
        "ExposedPorts",
        each(&|f| f.set("ExposedPorts")),
    ));
    rows.push(row(Field::Volumes, "Volumes", each(&|f| f.set("Volumes"))));
    let label_keys: BTreeSet<&String> = facts
        .iter()
        .flat_map(|f| f.labels.keys())
        .filter(|k| !k.starts_with(BUILDPACK_LABEL_PREFIX))
        .collect();
    for k in label_keys {
        rows.push(row(
            Field::Labels,
            format!("Label {k}"),
            each(&|f| f.labels.get(k).cloned()),
        ));
    }
    rows.extend(layer_rows(columns, facts));
    rows
}

/// Layer count, sizes, and which layers every platform shares and which only one has.
fn layer_rows(columns: &[&Column], facts: &[Facts]) -> Vec<Row> {
    let each = |f: &dyn Fn(&Facts) -> Option<String>| facts.iter().map(f).collect::<Vec<_>>();
    let mut rows = vec![
        row(
            Field::Layers,
            "layer count",
            each(&|f| Some(f.layers.len().to_string())),
        ),
        row(
            Field::Layers,
            "total size",
            each(&|f| Some(human_size(f.layers.iter().map(|l| l.1).sum()))),
        ),
    ];
    let most = facts.iter().map(|f| f.layers.len()).max().unwrap_or(0);
    for i in 0..most {
        rows.push(row(
            Field::Layers,
            format!("layers[{i}]"),
            each(&|f| {
                f.layers
                    .get(i)
                    .map(|(d, s)| format!("{} {}", short(d), human_size(*s)))
            }),
        ));
    }
    let holders = |d: &Digest| {
        facts
            .iter()
            .filter(|f| f.layers.iter().any(|l| &l.0 == d))
            .count()
    };
    let n = columns.len();
    let summary = |f: &Facts, want_all: bool| {
        let (count, bytes) = f
            .layers
            .iter()
            .filter(|(d, _)| {
                let k = holders(d);
                if want_all {
                    k == n
                } else {
                    k == 1
                }
            })
            .fold((0usize, 0u64), |(c, b), (_, s)| (c + 1, b + s));
        Some(format!("{count} ({})", human_size(bytes)))
    };
    if n > 1 {
        rows.push(row(
            Field::Layers,
            "shared by all",
            each(&|f| summary(f, true)),
        ));
        rows.push(row(
            Field::Layers,
            "unique to it",
            each(&|f| summary(f, false)),
        ));
    }
    rows
}
