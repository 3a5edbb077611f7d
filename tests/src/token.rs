//! A token server for distribution's `auth: token`, inside the tests: it answers
//! `GET /token?service=..&scope=..` with a JWT signed (ES256) by a key whose certificate chains
//! to the registry's `rootcertbundle`, as distribution 2.8 verifies it
//! (`registry/auth/token`: issuer, audience = service, exp/nbf, x5c chain to a trusted root,
//! signature). The JWT is built by hand with `ring` (already in the tree through rustls): a
//! dozen lines, where a JWT crate would add a second crypto stack.
//!
//! With the right Basic credentials every requested action is granted; anonymous or wrong
//! credentials get a token with no access (wrong credentials: 401), as a private registry does.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use crate::certs::{Issued, TestCa};

pub const ISSUER: &str = "manifold-test-issuer";
pub const SERVICE: &str = "manifold-test-registry";

struct Shared {
    key: EcdsaKeyPair,
    x5c: Vec<String>,
    user: String,
    password: String,
    requests: AtomicUsize,
    log: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The running token server. Stops when dropped.
pub struct TokenServer {
    shared: Arc<Shared>,
    pub port: u16,
    /// The CA whose certificate goes into the registry's `rootcertbundle`.
    pub ca: TestCa,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl TokenServer {
    pub fn start(user: &str, password: &str) -> TokenServer {
        let ca = TestCa::new("manifold test token CA");
        let signer: Issued = ca.issue("manifold token signer", &[]);
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &signer.key_pkcs8,
            &SystemRandom::new(),
        )
        .expect("ring accepts rcgen's PKCS#8");
        let shared = Arc::new(Shared {
            key,
            x5c: vec![base64::engine::general_purpose::STANDARD.encode(&signer.cert_der)],
            user: user.to_string(),
            password: password.to_string(),
            requests: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind token server");
        let port = listener.local_addr().unwrap().port();
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    let s = s.clone();
                    std::thread::spawn(move || {
                        let _ = serve(&s, c);
                    });
                }
            }
        });
        TokenServer {
            shared,
            port,
            ca,
            thread: Some(thread),
        }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// How many token requests arrived.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The request lines received (path and query), for assertions.
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// A token for `scopes` (`repository:name:actions`), minted directly (the seeder uses it, so
    /// seeding does not count as token requests).
    pub fn mint(&self, subject: &str, scopes: &[String]) -> String {
        mint(&self.shared, subject, scopes)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn mint(s: &Shared, subject: &str, scopes: &[String]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let access: Vec<serde_json::Value> = scopes
        .iter()
        .filter_map(|sc| {
            let mut parts = sc.splitn(3, ':');
            let (t, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            // names may hold a port (host:port/repo) only in other resource types; keep it simple
            Some(serde_json::json!({
                "type": t,
                "name": name,
                "actions": actions.split(',').collect::<Vec<_>>(),
            }))
        })
        .collect();
    let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": s.x5c});
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": subject,
        "aud": SERVICE,
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now,
        "jti": format!("{now}-{}", s.requests.load(Ordering::SeqCst)),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = s
        .key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .expect("sign");
    format!("{signing_input}.{}", b64url(sig.as_ref()))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(s: &Shared, conn: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut auth = None;
    let mut content_length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "authorization" {
                auth = Some(v.trim().to_string());
            } else if k == "content-length" {
                content_length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    if content_length > 0 {
        let mut body = vec![0; content_length];
        std::io::Read::read_exact(&mut reader, &mut body)?;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    s.requests.fetch_add(1, Ordering::SeqCst);
    s.log.lock().unwrap().push(target.clone());
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut scopes = Vec::new();
    let mut service = String::new();
    for pair in query.split('&') {
        if let Some((k, v)) = pair.split_once('=') {
            match k {
                "scope" => scopes.push(percent_decode(v)),
                "service" => service = percent_decode(v),
                _ => {}
            }
        }
    }
    let authenticated = match auth.as_deref().and_then(|a| a.strip_prefix("Basic ")) {
        Some(b) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .unwrap_or_default();
            let expected = format!("{}:{}", s.user, s.password);
            if decoded != expected.as_bytes() {
                return respond(
                    conn,
                    "401 Unauthorized",
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#,
                );
            }
            true
        }
        None => false,
    };
    if service != SERVICE {
        return respond(conn, "400 Bad Request", r#"{"error":"unknown service"}"#);
    }
    let granted: Vec<String> = if authenticated { scopes } else { Vec::new() };
    let token = mint(s, if authenticated { &s.user } else { "" }, &granted);
    let body =
        serde_json::json!({"token": token, "access_token": token, "expires_in": 300}).to_string();
    respond(conn, "200 OK", &body)
}

fn respond(mut conn: TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    conn.flush()
}
