//! `inspect [LIST] IMAGE`: a local list first, then the registry, as docker does; `--raw` prints
//! the exact bytes a push would send, `--platform` what is really inside one architecture.

use manifold_engine::json::indent;
use manifold_engine::model::{AnyDocument, ImageManifest};
use manifold_engine::ops;
use manifold_engine::reference::Reference;

mod remote;

use crate::cli::InspectArgs;
use crate::commands::context::Context;
use crate::commands::flags;
use crate::error::{CliError, CliResult};
use crate::output::{self, docker};
use crate::source::Remote;
use crate::store::{LocalList, Store};

pub fn run(ctx: &Context, args: &InspectArgs, remote: Option<&dyn Remote>) -> CliResult {
    if let [list_raw, image] = args.refs.as_slice() {
        return entry(ctx, list_raw, image, args.verbose);
    }
    let raw = &args.refs[0];
    if let Some((path, tag)) = crate::layout::parse_spec(raw) {
        return layout_document(&path, tag.as_deref(), args.raw);
    }
    // A name that is not a valid list reference can still not be a local list; go remote. A
    // damaged local list is reported, not hidden behind a registry request for the same name.
    let local = match ctx.list_name(raw) {
        Ok(name) => ctx.store.load(&name)?,
        Err(_) => None,
    };
    match local {
        Some(list) => {
            ctx.store.check(&list)?;
            local_list(ctx, &list, args)
        }
        None if !ctx.personality.inspects_registry() => Err(ctx.words.no_such_list(raw, raw)),
        None => match (&args.platform, remote) {
            (Some(p), Some(remote)) => remote_platform_view(raw, p, remote),
            _ => remote::run(args, raw, ctx.personality),
        },
    }
}

fn local_list(ctx: &Context, list: &LocalList, args: &InspectArgs) -> CliResult {
    if let Some(p) = &args.platform {
        return platform_view(&ctx.store, list, p);
    }
    let bytes = if args.raw {
        ctx.words.push_bytes(list)?
    } else {
        ctx.words.list_document(&ctx.store, list, args.verbose)?
    };
    output::print_bytes(&bytes)
}

/// `inspect oci:PATH[:TAG]`: the document the layout holds under that tag, exact with `--raw`.
fn layout_document(path: &std::path::Path, tag: Option<&str>, raw: bool) -> CliResult {
    let layout = crate::layout::Layout::open(path)?;
    let bytes = layout.read_blob(&layout.resolve(tag)?.digest)?;
    if raw {
        return output::print_bytes(&bytes);
    }
    let mut out = indent::reformat(&bytes, "   ", false);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    output::print_bytes(&out)
}

fn entry(ctx: &Context, list_raw: &str, image: &str, verbose: bool) -> CliResult {
    // The entry as docker names it: the normalised reference it was added as.
    let wanted = Reference::parse_docker(image)
        .map(|r| r.to_string())
        .unwrap_or_else(|_| image.to_string());
    let not_found = || docker::no_such_manifest(&wanted);
    let name = ctx.list_name(list_raw)?;
    let list = ctx.store.load(&name)?.ok_or_else(not_found)?;
    let i = list
        .sources
        .iter()
        .position(|s| s.as_deref() == Some(wanted.as_str()))
        .or_else(|| ops::find_entry(&list.index, image).ok())
        .ok_or_else(not_found)?;
    output::print_bytes(&docker::entry(&ctx.store, &list, i, verbose)?)
}

/// `--platform P`: the entry for P, its image manifest, and a summary of its config.
fn platform_view(store: &Store, list: &LocalList, wanted: &str) -> CliResult {
    let fetch = |d: &manifold_engine::Digest| {
        store
            .read_blob(&list.name, d)
            .map_err(|e| CliError::failed(e.0))
    };
    let out = platform_entry(&list.name, &list.index, wanted, &fetch, &fetch)?;
    output::print_bytes(&out)
}

