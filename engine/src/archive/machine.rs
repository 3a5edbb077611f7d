//! ELF and PE machine detection from a file's first bytes, and the machine ↔ OCI architecture
//! mapping.
//!
//! ELF: `EI_CLASS` (32/64-bit) and `EI_DATA` (byte order) at bytes 4 and 5, `e_type` at 16 (only
//! `ET_EXEC` and `ET_DYN`, which covers PIE executables and shared objects, count: object files
//! and core dumps run nowhere), `e_machine` at 18 in the file's byte order. PE: `MZ`, the PE
//! header's offset at 0x3c, `PE\0\0` there and the COFF `Machine` after it; the offset must fall
//! within [`HEADER_BYTES`], which real linkers always keep it within (usually under 0x100).

use crate::platform::normalize;
use crate::Platform;

/// How many bytes of a file detection reads at most.
pub const HEADER_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutableFormat {
    Elf,
    Pe,
}

impl ExecutableFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutableFormat::Elf => "ELF",
            ExecutableFormat::Pe => "PE",
        }
    }
}

/// The machine an executable is built for, as its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Machine {
    pub format: ExecutableFormat,
    /// ELF `e_machine` or PE COFF `Machine`.
    pub code: u16,
    /// 32 or 64 (ELF's `EI_CLASS`; for PE, implied by the machine).
    pub bits: u8,
    /// ELF's `EI_DATA`; PE is always little-endian.
    pub big_endian: bool,
}

pub const EM_386: u16 = 3;
pub const EM_MIPS: u16 = 8;
pub const EM_PPC: u16 = 20;
pub const EM_PPC64: u16 = 21;
pub const EM_S390: u16 = 22;
pub const EM_ARM: u16 = 40;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;
pub const EM_RISCV: u16 = 243;
pub const EM_LOONGARCH: u16 = 258;
pub const IMAGE_FILE_MACHINE_I386: u16 = 0x014c;
pub const IMAGE_FILE_MACHINE_ARM: u16 = 0x01c0;
pub const IMAGE_FILE_MACHINE_ARMNT: u16 = 0x01c4;
pub const IMAGE_FILE_MACHINE_AMD64: u16 = 0x8664;
pub const IMAGE_FILE_MACHINE_ARM64: u16 = 0xaa64;
pub const IMAGE_FILE_MACHINE_RISCV64: u16 = 0x5064;

impl Machine {
    /// The OCI `architecture` this machine runs as (GOARCH names), None for machines no image
    /// platform names.
    pub fn oci_architecture(&self) -> Option<&'static str> {
        let le = !self.big_endian;
        let b64 = self.bits == 64;
        Some(match (self.format, self.code) {
            (ExecutableFormat::Elf, EM_X86_64) => "amd64",
            (ExecutableFormat::Elf, EM_AARCH64) => "arm64",
            (ExecutableFormat::Elf, EM_ARM) => "arm",
            (ExecutableFormat::Elf, EM_386) => "386",
            (ExecutableFormat::Elf, EM_PPC64) if le => "ppc64le",
            (ExecutableFormat::Elf, EM_PPC64) => "ppc64",
            (ExecutableFormat::Elf, EM_PPC) => "ppc",
            (ExecutableFormat::Elf, EM_S390) if b64 => "s390x",
            (ExecutableFormat::Elf, EM_S390) => "s390",
            (ExecutableFormat::Elf, EM_RISCV) if b64 => "riscv64",
            (ExecutableFormat::Elf, EM_MIPS) => match (b64, le) {
                (true, true) => "mips64le",
                (true, false) => "mips64",
                (false, true) => "mipsle",
                (false, false) => "mips",
            },
            (ExecutableFormat::Elf, EM_LOONGARCH) if b64 => "loong64",
            (ExecutableFormat::Pe, IMAGE_FILE_MACHINE_AMD64) => "amd64",
            (ExecutableFormat::Pe, IMAGE_FILE_MACHINE_ARM64) => "arm64",
            (ExecutableFormat::Pe, IMAGE_FILE_MACHINE_I386) => "386",
            (ExecutableFormat::Pe, IMAGE_FILE_MACHINE_ARM | IMAGE_FILE_MACHINE_ARMNT) => "arm",
            (ExecutableFormat::Pe, IMAGE_FILE_MACHINE_RISCV64) => "riscv64",
            _ => return None,
        })
    }

    /// The machine's usual name, as `file` and `readelf` say it ("x86-64", "aarch64").
    pub fn name(&self) -> String {
        let known = match self.oci_architecture() {
            Some("amd64") => "x86-64",
            Some("arm64") => "aarch64",
            Some("arm") => "arm",
            Some("386") => "i386",
            Some(a) => a,
            None => "",
        };
        if known.is_empty() {
            format!("{} machine {:#06x}", self.format.as_str(), self.code)
        } else {
            known.to_string()
        }
    }

    /// Whether this machine is the one an image for `architecture` runs (compared after
    /// containerd's normalisation, so `x86_64` and `aarch64` are amd64 and arm64). Exact: a
    /// 386 binary in an amd64 image is reported as 386; whether that is a problem is the
    /// check's rule, not this one's.
    pub fn matches_architecture(&self, architecture: &str) -> bool {
        let p = Platform {
            architecture: architecture.to_string(),
            os: "linux".into(),
            ..Default::default()
        };
        self.oci_architecture() == Some(normalize(&p).architecture.as_str())
    }
}

