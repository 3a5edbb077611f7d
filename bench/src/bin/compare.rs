//! manifold against `docker manifest` (and `podman manifest` when installed) on a real local
//! registry, and against the network floor. One command, from the workspace root:
//!
//! ```text
//! cargo run --release -p manifold-bench --bin compare
//! cargo run --release -p manifold-bench --bin compare -- --sizes 2,10,50 --reps 7
//! ```
//!
//! It builds the `manifold` binary in the same profile, starts Debian's `docker-registry` on a
//! free loopback port (the `manifold-tests` harness), seeds the largest N single-platform Docker
//! v2s2 images (one layer each, amd64 and arm64 alternating) into `bench`, then for every N:
//!
//! - **create**: `manifest create --insecure LIST img1..imgN` (LIST removed before each run);
//! - **push-cross**: `manifest push --insecure LIST` of a list to a new repository (blob mounts,
//!   member manifests, the list);
//! - **inspect-remote**: `manifest inspect --insecure LIST` of a pushed list;
//! - **floor**: the 2N requests create cannot do without (each image's manifest and config) as
//!   one `curl --parallel --parallel-max 8` run on kept-alive connections.
//!
//! Every row is the median over `--reps` timed runs after one warm-up, the tools alternating
//! (the order rotates every rep), so machine load hits all tools alike. Wall time is spawn to
//! `wait4`; peak RSS is the child's `ru_maxrss`; requests are the registry's access-log lines
//! written during the run. Start-up is `--version` of each tool. Results go to
//! `bench/RESULTS.md` (a `## Notes` section written by hand there is kept) and
//! `bench/README-table.md`. Nothing here is a test: no duration is ever asserted.

use manifold_bench::tools::{build_manifold, die, median, sh, tool_version, workspace_root};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manifold_tests::registry::parse_access_log;
use manifold_tests::{Auth, Format, Registry, RequestLine, Seeder, TestEnv};

const USAGE: &str = "usage: compare [--sizes 2,10,50,200] [--reps 5] [--startup-reps 20] \
[--jobs N] [--no-docker] [--no-podman] [--out FILE] [--table FILE] [--manifold BIN]";

struct Args {
    sizes: Vec<usize>,
    reps: usize,
    startup_reps: usize,
    no_docker: bool,
    no_podman: bool,
    out: PathBuf,
    table: PathBuf,
    manifold: Option<PathBuf>,
    raw: Vec<String>,
}

fn parse_args() -> Args {
    let root = workspace_root();
    let mut a = Args {
        sizes: vec![2, 10, 50, 200],
        reps: 5,
        startup_reps: 20,
        no_docker: false,
        no_podman: false,
        out: root.join("bench/RESULTS.md"),
        table: root.join("bench/README-table.md"),
        manifold: std::env::var_os("MANIFOLD_BIN").map(PathBuf::from),
        raw: std::env::args().skip(1).collect(),
    };
    let mut it = std::env::args().skip(1);
    let value = |it: &mut dyn Iterator<Item = String>, flag: &str| {
        it.next()
            .unwrap_or_else(|| die(&format!("{flag} needs a value\n{USAGE}")))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--sizes" => {
                a.sizes = value(&mut it, "--sizes")
                    .split(',')
                    .map(|s| s.trim().parse().unwrap_or_else(|_| die(USAGE)))
                    .collect();
                a.sizes.sort_unstable();
                a.sizes.dedup();
            }
            "--reps" => {
                a.reps = value(&mut it, "--reps")
                    .parse()
                    .unwrap_or_else(|_| die(USAGE))
            }
            "--startup-reps" => {
                a.startup_reps = value(&mut it, "--startup-reps")
                    .parse()
                    .unwrap_or_else(|_| die(USAGE))
            }
            "--no-docker" => a.no_docker = true,
            "--no-podman" => a.no_podman = true,
            "--out" => a.out = PathBuf::from(value(&mut it, "--out")),
            "--table" => a.table = PathBuf::from(value(&mut it, "--table")),
            "--manifold" => a.manifold = Some(PathBuf::from(value(&mut it, "--manifold"))),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => die(&format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.reps == 0 || a.sizes.is_empty() || a.sizes[0] == 0 {
        die(USAGE);
    }
    a
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Tool {
    Manifold,
    Docker,
    Podman,
    /// The network floor: curl --parallel on kept-alive connections.
    Floor,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Manifold => "manifold",
            Tool::Docker => "docker",
            Tool::Podman => "podman",
            Tool::Floor => "floor (curl)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Op {
    Create,
    PushCross,
    InspectRemote,
    Startup,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::PushCross => "push-cross",
            Op::InspectRemote => "inspect-remote",
            Op::Startup => "start-up (--version)",
        }
    }
}

