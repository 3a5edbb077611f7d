//! Registry-first edits of a published index (`append`, `add --publish`, `index remove`,
//! `index annotate`): no local state, safe when many writers edit one tag at once.
//!
//! A registry has no compare-and-swap, and a read-back alone does not close the race: a writer
//! that read the index before our put can overwrite it after our check. So every appender also
//! records what it adds where no other writer writes (a *marker*: a tag of its own, derived from
//! the target tag and the digests it adds, holding a small index of its entries), and every
//! writer rebuilds the index from the union of the tag's current index and all markers of that
//! tag ([`rebuild`]). After its put a writer waits a settle interval longer than any writer's
//! read-to-put, reads the tag back and checks that it holds what it asked for ([`verdict`]);
//! if not, it rebuilds and puts again, a bounded number of rounds with jittered backoff
//! ([`RoundPolicy`]). A writer that overwrote us after reading our marker carried our entries
//! along; one that read before our marker existed put before our settle ended, and our next
//! round repairs it. ARCHITECTURE.md, "Many writers", gives the whole argument.
//!
//! The shim performs the requests (members first, marker, reads, put, sleep, read-back); every
//! decision is here.

mod dry_run;
mod marker;
mod merge;
mod rounds;
mod tags;
mod wait;

pub use dry_run::dry_run_edit;
pub use marker::{
    marker_index, marker_prefix, marker_tag, markers_of, strip_marker, MARKER_ANNOTATION,
};
pub use merge::{empty_format, entries_for_platform, index_bytes, needs_put, rebuild, Change};
pub use rounds::{verdict, RoundPolicy, Verdict};
pub use tags::{next_tags_page, parse_tag_list};
pub use wait::{asks_again, missing_verdict, next_poll, parse_duration, Missing, WaitPolicy};
