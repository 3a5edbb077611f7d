//! Big layers across registries: a list of 4 images, each with one layer of random bytes
//! (so no compression helps anyone), copied from one registry to another by manifold (`push
//! --yes` of a local list whose members live in registry A to registry B), `skopeo copy --all`
//! and `podman manifest push --all` (vfs storage, the harness's throw-away environment). One
//! command, from the workspace root:
//!
//! ```text
//! cargo run --release -p manifold-bench --bin bigcopy
//! cargo run --release -p manifold-bench --bin bigcopy -- --mib 64 --reps 3 --big-mib 256
//! ```
//!
//! Each timed run copies into a destination registry started fresh for it: a registry keeps
//! blobs by digest whatever the repository, and containers/image remembers where it has seen a
//! blob (its blob-info cache), so a second copy into the same registry could be a mount instead
//! of a copy. Wall = spawn to `wait4`; peak RSS = the child's `VmHWM` (/proc/PID/status), polled every 2 ms while it runs from `wait4`. The
//! tools alternate, rotating each rep; medians. Nothing here is a test.

use manifold_bench::tools::{build_manifold, die, median, sh, tool_version, workspace_root};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manifold_tests::podman::PodmanEnv;
use manifold_tests::{Auth, Format, Registry, Seeder, TestEnv};

const USAGE: &str =
    "usage: bigcopy [--mib 64] [--reps 3] [--big-mib 256] [--big-reps 1] [--images 4] \
[--manifold BIN] [--no-write]";

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

struct Args {
    mib: usize,
    reps: usize,
    big_mib: usize,
    big_reps: usize,
    images: usize,
    manifold: Option<PathBuf>,
    write: bool,
    raw: Vec<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        mib: 64,
        reps: 3,
        big_mib: 256,
        big_reps: 1,
        images: 4,
        manifold: std::env::var_os("MANIFOLD_BIN").map(PathBuf::from),
        write: true,
        raw: std::env::args().skip(1).collect(),
    };
    let mut it = std::env::args().skip(1);
    let num = |it: &mut dyn Iterator<Item = String>, f: &str| -> usize {
        it.next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| die(&format!("{f} needs a number\n{USAGE}")))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--mib" => a.mib = num(&mut it, "--mib"),
            "--reps" => a.reps = num(&mut it, "--reps"),
            "--big-mib" => a.big_mib = num(&mut it, "--big-mib"),
            "--big-reps" => a.big_reps = num(&mut it, "--big-reps"),
            "--images" => a.images = num(&mut it, "--images"),
            "--manifold" => {
                a.manifold = Some(
                    it.next()
                        .unwrap_or_else(|| die(&format!("--manifold needs a path\n{USAGE}")))
                        .into(),
                )
            }
            "--no-write" => a.write = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            o => die(&format!("unknown argument {o}\n{USAGE}")),
        }
    }
    if a.reps == 0 || a.mib == 0 || a.images == 0 {
        die(USAGE);
    }
    a
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Manifold,
    Skopeo,
    Podman,
}

const TOOLS: [Tool; 3] = [Tool::Manifold, Tool::Skopeo, Tool::Podman];

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Manifold => "manifold",
            Tool::Skopeo => "skopeo",
            Tool::Podman => "podman",
        }
    }
}

/// Random bytes (xorshift64*), the same for the same seed.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Seeds `images` images of one `mib` MiB layer each into `repo` of `reg`, tagged `img0`...,
/// and a list of them tagged `list`. Returns the members' references (`host/repo:imgN`).
fn seed(reg: &Registry, repo: &str, images: usize, mib: usize, salt: u64) -> Vec<String> {
    let s = Seeder::new(reg);
    let platforms = ["linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x"];
    let mut members = Vec::new();
    let mut seeded = Vec::new();
    for i in 0..images {
        let layer = random_bytes(mib << 20, salt * 1000 + i as u64 + 1);
        let layer_digest = s.blob(repo, &layer);
        let size = layer.len();
        drop(layer);
        let platform = platforms[i % platforms.len()];
        let (os, arch) = platform.split_once('/').unwrap();
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": arch,
            "os": os,
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "config": {"Cmd": ["/bin/true"]},
        }))
        .unwrap();
        let config_digest = s.blob(repo, &config);
        let manifest = serde_json::to_vec_pretty(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG, "size": config.len(), "digest": config_digest},
            "layers": [{"mediaType": DOCKER_LAYER, "size": size, "digest": layer_digest}],
        }))
        .unwrap();
        let tag = format!("img{i}");
        let digest = s.manifest(repo, &tag, DOCKER_MANIFEST, &manifest);
        seeded.push(manifold_tests::Seeded {
            repo: repo.to_string(),
            digest,
            size: manifest.len() as u64,
            media_type: DOCKER_MANIFEST.to_string(),
            bytes: manifest,
            platform: platform.to_string(),
        });
        members.push(format!("{}/{repo}:{tag}", reg.host()));
    }
    s.index(repo, "list", &seeded, Format::Docker, None);
    members
}