/// One timed child process.
struct Run {
    wall: Duration,
    rss_kb: u64,
    /// The child's user + system CPU time.
    cpu_ms: f64,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Spawns `cmd` and waits for it with `wait4`: wall time from spawn to reaping, and the
/// child's peak RSS. Output goes to files in `scratch` (no pipe can fill up and stall it).
fn run_timed(cmd: &mut Command, scratch: &Path) -> Run {
    let out_p = scratch.join("stdout");
    let err_p = scratch.join("stderr");
    let out = fs::File::create(&out_p).expect("stdout file");
    let err = fs::File::create(&err_p).expect("stderr file");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let start = Instant::now();
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child); // already reaped; dropping a Child neither waits nor kills
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    Run {
        wall,
        rss_kb: ru.ru_maxrss as u64,
        cpu_ms: tv(ru.ru_utime) + tv(ru.ru_stime),
        code,
        stdout: fs::read_to_string(&out_p).unwrap_or_default(),
        stderr: fs::read_to_string(&err_p).unwrap_or_default(),
    }
}

/// The access log, read incrementally.
struct Log {
    path: PathBuf,
    offset: u64,
}

impl Log {
    fn new(reg: &Registry) -> Log {
        let path = reg.dir.path().join("registry.log");
        let offset = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Log { path, offset }
    }

    fn len(&self) -> u64 {
        fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }

    /// Skips everything logged so far.
    fn mark(&mut self) {
        self.offset = self.len();
    }

    /// The requests logged since the mark, once the log has stopped growing (the registry
    /// writes a line after the response, so a line may land just after the client is done).
    fn since_mark(&mut self) -> Vec<RequestLine> {
        let mut last = self.len();
        loop {
            std::thread::sleep(Duration::from_millis(25));
            let now = self.len();
            if now == last {
                break;
            }
            last = now;
        }
        let mut f = fs::File::open(&self.path).expect("registry log");
        f.seek(SeekFrom::Start(self.offset)).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        self.offset += text.len() as u64;
        parse_access_log(&text)
    }
}

/// The registry process's CPU time (user + system), to show how much of a run's wall time the
/// registry itself needs: on a loaded 2-core machine it is the floor of every tool.
struct RegistryCpu {
    stat: Option<PathBuf>,
    tick_ms: f64,
}

impl RegistryCpu {
    fn find(reg: &Registry) -> RegistryCpu {
        let dir = reg.dir.path().to_string_lossy().into_owned();
        let stat = fs::read_dir("/proc").ok().and_then(|rd| {
            rd.flatten().find_map(|e| {
                let cmd = fs::read(e.path().join("cmdline")).ok()?;
                let cmd = String::from_utf8_lossy(&cmd);
                (cmd.contains("serve") && cmd.contains(&dir)).then(|| e.path().join("stat"))
            })
        });
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        RegistryCpu {
            stat,
            tick_ms: 1000.0 / hz,
        }
    }

    /// CPU milliseconds used so far (clock-tick resolution), or 0 when unknown.
    fn ms(&self) -> f64 {
        let Some(text) = self.stat.as_ref().and_then(|p| fs::read_to_string(p).ok()) else {
            return 0.0;
        };
        // fields after the parenthesised command name: state is field 3, utime 14, stime 15
        let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| {
            f.get(i - 3)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (tick(14) + tick(15)) * self.tick_ms
    }
}

/// What the requests of one run were.
#[derive(Clone, Debug, Default)]
struct Requests {
    total: usize,
    /// `GET /v2/`.
    pings: usize,
    /// GET or HEAD of a path already fetched in the same run.
    repeats: usize,
    /// Count per kind (`GET manifest`, `POST blob upload`, ...).
    kinds: BTreeMap<String, usize>,
}

fn analyse(lines: &[RequestLine]) -> Requests {
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut r = Requests {
        total: lines.len(),
        ..Default::default()
    };
    for l in lines {
        if l.method == "GET" && l.path == "/v2/" {
            r.pings += 1;
        }
        if (l.method == "GET" || l.method == "HEAD") && l.path != "/v2/" {
            let n = seen.entry((&l.method, &l.path)).or_default();
            if *n > 0 {
                r.repeats += 1;
            }
            *n += 1;
        }
        let what = if l.path == "/v2/" {
            "/v2/"
        } else if l.path.contains("/manifests/") {
            "manifest"
        } else if l.path.contains("/blobs/uploads/") {
            if l.path.contains("mount=") {
                "blob mount"
            } else {
                "blob upload"
            }
        } else if l.path.contains("/blobs/") {
            "blob"
        } else {
            "other"
        };
        *r.kinds.entry(format!("{} {what}", l.method)).or_default() += 1;
    }
    r
}

struct Sample {
    ms: f64,
    rss_kb: u64,
    req: Requests,
    /// The registry's CPU time during the run.
    registry_ms: f64,
    /// The tool's own CPU time.
    cpu_ms: f64,
}

/// A tool's throw-away environment (HOME, DOCKER_CONFIG, podman's config files).
struct ToolEnv {
    tool: Tool,
    bin: PathBuf,
    env: TestEnv,
}

impl ToolEnv {
    fn new(tool: Tool, bin: PathBuf, registry_host: &str) -> ToolEnv {
        let env = TestEnv::new();
        if tool == Tool::Podman {
            let d = env.dir.path();
            for sub in [
                "podman/root",
                "podman/runroot",
                "podman/tmp",
                "podman/networks",
            ] {
                fs::create_dir_all(d.join(sub)).unwrap();
            }
            let p = d.join("podman");
            fs::write(
                p.join("storage.conf"),
                format!(
                    "[storage]\ndriver = \"vfs\"\nrunroot = \"{}\"\ngraphroot = \"{}\"\n",
                    p.join("runroot").display(),
                    p.join("root").display()
                ),
            )
            .unwrap();
            fs::write(
                p.join("containers.conf"),
                format!(
                    "[engine]\ntmp_dir = \"{}\"\nevents_logger = \"none\"\n[network]\nnetwork_config_dir = \"{}\"\n",
                    p.join("tmp").display(),
                    p.join("networks").display()
                ),
            )
            .unwrap();
            fs::write(
                p.join("registries.conf"),
                format!(
                    "unqualified-search-registries = []\n[[registry]]\nlocation = \"{registry_host}\"\ninsecure = true\n"
                ),
            )
            .unwrap();
            fs::write(p.join("auth.json"), "{\"auths\": {}}").unwrap();
        }
        ToolEnv { tool, bin, env }
    }

