//! Executables against the architecture of the image they ship in.
//!
//! The failures this catches are real and quiet: an amd64 image that shipped an aarch64 nginx,
//! an arm64 image holding an amd64 userland, two "platforms" built on the same machine. The
//! layer scanner (`archive::LayerScanner`, host-fed) reports each ELF or PE file's machine
//! field, `archive::Machine` says which architecture it means, and this module whether it
//! belongs in the image.

use serde::{Deserialize, Serialize};

use super::report::{Finding, Rule, Severity};
use crate::archive::{self, Machine};

/// The executable formats whose machine field is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutableFormat {
    /// ELF: `e_machine`, with `EI_CLASS` (bits) and `EI_DATA` (byte order).
    Elf,
    /// PE/COFF: the COFF header's `Machine`.
    Pe,
}

/// One executable found in a layer, as the scanner reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executable {
    /// Its path in the layer, as the tar names it (`usr/sbin/nginx` or `./usr/sbin/nginx`);
    /// shown with one leading `/`.
    pub path: String,
    pub format: ExecutableFormat,
    /// ELF `e_machine` or PE `Machine`, as read (in the file's byte order).
    pub machine: u16,
    /// 32 or 64: ELF `EI_CLASS`; for PE, 64 for PE32+ and 32 otherwise.
    pub bits: u8,
    /// ELF `EI_DATA` says big-endian (ppc64, s390x, mips); false for PE.
    pub big_endian: bool,
}

impl Executable {
    /// The machine as the archive reader names it, whose mapping to architectures is the one
    /// the whole engine uses.
    pub fn machine(&self) -> Machine {
        Machine {
            format: match self.format {
                ExecutableFormat::Elf => archive::ExecutableFormat::Elf,
                ExecutableFormat::Pe => archive::ExecutableFormat::Pe,
            },
            code: self.machine,
            bits: self.bits,
            big_endian: self.big_endian,
        }
    }

    /// The GOARCH the machine field means (what an image's `architecture` says) and the name
    /// people use for it (`aarch64`), or `None` for a machine no image platform names.
    pub fn architecture(&self) -> Option<(&'static str, String)> {
        let m = self.machine();
        m.oci_architecture().map(|a| (a, m.name()))
    }

    /// The path as shown: one leading `/`, no `./`.
    pub fn shown_path(&self) -> String {
        let p = self.path.trim_start_matches("./").trim_start_matches('/');
        format!("/{p}")
    }
}

/// What the layer scanner reports, as the walk takes it.
impl From<archive::Executable> for Executable {
    fn from(e: archive::Executable) -> Executable {
        Executable {
            path: e.path,
            format: match e.machine.format {
                archive::ExecutableFormat::Elf => ExecutableFormat::Elf,
                archive::ExecutableFormat::Pe => ExecutableFormat::Pe,
            },
            machine: e.machine.code,
            bits: e.machine.bits,
            big_endian: e.machine.big_endian,
        }
    }
}

/// The name people use for a machine field: `aarch64`, or `ELF machine 0x1234` when unknown.
pub fn machine_name(e: &Executable) -> String {
    e.machine().name()
}

/// At most this many foreign executables are named per layer; the rest are counted, so a layer
/// with a whole foreign userland gives a readable report.
const NAMED_PER_LAYER: usize = 5;

/// The findings for one layer's executables in an image of `arch` (normalised GOARCH) shown as
/// `platform`. A 32-bit sibling (386 in amd64, arm in arm64) is a warning: those machines can
/// run it, and images ship them on purpose. Machines no platform names are left alone.
pub(crate) fn judge_layer(
    path: &str,
    platform: &str,
    arch: &str,
    executables: &[Executable],
    out: &mut Vec<Finding>,
) {
    let mut foreign = 0usize;
    let mut last_name = String::new();
    for e in executables {
        let Some((their_arch, name)) = e.architecture() else {
            continue;
        };
        let name = name.as_str();
        if their_arch == arch {
            continue;
        }
        let compatible = matches!((arch, their_arch), ("amd64", "386") | ("arm64", "arm"));
        foreign += 1;
        last_name = name.to_string();
        if foreign > NAMED_PER_LAYER {
            continue;
        }
        let shown = e.shown_path();
        out.push(Finding {
            path: format!("{path} {shown}"),
            severity: if compatible {
                Severity::Warning
            } else {
                Severity::Error
            },
            rule: Rule::Binary,
            message: format!(
                "{shown} is {name} in the {platform} image{}",
                if compatible {
                    " (the machine can run it, but check it was meant)"
                } else {
                    "; it will not run there (rebuild it for the image's platform, or fix the \
                     entry's platform)"
                }
            ),
            digest: None,
        });
    }
    if foreign > NAMED_PER_LAYER {
        out.push(Finding {
            path: path.to_string(),
            severity: Severity::Error,
            rule: Rule::Binary,
            message: format!(
                "and {} more executable(s) not built for {platform} (the last one {last_name})",
                foreign - NAMED_PER_LAYER
            ),
            digest: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(path: &str, machine: u16) -> Executable {
        Executable {
            path: path.into(),
            format: ExecutableFormat::Elf,
            machine,
            bits: 64,
            big_endian: false,
        }
    }

    #[test]
    fn machines_map_to_go_architectures() {
        assert_eq!(
            elf("a", 62).architecture(),
            Some(("amd64", "x86-64".to_string()))
        );
        assert_eq!(
            elf("a", 183).architecture(),
            Some(("arm64", "aarch64".to_string()))
        );
        let mut ppc = elf("a", 21);
        assert_eq!(ppc.architecture().unwrap().0, "ppc64le");
        ppc.big_endian = true;
        assert_eq!(ppc.architecture().unwrap().0, "ppc64");
        let mut mips = elf("a", 8);
        mips.bits = 32;
        assert_eq!(mips.architecture().unwrap().0, "mipsle");
        let pe = Executable {
            format: ExecutableFormat::Pe,
            machine: 0xaa64,
            ..elf("a", 0)
        };
        assert_eq!(pe.architecture().unwrap().0, "arm64");
        assert_eq!(elf("a", 9999).architecture(), None);
        assert_eq!(machine_name(&elf("a", 9999)), "ELF machine 0x270f");
        assert_eq!(elf("./usr/bin/x", 1).shown_path(), "/usr/bin/x");
        assert_eq!(elf("usr/bin/x", 1).shown_path(), "/usr/bin/x");
    }

    #[test]
    fn foreign_executables_are_named() {
        let mut out = Vec::new();
        let exes = [
            elf("usr/sbin/nginx", 183),
            elf("bin/sh", 62),
            elf("lib32/ld", 3),
            elf("odd", 9999),
        ];
        judge_layer("layers[0]", "linux/amd64", "amd64", &exes, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].severity, Severity::Error);
        assert!(out[0]
            .message
            .starts_with("/usr/sbin/nginx is aarch64 in the linux/amd64 image"));
        assert_eq!(out[0].path, "layers[0] /usr/sbin/nginx");
        assert_eq!(out[1].severity, Severity::Warning, "386 runs on amd64");

        let many: Vec<_> = (0..8).map(|i| elf(&format!("bin/{i}"), 62)).collect();
        let mut out = Vec::new();
        judge_layer("layers[1]", "linux/arm64", "arm64", &many, &mut out);
        assert_eq!(out.len(), NAMED_PER_LAYER + 1);
        assert!(out.last().unwrap().message.starts_with("and 3 more"));
    }
}
