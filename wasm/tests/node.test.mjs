// Every exported function of the Node build, on the same documents and inputs as the native
// build, must answer exactly what the native build answered (expected.json, written by the
// `expect` example from the same wasm/tests/cases.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cases, expected, fixture, fixtures, sha256, wasmDir } from './common.mjs';

const require = createRequire(import.meta.url);
const m = require(path.join(wasmDir, 'pkg/node/index.js'));
const want = expected();
const all = fixtures();
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of bytes when it round-trips exactly through a JS string, else null. */
function textOf(bytes) {
  try {
    const t = utf8.decode(bytes);
    return Buffer.from(t, 'utf8').equals(Buffer.from(bytes)) ? t : null;
  } catch (_) {
    return null;
  }
}

test('the native expectations cover exactly the fixtures on disk', () => {
  assert.deepEqual(Object.keys(want.fixtures).sort(), all.map(([n]) => n).sort());
  assert.ok(all.length >= 9, `only ${all.length} fixtures`);
});

test('validate: same report as native for every fixture, kind and input form', () => {
  let n = 0;
  for (const [name, bytes] of all) {
    for (const kind of cases.kinds) {
      const key = kind === null ? 'null' : kind;
      const native = want.fixtures[name].validate[key];
      const forms = [['Uint8Array', bytes], ['ArrayBuffer', bytes.slice().buffer]];
      const text = textOf(bytes);
      if (text !== null) forms.push(['string', text]);
      for (const [form, input] of forms) {
        const got = kind === null ? m.validate(input) : m.validate(input, kind);
        assert.deepEqual(got, native, `${name} as ${key} from a ${form}`);
        n++;
      }
    }
    // undefined and null mean auto, like no argument.
    assert.deepEqual(m.validate(bytes, undefined), want.fixtures[name].validate.null, name);
    assert.deepEqual(m.validate(bytes, null), want.fixtures[name].validate.null, name);
  }
  assert.ok(n > 100, `${n} comparisons`);
});

test('validate: the bindings carry the engine report over faithfully', () => {
  // expected.engine is the engine's own serialisation of its Report (plus the spans it
  // leaves out); the bindings' shape must say the same thing.
  for (const [name] of all) {
    for (const [key, { report, spans, entrySizes }] of Object.entries(want.fixtures[name].engine)) {
      const out = want.fixtures[name].validate[key];
      assert.equal(out.ok, true);
      assert.equal(out.valid, report.valid, `${name} ${key}`);
      assert.equal(out.kind, report.kind);
      assert.equal(out.mediaType, report.mediaType ?? null);
      assert.equal(out.digest, report.digest);
      assert.equal(out.size, String(report.size));
      assert.deepEqual(
        out.problems,
        report.problems.map((p, i) => ({
          path: p.path,
          message: p.message,
          severity: p.severity,
          start: spans[i] ? spans[i][0] : null,
          end: spans[i] ? spans[i][1] : null,
        })),
        `${name} ${key}`,
      );
      assert.deepEqual(
        out.entries,
        report.entries.map((e, i) => ({
          digest: e.digest,
          mediaType: e.mediaType,
          size: entrySizes[i],
          platform: e.platform === null ? null : {
            os: e.platform.os,
            architecture: e.platform.architecture,
            variant: e.platform.variant ?? null,
            osVersion: e.platform['os.version'] ?? null,
            osFeatures: e.platform['os.features'] ?? null,
            features: e.platform.features ?? null,
          },
        })),
        `${name} ${key}`,
      );
    }
  }
});

test('validate: digest and size are those of the exact bytes (Node crypto)', () => {
  for (const [name, bytes] of all) {
    const r = m.validate(bytes);
    assert.equal(r.digest, sha256(bytes), name);
    assert.equal(r.size, String(bytes.length), name);
    for (const p of r.problems) {
      if (p.start === null) continue;
      assert.ok(0 <= p.start && p.start <= p.end && p.end <= bytes.length, `${name} ${p.path} ${p.start}..${p.end}`);
    }
  }
});

