//! What each personality prints, byte for byte where the tool's output is known.
//!
//! [`Words`] is every text that differs between the tools: the failures commands raise for the
//! same reasons, the refusals only one tool makes, the success lines and the `inspect` form of a
//! local list. `docker.rs`, `podman.rs` and `pack.rs` each implement it, so a command asks
//! `ctx.words` once and never branches on the personality for wording; a text that is missing
//! for one tool is a compile error rather than a fall-through.

pub mod docker;
pub mod json;
pub mod pack;
pub mod podman;

use std::io::Write;

use manifold_engine::model::Platform;
use manifold_engine::ops::OpsError;
use manifold_engine::reference::ReferenceError;
use manifold_engine::Digest;

use crate::error::{CliError, CliResult};
use crate::source::LocationError;
use crate::store::{LocalList, Store};

/// One personality's texts. Methods with a default are the texts where the tools agree or
/// where only one tool refuses (`None`: no refusal, go on).
pub trait Words: Sync {
    /// A list argument that is no valid name (create, add, inspect, exists, drop entries).
    fn bad_list_name(&self, raw: &str, e: &ReferenceError) -> CliError;

    /// A list argument of `push` or `rm` that is no valid name.
    fn bad_list_name_to_push(&self, raw: &str, e: &ReferenceError) -> CliError {
        self.bad_list_name(raw, e)
    }

    /// A list argument of `annotate` that is no valid name.
    fn bad_list_name_to_annotate(&self, raw: &str, e: &ReferenceError) -> CliError {
        self.bad_list_name(raw, e)
    }

    /// The list `raw` (stored as `name`) is not in the store.
    fn no_such_list(&self, raw: &str, name: &str) -> CliError;

    /// The list `annotate` was to change is not in the store.
    fn no_list_to_annotate(&self, raw: &str, name: &str, _image: &str) -> CliError {
        self.no_such_list(raw, name)
    }

    /// `create` of a list that exists, without `--amend` (`list`: what it holds, when readable).
    fn list_exists(&self, raw: &str, name: &str, list: Option<&LocalList>) -> CliError;

    /// `push` of a list that is not in the store.
    fn no_list_to_push(&self, raw: &str, name: &str) -> CliError {
        self.no_such_list(raw, name)
    }

    /// `annotate`: no entry of list `raw` (stored as `name`) is `image`.
    fn entry_not_found(&self, raw: &str, name: &str, image: &str) -> CliError;

