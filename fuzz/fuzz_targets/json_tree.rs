//! The span-keeping JSON reader: any bytes give a tree or an error, never a panic; whatever
//! it accepts serde_json accepts too (the reader is stricter, never looser), except numbers
//! beyond f64's range, which are valid JSON that serde_json refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::json::tree;

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = tree::parse(data) {
        let _ = node.type_name();
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(data) {
            assert!(
                e.to_string().starts_with("number out of range"),
                "the reader accepted what serde_json refuses: {e}"
            );
        }
    }
});
