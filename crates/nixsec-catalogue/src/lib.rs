//! nixsec-catalogue: the one catalogue entry per rule id, and the one way to make findings.
//!
//! Entries are the files `rules/NIX-NNN.toml`, compiled into [`ENTRIES`] by `build.rs`. Host
//! checkers (`nixsec-host`) and configuration checkers (`nixsec-lint`) attach to an id; every
//! text a user reads about a rule (title, why, fix, NixOS fix, references, lynis/DevSec/CIS
//! mappings) comes from here.
#![deny(missing_docs)]

use nixsec_core::{Finding, Outcome, Remediation, Section, Severity, Status};

/// Where other tools and baselines check the same thing.
#[derive(Debug)]
pub struct Others {
    /// lynis test ids (`SSH-7408`).
    pub lynis: &'static [&'static str],
    /// DevSec linux-baseline / ssh-baseline control ids (`sysctl-31a`).
    pub devsec: &'static [&'static str],
    /// CIS Distribution Independent Linux Benchmark v2.0.0 recommendations (`5.2.10`).
    pub cis: &'static [&'static str],
    /// How those tools compare, in words (the catalogue's "Others" column).
    pub note: Option<&'static str>,
}

/// One rule's catalogue entry.
#[derive(Debug)]
pub struct Entry {
    /// `NIX-NNN`.
    pub id: &'static str,
    /// Names the bad state (`Build sandbox disabled`).
    pub title: &'static str,
    /// The wiki section.
    pub section: Section,
    /// Default severity; a problem may carry its own.
    pub severity: Severity,
    /// Why it matters.
    pub rationale: &'static str,
    /// The fix, in words.
    pub fix: &'static str,
    /// The fix as NixOS configuration (or the host command where no option exists).
    pub nixos: &'static str,
    /// Man pages, option names, CWE ids.
    pub references: &'static [&'static str],
    /// What the host check (`nixsec audit`) looks at and when it fails; `None` when the rule
    /// has no host check.
    pub audit: Option<&'static str>,
    /// What the configuration check (`nixsec lint`) looks at; `None` when it has none.
    pub lint: Option<&'static str>,
    /// lynis, DevSec and CIS mappings.
    pub others: Others,
    /// The entry's file, relative to the repository.
    pub file: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// Every entry, sorted by id.
#[must_use]
pub fn all() -> &'static [Entry] {
    ENTRIES
}

/// The entry with this id (case-insensitive).
#[must_use]
pub fn get(id: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.id.eq_ignore_ascii_case(id))
}

/// The entry with this id, for checkers that attach to it. Panics on an id the catalogue does
/// not have: a programming error that the registry tests catch before any release.
#[must_use]
#[allow(clippy::panic)]
pub fn entry(id: &str) -> &'static Entry {
    match get(id) {
        Some(e) => e,
        None => panic!("`{id}` has no catalogue entry (crates/nixsec-catalogue/rules/{id}.toml)"),
    }
}

impl Entry {
    /// A finding of this rule with a status and message, the rule's severity and fix.
    #[must_use]
    pub fn finding(&self, status: Status, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.to_string(),
            title: self.title.to_string(),
            section: self.section.as_str().to_string(),
            subject: None,
            severity: self.severity,
            status,
            message: message.into(),
            evidence: Vec::new(),
            remediation: Remediation {
                text: self.fix.to_string(),
                nixos: self.nixos.to_string(),
            },
            ignored: None,
        }
    }

    /// The findings of one check: one per problem of a failure, else one for the pass, skip or
    /// error.
    #[must_use]
    pub fn findings(&self, outcome: Outcome) -> Vec<Finding> {
        match outcome {
            Outcome::Pass { message, evidence } => {
                let mut f = self.finding(Status::Pass, message);
                f.evidence = evidence;
                vec![f]
            }
            Outcome::Skip { reason } => vec![self.finding(Status::Skip, reason)],
            Outcome::Error { reason, evidence } => {
                let mut f = self.finding(Status::Error, reason);
                f.evidence = evidence;
                vec![f]
            }
            Outcome::Fail { problems } if problems.is_empty() => vec![self.finding(
                Status::Error,
                format!("internal error: `{}` failed without a problem", self.id),
            )],
            Outcome::Fail { problems } => problems
                .into_iter()
                .map(|p| {
                    let mut f = self.finding(Status::Fail, p.message);
                    f.subject = p.subject;
                    f.evidence = p.evidence;
                    f.severity = p.severity.unwrap_or(self.severity);
                    if let Some(nixos) = p.nixos {
                        f.remediation.nixos = nixos;
                    }
                    f
                })
                .collect(),
        }
    }

    /// `audit`, `lint` or both: where the rule runs.
    #[must_use]
    pub fn runs_in(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.audit.is_some() {
            v.push("audit");
        }
        if self.lint.is_some() {
            v.push("lint");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_core::Problem;

    #[test]
    fn ids_are_sorted_unique_and_in_their_section_range() {
        let ids: Vec<&str> = all().iter().map(|e| e.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for e in all() {
            let n: u32 = e.id[4..].parse().expect("number");
            let range = match e.section {
                Section::RuntimeSearchPaths => 1..=9,
                Section::MultiUser => 10..=19,
                Section::StoreIntegrity => 20..=29,
                Section::StoreSecrets => 30..=39,
                Section::Encryption => 40..=49,
                Section::Isolation => 50..=69,
                Section::Firewall => 70..=89,
                Section::SecureBoot => 90..=99,
                Section::Mac => 100..=109,
                Section::Kernel => 110..=129,
                Section::Accounts => 130..=149,
                Section::Vulnerabilities => 150..=169,
            };
            assert!(
                range.contains(&n),
                "{} is outside {:?}'s ids",
                e.id,
                e.section
            );
            assert!(e.title.len() < 80, "{}: title too long", e.id);
            assert!(
                !e.title.ends_with('.'),
                "{}: a title has no final period",
                e.id
            );
        }
    }

    #[test]
    fn one_finding_per_problem() {
        let e = entry("NIX-079");
        let out = e.findings(Outcome::Fail {
            problems: vec![
                Problem::about("PasswordAuthentication", "a").with_severity(Severity::High),
                Problem::about("KbdInteractiveAuthentication", "b").with_fix("x = 1;"),
            ],
        });
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].subject.as_deref(), Some("PasswordAuthentication"));
        assert_eq!(out[0].severity, Severity::High);
        assert_eq!(out[0].remediation.nixos, e.nixos);
        assert_eq!(out[1].severity, e.severity);
        assert_eq!(out[1].remediation.nixos, "x = 1;");
        assert_eq!(e.findings(Outcome::pass("ok")).len(), 1);
        let empty = e.findings(Outcome::Fail { problems: vec![] });
        assert_eq!(empty[0].status, Status::Error);
    }
}
