//! Comparisons over images built in memory and walked as `compare` walks them.

use serde_json::json;

use super::*;
use crate::check::fixture::{run, Store};

fn columns(s: &Store, root: Vec<u8>) -> Vec<Column> {
    let options = crate::check::Options {
        documents_only: true,
        ..Default::default()
    };
    let walk = run(s, root, options, &|_| Vec::new());
    walk.images()
        .iter()
        .filter_map(Column::from_image)
        .collect()
}

fn buildpacks_label(ids: &[(&str, &str)]) -> String {
    let bps: Vec<_> = ids
        .iter()
        .map(|(id, v)| json!({"id": id, "version": v}))
        .collect();
    json!({"buildpacks": bps, "launcher": {"version": "0.20.1"},
           "processes": [{"type": "web", "command": ["node"], "args": ["server.js"]}]})
    .to_string()
}

fn two_platform_buildpacks() -> (Store, Vec<u8>) {
    let mut s = Store::default();
    let amd = s.image(
        "linux",
        "amd64",
        json!({"Entrypoint": ["/cnb/process/web"], "Env": ["PATH=/usr/bin", "CNB_X=1"],
               "Labels": {"io.buildpacks.build.metadata": buildpacks_label(&[("paketo/node", "1.0"), ("paketo/npm-install", "2.1")]),
                          "io.buildpacks.lifecycle.metadata": json!({"runImage": {"image": "run:jammy"}}).to_string(),
                          "org.opencontainers.image.source": "https://example.com/app"}}),
        &[b"base", b"amd"],
    );
    let arm = s.image(
        "linux",
        "arm64",
        json!({"Entrypoint": ["/cnb/lifecycle/launcher"], "Env": ["PATH=/usr/bin"],
               "Labels": {"io.buildpacks.build.metadata": buildpacks_label(&[("paketo/node", "1.0")]),
                          "io.buildpacks.lifecycle.metadata": json!({"runImage": {"image": "run:jammy"}}).to_string(),
                          "org.opencontainers.image.source": "https://example.com/app"}}),
        &[b"base", b"arm"],
    );
    let att = s.attestation(&amd.digest);
    let root = s.index(vec![
        (amd, Some("linux/amd64")),
        (arm, Some("linux/arm64")),
        (att, None),
    ]);
    (s, root)
}

fn row<'a>(c: &'a Comparison, label: &str) -> &'a Row {
    c.rows
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label}: {:#?}", c.rows))
}

#[test]
fn buildpacks_and_entrypoints_side_by_side() {
    let (s, root) = two_platform_buildpacks();
    let cols = columns(&s, root);
    assert_eq!(cols.len(), 3);
    let c = compare(&cols, Options::default());
    assert_eq!(
        c.columns,
        ["linux/amd64", "linux/arm64"],
        "attestations left out"
    );
    assert!(c.buildpacks);
    let npm = row(&c, "buildpack paketo/npm-install");
    assert_eq!(npm.values, [Some("2.1".to_string()), None]);
    assert!(npm.differs);
    assert!(!row(&c, "buildpack paketo/node").differs);
    assert!(row(&c, "Entrypoint").differs);
    assert_eq!(
        row(&c, "Entrypoint").values[0].as_deref(),
        Some(r#"["/cnb/process/web"]"#)
    );
    assert!(row(&c, "Env CNB_X").differs);
    assert!(!row(&c, "Env PATH").differs);
    assert_eq!(row(&c, "lifecycle").values[1].as_deref(), Some("0.20.1"));
    assert_eq!(row(&c, "run image").values[0].as_deref(), Some("run:jammy"));
    assert_eq!(
        row(&c, "process web").values[0].as_deref(),
        Some("node server.js")
    );
    assert!(!row(&c, "Label org.opencontainers.image.source").differs);
    assert!(c
        .rows
        .iter()
        .all(|r| !r.label.starts_with("Label io.buildpacks.")));
    assert_eq!(
        row(&c, "shared by all").values[0].as_deref(),
        Some("1 (4 B)")
    );
    assert_eq!(
        row(&c, "unique to it").values[1].as_deref(),
        Some("1 (3 B)")
    );
    assert!(row(&c, "architecture").differs);

    let with = compare(&cols, Options { attestations: true });
    assert_eq!(with.columns.len(), 3);

    let failing: Vec<&str> = c.failing(&[]).iter().map(|r| r.label.as_str()).collect();
    assert!(failing.contains(&"Entrypoint"), "{failing:?}");
    assert!(!failing.contains(&"architecture"), "differs by nature");
    assert!(!failing.contains(&"image digest"));
    let only_user = c.failing(&parse_fields("user").unwrap());
    assert!(only_user.is_empty());
    assert_eq!(
        c.failing(&parse_fields("entrypoint, buildpacks").unwrap())
            .len(),
        2
    );
    assert!(parse_fields("nope")
        .unwrap_err()
        .to_string()
        .contains("unknown field \"nope\""));

    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["rows"][0]["field"], "platform");
}

