//! The store scan shared by NIX-008, NIX-009, NIX-030, NIX-031 and NIX-034: the closure of the
//! audited system (`/run/current-system`) read once per audit, ELF files and secrets in one
//! pass.

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Finding, Outcome, Problem, Severity};
use nixsec_scan::{Options, SecretRecord};
use nixsec_store::db::Database;

use crate::perms::capped;

/// The scan of this audit's system closure, or why it could not run (`Ok(None)`: no store or
/// no current system under this root).
pub struct SystemScan(pub Result<Option<(String, nixsec_scan::Outcome)>, SystemScanError>);

/// Why the scan of an audit's system closure could not run.
#[derive(Debug, thiserror::Error)]
pub enum SystemScanError {
    /// The Nix database could not be read.
    #[error(transparent)]
    Database(#[from] nixsec_store::db::DbError),
    /// The closure of `/run/current-system` could not be computed.
    #[error(transparent)]
    Closure(#[from] nixsec_scan::ClosureError),
}

/// Run (once) the scan of the audited system's closure.
#[must_use]
pub fn system_scan(cx: &HostCx) -> Arc<SystemScan> {
    cx.fact(
        |f| &f.system_scan,
        |cx| {
            let root = cx.root();
            if root.presence("/nix/var/nix/db/db.sqlite").is_absent()
                || root.presence("/run/current-system").is_absent()
            {
                return SystemScan(Ok(None));
            }
            let top = cx.built_system().map(|s| s.toplevel.clone());
            let db = match Database::load(root.store_root()) {
                Ok(db) => db,
                Err(e) => return SystemScan(Err(e.into())),
            };
            let paths = match nixsec_scan::system_closure(root.store_root(), &db, top.as_deref()) {
                Ok(p) => p,
                Err(e) => return SystemScan(Err(e.into())),
            };
            let system = paths.first().cloned().unwrap_or_default();
            let source = nixsec_scan::Source::Store {
                store_root: root.store_root(),
                paths: &paths,
                db: Some(&db),
            };
            let out = nixsec_scan::scan(&source, &Options::default(), &nixsec_scan::NoProgress);
            SystemScan(Ok(Some((system, out))))
        },
    )
}

/// Run a scan rule: skipped without a store or system, `error` when the scan failed.
pub fn with_scan(cx: &HostCx, f: impl FnOnce(&nixsec_scan::Outcome) -> Outcome) -> Outcome {
    match &system_scan(cx).0 {
        Ok(None) => Outcome::skip(
            "no `/run/current-system` and Nix database under this root: no system closure to scan",
        ),
        Err(e) => Outcome::error(e.to_string()),
        Ok(Some((_, o))) => f(o),
    }
}

/// Most problems of a scan rule reported one by one.
pub const MAX_LISTED: usize = 20;

/// One problem per finding of the scan (about its file; the severity when it differs from the
/// rule's), up to `max`, the last one saying how many more `what` were found.
#[must_use]
pub fn fail_with(found: &[Finding], what: &str, max: usize) -> Outcome {
    let problems = found
        .iter()
        .map(|f| {
            let default = nixsec_catalogue::get(&f.rule).map(|e| e.severity);
            let subject = f
                .subject
                .clone()
                .or_else(|| f.evidence.first().map(|e| e.path.clone()))
                .unwrap_or_default();
            // `FILE: what` with the file in backticks.
            let message = match f.message.strip_prefix(&format!("{subject}: ")) {
                Some(rest) if !subject.is_empty() => {
                    format!("`{}`: {rest}", nixsec_core::escape(&subject))
                }
                _ => f.message.clone(),
            };
            Problem::about(subject, message)
                .with_evidence(f.evidence.iter().take(2).cloned())
                .with_severity_opt((Some(f.severity) != default).then_some(f.severity))
        })
        .collect();
    Outcome::Fail {
        problems: capped(problems, max, what),
    }
}

/// What tells a secret apart from the others of its file: the pattern when no other of them
/// has it, else the NixOS option that set it when no other has that, else the pattern (then
/// the secrets share one problem).
fn suffix<'a>(s: &'a SecretRecord, same_file: &[&'a SecretRecord]) -> &'a str {
    let kind = s.hit.kind;
    if same_file.iter().filter(|x| x.hit.kind == kind).count() == 1 {
        return kind;
    }
    match s.hit.option.as_deref() {
        Some(o)
            if same_file
                .iter()
                .filter(|x| x.hit.option.as_deref() == Some(o))
                .count()
                == 1 =>
        {
            o
        }
        _ => kind,
    }
}

/// One problem per secret: about its file, or, when the file holds several secrets of the
/// rule, its file and what tells it apart (`FILE (users.users.alice.initialPassword)`); high
/// for a weak hash when the rule is less severe.
#[must_use]
pub fn secret_problems(found: &[&SecretRecord], default: Severity) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for s in found {
        let same_file: Vec<&SecretRecord> =
            found.iter().copied().filter(|x| x.file == s.file).collect();
        let subject = if same_file.len() > 1 {
            format!("{} ({})", s.file, suffix(s, &same_file))
        } else {
            s.file.clone()
        };
        let h = &s.hit;
        let ev = Evidence::line(s.file.clone(), h.line, h.redacted.clone());
        let severity = (h.weak && Severity::High > default).then_some(Severity::High);
        if let Some(p) = out
            .iter_mut()
            .find(|p| p.subject.as_deref() == Some(subject.as_str()))
        {
            p.evidence.push(ev);
            if severity.is_some() {
                p.severity = severity;
            }
            continue;
        }
        let option = h
            .option
            .as_deref()
            .map(|o| format!(" (set by {o})"))
            .unwrap_or_default();
        out.push(
            Problem::about(
                subject,
                format!(
                    "`{}` line {}: {}{option}",
                    nixsec_core::escape(&s.file),
                    h.line,
                    h.description
                ),
            )
            .with_evidence([ev])
            .with_severity_opt(severity),
        );
    }
    out
}

/// The check of a secrets rule of the system closure: the scan's secrets of rule `id`, one
/// problem each (up to [`MAX_LISTED`]), passing with the number of files read.
pub fn closure_secrets_check(cx: &HostCx, id: &str) -> Outcome {
    let meta = nixsec_catalogue::entry(id);
    with_scan(cx, |o| {
        let found: Vec<&SecretRecord> =
            o.secrets.iter().filter(|s| s.hit.rule == meta.id).collect();
        if found.is_empty() {
            return Outcome::pass(format!(
                "{} files of the system closure read: none found",
                o.files
            ));
        }
        Outcome::Fail {
            problems: capped(
                secret_problems(&found, meta.severity),
                MAX_LISTED,
                "secrets",
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_secrets::Hit;

    fn secret(
        file: &str,
        kind: &'static str,
        line: u32,
        option: Option<&str>,
        weak: bool,
    ) -> SecretRecord {
        SecretRecord {
            file: file.to_string(),
            store_path: String::new(),
            hit: Hit {
                kind,
                description: "a secret",
                rule: "NIX-031",
                line,
                redacted: "…[redacted]".to_string(),
                weak,
                option: option.map(str::to_string),
            },
        }
    }

    #[test]
    fn one_problem_per_secret_with_a_subject() {
        let ug = "/nix/store/aaaa-users-groups.json";
        let all = [
            secret(
                ug,
                "users-groups",
                24,
                Some("users.users.root.initialHashedPassword"),
                false,
            ),
            secret(
                ug,
                "users-groups",
                50,
                Some("users.users.eve.hashedPassword"),
                true,
            ),
            secret(
                "/nix/store/bbbb-etc/etc/app.env",
                "password-assignment",
                2,
                None,
                false,
            ),
            secret("/nix/store/cccc-x/a", "private-key", 1, None, false),
            secret("/nix/store/cccc-x/a", "github-token", 9, None, false),
            secret("/nix/store/cccc-x/a", "github-token", 12, None, false),
        ];
        let found: Vec<&SecretRecord> = all.iter().collect();
        let p = secret_problems(&found, Severity::Medium);
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                "/nix/store/aaaa-users-groups.json (users.users.root.initialHashedPassword)",
                "/nix/store/aaaa-users-groups.json (users.users.eve.hashedPassword)",
                "/nix/store/bbbb-etc/etc/app.env",
                "/nix/store/cccc-x/a (private-key)",
                "/nix/store/cccc-x/a (github-token)",
            ]
        );
        assert_eq!(
            p[0].message,
            "`/nix/store/aaaa-users-groups.json` line 24: a secret (set by users.users.root.initialHashedPassword)"
        );
        assert_eq!(p[0].severity, None);
        assert_eq!(p[1].severity, Some(Severity::High), "a weak hash");
        // Two tokens the subject cannot tell apart: one problem, both lines.
        assert_eq!(p[4].evidence.len(), 2);
        // A weak hash of a rule that is already high keeps the rule's severity.
        let p = secret_problems(&found, Severity::High);
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn findings_become_problems_about_their_file() {
        let entry = nixsec_catalogue::entry("NIX-009");
        let mut low = entry.finding(nixsec_core::Status::Fail, "/nix/store/a/bin/x: no pie");
        low.subject = Some("/nix/store/a/bin/x".into());
        low.evidence = vec![Evidence::value("/nix/store/a/bin/x", "pie=no")];
        let mut medium = low.clone();
        medium.subject = Some("/nix/store/a/bin/y".into());
        medium.message = "/nix/store/a/bin/y: no pie".into();
        medium.severity = Severity::Medium;
        let o = fail_with(&[low.clone(), medium, low], "ELF files", 2);
        let p = o.problems();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].subject.as_deref(), Some("/nix/store/a/bin/x"));
        assert_eq!(p[0].message, "`/nix/store/a/bin/x`: no pie");
        assert_eq!(p[0].severity, None);
        assert_eq!(p[1].severity, Some(Severity::Medium));
        assert_eq!(
            p[1].message,
            "`/nix/store/a/bin/y`: no pie (1 more ELF files found, not listed)"
        );
    }
}
