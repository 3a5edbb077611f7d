//! Content digests as the OCI descriptor grammar defines them (`algorithm ":" encoded`).
//!
//! The grammar is checked for every algorithm; the registered ones (sha256, sha512, and
//! blake3 from image-spec main) also get their hex length and case checked, and only those
//! can be computed and verified. Anything else that fits the grammar is kept as it is,
//! because the spec asks implementations to let unknown algorithms through.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

/// A digest algorithm. `Other` holds an algorithm that fits the grammar but is not registered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    Sha256,
    Sha512,
    Blake3,
    Other(String),
}

impl Algorithm {
    pub fn as_str(&self) -> &str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
            Algorithm::Blake3 => "blake3",
            Algorithm::Other(s) => s,
        }
    }

    /// The length of the lower-case hex encoding for a registered algorithm.
    pub fn hex_len(&self) -> Option<usize> {
        match self {
            Algorithm::Sha256 | Algorithm::Blake3 => Some(64),
            Algorithm::Sha512 => Some(128),
            Algorithm::Other(_) => None,
        }
    }

    pub fn is_registered(&self) -> bool {
        !matches!(self, Algorithm::Other(_))
    }

    fn from_name(s: &str) -> Algorithm {
        match s {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            "blake3" => Algorithm::Blake3,
            other => Algorithm::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        if !valid_algorithm(s) {
            return Err(DigestError::BadAlgorithm(s.to_string()));
        }
        Ok(Algorithm::from_name(s))
    }
}

/// A parsed digest; it keeps the exact text it was parsed from.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    text: String,
    colon: usize,
}

/// Why a string is not a digest. Each message says what is wrong and what is expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigestError {
    Empty,
    MissingColon(String),
    BadAlgorithm(String),
    EmptyEncoded(String),
    BadEncoded(String),
    WrongLength {
        algorithm: String,
        expected: usize,
        found: usize,
    },
    UpperCaseHex(String),
    NotHex(String),
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::Empty => write!(f, "digest is empty; expected algorithm:hex, e.g. sha256:<64 hex digits>"),
            DigestError::MissingColon(s) => write!(f, "digest {s:?} has no ':'; expected algorithm:encoded, e.g. sha256:<64 hex digits>"),
            DigestError::BadAlgorithm(a) => write!(f, "digest algorithm {a:?} is invalid; expected lower-case letters and digits separated by + . _ or -"),
            DigestError::EmptyEncoded(s) => write!(f, "digest {s:?} has nothing after ':'"),
            DigestError::BadEncoded(s) => write!(f, "digest {s:?} has characters outside [a-zA-Z0-9=_-] after ':'"),
            DigestError::WrongLength { algorithm, expected, found } => write!(f, "{algorithm} digest has {found} hex digits; expected {expected}"),
            DigestError::UpperCaseHex(s) => write!(f, "digest {s:?} uses upper-case hex; registered algorithms require lower-case"),
            DigestError::NotHex(s) => write!(f, "digest {s:?} is not hex; registered algorithms require lower-case hex"),
        }
    }
}

impl std::error::Error for DigestError {}

fn valid_algorithm(s: &str) -> bool {
    // algorithm ::= component (separator component)*, component ::= [a-z0-9]+, separator ::= [+._-]
    if s.is_empty() {
        return false;
    }
    let mut prev_sep = true;
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => prev_sep = false,
            b'+' | b'.' | b'_' | b'-' => {
                if prev_sep {
                    return false;
                }
                prev_sep = true;
            }
            _ => return false,
        }
    }
    !prev_sep
}

