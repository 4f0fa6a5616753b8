//! The `nixsec lint` report: compiler-style diagnostics for people, JSON (the serde form of
//! [`LintReport`]), and SARIF 2.1.0 with regions so code-scanning dashboards show each result
//! on its line.
//!
//! Everything from the linted files (paths, source lines, values, messages) passes through
//! [`nixsec_core::escape()`] before it reaches a terminal.

use std::collections::BTreeMap;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use nixsec_core::{escape, LintFinding, LintReport, Severity, Status};
use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use crate::sarif::{level, security_severity, SCHEMA, VERSION};
use crate::{Format, Options};

/// The `uriBaseId` relative file locations are given against: the directory `nixsec lint` ran
/// in (GitHub code scanning resolves it to the checkout).
pub const SRCROOT: &str = "%SRCROOT%";

/// Render `report` in `format`.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(
    format: Format,
    report: &LintReport,
    opts: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text(report, opts, out),
        Format::Json => {
            nixsec_core::json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
            writeln!(out)
        }
        Format::Sarif => {
            nixsec_core::json::to_writer_pretty(&mut *out, &sarif(report)?)
                .map_err(io::Error::from)?;
            writeln!(out)
        }
        Format::Html => crate::html::render_lint(report, out),
        Format::Prometheus => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "`nixsec lint` has no Prometheus output (audit, units and vulns have)",
        )),
    }
}

fn sev_style(s: Severity, color: bool) -> Style {
    if !color {
        return Style::new();
    }
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into())).bold();
    match s {
        Severity::Critical => fg(AnsiColor::Magenta),
        Severity::High => fg(AnsiColor::Red),
        Severity::Medium => fg(AnsiColor::Yellow),
        Severity::Low => fg(AnsiColor::Blue),
        Severity::Info => Style::new().dimmed(),
    }
}

/// Compiler-style text: one block per finding, then the summary.
fn text(report: &LintReport, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let bold = if opts.color {
        Style::new().bold()
    } else {
        Style::new()
    };
    let blue = if opts.color {
        Style::new().fg_color(Some(AnsiColor::Blue.into())).bold()
    } else {
        Style::new()
    };
    for f in &report.findings {
        let shown = match f.finding.status {
            Status::Fail => f.finding.ignored.is_none() || opts.verbose,
            Status::Error => true,
            Status::Pass | Status::Skip => opts.verbose,
        };
        if !shown {
            continue;
        }
        diagnostic(out, f, opts, bold, blue)?;
    }
    let s = &report.summary;
    let by = &s.fail_by_severity;
    if opts.verbose {
        for sk in &report.skipped {
            writeln!(out, "skipped: {}", escape(sk))?;
        }
    }
    let skipped = match report.skipped.len() {
        0 => String::new(),
        n if opts.verbose => format!(" ({n} skipped)"),
        n => format!(" ({n} skipped, `-v` lists them)"),
    };
    writeln!(
        out,
        "{bold}nixsec lint:{bold:#} {} files{skipped}, {} configurations: {} findings ({} critical, {} high, {} medium, {} low, {} info), {} errors, {} ignored",
        report.files,
        report.configurations.len(),
        s.fail,
        by.critical,
        by.high,
        by.medium,
        by.low,
        by.info,
        s.error,
        s.ignored
    )?;
    let fail_on = escape(&s.fail_on);
    match s.failing {
        0 => writeln!(
            out,
            "fail-on: {fail_on} — the run passes (no failing result)"
        )?,
        1 => writeln!(out, "fail-on: {fail_on} — the run fails (1 failing result)")?,
        n => writeln!(
            out,
            "fail-on: {fail_on} — the run fails ({n} failing results)"
        )?,
    }
    for w in &s.warnings {
        writeln!(out, "warning: {}", escape(w))?;
    }
    Ok(())
}

