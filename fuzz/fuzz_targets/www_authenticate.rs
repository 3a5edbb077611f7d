//! The registry's `WWW-Authenticate` challenges: any header values give challenges or a
//! reasoned error, never a panic; a Bearer challenge always has a realm.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::registry::{parse_challenges, Challenge};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // A NUL byte splits the input into several header values.
    let values: Vec<&str> = s.split('\0').collect();
    match parse_challenges(&values) {
        Ok(challenges) => {
            for c in &challenges {
                assert!(!c.scheme().is_empty());
                if let Challenge::Bearer { realm, .. } = c {
                    let _ = realm.len();
                }
            }
        }
        Err(e) => {
            assert!(!e.reason.is_empty());
            let _ = e.to_string();
        }
    }
});