test('validate: the digest from Node\'s crypto is the one the module computes itself', () => {
  // The Node entry point hashes with node:crypto; the module hashes when given no digest.
  const raw = require(path.join(wasmDir, 'pkg/node/manifold_wasm.js'));
  const inputs = ['{"a":"\ud800 lone surrogate"}', '{"é":"🐳"}', fixture('examples/docker-list.json')];
  inputs.push(inputs[2].slice().buffer, Buffer.from(inputs[2]));
  for (const input of inputs) {
    const own = raw.validateCompact(input);
    assert.equal(m.validate(input).digest, own.digest, String(input));
    assert.equal(m.digest(input), own.digest, String(input));
    assert.equal(m.digest(input), raw.digest(input), String(input));
  }
  assert.equal(m.digest(42).ok, false);
  assert.equal(m.validate(42).ok, false);
});

test('validate: verdicts of the example documents', () => {
  const docker = m.validate(fixture('examples/docker-list.json'));
  assert.equal(docker.valid, true);
  assert.equal(docker.kind, 'manifest-list');
  assert.equal(docker.entries.length, 2);
  assert.equal(docker.entries[1].platform.variant, 'v7');
  assert.equal(docker.entries[1].platform.osVersion, '1.2');
  const bad = m.validate(fixture('examples/invalid-index.json'));
  assert.equal(bad.valid, false);
  assert.ok(bad.problems.some((p) => p.path === '$.schemaVersion'), JSON.stringify(bad.problems));
  const descriptor = m.validate(fixture('wasm/tests/fixtures/descriptor.json'));
  assert.equal(descriptor.kind, 'descriptor');
  assert.equal(descriptor.valid, true);
  // A size no JS number holds exactly comes through as its decimal string.
  const huge = m.validate(fixture('wasm/tests/fixtures/unicode-index.json'));
  assert.equal(huge.entries[1].size, '9007199254740993'); // 2**53 + 1
  assert.notEqual(String(9007199254740993), '9007199254740993');
});

test('digest: equals Node crypto sha256 for every fixture, string or bytes', () => {
  for (const [name, bytes] of all) {
    assert.equal(m.digest(bytes), sha256(bytes), name);
    assert.equal(m.digest(bytes), want.fixtures[name].digest, name);
    const text = textOf(bytes);
    if (text !== null) assert.equal(m.digest(text), sha256(bytes), name);
  }
  assert.equal(m.digest(''), sha256(new Uint8Array()));
  const big = new Uint8Array(5 << 20).fill(7);
  assert.equal(m.digest(big), sha256(big));
});

test('convert: same output and losses as native; output digest is its sha256', () => {
  let converted = 0;
  for (const [name, bytes] of all) {
    for (const to of cases.convertTo) {
      const got = m.convert(bytes, to);
      assert.deepEqual(got, want.fixtures[name].convert[to], `${name} to ${to}`);
      if (got.ok) {
        const out = Buffer.from(got.output, 'utf8');
        assert.equal(got.digest, sha256(out));
        assert.equal(got.size, String(out.length));
        converted++;
      } else {
        assert.equal(typeof got.error.message, 'string');
      }
    }
  }
  assert.ok(converted >= 8, `only ${converted} conversions`);
  // Round trip: Docker -> OCI -> Docker gives docker's bytes back.
  const docker = fixture('examples/docker-list.json');
  const oci = m.convert(docker, 'oci');
  assert.equal(oci.mediaType, 'application/vnd.oci.image.index.v1+json');
  const back = m.convert(oci.output, 'docker');
  assert.equal(back.output, Buffer.from(docker).toString('utf8'));
  assert.equal(back.digest, sha256(docker));
});

test('platformMatch: same answer as native for every fixture and platform', () => {
  let found = 0;
  for (const [name, bytes] of all) {
    for (const p of cases.platforms) {
      const got = m.platformMatch(bytes, p);
      assert.deepEqual(got, want.fixtures[name].platformMatch[p], `${name} on ${JSON.stringify(p)}`);
      if (got.ok && got.index !== null) found++;
    }
  }
  assert.ok(found >= 5, `only ${found} matches`);
  const r = m.platformMatch(fixture('examples/oci-index.json'), 'linux/arm64');
  assert.equal(r.index, 0);
  assert.equal(r.descriptor.platform.architecture, 'arm64');
  assert.equal(m.platformMatch(fixture('examples/oci-index.json'), 'unknown/unknown').index, null);
});

