//! Progress of long operations (a push's copies and mounts, create's fetches) as one line on
//! stderr that redraws itself, the way cargo's and podman's do, and only where someone is
//! watching: stderr is a terminal, and neither `--quiet`, `--json` nor `--debug` was given
//! (a script reading stderr, a JSON reader and a request log are not to be interleaved with
//! carriage returns). Anywhere else nothing at all is written.
//!
//! What the line says is a plain value, [`Tally`], with its text made by [`Tally::line`] from
//! the counts and the time elapsed given to it, so it is tested without a clock or a terminal.
//! [`Progress`] is the small interface the work calls (`begin`, `advance`, `finish`); a
//! [`Progress::off`] one does nothing, so callers never ask whether it is shown.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the line is redrawn at most (the last state is always drawn).
const REDRAW: Duration = Duration::from_millis(100);

/// What has been done of an operation: `done` of `total` items (`unit`), and the bytes they
/// carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// What is being done: `pushing`, `fetching`.
    pub what: &'static str,
    /// What is counted: `blobs and manifests`, `images`.
    pub unit: &'static str,
    pub done: u64,
    pub total: u64,
    pub bytes_done: u64,
    /// 0 when the sizes are not known beforehand (the line then shows no bytes).
    pub bytes_total: u64,
}

impl Tally {
    /// The line shown after `elapsed`: counts, bytes when known, and the rate once a second
    /// has passed (before that a rate says nothing).
    pub fn line(&self, elapsed: Duration) -> String {
        let mut s = format!("{}: {}/{} {}", self.what, self.done, self.total, self.unit);
        if self.bytes_total > 0 {
            s.push_str(&format!(
                ", {} of {}",
                human_bytes(self.bytes_done),
                human_bytes(self.bytes_total)
            ));
            if elapsed >= Duration::from_secs(1) {
                let rate = self.bytes_done as f64 / elapsed.as_secs_f64();
                s.push_str(&format!(", {}/s", human_bytes(rate as u64)));
            }
        }
        s
    }
}

/// Bytes in binary units with one decimal (`512 B`, `1.5 KiB`, `2.0 GiB`).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// True when a progress line may be drawn: stderr is a terminal and the command was not asked
/// for quiet, JSON or a request log.
pub fn wanted(quiet: bool, json: bool, debug: bool) -> bool {
    !(quiet || json || debug) && std::io::stderr().is_terminal()
}

struct State {
    tally: Tally,
    started: Instant,
    drawn_at: Option<Instant>,
    /// Something is on the line and must be cleared before anything else is printed.
    showing: bool,
}

/// One progress line, shared by the worker threads of an operation. Cleared when finished or
/// dropped, so an error or the command's own output starts on a clean line.
pub struct Progress {
    state: Option<Mutex<State>>,
}

/// A progress that shows nothing, for publishes nobody watches (append's markers, the lists of
/// a spec file).
pub static OFF: Progress = Progress { state: None };

impl Progress {
    /// A progress that shows nothing.
    pub fn off() -> Progress {
        Progress { state: None }
    }

    /// A progress shown when [`wanted`] says so.
    pub fn new(quiet: bool, json: bool, debug: bool) -> Progress {
        if !wanted(quiet, json, debug) {
            return Progress::off();
        }
        Progress {
            state: Some(Mutex::new(State {
                tally: Tally::default(),
                started: Instant::now(),
                drawn_at: None,
                showing: false,
            })),
        }
    }

    /// Starts counting `total` items of `bytes_total` bytes, and draws the line.
    pub fn begin(&self, what: &'static str, unit: &'static str, total: u64, bytes_total: u64) {
        self.with(|s| {
            s.tally = Tally {
                what,
                unit,
                done: 0,
                total,
                bytes_done: 0,
                bytes_total,
            };
            s.started = Instant::now();
            s.drawn_at = None;
        });
    }

    /// One more item of `bytes` bytes done.
    pub fn advance(&self, bytes: u64) {
        self.with(|s| {
            s.tally.done += 1;
            s.tally.bytes_done += bytes;
        });
    }

    /// Clears the line.
    pub fn finish(&self) {
        if let Some(m) = &self.state {
            let mut s = m.lock().unwrap_or_else(|e| e.into_inner());
            if s.showing {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K");
                let _ = err.flush();
                s.showing = false;
            }
        }
    }

    /// Updates the state and redraws when the last draw is old enough or the work is done.
    fn with(&self, update: impl FnOnce(&mut State)) {
        let Some(m) = &self.state else { return };
        let mut s = m.lock().unwrap_or_else(|e| e.into_inner());
        update(&mut s);
        if s.tally.total == 0 {
            return; // never begun: nothing to show
        }
        let now = Instant::now();
        let due = s.drawn_at.is_none_or(|t| now.duration_since(t) >= REDRAW)
            || s.tally.done >= s.tally.total;
        if due {
            let line = s.tally.line(now.duration_since(s.started));
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K{line}");
            let _ = err.flush();
            s.drawn_at = Some(now);
            s.showing = true;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_items_and_bytes_and_shows_a_rate_after_a_second() {
        let t = Tally {
            what: "pushing",
            unit: "blobs and manifests",
            done: 3,
            total: 6,
            bytes_done: 3 * 1024 * 1024,
            bytes_total: 6 * 1024 * 1024 + 512 * 1024,
        };
        assert_eq!(
            t.line(Duration::from_millis(400)),
            "pushing: 3/6 blobs and manifests, 3.0 MiB of 6.5 MiB"
        );
        assert_eq!(
            t.line(Duration::from_secs(2)),
            "pushing: 3/6 blobs and manifests, 3.0 MiB of 6.5 MiB, 1.5 MiB/s"
        );
        let counted = Tally {
            what: "fetching",
            unit: "images",
            done: 1,
            total: 4,
            ..Tally::default()
        };
        assert_eq!(counted.line(Duration::from_secs(5)), "fetching: 1/4 images");
    }

    #[test]
    fn bytes_read_in_binary_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 << 30), "5.0 GiB");
    }

    #[test]
    fn quiet_json_and_debug_turn_it_off() {
        // Whatever stderr is, these never show a line.
        assert!(!wanted(true, false, false));
        assert!(!wanted(false, true, false));
        assert!(!wanted(false, false, true));
        assert!(Progress::new(true, false, false).state.is_none());
    }
}