fn diagnostic(
    out: &mut dyn Write,
    f: &LintFinding,
    opts: &Options,
    bold: Style,
    blue: Style,
) -> io::Result<()> {
    let (label, style) = match f.finding.status {
        Status::Error => ("error", sev_style(Severity::High, opts.color)),
        _ if f.finding.ignored.is_some() => ("ignored", Style::new()),
        _ => (
            f.finding.severity.as_str(),
            sev_style(f.finding.severity, opts.color),
        ),
    };
    writeln!(
        out,
        "{style}{label}[{}]{style:#}{bold}: {}{bold:#}",
        escape(&f.finding.rule),
        escape(&f.finding.message)
    )?;
    let num = f.line.to_string();
    let pad = " ".repeat(num.len());
    writeln!(
        out,
        "{pad}{blue}-->{blue:#} {}:{}:{}",
        escape(&f.file),
        f.line,
        f.column
    )?;
    if !f.source_line.is_empty() || f.finding.status == Status::Fail {
        // Tabs become one space each, so the caret lines up with what is printed.
        let line = f.source_line.replace('\t', " ");
        let col = (f.column as usize).saturating_sub(1);
        let prefix: String = line.chars().take(col).collect();
        let lead = escape(&prefix).chars().count();
        let width = if f.end_line == f.line {
            let seg: String = line
                .chars()
                .skip(col)
                .take((f.end_column as usize).saturating_sub(f.column as usize))
                .collect();
            escape(&seg).chars().count().max(1)
        } else {
            escape(&line.chars().skip(col).collect::<String>())
                .chars()
                .count()
                .max(1)
        };
        writeln!(out, "{pad} {blue}|{blue:#}")?;
        writeln!(out, "{blue}{num} |{blue:#} {}", escape(&line))?;
        writeln!(
            out,
            "{pad} {blue}|{blue:#} {}{style}{}{style:#} {}",
            " ".repeat(lead),
            "^".repeat(width),
            escape(&f.finding.title)
        )?;
        writeln!(out, "{pad} {blue}|{blue:#}")?;
    }
    let note = |out: &mut dyn Write, k: &str, v: &str| -> io::Result<()> {
        let mut lines = v.lines();
        if let Some(first) = lines.next() {
            writeln!(out, "{pad} {blue}={blue:#} {k}: {}", escape(first))?;
            for l in lines {
                writeln!(out, "{pad}   {}  {}", " ".repeat(k.len()), escape(l))?;
            }
        }
        Ok(())
    };
    if let (Some(o), Some(v)) = (&f.option, &f.value) {
        note(out, "option", &format!("{o} = {v}"))?;
    } else if let Some(o) = &f.option {
        note(out, "option", o)?;
    }
    if let Some(c) = &f.condition {
        note(out, "only when", c)?;
    }
    if let Some(e) = &f.entry_point {
        note(out, "configuration", e)?;
    }
    if let Some(ig) = &f.finding.ignored {
        note(out, "ignored", &ig.reason)?;
    } else if f.finding.status == Status::Fail {
        note(out, "fix", &f.finding.remediation.nixos)?;
    } else {
        note(out, "help", &f.finding.remediation.text)?;
    }
    writeln!(out)
}

fn percent_encode(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn artifact(file: &str) -> ArtifactLocation {
    if let Some(abs) = file.strip_prefix('/') {
        ArtifactLocation::builder()
            .uri(format!("file:///{}", percent_encode(abs)))
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(percent_encode(file))
            .uri_base_id(SRCROOT)
            .build()
    }
}

fn descriptor(f: &LintFinding) -> ReportingDescriptor {
    let fd = &f.finding;
    let text = |s: String| MultiformatMessageString::builder().text(s).build();
    ReportingDescriptor::builder()
        .id(fd.rule.clone())
        .name(fd.title.clone())
        .short_description(text(fd.title.clone()))
        .full_description(text(fd.remediation.text.clone()))
        .help(
            MultiformatMessageString::builder()
                .text(format!(
                    "{}\n\nNixOS:\n{}",
                    fd.remediation.text, fd.remediation.nixos
                ))
                .markdown(format!(
                    "{}\n\n**NixOS:**\n\n```nix\n{}\n```",
                    fd.remediation.text, fd.remediation.nixos
                ))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(match level(fd.severity) {
                    ResultLevel::Error => "error",
                    ResultLevel::Warning => "warning",
                    _ => "note",
                }))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), fd.section.clone()])
                .additional_properties(BTreeMap::from([(
                    "security-severity".to_string(),
                    json!(security_severity(fd.severity)),
                )]))
                .build(),
        )
        .build()
}

