//! `inspect REF` of a registry's manifest or list, printed as docker prints it.

use crate::cli::InspectArgs;
use crate::error::{CliError, CliResult};

pub fn run(_args: &InspectArgs, reference: &str) -> CliResult {
    Err(CliError::failed(format!("no such manifest: {reference}")))
}
