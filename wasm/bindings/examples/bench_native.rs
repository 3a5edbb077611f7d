//! Writes a 10,000-entry index (manifold_bench::large_index) to a file and times the native
//! engine validating it, for wasm/bench/validate-10k.mjs to compare the WebAssembly build with.
//!
//! Usage: `cargo run --release -p manifold-wasm --example bench_native -- OUT.json [ENTRIES]`
//! prints one JSON line: {"entries", "bytes", "valid", "runs", "medianMs", "minMs"}. Wall
//! time only: the kernel's per-thread CPU time here is counted in scheduler ticks (4 ms), too
//! coarse for a 10 ms operation.

use std::time::Instant;

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
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(validate(std::hint::black_box(&bytes), DocumentKind::Auto));
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "{{\"entries\":{entries},\"bytes\":{},\"valid\":{},\"runs\":{runs},\"medianMs\":{:.3},\"minMs\":{:.3}}}",
        bytes.len(),
        report.valid,
        ms[runs / 2],
        ms[0]
    );
}
