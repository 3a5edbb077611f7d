//! Nothing here: the host is in `tests/plugin.rs`.
