//! The finding model: severities, statuses, evidence, remediation and what one rule found.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

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
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseError::Unknown {
                what: "severity",
                value: s.to_string(),
                expected: "critical, high, medium, low or info".into(),
            }),
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

/// One problem a checker found: its own message, what it is about, where, and how bad when
/// that differs from the rule's default. The engine reports one finding per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, one line.
    pub message: String,
    /// What this problem is about: the unit, port, path, user or setting (`tcp/8080`,
    /// `PermitRootLogin`, `alice`). Ignores may name it; two problems of one rule never share one.
    pub subject: Option<String>,
    /// Where it was found.
    pub evidence: Vec<Evidence>,
    /// Severity when it differs from the rule's default.
    pub severity: Option<Severity>,
    /// The exact NixOS configuration that fixes this problem, when it differs from the rule's
    /// generic fix.
    pub nixos: Option<String>,
}

impl Problem {
    /// A problem with a message and nothing else.
    pub fn new(message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            subject: None,
            evidence: Vec::new(),
            severity: None,
            nixos: None,
        }
    }

    /// A problem about `subject`.
    pub fn about(subject: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::new(message).subject(subject)
    }

    /// Set what the problem is about.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Add evidence.
    #[must_use]
    pub fn with_evidence(mut self, more: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(more);
        self
    }

    /// Set the severity.
    #[must_use]
    pub fn with_severity(mut self, sev: Severity) -> Self {
        self.severity = Some(sev);
        self
    }

    /// Set the severity when `sev` is `Some`.
    #[must_use]
    pub fn with_severity_opt(mut self, sev: Option<Severity>) -> Self {
        if sev.is_some() {
            self.severity = sev;
        }
        self
    }

    /// Set the exact NixOS fix.
    #[must_use]
    pub fn with_fix(mut self, nixos: impl Into<String>) -> Self {
        self.nixos = Some(nixos.into());
        self
    }
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
    /// The bad state was found: one or more problems (never empty).
    Fail {
        /// Each problem, reported as its own finding.
        problems: Vec<Problem>,
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
    /// A failure with one problem; add evidence with [`Outcome::with_evidence`].
    pub fn fail(message: impl Into<String>) -> Self {
        Outcome::Fail {
            problems: vec![Problem::new(message)],
        }
    }
    /// A failure with one problem about `subject`.
    pub fn fail_about(subject: impl Into<String>, message: impl Into<String>) -> Self {
        Outcome::Fail {
            problems: vec![Problem::about(subject, message)],
        }
    }
    /// A failure with these problems, or `pass()` when there are none.
    pub fn problems_or(problems: Vec<Problem>, pass: impl FnOnce() -> Outcome) -> Self {
        if problems.is_empty() {
            pass()
        } else {
            Outcome::Fail { problems }
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

    /// Add evidence: to a pass or an error, or to every problem of a failure (ignored for
    /// `Skip`).
    #[must_use]
    pub fn with_evidence(mut self, more: impl IntoIterator<Item = Evidence>) -> Self {
        match &mut self {
            Outcome::Pass { evidence, .. } | Outcome::Error { evidence, .. } => {
                evidence.extend(more);
            }
            Outcome::Fail { problems } => {
                let more: Vec<Evidence> = more.into_iter().collect();
                for p in problems {
                    p.evidence.extend(more.iter().cloned());
                }
            }
            Outcome::Skip { .. } => {}
        }
        self
    }

    /// Set the severity of every problem of a failure that has none of its own (no effect on
    /// other outcomes).
    #[must_use]
    pub fn with_severity(mut self, sev: Severity) -> Self {
        if let Outcome::Fail { problems } = &mut self {
            for p in problems {
                p.severity.get_or_insert(sev);
            }
        }
        self
    }

    /// Set the subject of every problem of a failure that has none.
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        if let Outcome::Fail { problems } = &mut self {
            let subject = subject.into();
            for p in problems {
                p.subject.get_or_insert_with(|| subject.clone());
            }
        }
        self
    }

    /// Set the exact NixOS fix of every problem of a failure that has none.
    #[must_use]
    pub fn with_fix(mut self, nixos: impl Into<String>) -> Self {
        if let Outcome::Fail { problems } = &mut self {
            let nixos = nixos.into();
            for p in problems {
                p.nixos.get_or_insert_with(|| nixos.clone());
            }
        }
        self
    }

    /// The problems of a failure (empty for other outcomes).
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        match self {
            Outcome::Fail { problems } => problems,
            _ => &[],
        }
    }

    /// The message of a pass, skip or error, or the messages of a failure's problems joined
    /// with newlines (for tests and logs).
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Outcome::Pass { message, .. } => message.clone(),
            Outcome::Skip { reason } | Outcome::Error { reason, .. } => reason.clone(),
            Outcome::Fail { problems } => problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        }
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

/// One result: a problem of a failing rule, or a rule's pass, skip or error. What every
/// renderer consumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Catalogue id, such as `NIX-012`.
    pub rule: String,
    /// Catalogue title.
    pub title: String,
    /// Section name, such as `multi-user`.
    pub section: String,
    /// What this finding is about (the unit, port, path, user or setting), for a failure of a
    /// rule that can find several problems; ignores may name it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subject: Option<String>,
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
            Outcome::Fail { problems } => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].evidence.len(), 1);
                assert_eq!(problems[0].severity, Some(Severity::Critical));
            }
            _ => panic!("not a failure"),
        }
        assert_eq!(
            Outcome::skip("n/a").with_severity(Severity::High).status(),
            Status::Skip
        );
    }
}
