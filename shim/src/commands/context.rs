//! What every list command shares: the personality with its words, the store, how list names
//! are normalised, and opening a stored list to change it.

use manifold_engine::reference::{self, Reference, ReferenceError};

use crate::error::{CliError, CliResult};
use crate::output::Words;
use crate::personality::Personality;
use crate::store::{ListLock, LocalList, Store};

pub struct Context {
    pub personality: Personality,
    /// The personality's texts: every failure and success line a command prints.
    pub words: &'static dyn Words,
    pub store: Store,
}

impl Context {
    pub fn new(personality: Personality) -> CliResult<Context> {
        let store = Store::open()?;
        Ok(Context {
            personality,
            words: personality.words(),
            store,
        })
    }

    /// The stored name of a list argument: docker's normalisation (`foo` →
    /// `docker.io/library/foo:latest`); podman puts names without a registry under `localhost/`.
    /// In the podman personality a list's ID (or a prefix of at least 12 hex digits) names it
    /// too, when no list has that name.
    pub fn parse_list_name(&self, raw: &str) -> Result<String, ReferenceError> {
        let parsed = self.parse_plain_list_name(raw);
        let id_like = (12..=64).contains(&raw.len())
            && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !self.personality.names_lists_by_id() || !id_like {
            return parsed;
        }
        if let Ok(name) = &parsed {
            if self.store.exists(name) {
                return parsed;
            }
        }
        let names = self.store.names().unwrap_or_default();
        let mut by_id = names
            .into_iter()
            .filter(|n| crate::output::id_of_name(n).starts_with(raw));
        match (by_id.next(), by_id.next()) {
            (Some(name), None) => Ok(name),
            _ => parsed,
        }
    }

    fn parse_plain_list_name(&self, raw: &str) -> Result<String, ReferenceError> {
        let parsed = match self.personality.unqualified_registry() {
            Some(registry) if !reference::names_registry(raw) => {
                Reference::parse_docker(&format!("{registry}/{raw}"))
            }
            _ => Reference::parse_docker(raw),
        };
        parsed.map(|r| r.to_string())
    }

    /// [`Context::parse_list_name`], a bad name worded as the personality words it.
    pub fn list_name(&self, raw: &str) -> CliResult<String> {
        self.parse_list_name(raw)
            .map_err(|e| self.words.bad_list_name(raw, &e))
    }

    /// Locks the stored list `name` and reads it under the lock; `missing` is the error when it
    /// is not there (any more).
    pub fn open_list(
        &self,
        name: &str,
        missing: impl FnOnce() -> CliError,
    ) -> CliResult<(ListLock, LocalList)> {
        let lock = self.store.lock(name)?;
        let list = self.store.load(name)?.ok_or_else(missing)?;
        Ok((lock, list))
    }
}
