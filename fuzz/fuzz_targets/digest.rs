//! Digest strings: never a panic; a parsed digest prints exactly as given and parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::Digest;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Digest::parse(s) {
        assert_eq!(d.as_str(), s);
        assert_eq!(Digest::parse(d.as_str()).as_ref(), Ok(&d));
        let _ = d.verify(data);
        let _ = d.algorithm().hex_len();
    }
});
