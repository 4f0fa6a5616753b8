//! `nixsec rules`: every registered rule, as a table or JSON.

use std::io::Write;

use nixsec_core::{host_rules, ExitStatus};
use nixsec_report::Format;
use serde_json::json;

use crate::cli::RulesArgs;

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitStatus> {
    let rules = host_rules();
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        let list: Vec<_> = rules
            .iter()
            .map(|r| {
                let m = r.meta();
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
        for r in &rules {
            let m = r.meta();
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
