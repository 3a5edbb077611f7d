//! The wasm-bindgen exports and their TypeScript types.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::api;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A document: text (encoded as UTF-8) or its exact bytes. */
export type DocumentInput = string | Uint8Array | ArrayBuffer;
export type Kind = "auto" | "index" | "manifest" | "descriptor" | "manifest-list" | "docker-manifest";

export interface ErrorInfo { message: string; detail?: string; hint?: string; }
export interface Failure { ok: false; error: ErrorInfo; }

export interface Problem {
  /** JSON path: `$`, `$.manifests[2].digest`, `$.annotations["org.example"]`. */
  path: string;
  message: string;
  severity: "error" | "warning";
  /** Byte offsets of the span to highlight in the input's UTF-8 bytes (end exclusive). */
  start: number | null;
  end: number | null;
}
export interface Platform {
  os: string;
  architecture: string;
  variant: string | null;
  osVersion: string | null;
  osFeatures: string[] | null;
  features: string[] | null;
}
export interface Entry {
  digest: string;
  mediaType: string;
  /** Decimal string: a document's size can be any unsigned 64-bit number. */
  size: string;
  platform: Platform | null;
}
export interface Report {
  ok: true;
  /** True when no problem is an error. */
  valid: boolean;
  /** The kind the document was validated as ("auto" when it could not be told). */
  kind: Kind;
  mediaType: string | null;
  /** sha256 of the exact input bytes. */
  digest: string;
  /** The input's length in bytes, as a decimal string. */
  size: string;
  problems: Problem[];
  /** The entries of an index or list, one per element of `manifests`. */
  entries: Entry[];
}
export interface Loss { path: string; message: string; }
export interface Converted {
  ok: true;
  output: string;
  digest: string;
  size: string;
  mediaType: string;
  losses: Loss[];
}
export interface ParsedReference {
  ok: true;
  domain: string;
  path: string;
  tag: string | null;
  digest: string | null;
  normalized: string;
  familiar: string;
}
export interface ParsedPlatform {
  ok: true;
  os: string;
  architecture: string;
  variant: string | null;
  osVersion: string | null;
  osFeatures: string[] | null;
  normalized: string;
}
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: string;
  platform: Platform | null;
  annotations: Record<string, string> | null;
  urls: string[] | null;
  artifactType: string | null;
}
export interface PlatformMatch {
  ok: true;
  /** Position in `manifests` of the entry to use, or null when none serves the platform. */
  index: number | null;
  descriptor: Descriptor | null;
  /** When nothing matched: why, and what the index holds. */
  message: string | null;
}
"#;

fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    match value.serialize(&serializer) {
        Ok(v) => v,
        // Only reachable through a bug in `api` (its values are all JSON-compatible); still a
        // value, not a throw.
        Err(e) => failure(format!("internal error converting the result: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The report of `validate`, built directly.
//
// The same plain objects `to_js` makes (property order included), with two savings that
// matter for large indexes (10,000 entries: about a third of the time in Node went into
// building the result): property keys are JS strings made once per call, and the short
// strings entries repeat (media types, os, architecture, sizes...) are decoded from UTF-8 once
// and reused. Only the digests, unique per entry, are decoded each time.

#[wasm_bindgen]
extern "C" {
    /// A plain object, set through `obj[key] = value` (no `Reflect.set` call per property).
    #[wasm_bindgen(js_name = Object)]
    type PlainObject;
    #[wasm_bindgen(constructor, js_class = Object)]
    fn new() -> PlainObject;
    #[wasm_bindgen(method, structural, indexing_setter)]
    fn set(this: &PlainObject, key: &JsValue, value: &JsValue);
}

/// Repeated short values of one field (media types, sizes, os, architecture...), decoded from
/// UTF-8 once per call.
#[derive(Default)]
struct Repeated {
    seen: Vec<(String, JsValue)>,
}

impl Repeated {
    /// At most this many distinct values are kept; later ones are decoded each time.
    const MAX: usize = 16;

    /// Sets `o[key]` to the JS string `s`.
    fn set(&mut self, o: &PlainObject, key: &JsValue, s: &str) {
        if let Some((_, v)) = self.seen.iter().find(|(k, _)| k == s) {
            o.set(key, v);
            return;
        }
        let v = JsValue::from_str(s);
        o.set(key, &v);
        if self.seen.len() < Self::MAX {
            self.seen.push((s.to_string(), v));
        }
    }

    fn set_opt(&mut self, o: &PlainObject, key: &JsValue, s: &Option<String>) {
        match s {
            Some(s) => self.set(o, key, s),
            None => o.set(key, &JsValue::NULL),
        }
    }

    fn set_strings(o: &PlainObject, key: &JsValue, v: &Option<Vec<String>>) {
        match v {
            Some(items) => {
                let a = js_sys::Array::new();
                for s in items {
                    a.push(&JsValue::from_str(s));
                }
                o.set(key, &a);
            }
            None => o.set(key, &JsValue::NULL),
        }
    }
}

/// The property keys, as JS strings made once per call.
struct Keys {
    ok: JsValue,
    valid: JsValue,
    kind: JsValue,
    media_type: JsValue,
    digest: JsValue,
    size: JsValue,
    problems: JsValue,
    entries: JsValue,
    path: JsValue,
    message: JsValue,
    severity: JsValue,
    start: JsValue,
    end: JsValue,
    platform: JsValue,
    os: JsValue,
    architecture: JsValue,
    variant: JsValue,
    os_version: JsValue,
    os_features: JsValue,
    features: JsValue,
}

impl Keys {
    fn new() -> Keys {
        let k = JsValue::from_str;
        Keys {
            ok: k("ok"),
            valid: k("valid"),
            kind: k("kind"),
            media_type: k("mediaType"),
            digest: k("digest"),
            size: k("size"),
            problems: k("problems"),
            entries: k("entries"),
            path: k("path"),
            message: k("message"),
            severity: k("severity"),
            start: k("start"),
            end: k("end"),
            platform: k("platform"),
            os: k("os"),
            architecture: k("architecture"),
            variant: k("variant"),
            os_version: k("osVersion"),
            os_features: k("osFeatures"),
            features: k("features"),
        }
    }
}

fn opt_number(n: Option<u64>) -> JsValue {
    n.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

fn report_object(r: &api::ReportOut) -> JsValue {
    let k = Keys::new();
    let mut severities = Repeated::default();
    let mut media_types = Repeated::default();
    let mut sizes = Repeated::default();
    let mut oses = Repeated::default();
    let mut archs = Repeated::default();
    let mut variants = Repeated::default();
    let mut versions = Repeated::default();

    let problems = js_sys::Array::new();
    for p in &r.problems {
        let o = PlainObject::new();
        o.set(&k.path, &JsValue::from_str(&p.path));
        o.set(&k.message, &JsValue::from_str(&p.message));
        severities.set(&o, &k.severity, p.severity);
        o.set(&k.start, &opt_number(p.start));
        o.set(&k.end, &opt_number(p.end));
        problems.push(&o);
    }
    let entries = js_sys::Array::new();
    for e in &r.entries {
        let o = PlainObject::new();
        o.set(&k.digest, &JsValue::from_str(&e.digest));
        media_types.set(&o, &k.media_type, &e.media_type);
        sizes.set(&o, &k.size, &e.size);
        match &e.platform {
            Some(p) => {
                let po = PlainObject::new();
                oses.set(&po, &k.os, &p.os);
                archs.set(&po, &k.architecture, &p.architecture);
                variants.set_opt(&po, &k.variant, &p.variant);
                versions.set_opt(&po, &k.os_version, &p.os_version);
                Repeated::set_strings(&po, &k.os_features, &p.os_features);
                Repeated::set_strings(&po, &k.features, &p.features);
                o.set(&k.platform, &po);
            }
            None => o.set(&k.platform, &JsValue::NULL),
        }
        entries.push(&o);
    }
    let o = PlainObject::new();
    o.set(&k.ok, &JsValue::from_bool(r.ok));
    o.set(&k.valid, &JsValue::from_bool(r.valid));
    o.set(&k.kind, &JsValue::from_str(r.kind));
    match &r.media_type {
        Some(s) => o.set(&k.media_type, &JsValue::from_str(s)),
        None => o.set(&k.media_type, &JsValue::NULL),
    }
    o.set(&k.digest, &JsValue::from_str(&r.digest));
    o.set(&k.size, &JsValue::from_str(&r.size));
    o.set(&k.problems, &problems);
    o.set(&k.entries, &entries);
    o.into()
}

fn report_to_js(outcome: &api::Outcome<api::ReportOut>) -> JsValue {
    match outcome {
        api::Outcome::Ok(r) => report_object(r),
        api::Outcome::Err(f) => to_js(f),
    }
}

fn failure(message: String) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    api::Failure::new(api::ErrorInfo::new(message))
        .serialize(&serializer)
        .unwrap_or(JsValue::NULL)
}

/// The bytes of a document argument, or the failure to return.
fn bytes_of(input: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(a) = input.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    if let Some(b) = input.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(b).to_vec());
    }
    Err(failure(format!(
        "{what} must be a string, a Uint8Array or an ArrayBuffer, not {}",
        type_name(input)
    )))
}

fn string_of(input: &JsValue, what: &str) -> Result<String, JsValue> {
    input
        .as_string()
        .ok_or_else(|| failure(format!("{what} must be a string, not {}", type_name(input))))
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else {
        v.js_typeof().as_string().unwrap_or_else(|| "?".into())
    }
}

/// An optional string argument: `undefined` and `null` mean absent.
fn optional_string(input: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if input.is_undefined() || input.is_null() {
        Ok(None)
    } else {
        string_of(input, what).map(Some)
    }
}

/// Validates a document and reports every problem at once.
#[wasm_bindgen(unchecked_return_type = "Report | Failure")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "DocumentInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Kind | null")] kind: Option<JsValue>,
) -> JsValue {
    let kind = kind.unwrap_or(JsValue::UNDEFINED);
    let run = || -> Result<JsValue, JsValue> {
        let bytes = bytes_of(&input, "the document")?;
        let kind = optional_string(&kind, "kind")?;
        Ok(report_to_js(&api::validate(&bytes, kind.as_deref())))
    };
    run().unwrap_or_else(|e| e)
}

