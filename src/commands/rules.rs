//! `nixsec rules`: every catalogue entry once, with where it runs (`nixsec audit`, `nixsec
//! lint` or both), as a table, JSON or the README's Markdown coverage table.

use std::io::Write;

use nixsec_core::ExitStatus;
use serde_json::json;

use crate::cli::{RulesArgs, RulesFormat};

/// The coverage table the README carries between `<!-- rules:begin -->` and
/// `<!-- rules:end -->` (a test keeps them equal).
#[must_use]
pub fn markdown() -> String {
    let mut s = String::from(
        "| Id | Section | Severity | Title | audit | lint | lynis | CIS |\n|---|---|---|---|---|---|---|---|\n",
    );
    for e in nixsec_catalogue::all() {
        let mark = |b: bool| if b { "✓" } else { "" };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            e.id,
            e.section.as_str(),
            e.severity.as_str(),
            e.title.replace('|', "\\|"),
            mark(e.audit.is_some()),
            mark(e.lint.is_some()),
            e.others.lynis.join(", "),
            e.others.cis.join(", "),
        ));
    }
    s
}

pub fn run(args: &RulesArgs) -> anyhow::Result<ExitStatus> {
    let mut out = std::io::stdout().lock();
    match args.format {
        RulesFormat::Json => {
            let list: Vec<_> = nixsec_catalogue::all()
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "title": e.title,
                        "section": e.section,
                        "severity": e.severity,
                        "checks": e.audit.or(e.lint),
                        "checks_audit": e.audit,
                        "checks_lint": e.lint,
                        "rationale": e.rationale,
                        "remediation": { "text": e.fix, "nixos": e.nixos },
                        "references": e.references,
                        "others": {
                            "lynis": e.others.lynis,
                            "devsec": e.others.devsec,
                            "cis": e.others.cis,
                            "note": e.others.note,
                        },
                        "source": e.file,
                        "runs_in": e.runs_in(),
                    })
                })
                .collect();
            nixsec_core::json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => out.write_all(markdown().as_bytes())?,
        RulesFormat::Text => {
            writeln!(
                out,
                "{:<8}  {:<16}  {:<8}  TITLE",
                "ID", "SECTION", "SEVERITY"
            )?;
            for e in nixsec_catalogue::all() {
                writeln!(
                    out,
                    "{:<8}  {:<16}  {:<8}  {}",
                    e.id,
                    e.section.as_str(),
                    e.severity.as_str(),
                    e.title
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
