//! `rm` and `remove`: which one deletes whole lists and which drops entries depends on the
//! personality (docker/podman: `rm` deletes lists, `remove LIST DIGEST` drops an entry; pack the
//! reverse). Deleting goes on past a failure and reports every one, as docker does.

use manifold_engine::ops;

use super::context::Context;
use crate::error::{CliError, CliResult};
use crate::personality::Personality;

pub fn delete_lists(ctx: &Context, lists: &[String]) -> CliResult {
    let mut errors = Vec::new();
    for raw in lists {
        let result = (|| {
            let name = match ctx.personality {
                // docker prints the bare parse error here, not "error parsing name…".
                Personality::Docker => manifold_engine::reference::Reference::parse_docker(raw)
                    .map(|r| r.to_string())
                    .map_err(|e| CliError::failed(e.to_string()))?,
                _ => ctx.list_name(raw)?,
            };
            // No lock (and so no lock file) for a list that is not there.
            if !ctx.store.exists(&name) {
                return Err(ctx.no_such_list(raw, &name));
            }
            let lock = ctx.store.lock(&name)?;
            // A damaged list is removed too (docker cannot): every "damaged" message tells the
            // user to `rm` it, and nothing in it can be read anyway.
            if let Ok(None) = ctx.store.load(&name) {
                return Err(ctx.no_such_list(raw, &name));
            }
            ctx.store.remove(&lock, &name)?;
            Ok(name)
        })();
        match result {
            Ok(name) => {
                if ctx.personality == Personality::Podman {
                    println!("Untagged: {name}");
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        if ctx.personality == Personality::Pack {
            println!("Successfully deleted manifest list(s) from local storage");
        }
        return Ok(());
    }
    let code = errors.iter().map(|e| e.code).max().unwrap_or(1);
    let message = errors
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
        .join("\n");
    Err(CliError::with_code(message, code))
}

pub fn drop_entries(ctx: &Context, args: &[String]) -> CliResult {
    let (list_raw, entries) = match args {
        [list, entries @ ..] if !entries.is_empty() => (list, entries),
        _ => {
            return Err(CliError::usage(
                "give the list and at least one entry digest: LIST DIGEST...",
            ))
        }
    };
    let name = ctx.list_name(list_raw)?;
    if !ctx.store.exists(&name) {
        return Err(ctx.no_such_list(list_raw, &name));
    }
    let lock = ctx.store.lock(&name)?;
    let mut list = ctx
        .store
        .load(&name)?
        .ok_or_else(|| ctx.no_such_list(list_raw, &name))?;
    for raw in entries {
        // pack takes repo@sha256:… references; podman a bare digest; both work here.
        let selector = raw.rsplit_once('@').map_or(raw.as_str(), |(_, d)| d);
        let i = ops::find_entry(&list.index, selector).map_err(|e| match ctx.personality {
            Personality::Podman => CliError::with_code(
                format!(
                    "Error: no instance matching digest {selector:?} found in manifest list: {e}"
                ),
                125,
            ),
            Personality::Pack => CliError::failed(format!("ERROR: invalid instance '{raw}': {e}")),
            Personality::Docker => CliError::failed(e.to_string()),
        })?;
        list.remove_entry(i);
    }
    ctx.store.save(&lock, &list, &[])?;
    match ctx.personality {
        Personality::Pack => println!("Successfully removed image(s) from index: '{list_raw}'"),
        _ => println!("{}", Context::list_id(&list)),
    }
    Ok(())
}
