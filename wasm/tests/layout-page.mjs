// The layout check in Chromium and in Node against the CLI. Given a cases file (written by
// tests/tests/page_check.rs: each case a tar and the CLI's `check --check-binaries --json`
// and `compare --json` output for the same image), drops each tar onto wasm/www opened from
// disk (offline, file://) and checks that the page shows the CLI's verdict, findings and rows
// (with the same diff marks); then gives the tar, and the folder it unpacks to, to the Node
// package (wasm/pkg/inspect) and checks the same. Exits non-zero on the first difference.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { wasmDir } from './common.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const require = createRequire(import.meta.url);
const nodeInspect = require(path.join(wasmDir, 'pkg/inspect/index.js'));

/** What a person reads off the CLI's JSON, in the page's terms. */
function shown(check, comparison) {
  return {
    verdict: check.verdict,
    findings: check.findings.map((f) => ({ severity: f.severity, path: f.path, message: f.message })),
    columns: comparison.columns,
    rows: comparison.rows.map((r) => ({ label: r.label, values: r.values.map((v) => (v === null ? '—' : v)), differs: r.differs })),
  };
}

function same(where, name, got, cli) {
  assert.deepEqual(got.report.verdict, cli.check.verdict, `${where} ${name}: verdict`);
  assert.deepEqual(got.report.findings, cli.check.findings, `${where} ${name}: findings`);
  assert.deepEqual(got.report.counts, cli.check.counts, `${where} ${name}: counts`);
  assert.deepEqual(got.comparison, cli.compare, `${where} ${name}: compare rows`);
}

function folderOf(dir) {
  const out = [];
  const walk = (d, prefix) => {
    for (const e of readdirSync(d).sort()) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p, prefix + e + '/');
      else out.push({ path: prefix + e, blob: new Blob([readFileSync(p)]) });
    }
  };
  walk(dir, '');
  return out;
}

assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing; scripts/test-wasm installs Debian's chromium`);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failed = false;
try {
  for (const c of cases) {
    const cli = { check: JSON.parse(readFileSync(c.check, 'utf8')), compare: JSON.parse(readFileSync(c.compare, 'utf8')) };
    const want = shown(cli.check, cli.compare);
    const tarBytes = readFileSync(c.tar);

    // the page, from disk, as a user drops the tar
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    await page.goto(pathToFileURL(path.join(wasmDir, 'www/index.html')).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await page.evaluate(({ b64, name }) => {
      const bin = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], name, { type: 'application/x-tar' }));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, { b64: tarBytes.toString('base64'), name: path.basename(c.tar) });
    await page.waitForSelector('body[data-layout="done"]', { timeout: 60000 });
    const errorText = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
    assert.equal(errorText, '', `page ${c.name}: an error was shown`);
    const onPage = await page.evaluate(() => ({
      verdict: document.getElementById('layout-verdict').dataset.verdict,
      findings: [...document.querySelectorAll('#findings li')].map((li) => ({
        severity: li.className,
        path: li.dataset.path,
        message: li.textContent.slice(li.textContent.indexOf(li.dataset.path ? li.dataset.path + ': ' : ' ') + (li.dataset.path ? li.dataset.path.length + 2 : 1)),
      })),
      columns: [...document.querySelectorAll('#compare thead th')].slice(2).map((th) => th.textContent),
      rows: [...document.querySelectorAll('#compare tbody tr')].map((tr) => ({
        label: tr.cells[1].textContent,
        values: [...tr.cells].slice(2).map((td) => td.textContent),
        differs: tr.classList.contains('differs') && tr.cells[0].textContent === '≠',
      })),
    }));
    assert.deepEqual(onPage, want, `page ${c.name}: what the page shows`);
    same('page', c.name, await page.evaluate(() => window.lastInspection), cli);
    assert.deepEqual(problems, [], `page ${c.name}: console`);
    await page.screenshot({ path: path.join(path.dirname(c.tar), 'layout-page.png'), fullPage: true });
    await context.close();
    console.log(`page: ${c.name}: same verdict, findings and rows (${want.findings.length} finding(s), ${want.rows.length} row(s), ${want.rows.filter((r) => r.differs).length} differing)`);

    // the Node package: the tar, and the same files as a folder
    const fromTar = await nodeInspect.inspect({ name: path.basename(c.tar), tar: new Blob([tarBytes]) }, { checkBinaries: true });
    assert.ok(fromTar.ok, JSON.stringify(fromTar.error));
    same('node', c.name, fromTar, cli);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'layout-'));
    execFileSync('tar', ['-xf', c.tar, '-C', dir]);
    const fromFolder = await nodeInspect.inspect({ name: 'folder', files: folderOf(dir) }, { checkBinaries: true });
    assert.ok(fromFolder.ok, JSON.stringify(fromFolder.error));
    same('node folder', c.name, fromFolder, cli);
    console.log(`node: ${c.name}: same verdict, findings and rows (tar and folder)`);
  }
} catch (e) {
  failed = true;
  console.error(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
