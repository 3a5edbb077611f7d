//! One file per command: gather the input, ask the engine, act, print.

pub mod add;
pub mod annotate;
pub mod context;
pub mod create;
pub mod digest;
pub mod entries;
pub mod inspect;
pub mod inspect_remote;
pub mod ls;
pub mod manifest;
pub mod push;
pub mod rm;
pub mod validate;
