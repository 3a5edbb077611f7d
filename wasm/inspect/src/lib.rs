//! manifold's `check` and `compare` over an OCI image layout, for JavaScript.
//!
//! The page drops a folder or a tar; JavaScript (`wasm/js/inspect.js`) reads the bytes where
//! the engine says ([`archive::layout`](manifold_engine::archive::layout)) and this module turns
//! the engine's answers into JSON. A module of its own, loaded on the first drop, so the
//! validator's first load does not carry the decompressors and the check.

pub mod api;

#[cfg(feature = "js")]
mod js;

#[cfg(all(
    feature = "js",
    target_family = "wasm",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
