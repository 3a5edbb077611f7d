//! Test images in an OCI image layout folder: sources for the list commands that need no
//! registry.

use std::path::Path;

use crate::seed::sha256;

/// The architectures the images cycle through (all linux): image i is `ARCHES[i % 8]`.
pub const ARCHES: [&str; 8] = [
    "amd64", "arm64", "s390x", "ppc64le", "riscv64", "386", "mips64le", "loong64",
];

/// Writes an OCI layout with `n` single-platform images tagged `img0..img{n-1}`; image i has
/// one uncompressed layer whose bytes are `layer(i)` (distinct per image).
pub fn write_layout(dir: &Path, n: usize, layer: impl Fn(usize) -> Vec<u8>) {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let put = |bytes: &[u8]| {
        let d = sha256(bytes);
        std::fs::write(dir.join("blobs/sha256").join(&d[7..]), bytes).unwrap();
        d
    };
    let mut entries = Vec::new();
    for i in 0..n {
        let arch = ARCHES[i % ARCHES.len()];
        let layer = layer(i);
        let layer_d = put(&layer);
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":["{layer_d}"]}}}}"#
        );
        let config_d = put(config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_d}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_d}","size":{}}}]}}"#,
            config.len(),
            layer.len()
        );
        let m_d = put(manifest.as_bytes());
        entries.push(format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{m_d}","size":{},"annotations":{{"org.opencontainers.image.ref.name":"img{i}"}}}}"#,
            manifest.len()
        ));
    }
    std::fs::write(
        dir.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            entries.join(",")
        ),
    )
    .unwrap();
}

/// The small layer most tests use: `layer {i}`.
pub fn small_layer(i: usize) -> Vec<u8> {
    format!("layer {i}").into_bytes()
}
