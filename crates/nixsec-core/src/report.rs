//! The report: findings plus a summary, the hardening index, `--fail-on` and the exit status.
//!
//! `Report` derives `Serialize`; `--format json` is exactly its serde form, documented in
//! `docs/json-output.md`. Renderers never filter and never pick the exit code: that is
//! [`Report::exit_status`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Config;
use crate::error::ParseError;
use crate::finding::{Finding, Ignored, Severity, Status};
use crate::section::Section;

/// The version of the JSON report's shape (`"schema"` in `--format json`). 2: one finding per
/// problem, with `subject`; `summary.rules` (see `docs/json-output.md`).
pub const SCHEMA: u32 = 2;

/// The tool that made the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `nixsec`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// What makes a run fail: failures at or above a severity, and optionally `error` results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn {
    /// Failures at or above this severity fail the run; `None` means none do.
    pub threshold: Option<Severity>,
    /// `error` results fail the run too.
    pub errors: bool,
}

impl Default for FailOn {
    fn default() -> Self {
        FailOn {
            threshold: Some(Severity::High),
            errors: false,
        }
    }
}

impl FromStr for FailOn {
    type Err = ParseError;
    /// A comma-separated list: one severity (`critical`…`info`) or `none`, and/or `error`.
    /// Without a severity the default threshold (`high`) stays.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = FailOn::default();
        let mut seen_level = false;
        for tok in s.split(',').map(str::trim) {
            match tok {
                "error" | "errors" => out.errors = true,
                "none" | "never" => {
                    out.threshold = None;
                    seen_level = true;
                }
                t => {
                    if seen_level {
                        return Err(ParseError::TwoSeverities(s.to_string()));
                    }
                    out.threshold = Some(t.parse().map_err(|_| ParseError::Unknown {
                        what: "fail-on level",
                        value: t.to_string(),
                        expected: "critical, high, medium, low, info, none, error".into(),
                    })?);
                    seen_level = true;
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.threshold.map_or("none", Severity::as_str);
        if self.errors {
            write!(f, "{level},error")
        } else {
            f.write_str(level)
        }
    }
}

/// How the process ends: 0, 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No failing result at or above `--fail-on`.
    Success,
    /// At least one.
    Failure,
    /// Usage error, unreadable configuration, or no check could run at all.
    Error,
    /// An exit code a compatibility mode asks for (`nixsec vulns --vulnix-exit-codes`).
    Code(u8),
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Code(c) => c,
        }
    }
}

/// Failures per severity (active, i.e. not ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// Critical failures.
    pub critical: usize,
    /// High failures.
    pub high: usize,
    /// Medium failures.
    pub medium: usize,
    /// Low failures.
    pub low: usize,
    /// Info failures.
    pub info: usize,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// The count for one severity.
    #[must_use]
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// Rules per status (a rule with several findings counts once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    /// Rules that ran.
    pub total: usize,
    /// Rules that passed.
    pub pass: usize,
    /// Rules with at least one active failure.
    pub fail: usize,
    /// Rules whose failures are all ignored.
    pub ignored: usize,
    /// Rules that did not apply.
    pub skip: usize,
    /// Rules that could not run.
    pub error: usize,
}

/// Counts, the hardening index and the outcome of `--fail-on`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Results in the report.
    pub total: usize,
    /// `pass` results.
    pub pass: usize,
    /// `fail` results not accepted by an ignore.
    pub fail: usize,
    /// `fail` results accepted by an ignore.
    pub ignored: usize,
    /// `skip` results.
    pub skip: usize,
    /// `error` results.
    pub error: usize,
    /// Active failures per severity.
    pub fail_by_severity: SeverityCounts,
    /// The same counts by rule: a rule fails when it has an active failing finding, is
    /// `ignored` when all its failing findings are ignored.
    pub rules: RuleCounts,
    /// 0–100: points of passing rules over points of evaluated rules (see the README);
    /// `null` when no weighted rule was evaluated.
    pub hardening_index: Option<u32>,
    /// The `--fail-on` in force.
    pub fail_on: String,
    /// Results that make the run fail under `--fail-on`.
    pub failing: usize,
    /// Configuration warnings: expired ignores, ignores that matched nothing.
    pub warnings: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The shape of this JSON ([`SCHEMA`]).
    pub schema: u32,
    /// The tool.
    pub tool: Tool,
    /// The audited root directory.
    pub root: String,
    /// Start time, RFC 3339.
    pub started: String,
    /// Wall time of the audit in milliseconds.
    pub duration_ms: u64,
    /// One result per problem of a failing rule, and one per rule that passed, was skipped or
    /// could not run; sorted by section, rule id and subject.
    pub findings: Vec<Finding>,
    /// Counts and verdict.
    pub summary: Summary,
}

