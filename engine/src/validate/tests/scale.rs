//! Scale: a ten-thousand-entry index (over 2.5 MB) validates cleanly with every entry read, the
//! guard against quadratic work creeping into the duplicate search or the problem ordering.

use super::*;

fn big_index(n: usize) -> String {
    let mut doc = String::with_capacity(n * 320);
    doc.push_str("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n  \"manifests\": [");
    for i in 0..n {
        if i > 0 {
            doc.push(',');
        }
        let digest = Digest::sha256(&(i as u64).to_le_bytes());
        doc.push_str(&format!(
            "\n    {{\n      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n      \"digest\": \"{digest}\",\n      \"size\": {},\n      \"platform\": {{\n        \"architecture\": \"amd64\",\n        \"os\": \"windows\",\n        \"os.version\": \"10.0.{i}\"\n      }},\n      \"annotations\": {{\n        \"org.opencontainers.image.ref.name\": \"v{i}\"\n      }}\n    }}",
            1000 + i
        ));
    }
    doc.push_str("\n  ]\n}\n");
    doc
}

#[test]
fn a_ten_thousand_entry_index_validates_quickly() {
    let doc = big_index(10_000);
    assert!(doc.len() > 2_500_000, "{}", doc.len());
    let r = auto(&doc);
    assert!(
        r.problems.is_empty(),
        "{:#?}",
        &r.problems[..r.problems.len().min(5)]
    );
    assert_eq!(r.entries.len(), 10_000);
    assert_eq!(r.entries[9_999].size, 10_999);
}
