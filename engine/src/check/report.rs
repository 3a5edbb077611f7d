//! What a check found, and what it means for the exit code.
//!
//! A finding names its place the way a person follows the list (`manifests[1] linux/arm64 →
//! config.architecture`), so the same line reads well in a terminal, in CI logs and on the
//! page. The verdict is decided here (not in the command) so the plugin and the page agree with
//! the exit code CI sees.

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is wrong with the list or what it points at.
    Error,
    /// Something other tools read differently, or a SHOULD broken; does not fail the check.
    Warning,
    /// Something could not be looked at (network, auth, a refused request).
    Unchecked,
}

/// Which rule a finding comes from; stable names for `--json` consumers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The validator's rules for one document.
    Document,
    /// A body whose bytes do not hash to the digest that named it.
    Digest,
    /// A body whose length is not the size its descriptor gave.
    Size,
    /// A member, config, layer or subject the store does not have.
    Missing,
    /// An entry's platform differs from its image's config.
    Platform,
    /// A config that cannot be read, or disagrees with its manifest.
    Config,
    /// An attestation that names no image of the list.
    Attestation,
    /// An artifact's subject that is not there.
    Subject,
    /// Two entries nothing tells apart.
    Duplicate,
    /// An index no platform can run.
    Runnable,
    /// An executable built for another machine than the image's.
    Binary,
    /// Something the host could not fetch.
    Fetch,
}

/// One thing found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Where, from the root: `manifests[1] linux/arm64 → config.architecture`; empty for the
    /// root document itself.
    pub path: String,
    pub severity: Severity,
    pub rule: Rule,
    /// What is wrong and what to do, in a sentence.
    pub message: String,
    /// The digest the finding is about, when it is about one body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// How much was looked at, so "clean" can be read as "clean after checking N things".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub indexes: usize,
    pub manifests: usize,
    pub configs: usize,
    /// Blobs asked about or fetched (layers, artifact configs).
    pub blobs: usize,
    /// Layers whose executables were compared.
    pub layers_scanned: usize,
    pub executables: usize,
}

/// The outcome, and the exit code it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing wrong (warnings allowed): exit 0.
    Clean,
    /// At least one error: exit 1. Wins over "could not check": a broken list is broken
    /// whatever else could not be fetched.
    Problems,
    /// No error found, but something could not be checked: exit 2.
    Unchecked,
}

impl Verdict {
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Clean => 0,
            Verdict::Problems => 1,
            Verdict::Unchecked => 2,
        }
    }
}

/// Everything a check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// What was checked, as the user named it.
    pub reference: String,
    /// The root document's digest (of the bytes supplied).
    pub digest: String,
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub verdict: Verdict,
    /// Errors first, then warnings, then what could not be checked; in walk order within each.
    pub findings: Vec<Finding>,
    pub counts: Counts,
}

impl CheckReport {
    pub(crate) fn new(
        reference: String,
        digest: String,
        media_type: String,
        mut findings: Vec<Finding>,
        counts: Counts,
    ) -> CheckReport {
        findings.sort_by_key(|f| f.severity); // stable: walk order kept within a severity
        let verdict = if findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::Problems
        } else if findings.iter().any(|f| f.severity == Severity::Unchecked) {
            Verdict::Unchecked
        } else {
            Verdict::Clean
        };
        CheckReport {
            reference,
            digest,
            media_type,
            verdict,
            findings,
            counts,
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }

    /// The report as text lines, one per finding, then the verdict: what the command prints and
    /// the page shows.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.findings.len() + 1);
        for f in &self.findings {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Unchecked => "not checked",
            };
            if f.path.is_empty() {
                out.push(format!("{level}: {}", f.message));
            } else {
                out.push(format!("{level}: {}: {}", f.path, f.message));
            }
        }
        let c = &self.counts;
        let mut looked = format!(
            "{} index(es), {} manifest(s), {} config(s), {} blob(s)",
            c.indexes, c.manifests, c.configs, c.blobs
        );
        if c.layers_scanned > 0 {
            looked.push_str(&format!(
                ", {} executable(s) in {} layer(s)",
                c.executables, c.layers_scanned
            ));
        }
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        out.push(match self.verdict {
            Verdict::Clean => format!(
                "{}: ok ({looked} checked{})",
                self.reference,
                match count(Severity::Warning) {
                    0 => String::new(),
                    n => format!("; {n} warning(s)"),
                }
            ),
            Verdict::Problems => format!(
                "{}: {} problem(s) found ({looked} checked)",
                self.reference,
                count(Severity::Error)
            ),
            Verdict::Unchecked => format!(
                "{}: could not check everything: {} item(s) not fetched ({looked} checked)",
                self.reference,
                count(Severity::Unchecked)
            ),
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(severity: Severity, path: &str) -> Finding {
        Finding {
            path: path.into(),
            severity,
            rule: Rule::Fetch,
            message: "m".into(),
            digest: None,
        }
    }

    #[test]
    fn verdicts_and_order() {
        let r = |fs| CheckReport::new("r".into(), "d".into(), "t".into(), fs, Counts::default());
        assert_eq!(r(vec![]).exit_code(), 0);
        assert_eq!(r(vec![f(Severity::Warning, "a")]).exit_code(), 0);
        assert_eq!(r(vec![f(Severity::Unchecked, "a")]).exit_code(), 2);
        let mixed = r(vec![
            f(Severity::Unchecked, "u"),
            f(Severity::Warning, "w"),
            f(Severity::Error, "e1"),
            f(Severity::Error, "e2"),
        ]);
        assert_eq!(
            mixed.exit_code(),
            1,
            "problems found win over could-not-check"
        );
        let paths: Vec<_> = mixed.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["e1", "e2", "w", "u"]);
        let lines = mixed.lines();
        assert_eq!(lines[0], "error: e1: m");
        assert_eq!(lines[3], "not checked: u: m");
        assert!(
            lines[4].starts_with("r: 2 problem(s) found"),
            "{}",
            lines[4]
        );
        assert!(r(vec![]).lines()[0].starts_with("r: ok ("));
    }
}
