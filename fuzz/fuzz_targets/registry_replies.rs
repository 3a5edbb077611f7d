//! What else a registry sends that the engine reads: token replies, error bodies and
//! `Retry-After` values (seconds or HTTP dates). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::registry::{parse_retry_after, parse_token_response, RegistryErrors};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let _ = parse_token_response(rest);
        }
        1 => {
            if let Some(errors) = RegistryErrors::parse(rest) {
                let _ = errors.first_code();
            }
        }
        _ => {
            if let Ok(s) = std::str::from_utf8(rest) {
                for now in [0, 1_700_000_000, u64::MAX] {
                    let _ = parse_retry_after(s, now);
                }
            }
        }
    }
});
