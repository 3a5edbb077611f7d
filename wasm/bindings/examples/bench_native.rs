//! Writes a 10,000-entry index (manifold_bench::large_index) to a file and times the native
//! engine validating it, for wasm/bench/validate-10k.mjs to compare the WebAssembly build with.
//!
//! Usage: `cargo run --release -p manifold-wasm --example bench_native -- OUT.json [ENTRIES]`
//! prints one JSON line: {"entries", "bytes", "valid", "runs", "medianMs", "minMs", "cpuMedianMs"}.
//! CPU time (this thread's, from /proc/thread-self/schedstat on Linux) is what to compare on a
//! shared machine: wall time also counts the time other processes hold the cores.

use std::time::Instant;

/// This thread's CPU time in milliseconds, when the kernel reports it.
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

use manifold_engine::validate::{validate, DocumentKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: bench_native OUT.json [ENTRIES]");
    let entries: usize = args.next().map_or(10_000, |n| n.parse().unwrap());
    let bytes = manifold_bench::large_index(entries);
    std::fs::write(&out, &bytes).unwrap();
    let report = validate(&bytes, DocumentKind::Auto);
    assert_eq!(report.entries.len(), entries, "the engine read every entry");
    for _ in 0..3 {
        std::hint::black_box(validate(&bytes, DocumentKind::Auto));
    }
    let runs = 21;
    let mut ms = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        std::hint::black_box(validate(std::hint::black_box(&bytes), DocumentKind::Auto));
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            cpu.push(b - a);
        }
    }
    ms.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let cpu_median = cpu
        .get(cpu.len() / 2)
        .map_or("null".to_string(), |v| format!("{v:.3}"));
    println!(
        "{{\"entries\":{entries},\"bytes\":{},\"valid\":{},\"runs\":{runs},\"medianMs\":{:.3},\"minMs\":{:.3},\"cpuMedianMs\":{cpu_median}}}",
        bytes.len(),
        report.valid,
        ms[runs / 2],
        ms[0]
    );
}