    fn command(&self, args: &[String]) -> Command {
        let mut c = self.env.command(&self.bin);
        if self.tool == Tool::Podman {
            let p = self.env.dir.path().join("podman");
            c.env("CONTAINERS_STORAGE_CONF", p.join("storage.conf"))
                .env("CONTAINERS_CONF", p.join("containers.conf"))
                .env("CONTAINERS_REGISTRIES_CONF", p.join("registries.conf"))
                .env("REGISTRY_AUTH_FILE", p.join("auth.json"));
        }
        c.args(args);
        c
    }

    fn scratch(&self) -> PathBuf {
        self.env.path("home")
    }

    /// Runs an untimed step; panics when it fails.
    fn must(&self, args: &[String]) {
        let r = run_timed(&mut self.command(args), &self.scratch());
        assert!(
            r.code == 0,
            "{} {:?} failed ({}):\n{}{}",
            self.tool.name(),
            args,
            r.code,
            r.stdout,
            r.stderr
        );
    }

    /// Runs an untimed step whose failure does not matter (removing a list that may be absent).
    fn try_run(&self, args: &[String]) {
        let _ = run_timed(&mut self.command(args), &self.scratch());
    }

    fn manifest_args(&self, rest: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        if self.tool != Tool::Manifold {
            v.push("manifest".into());
        }
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    fn create_args(&self, list: &str, srcs: &[String]) -> Vec<String> {
        let mut v = match self.tool {
            Tool::Podman => self.manifest_args(&["create", "--tls-verify=false", list]),
            _ => self.manifest_args(&["create", "--insecure", list]),
        };
        for s in srcs {
            v.push(if self.tool == Tool::Podman {
                format!("docker://{s}")
            } else {
                s.clone()
            });
        }
        v
    }

    fn push_args(&self, list: &str) -> Vec<String> {
        match self.tool {
            Tool::Podman => self.manifest_args(&[
                "push",
                "--tls-verify=false",
                "-q",
                "--all",
                list,
                &format!("docker://{list}"),
            ]),
            _ => self.manifest_args(&["push", "--insecure", list]),
        }
    }

    fn inspect_args(&self, list: &str) -> Vec<String> {
        match self.tool {
            // podman inspects a name it does not hold locally from the registry
            Tool::Podman => self.manifest_args(&["inspect", "--tls-verify=false", list]),
            _ => self.manifest_args(&["inspect", "--insecure", list]),
        }
    }

    fn rm_args(&self, list: &str) -> Vec<String> {
        self.manifest_args(&["rm", list])
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    for dir in ["/usr/local/bin", "/usr/bin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.exists())
    })
}

/// The seeded images: references and the URLs of each one's manifest and config.
struct Images {
    refs: Vec<String>,
    manifest_urls: Vec<String>,
    config_urls: Vec<String>,
}

fn seed(reg: &Registry, n: usize) -> Images {
    let host = reg.host();
    let base = reg.base_url();
    let threads = 4;
    let mut seeded: Vec<Option<(String, String, String)>> = vec![None; n];
    std::thread::scope(|s| {
        let chunks: Vec<_> = seeded.chunks_mut(n.div_ceil(threads)).enumerate().collect();
        let per = n.div_ceil(threads);
        for (c, chunk) in chunks {
            let host = &host;
            let base = &base;
            s.spawn(move || {
                let seeder = Seeder::new(reg);
                for (j, slot) in chunk.iter_mut().enumerate() {
                    let i = c * per + j;
                    let platform = if i % 2 == 0 {
                        "linux/amd64"
                    } else {
                        "linux/arm64"
                    };
                    let tag = format!("img{i}");
                    let img = seeder.image("bench", Some(&tag), platform, Format::Docker, i as u32);
                    let m: serde_json::Value = serde_json::from_slice(&img.bytes).unwrap();
                    let config = m["config"]["digest"].as_str().unwrap().to_string();
                    *slot = Some((
                        format!("{host}/bench:{tag}"),
                        format!("{base}/v2/bench/manifests/{tag}"),
                        format!("{base}/v2/bench/blobs/{config}"),
                    ));
                }
            });
        }
    });
    let mut imgs = Images {
        refs: vec![],
        manifest_urls: vec![],
        config_urls: vec![],
    };
    for (r, m, c) in seeded.into_iter().map(Option::unwrap) {
        imgs.refs.push(r);
        imgs.manifest_urls.push(m);
        imgs.config_urls.push(c);
    }
    imgs
}

const ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

/// A curl config that GETs each manifest and config once, up to 8 at a time, on kept-alive
/// connections.
fn floor_config(dir: &Path, imgs: &Images, n: usize) -> PathBuf {
    let mut s = format!("silent\nfail\nheader = \"Accept: {ACCEPT}\"\n");
    for i in 0..n {
        for u in [&imgs.manifest_urls[i], &imgs.config_urls[i]] {
            let _ = writeln!(s, "url = \"{u}\"\noutput = \"/dev/null\"");
        }
    }
    let p = dir.join(format!("floor-{n}.curl"));
    fs::write(&p, s).unwrap();
    p
}

struct Stats {
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    rss_mib: f64,
    /// Median registry CPU ms during the run.
    registry_ms: f64,
    /// Median CPU ms of the tool itself.
    cpu_ms: f64,
    /// The request counts seen (one value when every run made the same requests).
    requests: Vec<usize>,
    pings: usize,
    repeats: usize,
    kinds: BTreeMap<String, usize>,
}

fn stats(samples: &[Sample]) -> Stats {
    let ms: Vec<f64> = samples.iter().map(|s| s.ms).collect();
    let mut requests: Vec<usize> = samples.iter().map(|s| s.req.total).collect();
    requests.sort_unstable();
    requests.dedup();
    Stats {
        median_ms: median(ms.clone()),
        min_ms: ms.iter().cloned().fold(f64::INFINITY, f64::min),
        max_ms: ms.iter().cloned().fold(0.0, f64::max),
        rss_mib: median(samples.iter().map(|s| s.rss_kb as f64 / 1024.0).collect()),
        registry_ms: median(samples.iter().map(|s| s.registry_ms).collect()),
        cpu_ms: median(samples.iter().map(|s| s.cpu_ms).collect()),
        requests,
        pings: samples.iter().map(|s| s.req.pings).max().unwrap_or(0),
        repeats: samples.iter().map(|s| s.req.repeats).max().unwrap_or(0),
        kinds: samples
            .last()
            .map(|s| s.req.kinds.clone())
            .unwrap_or_default(),
    }
}

type Results = BTreeMap<(usize, Op, Tool), Vec<Sample>>;

fn main() {
    let args = parse_args();
    let manifold = args.manifold.clone().unwrap_or_else(build_manifold);
    let docker = if args.no_docker {
        None
    } else {
        find_on_path("docker")
    };
    let podman = if args.no_podman {
        None
    } else {
        find_on_path("podman")
    };
    let curl = find_on_path("curl").unwrap_or_else(|| die("curl is needed for the network floor"));
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let date = sh("date -u '+%Y-%m-%d %H:%M UTC'");

    let reg = Registry::start(Auth::None).unwrap_or_else(|| {
        die("docker-registry is not installed (apt-get install docker-registry)")
    });
    let host = reg.host();
    let max_n = *args.sizes.last().unwrap();
    eprintln!("registry on {host}; seeding {max_n} images ...");
    let t = Instant::now();
    let imgs = seed(&reg, max_n);
    let seed_ms = t.elapsed().as_millis();
    eprintln!("seeded in {seed_ms} ms");

    let mut tools = vec![ToolEnv::new(Tool::Manifold, manifold.clone(), &host)];
    if let Some(d) = &docker {
        tools.push(ToolEnv::new(Tool::Docker, d.clone(), &host));
    }
    if let Some(p) = &podman {
        let pe = ToolEnv::new(Tool::Podman, p.clone(), &host);
        let probe = format!("{host}/probe:v1");
        let r = run_timed(
            &mut pe.command(&pe.manifest_args(&["create", &probe])),
            &pe.scratch(),
        );
        if r.code == 0 {
            pe.try_run(&pe.rm_args(&probe));
            tools.push(pe);
        } else {
            eprintln!("podman is installed but unusable here: {}", r.stderr.trim());
        }
    }
    let floor_env = ToolEnv::new(Tool::Floor, curl.clone(), &host);
    let mut log = Log::new(&reg);
    let reg_cpu = RegistryCpu::find(&reg);
    if reg_cpu.stat.is_none() {
        eprintln!(
            "note: the registry process was not found in /proc; its CPU time is not reported"
        );
    }
    let mut results: Results = BTreeMap::new();

    // Start-up: --version, alternating.
    eprintln!("start-up ...");
    for rep in 0..=args.startup_reps {
        for k in 0..tools.len() {
            let te = &tools[(k + rep) % tools.len()];
            let r = run_timed(&mut te.command(&["--version".to_string()]), &te.scratch());
            assert_eq!(r.code, 0, "{} --version: {}", te.tool.name(), r.stderr);
            if rep > 0 {
                results
                    .entry((0, Op::Startup, te.tool))
                    .or_default()
                    .push(Sample {
                        ms: r.wall.as_secs_f64() * 1e3,
                        rss_kb: r.rss_kb,
                        req: Requests::default(),
                        registry_ms: 0.0,
                        cpu_ms: r.cpu_ms,
                    });
            }
        }
    }

    for &n in &args.sizes {
        let srcs = &imgs.refs[..n];
        let floor_cfg = floor_config(floor_env.env.dir.path(), &imgs, n);
        for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
            eprintln!("N={n} {} ...", op.name());
            // The pushed list every tool inspects: pushed once by manifold, untimed.
            let inspected = format!("{host}/inspect{n}:list");
            if op == Op::InspectRemote {
                let m = &tools[0];
                m.try_run(&m.rm_args(&inspected));
                m.must(&m.create_args(&inspected, srcs));
                m.must(&m.push_args(&inspected));
                m.try_run(&m.rm_args(&inspected));
            }
            let mut lineup: Vec<&ToolEnv> = tools.iter().collect();
            if op == Op::Create {
                lineup.push(&floor_env);
            }
            for rep in 0..=args.reps {
                for k in 0..lineup.len() {
                    let te = lineup[(k + rep) % lineup.len()];
                    let tool = te.tool;
                    let tag = tool.name().split(' ').next().unwrap();
                    let cmd_args: Vec<String> = match (op, tool) {
                        (Op::Create, Tool::Floor) => vec![
                            "--parallel".into(),
                            "--parallel-max".into(),
                            "8".into(),
                            "-K".into(),
                            floor_cfg.display().to_string(),
                        ],
                        (Op::Create, _) => {
                            let list = format!("{host}/bench:list{n}");
                            te.try_run(&te.rm_args(&list));
                            te.create_args(&list, srcs)
                        }
                        (Op::PushCross, _) => {
                            let list = format!("{host}/x{n}-{tag}-r{rep}:list");
                            te.try_run(&te.rm_args(&list));
                            te.must(&te.create_args(&list, srcs));
                            te.push_args(&list)
                        }
                        (Op::InspectRemote, _) => te.inspect_args(&inspected),
                        (Op::Startup, _) => unreachable!(),
                    };
                    log.mark();
                    let cpu0 = reg_cpu.ms();
                    let r = run_timed(&mut te.command(&cmd_args), &te.scratch());
                    let req = analyse(&log.since_mark());
                    let registry_ms = reg_cpu.ms() - cpu0;
                    assert!(
                        r.code == 0,
                        "N={n} {} {}: exit {}\n{}{}",
                        op.name(),
                        tool.name(),
                        r.code,
                        r.stdout,
                        r.stderr
                    );
                    if op == Op::PushCross {
                        te.try_run(&te.rm_args(&format!("{host}/x{n}-{tag}-r{rep}:list")));
                    }
                    if rep > 0 {
                        results.entry((n, op, tool)).or_default().push(Sample {
                            ms: r.wall.as_secs_f64() * 1e3,
                            rss_kb: r.rss_kb,
                            req,
                            registry_ms,
                            cpu_ms: r.cpu_ms,
                        });
                    }
                }
            }
        }
    }
    let load_after = fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let env = Environment {
        date,
        load_before: load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        load_after: load_after
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        seed_ms,
        manifold: tool_version(&manifold, &["--version"]),
        docker: docker
            .as_ref()
            .map(|d| tool_version(d, &["--version"]))
            .unwrap_or_else(|| "not installed".into()),
        podman: if tools.iter().any(|t| t.tool == Tool::Podman) {
            tool_version(podman.as_ref().unwrap(), &["--version"])
        } else if podman.is_some() {
            "installed but unusable here (see stderr of the run)".into()
        } else {
            "not installed".into()
        },
        curl: tool_version(&curl, &["--version"]),
        registry: tool_version(&manifold_tests::registry::registry_bin(), &["--version"]),
    };
    let report = render(&args, &env, &results);
    let table = render_table(&args, &env, &results);
    print!("{report}");
    let notes = fs::read_to_string(&args.out)
        .ok()
        .and_then(|old| old.find("\n## Notes").map(|i| old[i..].to_string()))
        .unwrap_or_default();
    fs::write(&args.out, format!("{report}{notes}")).expect("write results");
    fs::write(&args.table, table).expect("write table");
    eprintln!("wrote {} and {}", args.out.display(), args.table.display());
}

struct Environment {
    date: String,
    load_before: String,
    load_after: String,
    seed_ms: u128,
    manifold: String,
    docker: String,
    podman: String,
    curl: String,
    registry: String,
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.3}", a / b)
    } else {
        "–".into()
    }
}

