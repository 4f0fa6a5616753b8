//! Prometheus metrics in the text exposition format, for node_exporter's textfile collector
//! (`--collector.textfile.directory`): a timer runs `nixsec audit --format prometheus --output
//! DIR/nixsec.prom`, node_exporter serves the file, Prometheus stores and alerts.
//!
//! Every series carries `command` (`audit`, `units`, `vulns`): the collector merges every
//! `*.prom` file of its directory, and two files must not hold the same series. The metrics:
//!
//! | metric | labels | value |
//! |---|---|---|
//! | `nixsec_rule_status` | `rule`, `section`, `severity`, `status` | 1 for the rule's status, 0 for the four others (`pass`, `fail`, `ignored`, `skip`, `error`) |
//! | `nixsec_findings` | `section`, `severity` | active failing findings (every severity of every section that ran) |
//! | `nixsec_hardening_index` | | 0–100 (audit; absent when no rule weighs) |
//! | `nixsec_unit_exposure` | `unit` | 0.0–10.0 (units) |
//! | `nixsec_cves` | `severity` | known CVEs not whitelisted, by NVD rating (vulns) |
//! | `nixsec_errors` | | results that could not be checked |
//! | `nixsec_last_run_timestamp_seconds` | | when the run started |
//! | `nixsec_run_duration_seconds` | | how long it took |

use std::fmt::Write as _;
use std::io::{self, Write};

use nixsec_core::{Report, Section, Severity, Status};

use crate::{CveRow, UnitRow};

/// What only some commands report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    /// `nixsec units`: every scored unit.
    pub units: Option<&'a [UnitRow]>,
    /// `nixsec vulns`: every listed CVE (joined to the report's findings by subject: only
    /// active failures count).
    pub cves: Option<&'a [CveRow]>,
}

/// The statuses of `nixsec_rule_status`, one series each.
const STATUSES: [&str; 5] = ["pass", "fail", "ignored", "skip", "error"];

/// Escape a label value: backslash, double quote and newline.
fn label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A float as Prometheus reads it (shortest round-trip form).
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

