//! pack's words for the list commands (`pack manifest ...`): failures as `ERROR: ...` with exit
//! code 1, success as its `Successfully ...` sentences, and `inspect` as the pushed OCI index
//! indented with two spaces.

use manifold_engine::json::indent;

use crate::error::{CliError, CliResult};
use crate::store::{LocalList, Store};

pub struct Pack;

/// pack's form of every failure: `ERROR: ` before the message, exit code 1.
fn error(message: String) -> CliError {
    CliError::failed(format!("ERROR: {message}"))
}

impl super::Words for Pack {
    fn bad_list_name(&self, raw: &str, e: &manifold_engine::reference::ReferenceError) -> CliError {
        error(format!(
            "'{}' is not a valid manifest list name: {e} ({})",
            crate::error::shown(raw),
            e.hint()
        ))
    }

    fn no_such_list(&self, raw: &str, _name: &str) -> CliError {
        error(format!("Image: '{raw}' not found"))
    }

    fn list_exists(&self, raw: &str, _name: &str, _list: Option<&LocalList>) -> CliError {
        error(format!(
            "manifest list '{raw}' already exists in local storage; use 'pack manifest remove' to remove it before creating a new manifest list with the same name"
        ))
    }

    fn entry_not_found(&self, raw: &str, _name: &str, image: &str) -> CliError {
        error(format!("image '{image}' is not in index '{raw}'"))
    }

    fn bad_image(&self, raw: &str, e: &crate::source::LocationError) -> CliError {
        error(format!("'{raw}' is not a valid manifest reference: {e}"))
    }

    fn bad_instance(
        &self,
        _list_raw: &str,
        raw: &str,
        _selector: &str,
        e: &manifold_engine::ops::OpsError,
    ) -> CliError {
        error(format!("invalid instance '{raw}': {e}"))
    }

    fn unknown_flag(&self, _command: &str, problem: &str) -> CliError {
        error(problem.to_string())
    }

    fn insecure_without_publish(&self) -> Option<CliError> {
        Some(error("insecure flag requires the publish flag".to_string()))
    }

    fn nothing_to_annotate(&self) -> Option<CliError> {
        Some(error(
            "one of --os, --arch, or --variant is required".to_string(),
        ))
    }

    fn list_created(&self, raw: &str, _name: &str, _list: &LocalList) -> Option<String> {
        Some(format!("Successfully created manifest list '{raw}'"))
    }

    fn images_added(&self, images: &[String], _list: &LocalList) -> Option<String> {
        let lines: Vec<String> = images
            .iter()
            .map(|raw| format!("Successfully added image '{raw}' to index"))
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    fn annotated(&self, raw: &str, image: &str, _list: &LocalList) -> Option<String> {
        Some(format!(
            "Successfully annotated image '{image}' in index '{raw}'"
        ))
    }

    fn pushed(&self, raw: &str, _digest: &manifold_engine::Digest) -> Option<String> {
        Some(format!(
            "Successfully pushed manifest list '{raw}' to registry"
        ))
    }

    fn lists_deleted(&self) -> Option<String> {
        Some("Successfully deleted manifest list(s) from local storage".to_string())
    }

    fn entries_removed(&self, raw: &str, _list: &LocalList) -> Option<String> {
        Some(format!("Successfully removed image(s) from index: '{raw}'"))
    }

    fn list_document(
        &self,
        _store: &Store,
        list: &LocalList,
        _verbose: bool,
    ) -> CliResult<Vec<u8>> {
        let mut b = indent::reformat(&self.push_bytes(list)?, "  ", false);
        b.push(b'\n');
        Ok(b)
    }

    fn push_bytes(&self, list: &LocalList) -> CliResult<Vec<u8>> {
        Ok(super::podman::oci_push_bytes(list))
    }
}