/// The machines that run images for an OCI `architecture` (normalised first), ELF then PE.
pub fn machines_for_architecture(architecture: &str) -> Vec<Machine> {
    let p = Platform {
        architecture: architecture.to_string(),
        os: "linux".into(),
        ..Default::default()
    };
    let arch = normalize(&p).architecture;
    let elf = |code, bits, big_endian| Machine {
        format: ExecutableFormat::Elf,
        code,
        bits,
        big_endian,
    };
    let pe = |code, bits| Machine {
        format: ExecutableFormat::Pe,
        code,
        bits,
        big_endian: false,
    };
    let all = [
        elf(EM_X86_64, 64, false),
        elf(EM_AARCH64, 64, false),
        elf(EM_ARM, 32, false),
        elf(EM_386, 32, false),
        elf(EM_PPC64, 64, false),
        elf(EM_PPC64, 64, true),
        elf(EM_PPC, 32, true),
        elf(EM_S390, 64, true),
        elf(EM_RISCV, 64, false),
        elf(EM_MIPS, 64, false),
        elf(EM_MIPS, 64, true),
        elf(EM_MIPS, 32, false),
        elf(EM_MIPS, 32, true),
        elf(EM_LOONGARCH, 64, false),
        pe(IMAGE_FILE_MACHINE_AMD64, 64),
        pe(IMAGE_FILE_MACHINE_ARM64, 64),
        pe(IMAGE_FILE_MACHINE_I386, 32),
        pe(IMAGE_FILE_MACHINE_ARMNT, 32),
        pe(IMAGE_FILE_MACHINE_RISCV64, 64),
    ];
    all.into_iter()
        .filter(|m| m.oci_architecture() == Some(arch.as_str()))
        .collect()
}

