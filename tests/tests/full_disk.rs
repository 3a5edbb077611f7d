//! A full disk leaves nothing behind: the local store (`MANIFOLD_HOME`) on a small tmpfs, and
//! `create`, `add`, `annotate`, `push` to an OCI layout and `--digestfile` failing with ENOSPC.
//! After each failure:
//! - the error names the path and the OS error, and says to free space;
//! - the store is byte-identical to before: every file and folder under MANIFOLD_HOME, with its
//!   bytes (lock files included: they exist only while a run holds them, so there are none);
//! - a layout the push wrote into is as it was, or absent when there was none;
//! - the next small command succeeds with nothing of manifold's removed by hand.
//!
//! `create` and `add` fill the disk themselves (many images); for the small commands the disk
//! is filled first by a filler file, which stands for the user's other data: removing it is
//! the user making room, not cleaning up after manifold.
//!
//! Mounting needs root (the tests run as root); where `mount` is refused, each test prints a
//! skip line, and fails under `CI=true`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use manifold_tests::layout::{small_layer, write_layout};
use manifold_tests::{Output, TestEnv};

/// A tmpfs of `size` mounted on a fresh folder; unmounted (lazily) when dropped.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (with a skip line) when mounting is refused; a panic under `CI=true`.
    fn mount(size: &str, test: &str) -> Option<Tmpfs> {
        let parent = tempfile::Builder::new()
            .prefix("manifold-full-disk.")
            .tempdir()
            .unwrap();
        let dir = parent.path().join("mnt");
        std::fs::create_dir(&dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        let refused = match &out {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = refused {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{test}: cannot mount a tmpfs ({why}); CI must run these tests as root");
            }
            eprintln!("SKIP {test}: cannot mount a tmpfs ({why}); run the tests as root");
            return None;
        }
        Some(Tmpfs {
            dir,
            _parent: parent,
        })
    }

    /// Writes a filler file until the device is full; its removal makes room again.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0x55u8; 4096];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "filling: {e}");
                    break;
                }
            }
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Every file (with its bytes) and folder (`None`) under `root`, by relative path.
fn snapshot(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(e.path());
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

#[track_caller]
fn assert_same(before: &BTreeMap<String, Option<Vec<u8>>>, root: &Path, what: &str) {
    let after = snapshot(root);
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        added.is_empty() && gone.is_empty() && changed.is_empty(),
        "{what} changed {}: {} added {added:?}, gone {gone:?}, changed {changed:?}",
        root.display(),
        added.len()
    );
}

/// The command failed for lack of space, naming a path under `under` and the way out, as the
/// podman personality these tests use ends a failure: `Error: …` and exit 125.
#[track_caller]
fn assert_no_space(out: &Output, under: &Path, what: &str) {
    assert_eq!(out.code, 125, "{what} should fail: {}", out.stderr);
    assert!(out.stderr.starts_with("Error: "), "{what}: {}", out.stderr);
    let e = &out.stderr;
    assert!(
        e.contains(&format!("cannot write {}", under.display()))
            && e.contains("No space left on device")
            && e.contains("free space on the device holding"),
        "{what}: the error should name the path, the OS error and the way out: {e}"
    );
}

/// The blob files of one list's folder.
fn list_blobs(home: &Path, encoded: &str) -> usize {
    std::fs::read_dir(home.join("lists").join(encoded).join("blobs/sha256"))
        .map(|rd| rd.count())
        .unwrap_or(0)
}

struct Setup {
    env: TestEnv,
    home: PathBuf,
    src: PathBuf,
    disk: Tmpfs,
}

impl Setup {
    /// A store on a 200 KiB tmpfs; `n` images in a layout outside it (layers from `layer`).
    fn new(test: &str, n: usize, layer: impl Fn(usize) -> Vec<u8>) -> Option<Setup> {
        let disk = Tmpfs::mount("200k", test)?;
        let mut env = TestEnv::new();
        let home = disk.dir.join("home");
        env.set("MANIFOLD_HOME", &home)
            .set("MANIFOLD_COMPAT", "podman");
        let src = env.path("src");
        write_layout(&src, n, layer);
        Some(Setup {
            env,
            home,
            src,
            disk,
        })
    }

    fn img(&self, i: usize) -> String {
        format!("oci:{}:img{i}", self.src.display())
    }

    fn run(&self, args: &[&str], images: impl IntoIterator<Item = usize>) -> Output {
        let imgs: Vec<String> = images.into_iter().map(|i| self.img(i)).collect();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(imgs.iter().map(String::as_str));
        self.env.manifold(&all)
    }
}

const BASE: &str = "localhost%2Fbase%3Alatest";