    /// An IMAGE argument as this tool writes it, its transport prefix handled: podman's
    /// `docker://` is dropped, and the containers/image transports manifold cannot read
    /// (`containers-storage:`, `dir:`, ...) are refused. Docker and pack take the text as is.
    fn image_argument<'a>(&self, raw: &'a str) -> CliResult<&'a str> {
        Ok(raw)
    }

    /// An IMAGE argument that names no location.
    fn bad_image(&self, raw: &str, e: &LocationError) -> CliError;

    /// A push destination that names no location.
    /// (podman and pack name the argument; docker prints the parse error alone.)
    fn bad_destination(&self, raw: &str, e: &LocationError) -> CliError {
        CliError::failed(format!("invalid destination {raw:?}: {e}"))
    }

    /// An entry `raw` of `remove LIST DIGEST` (pack: `rm`) that is not in list `list_raw`.
    fn bad_instance(&self, list_raw: &str, raw: &str, selector: &str, e: &OpsError) -> CliError;

    /// `create --insecure` without `--publish` (pack refuses it).
    fn insecure_without_publish(&self) -> Option<CliError> {
        None
    }

    /// `annotate LIST IMAGE` where IMAGE is neither a digest nor a location (docker refuses it
    /// before reading the list; the others look for an entry by that name).
    fn bad_entry_name(&self, _image: &str, _e: &LocationError) -> Option<CliError> {
        None
    }

    /// `annotate` of an entry with nothing to set or clear (pack refuses it).
    fn nothing_to_annotate(&self) -> Option<CliError> {
        None
    }

    /// `annotate` leaving an entry with `platform`, after the flags `--os os --arch arch`
    /// (docker refuses combinations it does not know).
    fn unsupported_platform(
        &self,
        _platform: &Platform,
        _os: &str,
        _arch: &str,
    ) -> Option<CliError> {
        None
    }

    /// `push` of a list with no entries (docker refuses it).
    fn empty_push(&self, _name: &str) -> Option<CliError> {
        None
    }

    /// What `create` prints for the new list `raw` (stored as `name`).
    fn list_created(&self, raw: &str, name: &str, list: &LocalList) -> Option<String>;

    /// What `add` prints after adding `images` to `list`.
    fn images_added(&self, images: &[String], list: &LocalList) -> Option<String>;

    /// What `annotate` prints after changing entry `image` (empty with `--index`) of `raw`.
    fn annotated(&self, raw: &str, image: &str, list: &LocalList) -> Option<String>;

    /// What a publish prints: the digest, or the tool's sentence.
    /// `None`: the tool prints nothing on stdout (podman; `--digestfile` has the digest).
    fn pushed(&self, _raw: &str, digest: &Digest) -> Option<String> {
        Some(digest.to_string())
    }

    /// `rm` of a list that is not in the store (podman exits 1 there, 125 elsewhere).
    fn no_list_to_delete(&self, raw: &str, name: &str) -> CliError {
        self.no_such_list(raw, name)
    }

    /// What `rm` prints for each list it deleted (`list`: what it held, unless it was damaged).
    fn list_deleted(&self, _name: &str, _list: Option<&LocalList>) -> Option<String> {
        None
    }

    /// What `rm` prints once every list was deleted.
    fn lists_deleted(&self) -> Option<String> {
        None
    }

    /// What dropping entries from list `raw` prints.
    fn entries_removed(&self, _raw: &str, list: &LocalList) -> Option<String> {
        Some(list_id(list))
    }

    /// `inspect LIST` of a local list (`verbose`: docker's `-v`).
    fn list_document(&self, store: &Store, list: &LocalList, verbose: bool) -> CliResult<Vec<u8>>;

    /// The bytes a push of this list sends (`inspect --raw`).
    fn push_bytes(&self, list: &LocalList) -> CliResult<Vec<u8>>;

    /// A flag of list command `command` that this tool does not have; `problem` is pflag's
    /// sentence (`unknown flag: --x`, `unknown shorthand flag: 'r' in -rf`). The default is
    /// podman's form (cobra with podman's flag-error hook): `Error: `, the sentence, then
    /// `See 'podman manifest CMD --help'`, exit 125.
    fn unknown_flag(&self, command: &str, problem: &str) -> CliError {
        CliError::with_code(
            format!("Error: {problem}\nSee 'podman manifest {command} --help'"),
            125,
        )
    }
}

/// The ID podman prints after changing a list (64 hex digits, as podman's image IDs). podman's
/// is random and kept for the list's life; this one is the hex SHA-256 of the list's stored
/// name (`printf %s localhost/pl:latest | sha256sum`), so it stays the same through every
/// add, annotate and remove, and across runs, and the podman personality finds the list by it
/// (`Context::parse_list_name`).
pub fn list_id(list: &LocalList) -> String {
    id_of_name(&list.name)
}

/// The list ID of the stored list name `name` (see [`list_id`]).
pub fn id_of_name(name: &str) -> String {
    Digest::sha256(name.as_bytes()).encoded().to_string()
}

/// Prints a success line, when the personality has one.
pub fn say(line: Option<String>) {
    if let Some(line) = line {
        println!("{line}");
    }
}

/// Writes `bytes` to stdout; a closed pipe (`| head`) ends the process quietly
/// ([`crate::pipe`]).
pub fn print_bytes(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(crate::pipe::write_failed)
}

#[cfg(test)]
mod tests {
    use crate::personality::Personality;

    #[test]
    fn each_personality_words_a_missing_list_with_its_code() {
        let said = |p: Personality, raw: &str, name: &str| {
            let e = p.words().no_such_list(raw, name);
            (e.message, e.code)
        };
        assert_eq!(
            said(Personality::Docker, "x", "docker.io/library/x:latest"),
            ("No such manifest: docker.io/library/x:latest".into(), 1)
        );
        assert_eq!(
            said(Personality::Podman, "x", "localhost/x:latest"),
            ("Error: x: image not known".into(), 125)
        );
        assert_eq!(
            said(Personality::Pack, "x", "docker.io/library/x:latest"),
            ("ERROR: Image: 'x' not found".into(), 1)
        );
    }

    #[test]
    fn refusals_only_their_tool_makes() {
        assert!(Personality::Pack
            .words()
            .insecure_without_publish()
            .is_some());
        assert!(Personality::Docker
            .words()
            .insecure_without_publish()
            .is_none());
        assert!(Personality::Docker.words().empty_push("x").is_some());
        assert!(Personality::Podman.words().empty_push("x").is_none());
    }
}
