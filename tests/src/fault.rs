//! Faults between manifold and a registry: a small threaded HTTP/1.1 reverse proxy on
//! 127.0.0.1 (a free port) in front of a real registry, with rules chosen per test ("the Nth
//! `GET /v2/src/a/manifests/` gets a 503"), and a capture server that records the headers of
//! whatever reaches it (the other end of a cross-host redirect).
//!
//! ```text
//! manifold ──► FaultProxy (127.0.0.1:P) ──► Registry (127.0.0.1:R)
//!                   │ 307 Location: http://localhost:C/...
//!                   ▼
//!              Capture (localhost:C): records headers, answers from a handler
//! ```
//!
//! Each request is read whole (chunked request bodies are de-chunked), forwarded on a fresh
//! upstream connection, and the reply read whole and re-framed with a Content-Length, so a fault
//! can cut, alter or delay exactly the part it means to. Connections to the client are kept
//! alive as the registry would keep them, except where a fault closes them.
//!
//! Bounded: the accept loop stops on drop, after [`LIFETIME`] and after [`MAX_CONNECTIONS`];
//! each connection serves at most [`MAX_REQUESTS_PER_CONNECTION`] and gives up after
//! [`IDLE`] without a request; delays end early when the proxy stops. Loopback only.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::registry::Registry;

/// No proxy or capture server runs longer than this.
pub const LIFETIME: Duration = Duration::from_secs(300);
/// Connections accepted at most.
pub const MAX_CONNECTIONS: usize = 5_000;
/// Requests served on one connection at most.
pub const MAX_REQUESTS_PER_CONNECTION: usize = 1_000;
/// A kept-alive connection with no request for this long is closed.
pub const IDLE: Duration = Duration::from_secs(30);
/// Request and reply bodies larger than this are refused (the tests move kilobytes).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What happens to a request a rule picks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and a registry-style JSON error) without asking the registry.
    Status(u16),
    /// 429 with `Retry-After: <seconds>`, without asking the registry.
    TooMany { retry_after: u64 },
    /// Close the connection with a TCP reset before any reply (the request may have reached
    /// nobody). Also what the body faults do to a reply without a body (HEAD).
    ResetBeforeReply,
    /// Read half of the request's body (by its Content-Length), forward nothing to the
    /// registry, and reset the connection: a connection that breaks while an upload's chunk
    /// is being sent, the registry holding none of that chunk.
    ResetMidRequestBody,
    /// Forward, then send the reply's head and half its body, then a TCP reset.
    ResetMidBody,
    /// Forward, then send the reply's head (with the full Content-Length) and half its body,
    /// then close the connection cleanly: a truncated body.
    Truncate,
    /// Wait this long, then forward (the client has usually given up by then).
    Delay(Duration),
    /// Forward, then flip one byte in the middle of the reply's body (same length, same
    /// headers: a body whose digest no longer matches).
    Corrupt,
    /// Answer `307 Temporary Redirect` to this base URL plus the request's path and query.
    Redirect(String),
    /// Forward, then rewrite the reply's `Location` header (an upload session's URL) to this
    /// base URL plus the original location's path and query.
    MoveLocation(String),
}

/// Which of a rule's matching requests get the fault (counting from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Only the Nth.
    Nth(usize),
    /// The first N.
    FirstN(usize),
    /// The Nth and every one after it.
    FromNth(usize),
    /// Every one.
    Always,
}

impl When {
    fn fires(self, n: usize) -> bool {
        match self {
            When::Nth(k) => n == k,
            When::FirstN(k) => n <= k,
            When::FromNth(k) => n >= k,
            When::Always => true,
        }
    }
}

/// "The Nth request with METHOD whose path starts with PREFIX gets FAULT". `method` `*` matches
/// every method.
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: String,
    pub prefix: String,
    pub when: When,
    pub fault: Fault,
}