/// `sha256:<hex>` of the document's bytes (a string is hashed as UTF-8). Not a document
/// argument gives a `Failure`.
#[wasm_bindgen(unchecked_return_type = "string | Failure")]
pub fn digest(#[wasm_bindgen(unchecked_param_type = "DocumentInput")] input: JsValue) -> JsValue {
    match bytes_of(&input, "the document") {
        Ok(bytes) => JsValue::from_str(&api::digest(&bytes)),
        Err(e) => e,
    }
}

/// Converts an index or list to `"oci"` or `"docker"`, with what could not be carried over.
#[wasm_bindgen(unchecked_return_type = "Converted | Failure")]
pub fn convert(
    #[wasm_bindgen(unchecked_param_type = "DocumentInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"oci\" | \"docker\"")] to: JsValue,
) -> JsValue {
    let run = || -> Result<JsValue, JsValue> {
        let bytes = bytes_of(&input, "the document")?;
        let to = string_of(&to, "the target format")?;
        Ok(to_js(&api::convert(&bytes, &to)))
    };
    run().unwrap_or_else(|e| e)
}

/// Parses an image reference as docker does (normalised, `:latest` added).
#[wasm_bindgen(js_name = parseReference, unchecked_return_type = "ParsedReference | Failure")]
pub fn parse_reference(
    #[wasm_bindgen(unchecked_param_type = "string")] reference: JsValue,
) -> JsValue {
    match string_of(&reference, "the reference") {
        Ok(s) => to_js(&api::parse_reference(&s)),
        Err(e) => e,
    }
}

/// Parses `os/arch[/variant][:os.version]` into the engine's canonical form.
#[wasm_bindgen(js_name = parsePlatform, unchecked_return_type = "ParsedPlatform | Failure")]
pub fn parse_platform(
    #[wasm_bindgen(unchecked_param_type = "string")] platform: JsValue,
) -> JsValue {
    match string_of(&platform, "the platform") {
        Ok(s) => to_js(&api::parse_platform(&s)),
        Err(e) => e,
    }
}

/// The entry of an index to use on a platform (attestations never match).
#[wasm_bindgen(js_name = platformMatch, unchecked_return_type = "PlatformMatch | Failure")]
pub fn platform_match(
    #[wasm_bindgen(unchecked_param_type = "DocumentInput")] index: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] platform: JsValue,
) -> JsValue {
    let run = || -> Result<JsValue, JsValue> {
        let bytes = bytes_of(&index, "the index")?;
        let platform = string_of(&platform, "the platform")?;
        Ok(to_js(&api::platform_match(&bytes, &platform)))
    };
    run().unwrap_or_else(|e| e)
}