/// `report.started` (RFC 3339) in seconds since the Unix epoch; `None` when it does not parse.
fn started(report: &Report) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(&report.started)
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// Render the metrics of `report`, made by `command`, with `extra`.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(
    report: &Report,
    command: &str,
    extra: &Extra<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let cmd = label(command);
    let mut s = String::with_capacity(16 * 1024);

    header(
        &mut s,
        "nixsec_rule_status",
        "Status of each rule in the last run: 1 for its status, 0 for the other statuses.",
    );
    for v in report.rule_verdicts() {
        let status = match v.status {
            Status::Fail if v.ignored => "ignored",
            st => st.as_str(),
        };
        for st in STATUSES {
            let _ = writeln!(
                s,
                "nixsec_rule_status{{command=\"{cmd}\",rule=\"{}\",section=\"{}\",severity=\"{}\",status=\"{st}\"}} {}",
                label(v.rule),
                label(v.section),
                v.severity.as_str(),
                u8::from(st == status)
            );
        }
    }

    header(
        &mut s,
        "nixsec_findings",
        "Active failing findings of the last run (ignored ones excluded) by section and severity.",
    );
    let mut sections: Vec<&str> = Section::ALL
        .iter()
        .map(|x| x.as_str())
        .filter(|name| report.findings.iter().any(|f| f.section == *name))
        .collect();
    for f in &report.findings {
        if !sections.contains(&f.section.as_str()) {
            sections.push(&f.section);
        }
    }
    for section in sections {
        for sev in Severity::ALL_DESC {
            let n = report
                .findings
                .iter()
                .filter(|f| f.section == section && f.severity == sev && f.is_active_failure())
                .count();
            let _ = writeln!(
                s,
                "nixsec_findings{{command=\"{cmd}\",section=\"{}\",severity=\"{}\"}} {n}",
                label(section),
                sev.as_str()
            );
        }
    }

    if command == "audit" {
        if let Some(i) = report.summary.hardening_index {
            header(
                &mut s,
                "nixsec_hardening_index",
                "Hardening index of the last audit, 0 to 100.",
            );
            let _ = writeln!(s, "nixsec_hardening_index{{command=\"{cmd}\"}} {i}");
        }
    }

    if let Some(units) = extra.units {
        header(
            &mut s,
            "nixsec_unit_exposure",
            "Exposure of each service unit as systemd-analyze security scores it, 0.0 to 10.0.",
        );
        for u in units {
            let _ = writeln!(
                s,
                "nixsec_unit_exposure{{command=\"{cmd}\",unit=\"{}\"}} {}.{}",
                label(&u.unit),
                u.exposure / 10,
                u.exposure % 10
            );
        }
    }

    if let Some(cves) = extra.cves {
        header(
            &mut s,
            "nixsec_cves",
            "Known CVEs in the scanned closure, not whitelisted, by NVD severity.",
        );
        for rating in ["critical", "high", "medium", "low", "none", "unknown"] {
            let n = cves
                .iter()
                .filter(|c| {
                    let r = c.rating.to_ascii_lowercase();
                    let r = if r.is_empty() {
                        "unknown".to_string()
                    } else {
                        r
                    };
                    r == rating
                        && report.findings.iter().any(|f| {
                            f.subject.as_deref() == Some(c.subject.as_str())
                                && f.is_active_failure()
                        })
                })
                .count();
            let _ = writeln!(
                s,
                "nixsec_cves{{command=\"{cmd}\",severity=\"{rating}\"}} {n}"
            );
        }
    }

    header(
        &mut s,
        "nixsec_errors",
        "Results of the last run that could not be checked (status error).",
    );
    let _ = writeln!(
        s,
        "nixsec_errors{{command=\"{cmd}\"}} {}",
        report.summary.error
    );

    if let Some(t) = started(report) {
        header(
            &mut s,
            "nixsec_last_run_timestamp_seconds",
            "Start of the last run, in seconds since the Unix epoch.",
        );
        let _ = writeln!(
            s,
            "nixsec_last_run_timestamp_seconds{{command=\"{cmd}\"}} {}",
            num(t)
        );
    }
    header(
        &mut s,
        "nixsec_run_duration_seconds",
        "Wall time of the last run, in seconds.",
    );
    let _ = writeln!(
        s,
        "nixsec_run_duration_seconds{{command=\"{cmd}\"}} {}",
        num(report.duration_ms as f64 / 1000.0)
    );
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn text(command: &str, extra: &Extra<'_>) -> String {
        let mut out = Vec::new();
        render(&testdata::report(), command, extra, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn audit_metrics_by_hand() {
        let t = text("audit", &Extra::default());
        // NIX-012 fails (critical): its fail series is 1, the others 0.
        assert!(t.contains("nixsec_rule_status{command=\"audit\",rule=\"NIX-012\",section=\"multi-user\",severity=\"critical\",status=\"fail\"} 1\n"), "{t}");
        assert!(t.contains("nixsec_rule_status{command=\"audit\",rule=\"NIX-012\",section=\"multi-user\",severity=\"critical\",status=\"pass\"} 0\n"));
        // NIX-013's only failure is ignored.
        assert!(t.contains(
            "rule=\"NIX-013\",section=\"multi-user\",severity=\"high\",status=\"ignored\"} 1\n"
        ));
        assert_eq!(t.matches("nixsec_rule_status{").count(), 7 * 5);
        assert!(t.contains(
            "nixsec_findings{command=\"audit\",section=\"multi-user\",severity=\"critical\"} 1\n"
        ));
        assert!(t.contains(
            "nixsec_findings{command=\"audit\",section=\"multi-user\",severity=\"high\"} 0\n"
        ));
        assert!(t.contains(
            "nixsec_findings{command=\"audit\",section=\"firewall\",severity=\"medium\"} 1\n"
        ));
        // Four sections ran: multi-user, isolation, firewall, kernel.
        assert_eq!(t.matches("nixsec_findings{").count(), 4 * 5);
        assert!(t.contains("nixsec_hardening_index{command=\"audit\"} 27\n"));
        assert!(t.contains("nixsec_errors{command=\"audit\"} 1\n"));
        // 2026-11-28T10:00:00Z
        assert!(t.contains("nixsec_last_run_timestamp_seconds{command=\"audit\"} 1795860000\n"));
        assert!(t.contains("nixsec_run_duration_seconds{command=\"audit\"} 0.042\n"));
        assert!(!t.contains("nixsec_unit_exposure") && !t.contains("nixsec_cves"));
    }

    #[test]
    fn units_and_cves() {
        let units = [UnitRow {
            unit: "we\"ird\\.service".into(),
            exposure: 96,
            level: "UNSAFE".into(),
            fragment: String::new(),
        }];
        let t = text(
            "units",
            &Extra {
                units: Some(&units),
                cves: None,
            },
        );
        assert!(
            t.contains(
                "nixsec_unit_exposure{command=\"units\",unit=\"we\\\"ird\\\\.service\"} 9.6\n"
            ),
            "{t}"
        );
        assert!(!t.contains("nixsec_hardening_index"));
        let cves = [CveRow {
            subject: "x".into(),
            id: "CVE-1".into(),
            package: "p".into(),
            version: "1".into(),
            rating: "HIGH".into(),
            score: Some(7.5),
        }];
        let t = text(
            "vulns",
            &Extra {
                units: None,
                cves: Some(&cves),
            },
        );
        // No finding has subject `x`: nothing active.
        assert!(
            t.contains("nixsec_cves{command=\"vulns\",severity=\"high\"} 0\n"),
            "{t}"
        );
    }

    #[test]
    fn label_escaping() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
