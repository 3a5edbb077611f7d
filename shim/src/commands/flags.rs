//! Flag values turned into engine values, each checked with one message: `--format`,
//! `--annotation`, the platform flags, `--clear`, the selection flags, `--tag` and `--jobs`.
//! Several commands take the same flag; this is where it means one thing and fails one way.

use manifold_engine::ops::{self, EntryEdit, Field, ListFormat, Selection};
use manifold_engine::platform;

use crate::cli::{PlatformArgs, SelectArgs};
use crate::error::{CliError, CliResult};

/// `--format oci|v2s2|docker` of create and push.
pub fn list_format(f: Option<&str>) -> CliResult<Option<ListFormat>> {
    match f {
        None => Ok(None),
        Some(f) => ListFormat::parse(f).map(Some).ok_or_else(|| {
            CliError::usage(format!(
                "--format {f}: unknown list format; use oci or v2s2 (docker)"
            ))
        }),
    }
}

/// `--annotation KEY=VALUE` values, each checked (a bad one is a usage error naming it).
pub fn annotations(raw: &[String]) -> CliResult<Vec<(String, String)>> {
    raw.iter()
        .map(|a| ops::parse_annotation(a).map_err(CliError::from))
        .collect()
}

/// The platform flags and `--annotation`s as an engine edit (empty values change nothing, as
/// in docker).
pub fn platform_edit(p: &PlatformArgs, annotations_raw: &[String]) -> CliResult<EntryEdit> {
    Ok(EntryEdit {
        os: p.os.clone(),
        architecture: p.arch.clone(),
        variant: p.variant.clone(),
        os_version: p.os_version.clone(),
        os_features: p.os_features.clone(),
        features: p.features.clone(),
        annotations: annotations(annotations_raw)?,
        clear: Vec::new(),
    })
}

/// `--clear FIELD` values of annotate.
pub fn clear_fields(raw: &[String]) -> CliResult<Vec<Field>> {
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

/// The selection flags of create/add as one engine value; at most one may be given.
pub fn selection(select: &SelectArgs) -> CliResult<Selection> {
    match (select.all, select.nested, select.platform.as_deref()) {
        (false, false, None) => Ok(Selection::Default),
        (true, false, None) => Ok(Selection::All),
        (false, true, None) => Ok(Selection::Nested),
        (false, false, Some(p)) => platform::parse(p)
            .map(Selection::Platform)
            .map_err(|e| CliError::usage(format!("--platform {p}: {e}"))),
        _ => Err(CliError::usage(
            "--all, --nested and --platform choose different things; give at most one",
        )),
    }
}

/// `--attestations keep|drop` of create/add (clap has checked the value); keep by default.
pub fn attestations(select: &SelectArgs) -> ops::Attestations {
    select
        .attestations
        .as_deref()
        .and_then(ops::Attestations::parse)
        .unwrap_or_default()
}

/// After an edit of a list (`before` as it was): a Docker list given something it cannot hold
/// becomes an OCI index with a one-line notice on stderr (podman, pack), or the edit fails
/// naming the field (docker, or `--format v2s2` given to this command). The engine decides
/// (`ops::settle_format`); a failure comes before anything is saved, so the list stays as it was.
pub fn settle_format(
    personality: crate::personality::Personality,
    chose_docker: bool,
    before: &manifold_engine::ImageIndex,
    after: &mut manifold_engine::ImageIndex,
    shown: &str,
) -> CliResult {
    use crate::personality::Personality;
    let rule = match personality {
        Personality::Docker => ops::FormatRule::Docker,
        Personality::Podman | Personality::Pack => ops::FormatRule::Podman,
    };
    let on = if personality == Personality::Docker || chose_docker {
        ops::OnOciOnly::Refuse
    } else {
        ops::OnOciOnly::Convert
    };
    if let Some(change) = ops::settle_format(before, after, rule, on)? {
        eprintln!("{}", change.notice(shown));
    }
    Ok(())
}

/// What makes an added image replace an entry: podman and pack replace the entry of the same
/// digest or platform; docker the entry added as the same reference, and with `--replace` also
/// the entry of the same platform.
pub fn entry_key(personality: crate::personality::Personality, replace: bool) -> ops::EntryKey {
    match (personality.entry_key(), replace) {
        (ops::EntryKey::Source, false) => ops::EntryKey::Source,
        (ops::EntryKey::Source, true) => ops::EntryKey::SourceOrPlatform,
        _ => ops::EntryKey::Platform,
    }
}

/// `--platform OS/ARCH[/VARIANT]` of inspect.
pub fn platform(wanted: &str) -> CliResult<manifold_engine::model::Platform> {
    platform::parse(wanted).map_err(|e| CliError::usage(format!("--platform {wanted}: {e}")))
}

/// `--tag TAG` values of push, each a valid tag.
pub fn tags(tags: &[String]) -> CliResult {
    for t in tags {
        if !manifold_engine::reference::is_valid_tag(t) {
            return Err(CliError::usage(format!("--tag {t}: invalid tag; tags hold letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'")));
        }
    }
    Ok(())
}

/// The number of concurrent requests: `--jobs`, else `MANIFOLD_JOBS`, else the engine's
/// default request width (`width::widths`; blob uploads are held narrower by the client).
pub fn jobs(flag: Option<usize>) -> usize {
    manifold_engine::registry::width::widths(crate::registry::jobs_asked(flag)).requests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_error_for_create_and_push() {
        assert_eq!(list_format(Some("v2s2")).unwrap(), Some(ListFormat::Docker));
        assert_eq!(list_format(None).unwrap(), None);
        let e = list_format(Some("bogus")).unwrap_err();
        assert_eq!(
            e.message,
            "--format bogus: unknown list format; use oci or v2s2 (docker)"
        );
        assert_eq!(e.code, 2);
    }

    #[test]
    fn a_bad_annotation_is_a_usage_error() {
        assert_eq!(
            annotations(&["a=b=c".into()]).unwrap(),
            vec![("a".into(), "b=c".into())]
        );
        assert_eq!(annotations(&["=x".into()]).unwrap_err().code, 2);
    }
}