/// Apply severity overrides and ignores from `config` as of `today`; returns warnings.
pub fn apply_config(findings: &mut [Finding], config: &Config, today: NaiveDate) -> Vec<String> {
    let mut warnings = Vec::new();
    let file = config.path.as_deref().unwrap_or("nixsec.toml");
    for f in findings.iter_mut() {
        if let Some(s) = config.severity.get(&f.rule) {
            f.severity = *s;
        }
    }
    for ig in &config.ignores {
        if let Some(until) = ig.until {
            if until < today {
                warnings.push(format!(
                    "`{file}`: line {}: the ignore of `{}` expired on {until}; the finding is reported",
                    ig.line, ig.rule
                ));
                continue;
            }
        }
        let mut matched = false;
        let subject_matches = |f: &Finding| match &ig.subject {
            None => true,
            Some(want) => f.subject.as_deref() == Some(want.as_str()),
        };
        for f in findings
            .iter_mut()
            .filter(|f| f.rule == ig.rule && subject_matches(f))
        {
            if f.status == Status::Fail {
                matched = true;
                f.ignored = Some(Ignored {
                    reason: ig.reason.clone(),
                    until: ig.until.map(|d| d.to_string()),
                });
            }
        }
        if !matched && findings.iter().any(|f| f.rule == ig.rule) {
            let what = match &ig.subject {
                Some(s) => format!("`{}` (subject `{s}`)", ig.rule),
                None => format!("`{}`", ig.rule),
            };
            warnings.push(format!(
                "`{file}`: line {}: the ignore of {what} matched no failing result; remove it",
                ig.line
            ));
        }
    }
    warnings
}

fn section_rank(name: &str) -> usize {
    Section::ALL
        .iter()
        .position(|s| s.as_str() == name)
        .unwrap_or(usize::MAX)
}

impl Report {
    /// Build a report: sorts the findings and computes the summary.
    #[must_use]
    pub fn new(
        tool: Tool,
        root: String,
        started: String,
        duration_ms: u64,
        mut findings: Vec<Finding>,
        fail_on: FailOn,
        warnings: Vec<String>,
    ) -> Report {
        // Stable: a rule's problems keep the order its checker gave them.
        findings.sort_by(|a, b| {
            (section_rank(&a.section), &a.rule).cmp(&(section_rank(&b.section), &b.rule))
        });
        let summary = summarize(&findings, fail_on, warnings);
        Report {
            schema: SCHEMA,
            tool,
            root,
            started,
            duration_ms,
            findings,
            summary,
        }
    }

    /// The exit status under `fail_on`: 2 when no check could run at all, 1 when a result
    /// fails the run, else 0.
    #[must_use]
    pub fn exit_status(&self, fail_on: FailOn) -> ExitStatus {
        exit_status(&self.findings, fail_on)
    }
}

fn fails_run(f: &Finding, fail_on: FailOn) -> bool {
    match f.status {
        Status::Fail => f.ignored.is_none() && fail_on.threshold.is_some_and(|t| f.severity >= t),
        Status::Error => fail_on.errors,
        Status::Pass | Status::Skip => false,
    }
}

