// The validator page in a real browser (Debian's chromium driven by playwright-core): serves
// wasm/www on 127.0.0.1, pastes documents, and checks the verdict, problem paths, digest
// (Node's own sha256 of the same bytes), platform rows, highlighting, conversion, the phone
// layout and the console. Screenshots are kept as artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { artifactsDir, expected, fixture, sha256, wasmDir } from './common.mjs';

const www = path.join(wasmDir, 'www');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const want = expected();
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
};

let server;
let base;
let browser;
const problemsSeen = []; // console errors, page errors, failed requests, across all pages

function serve() {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      let file = path.normalize(path.join(www, decodeURIComponent(url.pathname)));
      if (!file.startsWith(www)) {
        res.writeHead(403).end();
        return;
      }
      if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
      if (!existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function openPage(viewport, url = base + '/') {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const where = `${viewport.width}x${viewport.height} ${url.slice(0, 30)}`;
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problemsSeen.push(`${where} console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problemsSeen.push(`${where} page error: ${e.message}`));
  page.on('requestfailed', (r) => problemsSeen.push(`${where} request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problemsSeen.push(`${where} HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  return { page, context };
}

/** Pastes a document into the page as a user would and waits for the verdict. */
async function paste(page, bytes, kind = 'auto') {
  await page.selectOption('#kind', kind);
  await page.fill('#doc', Buffer.from(bytes).toString('utf8'));
  await page.click('#validate');
  await page.waitForSelector('#result:not([hidden])');
}

async function tableRows(page) {
  return page.$$eval('#platforms tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing; scripts/test-wasm installs Debian's chromium`);
  assert.ok(existsSync(path.join(www, 'pkg/manifold_wasm_bytes.js')), 'wasm/www/pkg is missing; scripts/test-wasm builds it');
  server = await serve();
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  mkdirSync(artifactsDir(), { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('a valid Docker manifest list: verdict, digest, size and platform rows', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  const bytes = fixture('examples/docker-list.json');
  await paste(page, bytes);
  assert.equal(await page.getAttribute('#verdict', 'data-valid'), 'true');
  assert.match(await page.textContent('#verdict'), /^Valid Docker manifest list/);
  assert.equal(await page.textContent('#digest'), sha256(bytes));
  assert.equal(await page.textContent('#size'), String(bytes.length));
  const native = want.fixtures['examples/docker-list.json'].validate.null;
  assert.deepEqual(await page.$$eval('#problems .path', (l) => l.map((e) => e.textContent)), native.problems.map((p) => p.path));
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  const rows = await tableRows(page);
  assert.deepEqual(
    rows.map((r) => r.slice(0, 5)),
    doc.manifests.map((m, i) => [String(i), m.platform.os, m.platform.architecture, m.platform.variant || '', m.platform['os.version'] || '']),
  );
  // Convert to OCI: the engine's bytes, their digest, copy and download offered.
  await page.click('#to-oci');
  await page.waitForSelector('#convert-result:not([hidden])');
  const converted = want.fixtures['examples/docker-list.json'].convert.oci;
  const output = await page.inputValue('#converted');
  assert.equal(output, converted.output);
  assert.equal(await page.textContent('#converted-digest'), sha256(Buffer.from(output, 'utf8')));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-converted')]);
  assert.equal(download.suggestedFilename(), 'index.json');
  await page.screenshot({ path: path.join(artifactsDir(), 'wasm-page-docker-list.png'), fullPage: true });
  await context.close();
});

test('an invalid OCI index: verdict, problem paths, and clicking a problem selects its span', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  const bytes = fixture('examples/invalid-index.json');
  await paste(page, bytes);
  const native = want.fixtures['examples/invalid-index.json'].validate.null;
  assert.equal(native.valid, false);
  assert.equal(await page.getAttribute('#verdict', 'data-valid'), 'false');
  const errors = native.problems.filter((p) => p.severity === 'error').length;
  assert.match(await page.textContent('#verdict'), new RegExp(`^Invalid OCI image index: ${errors} errors?`));
  assert.deepEqual(await page.$$eval('#problems .path', (l) => l.map((e) => e.textContent)), native.problems.map((p) => p.path));
  assert.deepEqual(await page.$$eval('#problems .message', (l) => l.map((e) => e.textContent)), native.problems.map((p) => p.message));
  assert.equal(await page.textContent('#digest'), sha256(bytes));
  // Every problem with a span: clicking it selects exactly the span's text.
  let clicked = 0;
  for (const [i, p] of native.problems.entries()) {
    if (p.start === null) continue;
    await page.click(`#problems li:nth-child(${i + 1}) button`);
    const selected = await page.$eval('#doc', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.equal(selected, Buffer.from(bytes).subarray(p.start, p.end).toString('utf8'), `${p.path}`);
    clicked++;
  }
  assert.ok(clicked >= 3, `only ${clicked} problems had spans`);
  await page.screenshot({ path: path.join(artifactsDir(), 'wasm-page-invalid-index.png'), fullPage: true });
  // Highlighting after multi-byte characters (é, emoji) maps byte offsets to text offsets.
  const uni = fixture('wasm/tests/fixtures/unicode-index.json');
  await paste(page, uni);
  const uniNative = want.fixtures['wasm/tests/fixtures/unicode-index.json'].validate.null;
  const digestProblem = uniNative.problems.findIndex((p) => p.path === '$.manifests[1].digest');
  assert.ok(digestProblem >= 0, JSON.stringify(uniNative.problems.map((p) => p.path)));
  await page.click(`#problems li:nth-child(${digestProblem + 1}) button`);
  const selected = await page.$eval('#doc', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  const p = uniNative.problems[digestProblem];
  assert.equal(selected, Buffer.from(uni).subarray(p.start, p.end).toString('utf8'));
  assert.match(selected, /XYZ/);
  await context.close();
});

test('a descriptor: verdict, digest and kind', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  const bytes = fixture('wasm/tests/fixtures/descriptor.json');
  await paste(page, bytes);
  assert.equal(await page.getAttribute('#verdict', 'data-valid'), 'true');
  assert.match(await page.textContent('#verdict'), /^Valid descriptor/);
  assert.equal(await page.textContent('#kind-out'), 'descriptor');
  assert.equal(await page.textContent('#digest'), sha256(bytes));
  assert.equal(await page.textContent('#size'), String(bytes.length));
  assert.equal(await page.isHidden('#platforms-block'), true);
  // A broken descriptor, validated as a descriptor on purpose.
  const bad = fixture('wasm/tests/fixtures/bad-descriptor.json');
  await paste(page, bad, 'descriptor');
  const native = want.fixtures['wasm/tests/fixtures/bad-descriptor.json'].validate.descriptor;
  assert.equal(await page.getAttribute('#verdict', 'data-valid'), 'false');
  assert.deepEqual(await page.$$eval('#problems .path', (l) => l.map((e) => e.textContent)), native.problems.map((p) => p.path));
  // Converting a descriptor is refused with a readable message, not an exception.
  await page.click('#to-docker');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /index/);
  await context.close();
});

test('OCI index with annotations and an attestation: platform table and conversion losses', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  const bytes = fixture('examples/oci-index.json');
  await paste(page, bytes);
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  const rows = await tableRows(page);
  assert.equal(rows.length, doc.manifests.length);
  assert.equal(rows[0][5], 'org.opencontainers.image.ref.name=v1');
  assert.match(rows[2].join(' '), /attestation-manifest/);
  await page.click('#to-docker');
  await page.waitForSelector('#convert-result:not([hidden])');
  const native = want.fixtures['examples/oci-index.json'].convert.docker;
  assert.equal(await page.inputValue('#converted'), native.output);
  assert.deepEqual(await page.$$eval('#losses code', (l) => l.map((e) => e.textContent)), native.losses.map((l) => l.path));
  await context.close();
});

test('phone-sized screen: no sideways scrolling, everything reachable', async () => {
  const { page, context } = await openPage({ width: 390, height: 844 });
  await paste(page, fixture('examples/invalid-index.json'));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await page.click('#problems li:nth-child(1) button');
  await page.screenshot({ path: path.join(artifactsDir(), 'wasm-page-phone.png'), fullPage: true });
  await paste(page, fixture('examples/oci-index.json'));
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow2 <= 0, `the page is ${overflow2}px wider than the screen with a platform table`);
  await page.screenshot({ path: path.join(artifactsDir(), 'wasm-page-phone-platforms.png'), fullPage: true });
  await context.close();
});

test('works opened from disk (file://), with no server', async () => {
  const url = pathToFileURL(path.join(www, 'index.html')).href;
  const { page, context } = await openPage({ width: 1000, height: 800 }, url);
  const bytes = fixture('examples/docker-list.json');
  await paste(page, bytes);
  assert.equal(await page.textContent('#digest'), sha256(bytes));
  await context.close();
});

test('no console errors, page errors or failed requests', () => {
  assert.deepEqual(problemsSeen, []);
  console.log(`screenshots: ${path.join(artifactsDir(), 'wasm-page-*.png')}`);
});
