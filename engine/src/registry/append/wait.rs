//! Waiting for sources (`--wait-for-sources`): a source a registry does not serve yet (a CDN
//! answers 404 for a while after a push) is asked again with backoff until the deadline.

/// How the waits between polls grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPolicy {
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            base_ms: 250,
            max_ms: 5000,
        }
    }
}

/// The wait before poll `attempt + 1` (`attempt` 1-based), never past the deadline
/// (`remaining_ms` from now); `None` when the deadline has passed. `jitter` is any number.
pub fn next_poll(policy: &WaitPolicy, attempt: u32, remaining_ms: u64, jitter: u64) -> Option<u64> {
    if remaining_ms == 0 {
        return None;
    }
    let step = policy
        .base_ms
        .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(20))
        .min(policy.max_ms);
    let half = step / 2;
    Some((half + jitter % (half + 1)).min(remaining_ms))
}

/// A duration flag (`30s`, `2m`, `500ms`, `1h`, or plain seconds) in milliseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| {
        format!("{s}: not a duration; write a number with ms, s, m or h (30s, 500ms)")
    })?;
    let scale = match unit {
        "ms" => 1,
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "{s}: unknown unit {unit:?}; use ms, s, m or h (30s, 500ms)"
            ))
        }
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s}: too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(30_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("2m"), Ok(120_000));
        assert_eq!(parse_duration("3"), Ok(3000));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn polls_back_off_and_stop_at_the_deadline() {
        let p = WaitPolicy::default();
        assert_eq!(next_poll(&p, 1, 0, 0), None);
        assert_eq!(next_poll(&p, 1, 10_000, 0), Some(125));
        assert_eq!(next_poll(&p, 1, 50, 0), Some(50));
        assert!(next_poll(&p, 30, 100_000, u64::MAX).unwrap() <= p.max_ms);
    }
}