impl Rule {
    pub fn new(method: &str, prefix: &str, when: When, fault: Fault) -> Rule {
        Rule {
            method: method.to_string(),
            prefix: prefix.to_string(),
            when,
            fault,
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.starts_with(&self.prefix)
    }
}

/// One request the proxy (or capture server) received.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    /// The request target: path and query.
    pub path: String,
    /// Header names lower-cased, values as sent.
    pub headers: Vec<(String, String)>,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
    /// The status sent back (the registry's, or the injected one; 0 when none was sent).
    pub status: u16,
    /// When the request's head had arrived.
    pub at: Instant,
}

impl Logged {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    upstream: u16,
    rules: Mutex<Vec<(Rule, usize)>>,
    rewrites: Mutex<Vec<(String, String)>>,
    log: Mutex<Vec<Logged>>,
    stop: AtomicBool,
    started: Instant,
    connections: AtomicUsize,
    /// A clone of each open connection, to shut it down when the proxy stops. Removed when
    /// the connection ends: a clone left open would keep the socket from closing (or resetting).
    streams: Mutex<HashMap<usize, TcpStream>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.started.elapsed() > LIFETIME
    }

    /// Sleeps `d`, or less if the proxy stops meanwhile.
    fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end && !self.stopped() {
            std::thread::sleep(Duration::from_millis(10).min(end - Instant::now()));
        }
    }
}