test('parsePlatform: same answer as native', () => {
  for (const p of cases.platforms) assert.deepEqual(m.parsePlatform(p), want.parsePlatform[p], JSON.stringify(p));
  assert.equal(m.parsePlatform('linux/arm').normalized, 'linux/arm/v7');
  assert.equal(m.parsePlatform('linux').ok, false);
});

test('parseReference: same answer as native', () => {
  for (const r of cases.references) assert.deepEqual(m.parseReference(r), want.parseReference[r], JSON.stringify(r));
  const a = m.parseReference('alpine');
  assert.deepEqual([a.domain, a.path, a.tag, a.normalized, a.familiar],
    ['docker.io', 'library/alpine', 'latest', 'docker.io/library/alpine:latest', 'alpine:latest']);
  const bad = m.parseReference('Alpine');
  assert.equal(bad.ok, false);
  assert.ok(bad.error.message.length > 0 && bad.error.hint.length > 0);
});

test('errors are values with a message, never throws', () => {
  const doc = fixture('examples/oci-index.json');
  const calls = [
    () => m.validate(42),
    () => m.validate(null),
    () => m.validate({ manifests: [] }),
    () => m.validate(doc, 7),
    () => m.validate(doc, 'helm-chart'),
    () => m.digest(undefined),
    () => m.convert(doc, 5),
    () => m.convert(doc, 'tar'),
    () => m.convert(fixture('wasm/tests/fixtures/manifest.json'), 'oci'),
    () => m.convert('not json', 'oci'),
    () => m.parseReference(undefined),
    () => m.parseReference(''),
    () => m.parsePlatform(7),
    () => m.parsePlatform('linux/am d64'),
    () => m.platformMatch(doc, null),
    () => m.platformMatch(42, 'linux/amd64'),
    () => m.platformMatch('[]', 'linux/amd64'),
  ];
  for (const call of calls) {
    let r;
    assert.doesNotThrow(() => { r = call(); }, String(call));
    assert.equal(r.ok, false, String(call));
    assert.equal(typeof r.error.message, 'string', String(call));
    assert.ok(r.error.message.length > 0);
    // Plain data: survives JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  }
  assert.match(m.validate(doc, 'helm-chart').error.hint, /manifest-list/);
});

test('results are plain JSON-compatible objects', () => {
  for (const [, bytes] of all) {
    for (const r of [m.validate(bytes), m.convert(bytes, 'docker'), m.platformMatch(bytes, 'linux/amd64')]) {
      assert.equal(Object.getPrototypeOf(r), Object.prototype);
      assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
    }
  }
});

test('the web entry point (pkg/web/index.js) answers as the Node one does', async () => {
  const web = await import(path.join(wasmDir, 'pkg/web/index.js'));
  web.initSync({ module: fixture('wasm/pkg/web/manifold_wasm_bg.wasm') });
  const names = ['validate', 'digest', 'convert', 'parseReference', 'parsePlatform', 'platformMatch', 'default', 'initSync'];
  for (const name of names) assert.equal(typeof web[name], 'function', name);
  for (const [name, bytes] of all) {
    assert.deepEqual(web.validate(bytes), m.validate(bytes), name);
    assert.deepEqual(web.validate(bytes, 'index'), m.validate(bytes, 'index'), name);
    assert.equal(web.digest(bytes), m.digest(bytes), name);
    assert.deepEqual(web.convert(bytes, 'oci'), m.convert(bytes, 'oci'), name);
  }
});

test('the package resolves by name: require, and import with named exports', async () => {
  // A project that installed the folder: node_modules/manifold-wasm -> wasm/.
  const project = mkdtempSync(path.join(tmpdir(), 'manifold-wasm-user-'));
  try {
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(wasmDir, path.join(project, 'node_modules', 'manifold-wasm'), 'dir');
    const doc = path.join(wasmDir, '..', 'examples', 'docker-list.json');
    const names = ['validate', 'digest', 'convert', 'parseReference', 'parsePlatform', 'platformMatch'];
    const run = (args) => execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' }).trim();
    const esm = run(['--input-type=module', '-e', `
      import { ${names.join(', ')} } from 'manifold-wasm';
      import { readFileSync } from 'node:fs';
      const r = validate(readFileSync(${JSON.stringify(doc)}));
      console.log(JSON.stringify([[${names.join(', ')}].map((f) => typeof f), r.valid, r.kind, r.entries.length]));`]);
    assert.deepEqual(JSON.parse(esm), [names.map(() => 'function'), true, 'manifest-list', 2]);
    const cjs = run(['-e', `
      const m = require('manifold-wasm');
      console.log(JSON.stringify([Object.keys(m).sort(), m.digest('{}')]));`]);
    assert.deepEqual(JSON.parse(cjs), [[...names].sort(), sha256(Buffer.from('{}'))]);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('npm pack of wasm/ installs into a scratch project and loads as CommonJS and as ESM', () => {
  // What a user gets from the registry: the tarball npm pack makes, installed with npm.
  const scratch = mkdtempSync(path.join(tmpdir(), 'manifold-wasm-pack-'));
  try {
    const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8' });
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], wasmDir));
    const files = packed[0].files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'pkg/node/index.js', 'pkg/node/manifold_wasm_bg.wasm',
      'pkg/web/index.js', 'pkg/web/manifold_wasm_bg.wasm', 'pkg/web/index.d.ts']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}: ${files.join(' ')}`);
    }
    assert.deepEqual(files.filter((f) => /^(tests|node_modules|js|www|bindings)\//.test(f)), []);
    const project = path.join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "scratch", "version": "1.0.0", "private": true }\n');
    npm(['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error',
      path.join(scratch, packed[0].filename)], project);
    const doc = path.join(wasmDir, '..', 'examples', 'docker-list.json');
    const run = (args) => execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' }).trim();
    const cjs = run(['-e', `
      const m = require('manifold-wasm');
      const r = m.validate(require('node:fs').readFileSync(${JSON.stringify(doc)}));
      console.log(JSON.stringify([r.valid, r.kind, m.digest('{}')]));`]);
    assert.deepEqual(JSON.parse(cjs), [true, 'manifest-list', sha256(Buffer.from('{}'))]);
    const esm = run(['--input-type=module', '-e', `
      import { validate, digest } from 'manifold-wasm';
      import { readFileSync } from 'node:fs';
      const r = validate(readFileSync(${JSON.stringify(doc)}));
      console.log(JSON.stringify([r.valid, r.kind, digest('{}')]));`]);
    assert.deepEqual(JSON.parse(esm), [true, 'manifest-list', sha256(Buffer.from('{}'))]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('the TypeScript types fit the entry points: web with init, Node without', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'manifold-wasm-ts-'));
  try {
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(wasmDir, path.join(project, 'node_modules', 'manifold-wasm'), 'dir');
    writeFileSync(path.join(project, 'web.ts'), `
      import init, { validate, digest, convert, parseReference, parsePlatform, platformMatch } from 'manifold-wasm';
      import type { Report, Failure } from 'manifold-wasm';
      export async function main(bytes: Uint8Array): Promise<string> {
        await init();
        const r: Report | Failure = validate(bytes, 'index');
        if (!r.ok) return r.error.message;
        const os: string | undefined = r.entries[0]?.platform?.os;
        const c = convert(bytes, 'docker');
        return [os, digest(bytes), c.ok, parseReference('alpine').ok, parsePlatform('linux/arm64').ok,
          platformMatch(bytes, 'linux/amd64').ok].join(',');
      }`);
    writeFileSync(path.join(project, 'node.mts'), `
      import { validate, digest } from 'manifold-wasm';
      import type { Report, Failure } from 'manifold-wasm';
      const r: Report | Failure = validate(new Uint8Array([123, 125]));
      export const out: string = r.ok ? r.digest : r.error.message;
      export const d: unknown = digest('{}');`);
    // Node's entry point has no init: a type error, as it would be a runtime one.
    writeFileSync(path.join(project, 'wrong.mts'), `import init from 'manifold-wasm';\nawait init();\n`);
    const tsc = path.join(wasmDir, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = (file, ...mode) =>
      spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', ...mode, file], {
        cwd: project,
        encoding: 'utf8',
      });
    const bundler = ['--module', 'esnext', '--moduleResolution', 'bundler'];
    const nodenext = ['--module', 'nodenext', '--moduleResolution', 'nodenext'];
    for (const [file, mode] of [['web.ts', bundler], ['node.mts', nodenext]]) {
      const r = check(file, ...mode);
      assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
    }
    const wrong = check('wrong.mts', ...nodenext);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stdout, /TS2349/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
