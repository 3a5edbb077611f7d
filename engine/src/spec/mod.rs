//! List specs: several lists described in one file (manifest-tool's YAML, `push from-spec`)
//! or by flags (`push from-args`), read and checked completely before anything is fetched or
//! written. `yaml` reads YAML into a line-keeping tree within fixed bounds (size, depth,
//! aliases, expanded nodes, documents); `model` turns that tree into [`ListSpec`]s; `args`
//! makes one from flags. How each entry's platform is settled against the image's own is
//! here too ([`resolve_platform`]).

pub mod args;
pub mod model;
pub mod yaml;

pub use args::from_args;
pub use model::{
    check_format, parse_spec, repeated_platform, resolve_platform, EntrySpec, ListSpec, SpecError,
};
pub use yaml::MAX_SPEC_BYTES;

#[cfg(test)]
mod tests;