/// The machine of the executable whose first bytes are `header` (up to [`HEADER_BYTES`]), None
/// when they are not an ELF executable or shared object, nor a PE image.
pub fn detect(header: &[u8]) -> Option<Machine> {
    let h = &header[..header.len().min(HEADER_BYTES)];
    if h.len() >= 20 && h.starts_with(b"\x7fELF") {
        let bits = match h[4] {
            1 => 32,
            2 => 64,
            _ => return None,
        };
        let big_endian = match h[5] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let u16_at = |i: usize| {
            let b = [h[i], h[i + 1]];
            if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        };
        if !matches!(u16_at(16), 2 | 3) {
            return None;
        }
        return Some(Machine {
            format: ExecutableFormat::Elf,
            code: u16_at(18),
            bits,
            big_endian,
        });
    }
    if h.len() >= 0x40 && h.starts_with(b"MZ") {
        let at = u32::from_le_bytes([h[0x3c], h[0x3d], h[0x3e], h[0x3f]]) as usize;
        let pe = h.get(at..at.checked_add(6)?)?;
        if &pe[..4] != b"PE\0\0" {
            return None;
        }
        let code = u16::from_le_bytes([pe[4], pe[5]]);
        let bits = match code {
            IMAGE_FILE_MACHINE_AMD64 | IMAGE_FILE_MACHINE_ARM64 | IMAGE_FILE_MACHINE_RISCV64 => 64,
            _ => 32,
        };
        return Some(Machine {
            format: ExecutableFormat::Pe,
            code,
            bits,
            big_endian: false,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testkit::{elf, pe};

    #[test]
    fn elf_machines_map_to_oci_architectures() {
        for (bits64, be, code, arch, name) in [
            (true, false, EM_X86_64, "amd64", "x86-64"),
            (true, false, EM_AARCH64, "arm64", "aarch64"),
            (false, false, EM_ARM, "arm", "arm"),
            (false, false, EM_386, "386", "i386"),
            (true, false, EM_PPC64, "ppc64le", "ppc64le"),
            (true, true, EM_PPC64, "ppc64", "ppc64"),
            (true, true, EM_S390, "s390x", "s390x"),
            (true, false, EM_RISCV, "riscv64", "riscv64"),
            (true, false, EM_MIPS, "mips64le", "mips64le"),
            (true, true, EM_MIPS, "mips64", "mips64"),
            (false, false, EM_MIPS, "mipsle", "mipsle"),
            (true, false, EM_LOONGARCH, "loong64", "loong64"),
        ] {
            let m = detect(&elf(bits64, be, 2, code)).expect(arch);
            assert_eq!(m.oci_architecture(), Some(arch));
            assert_eq!(m.name(), name);
            assert!(m.matches_architecture(arch));
            assert!(machines_for_architecture(arch).contains(&m), "{arch}");
        }
    }

    #[test]
    fn pe_machines_map_to_oci_architectures() {
        for (code, arch) in [
            (IMAGE_FILE_MACHINE_AMD64, "amd64"),
            (IMAGE_FILE_MACHINE_ARM64, "arm64"),
            (IMAGE_FILE_MACHINE_I386, "386"),
            (IMAGE_FILE_MACHINE_ARMNT, "arm"),
        ] {
            let m = detect(&pe(code, 0x80)).expect(arch);
            assert_eq!(m.format, ExecutableFormat::Pe);
            assert_eq!(m.oci_architecture(), Some(arch));
        }
    }

    #[test]
    fn aliases_are_normalised_and_mismatches_said() {
        let m = detect(&elf(true, false, 3, EM_X86_64)).unwrap();
        assert!(m.matches_architecture("x86_64"));
        assert!(!m.matches_architecture("arm64"));
        let a = detect(&elf(true, false, 2, EM_AARCH64)).unwrap();
        assert!(a.matches_architecture("aarch64"));
    }

    #[test]
    fn non_executables_are_not_detected() {
        assert_eq!(detect(&elf(true, false, 1, EM_X86_64)), None, "object file");
        assert_eq!(detect(&elf(true, false, 4, EM_X86_64)), None, "core dump");
        assert_eq!(detect(b"\x7fELF"), None, "too short");
        assert_eq!(detect(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(
            detect(&pe(IMAGE_FILE_MACHINE_AMD64, 2000)),
            None,
            "PE header past the bound"
        );
        let mut mz = pe(IMAGE_FILE_MACHINE_AMD64, 0x80);
        mz[0x80] = b'N';
        assert_eq!(detect(&mz), None, "an MZ DOS program, not PE");
        let unknown = detect(&elf(true, false, 2, 0x1234)).unwrap();
        assert_eq!(unknown.oci_architecture(), None);
        assert_eq!(unknown.name(), "ELF machine 0x1234");
    }
}
