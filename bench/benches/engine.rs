//! Engine throughput: validation of a 10,000-entry index (goal ≥ 200 MB/s) and digest of
//! 64 MiB, with the digest also timed against `sha256sum` on the same bytes in the same run
//! (goal: ratio ≥ 0.9, i.e. at least 90% of sha256sum's speed).

use std::hint::black_box;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use manifold_engine::digest::Digest;
use manifold_engine::validate::{validate, DocumentKind};

const DIGEST_BYTES: usize = 64 * 1024 * 1024;

fn benches(c: &mut Criterion) {
    let index = manifold_bench::large_index(10_000);
    let report = validate(&index, DocumentKind::Auto);
    assert!(
        report.valid,
        "the benchmark index must be valid: {:?}",
        report.problems.first()
    );
    let mut g = c.benchmark_group("validate");
    g.throughput(Throughput::Bytes(index.len() as u64));
    g.bench_function("index_10000_entries", |b| {
        b.iter(|| validate(black_box(&index), DocumentKind::Auto))
    });
    g.finish();

    let data = payload();
    let mut g = c.benchmark_group("digest");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("sha256_64MiB", |b| {
        b.iter(|| Digest::sha256(black_box(&data)))
    });
    g.finish();
}

fn payload() -> Vec<u8> {
    // Deterministic, incompressible-looking bytes (xorshift), so no layer of the system shortcuts them.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v = Vec::with_capacity(DIGEST_BYTES);
    while v.len() < DIGEST_BYTES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().expect("at least one run")
}

/// Times the engine's sha256 and `sha256sum` on the same 64 MiB (sha256sum reading from a
/// file in the page cache, the engine from memory: both are pure hashing speed).
fn digest_ratio() {
    let data = payload();
    let path = std::env::temp_dir().join(format!("manifold-bench-{}.bin", std::process::id()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&data))
        .expect("write bench payload");
    let ours = best_of(5, || {
        let t = Instant::now();
        black_box(Digest::sha256(black_box(&data)));
        t.elapsed()
    });
    let expected = Digest::sha256(&data);
    let peer = best_of(5, || {
        let t = Instant::now();
        let out = Command::new("sha256sum")
            .arg(&path)
            .stderr(Stdio::inherit())
            .output()
            .expect("run sha256sum");
        let el = t.elapsed();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.split_whitespace().next(),
            Some(expected.encoded()),
            "sha256sum disagrees"
        );
        el
    });
    let _ = std::fs::remove_file(&path);
    let mbps = |d: Duration| DIGEST_BYTES as f64 / d.as_secs_f64() / 1e6;
    println!(
        "digest 64 MiB: manifold {:.1} ms ({:.0} MB/s), sha256sum {:.1} ms ({:.0} MB/s); speed ratio manifold/sha256sum = {:.2} (goal >= 0.9)",
        ours.as_secs_f64() * 1e3,
        mbps(ours),
        peer.as_secs_f64() * 1e3,
        mbps(peer),
        peer.as_secs_f64() / ours.as_secs_f64()
    );
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(3));
    benches(&mut c);
    c.final_summary();
    digest_ratio();
}