/// The fault-injecting reverse proxy. Stops when dropped.
pub struct FaultProxy {
    pub port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy in front of `127.0.0.1:upstream_port` (plain HTTP).
    pub fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream: upstream_port,
            rules: Mutex::new(Vec::new()),
            rewrites: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            started: Instant::now(),
            connections: AtomicUsize::new(0),
            streams: Mutex::new(HashMap::new()),
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            accept_loop(listener, &s, |stream, s| {
                let _ = proxy_connection(stream, s);
            })
        });
        FaultProxy {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// A proxy in front of a registry that speaks plain HTTP.
    pub fn in_front_of(reg: &Registry) -> FaultProxy {
        assert_eq!(
            reg.scheme(),
            "http",
            "the fault proxy speaks plain HTTP only"
        );
        FaultProxy::start(reg.port)
    }

    /// `127.0.0.1:PORT`: the registry part of references that go through the proxy.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Adds a rule; rules are tried in the order added, the first that fires wins (every
    /// matching rule counts the request).
    pub fn rule(&self, rule: Rule) -> &Self {
        self.shared.rules.lock().unwrap().push((rule, 0));
        self
    }

    /// Shorthand for [`Rule::new`].
    pub fn fault(&self, method: &str, prefix: &str, when: When, fault: Fault) -> &Self {
        self.rule(Rule::new(method, prefix, when, fault))
    }

    /// Removes every rule: from now on the proxy only forwards.
    pub fn clear(&self) {
        self.shared.rules.lock().unwrap().clear();
    }

    /// Replaces `from` by `to` in every reply header value (e.g. a `WWW-Authenticate` realm).
    pub fn rewrite_headers(&self, from: &str, to: &str) {
        self.shared
            .rewrites
            .lock()
            .unwrap()
            .push((from.to_string(), to.to_string()));
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests with `method` (`*`: any) whose path starts with `prefix`.
    pub fn matching(&self, method: &str, prefix: &str) -> Vec<Logged> {
        self.log()
            .into_iter()
            .filter(|l| (method == "*" || l.method == method) && l.path.starts_with(prefix))
            .collect()
    }

    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.matching(method, prefix).len()
    }

    /// How many requests got a fault.
    pub fn faults(&self) -> usize {
        self.log().iter().filter(|l| l.fault.is_some()).count()
    }

    /// Forgets the log (rules and their counts stay).
    pub fn reset_log(&self) {
        self.shared.log.lock().unwrap().clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        stop(&self.shared, self.port);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn stop(shared: &Shared, port: u16) {
    shared.stop.store(true, Ordering::SeqCst);
    for (_, s) in shared.streams.lock().unwrap().drain() {
        let _ = s.shutdown(Shutdown::Both);
    }
    // wake a blocked accept (the listener is non-blocking, but be sure)
    let _ = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    );
}

fn accept_loop<S: AsRef<Shared> + Send + Sync + 'static>(
    listener: TcpListener,
    s: &Arc<S>,
    serve: fn(TcpStream, &S),
) {
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let shared = (**s).as_ref();
    while !shared.stopped() && shared.connections.load(Ordering::SeqCst) < MAX_CONNECTIONS {
        match listener.accept() {
            Ok((stream, _)) => {
                if shared.stopped() {
                    break;
                }
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                let _ = stream.set_read_timeout(Some(IDLE));
                let _ = stream.set_write_timeout(Some(IDLE));
                let id = shared.connections.fetch_add(1, Ordering::SeqCst);
                if let Ok(c) = stream.try_clone() {
                    shared.streams.lock().unwrap().insert(id, c);
                }
                let s = s.clone();
                std::thread::spawn(move || {
                    serve(stream, &s);
                    (*s).as_ref().streams.lock().unwrap().remove(&id);
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

// ---- HTTP/1.1 framing -------------------------------------------------------------------------

/// A request as read from the client.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A reply as read from the registry.
struct Reply {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Header names (lower-cased) and values, in order.
type Headers = Vec<(String, String)>;

/// Reads a head (start line and headers) up to the blank line; `None` at a clean EOF.
fn read_head(r: &mut impl BufRead) -> io::Result<Option<(String, Headers)>> {
    let mut start = String::new();
    if r.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    let mut total = start.len();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line)?;
        total += n;
        if n == 0 {
            return Err(bad("EOF in headers"));
        }
        if total > 64 * 1024 || headers.len() > 200 {
            return Err(bad("head too large"));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok(Some((start.trim_end().to_string(), headers)))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn read_exact_vec(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    if n > MAX_BODY {
        return Err(bad("body too large"));
    }
    let mut v = vec![0u8; n];
    r.read_exact(&mut v)?;
    Ok(v)
}

fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(bad("EOF in chunked body"));
        }
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // trailers, up to the blank line
            loop {
                let mut t = String::new();
                if r.read_line(&mut t)? == 0 || t.trim().is_empty() {
                    return Ok(out);
                }
            }
        }
        if out.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        out.extend(read_exact_vec(r, size)?);
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
    }
    Err(bad("too many chunks"))
}

/// A body framed by `headers`; `to_eof` reads to the end when there is no framing (replies).
fn read_body(
    r: &mut impl BufRead,
    headers: &[(String, String)],
    to_eof: bool,
) -> io::Result<Vec<u8>> {
    if header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        return read_chunked(r);
    }
    if let Some(n) = header(headers, "content-length") {
        let n: usize = n.parse().map_err(|_| bad("bad content-length"))?;
        return read_exact_vec(r, n);
    }
    if to_eof {
        let mut v = Vec::new();
        r.take(MAX_BODY as u64).read_to_end(&mut v)?;
        return Ok(v);
    }
    Ok(Vec::new())
}

fn read_request(r: &mut BufReader<TcpStream>, w: &mut TcpStream) -> io::Result<Option<Request>> {
    let Some(mut req) = read_request_head(r, w)? else {
        return Ok(None);
    };
    req.body = read_body(r, &req.headers, false)?;
    Ok(Some(req))
}

/// A request's head (its body left unread: `body` is empty), after the same checks as
/// [`read_request`]; a `100-continue` is answered.
fn read_request_head(
    r: &mut BufReader<TcpStream>,
    w: &mut TcpStream,
) -> io::Result<Option<Request>> {
    // Not HTTP (a TLS ClientHello from a client trying HTTPS first): say so and close, as Go's
    // server does, rather than wait for a line that never comes.
    match r.fill_buf()?.first() {
        None => return Ok(None),
        Some(b) if !b.is_ascii_uppercase() => {
            let _ = w.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            return Ok(None);
        }
        Some(_) => {}
    }
    let Some((start, headers)) = read_head(r)? else {
        return Ok(None);
    };
    let mut parts = start.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(bad("bad request line"));
    };
    if header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: Vec::new(),
    }))
}

