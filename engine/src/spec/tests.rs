//! The spec reader against manifest-tool-style files and the bad files a user can write.

use super::*;
use crate::model::Platform;

const TWO_LISTS: &str = "\
image: reg:5000/app:1.0
tags: ['1', latest]
manifests:
  - image: reg:5000/app:1.0-amd64
    platform:
      architecture: amd64
      os: linux
  - image: reg:5000/app:1.0-arm64
    platform:
      architecture: arm64
      os: linux
      variant: v8
      features: [sse4]
---
image: reg:5000/tool:2
annotations:
  org.opencontainers.image.source: https://example.com/tool
manifests:
  -
    image: reg:5000/tool:2-win
    platform:
      os: windows
      architecture: amd64
      osversion: 10.0.17763.1
      osfeatures: [win32k]
  - image: reg:5000/tool:2-any
";

fn err(yaml: &str) -> SpecError {
    parse_spec(yaml.as_bytes()).unwrap_err()
}

#[test]
fn a_two_document_spec_gives_two_lists() {
    let lists = parse_spec(TWO_LISTS.as_bytes()).unwrap();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].image, "reg:5000/app:1.0");
    assert_eq!(lists[0].tags, ["1", "latest"]);
    assert_eq!(lists[0].manifests[1].line, 8);
    let p = lists[0].manifests[1].platform.as_ref().unwrap();
    assert_eq!(p.variant.as_deref(), Some("v8"));
    assert_eq!(p.features.as_deref(), Some(&["sse4".to_string()][..]));
    assert_eq!(lists[1].line, 15);
    assert_eq!(lists[1].annotations.len(), 1);
    let w = lists[1].manifests[0].platform.as_ref().unwrap();
    assert_eq!(w.os_version.as_deref(), Some("10.0.17763.1"));
    assert_eq!(w.os_features.as_deref(), Some(&["win32k".to_string()][..]));
    assert_eq!(lists[1].manifests[1].platform, None);
    assert!(check_format(&lists[1], false).is_err());
    assert!(check_format(&lists[1], true).is_ok());
    assert!(check_format(&lists[0], false).is_ok());
}

#[test]
fn bad_files_name_line_and_key() {
    let e = err("image: r/a:1\nmanifests:\n  - image: r/a:x\n    platfrom:\n      os: linux\n");
    assert_eq!(
        (e.line, e.key.as_str()),
        (4, "manifests[0].platfrom"),
        "{e}"
    );
    assert!(e.message.starts_with("unknown key"));
    let e = err("image: r/a:1\nlabels: {}\nmanifests: [{image: r/a:x}]\n");
    assert_eq!((e.line, e.key.as_str()), (2, "labels"));
    let e = err("tags: [x]\nmanifests:\n  - image: r/a:x\n");
    assert_eq!((e.line, e.key.as_str()), (1, "image"));
    assert!(e.message.starts_with("missing"));
    let e = err("image: r/a:1\nmanifests:\n  - platform: {os: linux, architecture: amd64}\n");
    assert_eq!((e.line, e.key.as_str()), (3, "manifests[0].image"));
    let e = err("image: r/a:1\nmanifests:\n  - image: r/a:x\n    platform:\n      os: linux\n      architecture: amd65\n");
    assert_eq!(
        (e.line, e.key.as_str()),
        (6, "manifests[0].platform.architecture"),
        "{e}"
    );
    let e = err("image: r/a:1\nmanifests:\n  - image: r/a:x\n    platform:\n      os: linux\n");
    assert_eq!(e.key, "manifests[0].platform.architecture");
    let e = err("image: r/a:1\nmanifests:\n  - image: r/a:x\n    platform: {os: linux, architecture: arm, variant: v9}\n");
    assert_eq!(e.key, "manifests[0].platform.variant");
    let e = err("image: r/a:1\nmanifests:\n\t- image: r/a:x\n");
    assert_eq!((e.line, e.key.as_str()), (3, "image"));
    let e = err("image: Not A Ref\nmanifests: [{image: r/a:x}]\n");
    assert_eq!((e.line, e.key.as_str()), (1, "image"));
    let e = err("image: r/a:1\ntags: [-bad]\nmanifests: [{image: r/a:x}]\n");
    assert_eq!((e.line, e.key.as_str()), (2, "tags[0]"));
    let e = err("image: r/a:1\nimage: r/b:1\nmanifests: [{image: r/a:x}]\n");
    assert_eq!((e.line, e.key.as_str()), (2, "image"));
    let e = err("image: r/a:1\nmanifests: []\n");
    assert_eq!(e.key, "manifests");
    let e = err("image: r/a:1\nmanifests:\n - {image: r/a:x, platform: {os: linux, architecture: amd64}}\n - {image: r/a:y, platform: {os: linux, architecture: amd64}}\n");
    assert_eq!((e.line, e.key.as_str()), (4, "manifests[1].platform"));
    let e = err("image: r/a:1\nmanifests: [{image: r/a:x}]\n---\nimage: r/a:1\nmanifests: [{image: r/a:y}]\n");
    assert_eq!(e.line, 4);
    let e = err("");
    assert_eq!(e.key, "image");
    let e = err("- a\n- b\n");
    assert!(e.message.contains("mapping"));
}

#[test]
fn huge_and_exploding_files_are_refused_quickly() {
    let big = format!(
        "image: r/a:1\nmanifests:\n{}",
        "  - image: r/a:x\n".repeat(700_000)
    );
    assert!(big.len() > 10_000_000);
    let e = err(&big);
    assert_eq!((e.line, e.key.as_str()), (1, "image"));
    assert!(e.message.contains("larger than 1024 KiB"), "{e}");
    let mut bomb = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    bomb.push_str("image: r/a:1\nmanifests: [{image: r/a:x}]\n");
    let e = err(&bomb);
    assert!(e.message.contains("expand"), "{e}");
    assert!(e.line > 1 && e.line < 10, "{e}");
    assert!(e.key.len() == 1, "{e}");
}

#[test]
fn platforms_settle_as_manifest_tool_settles_them() {
    let img = Platform {
        os: "linux".into(),
        architecture: "arm".into(),
        variant: Some("v7".into()),
        os_version: None,
        ..Default::default()
    };
    // No platform in the spec: the image's own.
    assert_eq!(resolve_platform(None, Some(&img)), Some(img.clone()));
    // The spec's, with the image's variant bubbled up where the spec has none.
    let spec = Platform {
        os: "linux".into(),
        architecture: "arm".into(),
        ..Default::default()
    };
    assert_eq!(resolve_platform(Some(&spec), Some(&img)), Some(img.clone()));
    let v6 = Platform {
        variant: Some("v6".into()),
        ..spec.clone()
    };
    assert_eq!(
        resolve_platform(Some(&v6), Some(&img))
            .unwrap()
            .variant
            .as_deref(),
        Some("v6")
    );
    assert_eq!(resolve_platform(None, None), None);
    assert_eq!(
        repeated_platform(&[Some(img.clone()), None, Some(img.clone())]),
        Some((0, 2))
    );
    assert_eq!(repeated_platform(&[Some(img), Some(v6)]), None);
}