fn result(f: &LintFinding, rule_index: usize) -> SarifResult {
    let fd = &f.finding;
    let region = Region::builder()
        .start_line(i64::from(f.line))
        .start_column(i64::from(f.column))
        .end_line(i64::from(f.end_line))
        .end_column(i64::from(if f.end_line == f.line {
            f.end_column.max(f.column + 1)
        } else {
            f.end_column
        }))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact(&f.file))
        .region(region)
        .build();
    let mut props = BTreeMap::from([
        ("severity".to_string(), json!(fd.severity.as_str())),
        ("conditional".to_string(), json!(f.conditional)),
    ]);
    for (k, v) in [
        ("option", &f.option),
        ("value", &f.value),
        ("condition", &f.condition),
        ("entry_point", &f.entry_point),
    ] {
        if let Some(v) = v {
            props.insert(k.to_string(), json!(v));
        }
    }
    let mut r = SarifResult::builder()
        .rule_id(fd.rule.clone())
        .rule_index(i64::try_from(rule_index).unwrap_or(i64::MAX))
        .level(if fd.status == Status::Error {
            ResultLevel::Error
        } else {
            level(fd.severity)
        })
        .message(Message::builder().text(fd.message.clone()).build())
        .locations(vec![Location::builder()
            .physical_location(physical)
            .build()])
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    if let Some(ig) = &fd.ignored {
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("inSource"))
            .status(json!("accepted"))
            .justification(ig.reason.clone())
            .build()]);
    }
    r
}