/// The exit status of a set of findings (see [`Report::exit_status`]).
#[must_use]
pub fn exit_status(findings: &[Finding], fail_on: FailOn) -> ExitStatus {
    let ran = findings
        .iter()
        .any(|f| matches!(f.status, Status::Pass | Status::Fail));
    let errored = findings.iter().any(|f| f.status == Status::Error);
    if !ran && errored {
        return ExitStatus::Error;
    }
    if findings.iter().any(|f| fails_run(f, fail_on)) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// How one rule ended in a report (see [`Report::rule_verdicts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleVerdict<'a> {
    /// The rule id.
    pub rule: &'a str,
    /// Its section.
    pub section: &'a str,
    /// `fail` when one of its findings is a failure (active or ignored), else the status of its
    /// first finding.
    pub status: Status,
    /// True when it failed and every failing finding is ignored.
    pub ignored: bool,
    /// The highest severity among its active failures, else the severity of its first finding.
    pub severity: Severity,
}

impl Report {
    /// One verdict per rule of the report, in report order (the hardening index and
    /// `summary.rules` are computed from these).
    #[must_use]
    pub fn rule_verdicts(&self) -> Vec<RuleVerdict<'_>> {
        rule_verdict_list(&self.findings)
    }
}

/// How one rule ended, from its findings: its status (a rule fails when one of its findings is
/// an active failure; it is ignored when every failing finding is), and its weight in the
/// hardening index (the highest severity among its active failures, else its severity).
fn rule_verdicts(findings: &[Finding]) -> Vec<(Status, bool, Severity)> {
    rule_verdict_list(findings)
        .into_iter()
        .map(|v| (v.status, v.ignored, v.severity))
        .collect()
}

/// [`rule_verdicts`] with the rule and section named; `findings` grouped by rule.
fn rule_verdict_list(findings: &[Finding]) -> Vec<RuleVerdict<'_>> {
    let mut out: Vec<RuleVerdict<'_>> = Vec::new();
    let mut i = 0;
    while i < findings.len() {
        let rule = &findings[i].rule;
        let mut j = i;
        while j < findings.len() && findings[j].rule == *rule {
            j += 1;
        }
        let group = &findings[i..j];
        let active: Vec<&Finding> = group.iter().filter(|f| f.is_active_failure()).collect();
        let verdict = if let Some(worst) = active.iter().map(|f| f.severity).max() {
            (Status::Fail, false, worst)
        } else if group.iter().any(|f| f.status == Status::Fail) {
            (Status::Fail, true, group[0].severity)
        } else {
            (group[0].status, false, group[0].severity)
        };
        out.push(RuleVerdict {
            rule,
            section: &findings[i].section,
            status: verdict.0,
            ignored: verdict.1,
            severity: verdict.2,
        });
        i = j;
    }
    out
}

/// The hardening index: `round(100 × earned / possible)`, where each evaluated rule (pass,
/// fail or error; not skipped, not entirely ignored) adds its weight to `possible` and a passing
/// rule adds it to `earned`. A rule counts once however many problems it found, with the weight
/// of its worst active problem. `None` when `possible` is 0. `findings` are grouped by rule
/// (as [`Report::new`] sorts them).
#[must_use]
pub fn hardening_index(findings: &[Finding]) -> Option<u32> {
    let mut earned = 0u32;
    let mut possible = 0u32;
    for (status, ignored, severity) in rule_verdicts(findings) {
        if ignored {
            continue;
        }
        let w = severity.weight();
        match status {
            Status::Pass => {
                earned += w;
                possible += w;
            }
            Status::Fail | Status::Error => possible += w,
            Status::Skip => {}
        }
    }
    if possible == 0 {
        None
    } else {
        Some((f64::from(earned) * 100.0 / f64::from(possible)).round() as u32)
    }
}

