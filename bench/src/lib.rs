//! manifold-bench: inputs shared by the benchmarks (large synthetic indexes), so every
//! benchmark measures the same documents.

pub mod tools;

use manifold_engine::media_type;
use manifold_engine::model::{Descriptor, ImageIndex, Platform};
use manifold_engine::serialize;

/// An OCI index of `n` entries with varied platforms and an annotation each, as the tool writes it.
pub fn large_index(n: usize) -> Vec<u8> {
    const ARCHES: [(&str, Option<&str>); 6] = [
        ("amd64", None),
        ("arm64", Some("v8")),
        ("arm", Some("v7")),
        ("ppc64le", None),
        ("s390x", None),
        ("riscv64", None),
    ];
    let mut index = ImageIndex::new(media_type::OCI_INDEX);
    for i in 0..n {
        let body = format!("manifest {i}");
        let mut d = Descriptor::of(media_type::OCI_MANIFEST, body.as_bytes());
        let (arch, variant) = ARCHES[i % ARCHES.len()];
        let mut p = Platform::new("linux", arch);
        p.variant = variant.map(str::to_string);
        p.os_version = Some(format!("{}.0", i / ARCHES.len()));
        d.platform = Some(p);
        d.annotations = Some([("org.example.build".to_string(), format!("build-{i}"))].into());
        index.manifests.push(d);
    }
    serialize::oci_bytes(&index)
}
