// Node (WebAssembly) vs native: validating the same 10,000-entry index.
//
// Usage: node wasm/bench/validate-10k.mjs INDEX.json [NATIVE.json]
// INDEX.json and NATIVE.json come from
//   cargo run --release -p manifold-wasm --example bench_native -- INDEX.json > NATIVE.json
// Prints one JSON line with both medians and the ratio (wasm / native).
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
const first = m.validate(bytes);
if (!first.ok) throw new Error(JSON.stringify(first.error));
for (let i = 0; i < 3; i++) m.validate(bytes);
// CPU time of this process (one thread runs the wasm) is what to compare on a shared machine.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const runs = 21;
const ms = [];
const cpu = [];
for (let i = 0; i < runs; i++) {
  const c = cpuMs();
  const t = performance.now();
  m.validate(bytes);
  ms.push(performance.now() - t);
  cpu.push(cpuMs() - c);
}
ms.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const result = {
  entries: first.entries.length,
  bytes: bytes.length,
  valid: first.valid,
  runs,
  wasmMedianMs: +ms[runs >> 1].toFixed(3),
  wasmMinMs: +ms[0].toFixed(3),
  wasmCpuMedianMs: +cpu[runs >> 1].toFixed(3),
};
if (nativeFile) {
  const native = JSON.parse(readFileSync(nativeFile, 'utf8').trim().split('\n').pop());
  if (native.bytes !== bytes.length) throw new Error('the native run measured another file');
  result.nativeMedianMs = native.medianMs;
  result.nativeMinMs = native.minMs;
  result.nativeCpuMedianMs = native.cpuMedianMs;
  result.ratio = +(result.wasmMedianMs / native.medianMs).toFixed(2);
  if (native.cpuMedianMs) result.cpuRatio = +(result.wasmCpuMedianMs / native.cpuMedianMs).toFixed(2);
}
console.log(JSON.stringify(result));
