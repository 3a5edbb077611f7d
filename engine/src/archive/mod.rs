//! Reading image layers and image archives from bytes, with no IO.
//!
//! The host pushes bytes in as it reads them (from a registry, a file or a dropped file in a
//! browser); nothing here pulls, so the same code runs natively, in a browser and in the
//! component plugin. Memory stays bounded whatever the layer's size: a layer is decompressed and
//! read as a tar stream chunk by chunk, and of each file only its first [`HEADER_BYTES`] are
//! kept, enough to tell an ELF or PE executable and its machine.
//!
//! - [`tar`]: a push-based tar reader (ustar, GNU long names, PAX path/size headers);
//! - [`gzip`], [`zstd`]: push-based decompressors ([`Decoder`] picks one from a layer's media
//!   type or its first bytes);
//! - [`machine`]: ELF and PE machine detection and the machine ↔ OCI architecture mapping;
//! - [`scanner`]: [`LayerScanner`], which ties them together and lists a layer's executables.

pub mod gzip;
pub mod layout;
pub mod machine;
pub mod scanner;
pub mod tar;
pub mod zstd;

mod decoder;
mod error;
#[cfg(test)]
pub(crate) mod testkit;

pub use decoder::{Compression, Decoder};
pub use error::ArchiveError;
pub use machine::{detect, ExecutableFormat, Machine, HEADER_BYTES};
pub use scanner::{Executable, LayerScanner, ScanReport, MAX_EXECUTABLES};
pub use tar::{EntryKind, TarEntry, TarEvent, TarReader};