struct Run {
    wall: Duration,
    rss_kb: u64,
    cpu_ms: f64,
    code: i32,
    stderr: String,
}

/// Spawns `cmd` and waits for it with `wait4`: wall time from spawn to reaping, and the
/// child's peak RSS. Output goes to files in `scratch` (no pipe can fill up and stall it).
fn run_timed(cmd: &mut Command, scratch: &Path) -> Run {
    let out_p = scratch.join("stdout");
    let err_p = scratch.join("stderr");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(fs::File::create(&out_p).expect("stdout file")))
        .stderr(Stdio::from(fs::File::create(&err_p).expect("stderr file")));
    let start = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // Peak RSS is the child's VmHWM, read while it runs: `ru_maxrss` would not do, as exec
    // records the high-water mark of the memory it replaces (this bench's own, which holds
    // whole layers while seeding) into the child's.
    let status_file = format!("/proc/{pid}/status");
    let mut hwm_kb = 0u64;
    let r = loop {
        if let Some(kb) = fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            hwm_kb = hwm_kb.max(kb);
        }
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == 0 {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child); // already reaped
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    Run {
        wall,
        rss_kb: hwm_kb,
        cpu_ms: tv(ru.ru_utime) + tv(ru.ru_stime),
        code,
        stderr: fs::read_to_string(&err_p).unwrap_or_default(),
    }
}

fn untimed(cmd: &mut Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One row: a tool's samples at one layer size.
struct Row {
    mib: usize,
    tool: Tool,
    wall_ms: Vec<f64>,
    rss_mib: Vec<f64>,
    cpu_ms: Vec<f64>,
}

/// Copies the list of `src` (seeded with `mib` MiB layers) `reps` times with each tool, each
/// time into a registry started for that run.
fn measure(
    manifold: &Path,
    skopeo: &Path,
    podman: &Path,
    src: &Registry,
    members: &[String],
    mib: usize,
    reps: usize,
) -> Vec<Row> {
    let mut rows: Vec<Row> = TOOLS
        .iter()
        .map(|&tool| Row {
            mib,
            tool,
            wall_ms: Vec::new(),
            rss_mib: Vec::new(),
            cpu_ms: Vec::new(),
        })
        .collect();
    let a = src.host();
    let repo = format!("big{mib}");
    for rep in 0..reps {
        for k in 0..TOOLS.len() {
            let tool = TOOLS[(k + rep) % TOOLS.len()];
            let dst = Registry::start(Auth::None).unwrap_or_else(|| die("no docker-registry"));
            let b = dst.host();
            let dest = format!("{b}/copy-{}:r{rep}", tool.name());
            let scratch = TestEnv::new();
            // the tool's environment, kept until its run is over
            let keep: Box<dyn std::any::Any>;
            let mut cmd = match tool {
                Tool::Manifold => {
                    let env = TestEnv::new();
                    let list = format!("{a}/biglist:m{mib}r{rep}");
                    let mut c = env.command(manifold);
                    c.args(["create", "--insecure", &list]).args(members);
                    untimed(&mut c, "manifold create");
                    let mut c = env.command(manifold);
                    c.args(["push", "--insecure", "--yes", &list, &dest]);
                    keep = Box::new(env);
                    c
                }
                Tool::Skopeo => {
                    let pe = PodmanEnv::new(&[a.clone(), b.clone()]);
                    let mut c = pe.command(skopeo);
                    c.args([
                        "copy",
                        "-q",
                        "--all",
                        "--src-tls-verify=false",
                        "--dest-tls-verify=false",
                        &format!("docker://{a}/{repo}:list"),
                        &format!("docker://{dest}"),
                    ]);
                    keep = Box::new(pe);
                    c
                }
                Tool::Podman => {
                    let pe = PodmanEnv::new(&[a.clone(), b.clone()]);
                    fs::create_dir_all(pe.path("runtime/containers")).unwrap();
                    let list = format!("localhost/biglist:m{mib}r{rep}");
                    let mut c = pe.command(podman);
                    c.env("XDG_RUNTIME_DIR", pe.path("runtime"))
                        .args(["manifest", "create", "--tls-verify=false", &list])
                        .args(members.iter().map(|m| format!("docker://{m}")));
                    untimed(&mut c, "podman manifest create");
                    let mut c = pe.command(podman);
                    c.env("XDG_RUNTIME_DIR", pe.path("runtime")).args([
                        "manifest",
                        "push",
                        "-q",
                        "--all",
                        "--tls-verify=false",
                        &list,
                        &format!("docker://{dest}"),
                    ]);
                    keep = Box::new(pe);
                    c
                }
            };
            let r = run_timed(&mut cmd, &scratch.path("home"));
            drop(keep);
            if r.code != 0 {
                die(&format!(
                    "{} copy of {mib} MiB layers failed: {}",
                    tool.name(),
                    r.stderr.trim()
                ));
            }
            // the copy must be whole: the list tagged at the destination, and B's storage at
            // least the layers' size
            let tag = dst.dir.path().join(format!(
                "storage/docker/registry/v2/repositories/copy-{}/_manifests/tags/r{rep}/current/link",
                tool.name()
            ));
            assert!(tag.exists(), "{} left no list at {dest}", tool.name());
            let stored = dir_size(dst.dir.path());
            assert!(
                stored >= (members.len() * (mib << 20)) as u64,
                "{} stored only {stored} bytes",
                tool.name()
            );
            eprintln!(
                "  {mib} MiB rep {rep} {}: {:.0} ms, {:.1} MiB RSS, {:.0} ms CPU",
                tool.name(),
                r.wall.as_secs_f64() * 1e3,
                r.rss_kb as f64 / 1024.0,
                r.cpu_ms
            );
            let row = rows.iter_mut().find(|x| x.tool == tool).unwrap();
            row.wall_ms.push(r.wall.as_secs_f64() * 1e3);
            row.rss_mib.push(r.rss_kb as f64 / 1024.0);
            row.cpu_ms.push(r.cpu_ms);
        }
    }
    rows
}

fn dir_size(p: &Path) -> u64 {
    let mut n = 0;
    if let Ok(rd) = fs::read_dir(p) {
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => n += dir_size(&e.path()),
                Ok(_) => n += e.metadata().map(|m| m.len()).unwrap_or(0),
                Err(_) => {}
            }
        }
    }
    n
}