/// `inspect --platform P REF` of a registry's list: the same view, fetched.
fn remote_platform_view(raw_ref: &str, wanted: &str, remote: &dyn Remote) -> CliResult {
    let r = Reference::parse_docker(raw_ref)?;
    let (bytes, ct) = remote.get_manifest(&r)?;
    let index = match AnyDocument::parse(bytes, ct.as_deref())
        .map_err(|e| CliError::bad_document(&r, e))?
    {
        AnyDocument::Index(doc) => doc.value,
        AnyDocument::Manifest(_) => {
            return Err(CliError::failed(format!(
                "{r} is a single image, not a list; inspect it without --platform"
            )))
        }
    };
    let manifest = |d: &manifold_engine::Digest| {
        remote
            .get_manifest(&r.with_digest(d.clone()))
            .map(|(b, _)| b)
    };
    let blob = |d: &manifold_engine::Digest| remote.get_blob(&r, d);
    let out = platform_entry(&r.to_string(), &index, wanted, &manifest, &blob)?;
    output::print_bytes(&out)
}

type Fetch<'a> = dyn Fn(&manifold_engine::Digest) -> CliResult<Vec<u8>> + 'a;

/// The entry of `index` for `wanted`, with its manifest and a summary of its config.
fn platform_entry(
    name: &str,
    index: &manifold_engine::ImageIndex,
    wanted: &str,
    manifest: &Fetch,
    blob: &Fetch,
) -> CliResult<Vec<u8>> {
    let p = flags::platform(wanted)?;
    let i = ops::entry_for_platform(index, &p).ok_or_else(|| {
        let have: Vec<String> = manifold_engine::platform::runnable_entries(&index.manifests)
            .into_iter()
            .filter_map(|i| index.manifests[i].platform.as_ref().map(|p| p.display()))
            .collect();
        CliError::failed(format!(
            "{name} has no entry for {}; it has {}: {}",
            p.display(),
            manifold_engine::platform::count_words(&index.manifests),
            have.join(", ")
        ))
    })?;
    let d = &index.manifests[i];
    let raw = manifest(&d.digest)?;
    let mut view = serde_json::Map::new();
    view.insert(
        "descriptor".into(),
        serde_json::to_value(d).expect("descriptor serialises"),
    );
    // The attestations that go with this image are named beside it, never shown as platforms.
    let attestations: Vec<serde_json::Value> =
        manifold_engine::platform::attestations_of(&index.manifests, &d.digest.to_string())
            .into_iter()
            .map(|a| serde_json::to_value(&index.manifests[a]).expect("descriptor serialises"))
            .collect();
    if !attestations.is_empty() {
        view.insert("attestations".into(), attestations.into());
    }
    if let Ok(AnyDocument::Manifest(m)) = AnyDocument::parse(raw.clone(), Some(&d.media_type)) {
        view.insert(
            "manifest".into(),
            serde_json::from_slice(&raw).unwrap_or(serde_json::Value::Null),
        );
        view.insert("summary".into(), summary(blob, &m.value));
    }
    let mut out = manifold_engine::json::go::to_vec(&serde_json::Value::Object(view), "  ");
    out.push(b'\n');
    Ok(out)
}

fn summary(blob: &Fetch, m: &ImageManifest) -> serde_json::Value {
    let layers: u64 = m.layers.iter().map(|l| l.size).sum();
    let mut s = serde_json::json!({ "layers": m.layers.len(), "layersSize": layers });
    if let Ok(cfg) = blob(&m.config.digest) {
        if let Ok(serde_json::Value::Object(c)) = serde_json::from_slice::<serde_json::Value>(&cfg)
        {
            for k in [
                "architecture",
                "os",
                "variant",
                "os.version",
                "created",
                "author",
            ] {
                if let Some(v) = c.get(k) {
                    s[k] = v.clone();
                }
            }
            if let Some(serde_json::Value::Object(inner)) = c.get("config") {
                for k in ["Entrypoint", "Cmd", "User", "WorkingDir"] {
                    if let Some(v) = inner.get(k).filter(|v| !v.is_null()) {
                        s[k.to_ascii_lowercase()] = v.clone();
                    }
                }
            }
        }
    }
    s
}
