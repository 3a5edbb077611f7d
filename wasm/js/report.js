// The `entries` of validate's report, built in JS from the one string and the table of ranges
// the module returns (wasm/bindings/src/js.rs, `Pool`): one object per entry made from wasm
// costs an import call per property and a decode per string, a quarter of the time of
// validating a 10,000-entry index in Node. This is type conversion only; every rule is the
// engine's. Included by scripts/test-wasm into the Node, web and page entry points.
function expandReport(r) {
  if (r === null || typeof r !== 'object' || r.ok !== true || r.table === undefined) return r;
  const NONE = 0xffffffff;
  const s = r.strings;
  const t = r.table;
  let i = 0;
  const str = () => {
    const a = t[i];
    const b = t[i + 1];
    i += 2;
    return s.slice(a, b);
  };
  const opt = () => {
    if (t[i] === NONE) {
      i += 1;
      return null;
    }
    return str();
  };
  const list = () => {
    const n = t[i++];
    if (n === NONE) return null;
    const items = new Array(n);
    for (let k = 0; k < n; k++) items[k] = str();
    return items;
  };
  const entries = new Array(r.count);
  for (let e = 0; e < r.count; e++) {
    const digest = str();
    const mediaType = str();
    const size = str();
    const platform =
      t[i++] === 1
        ? { os: str(), architecture: str(), variant: opt(), osVersion: opt(), osFeatures: list(), features: list() }
        : null;
    entries[e] = { digest, mediaType, size, platform };
  }
  return {
    ok: true,
    valid: r.valid,
    kind: r.kind,
    mediaType: r.mediaType,
    digest: r.digest,
    size: r.size,
    problems: r.problems,
    entries,
  };
}
