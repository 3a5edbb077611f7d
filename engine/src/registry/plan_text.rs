//! A push plan as a user reads it before anything is written (`--dry-run`): every request that
//! would write, in the order the run makes them (blobs mounted or copied with their sizes,
//! member manifests put, the list put and tagged), then the list's exact bytes.
//!
//! One function renders both forms a command prints: [`DryRun`] is the value (serialised as
//! the `--json` form), [`DryRun::text`] the lines for a terminal. Rendering is pure: the plan
//! and the list's bytes go in, text comes out, so what a dry run shows is what
//! [`plan_push`](super::plan_push) decided, not a second opinion of the shim.
//!
//! The text ends with the list's bytes exactly as they would be put, followed by one newline
//! (so a shell prompt starts on its own line); strip that one newline to get the bytes.

use serde::Serialize;

use super::plan::{Origin, PushStep, PushTarget};
use crate::digest::Digest;

/// One write the run would make. Requests to a registry are named as distribution-spec's
/// endpoints (`POST /v2/<name>/blobs/uploads/?mount=…`); writes into an OCI layout as the
/// files they create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedWrite {
    /// `mount`, `copy`, `put-manifest`, `put-index` or `tag`.
    pub action: &'static str,
    /// The step's wave: every write of a wave finishes before the next wave starts.
    pub wave: u32,
    /// The request line(s): `POST /v2/…`, or the layout file written.
    pub request: String,
    pub digest: Digest,
    /// Bytes moved (blobs); a manifest's size is its bytes', known only for the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Where the bytes are read from (copies and mounts): `registry/repo`, a layout folder, or
    /// `local`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The tag or digest written (puts of the list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// What a dry run shows: where the list goes, each write in order, and the list itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DryRun {
    /// `registry/repo`, or the layout's folder.
    pub target: String,
    pub writes: Vec<PlannedWrite>,
    /// Bytes copied across (copies, not mounts), for the summary.
    pub bytes_copied: u64,
    pub index_digest: Digest,
    pub index_media_type: String,
    pub index_size: u64,
    /// The list's exact bytes (a JSON document, so UTF-8).
    pub index: String,
}

/// How an origin is named in a dry run.
fn origin_name(o: &Origin) -> String {
    match o {
        Origin::Registry { registry, repo } => format!("{registry}/{repo}"),
        Origin::Layout { path } => path.clone(),
        Origin::Local => "local".to_string(),
    }
}

/// `blobs/ALG/HEX` of a layout.
fn blob_file(d: &Digest) -> String {
    let s = d.as_str();
    let (alg, hex) = s.split_once(':').unwrap_or(("sha256", s));
    format!("blobs/{alg}/{hex}")
}

/// Renders `steps` (as [`plan_push`](super::plan_push) returned them) for `target`, with the
/// list's `index` bytes.
pub fn dry_run(target: &PushTarget, steps: &[PushStep], index: &[u8]) -> DryRun {
    let mut writes = Vec::new();
    let mut bytes_copied = 0;
    let mut index_media_type = String::new();
    for s in steps {
        match (s, target) {
            (
                PushStep::MountBlob {
                    digest,
                    size,
                    from_repo,
                    from,
                },
                PushTarget::Registry { repo, .. },
            ) => writes.push(PlannedWrite {
                action: "mount",
                wave: s.wave(),
                request: format!("POST /v2/{repo}/blobs/uploads/?mount={digest}&from={from_repo}"),
                digest: digest.clone(),
                size: Some(*size),
                media_type: None,
                from: Some(origin_name(from)),
                reference: None,
            }),
            (
                PushStep::MountBlob {
                    digest, size, from, ..
                },
                PushTarget::Layout { .. },
            )
            | (PushStep::CopyBlob { digest, size, from }, _) => {
                bytes_copied += size;
                let request = match target {
                    PushTarget::Registry { repo, .. } => format!(
                        "POST /v2/{repo}/blobs/uploads/ then PUT <upload location>?digest={digest}"
                    ),
                    PushTarget::Layout { .. } => format!("write {}", blob_file(digest)),
                };
                writes.push(PlannedWrite {
                    action: "copy",
                    wave: s.wave(),
                    request,
                    digest: digest.clone(),
                    size: Some(*size),
                    media_type: None,
                    from: Some(origin_name(from)),
                    reference: None,
                });
            }
            (
                PushStep::PutManifest {
                    digest,
                    media_type,
                    from,
                    ..
                },
                _,
            ) => writes.push(PlannedWrite {
                action: "put-manifest",
                wave: s.wave(),
                request: match target {
                    PushTarget::Registry { repo, .. } => {
                        format!("PUT /v2/{repo}/manifests/{digest}")
                    }
                    PushTarget::Layout { .. } => format!("write {}", blob_file(digest)),
                },
                digest: digest.clone(),
                size: None,
                media_type: Some(media_type.clone()),
                from: Some(origin_name(from)),
                reference: None,
            }),
            (
                PushStep::PutIndex {
                    reference,
                    tags,
                    digest,
                    media_type,
                    ..
                },
                _,
            ) => {
                index_media_type = media_type.clone();
                let put = |action: &'static str, at: Option<&str>| PlannedWrite {
                    action,
                    wave: s.wave(),
                    request: match (target, at) {
                        (PushTarget::Registry { repo, .. }, Some(at)) => {
                            format!("PUT /v2/{repo}/manifests/{at}")
                        }
                        (PushTarget::Registry { repo, .. }, None) => {
                            format!("PUT /v2/{repo}/manifests/{digest}")
                        }
                        (PushTarget::Layout { .. }, Some(at)) => {
                            format!("write {} and index.json ({at})", blob_file(digest))
                        }
                        (PushTarget::Layout { .. }, None) => {
                            format!("write {} and index.json", blob_file(digest))
                        }
                    },
                    digest: digest.clone(),
                    size: Some(index.len() as u64),
                    media_type: Some(media_type.clone()),
                    from: None,
                    reference: at.map(str::to_string),
                };
                match reference {
                    Some(r) => writes.push(put("put-index", Some(r))),
                    None if tags.is_empty() => writes.push(put("put-index", None)),
                    None => {}
                }
                for (i, t) in tags.iter().enumerate() {
                    let first = reference.is_none() && i == 0;
                    writes.push(put(if first { "put-index" } else { "tag" }, Some(t)));
                }
            }
        }
    }
    DryRun {
        target: target.name(),
        writes,
        bytes_copied,
        index_digest: Digest::sha256(index),
        index_media_type,
        index_size: index.len() as u64,
        index: String::from_utf8_lossy(index).into_owned(),
    }
}

