//! CVEs as findings of the catalogue rule NIX-150: one problem per CVE of a package, for the
//! audit's host check and for `nixsec vulns`' report alike.

use nixsec_core::{Evidence, Finding, Ignored, Outcome, Problem, Severity, Status};

use crate::policy::Filter;
use crate::run::Scan;
use crate::scan::{Hit, PackageResult};
use crate::whitelist::Rule;

/// The catalogue rule of known CVEs.
pub const RULE: &str = "NIX-150";

/// `openssl-3.0.6 CVE-2022-3602`: what one CVE finding is about.
#[must_use]
pub fn subject(p: &PackageResult, h: &Hit) -> String {
    format!("{} {}", p.package.name, h.id)
}

/// One CVE of one package as a problem: about `<name> <CVE>`, with its score, whether the
/// package is only needed to build, `note` (`, whitelisted`) and NVD's description; its severity
/// by CVSS (see [`crate::policy::severity`]); the package's store paths, its derivation and the
/// CPE criteria that matched as evidence.
#[must_use]
pub fn problem(p: &PackageResult, h: &Hit, note: &str) -> Problem {
    let pk = &p.package;
    let mut evidence: Vec<Evidence> = pk
        .paths
        .iter()
        .map(|x| Evidence::value(x.clone(), pk.name.clone()))
        .collect();
    if let Some(d) = &pk.drv {
        evidence.push(Evidence::value(
            d.clone(),
            format!("pname {} version {}", pk.pname, pk.version),
        ));
    }
    for c in &h.criteria {
        evidence.push(Evidence::value(
            format!("https://nvd.nist.gov/vuln/detail/{}", h.id),
            c.clone(),
        ));
    }
    let default = nixsec_catalogue::entry(RULE).severity;
    let sev = h.severity();
    Problem::about(
        subject(p, h),
        format!(
            "{}: {} ({}{}){note}: {}",
            pk.name,
            h.id,
            h.score_text(),
            if pk.build_only { ", build-only" } else { "" },
            h.description
        ),
    )
    .with_evidence(evidence)
    .with_severity_opt((sev != default).then_some(sev))
}

/// Why a whitelisted CVE is accepted: the rule, its file, comments and issue URLs.
fn ignored(rule: Option<&Rule>) -> Ignored {
    Ignored {
        reason: rule.map_or_else(String::new, |r| {
            let mut s = format!("whitelist [\"{}\"] in {}", r.key, r.origin());
            for c in &r.comments {
                s.push_str("; ");
                s.push_str(c);
            }
            for u in &r.issue_urls {
                s.push_str("; ");
                s.push_str(u);
            }
            s
        }),
        until: rule.and_then(|r| r.until).map(|u| u.to_string()),
    }
}

