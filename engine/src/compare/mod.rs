//! `compare`: the images of a list side by side, one column per platform.
//!
//! People expect the amd64 and the arm64 image of a list to be the same program, and nothing
//! showed whether they are: this puts every field a person asks about (entrypoint, env by key,
//! labels by key, layers, buildpacks) in rows, one column per platform, and marks the rows that
//! differ. It is a pure function over documents the host fetched (the shim with a
//! [`crate::check::Walk`] in documents-only mode, the page from a tar), so the command and the
//! page show the same rows.
//!
//! Split: `fields` (the rows read from a config and a manifest), `buildpacks` (Cloud Native
//! Buildpacks labels into rows), `render` (the terminal table), `size` (sizes as people read
//! them).

mod buildpacks;
mod fields;
mod render;
mod size;

pub use render::{render, RenderOptions};
pub use size::human_size;

use serde::Serialize;

use crate::check::Image;
use crate::digest::Digest;
use crate::model::{Document, ImageManifest, Platform};

/// One platform's image: what [`compare`] reads.
#[derive(Clone, Debug)]
pub struct Column {
    pub platform: Platform,
    /// A buildx attestation: left out unless [`Options::attestations`].
    pub attestation: bool,
    pub manifest: Document<ImageManifest>,
    pub config_digest: Digest,
    /// The config's exact bytes; empty when there is none (artifacts).
    pub config: Vec<u8>,
}

impl Column {
    /// The column for an image the check walk met, when its config was read.
    pub fn from_image(image: &Image) -> Option<Column> {
        Some(Column {
            platform: image.platform().cloned().unwrap_or_default(),
            attestation: image.attestation,
            config_digest: image.manifest.value.config.digest.clone(),
            config: image.config.clone()?,
            manifest: image.manifest.clone(),
        })
    }
}

/// What to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Keep attestation columns (they have no platform and no program; off by default).
    pub attestations: bool,
}

/// Which group a row belongs to, and the name `--fail-on-diff` takes for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    Platform,
    Digest,
    Created,
    Entrypoint,
    Cmd,
    Env,
    User,
    WorkingDir,
    ExposedPorts,
    Volumes,
    Labels,
    Layers,
    Buildpacks,
    Lifecycle,
    RunImage,
    Processes,
}

impl Field {
    /// Every field, with the name `--fail-on-diff` and `--json` use.
    pub const ALL: [(Field, &'static str); 16] = [
        (Field::Platform, "platform"),
        (Field::Digest, "digest"),
        (Field::Created, "created"),
        (Field::Entrypoint, "entrypoint"),
        (Field::Cmd, "cmd"),
        (Field::Env, "env"),
        (Field::User, "user"),
        (Field::WorkingDir, "working-dir"),
        (Field::ExposedPorts, "exposed-ports"),
        (Field::Volumes, "volumes"),
        (Field::Labels, "labels"),
        (Field::Layers, "layers"),
        (Field::Buildpacks, "buildpacks"),
        (Field::Lifecycle, "lifecycle"),
        (Field::RunImage, "run-image"),
        (Field::Processes, "processes"),
    ];

    pub fn parse(s: &str) -> Option<Field> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        Field::ALL.iter().find(|(_, n)| *n == s).map(|(f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("", |(_, n)| n)
    }

    /// Fields that differ between platforms by nature (the platform itself, digests, when it
    /// was built, layer bytes): shown, but not what a plain `--fail-on-diff` fails on.
    pub fn differs_by_nature(self) -> bool {
        matches!(
            self,
            Field::Platform | Field::Digest | Field::Created | Field::Layers
        )
    }
}

/// One row: a label and one value per column (`None`: the image has no such thing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub field: Field,
    /// What the row shows: `Env PATH`, `Label org.opencontainers.image.source`,
    /// `buildpack paketo-buildpacks/npm-install`.
    pub label: String,
    pub values: Vec<Option<String>>,
    /// Not every column holds the same value (a missing value differs from any value).
    pub differs: bool,
}

/// The columns' images side by side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Column headings: the platforms (`linux/arm64/v8`, `windows/amd64:10.0.20348.1`).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// Some column is a Cloud Native Buildpacks image (its labels were read into rows).
    pub buildpacks: bool,
}

/// Compares the columns' images (attestations left out unless asked).
pub fn compare(columns: &[Column], options: Options) -> Comparison {
    let kept: Vec<&Column> = columns
        .iter()
        .filter(|c| options.attestations || !c.attestation)
        .collect();
    let facts: Vec<fields::Facts> = kept.iter().map(|c| fields::Facts::read(c)).collect();
    let mut rows = fields::rows(&kept, &facts);
    let bp = buildpacks::rows(&facts);
    let is_bp = !bp.is_empty();
    rows.extend(bp);
    for r in &mut rows {
        r.differs = r.values.windows(2).any(|w| w[0] != w[1]);
    }
    Comparison {
        columns: kept
            .iter()
            .map(|c| {
                if c.attestation {
                    "attestation".to_string()
                } else {
                    c.platform.display()
                }
            })
            .collect(),
        rows,
        buildpacks: is_bp,
    }
}

/// Why `--fail-on-diff` was given a field it does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField(pub String);

impl std::fmt::Display for UnknownField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = Field::ALL.iter().map(|(_, n)| *n).collect();
        write!(
            f,
            "--fail-on-diff: unknown field {:?}; expected a comma-separated list of {}",
            self.0,
            names.join(", ")
        )
    }
}

/// The fields `--fail-on-diff` names (`entrypoint,env`); empty: every field that does not
/// differ by nature ([`Field::differs_by_nature`]).
pub fn parse_fields(list: &str) -> Result<Vec<Field>, UnknownField> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Field::parse(s).ok_or_else(|| UnknownField(s.to_string())))
        .collect()
}

impl Comparison {
    /// The rows `--fail-on-diff FIELDS` fails on: differing rows of those fields, or of every
    /// field that does not differ by nature when `fields` is empty. Exit 1 when any.
    pub fn failing(&self, fields: &[Field]) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| r.differs)
            .filter(|r| {
                if fields.is_empty() {
                    !r.field.differs_by_nature()
                } else {
                    fields.contains(&r.field)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
