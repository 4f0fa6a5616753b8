//! The text report for people: findings grouped by section, failures first, then a summary.
//!
//! Every string that comes from the report passes through [`nixsec_core::escape()`], so control
//! characters and bidirectional overrides from host data never reach the terminal. Colour is
//! written only when [`Options::color`] is set.

use std::cmp::Reverse;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use nixsec_core::{escape, Finding, Report, Section, Severity, Status};

use crate::Options;

/// Indent of a finding's detail lines (message, evidence, fix).
const DETAIL: &str = "      ";

/// The styles in use: all plain when colour is off, so nothing but text is written.
struct Palette {
    heading: Style,
    fail: Style,
    ignored: Style,
    error: Style,
    pass: Style,
    skip: Style,
    dim: Style,
    warning: Style,
    critical: Style,
    high: Style,
    medium: Style,
    low: Style,
    info: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        let on = |s: Style| if color { s } else { Style::new() };
        Palette {
            heading: on(Style::new().bold()),
            fail: on(fg(AnsiColor::Red).bold()),
            ignored: on(fg(AnsiColor::Cyan)),
            error: on(fg(AnsiColor::Yellow).bold()),
            pass: on(fg(AnsiColor::Green)),
            skip: on(Style::new().dimmed()),
            dim: on(Style::new().dimmed()),
            warning: on(fg(AnsiColor::Yellow).bold()),
            critical: on(fg(AnsiColor::Magenta).bold()),
            high: on(fg(AnsiColor::Red)),
            medium: on(fg(AnsiColor::Yellow)),
            low: on(fg(AnsiColor::Blue)),
            info: on(Style::new().dimmed()),
        }
    }

    fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// Where a finding sorts within its section: active failures, ignored failures, errors,
/// passes, skips.
fn status_rank(f: &Finding) -> u8 {
    match f.status {
        Status::Fail if f.ignored.is_none() => 0,
        Status::Fail => 1,
        Status::Error => 2,
        Status::Pass => 3,
        Status::Skip => 4,
    }
}

/// The findings grouped by section: known sections in catalogue order with their heading, then
/// any section name the catalogue does not know, in order of first appearance.
fn groups(report: &Report) -> Vec<(String, Vec<&Finding>)> {
    let mut out: Vec<(String, Vec<&Finding>)> = Section::ALL
        .iter()
        .map(|s| {
            let fs = report
                .findings
                .iter()
                .filter(|f| f.section == s.as_str())
                .collect();
            (format!("{} ({})", s.heading(), s.as_str()), fs)
        })
        .collect();
    let mut unknown: Vec<&str> = Vec::new();
    for f in &report.findings {
        if !Section::ALL.iter().any(|s| s.as_str() == f.section)
            && !unknown.contains(&f.section.as_str())
        {
            unknown.push(&f.section);
        }
    }
    for name in unknown {
        let fs = report
            .findings
            .iter()
            .filter(|f| f.section == name)
            .collect();
        out.push((escape(name).into_owned(), fs));
    }
    for (_, fs) in &mut out {
        // A rule's findings of one kind stay together (in the order its checker gave them),
        // ranked by the worst of them.
        let worst = |f: &Finding, fs: &[&Finding]| {
            fs.iter()
                .filter(|g| g.rule == f.rule && status_rank(g) == status_rank(f))
                .map(|g| g.severity)
                .max()
                .unwrap_or(f.severity)
        };
        let keys: Vec<(u8, Reverse<Severity>, String)> = fs
            .iter()
            .map(|f| (status_rank(f), Reverse(worst(f, fs)), f.rule.clone()))
            .collect();
        let mut order: Vec<usize> = (0..fs.len()).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        *fs = order.into_iter().map(|i| fs[i]).collect();
    }
    out.retain(|(_, fs)| !fs.is_empty());
    out
}

/// Render `report` as text for people.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(report: &Report, opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let p = Palette::new(opts.color);
    writeln!(
        out,
        "{h}{} {} audit of {}{h:#}",
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.root),
        h = p.heading
    )?;
    if report.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "no results")?;
    }
    for (heading, findings) in groups(report) {
        let shown: Vec<&Finding> = findings
            .into_iter()
            .filter(|f| !opts.quiet || matches!(f.status, Status::Fail | Status::Error))
            .collect();
        if shown.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{h}{heading}{h:#}", h = p.heading)?;
        let mut i = 0;
        while i < shown.len() {
            let f = shown[i];
            let mut j = i + 1;
            while j < shown.len()
                && shown[j].rule == f.rule
                && status_rank(shown[j]) == status_rank(f)
            {
                j += 1;
            }
            if j - i > 1 && f.status == Status::Fail {
                problems(out, &shown[i..j], &p)?;
            } else {
                for g in &shown[i..j] {
                    finding(out, g, opts, &p)?;
                }
            }
            i = j;
        }
    }
    writeln!(out)?;
    summary(out, report, &p)
}

