//! (being written) — temporary surface so dependants compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
    pub severity: Severity,
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Auto,
    Index,
    Manifest,
    Descriptor,
    ManifestList,
    DockerManifest,
}
impl DocumentKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }
}
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub valid: bool,
    pub kind: &'static str,
    pub digest: String,
    pub size: u64,
    pub problems: Vec<Problem>,
}
pub fn validate(bytes: &[u8], _kind: DocumentKind) -> Report {
    Report {
        valid: true,
        kind: "auto",
        digest: crate::Digest::sha256(bytes).to_string(),
        size: bytes.len() as u64,
        problems: vec![],
    }
}
