//! The span-keeping JSON reader: any bytes give a tree or an error, never a panic; whatever
//! it accepts serde_json accepts too (the reader is stricter, never looser).
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::json::tree;

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = tree::parse(data) {
        let _ = node.type_name();
        assert!(
            serde_json::from_slice::<serde_json::Value>(data).is_ok(),
            "the reader accepted what serde_json refuses"
        );
    }
});
