//! The one bounded worker pool of the shim: scoped threads, at most `jobs` at once, results in
//! the items' order. Fetching sources, publishing members and reading a remote index's children
//! all run through here, so `--jobs` means one thing everywhere.

use std::sync::atomic::{AtomicBool, Ordering};
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

/// Like [`run_bounded`] for fallible work: once an item fails no new item starts (those
/// running finish), and the failure of the earliest item that failed is returned.
pub fn try_run_bounded<T: Send, R: Send, E: Send>(
    jobs: usize,
    items: Vec<T>,
    f: impl Fn(T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let failed = AtomicBool::new(false);
    let results = run_bounded(jobs, items, |item| {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let r = f(item);
        if r.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        Some(r)
    });
    let mut out = Vec::with_capacity(results.len());
    let mut first_error = None;
    for r in results {
        match r {
            Some(Ok(v)) if first_error.is_none() => out.push(v),
            Some(Err(e)) if first_error.is_none() => first_error = Some(e),
            _ => {}
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
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
