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

/// What to do about sources that are not there, after a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Report the fetch's own failure: it is not a "not there", or it names the one source
    /// that is missing in its own words (docker's "no such manifest").
    OwnError,
    /// Fail naming every missing source (this message).
    Fail(String),
    /// Leave them out (`--ignore-missing`), with this warning.
    LeaveOut(String),
}

/// Whether, after a failed fetch, the sources are worth asking again whether they are there:
/// only for a registry's "not there" (`absent`), and with one source only under
/// `--wait-for-sources` or `--ignore-missing` (its own error names it already). Any other
/// failure (a lasting 503) is reported with no further request.
pub fn asks_again(absent: bool, sources: usize, waited: bool, ignore: bool) -> bool {
    absent && (waited || ignore || sources > 1)
}

/// The verdict on `missing` (the absent sources' names) among `sources` sources, when the
/// failure was a registry's "not there" (`absent`) or not, after any waiting: `waited` is
/// `--wait-for-sources`, `ignore` is `--ignore-missing`.
pub fn missing_verdict(
    absent: bool,
    sources: usize,
    missing: &[String],
    waited: bool,
    ignore: bool,
) -> Missing {
    let flagged = waited || ignore;
    if !asks_again(absent, sources, waited, ignore)
        || missing.is_empty()
        || (!flagged && missing.len() == 1)
    {
        return Missing::OwnError;
    }
    let one = missing.len() == 1;
    let names = missing.join(", ");
    if ignore {
        return Missing::LeaveOut(format!(
            "warning: leaving out missing source{}: {names}",
            if one { "" } else { "s" }
        ));
    }
    let them = if one { "it" } else { "them" };
    Missing::Fail(format!(
        "{} source{} not found{}: {names}; wait for {them} with --wait-for-sources DURATION, or leave {them} out with --ignore-missing",
        missing.len(),
        if one { " is" } else { "s are" },
        if waited { " after waiting" } else { "" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_sources_are_named_together_or_left_to_their_own_error() {
        let two = ["a".to_string(), "b".to_string()];
        // Not a "not there", or one source: its own error.
        assert_eq!(
            missing_verdict(false, 2, &two, false, false),
            Missing::OwnError
        );
        assert_eq!(
            missing_verdict(true, 1, &two[..1], false, false),
            Missing::OwnError
        );
        assert_eq!(
            missing_verdict(true, 2, &two[..1], false, false),
            Missing::OwnError
        );
        let Missing::Fail(m) = missing_verdict(true, 3, &two, false, false) else {
            panic!()
        };
        assert!(m.starts_with("2 sources are not found: a, b;"), "{m}");
        let Missing::Fail(m) = missing_verdict(true, 1, &two[..1], true, false) else {
            panic!()
        };
        assert!(
            m.starts_with("1 source is not found after waiting: a;"),
            "{m}"
        );
        assert_eq!(
            missing_verdict(true, 2, &two[..1], false, true),
            Missing::LeaveOut("warning: leaving out missing source: a".into())
        );
    }

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