impl DryRun {
    /// The terminal form: a header, one line per write (`wave action digest size from →
    /// request`), a summary, the list's header line, then its bytes and one newline.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut out = format!(
            "dry run: publishing to {} (nothing is written)\n",
            self.target
        );
        for w in &self.writes {
            let _ = write!(out, "  [{}] {:<12} {}", w.wave, w.action, w.digest);
            if let Some(size) = w.size {
                let _ = write!(out, " ({size} bytes)");
            }
            if let Some(r) = &w.reference {
                let _ = write!(out, " as {r}");
            }
            if let Some(from) = &w.from {
                let _ = write!(out, " from {from}");
            }
            let _ = writeln!(out, "\n      {}", w.request);
        }
        let count = |a: &str| self.writes.iter().filter(|w| w.action == a).count();
        let _ = writeln!(
            out,
            "{} writes: {} mounts, {} copies ({} bytes), {} manifests, {} index puts, {} tags",
            self.writes.len(),
            count("mount"),
            count("copy"),
            self.bytes_copied,
            count("put-manifest"),
            count("put-index"),
            count("tag"),
        );
        let _ = writeln!(
            out,
            "index {} ({} bytes, {}):",
            self.index_digest, self.index_size, self.index_media_type
        );
        out.push_str(&self.index);
        out.push('\n');
        out
    }

    /// The `--json` form (one object; `index` holds the list's exact bytes as a string).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a dry run is plain data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::plan::{plan_push, BlobRef, IndexTarget, PlanEntry, TargetHolds};

    fn d(n: u8) -> Digest {
        Digest::sha256(&[n])
    }

    fn reg() -> PushTarget {
        PushTarget::Registry {
            registry: "127.0.0.1:5000".into(),
            repo: "dst/app".into(),
        }
    }

    fn entry(origin: Origin, n: u8, pos: usize) -> PlanEntry {
        PlanEntry {
            origin,
            digest: d(n),
            media_type: crate::media_type::OCI_MANIFEST.into(),
            size: 500,
            position: Some(pos),
            blobs: vec![
                BlobRef {
                    digest: d(n + 100),
                    size: 10,
                    media_type: "c".into(),
                },
                BlobRef {
                    digest: d(n + 150),
                    size: 1000,
                    media_type: "l".into(),
                },
            ],
            children: vec![],
        }
    }

    fn index(tag: Option<&str>, extra: &[&str]) -> IndexTarget {
        IndexTarget {
            tag: tag.map(str::to_string),
            extra_tags: extra.iter().map(|s| s.to_string()).collect(),
            digest: Digest::sha256(b"{}"),
            media_type: crate::media_type::OCI_INDEX.into(),
        }
    }

    #[test]
    fn writes_come_in_plan_order_with_requests_sizes_and_tags() {
        let same = Origin::Registry {
            registry: "127.0.0.1:5000".into(),
            repo: "src/a".into(),
        };
        let other = Origin::Registry {
            registry: "other:5000".into(),
            repo: "src/b".into(),
        };
        let entries = [entry(same, 1, 0), entry(other, 2, 1)];
        let steps = plan_push(
            &reg(),
            &entries,
            &TargetHolds::default(),
            &index(Some("v1"), &["latest"]),
        )
        .unwrap();
        let run = dry_run(&reg(), &steps, b"{}");
        let actions: Vec<_> = run.writes.iter().map(|w| w.action).collect();
        assert_eq!(
            actions,
            [
                "mount",
                "mount",
                "copy",
                "copy",
                "put-manifest",
                "put-manifest",
                "put-index",
                "tag"
            ]
        );
        assert_eq!(
            run.writes[0].request,
            format!(
                "POST /v2/dst/app/blobs/uploads/?mount={}&from=src/a",
                d(101)
            )
        );
        assert_eq!(run.writes[3].size, Some(1000));
        assert_eq!(run.writes[3].from.as_deref(), Some("other:5000/src/b"));
        assert_eq!(run.bytes_copied, 1010);
        assert_eq!(
            run.writes[4].request,
            format!("PUT /v2/dst/app/manifests/{}", d(1))
        );
        assert_eq!(run.writes[6].request, "PUT /v2/dst/app/manifests/v1");
        assert_eq!(run.writes[7].request, "PUT /v2/dst/app/manifests/latest");
        assert_eq!(run.writes[7].wave, 2);
        let text = run.text();
        assert!(text.starts_with("dry run: publishing to 127.0.0.1:5000/dst/app"));
        assert!(text.contains(
            "8 writes: 2 mounts, 2 copies (1010 bytes), 2 manifests, 1 index puts, 1 tags\n"
        ));
        assert!(text.contains(&format!("({} bytes) from other:5000/src/b", 1000)));
    }

    #[test]
    fn the_text_ends_with_the_exact_list_bytes_and_one_newline() {
        let bytes = b"{\n   \"schemaVersion\": 2\n}";
        let steps = plan_push(&reg(), &[], &TargetHolds::default(), &index(None, &[])).unwrap();
        let run = dry_run(&reg(), &steps, bytes);
        let text = run.text();
        let body = text
            .strip_suffix('\n')
            .unwrap()
            .split_once(" bytes, application/vnd.oci.image.index.v1+json):\n")
            .unwrap()
            .1;
        assert_eq!(body.as_bytes(), bytes);
        assert_eq!(run.index_digest, Digest::sha256(bytes));
        // Without a tag the list is put by its digest (as the run does).
        assert_eq!(
            run.writes[0].request,
            format!("PUT /v2/dst/app/manifests/{}", Digest::sha256(b"{}"))
        );
    }

    #[test]
    fn the_json_form_carries_every_write_and_the_bytes() {
        let entries = [entry(Origin::Local, 3, 0)];
        let target = PushTarget::Layout {
            path: "/tmp/out".into(),
        };
        let steps = plan_push(
            &target,
            &entries,
            &TargetHolds::default(),
            &index(None, &[]),
        )
        .unwrap();
        let run = dry_run(&target, &steps, b"{\"a\":1}");
        let v: serde_json::Value = serde_json::from_str(&run.json()).unwrap();
        assert_eq!(v["target"], "/tmp/out");
        assert_eq!(v["index"], "{\"a\":1}");
        assert_eq!(v["writes"].as_array().unwrap().len(), 4);
        assert_eq!(v["writes"][0]["action"], "copy");
        assert_eq!(
            v["writes"][0]["request"],
            format!("write blobs/sha256/{}", &d(103).as_str()[7..])
        );
        assert_eq!(v["writes"][0]["from"], "local");
        // A layout with no tag named is published as `latest`.
        assert_eq!(v["writes"][3]["action"], "put-index");
        assert_eq!(v["writes"][3]["reference"], "latest");
        assert!(v["writes"][2].get("size").is_none());
    }

    #[test]
    fn held_blobs_are_not_written() {
        let entries = [entry(
            Origin::Registry {
                registry: "x:1".into(),
                repo: "r".into(),
            },
            4,
            0,
        )];
        let holds = TargetHolds {
            blobs: [d(104), d(154)].into_iter().collect(),
            manifests: Default::default(),
            local: Default::default(),
        };
        let steps = plan_push(&reg(), &entries, &holds, &index(Some("t"), &[])).unwrap();
        let run = dry_run(&reg(), &steps, b"{}");
        assert_eq!(run.writes.len(), 2);
        assert_eq!(run.bytes_copied, 0);
    }
}
