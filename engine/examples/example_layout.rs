//! Writes the example OCI image layout shipped in `examples/layout`: four tiny single-platform
//! images (linux/amd64, linux/arm64/v8, linux/arm/v7, windows/amd64 with os.version), each a
//! real uncompressed tar layer, an OCI config and an OCI manifest, tagged in index.json.
//!
//! `cargo run -p manifold-engine --example example_layout -- examples/layout`

use std::fs;
use std::path::Path;

use manifold_engine::model::{Annotations, Descriptor, ImageIndex, ImageManifest, Platform};
use manifold_engine::{json::go, media_type, serialize};

/// A one-file tar archive: a 512-byte ustar header, the content padded to 512, two zero blocks.
fn tar_with(name: &str, content: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.resize(out.len() + 1024, 0);
    out
}

fn write_blob(dir: &Path, bytes: &[u8]) -> manifold_engine::Digest {
    let d = manifold_engine::Digest::sha256(bytes);
    fs::write(dir.join("blobs/sha256").join(d.encoded()), bytes).expect("write blob");
    d
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/layout".into());
    let dir = Path::new(&out);
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.join("blobs/sha256")).expect("create layout");
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("write oci-layout");
    let images = [
        ("amd64", "linux", "amd64", None, None),
        ("arm64", "linux", "arm64", Some("v8"), None),
        ("arm", "linux", "arm", Some("v7"), None),
        ("windows", "windows", "amd64", None, Some("10.0.20348.2582")),
    ];
    let mut index = ImageIndex::new(media_type::OCI_INDEX);
    for (tag, os, arch, variant, os_version) in images {
        let layer = tar_with(
            "hello.txt",
            format!(
                "hello from {os}/{arch}{}\n",
                variant.map(|v| format!("/{v}")).unwrap_or_default()
            )
            .as_bytes(),
        );
        let layer_digest = write_blob(dir, &layer);
        let mut platform = Platform::new(os, arch);
        platform.variant = variant.map(str::to_string);
        platform.os_version = os_version.map(str::to_string);
        let config = serde_json::json!({
            "architecture": arch,
            "os": os,
            "os.version": os_version,
            "variant": variant,
            "config": { "Cmd": ["/hello"] },
            "rootfs": { "type": "layers", "diff_ids": [layer_digest.to_string()] },
        });
        let mut config = config.as_object().expect("an object").clone();
        config.retain(|_, v| !v.is_null());
        let config_bytes = go::to_vec(&config, "");
        let config_digest = write_blob(dir, &config_bytes);
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.into()),
            artifact_type: None,
            config: Descriptor::new(
                media_type::OCI_CONFIG,
                config_digest,
                config_bytes.len() as u64,
            ),
            layers: vec![Descriptor::new(
                media_type::OCI_LAYER_TAR,
                layer_digest,
                layer.len() as u64,
            )],
            subject: None,
            annotations: None,
            extra: Default::default(),
        };
        let manifest_bytes = go::to_vec(&manifest, "  ");
        let manifest_digest = write_blob(dir, &manifest_bytes);
        let mut d = Descriptor::new(
            media_type::OCI_MANIFEST,
            manifest_digest,
            manifest_bytes.len() as u64,
        );
        let mut a = Annotations::new();
        a.insert("org.opencontainers.image.ref.name".into(), tag.into());
        d.annotations = Some(a);
        d.platform = Some(platform);
        index.manifests.push(d);
    }
    fs::write(dir.join("index.json"), serialize::oci_bytes(&index)).expect("write index.json");
    println!("wrote {}", dir.display());
}
