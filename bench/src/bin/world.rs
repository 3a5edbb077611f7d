//! manifold against its peers where users are: a registry a round trip away (a latency proxy of
//! the test harness in front of it: every byte half an RTT each way, a new connection one RTT),
//! three registry setups, lists of 2 to 50 images. One command, from the workspace root:
//!
//! ```text
//! cargo run --release -p manifold-bench --bin world -- --quick
//! cargo run --release -p manifold-bench --bin world -- --rtt 40 --sizes 2,4,20,50 --reps 5
//! cargo run --release -p manifold-bench --bin world -- --quick --baseline OLD_MANIFOLD
//! ```
//!
//! Setups: `plain` (HTTP, anonymous), `basic-tls` (HTTPS, htpasswd Basic auth), `token-tls`
//! (HTTPS, Bearer tokens from a separate token endpoint behind its own latency proxy). Peers,
//! where each can do the operation: `docker manifest` (plain only: docker treats a loopback
//! registry as insecure and will not verify TLS there with a CA of ours), `podman manifest`,
//! `buildah manifest` (vfs storage, no daemon, the harness's throw-away environment; TLS
//! registries marked insecure in registries.conf, so without verification), `skopeo copy
//! --all` (for the copy row only). `--baseline BIN` measures another manifold build beside
//! (before/after in one run).
//!
//! Operations per N: `create` (a list of N single-platform images of one repository),
//! `inspect` (a remote list of N), `push` (a local list of N to a new repository of the same
//! registry; skopeo copies the remote list). Each row: the protocol's floor in round trips
//! (`manifold_engine::registry::floor`), each tool's median wall time (min–max), in ms and in
//! RTTs, and manifold's ratio to each peer. Every run uses a fresh list name and destination
//! repository; the tools alternate, rotating each rep. Nothing here is a test.

use manifold_bench::tools::{build_manifold, die, median, tool_version, workspace_root};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manifold_engine::registry::floor::{floor, Link, LinkAuth, Operation};
use manifold_tests::podman::PodmanEnv;
use manifold_tests::{Auth, Format, LatencyProxy, Registry, Seeder, TestEnv, PASSWORD, USER};

const USAGE: &str = "usage: world [--quick] [--rtt MS] [--sizes 2,4,20,50] [--reps 3] \
[--setups plain,basic-tls,token-tls] [--peers docker,podman,buildah,skopeo] [--baseline BIN] \
[--manifold BIN] [--jobs N] [--no-write]";

/// `--jobs`: the `MANIFOLD_JOBS` the manifold builds run with (else their default).
static JOBS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

