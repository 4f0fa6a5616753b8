//! `nixsec explain ID`: what a rule checks, why it matters, and the NixOS fix.

use std::io::{IsTerminal, Write};

use anyhow::bail;
use nixsec_core::{find_rule, ExitStatus};

use crate::cli::{ExplainArgs, GlobalArgs};
use crate::printer::use_color;

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    // A catalogue id may have a host rule, a configuration rule (`nixsec lint`), or both.
    let lint = nixsec_lint::lint_rules()
        .into_iter()
        .map(|r| r.meta())
        .find(|m| m.id.eq_ignore_ascii_case(&args.id));
    let Some(m) = find_rule(&args.id).map(|r| r.meta()).or(lint) else {
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
    writeln!(out, "{bold}{}  {}{bold:#}", m.id, m.title)?;
    writeln!(
        out,
        "section: {} · severity: {}",
        m.section.as_str(),
        m.severity.as_str()
    )?;
    for (heading, text) in [
        ("What it checks", m.checks),
        ("Why it matters", m.rationale),
        ("Fix", m.fix),
    ] {
        writeln!(out, "\n{bold}{heading}{bold:#}\n  {text}")?;
    }
    writeln!(out, "\n{bold}Fix (NixOS){bold:#}")?;
    for line in m.nixos.lines() {
        writeln!(out, "  {line}")?;
    }
    if !m.references.is_empty() {
        writeln!(out, "\n{bold}References{bold:#}")?;
        for r in m.references {
            writeln!(out, "  - {r}")?;
        }
    }
    writeln!(out, "\nDefined in {}", m.source)?;
    if let Some(l) = lint.filter(|l| !std::ptr::eq(*l, m)) {
        writeln!(
            out,
            "\n{bold}In configuration (nixsec lint){bold:#}\n  {}",
            l.checks
        )?;
        writeln!(out, "  Defined in {}", l.source)?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
