//! When to try a request again, and how long to wait first.

/// What happened to one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// No HTTP response: connection refused or reset, timeout, DNS. Not a TLS verification
    /// failure: retrying cannot fix a certificate.
    ConnectionError,
    /// An HTTP response with this status and, when sent, its `Retry-After` value.
    Status {
        code: u16,
        retry_after: Option<&'a str>,
    },
}

/// How often and how long to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub tries: u32,
    /// The first wait in milliseconds; it doubles each time.
    pub base_ms: u64,
    /// No wait is longer than this, `Retry-After` included.
    pub max_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tries: 3,
            base_ms: 250,
            max_ms: 30_000,
        }
    }
}

/// Methods that may be sent again without changing the result. Callers decide per request
/// beyond this: a mount POST or the POST opening an upload session is safe to repeat; an
/// upload's PATCH is not, and a failed monolithic upload starts over on a new session.
pub fn is_idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE"
    )
}

/// Whether to retry after `attempt` (1-based) ended in `outcome`, and if so after how many
/// milliseconds. `jitter` is any number (the shim passes the clock's nanoseconds); it spreads
/// the waits of concurrent requests. `now_unix` turns an HTTP-date `Retry-After` into a delay.
///
/// `PUT` counts as idempotent only for manifests (same bytes, same result); the shim passes
/// `idempotent` explicitly so a blob upload's closing `PUT` is never sent twice.
pub fn should_retry(
    policy: &RetryPolicy,
    idempotent: bool,
    attempt: u32,
    outcome: &Outcome<'_>,
    jitter: u64,
    now_unix: u64,
) -> Option<u64> {
    if !idempotent || attempt >= policy.tries {
        return None;
    }
    match outcome {
        Outcome::ConnectionError => Some(backoff(policy, attempt, jitter)),
        Outcome::Status { code, retry_after } => {
            let retryable = *code == 429 || (500..=599).contains(code) && *code != 501;
            if !retryable {
                return None;
            }
            match retry_after.and_then(|v| parse_retry_after(v, now_unix)) {
                Some(secs) => Some((secs.saturating_mul(1000)).min(policy.max_ms)),
                None => Some(backoff(policy, attempt, jitter)),
            }
        }
    }
}

/// Exponential backoff with "equal jitter": half the step fixed, half spread by `jitter`.
pub fn backoff(policy: &RetryPolicy, attempt: u32, jitter: u64) -> u64 {
    let step = policy
        .base_ms
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(policy.max_ms);
    let half = step / 2;
    half + if half == 0 { 0 } else { jitter % (half + 1) }
}

/// `Retry-After`: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or asctime form).
/// Returns the delay in seconds from `now_unix` (0 for a date in the past); `None` when the
/// value is neither.
pub fn parse_retry_after(value: &str, now_unix: u64) -> Option<u64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().ok();
    }
    let when = parse_http_date(v)?;
    Some(when.saturating_sub(now_unix))
}

fn month(m: &str) -> Option<u64> {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.iter().position(|x| *x == m).map(|i| i as u64 + 1)
}

fn hms(s: &str) -> Option<(u64, u64, u64)> {
    let mut it = s.split(':');
    let h = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let sec = it.next()?.parse().ok()?;
    if it.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some((h, m, sec))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// An HTTP-date as Unix seconds.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let (day, mon, year, time) = match parts.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [_, d, m, y, t, "GMT"] => (d.parse().ok()?, month(m)?, y.parse::<i64>().ok()?, hms(t)?),
        // Sunday, 06-Nov-94 08:49:37 GMT
        [_, dmy, t, "GMT"] => {
            let mut it = dmy.split('-');
            let d = it.next()?.parse().ok()?;
            let m = month(it.next()?)?;
            let y: i64 = it.next()?.parse().ok()?;
            (d, m, if y < 70 { 2000 + y } else { 1900 + y }, hms(t)?)
        }
        // Sun Nov  6 08:49:37 1994
        [_, m, d, t, y] => (d.parse().ok()?, month(m)?, y.parse().ok()?, hms(t)?),
        _ => return None,
    };
    // A registry controls this header: years outside HTTP-date's four digits would overflow
    // the day arithmetic (found by fuzzing), and mean nothing anyway.
    if !(1..=31).contains(&day) || !(1..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, mon, day);
    let secs = days * 86400 + (time.0 * 3600 + time.1 * 60 + time.2) as i64;
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy {
        tries: 3,
        base_ms: 200,
        max_ms: 10_000,
    };

    #[test]
    fn absurd_years_in_retry_after_are_ignored_not_overflowed() {
        // Found by the registry_replies fuzz target: this overflowed `days * 86400`.
        assert_eq!(
            parse_http_date("W 21 Oct 8888888888882015 07:28:00 GMT"),
            None
        );
        assert_eq!(parse_http_date("Wed, 21 Oct 0 07:28:00 GMT"), None);
    }

    #[test]
    fn what_is_retried() {
        let s = |code| Outcome::Status {
            code,
            retry_after: None,
        };
        assert!(should_retry(&P, true, 1, &Outcome::ConnectionError, 0, 0).is_some());
        assert!(should_retry(&P, true, 1, &s(503), 0, 0).is_some());
        assert!(should_retry(&P, true, 1, &s(500), 0, 0).is_some());
        assert!(should_retry(&P, true, 1, &s(429), 0, 0).is_some());
        assert!(should_retry(&P, true, 1, &s(501), 0, 0).is_none());
        assert!(should_retry(&P, true, 1, &s(404), 0, 0).is_none());
        assert!(should_retry(&P, true, 1, &s(401), 0, 0).is_none());
        // not idempotent, or out of tries
        assert!(should_retry(&P, false, 1, &s(503), 0, 0).is_none());
        assert!(should_retry(&P, true, 3, &s(503), 0, 0).is_none());
        assert!(
            is_idempotent("get")
                && is_idempotent("HEAD")
                && !is_idempotent("POST")
                && !is_idempotent("PATCH")
        );
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let o = Outcome::Status {
            code: 429,
            retry_after: Some("2"),
        };
        assert_eq!(should_retry(&P, true, 1, &o, 12345, 0), Some(2000));
        let o = Outcome::Status {
            code: 429,
            retry_after: Some("3600"),
        };
        assert_eq!(should_retry(&P, true, 1, &o, 0, 0), Some(10_000));
        let now = parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        let o = Outcome::Status {
            code: 503,
            retry_after: Some("Sun, 06 Nov 1994 08:49:37 GMT"),
        };
        assert_eq!(should_retry(&P, true, 2, &o, 0, now), Some(7000));
    }

    #[test]
    fn backoff_grows_with_jitter_in_bounds() {
        for j in [0u64, 1, 99, 12_345_678] {
            let b1 = backoff(&P, 1, j);
            let b2 = backoff(&P, 2, j);
            assert!((100..=200).contains(&b1), "{b1}");
            assert!((200..=400).contains(&b2), "{b2}");
        }
        assert!(backoff(&P, 30, 7) <= 10_000);
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784111777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("tomorrow"), None);
        assert_eq!(parse_retry_after(" 120 ", 0), Some(120));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800),
            Some(0)
        );
        assert_eq!(parse_retry_after("-1", 0), None);
        assert_eq!(parse_retry_after("", 0), None);
    }
}
