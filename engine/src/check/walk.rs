//! The walk: the state machine that asks the host for bodies and judges each one it gets.
//!
//! Each body is keyed by digest and action, so a layer shared by fifty images is asked about
//! once, while each place that refers to it (a path) gets its own findings. A body is judged on
//! arrival (digest, size, the validator's rules, the rules of its index and of its config), so
//! a host may supply answers in any order and in any number of rounds; the report only adds
//! the executables' verdicts (which need both the layer and the images using it) and what is
//! still unanswered.

use std::collections::BTreeMap;

use super::answer::{settle, State};
use super::binaries::{judge_layer, Executable};
use super::report::{CheckReport, Counts, Finding, Rule, Severity};
use super::{rules, Action, Options, Origin, Supplied, Want};
use crate::digest::Digest;
use crate::media_type;
use crate::model::{AnyDocument, Descriptor, Document, ImageManifest, Platform};
use crate::platform::is_attestation;
use crate::validate::{self, DocumentKind};

/// Nested indexes are followed this deep; a deeper one is reported, not followed (a hostile
/// registry could otherwise serve an endless chain of fresh indexes).
pub const MAX_DEPTH: usize = 8;

/// One image met on the walk: what `compare` reads and the binary check judges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Where it is: `manifests[1] linux/arm64`; empty when the root is this image.
    pub path: String,
    /// The index entry that pointed at it (its platform and annotations); `None` at the root.
    pub descriptor: Option<Descriptor>,
    /// A buildx attestation (provenance, SBOM), which runs nowhere.
    pub attestation: bool,
    pub manifest: Document<ImageManifest>,
    /// The config's exact bytes, verified; `None` until supplied, or when it could not be.
    pub config: Option<Vec<u8>>,
    /// The platform the config declares, read as Go reads it.
    pub config_platform: Option<Platform>,
}

impl Image {
    /// The platform the image runs on: the entry's, else its config's.
    pub fn platform(&self) -> Option<&Platform> {
        self.descriptor
            .as_ref()
            .and_then(|d| d.platform.as_ref())
            .or(self.config_platform.as_ref())
    }
}

/// Who refers to a body, and as what.
#[derive(Clone, Debug)]
pub(crate) struct Use {
    path: String,
    descriptor: Descriptor,
    role: Role,
}

#[derive(Clone, Copy, Debug)]
enum Role {
    /// A manifest or index: the root, or an entry of an index `depth` indexes down.
    Member { depth: usize, entry: bool },
    /// The config of `images[i]`.
    Config(usize),
    /// A blob whose presence (or, streamed, whose bytes) is checked.
    Blob,
    /// An artifact's subject.
    Subject,
}

/// The state machine of a check. See the module docs of [`crate::check`].
#[derive(Debug)]
pub struct Walk {
    options: Options,
    reference: String,
    root_digest: Digest,
    root_media_type: String,
    states: BTreeMap<(Digest, ActionKey), State>,
    pending: Vec<Want>,
    images: Vec<Image>,
    /// Layers of images: (image, layer position, layer digest), for the binary check.
    layer_uses: Vec<(usize, usize, Digest)>,
    executables: BTreeMap<Digest, Vec<Executable>>,
    /// Layers the scanner could not read (corrupt compression, not a tar).
    scan_errors: BTreeMap<Digest, String>,
    findings: Vec<Finding>,
    counts: Counts,
}

/// [`Action`] without its payload, as a map key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ActionKey {
    Manifest,
    Config,
    ManifestPresence,
    BlobPresence,
    Layer,
}

fn key(a: Action) -> ActionKey {
    match a {
        Action::Manifest => ActionKey::Manifest,
        Action::Config => ActionKey::Config,
        Action::ManifestPresence => ActionKey::ManifestPresence,
        Action::BlobPresence => ActionKey::BlobPresence,
        Action::Layer { .. } => ActionKey::Layer,
    }
}

/// `a → b`, or `b` at the root.
pub(crate) fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else if b.is_empty() {
        a.to_string()
    } else {
        format!("{a} → {b}")
    }
}

