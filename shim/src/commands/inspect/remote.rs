//! `inspect REF` of a registry's manifest or list, printed as docker 28.2.2 prints it
//! (docker-manifest.md §4): a single manifest re-indented with tabs; a list re-synthesised by
//! distribution's `FromDescriptors` rules (3-space indent, annotations dropped); `-v` as docker's
//! `ImageManifest` JSON; `--raw` the registry's exact bytes.
//!
//! Errors: where docker says `no such manifest: <ref>` (401, unknown manifest or repository),
//! the first line is exactly that, and a second line `hint: ` gives the real cause.

use manifold_engine::json::indent;
use manifold_engine::media_type;
use manifold_engine::model::{AnyDocument, Descriptor, ImageIndex, Platform};
use manifold_engine::reference::Reference;
use manifold_engine::registry::shortnames;
use manifold_engine::serialize;

use crate::cli::InspectArgs;
use crate::error::{CliError, CliResult};
use crate::output::{self, docker};
use crate::pool::run_bounded;
use crate::registry::remote::MAX_SMALL_BLOB;
use crate::registry::{target_of, Client, Manifest, Options, RegistryError, Repo};

/// Under the podman personality a list is shown as podman shows a registry's list (`output::podman`),
/// and its certs.d roots and registries.conf apply.
pub fn run(
    args: &InspectArgs,
    reference: &str,
    personality: crate::personality::Personality,
) -> CliResult {
    let podman = personality == crate::personality::Personality::Podman;
    let options = Options::from_args(&args.registry_args, personality);
    let conf = if podman {
        options.registries_conf()
    } else {
        None
    };
    let client = Client::new(options);
    let (r, top) = match &conf {
        Some(loaded) => short_name(
            &client,
            reference,
            &loaded.conf,
            &loaded.search_origin.display().to_string(),
        )?,
        None => {
            let r = Reference::parse_docker(reference)?;
            let top = client
                .get_manifest_ahead(&Repo::of(&r), &target_of(&r))
                .map_err(|e| docker_error(&r, e))?;
            (r, top)
        }
    };
    let repo = Repo::of(&r);
    if args.raw {
        return output::print_bytes(&top.bytes);
    }
    let doc = AnyDocument::parse(top.bytes.clone(), Some(&top.media_type))
        .map_err(|e| CliError::bad_document(&r, e))?;
    match doc {
        AnyDocument::Manifest(_) => {
            let m = image(&client, &repo, &top, None).map_err(|e| docker_error(&r, e))?;
            let mut out = if args.verbose {
                indent::reformat(
                    &docker::image_manifest_json(&r.to_string(), &m, &top.bytes),
                    "\t",
                    false,
                )
            } else {
                indent::reformat(&top.bytes, "\t", false)
            };
            out.push(b'\n');
            output::print_bytes(&out)
        }
        AnyDocument::Index(index) if podman && !args.verbose => {
            output::print_bytes(&output::podman::remote_list_bytes(&index.value))
        }
        AnyDocument::Index(index) => {
            // Children are fetched concurrently (bounded by --jobs); results keep list order.
            let fetch = |child: &Descriptor| -> CliResult<(Descriptor, Option<Vec<u8>>)> {
                if child.is_index() || !media_type::is_image_manifest(&child.media_type) {
                    return Err(CliError::failed(format!(
                        "unsupported manifest type: {}",
                        if child.is_index() {
                            "*manifestlist.DeserializedManifestList"
                        } else {
                            child.media_type.as_str()
                        }
                    )));
                }
                let m = client
                    .get_manifest(&repo, child.digest.as_str())
                    .map_err(|e| docker_error(&r, e))?;
                if media_type::is_index(&m.media_type) {
                    return Err(CliError::failed(
                        "unsupported manifest type: *manifestlist.DeserializedManifestList",
                    ));
                }
                // The platform comes from the list (docker's OCIPlatform: `features` dropped).
                let platform = docker_platform(child.platform.as_ref());
                let d =
                    image(&client, &repo, &m, Some(platform)).map_err(|e| docker_error(&r, e))?;
                let v = args.verbose.then(|| {
                    docker::image_manifest_json(
                        // reference.WithDigest: the tag stays, a digest is replaced.
                        &r.with_digest(m.digest.clone()).to_string(),
                        &d,
                        &m.bytes,
                    )
                });
                Ok((d, v))
            };
            let children: Vec<&Descriptor> = index.value.manifests.iter().collect();
            let mut descriptors = Vec::new();
            let mut verbose = Vec::new();
            for res in run_bounded(client.options().jobs, children, fetch) {
                let (d, v) = res?;
                descriptors.push(d);
                verbose.extend(v);
            }
            let mut out = if args.verbose {
                let mut compact = b"[".to_vec();
                compact.extend_from_slice(&verbose.join(&b","[..]));
                compact.push(b']');
                indent::reformat(&compact, "\t", false)
            } else {
                let mut list = ImageIndex::new(serialize::docker_list_media_type(&descriptors));
                list.manifests = descriptors;
                serialize::docker_bytes(&list, None)
            };
            out.push(b'\n');
            output::print_bytes(&out)
        }
    }
}

