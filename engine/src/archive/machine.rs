//! ELF and PE machine detection from a file's first bytes.
//!
//! ELF: `EI_CLASS` (32/64-bit) and `EI_DATA` (byte order) at bytes 4 and 5, `e_type` at 16 (only
//! `ET_EXEC` and `ET_DYN`, which covers PIE executables and shared objects, count: object files
//! and core dumps run nowhere), `e_machine` at 18 in the file's byte order. PE: `MZ`, the PE
//! header's offset at 0x3c, `PE\0\0` there and the COFF `Machine` after it; the offset must fall
//! within [`HEADER_BYTES`], which real linkers always keep it within (usually under 0x100).
//!
//! What a machine field means (its GOARCH, its name) is the check's rule:
//! [`Executable::architecture`], over the one [`Executable`] type the scanner fills.

use crate::check::{Executable, ExecutableFormat};

/// How many bytes of a file detection reads at most.
pub const HEADER_BYTES: usize = 1024;

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

/// The executable at `path` whose first bytes are `header` (up to [`HEADER_BYTES`]), None when
/// they are not an ELF executable or shared object, nor a PE image.
pub fn detect(path: &str, header: &[u8]) -> Option<Executable> {
    let found = |format, machine, bits, big_endian| {
        Some(Executable {
            path: path.to_string(),
            format,
            machine,
            bits,
            big_endian,
        })
    };
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
        return found(ExecutableFormat::Elf, u16_at(18), bits, big_endian);
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
        return found(ExecutableFormat::Pe, code, bits, false);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::testkit::{elf, pe};

    fn arch(e: &Executable) -> &'static str {
        e.architecture().expect("a known machine").0
    }

    #[test]
    fn elf_headers_give_the_machine_the_check_reads() {
        for (bits64, be, code, want) in [
            (true, false, EM_X86_64, "amd64"),
            (true, false, EM_AARCH64, "arm64"),
            (false, false, EM_ARM, "arm"),
            (false, false, EM_386, "386"),
            (true, false, EM_PPC64, "ppc64le"),
            (true, true, EM_PPC64, "ppc64"),
            (true, true, EM_S390, "s390x"),
            (true, false, EM_RISCV, "riscv64"),
            (true, false, EM_MIPS, "mips64le"),
            (true, true, EM_MIPS, "mips64"),
            (false, false, EM_MIPS, "mipsle"),
            (true, false, EM_LOONGARCH, "loong64"),
        ] {
            let e = detect("bin/x", &elf(bits64, be, 2, code)).expect(want);
            assert_eq!(
                (e.machine, e.bits, e.big_endian),
                (code, if bits64 { 64 } else { 32 }, be)
            );
            assert_eq!(arch(&e), want);
        }
    }

    #[test]
    fn pe_headers_give_the_machine_the_check_reads() {
        for (code, want) in [
            (IMAGE_FILE_MACHINE_AMD64, "amd64"),
            (IMAGE_FILE_MACHINE_ARM64, "arm64"),
            (IMAGE_FILE_MACHINE_I386, "386"),
            (IMAGE_FILE_MACHINE_ARMNT, "arm"),
            (IMAGE_FILE_MACHINE_RISCV64, "riscv64"),
        ] {
            let e = detect("a.exe", &pe(code, 0x80)).expect(want);
            assert_eq!(e.format, ExecutableFormat::Pe);
            assert_eq!(arch(&e), want);
        }
    }

    #[test]
    fn non_executables_are_not_detected() {
        assert_eq!(
            detect("x.o", &elf(true, false, 1, EM_X86_64)),
            None,
            "object file"
        );
        assert_eq!(
            detect("core", &elf(true, false, 4, EM_X86_64)),
            None,
            "core dump"
        );
        assert_eq!(detect("x", b"\x7fELF"), None, "too short");
        assert_eq!(detect("x.sh", b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(
            detect("x", &pe(IMAGE_FILE_MACHINE_AMD64, 2000)),
            None,
            "PE header past the bound"
        );
        let mut mz = pe(IMAGE_FILE_MACHINE_AMD64, 0x80);
        mz[0x80] = b'N';
        assert_eq!(detect("x.com", &mz), None, "an MZ DOS program, not PE");
        let unknown = detect("x", &elf(true, false, 2, 0x1234)).unwrap();
        assert_eq!(unknown.architecture(), None);
    }
}
