//! manifold's engine for JavaScript: the wasm-bindgen surface of [`api`].
//!
//! Every function takes a document as a string (encoded as UTF-8) or as a `Uint8Array` (the
//! exact bytes, which is what a digest must be computed over) and returns a plain object; a
//! failure is `{ ok: false, error: { message, detail?, hint? } }`, never a thrown string.
//! The TypeScript types below are the contract; `api` produces exactly these shapes.

pub mod api;

#[cfg(feature = "js")]
mod js;
#[cfg(feature = "js")]
pub use js::*;
