//! The wasm-bindgen exports and their TypeScript types.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use manifold_engine::validate::{Entry, Report};

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

/// A result as a plain JS object: its JSON, parsed by JS. The results other than `validate`'s
/// are small, and this keeps a second serializer (serde-wasm-bindgen's) out of the module.
fn to_js<T: Serialize>(value: &T) -> JsValue {
    match serde_json::to_string(value).map(|json| js_sys::JSON::parse(&json)) {
        Ok(Ok(v)) => v,
        // Only reachable through a bug in `api` (its values are all JSON); still a value, not
        // a throw.
        _ => failure("internal error converting the result".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// The report of `validate`, for the JS wrapper to expand.
//
// A 10,000-entry index has 10,000 entries of up to ten fields each; made one by one from wasm
// (an import call per object and per property, a UTF-8 decode per string) they took a quarter
// of the whole validation in Node. So the entries travel as one string holding every value
// and one `Uint32Array` of UTF-16 ranges into it, and `wasm/js/report.js` builds the plain
// objects in JS, where that is cheap. The few other fields and the problems are set here.

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

/// In the table, an absent string or list (what JS reads as `null`).
const NONE: u32 = u32::MAX;

/// The entries as one string and a table of ranges into it, read in order by `expandReport`:
/// per entry `digest mediaType size` as ranges, then `0` (no platform) or `1 os architecture
/// variant osVersion osFeatures features`, where a range is `start end` (UTF-16 units) or
/// `NONE` for null, and a list is `NONE` or `count` ranges.
///
/// Values entries repeat (media types, sizes, os, architecture...) are stored once: each field
/// first compares with its own last value, which in a real index is nearly always the one.
#[derive(Default)]
struct Pool {
    text: String,
    /// Length of `text` in UTF-16 units, which is how JS strings are sliced.
    units: u32,
    table: Vec<u32>,
    /// Per field, the last value it had.
    last: [Option<Slot>; FIELDS],
    /// Other recent values, for fields that alternate (amd64, arm64, amd64...).
    seen: Vec<Slot>,
}

/// Where a value is in `Pool::text`, as bytes (to compare) and as UTF-16 units (for JS).
#[derive(Clone, Copy)]
struct Slot {
    bytes: (usize, usize),
    units: (u32, u32),
}

const FIELDS: usize = 7;
const MEDIA_TYPE: usize = 0;
const SIZE: usize = 1;
const OS: usize = 2;
const ARCHITECTURE: usize = 3;
const VARIANT: usize = 4;
const OS_VERSION: usize = 5;
const FEATURE: usize = 6;

impl Pool {
    /// At most this many distinct repeated values are remembered besides each field's last.
    const SEEN: usize = 16;

    fn with_entries(n: usize) -> Pool {
        Pool {
            // A digest and an entry's fixed fields; more is rare.
            text: String::with_capacity(n * 72 + 256),
            table: Vec::with_capacity(n * 16),
            ..Pool::default()
        }
    }

    fn append(&mut self, s: &str) -> Slot {
        let (bytes, units) = (self.text.len(), self.units);
        self.text.push_str(s);
        let n = if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        };
        self.units += n as u32;
        Slot {
            bytes: (bytes, self.text.len()),
            units: (units, self.units),
        }
    }

    fn put(&mut self, slot: Slot) {
        self.table.extend([slot.units.0, slot.units.1]);
    }

    fn is(&self, slot: &Slot, s: &str) -> bool {
        &self.text[slot.bytes.0..slot.bytes.1] == s
    }

    /// A value unique to its entry (a digest).
    fn unique(&mut self, s: &str) {
        let slot = self.append(s);
        self.put(slot);
    }

    /// A value entries repeat: pointed at where it already is, when it is.
    fn repeated(&mut self, field: usize, s: &str) {
        let slot = match self.last[field] {
            Some(slot) if self.is(&slot, s) => slot,
            _ => match self.seen.iter().find(|slot| self.is(slot, s)) {
                Some(&slot) => slot,
                None => {
                    let slot = self.append(s);
                    if self.seen.len() < Self::SEEN {
                        self.seen.push(slot);
                    }
                    slot
                }
            },
        };
        self.last[field] = Some(slot);
        self.put(slot);
    }

    fn optional(&mut self, field: usize, s: &Option<String>) {
        match s {
            Some(s) => self.repeated(field, s),
            None => self.table.push(NONE),
        }
    }

    fn list(&mut self, v: &Option<Vec<String>>) {
        match v {
            Some(items) => {
                self.table.push(items.len() as u32);
                for s in items {
                    self.repeated(FEATURE, s);
                }
            }
            None => self.table.push(NONE),
        }
    }

    fn entry(&mut self, e: &Entry) {
        self.unique(&e.digest);
        self.repeated(MEDIA_TYPE, &e.media_type);
        let mut digits = [0u8; 20];
        self.repeated(SIZE, decimal(e.size, &mut digits));
        match &e.platform {
            None => self.table.push(0),
            Some(p) => {
                self.table.push(1);
                self.repeated(OS, &p.os);
                self.repeated(ARCHITECTURE, &p.architecture);
                self.optional(VARIANT, &p.variant);
                self.optional(OS_VERSION, &p.os_version);
                self.list(&p.os_features);
                self.list(&p.features);
            }
        }
    }
}

/// `n` in decimal, written into `buf` (no allocation per entry, unlike `to_string`).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

fn opt_number(n: Option<usize>) -> JsValue {
    n.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

/// `Report` without `entries`, plus `count`, `strings` and `table` for `expandReport`. Made
/// from the engine's report directly: the entries' strings are read, never copied one by one.
fn compact_report(r: &Report) -> JsValue {
    // Keys made once: an invalid large index can have as many problems as entries.
    let [path, message, severity, start, end] =
        ["path", "message", "severity", "start", "end"].map(JsValue::from_str);
    let problems = js_sys::Array::new();
    for p in &r.problems {
        let o = PlainObject::new();
        o.set(&path, &JsValue::from_str(&p.path));
        o.set(&message, &JsValue::from_str(&p.message));
        o.set(&severity, &JsValue::from_str(api::severity_str(p.severity)));
        o.set(&start, &opt_number(p.span.map(|s| s.0)));
        o.set(&end, &opt_number(p.span.map(|s| s.1)));
        problems.push(&o);
    }
    let mut pool = Pool::with_entries(r.entries.len());
    for e in &r.entries {
        pool.entry(e);
    }
    let o = PlainObject::new();
    o.set(&"ok".into(), &JsValue::TRUE);
    o.set(&"valid".into(), &JsValue::from_bool(r.valid));
    o.set(&"kind".into(), &JsValue::from_str(r.kind));
    o.set(
        &"mediaType".into(),
        &r.media_type
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str),
    );
    o.set(&"digest".into(), &JsValue::from_str(&r.digest));
    o.set(
        &"size".into(),
        &JsValue::from_str(decimal(r.size, &mut [0; 20])),
    );
    o.set(&"problems".into(), &problems);
    o.set(&"count".into(), &JsValue::from_f64(r.entries.len() as f64));
    o.set(&"strings".into(), &JsValue::from_str(&pool.text));
    o.set(&"table".into(), &js_sys::Uint32Array::from(&pool.table[..]));
    o.into()
}

fn failure(message: String) -> JsValue {
    let error = PlainObject::new();
    error.set(&"message".into(), &JsValue::from_str(&message));
    let o = PlainObject::new();
    o.set(&"ok".into(), &JsValue::FALSE);
    o.set(&"error".into(), &error);
    o.into()
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

/// `validate` before its entries are expanded: the public `validate` is `wasm/js/report.js`'s
/// wrapper around this. `sha256` is the document's digest when the host computed it (Node).
#[wasm_bindgen(js_name = validateCompact, skip_typescript)]
pub fn validate_compact(input: JsValue, kind: Option<JsValue>, sha256: Option<String>) -> JsValue {
    let kind = kind.unwrap_or(JsValue::UNDEFINED);
    let run = || -> Result<JsValue, JsValue> {
        let bytes = bytes_of(&input, "the document")?;
        let kind = optional_string(&kind, "kind")?;
        Ok(
            match api::validate_report(&bytes, kind.as_deref(), sha256.as_deref()) {
                Ok(r) => compact_report(&r),
                Err(e) => to_js(&api::Failure::new(e)),
            },
        )
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
