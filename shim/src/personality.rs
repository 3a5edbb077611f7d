//! Which tool manifold stands in for. The personalities differ only where the tools differ:
//! output texts and formats, which of `rm`/`remove` deletes lists, exit codes of usage errors.
//! The texts are in `output/` behind [`Personality::words`]; the few rules that are not texts
//! (how entries are keyed, where unqualified names go, ...) are the methods here.

use std::path::Path;

use manifold_engine::ops::{EntryKey, ListFormat};

use crate::output::Words;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personality {
    Docker,
    Podman,
    Pack,
}

impl Personality {
    pub fn parse(s: &str) -> Option<Personality> {
        match s.to_ascii_lowercase().as_str() {
            "docker" => Some(Personality::Docker),
            "podman" | "buildah" => Some(Personality::Podman),
            "pack" => Some(Personality::Pack),
            _ => None,
        }
    }

    /// `--compat` wins, then `MANIFOLD_COMPAT`, then the name the program runs under
    /// (a symlink named docker, podman or pack), else docker.
    pub fn detect(flag: Option<&str>) -> Result<Personality, String> {
        if let Some(f) = flag {
            return Personality::parse(f).ok_or_else(|| {
                format!("--compat {f}: unknown personality; use docker, podman or pack")
            });
        }
        if let Ok(v) = std::env::var("MANIFOLD_COMPAT") {
            if !v.is_empty() {
                return Personality::parse(&v).ok_or_else(|| {
                    format!("MANIFOLD_COMPAT={v}: unknown personality; use docker, podman or pack")
                });
            }
        }
        Ok(Personality::from_program_name().unwrap_or(Personality::Docker))
    }

    fn from_program_name() -> Option<Personality> {
        let arg0 = std::env::args_os().next()?;
        let name = Path::new(&arg0).file_name()?.to_string_lossy().into_owned();
        Personality::parse(&name)
    }

    /// The exit code of a command-line mistake: docker exits 125 for a bad flag (1 for a wrong
    /// argument count), podman 125, pack 1; manifold's own commands 2.
    pub fn usage_exit_code(self, unknown_flag: bool) -> i32 {
        match self {
            Personality::Docker if unknown_flag => 125,
            Personality::Docker => 1,
            Personality::Podman => 125,
            Personality::Pack => 1,
        }
    }

    /// True when `rm LIST...` deletes whole lists (docker, podman); pack's `rm` drops entries.
    pub fn rm_deletes_lists(self) -> bool {
        self != Personality::Pack
    }

    /// Everything this personality prints, as one value commands ask.
    pub fn words(self) -> &'static dyn Words {
        match self {
            Personality::Docker => &crate::output::docker::Docker,
            Personality::Podman => &crate::output::podman::Podman,
            Personality::Pack => &crate::output::pack::Pack,
        }
    }

    /// What makes an added image the same as an entry it replaces: docker keys entries by the
    /// reference they were added as, podman and pack by digest.
    pub fn entry_key(self) -> EntryKey {
        match self {
            Personality::Docker => EntryKey::Source,
            Personality::Podman | Personality::Pack => EntryKey::Digest,
        }
    }

    /// The registry a list name without one is stored under: podman's `localhost`; docker and
    /// pack normalise it to Docker Hub.
    pub fn unqualified_registry(self) -> Option<&'static str> {
        match self {
            Personality::Podman => Some("localhost"),
            Personality::Docker | Personality::Pack => None,
        }
    }

    /// Whether a list argument may be the list's ID (or at least 12 of its first hex digits), as
    /// podman takes an image ID wherever it takes a name.
    pub fn names_lists_by_id(self) -> bool {
        self == Personality::Podman
    }

    /// The format of a new list when `--format` is not given: pack's is OCI; docker and podman
    /// decide when the list is written.
    pub fn default_list_format(self) -> Option<ListFormat> {
        match self {
            Personality::Pack => Some(ListFormat::Oci),
            Personality::Docker | Personality::Podman => None,
        }
    }

    /// True when `annotate --arch` without `--variant` clears the variant (podman's
    /// AnnotateInstance).
    pub fn arch_resets_variant(self) -> bool {
        self == Personality::Podman
    }

    /// True when `inspect` of a name that is no local list asks the registry; pack's shows
    /// local lists only.
    pub fn inspects_registry(self) -> bool {
        self != Personality::Pack
    }
}
