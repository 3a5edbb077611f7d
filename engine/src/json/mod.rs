//! JSON as the domain needs it: a reader that keeps spans, duplicates and number text for
//! validation ([`tree`]), and a writer that matches Go's encoder byte for byte ([`go`]).

pub mod go;
pub mod indent;
pub mod tree;
