//! Which digest a manifest has, and whether the registry's bytes and headers agree with it: the
//! checks of a fetched manifest (against a digest reference and `Docker-Content-Digest`) and of
//! a pushed one (against the reference pushed to and the digest the registry says it stored).
//!
//! These decide whether content is trusted, so they are pure and tested here; the client only
//! hands over the bytes and the header and words a mismatch for the user.

use crate::digest::Digest;

/// Which check a manifest failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The bytes do not hash to the digest the reference named (`name@<digest>`).
    Reference { expected: Digest, computed: Digest },
    /// A manifest fetched by tag does not hash to the registry's `Docker-Content-Digest`.
    Header { expected: Digest, computed: Digest },
    /// After a push, the registry says it stored a different digest (same algorithm) than the
    /// bytes sent have.
    Stored { ours: Digest, theirs: Digest },
}

/// The digest of a fetched manifest. A digest `reference` must match the bytes (in its own
/// algorithm); otherwise a parseable `Docker-Content-Digest` header in an algorithm manifold can
/// compute must match. The digest returned is the reference's, else the bytes' sha256.
pub fn verify_fetched_manifest(
    reference: &str,
    bytes: &[u8],
    header: Option<&str>,
) -> Result<Digest, Mismatch> {
    if let Ok(d) = Digest::parse(reference) {
        let computed =
            Digest::compute(&d.algorithm(), bytes).unwrap_or_else(|| Digest::sha256(bytes));
        if computed != d {
            return Err(Mismatch::Reference {
                expected: d,
                computed,
            });
        }
        return Ok(d);
    }
    if let Some(h) = header.and_then(|h| Digest::parse(h.trim()).ok()) {
        if let Some(computed) = Digest::compute(&h.algorithm(), bytes) {
            if computed != h {
                return Err(Mismatch::Header {
                    expected: h,
                    computed,
                });
            }
        }
    }
    Ok(Digest::sha256(bytes))
}

/// The digest of a manifest pushed to `reference` with `bytes`, given the registry's
/// `Docker-Content-Digest` answer. A digest reference must match the bytes; a header in the
/// same algorithm must agree (one in another algorithm cannot be compared and is not).
pub fn verify_pushed_manifest(
    reference: &str,
    bytes: &[u8],
    header: Option<&str>,
) -> Result<Digest, Mismatch> {
    let ours = match Digest::parse(reference) {
        Ok(d) => {
            d.verify(bytes).map_err(|_| Mismatch::Reference {
                expected: d.clone(),
                computed: Digest::sha256(bytes),
            })?;
            d
        }
        Err(_) => Digest::sha256(bytes),
    };
    if let Some(theirs) = header.and_then(|v| Digest::parse(v).ok()) {
        if theirs.algorithm() == ours.algorithm() && theirs != ours {
            return Err(Mismatch::Stored { ours, theirs });
        }
    }
    Ok(ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetched_manifests() {
        let b = b"{}";
        let d = Digest::sha256(b);
        let other = Digest::sha256(b"x");
        assert_eq!(verify_fetched_manifest(d.as_str(), b, None).unwrap(), d);
        // by digest: the reference decides, the header is not consulted
        assert_eq!(
            verify_fetched_manifest(d.as_str(), b, Some(other.as_str())).unwrap(),
            d
        );
        assert_eq!(
            verify_fetched_manifest(other.as_str(), b, None),
            Err(Mismatch::Reference {
                expected: other.clone(),
                computed: d.clone()
            })
        );
        // by tag: the header must agree when it is there and readable
        assert_eq!(
            verify_fetched_manifest("v1", b, Some(other.as_str())),
            Err(Mismatch::Header {
                expected: other.clone(),
                computed: d.clone()
            })
        );
        assert_eq!(
            verify_fetched_manifest("v1", b, Some(&format!(" {d} "))).unwrap(),
            d
        );
        assert_eq!(verify_fetched_manifest("v1", b, None).unwrap(), d);
        assert_eq!(verify_fetched_manifest("v1", b, Some("junk")).unwrap(), d);
    }

    #[test]
    fn pushed_manifests() {
        let b = b"{}";
        let d = Digest::sha256(b);
        let other = Digest::sha256(b"x");
        assert_eq!(verify_pushed_manifest("v1", b, None).unwrap(), d);
        assert_eq!(
            verify_pushed_manifest(d.as_str(), b, Some(d.as_str())).unwrap(),
            d
        );
        assert_eq!(
            verify_pushed_manifest(other.as_str(), b, None),
            Err(Mismatch::Reference {
                expected: other.clone(),
                computed: d.clone()
            })
        );
        assert_eq!(
            verify_pushed_manifest("v1", b, Some(other.as_str())),
            Err(Mismatch::Stored {
                ours: d.clone(),
                theirs: other.clone()
            })
        );
        let sha512 = Digest::compute(&crate::digest::Algorithm::Sha512, b).unwrap();
        assert_eq!(
            verify_pushed_manifest("v1", b, Some(sha512.as_str())).unwrap(),
            d,
            "another algorithm is not compared"
        );
    }
}