impl Walk {
    /// Starts a check from the root document's exact bytes. The root is judged at once; its
    /// children are then [`Walk::wants`].
    pub fn new(root: Vec<u8>, origin: Origin, options: Options) -> Walk {
        let root_digest = origin
            .digest
            .clone()
            .unwrap_or_else(|| Digest::sha256(&root));
        let root_media_type = origin
            .media_type
            .clone()
            .or_else(|| validate::validate(&root, DocumentKind::Auto).media_type)
            .unwrap_or_default();
        let mut walk = Walk {
            options,
            reference: origin.reference.clone(),
            root_digest: root_digest.clone(),
            root_media_type: root_media_type.clone(),
            states: BTreeMap::new(),
            pending: Vec::new(),
            images: Vec::new(),
            layer_uses: Vec::new(),
            executables: BTreeMap::new(),
            scan_errors: BTreeMap::new(),
            findings: Vec::new(),
            counts: Counts::default(),
        };
        let size = origin.size.unwrap_or(root.len() as u64);
        let descriptor = Descriptor::new(&root_media_type, root_digest.clone(), size);
        let k = (root_digest, ActionKey::Manifest);
        let use_ = Use {
            path: String::new(),
            descriptor,
            role: Role::Member {
                depth: 0,
                entry: false,
            },
        };
        walk.states.insert(k.clone(), State::Waiting(vec![use_]));
        walk.answer(k, Action::Manifest, Supplied::Bytes(root));
        walk
    }

    /// What to fetch next: every body asked for since the last call, each once.
    pub fn wants(&mut self) -> Vec<Want> {
        std::mem::take(&mut self.pending)
    }

    /// True when every body asked for has been supplied: the report is final.
    pub fn is_done(&self) -> bool {
        self.pending.is_empty() && !self.states.values().any(|s| matches!(s, State::Waiting(_)))
    }

    /// The host's answer to `want`. An answer to something not asked for, or given twice, is
    /// ignored.
    pub fn supply(&mut self, want: &Want, supplied: Supplied) {
        let k = (want.digest.clone(), key(want.action));
        self.answer(k, want.action, supplied);
    }

    /// The executables the scanner found in a layer (for [`Action::Layer`] with `scan`); judged
    /// against every image using the layer when the report is made.
    pub fn supply_executables(&mut self, layer: &Digest, executables: Vec<Executable>) {
        self.counts.layers_scanned += 1;
        self.counts.executables += executables.len();
        self.executables
            .entry(layer.clone())
            .or_default()
            .extend(executables);
    }

    /// The scanner could not read a layer it was fed (for [`Action::Layer`] with `scan`): a
    /// layer no runtime can unpack either, reported for every image using it.
    pub fn supply_scan_error(&mut self, layer: &Digest, message: String) {
        self.counts.layers_scanned += 1;
        self.scan_errors.insert(layer.clone(), message);
    }

    /// The images met so far, in walk order (attestations included; see [`Image::attestation`]).
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// What was found. Anything still unanswered is reported as not checked.
    pub fn report(&self) -> CheckReport {
        let mut findings = self.findings.clone();
        for (i, pos, digest) in &self.layer_uses {
            if let Some(m) = self.scan_errors.get(digest) {
                findings.push(Finding {
                    path: join(&self.images[*i].path, &format!("layers[{pos}]")),
                    severity: Severity::Error,
                    rule: Rule::Binary,
                    message: format!("the layer cannot be read: {m}"),
                    digest: Some(digest.to_string()),
                });
                continue;
            }
            let Some(exes) = self.executables.get(digest) else {
                continue;
            };
            let image = &self.images[*i];
            let Some(platform) = image.platform() else {
                continue;
            };
            let normal = crate::platform::normalize(platform);
            judge_layer(
                &join(&image.path, &format!("layers[{pos}]")),
                &platform.short(),
                &normal.architecture,
                exes,
                &mut findings,
            );
        }
        for ((digest, _), state) in &self.states {
            if let State::Waiting(uses) = state {
                for u in uses {
                    findings.push(Finding {
                        path: u.path.clone(),
                        severity: Severity::Unchecked,
                        rule: Rule::Fetch,
                        message: format!("{digest} was not fetched"),
                        digest: Some(digest.to_string()),
                    });
                }
            }
        }
        CheckReport::new(
            self.reference.clone(),
            self.root_digest.to_string(),
            self.root_media_type.clone(),
            findings,
            self.counts,
        )
    }

