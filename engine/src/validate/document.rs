//! Fields every top-level document (index, manifest, Docker list, Docker manifest) shares:
//! `schemaVersion`, the document's own `mediaType`, and the OCI-only fields Docker drops.

use crate::json::tree::{Member, Node, Value};
use crate::media_type::{self, Kind};

use super::context::{span, Ctx, Seg};
use super::{Flavor, Severity};

/// `schemaVersion`: REQUIRED, and exactly the integer `2` (schema: integer, minimum and
/// maximum 2). `2.0` and `"2"` are refused: Go decodes into an `int` and fails on both.
pub(super) fn schema_version<'a>(
    ctx: &mut Ctx<'a>,
    root: &'a Node<'a>,
    field: Option<&'a Member<'a>>,
) {
    let Some(m) = field else {
        ctx.report_field(
            "schemaVersion",
            Severity::Error,
            span(root),
            "schemaVersion is required; expected 2".to_string(),
        );
        return;
    };
    ctx.at(Seg::Key(&m.key), |ctx| {
        let v = &m.value;
        let message = match &v.value {
            Value::Number(n) if *n == "2" => return,
            Value::Number(n) if is_integer_text(n) => format!("schemaVersion is {n}; expected 2"),
            Value::Number(n) => format!(
                "schemaVersion is {n}; expected the integer 2 (without a fraction or exponent, \
                 which Go decoders refuse for an int)"
            ),
            Value::String(s) => {
                format!("schemaVersion is a string ({s:?}); expected the number 2, unquoted")
            }
            _ => format!("schemaVersion is {}; expected the number 2", v.type_name()),
        };
        ctx.error(span(v), message);
    });
}

/// True for JSON number text without a fraction or exponent.
pub(super) fn is_integer_text(n: &str) -> bool {
    !n.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// The document's own `mediaType`. OCI: SHOULD be present, and when present MUST be the
/// kind's type. Docker: distribution refuses a list or manifest whose `mediaType` is not
/// exactly the Docker type, an absent one included, so it is required.
pub(super) fn media_type<'a>(
    ctx: &mut Ctx<'a>,
    root: &'a Node<'a>,
    field: Option<&'a Member<'a>>,
    kind: Kind,
) {
    let expected = kind.media_type();
    let what = article(kind);
    let Some(m) = field else {
        if kind.is_docker() {
            ctx.report_field(
                "mediaType",
                Severity::Error,
                span(root),
                format!(
                    "mediaType is required for {what}; expected {expected:?} (registries refuse \
                     the document without it)"
                ),
            );
        } else {
            ctx.report_field(
                "mediaType",
                Severity::Warning,
                span(root),
                format!(
                    "mediaType is missing; it SHOULD be {expected:?}, so that readers need not \
                     guess the kind of document from its shape"
                ),
            );
        }
        return;
    };
    ctx.at(Seg::Key(&m.key), |ctx| {
        let v = &m.value;
        let Some(s) = v.as_str() else {
            ctx.error(
                span(v),
                format!(
                    "mediaType is {}; expected the string {expected:?}",
                    v.type_name()
                ),
            );
            return;
        };
        if s == expected {
            return;
        }
        let hint = if media_type::strip_parameters(s) == expected {
            " without parameters".to_string()
        } else if let Some(other) = Kind::from_media_type(s) {
            format!(
                " (this mediaType declares {}; validate it as that kind, or fix the type)",
                article(other)
            )
        } else {
            String::new()
        };
        ctx.error(
            span(v),
            format!("mediaType {s:?} is wrong for {what}; expected {expected:?}{hint}"),
        );
    });
}

/// "an OCI image index", "a Docker manifest list", ...
pub(super) fn article(kind: Kind) -> String {
    let d = kind.describe();
    let a = if d.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{a} {d}")
}

/// Warns about a field Docker's types do not have (annotations, urls, artifactType, subject,
/// data): Docker tools decode into their own structs and drop it silently.
pub(super) fn oci_only<'a>(ctx: &mut Ctx<'a>, m: &'a Member<'a>, where_: &str) {
    ctx.at(Seg::Key(&m.key), |ctx| {
        ctx.warn(
            span(&m.value),
            format!(
                "{} is an OCI field that {where_} does not define; Docker tools drop it when \
                 they read or rewrite the document (use an OCI type to keep it)",
                m.key
            ),
        );
    });
}

/// The kind a flavor's index or manifest has.
pub(super) fn index_kind(flavor: Flavor) -> Kind {
    match flavor {
        Flavor::Oci => Kind::OciIndex,
        Flavor::Docker => Kind::DockerList,
    }
}

pub(super) fn manifest_kind(flavor: Flavor) -> Kind {
    match flavor {
        Flavor::Oci => Kind::OciManifest,
        Flavor::Docker => Kind::DockerManifest,
    }
}
