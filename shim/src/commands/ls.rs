//! `ls` and `exists`: what docker cannot do (docker/cli#4746), because its folder names are lossy.

use super::context::Context;
use crate::error::{CliError, CliResult};

pub fn exists(ctx: &Context, raw: &str) -> CliResult {
    let name = ctx.list_name(raw)?;
    match ctx.store.load(&name) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(CliError::silent(1)),
        Err(e) => Err(CliError::with_code(e.0, 125)),
    }
}

pub fn ls(ctx: &Context) -> CliResult {
    let names = ctx.store.names()?;
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
                rows.push((
                    name,
                    list.index.manifests.len().to_string(),
                    kind.to_string(),
                ));
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
