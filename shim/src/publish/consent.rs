//! Consent to copy between registries: moving images from other registries costs time and
//! egress, so the count and size (the engine's `copies_needing_consent`) are shown first and a
//! terminal is asked; without one, `--yes` is required. Asked before any request, from what
//! is kept locally.

use std::io::{IsTerminal, Write};

use manifold_engine::model::AnyDocument;
use manifold_engine::registry::{copies_needing_consent, PlanEntry, PushTarget};

use super::gather::{blob_refs, parse_member};
use super::sources::{location_of, origin_of};
use super::Publish;
use crate::error::{CliError, CliResult};

/// Refuses, or asks, when the push copies members from other registries.
pub fn confirm_copies(p: &Publish, target: &PushTarget) -> CliResult {
    let members: Vec<PlanEntry> = p
        .list
        .index
        .manifests
        .iter()
        .enumerate()
        .map(|(i, e)| PlanEntry {
            origin: origin_of(location_of(p.list.sources[i].as_deref()).as_ref()),
            digest: e.digest.clone(),
            media_type: e.media_type.clone(),
            size: e.size,
            position: Some(i),
            blobs: match (p.local_blob)(&e.digest)
                .and_then(|b| parse_member(&b, &e.media_type).ok())
            {
                Some(AnyDocument::Manifest(m)) => blob_refs(&m.value),
                _ => Vec::new(),
            },
            children: Vec::new(),
        })
        .collect();
    let copies = copies_needing_consent(target, &members);
    if copies.count == 0 || p.yes {
        return Ok(());
    }
    let what = format!(
        "{} image(s), {} in all, from other registries into {}",
        copies.count,
        human(copies.size),
        target.name()
    );
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprint!("This push copies {what}. Continue? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            return Ok(());
        }
        return Err(CliError::failed("push cancelled; nothing was copied"));
    }
    Err(CliError::failed(format!(
        "this push would copy {what}; run it again with --yes to allow that"
    )))
}

/// A size as people read it (binary units, one decimal).
fn human(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