#[test]
fn identical_platforms_do_not_fail() {
    let mut s = Store::default();
    let cfg = json!({"Entrypoint": ["/app"], "Env": ["A=1"]});
    let amd = s.image("linux", "amd64", cfg.clone(), &[b"amd"]);
    let arm = s.image("linux", "arm64", cfg, &[b"arm"]);
    let root = s.index(vec![(amd, Some("linux/amd64")), (arm, Some("linux/arm64"))]);
    let c = compare(&columns(&s, root), Options::default());
    assert!(!c.buildpacks);
    assert!(c.failing(&[]).is_empty(), "{:#?}", c.failing(&[]));
    assert_eq!(c.failing(&[Field::Platform]).len(), 1);
    let diff = render(
        &c,
        RenderOptions {
            width: 80,
            diff_only: true,
        },
    );
    assert!(diff.iter().all(|l| !l.contains("Entrypoint")));
    assert!(
        diff.iter().any(|l| l.starts_with("* architecture")),
        "{diff:#?}"
    );
}

#[test]
fn tables_fit_their_width_and_keep_characters_whole() {
    let (s, root) = two_platform_buildpacks();
    let mut cols = columns(&s, root);
    cols.truncate(2);
    let mut c = compare(&cols, Options::default());
    c.rows.push(Row {
        field: Field::Env,
        label: "Env GREETING".into(),
        values: vec![Some("héllo wörld ✓ ".repeat(20)), Some("日本語".repeat(30))],
        differs: true,
    });
    for width in [40, 80, 120] {
        let lines = render(
            &c,
            RenderOptions {
                width,
                diff_only: false,
            },
        );
        for l in &lines {
            assert!(l.chars().count() <= width, "{width}: {l:?}");
        }
        assert!(
            lines.iter().any(|l| l.starts_with("* Entrypoint")),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.contains('…')),
            "long cells are elided"
        );
        assert!(lines.last().unwrap().contains("differs between platforms"));
    }
    // many platforms continue in blocks below
    let many: Vec<Column> = (0..12).map(|_| cols[0].clone()).collect();
    let lines = render(
        &compare(&many, Options::default()),
        RenderOptions::default(),
    );
    assert!(lines.iter().all(|l| l.chars().count() <= 80));
    assert!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("linux/amd64"))
            .count()
            > 1
    );
}

#[test]
fn wrapping_breaks_near_separators() {
    assert_eq!(render::wrap("a,b,c", 10), ["a,b,c"]);
    assert_eq!(
        render::wrap("PATH=/usr/local/bin", 10),
        ["PATH=/usr/", "local/bin"]
    );
    assert_eq!(render::wrap("", 5), [""]);
    let long = render::wrap(&"x".repeat(100), 10);
    assert_eq!(long.len(), render::MAX_LINES);
    assert!(long[3].ends_with('…'));
}