#[test]
fn failed_create_and_add_on_a_full_disk_leave_the_store_as_it_was() {
    let Some(s) = Setup::new("failed_create_and_add", 60, small_layer) else {
        return;
    };
    s.run(&["create", "base"], 0..2).success();
    let before = snapshot(&s.home);

    // 60 images need 120 blobs of a page each: more than the 200 KiB hold.
    let out = s.run(&["create", "other"], 0..60);
    assert_no_space(&out, &s.home, "create of 60 images");
    assert_same(&before, &s.home, "a failed create");

    let out = s.run(&["add", "base"], 2..60);
    assert_no_space(&out, &s.home, "add of 58 images");
    assert!(
        out.stderr
            .contains("the local list localhost/base:latest is unchanged"),
        "{}",
        out.stderr
    );
    assert_same(&before, &s.home, "a failed add");
    assert_eq!(
        list_blobs(&s.home, BASE),
        5,
        "the list blob, 2 manifests, 2 configs"
    );

    // The space the failed add took is free again: small commands work, nothing removed by hand.
    s.run(&["annotate", "base", &s.img(0), "--os-version", "1"], [])
        .success();
    s.run(&["create", "small"], 0..1).success();
    assert_eq!(
        list_blobs(&s.home, BASE),
        5,
        "annotate leaves only what the list needs (its old list blob goes)"
    );
    let ls = s.env.manifold(&["ls"]);
    assert!(
        !ls.success().stdout_str().contains("damaged"),
        "{}",
        ls.stdout_str()
    );
}

#[test]
fn failed_annotate_on_a_full_disk_leaves_the_store_as_it_was() {
    let Some(s) = Setup::new("failed_annotate", 2, small_layer) else {
        return;
    };
    s.run(&["create", "base"], 0..2).success();
    let filler = s.disk.fill();
    let before = snapshot(&s.home);
    let out = s.run(&["annotate", "base", &s.img(1), "--os-version", "10.0"], []);
    assert_no_space(&out, &s.home, "annotate");
    assert_same(&before, &s.home, "a failed annotate");
    // One page free: the new list blob fits, its index.json does not.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .unwrap();
    f.set_len(f.metadata().unwrap().len() - 4096).unwrap();
    drop(f);
    let out = s.run(&["annotate", "base", &s.img(1), "--os-version", "10.0"], []);
    assert_no_space(&out, &s.home, "annotate with one page free");
    assert_same(&before, &s.home, "a failed annotate with one page free");
    std::fs::remove_file(filler).unwrap();
    s.run(&["annotate", "base", &s.img(1), "--os-version", "10.0"], [])
        .success();
    let shown = s.env.manifold(&["inspect", "base"]);
    assert!(shown.success().stdout_str().contains("10.0"));
}

/// 48 KiB of bytes distinct per image: 4 of these do not fit beside the store.
fn big_layer(i: usize) -> Vec<u8> {
    (0..48 * 1024).map(|j| (j * (i + 3) % 253) as u8).collect()
}

#[test]
fn failed_push_to_a_layout_on_a_full_disk_leaves_store_and_layout_as_they_were() {
    let Some(s) = Setup::new("failed_push", 5, big_layer) else {
        return;
    };
    s.run(&["create", "big"], 0..4).success();
    s.run(&["create", "tiny"], 4..5).success();
    let dest = s.disk.dir.join("dest");
    let at = |tag: &str| format!("oci:{}:{tag}", dest.display());
    s.env.manifold(&["push", "tiny", &at("t0")]).success();
    let store_before = snapshot(&s.home);
    let dest_before = snapshot(&dest);

    let out = s.env.manifold(&["push", "big", &at("t1")]);
    assert_no_space(&out, &dest, "push of 4 images into a layout");
    assert_same(&store_before, &s.home, "a failed push");
    assert_same(&dest_before, &dest, "a failed push");

    // Into a layout that was not there: still not there.
    let fresh = s.disk.dir.join("fresh");
    let out = s
        .env
        .manifold(&["push", "big", &format!("oci:{}", fresh.display())]);
    assert_no_space(&out, &fresh, "push of 4 images into a new layout");
    assert!(!fresh.exists(), "a failed push left {}", fresh.display());
    assert_same(&store_before, &s.home, "a failed push");

    s.env.manifold(&["push", "tiny", &at("t2")]).success();
}

#[test]
fn a_digestfile_on_a_full_disk_fails_clearly_and_leaves_no_file() {
    let Some(s) = Setup::new("digestfile", 1, small_layer) else {
        return;
    };
    s.run(&["create", "tiny"], 0..1).success();
    // The layout is off the full disk: only the digest file cannot be written.
    let dest = format!("oci:{}:v1", s.env.path("dest").display());
    let digestfile = s.disk.dir.join("out/digest");
    let filler = s.disk.fill();
    let before = snapshot(&s.disk.dir);
    let out = s.env.manifold(&[
        "push",
        "tiny",
        &dest,
        "--digestfile",
        digestfile.to_str().unwrap(),
    ]);
    assert_no_space(&out, &digestfile, "--digestfile");
    assert!(out.stderr.contains("--digestfile"), "{}", out.stderr);
    assert!(
        !digestfile.parent().unwrap().exists(),
        "the folder made for the digest file stays"
    );
    assert_same(&before, &s.disk.dir, "a failed --digestfile");

    std::fs::remove_file(filler).unwrap();
    let out = s.env.manifold(&[
        "push",
        "tiny",
        &dest,
        "--digestfile",
        digestfile.to_str().unwrap(),
    ]);
    // podman prints nothing after a push; the digest file names the list the layout now holds.
    out.success();
    let written = std::fs::read_to_string(&digestfile).unwrap();
    let hex = written
        .strip_prefix("sha256:")
        .unwrap_or_else(|| panic!("not a digest: {written:?}"));
    assert_eq!(hex.len(), 64, "{written:?}");
    assert!(
        s.env.path("dest").join("blobs/sha256").join(hex).is_file(),
        "the digest file names a list the layout does not hold: {written}"
    );
}
