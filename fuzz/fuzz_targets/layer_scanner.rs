//! Layers: never a panic. The first byte picks the compression and the chunk size, the rest is
//! the layer; the same bytes fed in one piece and in chunks give the same answer, and the tar
//! reader alone agrees with the scanner on plain layers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::archive::{Compression, LayerScanner, TarReader};

fuzz_target!(|data: &[u8]| {
    let Some((&first, layer)) = data.split_first() else {
        return;
    };
    let compression = match first % 4 {
        0 => Compression::None,
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => Compression::sniff(layer),
    };
    let chunk = usize::from(first / 4) + 1;
    let whole = {
        let mut s = LayerScanner::with_compression(compression);
        s.feed(layer).and_then(|()| s.finish())
    };
    let chunked = {
        let mut s = LayerScanner::with_compression(compression);
        layer.chunks(chunk).try_for_each(|c| s.feed(c)).and_then(|()| s.finish())
    };
    assert_eq!(whole, chunked);
    if compression == Compression::None {
        let mut t = TarReader::new();
        let mut entries = 0u64;
        let r = t.feed(layer, &mut |_| entries += 1).and_then(|()| t.finish());
        assert_eq!(r.is_ok(), whole.is_ok());
    }
});
