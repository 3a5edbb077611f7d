//! A registry-first edit's `--dry-run`: the writes it would make, in order, rendered by the
//! push plan's one renderer ([`crate::registry::plan_text`]): the marker's publish (members
//! mounted, copied and put, then the marker), markers rewritten by a removal, then the index put
//! at the tag, followed by the index's exact bytes.

use crate::digest::Digest;
use crate::model::ImageIndex;
use crate::registry::plan::{PushStep, PushTarget};
use crate::registry::plan_text::{dry_run as render, DryRun, PlannedWrite};

use super::index_bytes;

/// The put of `index` at `tag`, rendered as a plan's list put.
fn put_at(target: &PushTarget, tag: &str, index: &ImageIndex) -> DryRun {
    let bytes = index_bytes(index);
    let step = PushStep::PutIndex {
        reference: Some(tag.to_string()),
        tags: Vec::new(),
        digest: Digest::sha256(&bytes),
        media_type: index.effective_media_type().to_string(),
        wave: 0,
    };
    render(target, &[step], &bytes)
}

/// The whole dry run: `before` (the marker's publish, already rendered, when it must be
/// written), each of `markers` (tag, rewritten index) put, then `rebuilt` put at `tag` when
/// `put` (a rerun puts nothing). Each part runs after the one before, so waves follow on.
pub fn dry_run_edit(
    target: &PushTarget,
    tag: &str,
    before: Option<DryRun>,
    markers: &[(String, ImageIndex)],
    rebuilt: &ImageIndex,
    put: bool,
) -> DryRun {
    let mut writes: Vec<PlannedWrite> = Vec::new();
    let mut copied = 0;
    if let Some(b) = before {
        copied += b.bytes_copied;
        writes.extend(b.writes);
    }
    let next_wave = |w: &[PlannedWrite]| w.iter().map(|x| x.wave + 1).max().unwrap_or(0);
    for (name, m) in markers {
        let wave = next_wave(&writes);
        writes.extend(put_at(target, name, m).writes.into_iter().map(|mut w| {
            w.wave = wave;
            w
        }));
    }
    let mut run = put_at(target, tag, rebuilt);
    let wave = next_wave(&writes);
    if put {
        writes.extend(run.writes.drain(..).map(|mut w| {
            w.wave = wave;
            w
        }));
    }
    run.writes = writes;
    run.bytes_copied = copied;
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Descriptor;
    use crate::ops::{create, ListFormat};

    #[test]
    fn the_index_put_follows_what_comes_before_and_a_rerun_puts_nothing() {
        let target = PushTarget::Registry {
            registry: "r".into(),
            repo: "app".into(),
        };
        let mut index = create(ListFormat::Oci);
        index
            .manifests
            .push(Descriptor::of(crate::media_type::OCI_MANIFEST, b"a"));
        let marker = put_at(&target, "mf-x", &index);
        let run = dry_run_edit(&target, "v1", Some(marker), &[], &index, true);
        assert_eq!(run.writes.len(), 2);
        assert_eq!(run.writes[1].request, "PUT /v2/app/manifests/v1");
        assert_eq!(run.writes[1].wave, 1);
        assert_eq!(run.index.as_bytes(), index_bytes(&index).as_slice());
        let rerun = dry_run_edit(&target, "v1", None, &[], &index, false);
        assert!(rerun.writes.is_empty());
        assert!(rerun.text().contains("0 writes"));
    }
}
