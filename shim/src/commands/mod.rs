//! One file per command: gather the input, ask the engine, act, print.

pub mod digest;
pub mod inspect_remote;
pub mod manifest;
pub mod validate;