fn reqs(s: &Stats) -> String {
    s.requests
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn get(results: &Results, n: usize, op: Op, tool: Tool) -> Option<Stats> {
    results.get(&(n, op, tool)).map(|v| stats(v))
}

fn command_line(args: &Args) -> String {
    let mut c = "cargo run --release -p manifold-bench --bin compare".to_string();
    if !args.raw.is_empty() {
        c.push_str(" -- ");
        c.push_str(&args.raw.join(" "));
    }
    c
}

fn render(args: &Args, env: &Environment, results: &Results) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# manifold against docker manifest: results\n");
    let _ = writeln!(
        o,
        "Written by `bench/src/bin/compare.rs`; rerun with the command below (a `## Notes` section at the end is kept).\n"
    );
    let _ = writeln!(o, "- Date: {}", env.date);
    let _ = writeln!(
        o,
        "- Machine: {} cores ({}), kernel {}; load average {} before, {} after",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        env.load_before,
        env.load_after
    );
    let _ = writeln!(
        o,
        "- Tools: {}; {}; podman: {}; {}; registry: {} (filesystem storage in a temp dir, plain HTTP on 127.0.0.1, no auth)",
        env.manifold, env.docker, env.podman, env.curl, env.registry
    );
    let _ = writeln!(o, "- Command: `{}`", command_line(args));
    let _ = writeln!(
        o,
        "- Git: {}",
        sh(&format!(
            "cd '{}' && git rev-parse --short HEAD && (git status --porcelain | grep -q . && echo '(with uncommitted changes)')",
            workspace_root().display()
        ))
        .replace('\n', " ")
    );
    let _ = writeln!(
        o,
        "- Images: {} single-platform Docker v2s2 images (1 layer + config, linux/amd64 and linux/arm64 alternating) seeded into `bench` in {} ms; a list of N uses the first N",
        args.sizes.last().unwrap(),
        env.seed_ms
    );
    let _ = writeln!(
        o,
        "- Method: {} timed runs per row after 1 warm-up, the tools alternating; wall = spawn to wait4; RSS = the child's ru_maxrss (median); requests = registry access-log lines during the run. Floor = `curl --parallel --parallel-max 8` GETting each image's manifest and config (2N requests) on kept-alive connections, process start included. manifold runs with its default widths ({} requests at once).\n",
        args.reps,
        manifold_engine::registry::width::REQUESTS
    );

    // Start-up.
    let _ = writeln!(o, "## Start-up: `--version`\n");
    let _ = writeln!(o, "{} runs each after 1 warm-up.\n", args.startup_reps);
    let _ = writeln!(
        o,
        "| tool | median ms | min ms | max ms | peak RSS MiB | CPU ms |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
    for tool in [Tool::Manifold, Tool::Docker, Tool::Podman] {
        if let Some(s) = get(results, 0, Op::Startup, tool) {
            let _ = writeln!(
                o,
                "| {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} |",
                tool.name(),
                s.median_ms,
                s.min_ms,
                s.max_ms,
                s.rss_mib,
                s.cpu_ms
            );
        }
    }
    let m = get(results, 0, Op::Startup, Tool::Manifold);
    let d = get(results, 0, Op::Startup, Tool::Docker);
    if let (Some(m), Some(d)) = (&m, &d) {
        let _ = writeln!(
            o,
            "\nmanifold/docker start-up: **{}** (RSS {})\n",
            ratio(m.median_ms, d.median_ms),
            ratio(m.rss_mib, d.rss_mib)
        );
    }

    // Operations.
    let _ = writeln!(o, "## Operations\n");
    let _ = writeln!(
        o,
        "| N | operation | tool | median ms | min ms | max ms | ratio to docker | requests | GET /v2/ | repeated GET/HEAD | peak RSS MiB | own CPU ms | registry CPU ms |"
    );
    let _ = writeln!(
        o,
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &n in &args.sizes {
        for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
            let docker = get(results, n, op, Tool::Docker);
            for tool in [Tool::Manifold, Tool::Docker, Tool::Podman, Tool::Floor] {
                let Some(s) = get(results, n, op, tool) else {
                    continue;
                };
                let r = docker
                    .as_ref()
                    .map_or("–".into(), |d| ratio(s.median_ms, d.median_ms));
                let r = if tool == Tool::Manifold {
                    format!("**{r}**")
                } else {
                    r
                };
                let _ = writeln!(
                    o,
                    "| {n} | {} | {} | {:.1} | {:.1} | {:.1} | {r} | {} | {} | {} | {:.1} | {:.1} | {:.0} |",
                    op.name(),
                    tool.name(),
                    s.median_ms,
                    s.min_ms,
                    s.max_ms,
                    reqs(&s),
                    s.pings,
                    s.repeats,
                    s.rss_mib,
                    s.cpu_ms,
                    s.registry_ms
                );
            }
        }
    }

    // The network floor.
    let _ = writeln!(o, "\n## The network floor (create's 2N GETs)\n");
    let _ = writeln!(
        o,
        "| N | floor ms (curl) | manifold create ms | manifold / floor | docker / floor |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---:|---:|");
    for &n in &args.sizes {
        let (Some(f), Some(m)) = (
            get(results, n, Op::Create, Tool::Floor),
            get(results, n, Op::Create, Tool::Manifold),
        ) else {
            continue;
        };
        let d = get(results, n, Op::Create, Tool::Docker);
        let _ = writeln!(
            o,
            "| {n} | {:.1} | {:.1} | **{}** | {} |",
            f.median_ms,
            m.median_ms,
            ratio(m.median_ms, f.median_ms),
            d.map_or("–".into(), |d| ratio(d.median_ms, f.median_ms))
        );
    }

    // Where the time goes: the registry's own CPU time bounds every client.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let _ = writeln!(o, "\n## Where the time goes\n");
    let _ = writeln!(
        o,
        "The registry's CPU time during each manifold run (from /proc, 10 ms ticks), and the wall time no client making the same requests can beat on this machine: registry CPU / {cores} cores. The last column is the best manifold/docker ratio that bound allows.\n"
    );
    let _ = writeln!(
        o,
        "| N | operation | manifold ms | registry CPU ms | per request ms | bound ms (CPU / cores) | docker ms | best possible ratio |"
    );
    let _ = writeln!(o, "|---:|---|---:|---:|---:|---:|---:|---:|");
    for &n in &args.sizes {
        for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
            let Some(m) = get(results, n, op, Tool::Manifold) else {
                continue;
            };
            let d = get(results, n, op, Tool::Docker);
            let per = m.registry_ms / (*m.requests.last().unwrap_or(&1)).max(1) as f64;
            let _ = writeln!(
                o,
                "| {n} | {} | {:.1} | {:.0} | {:.2} | {:.0} | {} | {} |",
                op.name(),
                m.median_ms,
                m.registry_ms,
                per,
                m.registry_ms / cores,
                d.as_ref()
                    .map_or("–".into(), |d| format!("{:.1}", d.median_ms)),
                d.as_ref()
                    .map_or("–".into(), |d| ratio(m.registry_ms / cores, d.median_ms))
            );
        }
    }

    // Requests made, by kind, at the largest N.
    let big = *args.sizes.last().unwrap();
    let _ = writeln!(o, "\n## Requests by kind (N = {big}, last run)\n");
    let _ = writeln!(o, "| operation | tool | requests |");
    let _ = writeln!(o, "|---|---|---|");
    for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
        for tool in [Tool::Manifold, Tool::Docker, Tool::Podman, Tool::Floor] {
            if let Some(s) = get(results, big, op, tool) {
                let kinds = s
                    .kinds
                    .iter()
                    .map(|(k, v)| format!("{v} × {k}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(o, "| {} | {} | {kinds} |", op.name(), tool.name());
            }
        }
    }

    // Scaling.
    let _ = writeln!(o, "\n## Scaling (manifold)\n");
    let _ = writeln!(
        o,
        "| operation | ms per N: {} | N={} / N={} |",
        args.sizes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" / "),
        big,
        scale_base(args)
    );
    let _ = writeln!(o, "|---|---|---:|");
    for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
        let per: Vec<String> = args
            .sizes
            .iter()
            .map(|&n| {
                get(results, n, op, Tool::Manifold)
                    .map_or("–".into(), |s| format!("{:.1}", s.median_ms))
            })
            .collect();
        let r = match (
            get(results, big, op, Tool::Manifold),
            get(results, scale_base(args), op, Tool::Manifold),
        ) {
            (Some(a), Some(b)) => ratio(a.median_ms, b.median_ms),
            _ => "–".into(),
        };
        let _ = writeln!(o, "| {} | {} | {r} |", op.name(), per.join(" / "));
    }
    if let (Some(a), Some(b)) = (
        get(results, big, Op::Create, Tool::Floor),
        get(results, scale_base(args), Op::Create, Tool::Floor),
    ) {
        let per: Vec<String> = args
            .sizes
            .iter()
            .map(|&n| {
                get(results, n, Op::Create, Tool::Floor)
                    .map_or("–".into(), |s| format!("{:.1}", s.median_ms))
            })
            .collect();
        let _ = writeln!(
            o,
            "| (floor: curl, create's GETs) | {} | {} |",
            per.join(" / "),
            ratio(a.median_ms, b.median_ms)
        );
    }

    let _ = writeln!(o, "\n{}", goals(args, results));
    o
}

