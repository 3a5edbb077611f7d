//! Checking a stored list: that every blob it needs is present and matches its digest, and,
//! when one is not, a message naming the blob and the way to get it back. Apart from `load`
//! because `load` reads only index.json and the list blob, and this reads them all.

use std::fs;

use manifold_engine::{media_type, retain, serialize, Digest};

use super::{blob_path, LocalList, Store, StoreError};

impl Store {
    /// Checks that every blob the list needs is there and matches its digest (`load` reads only
    /// index.json and the list blob). The error says which blob, and how to get it back.
    pub fn check(&self, list: &LocalList) -> Result<(), StoreError> {
        let dir = self.dir(&list.name);
        let mut stored = list.index.clone();
        stored.media_type = Some(media_type::OCI_INDEX.to_string());
        let list_digest = Digest::sha256(&serialize::oci_bytes(&stored));
        let needed = retain::needed(&list_digest, &list.index, |d| {
            fs::read(blob_path(&dir, d)).ok()
        });
        let Some(first) = needed.missing.first() else {
            return Ok(());
        };
        let name = &list.name;
        let more = match needed.missing.len() {
            1 => String::new(),
            n => format!(", and {} more", n - 1),
        };
        let source = first
            .role
            .entry()
            .and_then(|i| list.sources.get(i).cloned().flatten());
        let fix = match source {
            Some(src) => format!(
                "add its source again with `manifold add {name} {src}`, or remove the list with `manifold rm {name}`"
            ),
            None => format!("remove it with `manifold rm {name}` and create it again"),
        };
        Err(StoreError(format!(
            "the local list {name} is damaged ({} {} is missing or damaged{more}) in {}; {fix}",
            first.role.describe(),
            first.digest,
            dir.display()
        )))
    }
}