/// Sends `req` to the registry on a fresh connection and reads the whole reply.
fn forward(upstream: u16, req: &Request) -> io::Result<Reply> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    up.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "expect"
        ) {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("content-length: {}\r\n", req.body.len()));
    }
    head.push_str("connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&req.body)?;
    up.flush()?;
    let mut r = BufReader::new(up);
    let (start, headers) = read_head(&mut r)?.ok_or_else(|| bad("no reply"))?;
    let mut parts = start.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let reason = parts.next().unwrap_or("").to_string();
    let no_body = req.method == "HEAD" || status == 204 || status == 304 || status < 200;
    let body = if no_body {
        Vec::new()
    } else {
        read_body(&mut r, &headers, true)?
    };
    Ok(Reply {
        status,
        reason,
        headers,
        body,
    })
}

fn reason_of(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected",
    }
}

/// Writes a reply head with `content_length`; `close` adds `Connection: close`.
fn write_head(
    w: &mut impl Write,
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    content_length: usize,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        if matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "keep-alive"
        ) {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {content_length}\r\n"));
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())
}

impl AsRef<Shared> for Shared {
    fn as_ref(&self) -> &Shared {
        self
    }
}

/// Makes the socket close with a TCP reset (SO_LINGER 0), not a FIN, once its last
/// descriptor is closed (when the connection's function returns).
fn reset(s: TcpStream) {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let l = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid socket descriptor and a correctly sized linger struct.
        unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &l as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    drop(s);
}

fn injected_error(status: u16) -> Vec<u8> {
    let code = match status {
        429 => "TOOMANYREQUESTS",
        _ => "UNAVAILABLE",
    };
    format!(
        "{{\"errors\":[{{\"code\":\"{code}\",\"message\":\"injected by the fault proxy ({status})\"}}]}}"
    )
    .into_bytes()
}