/// N = 50 when measured (the issue's goals), else the size before the largest.
fn scale_base(args: &Args) -> usize {
    if args.sizes.contains(&50) {
        50
    } else if args.sizes.len() > 1 {
        args.sizes[args.sizes.len() - 2]
    } else {
        args.sizes[0]
    }
}

fn goals(args: &Args, results: &Results) -> String {
    let n = scale_base(args);
    let mut o = String::new();
    let _ = writeln!(o, "## Goals (issue 7) at N = {n}\n");
    let _ = writeln!(o, "| goal | measured | met |");
    let _ = writeln!(o, "|---|---|:-:|");
    let mut row = |goal: String, measured: String, met: Option<bool>| {
        let _ = writeln!(
            o,
            "| {goal} | {measured} | {} |",
            match met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            }
        );
    };
    for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
        let m = get(results, n, op, Tool::Manifold);
        let d = get(results, n, op, Tool::Docker);
        match (m, d) {
            (Some(m), Some(d)) => row(
                format!("{}: wall ≤ 0.10 × docker", op.name()),
                format!(
                    "{:.1} / {:.1} ms = {}",
                    m.median_ms,
                    d.median_ms,
                    ratio(m.median_ms, d.median_ms)
                ),
                Some(m.median_ms <= 0.10 * d.median_ms),
            ),
            _ => row(
                format!("{}: wall ≤ 0.10 × docker", op.name()),
                "not measured".into(),
                None,
            ),
        }
    }
    if let Some(m) = get(results, n, Op::Create, Tool::Manifold) {
        let max = *m.requests.iter().max().unwrap_or(&0);
        row(
            format!("create: ≤ 2N+1 = {} requests", 2 * n + 1),
            format!(
                "{} (docker {})",
                reqs(&m),
                get(results, n, Op::Create, Tool::Docker).map_or("–".into(), |d| reqs(&d))
            ),
            Some(max <= 2 * n + 1),
        );
        row(
            "create: nothing fetched twice; no ping or token per request".into(),
            format!("{} repeated GET/HEAD, {} × GET /v2/", m.repeats, m.pings),
            Some(m.repeats == 0 && m.pings <= 1),
        );
        if let Some(f) = get(results, n, Op::Create, Tool::Floor) {
            row(
                "create: wall ≤ 1.3 × network floor".into(),
                format!(
                    "{:.1} / {:.1} ms = {}",
                    m.median_ms,
                    f.median_ms,
                    ratio(m.median_ms, f.median_ms)
                ),
                Some(m.median_ms <= 1.3 * f.median_ms),
            );
        }
    }
    match (
        get(results, 0, Op::Startup, Tool::Manifold),
        get(results, 0, Op::Startup, Tool::Docker),
    ) {
        (Some(m), Some(d)) => row(
            "start-up ≤ 0.25 × docker".into(),
            format!(
                "{:.2} / {:.2} ms = {}",
                m.median_ms,
                d.median_ms,
                ratio(m.median_ms, d.median_ms)
            ),
            Some(m.median_ms <= 0.25 * d.median_ms),
        ),
        _ => row(
            "start-up ≤ 0.25 × docker".into(),
            "not measured".into(),
            None,
        ),
    }
    for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
        if let (Some(m), Some(d)) = (
            get(results, n, op, Tool::Manifold),
            get(results, n, op, Tool::Docker),
        ) {
            row(
                format!("{}: peak RSS ≤ 0.5 × docker", op.name()),
                format!(
                    "{:.1} / {:.1} MiB = {}",
                    m.rss_mib,
                    d.rss_mib,
                    ratio(m.rss_mib, d.rss_mib)
                ),
                Some(m.rss_mib <= 0.5 * d.rss_mib),
            );
        }
    }
    let big = *args.sizes.last().unwrap();
    if big > n {
        for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
            if let (Some(a), Some(b)) = (
                get(results, big, op, Tool::Manifold),
                get(results, n, op, Tool::Manifold),
            ) {
                let limit = 4.5 * big as f64 / 200.0 * 50.0 / n as f64;
                row(
                    format!("{}: N={big} ≤ {limit:.2} × N={n}", op.name()),
                    format!(
                        "{:.1} / {:.1} ms = {}",
                        a.median_ms,
                        b.median_ms,
                        ratio(a.median_ms, b.median_ms)
                    ),
                    Some(a.median_ms <= limit * b.median_ms),
                );
            }
        }
    }
    o
}