fn finding(out: &mut dyn Write, f: &Finding, opts: &Options, p: &Palette) -> io::Result<()> {
    let (label, style) = match f.status {
        Status::Fail if f.ignored.is_some() => ("IGNORED", p.ignored),
        Status::Fail => ("FAIL", p.fail),
        Status::Error => ("ERROR", p.error),
        Status::Pass => ("pass", p.pass),
        Status::Skip => ("skip", p.skip),
    };
    let sev = p.severity(f.severity);
    write!(
        out,
        "  {style}{label:<7}{style:#}  {sev}{:<8}{sev:#}  {}  {}",
        f.severity.as_str(),
        escape(&f.rule),
        escape(&f.title)
    )?;
    if f.status == Status::Skip && !f.message.is_empty() {
        write!(out, " {d}— {}{d:#}", escape(&f.message), d = p.dim)?;
    }
    writeln!(out)?;

    match f.status {
        Status::Fail => {
            message_and_evidence(out, f)?;
            if let Some(ig) = &f.ignored {
                write!(
                    out,
                    "{DETAIL}{s}ignored:{s:#} {}",
                    escape(&ig.reason),
                    s = p.ignored
                )?;
                if let Some(until) = &ig.until {
                    write!(out, " (until {})", escape(until))?;
                }
                writeln!(out)?;
            } else {
                remediation(out, f)?;
            }
        }
        Status::Error => message_and_evidence(out, f)?,
        Status::Pass if opts.verbose => message_and_evidence(out, f)?,
        Status::Pass | Status::Skip => {}
    }
    Ok(())
}

/// Several failing findings of one rule (of one kind: active or ignored): the rule's line once
/// with the worst severity and the count, then each problem, then the fix (once when every
/// problem shares it, else under each problem).
fn problems(out: &mut dyn Write, fs: &[&Finding], p: &Palette) -> io::Result<()> {
    let first = fs[0];
    let worst = fs
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let (label, style) = if first.ignored.is_some() {
        ("IGNORED", p.ignored)
    } else {
        ("FAIL", p.fail)
    };
    let sev = p.severity(worst);
    writeln!(
        out,
        "  {style}{label:<7}{style:#}  {sev}{:<8}{sev:#}  {}  {} {d}({} problems){d:#}",
        worst.as_str(),
        escape(&first.rule),
        escape(&first.title),
        fs.len(),
        d = p.dim
    )?;
    let shared_fix = fs
        .iter()
        .all(|f| f.remediation.nixos == first.remediation.nixos);
    for f in fs {
        write!(out, "{DETAIL}- ")?;
        if f.severity != worst {
            let s = p.severity(f.severity);
            write!(out, "{s}[{}]{s:#} ", f.severity.as_str())?;
        }
        writeln!(out, "{}", escape(&f.message))?;
        for e in &f.evidence {
            evidence_line(out, e, "  ")?;
        }
        if let Some(ig) = &f.ignored {
            write!(
                out,
                "{DETAIL}  {s}ignored:{s:#} {}",
                escape(&ig.reason),
                s = p.ignored
            )?;
            if let Some(until) = &ig.until {
                write!(out, " (until {})", escape(until))?;
            }
            writeln!(out)?;
        } else if !shared_fix && !f.remediation.nixos.trim().is_empty() {
            writeln!(out, "{DETAIL}  nixos:")?;
            for line in f.remediation.nixos.lines() {
                writeln!(out, "{DETAIL}    {}", escape(line))?;
            }
        }
    }
    if first.ignored.is_none() {
        if shared_fix {
            remediation(out, first)?;
        } else {
            let mut lines = first.remediation.text.lines();
            if let Some(line) = lines.next() {
                writeln!(out, "{DETAIL}fix: {}", escape(line))?;
                for line in lines {
                    writeln!(out, "{DETAIL}     {}", escape(line))?;
                }
            }
        }
    }
    Ok(())
}

fn evidence_line(out: &mut dyn Write, e: &nixsec_core::Evidence, indent: &str) -> io::Result<()> {
    write!(out, "{DETAIL}{indent}{}", escape(&e.path))?;
    if let Some(line) = e.line {
        write!(out, ":{line}")?;
    }
    if let Some(value) = &e.value {
        write!(out, "  {}", escape(value))?;
    }
    writeln!(out)
}

