use serde_json::json;

use super::*;
use crate::archive::machine::EM_X86_64;
use crate::archive::testkit::{elf, gzip, Tar, TarStyle};
use crate::check::fixture::{run, Store};
use crate::check::{Severity, Verdict};
use crate::digest::Digest;
use crate::media_type::OCI_INDEX;

fn layer(machine: u16) -> Vec<u8> {
    let mut t = Tar::new(TarStyle::Pax);
    t.file("usr/sbin/nginx", &elf(true, false, 3, machine), 0o755);
    t.file("etc/hostname", b"x\n", 0o644);
    gzip(&t.finish())
}

/// A two-platform list whose arm64 image ships an x86-64 nginx, as a layout's files.
type Files = Vec<(String, Vec<u8>)>;

fn layout() -> (Store, Vec<u8>, Files) {
    let mut s = Store::default();
    let amd = s.image(
        "linux",
        "amd64",
        json!({"Entrypoint": ["nginx"]}),
        &[&layer(EM_X86_64)],
    );
    let arm = s.image(
        "linux",
        "arm64",
        json!({"Entrypoint": ["nginx", "-g"]}),
        &[&layer(EM_X86_64)],
    );
    let root = s.index(vec![(amd, Some("linux/amd64")), (arm, Some("linux/arm64"))]);
    let d = Digest::sha256(&root);
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": OCI_INDEX, "digest": d.as_str(), "size": root.len(),
        "annotations": {"org.opencontainers.image.ref.name": "v1"}
    }]});
    let mut files = vec![
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (
            "index.json".to_string(),
            serde_json::to_vec(&index).unwrap(),
        ),
    ];
    for (d, b) in &s.blobs {
        files.push((blob_path(d), b.clone()));
    }
    (s, root, files)
}

fn tar_of(files: &[(String, Vec<u8>)], prefix: &str) -> Vec<u8> {
    let mut t = Tar::new(TarStyle::Gnu);
    t.dir(&format!("{prefix}blobs/"));
    for (p, b) in files {
        t.file(&format!("{prefix}{p}"), b, 0o644);
    }
    t.finish()
}

fn options() -> Options {
    Options {
        check_binaries: true,
        ..Options::default()
    }
}

/// The walk driven by the check's own test host over the same blobs: what the layout driver
/// must agree with (reference and origin aside).
fn oracle(store: &Store, root: Vec<u8>) -> CheckReport {
    let scan = |b: &[u8]| {
        let mut s = LayerScanner::new("application/vnd.oci.image.layer.v1.tar+gzip").unwrap();
        s.feed(b).unwrap();
        s.finish()
            .unwrap()
            .executables
            .into_iter()
            .map(Into::into)
            .collect()
    };
    run(store, root, options(), &scan).report()
}

fn same(a: &CheckReport, b: &CheckReport) {
    assert_eq!(a.verdict, b.verdict);
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.counts, b.counts);
}

#[test]
fn a_tar_and_a_folder_give_the_walks_own_findings() {
    let (store, root, files) = layout();
    let want = oracle(&store, root);
    assert_eq!(want.verdict, Verdict::Problems);
    assert!(
        want.findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.path.contains("/usr/sbin/nginx")),
        "{:?}",
        want.findings
    );

    let tar = tar_of(&files, "./");
    let w = check_in_memory(&[("image.tar".into(), tar)], "image.tar", None, options()).unwrap();
    let got = w.report().unwrap();
    same(&got, &want);
    assert_eq!(got.reference, "image.tar");
    assert_eq!(w.images().len(), 2);

    let tagged = check_in_memory(
        &[("image.tar".into(), tar_of(&files, ""))],
        "image.tar",
        Some("v1"),
        options(),
    )
    .unwrap();
    same(&tagged.report().unwrap(), &want);

    let folder: Vec<_> = files
        .iter()
        .map(|(p, b)| (format!("dropped/{p}"), b.clone()))
        .collect();
    let w = check_in_memory(&folder, "dropped", None, options()).unwrap();
    same(&w.report().unwrap(), &want);
}

