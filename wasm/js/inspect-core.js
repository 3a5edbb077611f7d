  // The host side of the engine's layout check (archive::layout): reads the bytes the engine
  // asks for from a dropped tar or folder (Blob.slice, never the whole tar), hands them over,
  // and returns the engine's report and comparison. No rule lives here.
  //   source: { name, tar: Blob } or { name, files: [{ path, blob }] }
  //   options: { tag?, checkBinaries?, attestations? }
  async function inspectLayout(m, source, options) {
    options = options || {};
    const CHUNK = 1 << 20;
    const failure = (message) => ({ ok: false, error: { message: String(message) } });
    const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());
    let listing;
    let read;
    if (source.tar) {
      const tar = source.tar;
      const index = new m.TarListing(tar.size);
      try {
        for (;;) {
          const want = index.next();
          if (!want) break;
          const err = index.supply(await bytesOf(tar.slice(want[0], want[0] + want[1])));
          if (err) return failure((source.name || 'the tar') + ': ' + err);
        }
        const listed = JSON.parse(index.finish());
        if (!listed.ok) return failure((source.name || 'the tar') + ': ' + listed.error.message);
        listing = listed.files;
      } finally {
        index.free();
      }
      read = (_path, offset, len) => tar.slice(offset, offset + len);
    } else {
      const byPath = new Map(source.files.map((f) => [f.path, f.blob]));
      listing = source.files.map((f) => ({ path: f.path, offset: 0, size: f.blob.size }));
      read = (path, offset, len) => byPath.get(path).slice(offset, offset + len);
    }
    let walk;
    try {
      walk = m.openLayout(JSON.stringify(listing), source.name || 'layout', options.tag || undefined, !!options.checkBinaries);
    } catch (e) {
      return failure(e && e.message ? e.message : e);
    }
    try {
      for (;;) {
        const step = JSON.parse(walk.next());
        if (!step.ok) return step;
        if (step.step === 'done') break;
        const blob = read(step.path, step.offset, step.len);
        if (step.step === 'read') {
          let bytes;
          try {
            bytes = await bytesOf(blob);
          } catch (e) {
            const err = walk.fail(step.path + ': ' + (e && e.message ? e.message : e));
            if (err) return failure(err);
            continue;
          }
          const err = walk.supply(bytes);
          if (err) return failure(err);
        } else {
          try {
            for (let at = 0; at < blob.size; at += CHUNK) walk.feed(await bytesOf(blob.slice(at, at + CHUNK)));
            walk.endStream();
          } catch (e) {
            const err = walk.fail(step.path + ': ' + (e && e.message ? e.message : e));
            if (err) return failure(err);
          }
        }
      }
      const checked = JSON.parse(walk.report());
      if (!checked.ok) return checked;
      const compared = JSON.parse(walk.compare(!!options.attestations));
      return {
        ok: true,
        report: checked.report,
        lines: checked.lines,
        exitCode: checked.exitCode,
        comparison: compared.comparison,
        table: compared.table,
      };
    } finally {
      walk.free();
    }
  }
