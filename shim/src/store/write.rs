//! The store's file writing: every write is a hidden temp file renamed into place (so a reader
//! sees the old file or the new one, and a killed run leaves only `.tmp-*` names, which the
//! next save removes), the names those temp files and folders get, and the error text for a
//! failed write, with the way out for a full or failing device. Shared by the store and by the
//! other writers in the shim (`layout`, `publishing`).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::{names, Store, StoreError};

/// `cannot WHAT PATH: OS ERROR`, with the way out for a full or failing device.
pub(crate) fn io_err(what: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError(format!(
        "cannot {what} {}: {e}{}",
        path.display(),
        way_out(path, &e)
    ))
}

/// What to do about a full or failing device, naming the folder whose device it is: the local
/// store (and the variable that moves it) for a path inside it, else the path's folder.
fn way_out(path: &Path, e: &io::Error) -> String {
    let holder = match Store::open() {
        Ok(s) if path.starts_with(&s.root) => {
            format!(
                "the local store ({}, set by MANIFOLD_HOME)",
                s.root.display()
            )
        }
        _ => path.parent().unwrap_or(path).display().to_string(),
    };
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            format!("; free space on the device holding {holder} and run the command again")
        }
        _ if e.raw_os_error() == Some(5) => {
            format!("; the device holding {holder} reported an I/O error: check it")
        }
        _ => String::new(),
    }
}
/// Deletes the `.tmp-*` files directly in `dir` (what `write_atomic` leaves when killed).
pub(super) fn remove_temp_files(dir: &Path) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-")
                && e.file_type().is_ok_and(|t| t.is_file())
            {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// The start of every temp folder name of one list. `+` never appears in an encoded name, so
/// the prefix of `app:latest` is not a prefix of `app:latest-1`'s temp folders.
pub(super) fn temp_prefix(name: &str) -> String {
    format!(".tmp-{}+", names::encode(name))
}

pub(super) fn temp_folder(name: &str) -> String {
    format!("{}{}", temp_prefix(name), unique())
}

/// A name part no other writer uses at the same time: process id, a per-process counter
/// (threads of one run write blobs in parallel) and the clock's nanoseconds.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to a hidden temp file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_file(path, bytes, true)?;
    sync_dir(path.parent().expect("store paths have a parent"));
    Ok(())
}

/// Writes `bytes` to a hidden temp file beside `path` and renames it over `path`, so a reader
/// sees the old file or the new one; with `sync`, the file's data is synced before the rename
/// (its folder is the caller's to sync).
pub(super) fn write_file(path: &Path, bytes: &[u8], sync: bool) -> Result<(), StoreError> {
    let dir = path.parent().expect("store paths have a parent");
    // The folders made here are removed again if the write fails.
    let mut made_dirs = Vec::new();
    let mut d = dir;
    while !d.as_os_str().is_empty() && !d.exists() {
        made_dirs.push(d.to_path_buf());
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    let remove_made = || {
        for d in &made_dirs {
            let _ = fs::remove_dir(d);
        }
    };
    if let Err(e) = fs::create_dir_all(dir) {
        remove_made();
        return Err(io_err("create", dir, e));
    }
    let tmp = dir.join(format!(".tmp-{}", unique()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        remove_made();
        return Err(io_err("write", path, e));
    }
    Ok(())
}

pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