fn render_table(args: &Args, env: &Environment, results: &Results) -> String {
    let n = scale_base(args);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Median wall time of {} runs, N = {n} single-platform images, local registry ({}; {} cores, load {}; full results and method in [bench/RESULTS.md](bench/RESULTS.md)):\n",
        args.reps,
        env.date,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        env.load_before
    );
    let _ = writeln!(
        o,
        "| operation | docker manifest | manifold | manifold / docker | requests (docker → manifold) | peak RSS MiB (docker → manifold) |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
    for op in [Op::Create, Op::PushCross, Op::InspectRemote] {
        if let (Some(m), Some(d)) = (
            get(results, n, op, Tool::Manifold),
            get(results, n, op, Tool::Docker),
        ) {
            let _ = writeln!(
                o,
                "| {} | {:.0} ms | {:.1} ms | {} | {} → {} | {:.1} → {:.1} |",
                op.name(),
                d.median_ms,
                m.median_ms,
                ratio(m.median_ms, d.median_ms),
                reqs(&d),
                reqs(&m),
                d.rss_mib,
                m.rss_mib
            );
        }
    }
    if let (Some(m), Some(d)) = (
        get(results, 0, Op::Startup, Tool::Manifold),
        get(results, 0, Op::Startup, Tool::Docker),
    ) {
        let _ = writeln!(
            o,
            "| start-up (`--version`) | {:.1} ms | {:.1} ms | {} | – | {:.1} → {:.1} |",
            d.median_ms,
            m.median_ms,
            ratio(m.median_ms, d.median_ms),
            d.rss_mib,
            m.rss_mib
        );
    }
    if let (Some(m), Some(f)) = (
        get(results, n, Op::Create, Tool::Manifold),
        get(results, n, Op::Create, Tool::Floor),
    ) {
        let _ = writeln!(
            o,
            "\ncreate is {}× the network floor ({:.1} ms: the same {} manifest and config GETs by `curl --parallel` on kept-alive connections).",
            ratio(m.median_ms, f.median_ms),
            f.median_ms,
            2 * n
        );
    }
    let _ = writeln!(
        o,
        "\nRun it: `cargo run --release -p manifold-bench --bin compare` (needs `docker-registry`, the docker CLI and curl)."
    );
    o
}