fn message_and_evidence(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    if !f.message.is_empty() {
        writeln!(out, "{DETAIL}{}", escape(&f.message))?;
    }
    for e in &f.evidence {
        evidence_line(out, e, "")?;
    }
    Ok(())
}

fn remediation(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let mut lines = f.remediation.text.lines();
    if let Some(first) = lines.next() {
        writeln!(out, "{DETAIL}fix: {}", escape(first))?;
        for line in lines {
            writeln!(out, "{DETAIL}     {}", escape(line))?;
        }
    }
    if !f.remediation.nixos.trim().is_empty() {
        writeln!(out, "{DETAIL}nixos:")?;
        for line in f.remediation.nixos.lines() {
            if line.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "{DETAIL}  {}", escape(line))?;
            }
        }
    }
    Ok(())
}

fn summary(out: &mut dyn Write, report: &Report, p: &Palette) -> io::Result<()> {
    let s = &report.summary;
    let by = &s.fail_by_severity;
    writeln!(out, "{h}Summary{h:#}", h = p.heading)?;
    let fail = if s.fail > 0 { p.fail } else { Style::new() };
    writeln!(
        out,
        "{fail}{} fail{fail:#} ({} critical, {} high, {} medium, {} low, {} info), {} error, {} pass, {} skip, {} ignored",
        s.fail, by.critical, by.high, by.medium, by.low, by.info, s.error, s.pass, s.skip, s.ignored
    )?;
    let r = &s.rules;
    if r.fail + r.ignored != s.fail + s.ignored {
        writeln!(
            out,
            "rules: {} failing ({} problems), {} ignored, {} error, {} pass, {} skip",
            r.fail, s.fail, r.ignored, r.error, r.pass, r.skip
        )?;
    }
    match s.hardening_index {
        Some(i) => writeln!(out, "hardening index: {i}/100")?,
        None => writeln!(out, "hardening index: n/a")?,
    }
    let fail_on = escape(&s.fail_on);
    match s.failing {
        0 => writeln!(
            out,
            "fail-on: {fail_on} — {g}the run passes{g:#} (no failing result)",
            g = p.pass
        )?,
        1 => writeln!(
            out,
            "fail-on: {fail_on} — {r}the run fails{r:#} (1 failing result)",
            r = p.fail
        )?,
        n => writeln!(
            out,
            "fail-on: {fail_on} — {r}the run fails{r:#} ({n} failing results)",
            r = p.fail
        )?,
    }
    for w in &s.warnings {
        writeln!(out, "{y}warning:{y:#} {}", escape(w), y = p.warning)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn text(opts: Options) -> String {
        let mut out = Vec::new();
        render(&testdata::report(), &opts, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    fn pos(haystack: &str, needle: &str) -> usize {
        haystack
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in:\n{haystack}"))
    }

    #[test]
    fn no_raw_control_characters_without_colour() {
        for opts in [
            Options::default(),
            Options {
                verbose: true,
                ..Options::default()
            },
            Options {
                quiet: true,
                ..Options::default()
            },
        ] {
            let t = text(opts);
            assert!(!t.contains('\x1b'), "escape code in:\n{t}");
            assert!(!t.contains('\x07'), "bell in:\n{t}");
            assert!(
                !t.contains("evil\nname"),
                "raw newline from a path in:\n{t}"
            );
            assert!(
                t.contains("cannot parse \\x1b[31m/etc/ssh/sshd_config: bad line"),
                "{t}"
            );
            assert!(
                t.contains("/etc/nix/evil\\nname conf  sandbox = \\x1b[2Jrelaxed"),
                "{t}"
            );
            assert!(t.contains("warning: `nixsec.toml`: line 4: the ignore of `NIX-099`\\x1b[0m matched nothing"), "{t}");
            assert!(t.contains("build box\\x07 only (until 2027-01-01)"), "{t}");
        }
    }

    #[test]
    fn layout_by_hand() {
        let t = text(Options::default());
        let expected = "\
nixsec 0.1.0 audit of /mnt/host root

Multi-user Nix (multi-user)
  FAIL     critical  NIX-012  Title of NIX-012
      the build sandbox is disabled
      /etc/nix/nix.conf:3  sandbox = false
      /etc/nix/evil\\nname conf  sandbox = \\x1b[2Jrelaxed
      fix: Fix NIX-012.
      nixos:
        # NIX-012
        nix.settings.option = true;
  IGNORED  high      NIX-013  Title of NIX-013
      trusted-users holds @wheel
      /etc/nix/nix.conf  trusted-users = @wheel
      ignored: build box\\x07 only (until 2027-01-01)
  pass     low       NIX-011  Title of NIX-011

Isolation (isolation)
  skip     low       NIX-050  Title of NIX-050 — docker is not enabled

Firewall and network (firewall)
  FAIL     medium    NIX-071  Title of NIX-071
      the firewall is disabled
      fix: Fix NIX-071.
      nixos:
        # NIX-071
        nix.settings.option = true;
  ERROR    medium    NIX-072  Title of NIX-072
      cannot parse \\x1b[31m/etc/ssh/sshd_config: bad line
      /etc/ssh/sshd_config

Kernel, sysctl and mounts (kernel)
  pass     high      NIX-110  Title of NIX-110

Summary
2 fail (1 critical, 0 high, 1 medium, 0 low, 0 info), 1 error, 2 pass, 1 skip, 1 ignored
hardening index: 27/100
fail-on: high — the run fails (1 failing result)
warning: `nixsec.toml`: line 4: the ignore of `NIX-099`\\x1b[0m matched nothing
";
        assert_eq!(t, expected, "got:\n{t}");
    }

    #[test]
    fn failures_come_before_passes() {
        let t = text(Options::default());
        let fail = pos(&t, "FAIL     critical  NIX-012");
        let ignored = pos(&t, "IGNORED  high      NIX-013");
        let pass = pos(&t, "pass     low       NIX-011");
        assert!(fail < ignored && ignored < pass, "{t}");
        let fail = pos(&t, "FAIL     medium    NIX-071");
        let error = pos(&t, "ERROR    medium    NIX-072");
        assert!(fail < error, "{t}");
        // Sections in catalogue order.
        assert!(pos(&t, "Multi-user Nix (multi-user)") < pos(&t, "Isolation (isolation)"));
        assert!(pos(&t, "Isolation (isolation)") < pos(&t, "Firewall and network (firewall)"));
        assert!(
            pos(&t, "Firewall and network (firewall)")
                < pos(&t, "Kernel, sysctl and mounts (kernel)")
        );
        // An ignored failure shows no fix.
        let ignored_block = &t[ignored..pass];
        assert!(!ignored_block.contains("fix:"), "{ignored_block}");
    }

    #[test]
    fn quiet_hides_passes_and_skips() {
        let t = text(Options {
            quiet: true,
            ..Options::default()
        });
        assert!(
            !t.contains("NIX-011") && !t.contains("NIX-110") && !t.contains("NIX-050"),
            "{t}"
        );
        assert!(
            !t.contains("Isolation (isolation)") && !t.contains("(kernel)"),
            "empty sections shown:\n{t}"
        );
        for kept in [
            "NIX-012",
            "NIX-013",
            "NIX-071",
            "NIX-072",
            "hardening index: 27/100",
        ] {
            assert!(t.contains(kept), "`{kept}` missing:\n{t}");
        }
        assert!(t.contains("2 fail (1 critical, 0 high, 1 medium, 0 low, 0 info), 1 error, 2 pass, 1 skip, 1 ignored"));
    }

    #[test]
    fn verbose_shows_pass_messages() {
        let quiet_msg = "kernel.kptr_restrict is 2";
        assert!(!text(Options::default()).contains(quiet_msg));
        let t = text(Options {
            verbose: true,
            ..Options::default()
        });
        assert!(
            t.contains(
                "      kernel.kptr_restrict is 2\n      /proc/sys/kernel/kptr_restrict  2\n"
            ),
            "{t}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let t = text(Options {
            color: true,
            ..Options::default()
        });
        assert!(t.contains("\x1b[1m\x1b[31mFAIL   \x1b[0m"), "{t:?}");
        // Host data is still escaped: the only ESC bytes are the styles'.
        assert!(t.contains("cannot parse \\x1b[31m/etc"), "{t:?}");
        assert!(!t.contains("evil\nname"));
    }

    #[test]
    fn empty_report_and_no_index() {
        let r = nixsec_core::Report::new(
            nixsec_core::Tool {
                name: "nixsec".into(),
                version: "0.1.0".into(),
            },
            "/".into(),
            "2026-11-28T10:00:00Z".into(),
            0,
            Vec::new(),
            nixsec_core::FailOn::default(),
            Vec::new(),
        );
        let mut out = Vec::new();
        render(&r, &Options::default(), &mut out).expect("render");
        let t = String::from_utf8(out).expect("utf-8");
        assert!(t.contains("no results\n"), "{t}");
        assert!(t.contains("hardening index: n/a\n"), "{t}");
        assert!(
            t.contains("fail-on: high — the run passes (no failing result)\n"),
            "{t}"
        );
    }
}
