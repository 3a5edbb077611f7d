//! `annotate LIST IMAGE|DIGEST` and `annotate --index LIST`: set platform fields and annotations
//! of an entry or of the list itself, with explicit `--clear` (docker can never clear a field).

use manifold_engine::model::Descriptor;
use manifold_engine::ops::{self, Field, IndexEdit};
use manifold_engine::platform;
use manifold_engine::reference::Reference;

use super::add::platform_edit;
use super::context::Context;
use crate::cli::AnnotateArgs;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;
use crate::source::Remote;
use crate::store::LocalList;

fn clear_fields(raw: &[String]) -> CliResult<Vec<Field>> {
    raw.iter()
        .map(|f| {
            Field::parse(f).ok_or_else(|| {
                CliError::usage(format!(
                    "--clear {f}: unknown field; use os, arch, variant, os-version, os-features, features, platform, annotations or annotation:KEY"
                ))
            })
        })
        .collect()
}

/// Finds the entry an IMAGE argument names: its digest (or a unique hex prefix), or the
/// reference it was added as.
fn find(list: &LocalList, image: &str) -> Option<usize> {
    if let Ok(i) = ops::find_entry(&list.index, image) {
        return Some(i);
    }
    let wanted = match Reference::parse_docker(image) {
        Ok(r) => r.to_string(),
        Err(_) => image.to_string(),
    };
    list.sources
        .iter()
        .position(|s| s.as_deref() == Some(wanted.as_str()) || s.as_deref() == Some(image))
}

pub fn run(ctx: &Context, args: &AnnotateArgs, remote: Option<&dyn Remote>) -> CliResult {
    let p = ctx.personality;
    let name = ctx.list_name(&args.list).map_err(|e| match p {
        Personality::Docker => CliError::failed(format!("annotate: {}", e.message)),
        _ => e,
    })?;
    let mut clear = clear_fields(&args.clear)?;
    if args.index || args.subject.is_some() {
        if let Some(img) = &args.image {
            return Err(CliError::usage(format!(
                "did not expect an image ({img}) with --index: it annotates the list itself"
            )));
        }
        if args.platform_args.os.is_some()
            || args.platform_args.arch.is_some()
            || args.platform_args.variant.is_some()
        {
            return Err(CliError::usage(
                "platform fields belong to entries; name the entry instead of --index",
            ));
        }
        let annotations = super::entries::annotations(&args.annotations)?;
        let subject = match &args.subject {
            Some(s) => Some(subject_descriptor(s, remote)?),
            None => None,
        };
        clear.retain(|f| matches!(f, Field::Annotations | Field::Annotation(_)));
        let edit = IndexEdit {
            annotations,
            subject,
            clear,
        };
        if !ctx.store.exists(&name) {
            return Err(ctx.no_such_list(&args.list, &name));
        }
        let lock = ctx.store.lock(&name)?;
        let mut list = ctx
            .store
            .load(&name)?
            .ok_or_else(|| ctx.no_such_list(&args.list, &name))?;
        ops::annotate_index(&mut list.index, &edit);
        ctx.store.save(&lock, &list, &[])?;
        return done(ctx, &list, args, "");
    }
    let Some(image) = args.image.as_deref() else {
        return Err(CliError::usage(
            "annotate needs the entry: LIST IMAGE|DIGEST (or --index to annotate the list itself)",
        ));
    };
    if p == Personality::Docker && manifold_engine::Digest::parse(image).is_err() {
        if let Err(e) = crate::source::Location::parse(image) {
            return Err(CliError::failed(format!(
                "annotate: error parsing name for manifest {}: {e}",
                crate::error::shown(image)
            )));
        }
    }
    let mut edit = platform_edit(&args.platform_args, &args.annotations)?;
    edit.clear = clear;
    if p == Personality::Pack
        && !edit.touches_platform()
        && edit.annotations.is_empty()
        && edit.clear.is_empty()
    {
        return Err(CliError::failed(
            "ERROR: one of --os, --arch, or --variant is required",
        ));
    }
    if p == Personality::Podman && edit.architecture.is_some() && edit.variant.is_none() {
        // podman's AnnotateInstance: a new architecture resets the variant.
        edit.clear.push(Field::Variant);
    }
    let missing = || match p {
        Personality::Docker => CliError::failed(format!(
            "manifest for image {image} does not exist in {}",
            args.list
        )),
        _ => ctx.no_such_list(&args.list, &name),
    };
    if !ctx.store.exists(&name) {
        return Err(missing());
    }
    let lock = ctx.store.lock(&name)?;
    let mut list = ctx.store.load(&name)?.ok_or_else(missing)?;
    let i = find(&list, image).ok_or_else(|| match p {
        Personality::Docker => CliError::failed(format!(
            "manifest for image {image} does not exist in {}",
            args.list
        )),
        Personality::Podman => CliError::with_code(
            format!("Error: no instance matching {image:?} found in manifest list {name}"),
            125,
        ),
        Personality::Pack => CliError::failed(format!(
            "ERROR: image '{image}' is not in index '{}'",
            args.list
        )),
    })?;
    let mut entry = list.index.manifests[i].clone();
    ops::annotate_entry(&mut entry, &edit);
    if p == Personality::Docker {
        let plat = entry.platform.clone().unwrap_or_default();
        if !platform::docker_annotate_allows(&plat.os, &plat.architecture) {
            return Err(CliError::failed(format!(
                "manifest entry for image has unsupported os/arch combination: {}/{}",
                args.platform_args.os.as_deref().unwrap_or(""),
                args.platform_args.arch.as_deref().unwrap_or("")
            )));
        }
    }
    list.index.manifests[i] = entry;
    ctx.store.save(&lock, &list, &[])?;
    done(ctx, &list, args, image)
}

fn done(ctx: &Context, list: &LocalList, args: &AnnotateArgs, image: &str) -> CliResult {
    match ctx.personality {
        Personality::Docker => {}
        Personality::Podman => println!("{}", Context::list_id(list)),
        Personality::Pack => println!(
            "Successfully annotated image '{image}' in index '{}'",
            args.list
        ),
    }
    Ok(())
}

/// The descriptor of the image `--subject` names (fetched to learn digest, size and type).
fn subject_descriptor(raw: &str, remote: Option<&dyn Remote>) -> CliResult<Descriptor> {
    let location = crate::source::Location::parse(raw)
        .map_err(|e| CliError::failed(format!("--subject {raw}: {e}")))?;
    let crate::source::Location::Registry(r) = &location else {
        return Err(CliError::failed("--subject must name a registry image"));
    };
    let remote = remote.ok_or_else(|| CliError::failed("no registry client"))?;
    let (bytes, ct) = remote.get_manifest(r)?;
    let doc = manifold_engine::model::AnyDocument::parse(bytes.clone(), ct.as_deref())
        .map_err(|e| CliError::failed(format!("--subject {raw}: {e}")))?;
    let mut d = Descriptor::of(doc.media_type(), &bytes);
    if let manifold_engine::model::AnyDocument::Manifest(m) = &doc {
        d.artifact_type = m.value.artifact_type.clone();
    }
    Ok(d)
}