fn sarif(report: &LintReport) -> io::Result<Sarif> {
    let mut by_id: BTreeMap<&str, &LintFinding> = BTreeMap::new();
    for f in &report.findings {
        by_id.entry(f.finding.rule.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<ReportingDescriptor> = by_id.values().map(|f| descriptor(f)).collect();
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .filter(|f| matches!(f.finding.status, Status::Fail | Status::Error))
        .map(|f| {
            result(
                f,
                index
                    .get(f.finding.rule.as_str())
                    .copied()
                    .unwrap_or_default(),
            )
        })
        .collect();
    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![Invocation::builder()
            .execution_successful(true)
            .build()])
        .results(results)
        .build();
    Ok(Sarif::builder()
        .schema(SCHEMA)
        .version(Value::from(VERSION))
        .runs(vec![run])
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_core::{
        Evidence, FailOn, Finding, Ignored, LintConfiguration, Remediation, Tool as CoreTool,
    };

    fn finding(line: u32, col: u32, end: u32, src: &str, ignored: bool) -> LintFinding {
        LintFinding {
            finding: Finding {
                rule: "NIX-070".into(),
                title: "Firewall disabled".into(),
                section: "firewall".into(),
                subject: None,
                severity: Severity::High,
                status: Status::Fail,
                message: "the firewall is disabled".into(),
                evidence: vec![Evidence::line(
                    "hosts/a.nix",
                    line,
                    "networking.firewall.enable = false",
                )],
                remediation: Remediation {
                    text: "Keep the firewall on".into(),
                    nixos: "networking.firewall.enable = true;".into(),
                },
                ignored: ignored.then(|| Ignored {
                    reason: "lab".into(),
                    until: None,
                }),
            },
            file: "hosts/a.nix".into(),
            line,
            column: col,
            end_line: line,
            end_column: end,
            option: Some("networking.firewall.enable".into()),
            value: Some("false".into()),
            conditional: false,
            condition: None,
            entry_point: None,
            source_line: src.into(),
        }
    }

    fn report(findings: Vec<LintFinding>) -> LintReport {
        LintReport::new(
            CoreTool {
                name: "nixsec".into(),
                version: "0.1.0".into(),
            },
            vec![".".into()],
            "2026-11-28T00:00:00Z".into(),
            1,
            2,
            vec![LintConfiguration {
                entry_point: "configuration.nix".into(),
                kind: "nixos".into(),
                modules: vec!["configuration.nix".into()],
                not_followed: vec![],
            }],
            findings,
            FailOn::default(),
            vec![],
        )
    }

    fn render_text(r: &LintReport) -> String {
        let mut out = Vec::new();
        render(Format::Text, r, &Options::default(), &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn text_is_a_compiler_diagnostic() {
        let r = report(vec![finding(
            12,
            32,
            37,
            "  networking.firewall.enable = false;",
            false,
        )]);
        let expected = "\
high[NIX-070]: the firewall is disabled
  --> hosts/a.nix:12:32
   |
12 |   networking.firewall.enable = false;
   |                                ^^^^^ Firewall disabled
   |
   = option: networking.firewall.enable = false
   = fix: networking.firewall.enable = true;

nixsec lint: 2 files, 1 configurations: 1 findings (0 critical, 1 high, 0 medium, 0 low, 0 info), 0 errors, 0 ignored
fail-on: high — the run fails (1 failing result)
";
        assert_eq!(render_text(&r), expected);
    }

    #[test]
    fn hostile_source_lines_are_escaped_and_the_caret_follows() {
        let r = report(vec![finding(1, 8, 13, "\x1b[2J\t= false;", false)]);
        let t = render_text(&r);
        assert!(!t.contains('\x1b'), "{t}");
        assert!(t.contains("1 | \\x1b[2J = false;\n"), "{t}");
        // `\x1b[2J = ` is 10 printed characters before the value.
        assert!(
            t.contains(&format!("  | {}^^^^^ Firewall", " ".repeat(10))),
            "{t}"
        );
    }

    #[test]
    fn ignored_findings_are_hidden_unless_verbose() {
        let r = report(vec![finding(1, 1, 2, "x", true)]);
        assert!(!render_text(&r).contains("NIX-070]"));
        let mut out = Vec::new();
        let opts = Options {
            verbose: true,
            ..Options::default()
        };
        render(Format::Text, &r, &opts, &mut out).expect("render");
        let t = String::from_utf8(out).expect("utf-8");
        assert!(
            t.contains("ignored[NIX-070]") && t.contains("= ignored: lab"),
            "{t}"
        );
    }

    #[test]
    fn sarif_has_regions_and_in_source_suppressions() {
        let r = report(vec![
            finding(12, 32, 37, "  networking.firewall.enable = false;", false),
            finding(3, 1, 5, "x", true),
        ]);
        let mut out = Vec::new();
        render(Format::Sarif, &r, &Options::default(), &mut out).expect("render");
        let v: Value = serde_json::from_slice(&out).expect("json");
        let _: Sarif = serde_json::from_value(v.clone()).expect("serde_sarif");
        let res = &v["runs"][0]["results"];
        assert_eq!(res.as_array().map(Vec::len), Some(2));
        let loc = &res[1]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "hosts/a.nix");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], SRCROOT);
        assert_eq!(
            loc["region"],
            json!({"startLine": 12, "startColumn": 32, "endLine": 12, "endColumn": 37})
        );
        assert_eq!(res[0]["suppressions"][0]["kind"], "inSource");
        assert_eq!(res[1]["level"], "error");
        assert_eq!(res[1]["properties"]["option"], "networking.firewall.enable");
    }

    #[test]
    fn json_is_the_finding_plus_location() {
        let r = report(vec![finding(12, 32, 37, "src", false)]);
        let mut out = Vec::new();
        render(Format::Json, &r, &Options::default(), &mut out).expect("render");
        let v: Value = serde_json::from_slice(&out).expect("json");
        let f = &v["findings"][0];
        for k in [
            "rule",
            "title",
            "section",
            "severity",
            "status",
            "message",
            "evidence",
            "remediation",
        ] {
            assert!(f.get(k).is_some(), "{k} missing in {f}");
        }
        assert_eq!(f["file"], "hosts/a.nix");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(12), Some(32))
        );
        assert_eq!(f["conditional"], false);
        assert!(f.get("source_line").is_none());
        assert_eq!(v["summary"]["fail"], 1);
        assert_eq!(v["files"], 2);
    }
}
