//! `manifold check` of a 50-platform list against the network floor: the same requests (the
//! list, every member manifest, every config and every layer) made by `curl --parallel` on
//! kept-alive connections, against the same registry, in the same run.
//!
//! ```text
//! cargo run --release -p manifold-bench --bin check
//! cargo run --release -p manifold-bench --bin check -- --platforms 50 --reps 7 --no-write
//! ```
//!
//! It builds `manifold` in the same profile, starts Debian's `docker-registry` on a free loopback
//! port (the `manifold-tests` harness), seeds N single-layer OCI images with distinct platforms
//! and an index of them, then times each tool `--reps` times after one warm-up, alternating, and
//! prints the medians and their ratio. curl knows every URL before it starts and GETs the layers
//! (a HEAD costs the registry as much), so it is a floor manifold cannot go below: the check
//! has to read the list before it knows the members, and the members before the configs. The
//! section "check of an N-platform list" of `bench/RESULTS.md` is replaced (appended the first
//! time, after the notes `compare` keeps). Nothing here is a test: no duration is asserted.

use manifold_bench::tools::{build_manifold, die, median, workspace_root};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use manifold_tests::{Auth, Format, Registry, Seeder, TestEnv};

const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json";
const ARCHES: [&str; 5] = ["amd64", "arm64", "ppc64le", "s390x", "riscv64"];

/// Wall time of one run in ms; the run must exit 0.
fn timed(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| die(&format!("cannot run {cmd:?}: {e}")));
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        die(&format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    ms
}

fn main() {
    let mut platforms = 50usize;
    let mut reps = 5usize;
    let mut write = true;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--platforms" => {
                platforms = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| die("--platforms N"))
            }
            "--reps" => {
                reps = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| die("--reps N"))
            }
            "--no-write" => write = false,
            _ => die("usage: check [--platforms 50] [--reps 5] [--no-write]"),
        }
    }
    let manifold = build_manifold();
    let curl = ["/usr/bin/curl", "/usr/local/bin/curl"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| die("curl is needed for the floor"));
    let reg = Registry::start(Auth::None).unwrap_or_else(|| die("docker-registry is needed"));
    let s = Seeder::new(&reg);
    let base = reg.base_url();
    let mut children = Vec::new();
    let mut urls = Vec::new();
    for i in 0..platforms {
        // distinct platforms: five architectures, each at several os.versions
        let platform = format!("linux/{}:1.{}", ARCHES[i % ARCHES.len()], i / ARCHES.len());
        let img = s.image("bench", None, &platform, Format::Oci, i as u32);
        let m: serde_json::Value = serde_json::from_slice(&img.bytes).unwrap();
        urls.push(format!("{base}/v2/bench/manifests/{}", img.digest));
        urls.push(format!(
            "{base}/v2/bench/blobs/{}",
            m["config"]["digest"].as_str().unwrap()
        ));
        urls.push(format!(
            "{base}/v2/bench/blobs/{}",
            m["layers"][0]["digest"].as_str().unwrap()
        ));
        children.push(img);
    }
    let list = s.index("bench", "list", &children, Format::Oci, None);
    urls.insert(0, format!("{base}/v2/bench/manifests/list"));

    let env = TestEnv::new();
    let mut config = format!("silent\nfail\nheader = \"Accept: {ACCEPT}\"\n");
    for u in &urls {
        let _ = writeln!(config, "url = \"{u}\"\noutput = \"/dev/null\"");
    }
    let config_path = env.path("floor.curl");
    fs::write(&config_path, config).unwrap();
    let reference = format!("{}/bench:list", reg.host());
    let check = || {
        timed(
            env.command(&manifold)
                .args(["check", "--jobs", "8", &reference]),
        )
    };
    let floor = || {
        timed(
            Command::new(&curl)
                .args(["--parallel", "--parallel-max", "8", "--config"])
                .arg(&config_path),
        )
    };
    check();
    floor();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        if rep % 2 == 0 {
            ours.push(check());
            theirs.push(floor());
        } else {
            theirs.push(floor());
            ours.push(check());
        }
    }
    let (m, c) = (median(ours), median(theirs));
    let ratio = m / c;
    let date = String::from_utf8(
        Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let git = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(workspace_root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let title = format!("## check of a {platforms}-platform list");
    let section = format!(
        "{title}\n\nWritten by `bench/src/bin/check.rs` (`cargo run --release -p manifold-bench --bin check`); {date_t}, git {git}, load {load_t}.\n\
         The list {digest} has {platforms} images (one layer each); both tools make the same {req} requests to the same registry (the list, each manifest, config and layer; manifold HEADs the layers, curl GETs them), {reps} timed runs each after a warm-up, alternating, manifold with `--jobs 8` and `curl --parallel --parallel-max 8` on kept-alive connections. Wall time includes process start.\n\n\
         | tool | median ms |\n|---|---:|\n| manifold check | {m:.1} |\n| curl --parallel (floor) | {c:.1} |\n\n\
         manifold check / curl: **{ratio:.3}**\n",
        date_t = date.trim(),
        load_t = load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        digest = list.digest,
        req = urls.len(),
    );
    print!("{section}");
    if write {
        let path = workspace_root().join("bench/RESULTS.md");
        let old = fs::read_to_string(&path).unwrap_or_default();
        let new = match old.find(&title) {
            Some(i) => {
                let end = old[i + title.len()..]
                    .find("\n## ")
                    .map_or(old.len(), |j| i + title.len() + j + 1);
                format!("{}{section}{}", &old[..i], &old[end..])
            }
            None => format!(
                "{}\n{section}",
                old.trim_end_matches('\n').to_string() + "\n"
            ),
        };
        fs::write(&path, new).unwrap();
        eprintln!("written to {}", path.display());
    }
}
