// Node (WebAssembly) vs native: validating the same 10,000-entry index.
//
// Usage: node wasm/bench/validate-10k.mjs INDEX.json [NATIVE.json]
// INDEX.json and NATIVE.json come from
//   cargo run --release -p manifold-wasm --example bench_native -- INDEX.json > NATIVE.json
// Prints one JSON line with both medians and the ratio (wasm / native). The main figure is the
// package's Node entry point (sha256 from node:crypto); `web*` is the web entry point in the
// same process, which hashes inside WebAssembly as browsers do.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
const m = createRequire(import.meta.url)(path.join(here, '../pkg/node/index.js'));
const [indexFile, nativeFile] = process.argv.slice(2);
if (!indexFile) {
  console.error('usage: node validate-10k.mjs INDEX.json [NATIVE.json]');
  process.exit(2);
}
const bytes = new Uint8Array(readFileSync(indexFile));
const web = await import(path.join(here, '../pkg/web/index.js'));
web.initSync({ module: readFileSync(path.join(here, '../pkg/web/manifold_wasm_bg.wasm')) });
const first = m.validate(bytes);
if (!first.ok) throw new Error(JSON.stringify(first.error));
for (let i = 0; i < 3; i++) m.validate(bytes);
const runs = 21;
const ms = [];
const webMs = [];
for (let i = 0; i < 3; i++) web.validate(bytes);
// Alternating, so both see the same moments of a shared machine.
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  m.validate(bytes);
  ms.push(performance.now() - t);
  const w = performance.now();
  web.validate(bytes);
  webMs.push(performance.now() - w);
}
ms.sort((a, b) => a - b);
webMs.sort((a, b) => a - b);
const result = {
  entries: first.entries.length,
  bytes: bytes.length,
  valid: first.valid,
  runs,
  wasmMedianMs: +ms[runs >> 1].toFixed(3),
  wasmMinMs: +ms[0].toFixed(3),
  webMedianMs: +webMs[runs >> 1].toFixed(3),
};
if (nativeFile) {
  const native = JSON.parse(readFileSync(nativeFile, 'utf8').trim().split('\n').pop());
  if (native.bytes !== bytes.length) throw new Error('the native run measured another file');
  result.nativeMedianMs = native.medianMs;
  result.nativeMinMs = native.minMs;
  result.ratio = +(result.wasmMedianMs / native.medianMs).toFixed(2);
  result.webRatio = +(result.webMedianMs / native.medianMs).toFixed(2);
}
console.log(JSON.stringify(result));
