//! `ls` and `exists`: what docker cannot do (docker/cli#4746), because its folder names are lossy.

use super::context::Context;
use crate::error::{CliError, CliResult};
use crate::output;

pub fn exists(ctx: &Context, raw: &str, json: bool) -> CliResult {
    let name = ctx.list_name(raw)?;
    let found = match ctx.store.load(&name) {
        Ok(found) => found.is_some(),
        Err(e) => return Err(CliError::with_code(e.0, 125)),
    };
    if json {
        output::json::print(&serde_json::json!({ "name": name, "exists": found }))?;
    }
    if found {
        Ok(())
    } else {
        Err(CliError::silent(1))
    }
}

pub fn ls(ctx: &Context, json: bool) -> CliResult {
    let names = ctx.store.names()?;
    if json {
        let rows: Vec<serde_json::Value> = names
            .iter()
            .filter_map(|name| match ctx.store.load(name) {
                Ok(Some(l)) => Some(output::json::ls_row(ctx.words, name, Ok(&l))),
                Ok(None) => None,
                Err(e) => Some(output::json::ls_row(ctx.words, name, Err(&e.0))),
            })
            .collect();
        return output::json::print(&serde_json::Value::Array(rows));
    }
    let mut rows = vec![(
        "NAME".to_string(),
        "ENTRIES".to_string(),
        "TYPE".to_string(),
    )];
    for name in names {
        // A list whose blobs are missing is shown damaged, with the way to repair it.
        match ctx
            .store
            .load(&name)
            .and_then(|l| l.map(|l| ctx.store.check(&l).map(|()| l)).transpose())
        {
            Ok(Some(list)) => {
                let kind = match list.index.media_type.as_deref() {
                    Some(manifold_engine::media_type::DOCKER_LIST) => "docker",
                    Some(_) => "oci",
                    None => "auto",
                };
                // Attestations are named beside the images they go with, never counted as
                // platforms: "2 platforms (+2 attestations)".
                let entries = &list.index.manifests;
                let count = if entries
                    .iter()
                    .any(manifold_engine::platform::is_attestation)
                {
                    manifold_engine::platform::count_words(entries)
                } else {
                    entries.len().to_string()
                };
                rows.push((name, count, kind.to_string()));
            }
            Ok(None) => {}
            Err(e) => rows.push((name, "?".into(), format!("damaged: {}", e.0))),
        }
    }
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    for (a, b, c) in rows {
        println!("{a:<w0$}   {b:>w1$}   {c}");
    }
    Ok(())
}
