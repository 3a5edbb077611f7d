//! Rounds: after a put and a settle interval, whether the tag holds what the writer asked for,
//! and how long to wait before the next round (jittered, so writers that collided spread out).

use crate::model::ImageIndex;
use crate::ops::{annotate_entry, annotate_index};

use super::Change;

/// How many rounds, how long to settle before the read-back, and the waits between rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundPolicy {
    /// Rounds in all, the first included.
    pub max_rounds: u32,
    /// Wait after a put before reading the tag back: longer than any writer's read-to-put
    /// (a writer reads, merges in memory and puts one small document), so a writer that read
    /// before our marker existed has put by then, and the read-back sees it.
    pub settle_ms: u64,
    /// The first wait between rounds; it doubles each round, up to `max_ms`.
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Default for RoundPolicy {
    fn default() -> Self {
        RoundPolicy {
            max_rounds: 10,
            settle_ms: 1500,
            base_ms: 100,
            max_ms: 3000,
        }
    }
}

impl RoundPolicy {
    /// The wait before round `round + 1` (`round` is 1-based), or `None` when the bound is
    /// reached. `jitter` is any number (the shim passes a random value); half the wait is fixed,
    /// half spread by it.
    pub fn next_round(&self, round: u32, jitter: u64) -> Option<u64> {
        if round >= self.max_rounds {
            return None;
        }
        let step = self
            .base_ms
            .saturating_mul(1u64 << (round - 1).min(20))
            .min(self.max_ms);
        let half = step / 2;
        Some(half + jitter % (half + 1))
    }
}

/// What the read-back says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The tag holds the change (perhaps put by another writer who carried it along).
    Landed,
    /// Another writer's put hid the change: `what` says which part, for the round's log line.
    Lost { what: String },
}

/// Whether `readback` (the tag's index after the settle interval; `None`: no index there)
/// holds `change`.
pub fn verdict(readback: Option<&ImageIndex>, change: &Change) -> Verdict {
    let lost = |what: String| Verdict::Lost { what };
    let Some(index) = readback else {
        return lost("the tag holds no index".into());
    };
    let has = |d: &crate::Digest| index.manifests.iter().any(|e| &e.digest == d);
    match change {
        Change::Add(entries) => match entries.iter().find(|e| !has(&e.digest)) {
            Some(e) => lost(format!("{} is not in the index", e.digest)),
            None => Verdict::Landed,
        },
        Change::Remove(digests) => match digests.iter().find(|d| has(d)) {
            Some(d) => lost(format!("{d} is still in the index")),
            None => Verdict::Landed,
        },
        Change::Annotate {
            digests,
            entry,
            index: edit,
        } => {
            for e in index
                .manifests
                .iter()
                .filter(|e| digests.contains(&e.digest))
            {
                let mut again = e.clone();
                annotate_entry(&mut again, entry);
                if &again != e {
                    return lost(format!("{} lacks the edit", e.digest));
                }
            }
            let mut again = index.clone();
            annotate_index(&mut again, edit);
            if &again != index {
                return lost("the index lacks the edit".into());
            }
            Verdict::Landed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Descriptor;
    use crate::ops::{create, EntryEdit, IndexEdit, ListFormat};
    use crate::Digest;

    #[test]
    fn rounds_are_bounded_and_jittered() {
        let p = RoundPolicy::default();
        assert_eq!(p.next_round(p.max_rounds, 7), None);
        let w: Vec<u64> = (0..100).map(|j| p.next_round(1, j).unwrap()).collect();
        assert!(w.iter().all(|&x| (50..=100).contains(&x)));
        assert!(w.iter().any(|&x| x != w[0]), "jitter spreads the waits");
        assert!(p.next_round(9, 0).unwrap() <= p.max_ms);
    }

    #[test]
    fn the_read_back_decides() {
        let a = Descriptor::of(crate::media_type::OCI_MANIFEST, b"a");
        let mut index = create(ListFormat::Oci);
        assert!(matches!(
            verdict(Some(&index), &Change::Add(vec![a.clone()])),
            Verdict::Lost { .. }
        ));
        assert!(matches!(
            verdict(None, &Change::Add(vec![a.clone()])),
            Verdict::Lost { .. }
        ));
        index.manifests.push(a.clone());
        assert_eq!(
            verdict(Some(&index), &Change::Add(vec![a.clone()])),
            Verdict::Landed
        );
        assert!(matches!(
            verdict(Some(&index), &Change::Remove(vec![a.digest.clone()])),
            Verdict::Lost { .. }
        ));
        let edit = Change::Annotate {
            digests: vec![a.digest.clone()],
            entry: EntryEdit {
                annotations: vec![("k".into(), "v".into())],
                ..Default::default()
            },
            index: IndexEdit::default(),
        };
        assert!(matches!(verdict(Some(&index), &edit), Verdict::Lost { .. }));
        let done = super::super::rebuild(Some(&index), ListFormat::Oci, &[], &edit);
        assert_eq!(verdict(Some(&done), &edit), Verdict::Landed);
        assert_eq!(
            verdict(Some(&done), &Change::Remove(vec![Digest::sha256(b"z")])),
            Verdict::Landed
        );
    }
}