/// podman's remote inspect of a name: a short name is resolved by registries.conf (aliases,
/// `unqualified-search-registries`, `short-name-mode`; the engine's `shortnames`), and the
/// candidates are read in order until one answers; when none does, every attempt is reported
/// as podman reports them.
fn short_name(
    client: &Client,
    raw: &str,
    conf: &manifold_engine::registry::registries_conf::RegistriesConf,
    origin: &str,
) -> CliResult<(Reference, Manifest)> {
    let rules = conf.short_names(origin);
    let candidates = match shortnames::resolve(raw, &rules, false) {
        Ok(Some(c)) => c.references,
        Ok(None) => {
            let r = Reference::parse_docker(raw)?;
            let top = client
                .get_manifest_ahead(&Repo::of(&r), &target_of(&r))
                .map_err(|e| docker_error(&r, e))?;
            return Ok((r, top));
        }
        Err(e) => return Err(CliError::failed(e.to_string())),
    };
    let mut failures = Vec::new();
    for c in candidates {
        let r = Reference::parse_docker(&c)?;
        match client.get_manifest(&Repo::of(&r), &target_of(&r)) {
            Ok(top) => return Ok((r, top)),
            Err(e) => failures.push((r.familiar(), e.to_string())),
        }
    }
    Err(CliError::failed(output::podman::reading_failures(
        &failures,
    )))
}

/// docker's descriptor of an image: the payload media type (schema2: the body's mediaType; OCI:
/// always the OCI type), the digest and size of the bytes, and the platform: the list's when
/// given, else the config's `architecture`, `os`, `os.version`, `os.features`, `variant`.
fn image(
    client: &Client,
    repo: &Repo,
    m: &Manifest,
    platform: Option<Platform>,
) -> Result<Descriptor, RegistryError> {
    let body: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap_or_default();
    let mt = if m.media_type == media_type::OCI_MANIFEST {
        media_type::OCI_MANIFEST.to_string()
    } else {
        body.get("mediaType")
            .and_then(|v| v.as_str())
            .unwrap_or(&m.media_type)
            .to_string()
    };
    let mut d = Descriptor::new(&mt, m.digest.clone(), m.bytes.len() as u64);
    let config = body
        .get("config")
        .and_then(|c| c.get("digest"))
        .and_then(|c| c.as_str())
        .and_then(|c| manifold_engine::Digest::parse(c).ok());
    // docker fetches (and verifies) the config even when the list's platform wins; the
    // output is the same without that round trip (the engine's `fetch::config_needed`).
    let from_config = match config {
        Some(cd) if manifold_engine::registry::fetch::config_needed(platform.is_some()) => {
            let bytes = client.get_blob_bytes(repo, &cd, MAX_SMALL_BLOB)?;
            manifold_engine::ops::platform_from_config(&bytes).unwrap_or_default()
        }
        _ => Platform::default(),
    };
    d.platform = Some(platform.unwrap_or(from_config));
    Ok(d)
}

/// A list descriptor's platform as docker keeps it: the five ocispec fields, empty ones omitted.
fn docker_platform(p: Option<&Platform>) -> Platform {
    let Some(p) = p else {
        return Platform::default();
    };
    Platform {
        architecture: p.architecture.clone(),
        os: p.os.clone(),
        os_version: p.os_version.clone().filter(|s| !s.is_empty()),
        os_features: p.os_features.clone().filter(|f| !f.is_empty()),
        variant: p.variant.clone().filter(|s| !s.is_empty()),
        features: None,
        extra: Default::default(),
    }
}

/// docker's wording: `no such manifest: <ref>` for what its endpoint loop treats as "not here"
/// (401, unknown manifest or repository), followed by manifold's precise cause; any other error
/// in manifold's words.
fn docker_error(r: &Reference, e: RegistryError) -> CliError {
    if e.is_docker_not_found() {
        CliError::failed(format!("no such manifest: {r}\nhint: {e}"))
    } else {
        CliError::failed(e.to_string())
    }
}
