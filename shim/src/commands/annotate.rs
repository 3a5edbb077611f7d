//! `annotate LIST IMAGE|DIGEST` and `annotate --index LIST`: set platform fields and annotations
//! of an entry or of the list itself, with explicit `--clear` (docker can never clear a field).

use manifold_engine::ops::{self, Field, IndexEdit};
use manifold_engine::reference::Reference;

use super::context::Context;
use super::flags;
use crate::cli::AnnotateArgs;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::source::Remote;
use crate::store::LocalList;

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
    let words = ctx.words;
    let name = ctx
        .parse_list_name(&args.list)
        .map_err(|e| words.bad_list_name_to_annotate(&args.list, &e))?;
    let mut clear = flags::clear_fields(&args.clear)?;
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
        let annotations = flags::annotations(&args.annotations)?;
        let subject = match &args.subject {
            Some(s) => Some(super::entries::subject_descriptor("--subject", s, remote)?),
            None => None,
        };
        clear.retain(|f| matches!(f, Field::Annotations | Field::Annotation(_)));
        let edit = IndexEdit {
            annotations,
            subject,
            clear,
        };
        let missing = || words.no_such_list(&args.list, &name);
        if !ctx.store.exists(&name) {
            return Err(missing());
        }
        let (lock, mut list) = ctx.open_list(&name, missing)?;
        let before = list.index.clone();
        ops::annotate_index(&mut list.index, &edit);
        flags::settle_format(ctx.personality, false, &before, &mut list.index, &args.list)?;
        ctx.store.save(&lock, &list, &[])?;
        if args.json {
            return output::json::print(&output::json::list(words, &list));
        }
        output::say(words.annotated(&args.list, "", &list));
        return Ok(());
    }
    let Some(image) = args.image.as_deref() else {
        return Err(CliError::usage(
            "annotate needs the entry: LIST IMAGE|DIGEST (or --index to annotate the list itself)",
        ));
    };
    let image = words.image_argument(image)?;
    if manifold_engine::Digest::parse(image).is_err() {
        if let Err(e) = crate::source::Location::parse(image) {
            if let Some(refused) = words.bad_entry_name(image, &e) {
                return Err(refused);
            }
        }
    }
    let mut edit = flags::platform_edit(&args.platform_args, &args.annotations)?;
    edit.clear = clear;
    if !edit.touches_platform() && edit.annotations.is_empty() && edit.clear.is_empty() {
        if let Some(refused) = words.nothing_to_annotate() {
            return Err(refused);
        }
    }
    if ctx.personality.arch_resets_variant()
        && edit.architecture.is_some()
        && edit.variant.is_none()
    {
        edit.clear.push(Field::Variant);
    }
    let missing = || words.no_list_to_annotate(&args.list, &name, image);
    if !ctx.store.exists(&name) {
        return Err(missing());
    }
    let (lock, mut list) = ctx.open_list(&name, missing)?;
    let i = find(&list, image).ok_or_else(|| words.entry_not_found(&args.list, &name, image))?;
    let mut entry = list.index.manifests[i].clone();
    ops::annotate_entry(&mut entry, &edit);
    let plat = entry.platform.clone().unwrap_or_default();
    if let Some(refused) = words.unsupported_platform(
        &plat,
        args.platform_args.os.as_deref().unwrap_or(""),
        args.platform_args.arch.as_deref().unwrap_or(""),
    ) {
        return Err(refused);
    }
    let before = list.index.clone();
    list.index.manifests[i] = entry;
    flags::settle_format(ctx.personality, false, &before, &mut list.index, &args.list)?;
    ctx.store.save(&lock, &list, &[])?;
    if args.json {
        return output::json::print(&output::json::list(words, &list));
    }
    output::say(words.annotated(&args.list, image, &list));
    Ok(())
}
