// The validator page. All decisions come from the engine (WebAssembly, pkg/); this file only
// moves bytes in and renders what comes back.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const doc = $('doc');
  const encoder = new TextEncoder();
  // ignoreBOM keeps a BOM as U+FEFF, so text offsets line up with the bytes' offsets.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  const KIND_NAMES = {
    auto: 'document',
    index: 'OCI image index',
    manifest: 'OCI image manifest',
    descriptor: 'descriptor',
    'manifest-list': 'Docker manifest list',
    'docker-manifest': 'Docker image manifest',
  };

  let engine = null;
  // A dropped or opened file is validated byte for byte while the text is left as read.
  let file = null; // { name, bytes, text }
  let shown = null; // { bytes, text } of the last validated document
  let converted = null; // { output, to }
  let timer = 0;

  function currentBytes() {
    if (file && doc.value === file.text) return file.bytes;
    file = null;
    return encoder.encode(doc.value);
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  function showError(error) {
    const box = $('error');
    if (!error) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    let text = error.message || String(error);
    if (error.detail) text += '\n' + error.detail;
    if (error.hint) text += '\nHint: ' + error.hint;
    box.textContent = text;
    box.hidden = false;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // Byte offset in the validated bytes -> UTF-16 offset in the text shown.
  function textOffset(bytes, byteOffset) {
    return decoder.decode(bytes.subarray(0, byteOffset)).length;
  }

  function highlight(start, end) {
    if (!shown || start === null || end === null) return;
    const s = textOffset(shown.bytes, start);
    const e = Math.max(s, textOffset(shown.bytes, end));
    doc.focus({ preventScroll: true });
    doc.setSelectionRange(s, e, 'forward');
    // Bring the selection into view: put its line about a third of the way down.
    const line = doc.value.slice(0, s).split('\n').length - 1;
    const lineHeight = parseFloat(getComputedStyle(doc).lineHeight) || 18;
    doc.scrollTop = Math.max(0, line * lineHeight - doc.clientHeight / 3);
    doc.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  // Annotations of each entry, read from the text for display only (the engine's entries
  // carry digest, media type, size and platform). Go's last-key-wins matches JSON.parse.
  function entryAnnotations(text) {
    try {
      const v = JSON.parse(text);
      if (v && Array.isArray(v.manifests)) {
        return v.manifests.map((m) => (m && typeof m.annotations === 'object' && m.annotations) || null);
      }
    } catch (_) {
      /* not JSON: the problems say so */
    }
    return [];
  }

  function renderPlatforms(report, text) {
    const block = $('platforms-block');
    const body = $('platforms').tBodies[0];
    body.replaceChildren();
    if (!report.entries.length) {
      block.hidden = true;
      return;
    }
    const annotations = entryAnnotations(text);
    report.entries.forEach((entry, i) => {
      const p = entry.platform;
      const notes = annotations[i] || {};
      const noteText = Object.entries(notes).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v)));
      const attestation = (p && p.os === 'unknown' && p.architecture === 'unknown') ||
        notes['vnd.docker.reference.type'] === 'attestation-manifest';
      // data-label names each cell in the phone layout, where rows become cards.
      const row = el('tr', { class: attestation ? 'attestation' : '' },
        el('td', { 'data-label': '#' }, String(i)),
        el('td', { 'data-label': 'os' }, p ? p.os || '(empty)' : '—'),
        el('td', { 'data-label': 'architecture' }, p ? p.architecture || '(empty)' : '—'),
        el('td', { 'data-label': 'variant' }, (p && p.variant) || ''),
        el('td', { 'data-label': 'os.version' }, (p && p.osVersion) || ''),
        el('td', { class: 'annotations', 'data-label': 'annotations' }, ...noteText.flatMap((t, j) => (j ? [el('br'), t] : [t]))),
        el('td', { class: 'digest', 'data-label': 'digest', title: entry.digest + ' (' + entry.mediaType + ', ' + entry.size + ' bytes)' },
          el('code', {}, entry.digest.length > 26 ? entry.digest.slice(0, 26) + '…' : entry.digest)));
      body.append(row);
    });
    block.hidden = false;
  }

  function render(report, bytes, text) {
    shown = { bytes, text };
    const errors = report.problems.filter((p) => p.severity === 'error').length;
    const warnings = report.problems.length - errors;
    const what = KIND_NAMES[report.kind] || report.kind;
    const verdict = $('verdict');
    verdict.className = 'verdict ' + (report.valid ? 'valid' : 'invalid');
    verdict.dataset.valid = String(report.valid);
    verdict.textContent = report.valid
      ? 'Valid ' + what + (warnings ? ' (' + plural(warnings, 'warning') + ')' : '')
      : 'Invalid ' + what + ': ' + plural(errors, 'error') + (warnings ? ', ' + plural(warnings, 'warning') : '');
    $('kind-out').textContent = what + (report.kind === 'auto' ? ' (kind not recognised)' : '');
    $('media-type').textContent = report.mediaType || '(none)';
    $('digest').textContent = report.digest;
    $('size').textContent = report.size;

    const list = $('problems');
    list.replaceChildren();
    for (const p of report.problems) {
      const button = el('button', { type: 'button', title: p.start === null ? '' : 'Show in the document' },
        el('span', { class: 'sev' }, p.severity),
        el('code', { class: 'path' }, p.path),
        el('span', { class: 'message' }, p.message));
      if (p.start !== null) {
        button.dataset.start = String(p.start);
        button.dataset.end = String(p.end);
      }
      button.addEventListener('click', () => highlight(p.start, p.end));
      list.append(el('li', { class: p.severity }, button));
    }
    $('no-problems').hidden = report.problems.length > 0;
    renderPlatforms(report, text);
    $('result').hidden = false;
  }

  function validateNow() {
    clearTimeout(timer);
    if (!engine) return;
    showError(null);
    const bytes = currentBytes();
    if (bytes.length === 0) {
      $('result').hidden = true;
      shown = null;
      return;
    }
    const report = engine.validate(bytes, $('kind').value);
    if (!report.ok) {
      $('result').hidden = true;
      showError(report.error);
      return;
    }
    render(report, bytes, doc.value);
  }

  function validateSoon() {
    clearTimeout(timer);
    timer = setTimeout(validateNow, 200);
  }

  function convert(to) {
    if (!engine) return;
    showError(null);
    const r = engine.convert(currentBytes(), to);
    if (!r.ok) {
      $('convert-result').hidden = true;
      showError(r.error);
      return;
    }
    converted = { output: r.output, to };
    $('converted').value = r.output;
    $('converted-digest').textContent = r.digest;
    $('converted-size').textContent = r.size;
    const losses = $('losses');
    losses.replaceChildren(...r.losses.map((l) => el('li', {}, el('code', {}, l.path), ': ', l.message)));
    $('convert-result').hidden = false;
  }

  async function copyText(text, textarea) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      // Not a secure context (file://) or no permission: select it for the user's copy.
      if (textarea) {
        textarea.focus();
        textarea.select();
        document.execCommand && document.execCommand('copy');
      }
    }
  }

  function download() {
    if (!converted) return;
    const type = converted.to === 'docker'
      ? 'application/vnd.docker.distribution.manifest.list.v2+json'
      : 'application/vnd.oci.image.index.v1+json';
    const url = URL.createObjectURL(new Blob([converted.output], { type }));
    const a = el('a', { href: url, download: converted.to === 'docker' ? 'manifest-list.json' : 'index.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function loadFile(f) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    const text = decoder.decode(bytes);
    file = { name: f.name, bytes, text };
    doc.value = text;
    $('source').textContent = f.name + ': ' + bytes.length + ' bytes, validated exactly as read';
    validateNow();
  }

  doc.addEventListener('input', () => {
    if (file && doc.value !== file.text) {
      file = null;
      $('source').textContent = '';
    }
    validateSoon();
  });
  $('kind').addEventListener('change', validateNow);
  $('validate').addEventListener('click', validateNow);
  $('clear').addEventListener('click', () => {
    doc.value = '';
    file = null;
    $('source').textContent = '';
    $('convert-result').hidden = true;
    validateNow();
  });
  $('file').addEventListener('change', (e) => e.target.files[0] && loadFile(e.target.files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const items = e.dataTransfer && e.dataTransfer.items;
    const entry = items && items[0] && items[0].webkitGetAsEntry ? items[0].webkitGetAsEntry() : null;
    if (entry && entry.isDirectory) {
      folderFiles(entry).then((files) => checkLayout({ name: entry.name, files }));
      return;
    }
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f && /\.tar$/i.test(f.name)) checkLayout({ name: f.name, tar: f });
    else if (f) loadFile(f);
  });

  // --- the layout check: a second engine module, loaded on the first layout -----------------

  let inspector = null;
  function script(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('could not load ' + src));
      document.body.append(s);
    });
  }
  async function loadInspector() {
    if (inspector) return inspector;
    await script('pkg/manifold_inspect.js');
    await script('pkg/inspect.js');
    await script('pkg/manifold_inspect_bytes.js');
    const raw = atob(window.MANIFOLD_INSPECT_BASE64);
    const bin = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bin[i] = raw.charCodeAt(i);
    await manifold_inspect({ module_or_path: bin });
    inspector = manifold_inspect;
    return inspector;
  }

  // A dropped folder's files with paths relative to it (FileSystemDirectoryEntry).
  async function folderFiles(dir) {
    const out = [];
    async function walk(d, prefix) {
      const reader = d.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) {
          if (e.isDirectory) await walk(e, prefix + e.name + '/');
          else out.push({ path: prefix + e.name, blob: await new Promise((res, rej) => e.file(res, rej)) });
        }
      }
    }
    await walk(dir, '');
    return out;
  }

  const VERDICTS = {
    clean: 'Clean: nothing wrong',
    problems: 'Problems found',
    unchecked: 'Could not check everything',
  };

  function renderLayout(r) {
    const verdict = $('layout-verdict');
    verdict.className = 'verdict ' + (r.report.verdict === 'clean' ? 'valid' : 'invalid');
    verdict.dataset.verdict = r.report.verdict;
    verdict.textContent = VERDICTS[r.report.verdict] + ' (exit ' + r.exitCode + ')';
    $('layout-summary').textContent = r.lines[r.lines.length - 1];
    const list = $('findings');
    list.replaceChildren(
      ...r.report.findings.map((f) =>
        el('li', { class: f.severity, 'data-path': f.path, 'data-rule': f.rule },
          el('strong', {}, f.severity === 'unchecked' ? 'not checked' : f.severity), ' ',
          f.path ? el('code', {}, f.path) : null, f.path ? ': ' : '', f.message)),
    );
    $('no-findings').hidden = r.report.findings.length > 0;
    const c = r.comparison;
    const table = $('compare');
    table.tHead.replaceChildren(el('tr', {}, el('th', {}, ''), el('th', {}, 'field'), ...c.columns.map((col) => el('th', {}, col))));
    table.tBodies[0].replaceChildren(
      ...c.rows.map((row) =>
        el('tr', { class: row.differs ? 'differs' : 'same', 'data-field': row.field },
          el('td', { class: 'mark', title: row.differs ? 'differs' : '' }, row.differs ? '≠' : ''),
          el('th', {}, row.label),
          ...row.values.map((v) => el('td', {}, v === null ? '—' : v)))),
    );
    $('layout-result').hidden = false;
  }

  async function checkLayout(source) {
    showError(null);
    $('layout-status').textContent = 'checking ' + source.name + '…';
    document.body.dataset.layout = 'busy';
    try {
      const m = await loadInspector();
      const r = await m.inspect(source, {
        checkBinaries: $('check-binaries').checked,
        attestations: $('attestations').checked,
      });
      window.lastInspection = r;
      if (!r.ok) {
        $('layout-result').hidden = true;
        $('layout-status').textContent = '';
        showError(r.error);
      } else {
        renderLayout(r);
        $('layout-status').textContent = source.name + ': checked in this page';
      }
    } catch (e) {
      showError({ message: 'The layout could not be checked: ' + (e && e.message ? e.message : e) });
    } finally {
      document.body.dataset.layout = 'done';
    }
  }

  $('layout-tar').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) checkLayout({ name: f.name, tar: f });
  });
  $('layout-dir').addEventListener('change', (e) => {
    const all = Array.from(e.target.files);
    if (!all.length) return;
    // webkitRelativePath is "folder/…": the paths below the chosen folder
    const top = all[0].webkitRelativePath.split('/')[0];
    const files = all.map((f) => ({ path: f.webkitRelativePath.slice(top.length + 1), blob: f }));
    checkLayout({ name: top, files });
  });
  $('diff-only').addEventListener('change', (e) => $('layout-result').classList.toggle('diff-only', e.target.checked));
  $('to-oci').addEventListener('click', () => convert('oci'));
  $('to-docker').addEventListener('click', () => convert('docker'));
  $('copy-converted').addEventListener('click', () => converted && copyText(converted.output, $('converted')));
  $('copy-digest').addEventListener('click', () => copyText($('digest').textContent, null));
  $('download-converted').addEventListener('click', download);
  $('use-converted').addEventListener('click', () => {
    if (!converted) return;
    doc.value = converted.output;
    file = null;
    $('source').textContent = 'converted to ' + converted.to;
    validateNow();
  });

  async function start() {
    try {
      const b64 = window.MANIFOLD_WASM_BASE64;
      const raw = atob(b64);
      const bin = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bin[i] = raw.charCodeAt(i);
      await wasm_bindgen({ module_or_path: bin });
      engine = wasm_bindgen;
      $('engine-status').textContent = '— engine ready (WebAssembly, runs offline)';
      document.body.dataset.ready = 'true';
      if (doc.value) validateNow();
    } catch (e) {
      $('engine-status').textContent = '— the engine failed to start';
      showError({ message: 'The engine could not start: ' + (e && e.message ? e.message : e) });
    }
  }
  start();
})();
