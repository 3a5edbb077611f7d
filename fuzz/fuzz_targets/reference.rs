//! Docker's reference grammar: never a panic, and what parses prints as a reference that
//! parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::reference::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = Reference::parse_docker(s) {
        let shown = r.to_string();
        let again = Reference::parse_docker(&shown)
            .unwrap_or_else(|e| panic!("{s:?} printed as {shown:?}, which does not parse: {e}"));
        assert_eq!(again, r, "{s:?} printed as {shown:?}");
        let _ = r.familiar();
        let _ = r.name();
    }
    let _ = Reference::parse_normalized(s);
});