fn main() {
    let args = parse_args();
    let manifold = args.manifold.clone().unwrap_or_else(build_manifold);
    let skopeo = manifold_tests::podman::tool("skopeo").unwrap_or_else(|| die("no skopeo"));
    let podman = manifold_tests::podman::tool("podman").unwrap_or_else(|| die("no podman"));
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let started = Instant::now();
    let src = Registry::start(Auth::None).unwrap_or_else(|| die("no docker-registry"));
    let mut rows = Vec::new();
    let mut sizes = vec![(args.mib, args.reps)];
    if args.big_mib > 0 && args.big_reps > 0 {
        sizes.push((args.big_mib, args.big_reps));
    }
    for (i, &(mib, reps)) in sizes.iter().enumerate() {
        let t = Instant::now();
        let members = seed(&src, &format!("big{mib}"), args.images, mib, i as u64);
        eprintln!(
            "seeded {} images of one {mib} MiB layer into {} in {:.1} s",
            args.images,
            src.host(),
            t.elapsed().as_secs_f64()
        );
        rows.extend(measure(
            &manifold, &skopeo, &podman, &src, &members, mib, reps,
        ));
    }
    let load_after = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let three = |s: &str| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    let mut o = String::new();
    let _ = writeln!(o, "## Big layers: a list copied across registries\n");
    let _ = writeln!(
        o,
        "Written by `bench/src/bin/bigcopy.rs` (`cargo run --release -p manifold-bench --bin bigcopy -- {}`).\n",
        args.raw.join(" ")
    );
    let _ = writeln!(
        o,
        "- Date: {}; git {}",
        sh("date -u '+%Y-%m-%d %H:%M UTC'"),
        sh("git rev-parse --short HEAD")
    );
    let _ = writeln!(
        o,
        "- Machine: {} cores ({}), load average {} before, {} after; the run took {:.0} s",
        sh("nproc"),
        sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        three(&load_before),
        three(&load_after),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        o,
        "- Tools: {}; {}; {}; registry {}",
        tool_version(&manifold, &["--version"]),
        tool_version(&skopeo, &["--version"]),
        tool_version(&podman, &["--version"]),
        manifold_tests::registry::registry_bin().display()
    );
    let _ = writeln!(o, "- Method: two `docker-registry` on 127.0.0.1 (plain HTTP, filesystem storage in temp dirs); in A a Docker list of {} single-platform images, each with one layer of random bytes; each tool copies the whole list to a fresh repository of a destination registry B started for that run (no tool can mount from an earlier copy or skip a blob it has seen). manifold: `push --insecure --yes LIST B/...` of a local list made (untimed) from A's members, default `--jobs`; skopeo: `copy --all --src-tls-verify=false --dest-tls-verify=false docker://A/...:list docker://B/...`; podman: `manifest push --all --tls-verify=false` of a list made (untimed) with `manifest create` from A's members, vfs storage. Tools alternate, rotating each rep; wall = spawn to `wait4`; peak RSS = the child's `VmHWM` (/proc/PID/status), polled every 2 ms while it runs; every copy checked whole afterwards (the list's tag at B, B's storage at least the layers' size). Medians (min–max).\n", args.images);
    let _ = writeln!(
        o,
        "| layer MiB | tool | runs | wall ms (min–max) | MiB/s | peak RSS MiB (max) | CPU ms | manifold / tool wall | manifold / tool RSS |"
    );
    let _ = writeln!(o, "|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let m = rows
            .iter()
            .find(|x| x.mib == r.mib && x.tool == Tool::Manifold)
            .unwrap();
        let w = median(r.wall_ms.clone());
        let lo = r.wall_ms.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = r.wall_ms.iter().cloned().fold(0.0, f64::max);
        let rss = median(r.rss_mib.clone());
        let rss_hi = r.rss_mib.iter().cloned().fold(0.0, f64::max);
        let mbs = (args.images * r.mib) as f64 / (w / 1e3);
        let (rw, rr) = if r.tool == Tool::Manifold {
            ("–".to_string(), "–".to_string())
        } else {
            (
                format!("**{:.3}**", median(m.wall_ms.clone()) / w),
                format!("**{:.3}**", median(m.rss_mib.clone()) / rss),
            )
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {w:.0} ({lo:.0}–{hi:.0}) | {mbs:.0} | {rss:.1} ({rss_hi:.1}) | {:.0} | {rw} | {rr} |",
            r.mib,
            r.tool.name(),
            r.wall_ms.len(),
            median(r.cpu_ms.clone()),
        );
    }
    let med = |mib: usize, t: Tool, f: fn(&Row) -> &Vec<f64>| {
        rows.iter()
            .find(|x| x.mib == mib && x.tool == t)
            .map(|r| median(f(r).clone()))
            .unwrap_or(f64::NAN)
    };
    let _ = writeln!(o);
    for &(mib, _) in &sizes {
        let ratio =
            med(mib, Tool::Manifold, |r| &r.wall_ms) / med(mib, Tool::Skopeo, |r| &r.wall_ms);
        let rss = med(mib, Tool::Manifold, |r| &r.rss_mib);
        let _ = writeln!(
            o,
            "- {mib} MiB layers: wall {ratio:.3}x skopeo copy --all (goal <= 0.8: {}); manifold peak RSS {rss:.1} MiB (goal <= 32: {}); manifold CPU {:.0} ms of {:.0} ms wall",
            if ratio <= 0.8 { "met" } else { "not met" },
            if rss <= 32.0 { "met" } else { "not met" },
            med(mib, Tool::Manifold, |r| &r.cpu_ms),
            med(mib, Tool::Manifold, |r| &r.wall_ms),
        );
    }
    println!("{o}");
    if args.write {
        write_section(&workspace_root().join("bench/RESULTS.md"), &o);
    }
}

/// Replaces the text between this bench's markers in RESULTS.md (appending them the first
/// time), leaving what other benches wrote.
fn write_section(path: &Path, report: &str) {
    const BEGIN: &str = "<!-- bigcopy:begin -->";
    const END: &str = "<!-- bigcopy:end -->";
    let old = fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{report}{END}\n");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!(
            "{}{block}{}",
            &old[..b],
            old[e + END.len()..].trim_start_matches('\n')
        ),
        _ => format!("{}\n\n{block}", old.trim_end()),
    };
    fs::write(path, new).expect("write RESULTS.md");
    eprintln!("wrote {}", path.display());
}
