//! `nixsec rules`: every registered rule, host checks (`nixsec audit`) and configuration checks
//! (`nixsec lint`), as a table or JSON.

use std::io::Write;

use nixsec_core::{host_rules, ExitStatus, RuleMeta};
use nixsec_report::Format;
use serde_json::json;

use crate::cli::RulesArgs;

/// Every rule once, by id: its catalogue entry (the host rule's where both exist) and where it
/// runs.
fn catalogue() -> Vec<(&'static RuleMeta, Vec<&'static str>)> {
    let mut rules: Vec<(&'static RuleMeta, Vec<&'static str>)> = host_rules()
        .iter()
        .map(|r| (r.meta(), vec!["audit"]))
        .collect();
    for l in nixsec_lint::lint_rules() {
        let m = l.meta();
        match rules.iter_mut().find(|(h, _)| h.id == m.id) {
            Some((_, runs)) => runs.push("lint"),
            None => rules.push((m, vec!["lint"])),
        }
    }
    rules.sort_by(|a, b| a.0.id.cmp(b.0.id));
    rules
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitStatus> {
    let rules = catalogue();
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        let list: Vec<_> = rules
            .iter()
            .map(|(m, runs)| {
                json!({
                    "id": m.id,
                    "title": m.title,
                    "section": m.section,
                    "severity": m.severity,
                    "checks": m.checks,
                    "rationale": m.rationale,
                    "remediation": { "text": m.fix, "nixos": m.nixos },
                    "references": m.references,
                    "source": m.source,
                    "runs_in": runs,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<8}  {:<16}  {:<8}  TITLE",
            "ID", "SECTION", "SEVERITY"
        )?;
        for (m, _) in &rules {
            writeln!(
                out,
                "{:<8}  {:<16}  {:<8}  {}",
                m.id,
                m.section.as_str(),
                m.severity.as_str(),
                m.title
            )?;
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