#[test]
fn a_missing_blob_is_absent_as_in_a_registry() {
    let (mut store, root, mut files) = layout();
    let root_path = blob_path(&Digest::sha256(&root));
    let (gone, _) = files
        .iter()
        .find(|(p, _)| p.starts_with("blobs/") && *p != root_path)
        .cloned()
        .unwrap();
    let d = Digest::parse(&gone.replace("blobs/sha256/", "sha256:")).unwrap();
    files.retain(|(p, _)| *p != gone);
    store.blobs.remove(&d);
    let want = oracle_lenient(&store, root);
    let w = check_in_memory(&files, "dir", None, options()).unwrap();
    same(&w.report().unwrap(), &want);
    assert_ne!(want.verdict, Verdict::Clean);
}

fn oracle_lenient(store: &Store, root: Vec<u8>) -> CheckReport {
    let scan = |b: &[u8]| {
        let mut s = LayerScanner::sniffing();
        let _ = s.feed(b);
        s.finish()
            .map(|r| r.executables.into_iter().map(Into::into).collect())
            .unwrap_or_default()
    };
    run(store, root, options(), &scan).report()
}

#[test]
fn layouts_that_cannot_be_opened_say_why() {
    let (_, root, files) = layout();
    let no_root: Vec<_> = files
        .iter()
        .filter(|(p, _)| !p.ends_with(Digest::sha256(&root).encoded()))
        .cloned()
        .collect();
    let e = check_in_memory(&no_root, "dir", None, options())
        .err()
        .unwrap();
    assert!(e.0.contains("the layout has no sha256:"), "{e}");

    let e = check_in_memory(&files, "dir", Some("v2"), options())
        .err()
        .unwrap();
    assert!(e.0.contains("v1"), "names the tags it has: {e}");

    let old = vec![
        ("manifest.json".to_string(), b"[]".to_vec()),
        ("abc/layer.tar".to_string(), vec![]),
    ];
    let e = check_in_memory(&old, "old.tar", None, options())
        .err()
        .unwrap();
    assert!(e.0.contains("Docker before 25"), "{e}");

    let e = check_in_memory(
        &[("x.tar".into(), b"not a tar at all".repeat(40))],
        "x.tar",
        None,
        options(),
    )
    .err()
    .unwrap();
    assert!(e.0.contains("x.tar: tar stream"), "{e}");
}

#[test]
fn the_tar_index_reads_headers_only() {
    let (_, _, files) = layout();
    let tar = tar_of(&files, "");
    let mut index = TarIndex::new(tar.len() as u64);
    let mut read = 0u64;
    while let Some((offset, len)) = index.next_read() {
        let end = (offset + len).min(tar.len() as u64);
        read += end - offset;
        index.supply(&tar[offset as usize..end as usize]).unwrap();
    }
    let listing = index.finish().unwrap();
    assert_eq!(listing.len(), files.len());
    for (f, (p, b)) in listing.iter().zip(&files) {
        assert_eq!(&f.path, p);
        assert_eq!(
            &tar[f.offset as usize..(f.offset + f.size) as usize],
            b.as_slice()
        );
    }
    assert!(
        read <= 512 * (files.len() as u64 + 3),
        "read {read} of {} bytes",
        tar.len()
    );
}

#[test]
fn a_tar_cut_inside_a_skipped_file_is_an_error() {
    let (_, _, files) = layout();
    let tar = tar_of(&files, "");
    // the biggest file is a layer; cut the tar in its middle
    let (at, _) = files
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, b))| b.len())
        .unwrap();
    let listing = list_tar(&tar).unwrap();
    let f = &listing[at];
    let cut = &tar[..(f.offset + f.size / 2) as usize];
    assert_eq!(
        list_tar(cut).unwrap_err(),
        ArchiveError::Truncated("a tar entry's data")
    );
    // cut at a header boundary with no end marker: accepted, as Go's archive/tar does
    let whole = (f.offset + f.size).div_ceil(512) * 512;
    assert_eq!(list_tar(&tar[..whole as usize]).unwrap().len(), at + 1);
}

#[test]
fn blobs_the_host_fetched_give_the_same_findings() {
    let (store, root, _) = layout();
    let want = oracle(&store, root.clone());
    let origin = Origin {
        reference: "example/app:1".into(),
        ..Origin::default()
    };
    let got = check_blobs(root, origin, &store.blobs, options()).report();
    assert_eq!(got, want);
}