/// Counts and the `--fail-on` verdict of a set of findings.
pub(crate) fn summarize(findings: &[Finding], fail_on: FailOn, warnings: Vec<String>) -> Summary {
    let mut s = Summary {
        total: findings.len(),
        fail_on: fail_on.to_string(),
        warnings,
        ..Summary::default()
    };
    for f in findings {
        match f.status {
            Status::Pass => s.pass += 1,
            Status::Skip => s.skip += 1,
            Status::Error => s.error += 1,
            Status::Fail if f.ignored.is_some() => s.ignored += 1,
            Status::Fail => {
                s.fail += 1;
                s.fail_by_severity.add(f.severity);
            }
        }
        if fails_run(f, fail_on) {
            s.failing += 1;
        }
    }
    for (status, ignored, _) in rule_verdicts(findings) {
        s.rules.total += 1;
        match status {
            Status::Pass => s.rules.pass += 1,
            Status::Skip => s.rules.skip += 1,
            Status::Error => s.rules.error += 1,
            Status::Fail if ignored => s.rules.ignored += 1,
            Status::Fail => s.rules.fail += 1,
        }
    }
    s.hardening_index = hardening_index(findings);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Remediation};
    use std::collections::BTreeMap;

    fn finding(rule: &str, status: Status, severity: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            title: "t".into(),
            section: "multi-user".into(),
            subject: None,
            severity,
            status,
            message: "m".into(),
            evidence: vec![Evidence::path("/etc/nix/nix.conf")],
            remediation: Remediation {
                text: "x".into(),
                nixos: "y".into(),
            },
            ignored: None,
        }
    }

    #[test]
    fn fail_on_parses_lists() {
        assert_eq!("high".parse::<FailOn>(), Ok(FailOn::default()));
        assert_eq!(
            "error".parse::<FailOn>(),
            Ok(FailOn {
                threshold: Some(Severity::High),
                errors: true
            })
        );
        assert_eq!(
            "low,error".parse::<FailOn>(),
            Ok(FailOn {
                threshold: Some(Severity::Low),
                errors: true
            })
        );
        assert_eq!(
            "none".parse::<FailOn>(),
            Ok(FailOn {
                threshold: None,
                errors: false
            })
        );
        assert!("high,low".parse::<FailOn>().is_err());
        assert!("bad".parse::<FailOn>().is_err());
        assert_eq!(
            FailOn {
                threshold: Some(Severity::Low),
                errors: true
            }
            .to_string(),
            "low,error"
        );
    }

    #[test]
    fn exit_codes() {
        let d = FailOn::default();
        assert_eq!(exit_status(&[], d), ExitStatus::Success);
        assert_eq!(
            exit_status(&[finding("A", Status::Pass, Severity::High)], d),
            ExitStatus::Success
        );
        assert_eq!(
            exit_status(&[finding("A", Status::Fail, Severity::High)], d),
            ExitStatus::Failure
        );
        assert_eq!(
            exit_status(&[finding("A", Status::Fail, Severity::Medium)], d),
            ExitStatus::Success
        );
        let medium = FailOn {
            threshold: Some(Severity::Medium),
            errors: false,
        };
        assert_eq!(
            exit_status(&[finding("A", Status::Fail, Severity::Medium)], medium),
            ExitStatus::Failure
        );
        // Errors alone, nothing ran: 2. Errors beside a pass: 0, unless --fail-on error.
        assert_eq!(
            exit_status(&[finding("A", Status::Error, Severity::High)], d),
            ExitStatus::Error
        );
        let mixed = [
            finding("A", Status::Error, Severity::High),
            finding("B", Status::Pass, Severity::Low),
        ];
        assert_eq!(exit_status(&mixed, d), ExitStatus::Success);
        assert_eq!(
            exit_status(&mixed, FailOn { errors: true, ..d }),
            ExitStatus::Failure
        );
        // Skips alone are clean.
        assert_eq!(
            exit_status(&[finding("A", Status::Skip, Severity::High)], d),
            ExitStatus::Success
        );
        // An ignored failure does not fail the run.
        let mut f = finding("A", Status::Fail, Severity::Critical);
        f.ignored = Some(Ignored {
            reason: "r".into(),
            until: None,
        });
        assert_eq!(exit_status(&[f], d), ExitStatus::Success);
        assert_eq!(
            [ExitStatus::Success, ExitStatus::Failure, ExitStatus::Error].map(ExitStatus::code),
            [0, 1, 2]
        );
    }

    #[test]
    fn hardening_index_by_hand() {
        // pass critical (10) + pass low (1) + fail high (5) + error medium (3) + skip high: 11/19.
        let f = [
            finding("A", Status::Pass, Severity::Critical),
            finding("B", Status::Pass, Severity::Low),
            finding("C", Status::Fail, Severity::High),
            finding("D", Status::Error, Severity::Medium),
            finding("E", Status::Skip, Severity::High),
        ];
        assert_eq!(hardening_index(&f), Some(58)); // 57.89 rounds to 58
        assert_eq!(
            hardening_index(&[finding("A", Status::Fail, Severity::Info)]),
            None
        );
        assert_eq!(hardening_index(&[]), None);
    }

    #[test]
    fn ignores_by_subject_and_the_index_by_rule() {
        let problem = |subject: &str, severity| {
            let mut f = finding("NIX-074", Status::Fail, severity);
            f.subject = Some(subject.into());
            f
        };
        let mut fs = vec![
            problem("tcp/22", Severity::Medium),
            problem("tcp/8080", Severity::High),
            finding("NIX-013", Status::Pass, Severity::Low),
        ];
        // Two problems of one rule: the rule counts once, with its worst weight (high, 5),
        // beside a passing low rule (1): 1/6.
        assert_eq!(hardening_index(&fs), Some(17));
        let cfg = Config {
            path: Some("c.toml".into()),
            fail_on: None,
            ignores: vec![crate::config::IgnoreEntry {
                rule: "NIX-074".into(),
                subject: Some("tcp/8080".into()),
                reason: "r".into(),
                until: None,
                line: 1,
            }],
            severity: BTreeMap::new(),
            vulns_whitelist: Vec::new(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let w = apply_config(&mut fs, &cfg, today);
        assert!(w.is_empty(), "{w:?}");
        assert!(fs[0].ignored.is_none());
        assert!(fs[1].ignored.is_some());
        // The rule still fails through tcp/22, now weighing as a medium problem (3): 1/4.
        assert_eq!(hardening_index(&fs), Some(25));
        let s = summarize(&fs, FailOn::default(), Vec::new());
        assert_eq!(
            (s.fail, s.ignored, s.rules.fail, s.rules.ignored),
            (1, 1, 1, 0)
        );
        // An ignore naming a subject no finding has is reported.
        let mut cfg = cfg;
        cfg.ignores[0].subject = Some("tcp/9999".into());
        let mut fs = vec![problem("tcp/22", Severity::Medium)];
        let w = apply_config(&mut fs, &cfg, today);
        assert!(
            w[0].contains("(subject `tcp/9999`) matched no failing result"),
            "{w:?}"
        );
    }

    #[test]
    fn config_ignores_and_overrides() {
        let mut fs = vec![
            finding("NIX-012", Status::Fail, Severity::High),
            finding("NIX-013", Status::Pass, Severity::Low),
        ];
        let cfg = Config {
            path: Some("c.toml".into()),
            fail_on: None,
            ignores: vec![
                crate::config::IgnoreEntry {
                    rule: "NIX-012".into(),
                    subject: None,
                    reason: "r".into(),
                    until: NaiveDate::from_ymd_opt(2027, 1, 1),
                    line: 1,
                },
                crate::config::IgnoreEntry {
                    rule: "NIX-013".into(),
                    subject: None,
                    reason: "r".into(),
                    until: None,
                    line: 5,
                },
            ],
            severity: [("NIX-012".to_string(), Severity::Critical)]
                .into_iter()
                .collect(),
            vulns_whitelist: Vec::new(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let w = apply_config(&mut fs, &cfg, today);
        assert_eq!(fs[0].severity, Severity::Critical);
        assert!(fs[0].ignored.is_some());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("matched no failing result"), "{w:?}");
        // Expired: reported, not honoured.
        let mut fs = vec![finding("NIX-012", Status::Fail, Severity::High)];
        let later = NaiveDate::from_ymd_opt(2027, 1, 2).expect("date");
        let w = apply_config(&mut fs, &cfg, later);
        assert!(fs[0].ignored.is_none());
        assert!(w[0].contains("expired on 2027-01-01"), "{w:?}");
    }
}
