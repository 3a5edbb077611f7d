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
        Ok(to_js(&api::validate(&bytes, kind.as_deref())))
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
