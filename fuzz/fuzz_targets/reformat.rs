//! Go's json.Indent/json.Compact on valid JSON: the output is valid JSON with the same value,
//! indented or compacted, with or without HTML escapes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::json::indent::reformat;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for (indent, escape) in [("", false), ("", true), ("   ", false), ("\t", true)] {
        let out = reformat(data, indent, escape);
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
            panic!(
                "reformat({indent:?}, {escape}) made invalid JSON: {e}\n{}",
                String::from_utf8_lossy(&out)
            )
        });
        assert_eq!(back, value, "reformat({indent:?}, {escape}) changed the value");
    }
});
