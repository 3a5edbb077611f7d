//! Which tool manifold stands in for. The personalities differ only where the tools differ:
//! output texts and formats, which of `rm`/`remove` deletes lists, exit codes of usage errors.

use std::path::Path;

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
}