    /// Registers that `use_` needs `descriptor`'s body for `action`: asks the host the first
    /// time, judges at once when the body is already in.
    fn refer(&mut self, action: Action, use_: Use) {
        let k = (use_.descriptor.digest.clone(), key(action));
        match self.states.get_mut(&k) {
            Some(State::Waiting(uses)) => uses.push(use_),
            Some(state) => {
                let state = state.clone();
                self.judge(&k.0, &state, &use_);
            }
            None => {
                self.pending.push(Want {
                    digest: use_.descriptor.digest.clone(),
                    media_type: use_.descriptor.media_type.clone(),
                    size: use_.descriptor.size,
                    action,
                });
                self.states.insert(k, State::Waiting(vec![use_]));
            }
        }
    }

    fn answer(&mut self, k: (Digest, ActionKey), action: Action, supplied: Supplied) {
        let Some(State::Waiting(uses)) = self.states.get(&k) else {
            return;
        };
        let uses = uses.clone();
        let size = uses.first().map(|u| u.descriptor.size);
        let state = settle(&k.0, size, action, supplied);
        match (&state, k.1) {
            (State::Bytes(_), ActionKey::Manifest) => {}
            (State::Bytes(_), ActionKey::Config) => self.counts.configs += 1,
            (_, ActionKey::BlobPresence | ActionKey::Layer) => self.counts.blobs += 1,
            _ => {}
        }
        self.states.insert(k.clone(), state.clone());
        for u in &uses {
            self.judge(&k.0, &state, u);
        }
    }

    /// The findings `state` brings to one place that uses the body.
    fn judge(&mut self, digest: &Digest, state: &State, u: &Use) {
        let what = match u.role {
            Role::Member { .. } => "manifest",
            Role::Config(_) => "config",
            Role::Blob => "blob",
            Role::Subject => "subject",
        };
        let finding = |severity, rule, message: String| Finding {
            path: u.path.clone(),
            severity,
            rule,
            message,
            digest: Some(digest.to_string()),
        };
        match state {
            State::Waiting(_) => {}
            State::Absent => {
                let message = match u.role {
                    Role::Subject => format!(
                        "the subject {digest} is not in the repository (push it, or drop the \
                         subject)"
                    ),
                    _ => format!(
                        "{what} {digest} is not in the repository (deleted, or never pushed: push \
                         it again, or remove what refers to it)"
                    ),
                };
                let rule = match u.role {
                    Role::Subject => Rule::Subject,
                    _ => Rule::Missing,
                };
                self.findings.push(finding(Severity::Error, rule, message));
            }
            State::Wrong(m, rule) => {
                self.findings
                    .push(finding(Severity::Error, *rule, format!("{what} {m}")))
            }
            State::Failed(m) => self.findings.push(finding(
                Severity::Unchecked,
                Rule::Fetch,
                format!("could not fetch {what} {digest}: {m}"),
            )),
            State::Present => {}
            State::Bytes(bytes) => match u.role {
                Role::Member { depth, entry } => self.member(bytes, u, depth, entry),
                Role::Config(i) => self.config(bytes, u, i),
                Role::Blob | Role::Subject => {}
            },
        }
    }

