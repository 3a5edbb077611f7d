//! Sizes as docker shows them: decimal units (kB, MB, GB), three significant digits, so the
//! numbers match what `docker images` says of the same layers.

/// `512 B`, `1.5 kB`, `12.3 MB`, `1.02 GB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 999.5 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    let digits = if v >= 99.95 {
        0
    } else if v >= 9.995 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1000), "1 kB");
        assert_eq!(human_size(1500), "1.5 kB");
        assert_eq!(human_size(12_345_678), "12.3 MB");
        assert_eq!(human_size(999_999), "1 MB");
        assert_eq!(human_size(1_020_000_000), "1.02 GB");
        assert_eq!(human_size(u64::MAX), "18447 PB");
    }
}
