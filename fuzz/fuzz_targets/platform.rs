//! containerd's platform specifiers: never a panic; normalising is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::platform;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = platform::parse(s) {
        let n = platform::normalize(&p);
        assert_eq!(platform::normalize(&n), n, "normalize is not idempotent for {s:?}");
        assert!(platform::matches(&n, &n), "{s:?} does not match itself");
    }
    let _ = platform::parse_exact(s);
});
