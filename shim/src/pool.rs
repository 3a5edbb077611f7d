//! The one bounded worker pool of the shim: scoped threads, at most `jobs` at once, results in
//! the items' order. Fetching sources, publishing members and reading a remote index's children
//! all run through here, so `--jobs` means one thing everywhere.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `f` on every item with at most `jobs` running at once; results come back in the
/// items' order.
pub fn run_bounded<T: Send, R: Send>(
    jobs: usize,
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let n = items.len();
    if n <= 1 || jobs <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(n) {
            s.spawn(|| loop {
                let next = queue.lock().expect("pool queue").next();
                let Some((i, item)) = next else { break };
                let r = f(item);
                results.lock().expect("pool results")[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .expect("pool threads joined")
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

/// Like [`run_bounded`] for fallible work: once an item fails, no item after it in order
/// starts (those running finish), while every item before it still runs, so the failure
/// returned is always that of the earliest failing item, however the threads were scheduled.
pub fn try_run_bounded<T: Send, R: Send, E: Send>(
    jobs: usize,
    items: Vec<T>,
    f: impl Fn(T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let first_failed = AtomicUsize::new(usize::MAX);
    let results = run_bounded(
        jobs,
        items.into_iter().enumerate().collect(),
        |(i, item)| {
            if i > first_failed.load(Ordering::SeqCst) {
                return None;
            }
            let r = f(item);
            if r.is_err() {
                first_failed.fetch_min(i, Ordering::SeqCst);
            }
            Some(r)
        },
    );
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Some(Ok(v)) => out.push(v),
            Some(Err(e)) => return Err(e),
            None => unreachable!("an item is skipped only after an earlier one failed"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bounded_keeps_order_and_bound() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = run_bounded(3, (0..20).collect(), |i: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn first_failure_in_order_stops_the_rest() {
        let ran = AtomicUsize::new(0);
        let r: Result<Vec<u32>, u32> = try_run_bounded(2, (0..100).collect(), |i: u32| {
            ran.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
            if i == 3 || i == 5 {
                Err(i)
            } else {
                Ok(i)
            }
        });
        assert_eq!(r, Err(3));
        assert!(
            ran.load(Ordering::SeqCst) < 100,
            "work stopped after the failure"
        );
        let ok: Result<Vec<u32>, u32> = try_run_bounded(4, (0..10).collect(), Ok);
        assert_eq!(ok.unwrap(), (0..10).collect::<Vec<_>>());
    }
}