/// Serves one client connection: reads requests, applies the first rule that fires, forwards.
fn proxy_connection(stream: TcpStream, s: &Shared) -> io::Result<()> {
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        if s.stopped() {
            break;
        }
        let Some(mut req) = read_request_head(&mut r, &mut w)? else {
            break;
        };
        let at = Instant::now();
        let path = req.target.clone();
        let fault = {
            let mut rules = s.rules.lock().unwrap();
            let mut chosen = None;
            for (rule, n) in rules.iter_mut() {
                if rule.matches(&req.method, &path) {
                    *n += 1;
                    if chosen.is_none() && rule.when.fires(*n) {
                        chosen = Some(rule.fault.clone());
                    }
                }
            }
            chosen
        };
        let log_index = {
            let mut log = s.log.lock().unwrap();
            log.push(Logged {
                method: req.method.clone(),
                path: path.clone(),
                headers: req.headers.clone(),
                fault: fault.clone(),
                status: 0,
                at,
            });
            log.len() - 1
        };
        let set_status = |status: u16| {
            if let Some(l) = s.log.lock().unwrap().get_mut(log_index) {
                l.status = status;
            }
        };
        if let Some(Fault::ResetMidRequestBody) = &fault {
            // take half of what the client sends, give the registry none of it, and reset
            let half = header(&req.headers, "content-length")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                / 2;
            let _ = io::copy(&mut (&mut r).take(half), &mut io::sink());
            reset(w);
            return Ok(());
        }
        req.body = read_body(&mut r, &req.headers, false)?;
        let head_only = req.method == "HEAD";
        match &fault {
            Some(Fault::Status(code)) => {
                let body = injected_error(*code);
                let h = vec![("content-type".to_string(), "application/json".to_string())];
                write_head(&mut w, *code, reason_of(*code), &h, body.len(), false)?;
                if !head_only {
                    w.write_all(&body)?;
                }
                w.flush()?;
                set_status(*code);
                continue;
            }
            Some(Fault::TooMany { retry_after }) => {
                let body = injected_error(429);
                let h = vec![
                    ("content-type".to_string(), "application/json".to_string()),
                    ("retry-after".to_string(), retry_after.to_string()),
                ];
                write_head(&mut w, 429, reason_of(429), &h, body.len(), false)?;
                if !head_only {
                    w.write_all(&body)?;
                }
                w.flush()?;
                set_status(429);
                continue;
            }
            Some(Fault::ResetBeforeReply) => {
                reset(w);
                return Ok(());
            }
            Some(Fault::Redirect(base)) => {
                let h = vec![("location".to_string(), format!("{base}{path}"))];
                write_head(&mut w, 307, reason_of(307), &h, 0, false)?;
                w.flush()?;
                set_status(307);
                continue;
            }
            Some(Fault::Delay(d)) => s.sleep(*d),
            _ => {}
        }
        if s.stopped() {
            break;
        }
        let mut reply = match forward(s.upstream, &req) {
            Ok(rep) => rep,
            Err(e) => {
                let body =
                    format!("the fault proxy could not reach the registry: {e}").into_bytes();
                write_head(&mut w, 502, "Bad Gateway", &[], body.len(), true)?;
                w.write_all(&body)?;
                set_status(502);
                break;
            }
        };
        {
            let rewrites = s.rewrites.lock().unwrap();
            for (_, v) in reply.headers.iter_mut() {
                for (from, to) in rewrites.iter() {
                    *v = v.replace(from.as_str(), to);
                }
            }
        }
        if let Some(Fault::MoveLocation(base)) = &fault {
            for (k, v) in reply.headers.iter_mut() {
                if k == "location" {
                    let rest = match v.split_once("://") {
                        Some((_, after)) => after.find('/').map(|i| &after[i..]).unwrap_or("/"),
                        None => v.as_str(),
                    };
                    *v = format!("{base}{rest}");
                }
            }
        }
        set_status(reply.status);
        // HEAD replies keep the registry's Content-Length (the size of what GET would send).
        let length = if head_only {
            header(&reply.headers, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        } else {
            reply.body.len()
        };
        match &fault {
            Some(Fault::ResetMidBody) | Some(Fault::Truncate)
                if head_only || reply.body.is_empty() =>
            {
                reset(w);
                return Ok(());
            }
            Some(Fault::ResetMidBody) => {
                write_head(
                    &mut w,
                    reply.status,
                    &reply.reason,
                    &reply.headers,
                    length,
                    false,
                )?;
                w.write_all(&reply.body[..reply.body.len() / 2])?;
                w.flush()?;
                // let the half body leave before the reset discards what is unsent
                std::thread::sleep(Duration::from_millis(50));
                reset(w);
                return Ok(());
            }
            Some(Fault::Truncate) => {
                write_head(
                    &mut w,
                    reply.status,
                    &reply.reason,
                    &reply.headers,
                    length,
                    false,
                )?;
                w.write_all(&reply.body[..reply.body.len() / 2])?;
                w.flush()?;
                let _ = w.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Corrupt) if !reply.body.is_empty() => {
                let mid = reply.body.len() / 2;
                // a letter stays a letter, so JSON often stays JSON: only the digest tells
                reply.body[mid] ^= 0x01;
            }
            _ => {}
        }
        write_head(
            &mut w,
            reply.status,
            &reply.reason,
            &reply.headers,
            length,
            false,
        )?;
        if !head_only {
            w.write_all(&reply.body)?;
        }
        w.flush()?;
    }
    Ok(())
}

// ---- the capture server -------------------------------------------------------------------------

/// What a capture server answers.
pub struct CaptureReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl CaptureReply {
    pub fn new(status: u16, body: Vec<u8>) -> CaptureReply {
        CaptureReply {
            status,
            headers: Vec::new(),
            body,
        }
    }
}

type Handler = dyn Fn(&Logged, &[u8]) -> CaptureReply + Send + Sync;

struct CaptureShared {
    inner: Shared,
    handler: Box<Handler>,
}

impl AsRef<Shared> for CaptureShared {
    fn as_ref(&self) -> &Shared {
        &self.inner
    }
}

/// A tiny HTTP server that records every request's headers and answers from a handler: the
/// far end of a cross-host redirect or a moved upload location. Stops when dropped.
pub struct Capture {
    pub port: u16,
    shared: Arc<CaptureShared>,
    accept: Option<JoinHandle<()>>,
}

