//! What every list command shares: the personality, the store, how list names are normalised
//! and how each tool words the common failures.

use manifold_engine::reference::Reference;

use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::store::{LocalList, Store};

pub struct Context {
    pub personality: Personality,
    pub store: Store,
}

impl Context {
    pub fn new(personality: Personality) -> CliResult<Context> {
        let store = Store::open()?;
        Ok(Context { personality, store })
    }

    /// The stored name of a list argument: docker's normalisation (`foo` →
    /// `docker.io/library/foo:latest`); podman puts unqualified names under `localhost/`.
    pub fn list_name(&self, raw: &str) -> CliResult<String> {
        let parsed = match self.personality {
            Personality::Podman if !has_domain(raw) => {
                Reference::parse_docker(&format!("localhost/{raw}"))
            }
            _ => Reference::parse_docker(raw),
        };
        match parsed {
            Ok(r) => Ok(r.to_string()),
            Err(e) => Err(match self.personality {
                Personality::Docker => {
                    let raw = crate::error::shown(raw);
                    CliError::failed(format!("error parsing name for manifest list {raw}: {e}"))
                }
                Personality::Podman => {
                    CliError::with_code(format!("Error: parsing name {raw:?}: {e}"), 125)
                }
                Personality::Pack => CliError::failed(format!(
                    "ERROR: '{}' is not a valid manifest list name: {e} ({})",
                    crate::error::shown(raw),
                    e.hint()
                )),
            }),
        }
    }

    /// The error for a list that is not in the store, in the personality's words.
    pub fn no_such_list(&self, raw: &str, name: &str) -> CliError {
        match self.personality {
            Personality::Docker => CliError::failed(format!("No such manifest: {name}")),
            Personality::Podman => {
                CliError::with_code(format!("Error: {raw}: image not known"), 125)
            }
            Personality::Pack => CliError::failed(format!("ERROR: Image: '{raw}' not found")),
        }
    }

    /// podman prints the list's ID after changing it: here the hex digest of the stored list.
    pub fn list_id(list: &LocalList) -> String {
        let mut index = list.index.clone();
        index.media_type = Some(manifold_engine::media_type::OCI_INDEX.to_string());
        manifold_engine::Digest::sha256(&manifold_engine::serialize::oci_bytes(&index))
            .encoded()
            .to_string()
    }
}

/// True when the first path component names a registry (docker's rule: it has `.` or `:`, or is `localhost`).
fn has_domain(raw: &str) -> bool {
    match raw.split_once('/') {
        Some((first, _)) => {
            first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase())
        }
        None => false,
    }
}
