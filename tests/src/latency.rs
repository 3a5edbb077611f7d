//! A TCP proxy that makes a loopback server look far away: every byte is delivered half a
//! round trip after it was sent, in each direction, and a new connection costs one round trip
//! before the client's first byte can travel (the TCP handshake a real link would need). TLS
//! passes through untouched, so the server's certificate still names 127.0.0.1.
//!
//! Each accepted connection gets two pumps (client to server, server to client); each pump is a
//! reader that stamps every chunk with its delivery time and a writer that sleeps until then.
//! Order is kept, bandwidth is not limited (loopback's), so what it models is latency alone.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running latency proxy; stops accepting when dropped.
pub struct LatencyProxy {
    pub port: u16,
    pub rtt: Duration,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

impl LatencyProxy {
    /// A proxy on a free loopback port in front of `127.0.0.1:upstream`.
    pub fn start(upstream: u16, rtt: Duration) -> LatencyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let (s, c) = (stop.clone(), connections.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let opened = Instant::now();
                std::thread::spawn(move || {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let half = rtt / 2;
                    // the client's first byte cannot leave before the handshake's round trip
                    let up_ready = opened + rtt;
                    pump(
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        half,
                        up_ready,
                    );
                    pump(server, client, half, opened);
                });
            }
        });
        LatencyProxy {
            port,
            rtt,
            stop,
            connections,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // wake the accept loop
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` to `to`, each chunk delivered `delay` after it was read (and not before
/// `ready`). The end of `from` is passed on as a half close once everything before it is out.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration, ready: Instant) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let at = Instant::now().max(ready) + delay;
                    if tx.send((at, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        // dropping tx ends the writer after the last chunk
    });
    std::thread::spawn(move || {
        while let Ok((at, chunk)) = rx.recv() {
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_and_its_answer_take_one_round_trip_after_the_connection_s_own() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let up = echo.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for c in echo.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut c = c;
                    let mut b = [0u8; 16];
                    while let Ok(n) = c.read(&mut b) {
                        if n == 0 || c.write_all(&b[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let rtt = Duration::from_millis(60);
        let p = LatencyProxy::start(up, rtt);
        let start = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
        s.write_all(b"a").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        let first = start.elapsed();
        let again = Instant::now();
        s.write_all(b"b").unwrap();
        s.read_exact(&mut b).unwrap();
        let second = again.elapsed();
        assert!(first >= rtt * 2, "first exchange took {first:?}");
        assert!(second >= rtt && second < rtt * 2, "second took {second:?}");
        assert_eq!(p.connections(), 1);
    }
}
