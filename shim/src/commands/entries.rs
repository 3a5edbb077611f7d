//! Turning IMAGE arguments into entries: parse them all first (a bad one stops everything
//! before any request), then fetch them concurrently, keeping argument order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use manifold_engine::ops::Selection;
use manifold_engine::platform;

use crate::cli::SelectArgs;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::{self, Location, NewEntry, Remote};

/// The selection flags of create/add as one engine value; at most one may be given.
fn selection(select: &SelectArgs) -> CliResult<Selection> {
    match (select.all, select.nested, select.platform.as_deref()) {
        (false, false, None) => Ok(Selection::Default),
        (true, false, None) => Ok(Selection::All),
        (false, true, None) => Ok(Selection::Nested),
        (false, false, Some(p)) => platform::parse(p)
            .map(Selection::Platform)
            .map_err(|e| CliError::usage(format!("--platform {p}: {e}"))),
        _ => Err(CliError::usage(
            "--all, --nested and --platform choose different things; give at most one",
        )),
    }
}

/// `--annotation KEY=VALUE` values, each checked (a bad one is a usage error naming it).
pub fn annotations(raw: &[String]) -> CliResult<Vec<(String, String)>> {
    raw.iter()
        .map(|a| {
            manifold_engine::ops::parse_annotation(a).map_err(|e| CliError::usage(e.to_string()))
        })
        .collect()
}

/// Parses every IMAGE argument, in the personality's words for a bad one.
pub fn locations(personality: Personality, images: &[String]) -> CliResult<Vec<Location>> {
    images
        .iter()
        .map(|raw| {
            Location::parse(raw).map_err(|e| match personality {
                Personality::Docker => CliError::failed(e.to_string()),
                Personality::Podman => {
                    CliError::with_code(format!("Error: parsing reference {raw:?}: {e}"), 125)
                }
                Personality::Pack => CliError::failed(format!(
                    "ERROR: '{raw}' is not a valid manifest reference: {e}"
                )),
            })
        })
        .collect()
}

/// The IMAGE arguments of create/add and their selection flags, checked before any request.
pub struct Sources {
    locations: Vec<Location>,
    selection: Selection,
}

impl Sources {
    pub fn parse(
        personality: Personality,
        images: &[String],
        select: &SelectArgs,
    ) -> CliResult<Sources> {
        let selection = selection(select)?;
        Ok(Sources {
            locations: locations(personality, images)?,
            selection,
        })
    }

    /// Fetches every source with `--jobs` (or its default) at once; entries in argument order.
    pub fn fetch(
        &self,
        remote: Option<&dyn Remote>,
        jobs_flag: Option<usize>,
    ) -> CliResult<Vec<Vec<NewEntry>>> {
        fetch_all(&self.locations, remote, &self.selection, jobs(jobs_flag))
    }
}

/// The number of concurrent fetches: `--jobs`, else `MANIFOLD_JOBS`, else 8.
pub fn jobs(flag: Option<usize>) -> usize {
    flag.or_else(|| std::env::var("MANIFOLD_JOBS").ok()?.parse().ok())
        .unwrap_or(8)
        .clamp(1, 64)
}

/// Fetches every location with at most `jobs` at once; results in argument order. The first
/// failure (in argument order) is returned.
pub fn fetch_all(
    locations: &[Location],
    remote: Option<&dyn Remote>,
    selection: &Selection,
    jobs: usize,
) -> CliResult<Vec<Vec<NewEntry>>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CliResult<Vec<NewEntry>>>>> =
        Mutex::new((0..locations.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(locations.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(loc) = locations.get(i) else { break };
                let r = source::resolve(loc, remote, selection);
                results.lock().expect("no panics while holding the lock")[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .expect("threads joined")
        .into_iter()
        .map(|r| r.expect("every location was fetched"))
        .collect()
}