impl Digest {
    /// Parses and checks a digest: the grammar always, hex length and case for registered algorithms.
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        if s.is_empty() {
            return Err(DigestError::Empty);
        }
        let colon = s
            .find(':')
            .ok_or_else(|| DigestError::MissingColon(s.to_string()))?;
        let (alg, enc) = (&s[..colon], &s[colon + 1..]);
        if !valid_algorithm(alg) {
            return Err(DigestError::BadAlgorithm(alg.to_string()));
        }
        if enc.is_empty() {
            return Err(DigestError::EmptyEncoded(s.to_string()));
        }
        if !enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-')
        {
            return Err(DigestError::BadEncoded(s.to_string()));
        }
        let algorithm = Algorithm::from_name(alg);
        if let Some(len) = algorithm.hex_len() {
            if !enc.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DigestError::NotHex(s.to_string()));
            }
            if enc.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(DigestError::UpperCaseHex(s.to_string()));
            }
            if enc.len() != len {
                return Err(DigestError::WrongLength {
                    algorithm: alg.to_string(),
                    expected: len,
                    found: enc.len(),
                });
            }
        }
        Ok(Digest {
            text: s.to_string(),
            colon,
        })
    }

    /// The digest of `bytes` with a registered algorithm.
    pub fn compute(algorithm: &Algorithm, bytes: &[u8]) -> Option<Digest> {
        let mut h = Hasher::new(algorithm)?;
        h.update(bytes);
        Some(h.finish())
    }

    /// `sha256:<hex>` of `bytes`: the digest of every document the tool authors.
    pub fn sha256(bytes: &[u8]) -> Digest {
        Digest::from_parts(Algorithm::Sha256, &hex::encode(sha2::Sha256::digest(bytes)))
    }

    fn from_parts(algorithm: Algorithm, hex: &str) -> Digest {
        let alg = algorithm.as_str();
        Digest {
            text: format!("{alg}:{hex}"),
            colon: alg.len(),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        Algorithm::from_name(&self.text[..self.colon])
    }

    pub fn algorithm_str(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The part after the colon (the hex for registered algorithms).
    pub fn encoded(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Checks `bytes` against this digest.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), VerifyError> {
        let computed = Digest::compute(&self.algorithm(), bytes)
            .ok_or_else(|| VerifyError::Unverifiable(self.algorithm_str().to_string()))?;
        if &computed == self {
            Ok(())
        } else {
            Err(VerifyError::Mismatch {
                expected: self.clone(),
                computed,
            })
        }
    }
}

/// Why content does not verify against a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    Mismatch { expected: Digest, computed: Digest },
    Unverifiable(String),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Mismatch { expected, computed } => {
                write!(
                    f,
                    "content digest mismatch: expected {expected}, computed {computed}"
                )
            }
            VerifyError::Unverifiable(a) => write!(
                f,
                "digest algorithm {a:?} is not registered, so the content cannot be verified"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Incremental hashing for content that arrives in pieces (blobs streamed by the shim).
/// `Clone` keeps the state at a point of the stream: an upload resumed in the middle of a
/// chunk goes on from the state at the chunk's start.
#[derive(Clone)]
pub struct Hasher {
    inner: HasherInner,
}

#[derive(Clone)]
enum HasherInner {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Blake3(Box<blake3::Hasher>),
}

impl Hasher {
    /// A hasher for a registered algorithm; `None` for any other.
    pub fn new(algorithm: &Algorithm) -> Option<Hasher> {
        let inner = match algorithm {
            Algorithm::Sha256 => HasherInner::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => HasherInner::Sha512(sha2::Sha512::new()),
            Algorithm::Blake3 => HasherInner::Blake3(Box::new(blake3::Hasher::new())),
            Algorithm::Other(_) => return None,
        };
        Some(Hasher { inner })
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.inner {
            HasherInner::Sha256(h) => h.update(bytes),
            HasherInner::Sha512(h) => h.update(bytes),
            HasherInner::Blake3(h) => {
                h.update(bytes);
            }
        }
    }

    pub fn finish(self) -> Digest {
        match self.inner {
            HasherInner::Sha256(h) => {
                Digest::from_parts(Algorithm::Sha256, &hex::encode(h.finalize()))
            }
            HasherInner::Sha512(h) => {
                Digest::from_parts(Algorithm::Sha512, &hex::encode(h.finalize()))
            }
            HasherInner::Blake3(h) => Digest::from_parts(Algorithm::Blake3, &h.finalize().to_hex()),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.text)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        Digest::parse(s)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY_SHA256: &str =
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn sha256_of_empty_is_the_well_known_value() {
        assert_eq!(Digest::sha256(b"").as_str(), EMPTY_SHA256);
    }

    #[test]
    fn sha512_and_blake3_compute_known_values() {
        let d = Digest::compute(&Algorithm::Sha512, b"abc").unwrap();
        assert!(d.as_str().starts_with("sha512:ddaf35a193617aba"));
        let b = Digest::compute(&Algorithm::Blake3, b"").unwrap();
        assert_eq!(
            b.as_str(),
            "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn parse_accepts_registered_and_unknown_algorithms() {
        assert!(Digest::parse(EMPTY_SHA256).is_ok());
        let d = Digest::parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")
            .unwrap();
        assert_eq!(d.algorithm(), Algorithm::Other("multihash+base58".into()));
        assert!(Digest::parse("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564").is_ok());
    }

    #[test]
    fn parse_names_each_kind_of_mistake() {
        assert_eq!(Digest::parse(""), Err(DigestError::Empty));
        assert!(matches!(
            Digest::parse("sha256"),
            Err(DigestError::MissingColon(_))
        ));
        assert!(matches!(
            Digest::parse("SHA256:abc"),
            Err(DigestError::BadAlgorithm(_))
        ));
        assert!(matches!(
            Digest::parse("sha256+:abc"),
            Err(DigestError::BadAlgorithm(_))
        ));
        assert!(matches!(
            Digest::parse("sha256:"),
            Err(DigestError::EmptyEncoded(_))
        ));
        assert!(matches!(
            Digest::parse("foo:a/b"),
            Err(DigestError::BadEncoded(_))
        ));
        assert!(matches!(
            Digest::parse("sha256:abc"),
            Err(DigestError::WrongLength {
                expected: 64,
                found: 3,
                ..
            })
        ));
        let upper = EMPTY_SHA256.to_uppercase().replace("SHA256", "sha256");
        assert!(matches!(
            Digest::parse(&upper),
            Err(DigestError::UpperCaseHex(_))
        ));
        assert!(matches!(
            Digest::parse(&format!("sha512:{}", "g".repeat(128))),
            Err(DigestError::NotHex(_))
        ));
        assert!(matches!(
            Digest::parse(&format!("sha512:{}", "a".repeat(64))),
            Err(DigestError::WrongLength { expected: 128, .. })
        ));
    }

    #[test]
    fn verify_reports_both_digests_on_mismatch() {
        let d = Digest::sha256(b"one");
        assert!(d.verify(b"one").is_ok());
        let err = d.verify(b"two").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(d.as_str()) && msg.contains(Digest::sha256(b"two").as_str()),
            "{msg}"
        );
        let other = Digest::parse("foo:bar").unwrap();
        assert!(matches!(
            other.verify(b"x"),
            Err(VerifyError::Unverifiable(_))
        ));
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut h = Hasher::new(&Algorithm::Sha256).unwrap();
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), Digest::sha256(b"hello world"));
    }

    #[test]
    fn a_clone_goes_on_from_where_it_was_taken() {
        for alg in [Algorithm::Sha256, Algorithm::Sha512, Algorithm::Blake3] {
            let mut h = Hasher::new(&alg).unwrap();
            h.update(b"hello ");
            let mut at_start = h.clone();
            h.update(b"wor");
            at_start.update(b"world");
            h.update(b"ld");
            assert_eq!(at_start.finish(), h.finish(), "{alg:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,200}") {
            let _ = Digest::parse(&s);
        }

        #[test]
        fn display_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let d = Digest::sha256(&bytes);
            prop_assert_eq!(Digest::parse(d.as_str()).unwrap(), d.clone());
            prop_assert!(d.verify(&bytes).is_ok());
        }
    }
}