struct Args {
    rtt: Duration,
    sizes: Vec<usize>,
    reps: usize,
    /// Reps of a peer at N >= 20 (its runs take seconds each).
    peer_reps_big: usize,
    setups: Vec<String>,
    peers: Vec<String>,
    baseline: Option<PathBuf>,
    manifold: Option<PathBuf>,
    write: bool,
    raw: Vec<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        rtt: Duration::from_millis(40),
        sizes: vec![2, 4, 20, 50],
        reps: 5,
        peer_reps_big: 3,
        setups: vec!["plain".into(), "basic-tls".into(), "token-tls".into()],
        peers: vec![
            "docker".into(),
            "podman".into(),
            "buildah".into(),
            "skopeo".into(),
        ],
        baseline: None,
        manifold: std::env::var_os("MANIFOLD_BIN").map(PathBuf::from),
        write: true,
        raw: std::env::args().skip(1).collect(),
    };
    let mut it = std::env::args().skip(1);
    let value = |it: &mut dyn Iterator<Item = String>, f: &str| {
        it.next()
            .unwrap_or_else(|| die(&format!("{f} needs a value\n{USAGE}")))
    };
    let list = |v: String| v.split(',').map(|s| s.trim().to_string()).collect();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                a.sizes = vec![2, 4, 20];
                a.reps = 3;
                a.peer_reps_big = 1;
            }
            "--rtt" => {
                a.rtt = Duration::from_millis(
                    value(&mut it, "--rtt")
                        .parse()
                        .unwrap_or_else(|_| die(USAGE)),
                )
            }
            "--sizes" => {
                a.sizes = value(&mut it, "--sizes")
                    .split(',')
                    .map(|s| s.trim().parse().unwrap_or_else(|_| die(USAGE)))
                    .collect()
            }
            "--reps" => {
                a.reps = value(&mut it, "--reps")
                    .parse()
                    .unwrap_or_else(|_| die(USAGE))
            }
            "--setups" => a.setups = list(value(&mut it, "--setups")),
            "--peers" => a.peers = list(value(&mut it, "--peers")),
            "--baseline" => a.baseline = Some(value(&mut it, "--baseline").into()),
            "--manifold" => a.manifold = Some(value(&mut it, "--manifold").into()),
            "--no-write" => a.write = false,
            "--jobs" => {
                let _ = JOBS.set(value(&mut it, "--jobs"));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            o => die(&format!("unknown argument {o}\n{USAGE}")),
        }
    }
    if a.reps == 0 || a.sizes.is_empty() {
        die(USAGE);
    }
    a.peer_reps_big = a.peer_reps_big.min(a.reps).max(1);
    a
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tool {
    Manifold,
    Baseline,
    Docker,
    Podman,
    Buildah,
    Skopeo,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Manifold => "manifold",
            Tool::Baseline => "manifold (baseline)",
            Tool::Docker => "docker",
            Tool::Podman => "podman",
            Tool::Buildah => "buildah",
            Tool::Skopeo => "skopeo",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Create,
    Inspect,
    Push,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Inspect => "inspect",
            Op::Push => "push (copy for skopeo)",
        }
    }

    fn floor_op(self, n: usize) -> Operation {
        match self {
            Op::Create => Operation::Create { n },
            Op::Inspect => Operation::InspectList { n },
            Op::Push => Operation::PushCrossRepo { n },
        }
    }
}

/// One registry setup behind its latency proxy.
struct Setup {
    link: Link,
    reg: Registry,
    proxy: LatencyProxy,
}

impl Setup {
    fn start(name: &str, rtt: Duration) -> Setup {
        let (auth, link) = match name {
            "plain" => (
                Auth::None,
                Link {
                    tls: false,
                    auth: LinkAuth::Anonymous,
                },
            ),
            "basic-tls" => (
                Auth::BasicTls,
                Link {
                    tls: true,
                    auth: LinkAuth::Basic,
                },
            ),
            "token-tls" => (
                Auth::TokenTls,
                Link {
                    tls: true,
                    auth: LinkAuth::Token,
                },
            ),
            o => die(&format!("unknown setup {o}\n{USAGE}")),
        };
        let reg = Registry::start_far_token(auth, Some(rtt))
            .unwrap_or_else(|| die("docker-registry is not installed"));
        let proxy = LatencyProxy::start(reg.port, rtt);
        Setup { link, reg, proxy }
    }

    /// The far name of the registry (through the proxy).
    fn host(&self) -> String {
        self.proxy.host()
    }

    fn tls(&self) -> bool {
        self.link.tls
    }

    fn authed(&self) -> bool {
        self.link.auth != LinkAuth::Anonymous
    }
}

/// A tool's throw-away environment for one setup.
enum Env {
    Manifold(TestEnv, PathBuf),
    Docker(TestEnv, PathBuf),
    Containers(PodmanEnv, PathBuf, Tool),
}

