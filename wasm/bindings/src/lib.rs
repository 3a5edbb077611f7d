//! manifold's engine for JavaScript: the wasm-bindgen surface of [`api`].
//!
//! Every function takes a document as a string (encoded as UTF-8) or as a `Uint8Array` (the
//! exact bytes, which is what a digest must be computed over) and returns a plain object; a
//! failure is `{ ok: false, error: { message, detail?, hint? } }`, never a thrown string.
//! The TypeScript types below are the contract; `api` produces exactly these shapes.

pub mod api;

#[cfg(feature = "js")]
mod js;

/// talc instead of dlmalloc: 2.8 KB less of the gzipped module, no slower (see Cargo.toml).
#[cfg(all(
    feature = "js",
    target_family = "wasm",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
#[cfg(feature = "js")]
pub use js::*;
