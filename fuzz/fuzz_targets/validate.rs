//! Document validation of every kind: any bytes give a report, never a panic, and a report
//! that says "valid" has no error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manifold_engine::validate::{validate, DocumentKind, Severity};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the kind, the rest is the document.
    let Some((&k, doc)) = data.split_first() else {
        return;
    };
    let kind = DocumentKind::ALL[k as usize % DocumentKind::ALL.len()];
    let report = validate(doc, kind);
    let errors = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    assert_eq!(report.valid, errors == 0, "valid must mean no errors");
    assert_eq!(report.size as usize, doc.len());
    for p in &report.problems {
        if let Some((a, b)) = p.span {
            assert!(a <= b && b <= doc.len(), "span {a}..{b} outside the document");
        }
    }
});
