//! One file per command: gather the input, ask the engine, act, print. Commands never use
//! each other; what several need lives in helper modules that are no command: `context`
//! (personality, words, store, list names), `flags` (flag values as engine values), `entries`
//! (IMAGE arguments into entries) and `publishing` (destination, publish, report). `manifest`
//! dispatches the list commands.

pub mod add;
pub mod annotate;
pub mod check;
pub mod compare;
pub mod context;
pub mod create;
pub mod digest;
pub mod entries;
pub mod flags;
pub mod generated;
pub mod inspect;
pub mod ls;
pub mod manifest;
pub mod publishing;
pub mod push;
pub mod rm;
pub mod validate;
pub mod walking;
