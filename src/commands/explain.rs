//! `nixsec explain ID`: what a rule checks, why it matters, the NixOS fix, and where other
//! tools check the same thing; all from the rule's catalogue entry.

use std::io::{IsTerminal, Write};

use anyhow::bail;
use nixsec_core::ExitStatus;

use crate::cli::{ExplainArgs, GlobalArgs};
use crate::printer::use_color;

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    let Some(e) = nixsec_catalogue::get(&args.id) else {
        bail!(
            "unknown rule `{}` (see `nixsec rules`)",
            nixsec_core::escape(&args.id)
        );
    };
    let stdout = std::io::stdout();
    let color = use_color(global.color, stdout.is_terminal());
    let bold = if color {
        anstyle::Style::new().bold()
    } else {
        anstyle::Style::new()
    };
    let mut out = stdout.lock();
    writeln!(out, "{bold}{}  {}{bold:#}", e.id, e.title)?;
    writeln!(
        out,
        "section: {} · severity: {} · runs in: {}",
        e.section.as_str(),
        e.severity.as_str(),
        e.runs_in().join(", ")
    )?;
    if let Some(checks) = e.audit {
        writeln!(
            out,
            "\n{bold}What it checks (nixsec audit){bold:#}\n  {checks}"
        )?;
    }
    if let Some(checks) = e.lint {
        writeln!(
            out,
            "\n{bold}What it checks in configuration (nixsec lint){bold:#}\n  {checks}"
        )?;
    }
    for (heading, text) in [("Why it matters", e.rationale), ("Fix", e.fix)] {
        writeln!(out, "\n{bold}{heading}{bold:#}\n  {text}")?;
    }
    writeln!(out, "\n{bold}Fix (NixOS){bold:#}")?;
    for line in e.nixos.lines() {
        writeln!(out, "  {line}")?;
    }
    if !e.references.is_empty() {
        writeln!(out, "\n{bold}References{bold:#}")?;
        for r in e.references {
            writeln!(out, "  - {r}")?;
        }
    }
    let o = &e.others;
    if !o.lynis.is_empty() || !o.devsec.is_empty() || !o.cis.is_empty() || o.note.is_some() {
        writeln!(out, "\n{bold}Other tools and baselines{bold:#}")?;
        if !o.lynis.is_empty() {
            writeln!(out, "  lynis: {}", o.lynis.join(", "))?;
        }
        if !o.devsec.is_empty() {
            writeln!(out, "  DevSec baseline: {}", o.devsec.join(", "))?;
        }
        if !o.cis.is_empty() {
            writeln!(
                out,
                "  CIS Distribution Independent Linux v2.0.0: {}",
                o.cis.join(", ")
            )?;
        }
        if let Some(note) = o.note {
            writeln!(out, "  {note}")?;
        }
    }
    writeln!(out, "\nCatalogue entry: {}", e.file)?;
    if let Some(r) = nixsec_host::find_rule(e.id) {
        writeln!(out, "Host check: {}", r.source)?;
    }
    if let Some(r) = nixsec_lint::lint_rules().into_iter().find(|r| r.id == e.id) {
        writeln!(out, "Configuration check: {}", r.source)?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