impl Env {
    fn new(tool: Tool, bin: &Path, s: &Setup) -> Env {
        let host = s.host();
        let auth_json = serde_json::json!({"auths": {host.clone(): {"auth": b64(&format!("{USER}:{PASSWORD}"))}}});
        match tool {
            Tool::Manifold | Tool::Baseline | Tool::Docker => {
                let mut env = TestEnv::new();
                if s.authed() {
                    env.write_docker_config(&auth_json);
                }
                if s.tls() {
                    let d = env.path("certs.d").join(&host);
                    fs::create_dir_all(&d).unwrap();
                    fs::copy(s.reg.ca_file(), d.join("ca.crt")).unwrap();
                    let root = env.path("certs.d");
                    env.set("MANIFOLD_CERTS_D", root);
                }
                if tool == Tool::Docker {
                    Env::Docker(env, bin.to_path_buf())
                } else {
                    Env::Manifold(env, bin.to_path_buf())
                }
            }
            _ => {
                let pe = PodmanEnv::new(&[host]);
                fs::create_dir_all(pe.path("runtime/containers")).unwrap();
                if s.authed() {
                    // REGISTRY_AUTH_FILE, and the default file (podman 4.3's manifest create
                    // reads only that one)
                    fs::write(pe.path("auth.json"), auth_json.to_string()).unwrap();
                    fs::write(
                        pe.path("runtime/containers/auth.json"),
                        auth_json.to_string(),
                    )
                    .unwrap();
                }
                Env::Containers(pe, bin.to_path_buf(), tool)
            }
        }
    }

    fn command(&self, args: &[String]) -> Command {
        let mut c = match self {
            Env::Manifold(e, b) => {
                let mut c = e.command(b);
                if let Some(j) = JOBS.get() {
                    c.env("MANIFOLD_JOBS", j);
                }
                c
            }
            Env::Docker(e, b) => e.command(b),
            Env::Containers(e, b, _) => {
                let mut c = e.command(b);
                c.env("XDG_RUNTIME_DIR", e.path("runtime"));
                c
            }
        };
        c.args(args);
        c
    }

    fn tool(&self) -> Tool {
        match self {
            Env::Manifold(..) => Tool::Manifold,
            Env::Docker(..) => Tool::Docker,
            Env::Containers(_, _, t) => *t,
        }
    }

    /// The arguments of `op` for this tool, or None where it cannot do it.
    fn args(
        &self,
        op: Op,
        s: &Setup,
        list: &str,
        srcs: &[String],
        remote: &str,
    ) -> Option<Vec<String>> {
        let plain = !s.tls();
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        let tool = self.tool();
        let mut a = match (tool, op) {
            (Tool::Manifold, Op::Create) => v(&["create", list]),
            (Tool::Manifold, Op::Inspect) => v(&["inspect", remote]),
            (Tool::Manifold, Op::Push) => v(&["push", list]),
            (Tool::Docker, _) if !plain => return None,
            (Tool::Docker, Op::Create) => v(&["manifest", "create", "--insecure", list]),
            (Tool::Docker, Op::Inspect) => v(&["manifest", "inspect", "--insecure", remote]),
            (Tool::Docker, Op::Push) => v(&["manifest", "push", "--insecure", list]),
            (Tool::Podman | Tool::Buildah, Op::Create) => v(&["manifest", "create", list]),
            (Tool::Podman, Op::Inspect) => v(&["manifest", "inspect", remote]),
            (Tool::Podman | Tool::Buildah, Op::Push) => v(&[
                "manifest",
                "push",
                "-q",
                "--all",
                list,
                &format!("docker://{list}"),
            ]),
            (Tool::Skopeo, Op::Push) => v(&[
                "copy",
                "-q",
                "--all",
                &format!("docker://{remote}"),
                &format!("docker://{list}"),
            ]),
            _ => return None,
        };
        if plain && tool == Tool::Manifold {
            a.insert(1, "--insecure".into());
        }
        match (tool, op) {
            // registries.conf's `insecure` is not enough for these
            (Tool::Podman | Tool::Buildah, Op::Create | Op::Push) => {
                a.insert(2, "--tls-verify=false".into())
            }
            (Tool::Skopeo, _) => {
                a.insert(1, "--src-tls-verify=false".into());
                a.insert(1, "--dest-tls-verify=false".into());
            }
            _ => {}
        }
        if op == Op::Create {
            for src in srcs {
                a.push(match tool {
                    Tool::Podman | Tool::Buildah => format!("docker://{src}"),
                    _ => src.clone(),
                });
            }
        }
        Some(a)
    }
}