/// The findings of a `nixsec vulns` report: a failure per listed CVE (whitelisted ones marked
/// ignored), a pass per CVE a patch fixes when `show_patched`, an error per file that could not
/// be read, and a pass when no failure is left.
#[must_use]
pub fn report(scan: &Scan, filter: &Filter, show_patched: bool) -> Vec<Finding> {
    let entry = nixsec_catalogue::entry(RULE);
    let mut problems = Vec::new();
    let mut extra: Vec<(Status, Option<Ignored>, String)> = Vec::new();
    for p in &scan.result.packages {
        let fix = |h: &Hit| {
            format!(
                "Update {} past the fixed version (update nixpkgs and rebuild), or apply the upstream fix as a patch named after {}; if it does not apply, whitelist it with an `until` date.",
                p.package.pname, h.id
            )
        };
        for h in filter.shown(&p.affected) {
            problems.push(problem(p, h, ""));
            extra.push((Status::Fail, None, fix(h)));
        }
        for h in filter.shown(&p.whitelisted) {
            problems.push(problem(p, h, ", whitelisted"));
            let rule = h.whitelisted_by.and_then(|i| scan.whitelist.rules.get(i));
            extra.push((Status::Fail, Some(ignored(rule)), fix(h)));
        }
        if show_patched {
            for h in filter.shown(&p.patched) {
                problems.push(problem(p, h, ", patched"));
                extra.push((Status::Pass, None, fix(h)));
            }
        }
    }
    let mut findings = Vec::new();
    if !problems.is_empty() {
        for (mut f, (status, ignored, fix)) in entry
            .findings(Outcome::Fail { problems })
            .into_iter()
            .zip(extra)
        {
            f.status = status;
            f.ignored = ignored;
            f.remediation.text = fix;
            findings.push(f);
        }
    }
    for e in &scan.errors {
        for mut f in entry.findings(Outcome::error(e.clone())) {
            f.severity = Severity::High;
            f.remediation.text = "Fix or replace the file named; the rest was scanned.".into();
            f.remediation.nixos = String::new();
            findings.push(f);
        }
    }
    if !findings.iter().any(Finding::is_active_failure) {
        let mut f = entry.finding(
            Status::Pass,
            format!(
                "no known CVE in {} packages of {} store paths, {} ({})",
                scan.result.examined,
                scan.selection.paths,
                scan.scope.describe(),
                scan.data_note
            ),
        );
        f.severity = Severity::High;
        f.remediation.text = String::new();
        findings.push(f);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nvd::Cvss;
    use crate::packages::{Package, Selection};
    use crate::scan::ScanResult;
    use crate::whitelist::Whitelist;

    fn hit(id: &str, score: f64, rating: &str) -> Hit {
        Hit {
            id: id.into(),
            cvss: Some(Cvss {
                version: "3.1".into(),
                score,
                severity: rating.into(),
                vector: String::new(),
            }),
            description: format!("{id} in zlib"),
            criteria: vec!["cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*".into()],
            whitelisted_by: None,
            cvss3: None,
        }
    }

    fn zlib() -> PackageResult {
        PackageResult {
            package: Package {
                name: "zlib-1.2.11".into(),
                pname: "zlib".into(),
                version: "1.2.11".into(),
                drv: Some("/nix/store/d-zlib-1.2.11.drv".into()),
                paths: vec!["/nix/store/p-zlib-1.2.11".into()],
                build_only: false,
                patched: Default::default(),
            },
            affected: vec![
                hit("CVE-2022-37434", 9.8, "CRITICAL"),
                hit("CVE-2018-25032", 7.5, "HIGH"),
            ],
            whitelisted: Vec::new(),
            patched: vec![hit("CVE-2023-45853", 5.3, "MEDIUM")],
            cpes: vec!["a:zlib:zlib".into()],
        }
    }

    fn scan(packages: Vec<PackageResult>, errors: Vec<String>) -> Scan {
        Scan {
            result: ScanResult {
                packages,
                examined: 3,
                ..ScanResult::default()
            },
            whitelist: Whitelist::default(),
            selection: Selection {
                paths: 5,
                ..Selection::default()
            },
            targets: Vec::new(),
            mapping: crate::mapping::Mapping::default(),
            warnings: Vec::new(),
            errors,
            data_note: "20 CVEs from feeds".into(),
            scope: crate::packages::Scope::Runtime,
        }
    }

    #[test]
    fn a_problem_per_cve_with_its_severity_and_evidence() {
        let z = zlib();
        let p = problem(&z, &z.affected[0], "");
        assert_eq!(p.subject.as_deref(), Some("zlib-1.2.11 CVE-2022-37434"));
        assert_eq!(
            p.message,
            "zlib-1.2.11: CVE-2022-37434 (9.8 CRITICAL (CVSS 3.1)): CVE-2022-37434 in zlib"
        );
        assert_eq!(p.severity, Some(Severity::Critical));
        assert_eq!(
            p.evidence,
            vec![
                Evidence::value("/nix/store/p-zlib-1.2.11", "zlib-1.2.11"),
                Evidence::value("/nix/store/d-zlib-1.2.11.drv", "pname zlib version 1.2.11"),
                Evidence::value(
                    "https://nvd.nist.gov/vuln/detail/CVE-2022-37434",
                    "cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*"
                ),
            ]
        );
        // 7.5 is high, the catalogue's default: no severity of its own.
        assert_eq!(problem(&z, &z.affected[1], "").severity, None);
    }

    #[test]
    fn the_report_has_a_finding_per_cve_and_patched_ones_pass() {
        let fs = report(&scan(vec![zlib()], Vec::new()), &Filter::default(), true);
        let got: Vec<(Option<&str>, Status, Severity)> = fs
            .iter()
            .map(|f| (f.subject.as_deref(), f.status, f.severity))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("zlib-1.2.11 CVE-2022-37434"),
                    Status::Fail,
                    Severity::Critical
                ),
                (
                    Some("zlib-1.2.11 CVE-2018-25032"),
                    Status::Fail,
                    Severity::High
                ),
                (
                    Some("zlib-1.2.11 CVE-2023-45853"),
                    Status::Pass,
                    Severity::Medium
                ),
            ]
        );
        assert!(fs[2].message.contains(", patched: "), "{}", fs[2].message);
        assert!(fs
            .iter()
            .all(|f| f.rule == RULE && f.section == "vulnerabilities"));
        assert!(fs[0]
            .remediation
            .text
            .starts_with("Update zlib past the fixed version"));
        // Filtered out, or nothing found: one pass; an unreadable file is an error.
        let high = Filter {
            min_cvss: Some(9.9),
            ..Filter::default()
        };
        let fs = report(
            &scan(vec![zlib()], vec!["`x.json`: truncated JSON".into()]),
            &high,
            false,
        );
        let got: Vec<Status> = fs.iter().map(|f| f.status).collect();
        assert_eq!(got, [Status::Error, Status::Pass]);
        assert_eq!(fs[0].message, "`x.json`: truncated JSON");
        assert_eq!(
            fs[1].message,
            "no known CVE in 3 packages of 5 store paths, the runtime closure of the targets (20 CVEs from feeds)"
        );
    }

    #[test]
    fn whitelisted_cves_are_ignored_failures() {
        let mut z = zlib();
        let mut h = z.affected.remove(0);
        h.whitelisted_by = Some(0);
        z.whitelisted.push(h);
        let mut s = scan(vec![z], Vec::new());
        s.whitelist
            .add_text(
                "wl.toml",
                "[\"zlib\"]\ncomment = \"all of zlib\"\nuntil = \"2099-01-01\"\n",
            )
            .expect("whitelist");
        let fs = report(&s, &Filter::default(), false);
        let wl: Vec<&Finding> = fs.iter().filter(|f| f.ignored.is_some()).collect();
        assert_eq!(wl.len(), 1);
        assert!(
            wl[0].message.contains(", whitelisted: "),
            "{}",
            wl[0].message
        );
        assert_eq!(
            wl[0].ignored,
            Some(Ignored {
                reason: "whitelist [\"zlib\"] in wl.toml:1; all of zlib".into(),
                until: Some("2099-01-01".into()),
            })
        );
        assert_eq!(fs.iter().filter(|f| f.is_active_failure()).count(), 1);
    }
}
