//! `rm` and `remove`: which one deletes whole lists and which drops entries depends on the
//! personality (docker/podman: `rm` deletes lists, `remove LIST DIGEST` drops an entry; pack the
//! reverse). Deleting goes on past a failure and reports every one, as docker does.

use manifold_engine::ops;

use super::context::Context;
use crate::error::{CliError, CliResult};
use crate::output;

pub fn delete_lists(ctx: &Context, lists: &[String]) -> CliResult {
    let mut errors = Vec::new();
    for raw in lists {
        let result = (|| {
            let name = ctx
                .parse_list_name(raw)
                .map_err(|e| ctx.words.bad_list_name_to_push(raw, &e))?;
            // No lock (and so no lock file) for a list that is not there.
            if !ctx.store.exists(&name) {
                return Err(ctx.words.no_list_to_delete(raw, &name));
            }
            let lock = ctx.store.lock(&name)?;
            // A damaged list is removed too (docker cannot): every "damaged" message tells the
            // user to `rm` it, and nothing in it can be read anyway.
            let list = match ctx.store.load(&name) {
                Ok(None) => return Err(ctx.words.no_list_to_delete(raw, &name)),
                Ok(Some(list)) => Some(list),
                Err(_) => None,
            };
            ctx.store.remove(&lock, &name)?;
            Ok((name, list))
        })();
        match result {
            Ok((name, list)) => output::say(ctx.words.list_deleted(&name, list.as_ref())),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        output::say(ctx.words.lists_deleted());
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
    let missing = || ctx.words.no_such_list(list_raw, &name);
    if !ctx.store.exists(&name) {
        return Err(missing());
    }
    let (lock, mut list) = ctx.open_list(&name, missing)?;
    for raw in entries {
        // pack takes repo@sha256:… references; podman a bare digest; both work here.
        let selector = raw.rsplit_once('@').map_or(raw.as_str(), |(_, d)| d);
        let i = ops::find_entry(&list.index, selector)
            .map_err(|e| ctx.words.bad_instance(list_raw, raw, selector, &e))?;
        list.remove_entry(i);
    }
    ctx.store.save(&lock, &list, &[])?;
    output::say(ctx.words.entries_removed(list_raw, &list));
    Ok(())
}