fn b64(s: &str) -> String {
    use std::io::Write as _;
    // a tiny base64 (standard alphabet), so the bench needs no crate for one header
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = Vec::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                let _ = out.write_all(b"=");
            }
        }
    }
    String::from_utf8(out).unwrap()
}

struct Run {
    ms: f64,
    code: i32,
    err: String,
}

fn run(cmd: &mut Command) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Run {
        ms: start.elapsed().as_secs_f64() * 1e3,
        code: out.status.code().unwrap_or(-1),
        err: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    }
}

fn find(name: &str) -> Option<PathBuf> {
    ["/usr/local/bin", "/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// Samples per (setup, N, op, tool); a failure's message instead when the tool could not.
type Results = BTreeMap<(String, usize, Op, Tool), Result<Vec<f64>, String>>;

fn main() {
    let args = parse_args();
    let manifold = args.manifold.clone().unwrap_or_else(build_manifold);
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let started = Instant::now();
    let mut tools: Vec<(Tool, PathBuf)> = vec![(Tool::Manifold, manifold.clone())];
    if let Some(b) = &args.baseline {
        tools.push((Tool::Baseline, b.clone()));
    }
    for (name, t) in [
        ("docker", Tool::Docker),
        ("podman", Tool::Podman),
        ("buildah", Tool::Buildah),
        ("skopeo", Tool::Skopeo),
    ] {
        if args.peers.iter().any(|p| p == name) {
            match find(name) {
                Some(p) => tools.push((t, p)),
                None => eprintln!("note: {name} is not installed; its rows are left out"),
            }
        }
    }
    let max_n = *args.sizes.iter().max().unwrap();
    let mut results: Results = BTreeMap::new();
    let mut floors: BTreeMap<(String, usize, Op), (u32, String)> = BTreeMap::new();
    let rtt_ms = args.rtt.as_secs_f64() * 1e3;
    for setup_name in &args.setups {
        let s = Setup::start(setup_name, args.rtt);
        eprintln!(
            "{setup_name}: registry {} behind {} (RTT {rtt_ms} ms); seeding {max_n} images",
            s.reg.host(),
            s.host()
        );
        let seeder = Seeder::new(&s.reg);
        let far = s.host();
        let mut srcs = Vec::new();
        for i in 0..max_n {
            let platform = if i % 2 == 0 {
                "linux/amd64"
            } else {
                "linux/arm64"
            };
            seeder.image(
                "bench",
                Some(&format!("img{i}")),
                platform,
                Format::Docker,
                i as u32,
            );
            srcs.push(format!("{far}/bench:img{i}"));
        }
        let envs: Vec<(Tool, Env)> = tools
            .iter()
            .map(|(t, b)| {
                let mut e = Env::new(*t, b, &s);
                if *t == Tool::Baseline {
                    // the same commands as manifold's
                    if let Env::Manifold(te, b) = e {
                        e = Env::Manifold(te, b)
                    }
                }
                (*t, e)
            })
            .collect();
        // a manifold of its own makes the remote lists (so no tool holds them locally)
        let seed_env = Env::new(Tool::Manifold, &manifold, &s);
        let manifold_env = &seed_env;
        for &n in &args.sizes {
            let srcs = &srcs[..n];
            // the remote list every tool inspects (and skopeo copies), pushed once untimed
            let remote = format!("{far}/bench-list:n{n}");
            let a = manifold_env
                .args(Op::Create, &s, &remote, srcs, &remote)
                .unwrap();
            let r = run(&mut manifold_env.command(&a));
            assert_eq!(r.code, 0, "seeding list: {}", r.err);
            let a = manifold_env
                .args(Op::Push, &s, &remote, srcs, &remote)
                .unwrap();
            let r = run(&mut manifold_env.command(&a));
            assert_eq!(r.code, 0, "pushing list: {}", r.err);
            for op in [Op::Create, Op::Inspect, Op::Push] {
                let f = floor(op.floor_op(n), s.link, None);
                floors.insert((setup_name.clone(), n, op), (f.round_trips(), f.describe()));
                for rep in 0..=args.reps {
                    for k in 0..envs.len() {
                        let (tool, env) = &envs[(k + rep) % envs.len()];
                        let key = (setup_name.clone(), n, op, *tool);
                        let peer = !matches!(tool, Tool::Manifold | Tool::Baseline);
                        let reps = if peer && n >= 20 {
                            args.peer_reps_big
                        } else {
                            args.reps
                        };
                        let big_peer = peer && n >= 20;
                        if (big_peer && rep >= reps) || rep > reps {
                            continue;
                        }
                        if matches!(results.get(&key), Some(Err(_))) {
                            continue;
                        }
                        let tag = format!("t{}-r{rep}-n{n}", *tool as u8);
                        let list = match op {
                            Op::Push => format!("{far}/out-{}-r{rep}:n{n}", *tool as u8),
                            _ => format!("{far}/local:{tag}"),
                        };
                        let Some(a) = env.args(op, &s, &list, srcs, &remote) else {
                            continue;
                        };
                        if op == Op::Push && *tool != Tool::Skopeo {
                            // a local list to push: made untimed
                            let c = env.args(Op::Create, &s, &list, srcs, &remote).unwrap();
                            let r = run(&mut env.command(&c));
                            if r.code != 0 {
                                results.insert(
                                    key,
                                    Err(format!("create failed: {}", first_line(&r.err))),
                                );
                                continue;
                            }
                        }
                        let r = run(&mut env.command(&a));
                        if r.code != 0 {
                            eprintln!("  {} {} N={n} failed: {}", tool.name(), op.name(), r.err);
                            results.insert(key, Err(first_line(&r.err)));
                            continue;
                        }
                        if rep > 0 || big_peer {
                            if let Ok(v) = results.entry(key).or_insert_with(|| Ok(Vec::new())) {
                                v.push(r.ms);
                            }
                        }
                    }
                }
                let m = results.get(&(setup_name.clone(), n, op, Tool::Manifold));
                if let Some(Ok(v)) = m {
                    eprintln!(
                        "  {setup_name} N={n} {}: manifold {:.0} ms = {:.1} RTT (floor {})",
                        op.name(),
                        median(v.clone()),
                        median(v.clone()) / rtt_ms,
                        floors[&(setup_name.clone(), n, op)].0
                    );
                }
            }
        }
        // what is measured so far, so a long run interrupted keeps its finished setups
        let partial = report(
            &args,
            &results,
            &floors,
            &tools,
            rtt_ms,
            &load_before,
            &fs::read_to_string("/proc/loadavg").unwrap_or_default(),
            &[],
            started.elapsed(),
        );
        if args.write {
            write_section(&workspace_root().join("bench/RESULTS.md"), &partial);
        }
    }
    let load_after = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut versions = vec![format!(
        "manifold {}",
        tool_version(&manifold, &["--version"])
    )];
    for (t, b) in &tools[1..] {
        versions.push(format!("{}: {}", t.name(), tool_version(b, &["--version"])));
    }
    let report = report(
        &args,
        &results,
        &floors,
        &tools,
        rtt_ms,
        &load_before,
        &load_after,
        &versions,
        started.elapsed(),
    );
    println!("{report}");
    if args.write {
        write_section(&workspace_root().join("bench/RESULTS.md"), &report);
    }
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or("").chars().take(160).collect()
}

#[allow(clippy::too_many_arguments)]
fn report(
    args: &Args,
    results: &Results,
    floors: &BTreeMap<(String, usize, Op), (u32, String)>,
    tools: &[(Tool, PathBuf)],
    rtt_ms: f64,
    load_before: &str,
    load_after: &str,
    versions: &[String],
    took: Duration,
) -> String {
    let mut o = String::new();
    let sh = |c: &str| {
        Command::new("sh")
            .args(["-c", c])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let _ = writeln!(o, "## Where users are: a registry {rtt_ms:.0} ms away\n");
    let _ = writeln!(o, "Written by `bench/src/bin/world.rs` (`cargo run --release -p manifold-bench --bin world -- {}`).\n", args.raw.join(" "));
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
        load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        load_after
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        took.as_secs_f64()
    );
    let _ = writeln!(o, "- Tools: {}", versions.join("; "));
    let _ = writeln!(o, "- Method: the test harness's latency proxy in front of `docker-registry` (every byte delivered {:.0} ms after it was sent, each way; a new connection costs one RTT before its first byte), the token endpoint behind a proxy of its own; {} timed runs per manifold row after one warm-up ({} without warm-up for a peer at N >= 20), tools alternating; medians; wall = spawn to exit; `RTT` = wall / {rtt_ms:.0} ms. Floor = the protocol's critical path in round trips (`engine/src/registry/floor.rs`, unbounded width). Peers verify nothing on TLS setups (registries.conf `insecure`); manifold verifies against the registry's CA (certs.d). docker cannot use TLS with a loopback registry, so it has plain rows only.\n", rtt_ms / 2.0, args.reps, args.peer_reps_big);
    let peers: Vec<Tool> = tools
        .iter()
        .map(|t| t.0)
        .filter(|t| *t != Tool::Manifold)
        .collect();
    let _ = write!(o, "| setup | N | operation | floor RTT | manifold ms (min–max) | manifold RTT | manifold / floor |");
    for p in &peers {
        let _ = write!(o, " {} ms | manifold / {} |", p.name(), p.name());
    }
    let _ = writeln!(o);
    let _ = write!(o, "|---|---:|---|---:|---:|---:|---:|");
    for _ in &peers {
        let _ = write!(o, "---:|---:|");
    }
    let _ = writeln!(o);
    let mut keys: Vec<&(String, usize, Op)> = floors.keys().collect();
    keys.sort_by_key(|k| (args.setups.iter().position(|s| *s == k.0), k.1, k.2));
    for k in keys {
        let (f, _) = &floors[k];
        let get = |t: Tool| results.get(&(k.0.clone(), k.1, k.2, t));
        let m = match get(Tool::Manifold) {
            Some(Ok(v)) if !v.is_empty() => v.clone(),
            _ => continue,
        };
        let mm = median(m.clone());
        let lo = m.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = m.iter().cloned().fold(0.0, f64::max);
        let _ = write!(
            o,
            "| {} | {} | {} | {} | {mm:.0} ({lo:.0}–{hi:.0}) | {:.1} | {:.2} |",
            k.0,
            k.1,
            k.2.name(),
            f,
            mm / rtt_ms,
            mm / rtt_ms / *f as f64
        );
        for p in &peers {
            match get(*p) {
                Some(Ok(v)) if !v.is_empty() => {
                    let pm = median(v.clone());
                    let _ = write!(o, " {pm:.0} | **{:.3}** |", mm / pm);
                }
                Some(Err(e)) => {
                    let _ = write!(o, " fails: {} | – |", e.replace('|', "/"));
                }
                _ => {
                    let why = if *p == Tool::Docker && k.0 != "plain" {
                        "no TLS on loopback"
                    } else {
                        "–"
                    };
                    let _ = write!(o, " {why} | – |");
                }
            }
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "\nFloors: {}", {
        let mut seen = Vec::new();
        for ((setup, n, op), (_, d)) in floors {
            if *n == args.sizes[0] {
                seen.push(format!("{setup} {}: {d}", op.name()));
            }
        }
        seen.join("; ")
    });
    o
}

/// Replaces the text between this bench's markers in RESULTS.md (appending them the first
/// time), leaving what other benches wrote.
fn write_section(path: &Path, report: &str) {
    const BEGIN: &str = "<!-- world:begin -->";
    const END: &str = "<!-- world:end -->";
    let old = fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{report}{END}\n");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!(
            "{}{block}{}",
            &old[..b],
            old[e + END.len()..].trim_start_matches('\n')
        ),
        _ => format!("{}\n{block}", old.trim_end()),
    };
    fs::write(path, new).expect("write RESULTS.md");
    eprintln!("wrote {}", path.display());
}
