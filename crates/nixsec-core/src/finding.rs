//! The finding model: severities, statuses, evidence, remediation and what one rule found.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a failing rule is. Ordered, so `--fail-on high` is a plain `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no points in the hardening index.
    Info,
    /// Minor hardening gap.
    Low,
    /// A real weakness that needs another fault to be exploited.
    Medium,
    /// Directly exploitable or a broken security boundary.
    High,
    /// Root-equivalent access or a compromised trust chain.
    Critical,
}

impl Severity {
    /// All severities, most severe first (the order reports list them in).
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name used in JSON, configuration and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Points a rule of this severity is worth in the hardening index (lynis-style weights
    /// suggested by the rule catalogue).
    #[must_use]
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 10,
            Severity::High => 5,
            Severity::Medium => 3,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// The result of one rule on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The bad state was found; `evidence` says where.
    Fail,
    /// The check could not run; the message says why. Never counted as a pass.
    Error,
    /// The check ran and found nothing wrong.
    Pass,
    /// The rule does not apply to this host; the message says why.
    Skip,
}

impl Status {
    /// The lowercase name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Pass => "pass",
            Status::Skip => "skip",
        }
    }
}

/// Where a result applies: a file under the root (written as an absolute path inside the root,
/// such as `/etc/nix/nix.conf`), the line, and the value observed there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Path inside the audited root, starting with `/`.
    pub path: String,
    /// 1-based line number, when the value comes from one line of a text file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// What was observed (a setting, a mode, an owner), redacted where it is a secret.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
}

impl Evidence {
    /// Evidence naming a path only.
    pub fn path(path: impl Into<String>) -> Self {
        Evidence {
            path: path.into(),
            line: None,
            value: None,
        }
    }

    /// Evidence with an observed value.
    pub fn value(path: impl Into<String>, value: impl Into<String>) -> Self {
        Evidence {
            path: path.into(),
            line: None,
            value: Some(value.into()),
        }
    }

    /// Evidence at a line with an observed value.
    pub fn line(path: impl Into<String>, line: u32, value: impl Into<String>) -> Self {
        Evidence {
            path: path.into(),
            line: Some(line),
            value: Some(value.into()),
        }
    }
}

/// How to fix a failing rule: prose, and the NixOS configuration that applies the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// What to do, in words.
    pub text: String,
    /// The NixOS configuration snippet (or the host command where no option exists).
    pub nixos: String,
}

/// What a rule's check returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong found.
    Pass {
        /// What was checked and seen.
        message: String,
        /// Where it was seen.
        evidence: Vec<Evidence>,
    },
    /// The bad state was found.
    Fail {
        /// What is wrong, one line.
        message: String,
        /// Where it was found.
        evidence: Vec<Evidence>,
        /// Severity for this result when it differs from the rule's default.
        severity: Option<Severity>,
    },
    /// The rule does not apply here.
    Skip {
        /// Why not (e.g. "not a NixOS system").
        reason: String,
    },
    /// The check could not run.
    Error {
        /// Why not, naming the file and the problem.
        reason: String,
        /// Files involved, if any.
        evidence: Vec<Evidence>,
    },
}

impl Outcome {
    /// A pass with a message.
    pub fn pass(message: impl Into<String>) -> Self {
        Outcome::Pass {
            message: message.into(),
            evidence: Vec::new(),
        }
    }
    /// A failure with a message; add evidence with [`Outcome::with_evidence`].
    pub fn fail(message: impl Into<String>) -> Self {
        Outcome::Fail {
            message: message.into(),
            evidence: Vec::new(),
            severity: None,
        }
    }
    /// Not applicable here.
    pub fn skip(reason: impl Into<String>) -> Self {
        Outcome::Skip {
            reason: reason.into(),
        }
    }
    /// Could not run.
    pub fn error(reason: impl Into<String>) -> Self {
        Outcome::Error {
            reason: reason.into(),
            evidence: Vec::new(),
        }
    }

    /// Add evidence (ignored for `Skip`).
    #[must_use]
    pub fn with_evidence(mut self, more: impl IntoIterator<Item = Evidence>) -> Self {
        match &mut self {
            Outcome::Pass { evidence, .. }
            | Outcome::Fail { evidence, .. }
            | Outcome::Error { evidence, .. } => evidence.extend(more),
            Outcome::Skip { .. } => {}
        }
        self
    }

    /// Set the severity of a failure (no effect on other outcomes).
    #[must_use]
    pub fn with_severity(mut self, sev: Severity) -> Self {
        if let Outcome::Fail { severity, .. } = &mut self {
            *severity = Some(sev);
        }
        self
    }

    /// The status this outcome reports as.
    #[must_use]
    pub fn status(&self) -> Status {
        match self {
            Outcome::Pass { .. } => Status::Pass,
            Outcome::Fail { .. } => Status::Fail,
            Outcome::Skip { .. } => Status::Skip,
            Outcome::Error { .. } => Status::Error,
        }
    }
}

/// An ignore from `nixsec.toml` that applies to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    /// Why the finding is accepted.
    pub reason: String,
    /// Until when (ISO date), if limited.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub until: Option<String>,
}

/// One rule's result on one host: what every renderer consumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Catalogue id, such as `NIX-012`.
    pub rule: String,
    /// Catalogue title.
    pub title: String,
    /// Section name, such as `multi-user`.
    pub section: String,
    /// Effective severity (rule default, the result's own, or the configured override).
    pub severity: Severity,
    /// fail, pass, skip or error.
    pub status: Status,
    /// One line: what was found, or why the rule was skipped or could not run.
    pub message: String,
    /// Files, lines and values the result rests on.
    pub evidence: Vec<Evidence>,
    /// How to fix it.
    pub remediation: Remediation,
    /// Set when a `nixsec.toml` ignore accepts this failure.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ignored: Option<Ignored>,
}

impl Finding {
    /// True for a failure that no ignore accepts.
    #[must_use]
    pub fn is_active_failure(&self) -> bool {
        self.status == Status::Fail && self.ignored.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_from_info_to_critical() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High > Severity::Medium);
        assert!(Severity::Medium > Severity::Low);
        assert!(Severity::Low > Severity::Info);
    }

    #[test]
    fn severity_parses_case_insensitively() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn outcome_builders() {
        let o = Outcome::fail("x")
            .with_evidence([Evidence::line("/etc/nix/nix.conf", 3, "sandbox = false")])
            .with_severity(Severity::Critical);
        match o {
            Outcome::Fail {
                evidence, severity, ..
            } => {
                assert_eq!(evidence.len(), 1);
                assert_eq!(severity, Some(Severity::Critical));
            }
            _ => panic!("not a failure"),
        }
        assert_eq!(
            Outcome::skip("n/a").with_severity(Severity::High).status(),
            Status::Skip
        );
    }
}