impl Capture {
    pub fn start(
        handler: impl Fn(&Logged, &[u8]) -> CaptureReply + Send + Sync + 'static,
    ) -> Capture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the capture server");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(CaptureShared {
            inner: Shared {
                upstream: 0,
                rules: Mutex::new(Vec::new()),
                rewrites: Mutex::new(Vec::new()),
                log: Mutex::new(Vec::new()),
                stop: AtomicBool::new(false),
                started: Instant::now(),
                connections: AtomicUsize::new(0),
                streams: Mutex::new(HashMap::new()),
            },
            handler: Box::new(handler),
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            accept_loop(listener, &s, |stream, s| {
                let _ = capture_connection(stream, s);
            })
        });
        Capture {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// A capture server that answers a blob GET (`.../blobs/sha256:HEX`) from `reg`'s storage
    /// folder, as a storage backend behind a registry's redirect would, and 404 otherwise.
    pub fn blob_store(reg: &Registry) -> Capture {
        let root = reg.dir.path().join("storage");
        Capture::start(move |req, _| {
            let digest = req
                .path
                .split('?')
                .next()
                .and_then(|p| p.rsplit('/').next())
                .unwrap_or("");
            match storage_blob(&root, digest) {
                Some(b) if req.method == "GET" || req.method == "HEAD" => {
                    let mut r = CaptureReply::new(200, b);
                    r.headers
                        .push(("content-type".into(), "application/octet-stream".into()));
                    r
                }
                _ => CaptureReply::new(404, b"not here".to_vec()),
            }
        })
    }

    /// `http://localhost:PORT`: a different host string from the `127.0.0.1` of the proxies.
    pub fn localhost_url(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn log(&self) -> Vec<Logged> {
        self.shared.inner.log.lock().unwrap().clone()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        stop(&self.shared.inner, self.port);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// A blob's bytes from a distribution filesystem storage root (`sha256:HEX`).
pub fn storage_blob(root: &std::path::Path, digest: &str) -> Option<Vec<u8>> {
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let p: PathBuf = root
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    std::fs::read(p).ok()
}

fn capture_connection(stream: TcpStream, s: &CaptureShared) -> io::Result<()> {
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        if s.inner.stopped() {
            break;
        }
        let Some(req) = read_request(&mut r, &mut w)? else {
            break;
        };
        let mut logged = Logged {
            method: req.method.clone(),
            path: req.target.clone(),
            headers: req.headers.clone(),
            fault: None,
            status: 0,
            at: Instant::now(),
        };
        let reply = (s.handler)(&logged, &req.body);
        logged.status = reply.status;
        s.inner.log.lock().unwrap().push(logged);
        write_head(
            &mut w,
            reply.status,
            reason_of(reply.status),
            &reply.headers,
            reply.body.len(),
            false,
        )?;
        if req.method != "HEAD" {
            w.write_all(&reply.body)?;
        }
        w.flush()?;
    }
    Ok(())
}

/// Every file under `dir` with its bytes, by path relative to `dir`: a snapshot to show that a
/// failed command changed nothing.
pub fn snapshot(dir: &std::path::Path) -> HashMap<PathBuf, Vec<u8>> {
    fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut HashMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = HashMap::new();
    walk(dir, dir, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fire_as_told() {
        assert!(When::Nth(2).fires(2) && !When::Nth(2).fires(1) && !When::Nth(2).fires(3));
        assert!(When::FirstN(2).fires(1) && When::FirstN(2).fires(2) && !When::FirstN(2).fires(3));
        assert!(
            !When::FromNth(3).fires(2) && When::FromNth(3).fires(3) && When::FromNth(3).fires(9)
        );
        let r = Rule::new("GET", "/v2/a/", When::Always, Fault::Status(500));
        assert!(r.matches("GET", "/v2/a/manifests/x") && !r.matches("HEAD", "/v2/a/x"));
        assert!(!r.matches("GET", "/v2/ab/x"));
        assert!(Rule::new("*", "/", When::Always, Fault::Corrupt).matches("PATCH", "/v2/"));
    }

    #[test]
    fn chunked_bodies_are_read() {
        let mut r = BufReader::new(&b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"[..]);
        assert_eq!(read_chunked(&mut r).unwrap(), b"Wikipedia");
    }
}
