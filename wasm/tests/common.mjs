// Shared by the Node and browser tests: paths, fixtures and the native expectations.
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const wasmDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const root = path.resolve(wasmDir, '..');
export const cases = JSON.parse(readFileSync(path.join(wasmDir, 'tests/cases.json'), 'utf8'));

/** Every fixture as [name, bytes], named as the native `expect` example names them. */
export function fixtures() {
  const out = [];
  for (const dir of cases.fixtureDirs) {
    const files = readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) out.push([`${dir}/${f}`, new Uint8Array(readFileSync(path.join(root, dir, f)))]);
  }
  return out;
}

export function fixture(name) {
  return new Uint8Array(readFileSync(path.join(root, name)));
}

/** What the native build answered (written by `cargo run -p manifold-wasm --example expect`). */
export function expected() {
  const file = process.env.MANIFOLD_WASM_EXPECTED;
  if (!file) {
    throw new Error('MANIFOLD_WASM_EXPECTED is not set; run scripts/test-wasm, which writes the native expectations first');
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** `sha256:<hex>` computed by Node itself, independent of the engine. */
export function sha256(bytes) {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** Where test artifacts (screenshots) go. */
export function artifactsDir() {
  return process.env.MANIFOLD_WASM_ARTIFACTS || path.join(root, 'target', 'wasm-tests');
}