    /// A manifest or index arrived for `u`: the validator's rules, then its children.
    fn member(&mut self, bytes: &[u8], u: &Use, depth: usize, entry: bool) {
        let report = validate::validate(bytes, DocumentKind::Auto);
        for p in &report.problems {
            let at = p.path.strip_prefix('$').unwrap_or(&p.path);
            let at = at.strip_prefix('.').unwrap_or(at);
            self.findings.push(Finding {
                path: join(&u.path, at),
                severity: match p.severity {
                    validate::Severity::Error => Severity::Error,
                    validate::Severity::Warning => Severity::Warning,
                },
                rule: Rule::Document,
                message: p.message.clone(),
                digest: None,
            });
        }
        let content_type = Some(u.descriptor.media_type.as_str()).filter(|m| !m.is_empty());
        let doc = match AnyDocument::parse(bytes.to_vec(), content_type) {
            Ok(d) => d,
            Err(e) => {
                if report.valid {
                    self.findings.push(Finding {
                        path: u.path.clone(),
                        severity: Severity::Error,
                        rule: Rule::Document,
                        message: format!("cannot be read: {e}"),
                        digest: Some(u.descriptor.digest.to_string()),
                    });
                }
                return;
            }
        };
        if entry {
            rules::media_type_agrees(&u.path, &u.descriptor, doc.media_type(), &mut self.findings);
        }
        match doc {
            AnyDocument::Index(index) => {
                self.counts.indexes += 1;
                if depth >= MAX_DEPTH {
                    self.findings.push(Finding {
                        path: u.path.clone(),
                        severity: Severity::Error,
                        rule: Rule::Document,
                        message: format!(
                            "indexes nested more than {MAX_DEPTH} deep; this one is not followed"
                        ),
                        digest: Some(index.digest.to_string()),
                    });
                    return;
                }
                rules::index_rules(&u.path, &index.value, &mut self.findings);
                if let Some(s) = &index.value.subject {
                    self.subject(&u.path, s);
                }
                for (i, child) in index.value.manifests.iter().enumerate() {
                    let path = join(&u.path, &rules::entry_label(i, child));
                    self.refer(
                        Action::Manifest,
                        Use {
                            path,
                            descriptor: child.clone(),
                            role: Role::Member {
                                depth: depth + 1,
                                entry: true,
                            },
                        },
                    );
                }
            }
            AnyDocument::Manifest(m) => {
                self.counts.manifests += 1;
                self.image(m, u, entry);
            }
        }
    }

    fn image(&mut self, m: Document<ImageManifest>, u: &Use, entry: bool) {
        let descriptor = entry.then(|| u.descriptor.clone());
        let attestation = descriptor.as_ref().is_some_and(is_attestation);
        let i = self.images.len();
        let value = m.value.clone();
        self.images.push(Image {
            path: u.path.clone(),
            descriptor,
            attestation,
            manifest: m,
            config: None,
            config_platform: None,
        });
        if let Some(s) = &value.subject {
            self.subject(&u.path, s);
        }
        let config_path = join(&u.path, "config");
        if media_type::is_config(&value.config.media_type) {
            self.refer(
                Action::Config,
                Use {
                    path: config_path,
                    descriptor: value.config.clone(),
                    role: Role::Config(i),
                },
            );
        } else if !self.options.documents_only {
            self.blob(config_path, &value.config, Action::BlobPresence);
        }
        if self.options.documents_only {
            return;
        }
        for (pos, layer) in value.layers.iter().enumerate() {
            if rules::is_foreign(layer) {
                continue; // served from its urls, not the registry: nothing to ask it
            }
            let scan = self.options.check_binaries && !attestation && rules::is_tar_layer(layer);
            let action = if scan || self.options.pull_layers {
                Action::Layer { scan }
            } else {
                Action::BlobPresence
            };
            if scan {
                self.layer_uses.push((i, pos, layer.digest.clone()));
            }
            self.blob(join(&u.path, &format!("layers[{pos}]")), layer, action);
        }
    }

    fn blob(&mut self, path: String, d: &Descriptor, action: Action) {
        let use_ = Use {
            path,
            descriptor: d.clone(),
            role: Role::Blob,
        };
        self.refer(action, use_);
    }

    fn subject(&mut self, path: &str, s: &Descriptor) {
        let use_ = Use {
            path: join(path, "subject"),
            descriptor: s.clone(),
            role: Role::Subject,
        };
        self.refer(Action::ManifestPresence, use_);
    }

    /// A config arrived for image `i`: readable, its platform against the entry's.
    fn config(&mut self, bytes: &[u8], u: &Use, i: usize) {
        let platform = match crate::ops::platform_from_config(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.findings.push(Finding {
                    path: u.path.clone(),
                    severity: Severity::Error,
                    rule: Rule::Config,
                    message: format!("cannot be read: {e}"),
                    digest: Some(u.descriptor.digest.to_string()),
                });
                return;
            }
        };
        let image = &mut self.images[i];
        image.config = Some(bytes.to_vec());
        image.config_platform = Some(platform.clone());
        let image = image.clone();
        rules::config_rules(&image, bytes, &platform, &mut self.findings);
    }
}
