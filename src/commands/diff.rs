//! `nixsec diff OLD NEW`: audit two built systems and list what changed for security, as
//! text, JSON (schema 1, `docs/json-output.md`), Markdown (for a pull-request comment) or
//! SARIF; exit 1 when NEW is worse at or above `--fail-on`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use nixsec_core::{ExitStatus, Severity};
use nixsec_host::diff::{diff, Change, Side};
use nixsec_host::{host_rules, run_rules, HostCx};

use crate::cli::{DiffArgs, GlobalArgs};

/// The two systems the arguments name, as paths of this machine.
fn targets(args: &DiffArgs) -> anyhow::Result<(PathBuf, PathBuf)> {
    let named = |s: &str| -> PathBuf {
        if s == "current" {
            PathBuf::from("/run/current-system")
        } else {
            PathBuf::from(s)
        }
    };
    let generation = |n: u32| {
        args.store_root
            .join(format!("nix/var/nix/profiles/system-{n}-link"))
    };
    let mut all: Vec<PathBuf> = args.generations.iter().map(|g| generation(*g)).collect();
    all.extend(args.systems.iter().map(|s| named(s)));
    match <[PathBuf; 2]>::try_from(all) {
        Ok([a, b]) => Ok((a, b)),
        Err(v) => bail!(
            "`nixsec diff` compares two systems; {} given (SYSTEM or `--generation N`, twice)",
            v.len()
        ),
    }
}

fn side(args: &DiffArgs, given: &std::path::Path) -> anyhow::Result<Side> {
    let view = super::audit::read_built(&args.store_root, given)
        .with_context(|| format!("`{}`", given.display()))?;
    let cx = HostCx::built(&view);
    let findings = run_rules(&cx, &host_rules());
    Ok(Side::read(&cx, view.system().toplevel.clone(), findings))
}

fn sev(c: &Change) -> &'static str {
    c.severity.map_or("", Severity::as_str)
}

fn show(v: Option<&String>) -> String {
    v.map_or_else(
        || "(none)".to_string(),
        |s| nixsec_core::escape(s).into_owned(),
    )
}

fn text(out: &mut dyn Write, old: &Side, new: &Side, changes: &[Change]) -> std::io::Result<()> {
    writeln!(out, "nixsec diff")?;
    writeln!(out, "  old: {}", nixsec_core::escape(&old.name))?;
    writeln!(out, "  new: {}", nixsec_core::escape(&new.name))?;
    if changes.is_empty() {
        return writeln!(out, "no security-relevant change");
    }
    for c in changes {
        writeln!(
            out,
            "{:<8} {:<19} {}: {} -> {}{}",
            sev(c),
            c.kind,
            nixsec_core::escape(&c.subject),
            show(c.old.as_ref()),
            show(c.new.as_ref()),
            c.rule
                .as_ref()
                .map_or_else(String::new, |r| format!("  [{r}]"))
        )?;
    }
    writeln!(out, "{} changes", changes.len())
}

fn md_cell(s: Option<&String>) -> String {
    s.map_or_else(
        || "—".to_string(),
        |s| {
            format!(
                "`{}`",
                nixsec_core::escape(s).replace('|', "\\|").replace('`', "'")
            )
        },
    )
}

fn markdown(
    out: &mut dyn Write,
    old: &Side,
    new: &Side,
    changes: &[Change],
) -> std::io::Result<()> {
    writeln!(out, "### nixsec diff\n")?;
    writeln!(out, "`{}` → `{}`\n", old.name, new.name)?;
    if changes.is_empty() {
        return writeln!(out, "No security-relevant change.");
    }
    let worse = changes.iter().filter(|c| c.severity.is_some()).count();
    writeln!(
        out,
        "{} changes, {worse} making the new system worse.\n",
        changes.len()
    )?;
    writeln!(out, "| severity | kind | subject | old | new | rule |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for c in changes {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            sev(c),
            c.kind,
            md_cell(Some(&c.subject)),
            md_cell(c.old.as_ref()),
            md_cell(c.new.as_ref()),
            c.rule.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

fn sarif(changes: &[Change]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = changes
        .iter()
        .filter(|c| c.severity.is_some())
        .map(|c| {
            let level = match c.severity {
                Some(Severity::Critical | Severity::High) => "error",
                Some(Severity::Medium) => "warning",
                _ => "note",
            };
            serde_json::json!({
                "ruleId": c.rule.clone().unwrap_or_else(|| c.kind.to_string()),
                "level": level,
                "message": { "text": format!("{} `{}`: {} -> {}", c.kind, c.subject, show(c.old.as_ref()), show(c.new.as_ref())) },
                "properties": { "kind": c.kind, "subject": c.subject },
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "nixsec", "version": env!("CARGO_PKG_VERSION") } },
            "results": results,
        }],
    })
}

/// The self-contained HTML page: both hardening indexes and the changes, worse first.
fn html(out: &mut dyn Write, old: &Side, new: &Side, changes: &[Change]) -> std::io::Result<()> {
    let rows: Vec<nixsec_report::DiffRow> = changes
        .iter()
        .map(|c| nixsec_report::DiffRow {
            kind: c.kind.to_string(),
            subject: c.subject.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
            severity: c.severity,
            rule: c.rule.clone(),
        })
        .collect();
    fn side(s: &Side) -> nixsec_report::html::DiffSide<'_> {
        nixsec_report::html::DiffSide {
            name: &s.name,
            findings: &s.findings,
        }
    }
    nixsec_report::html::render_diff(&side(old), &side(new), &rows, out)
}

pub fn run(_global: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<ExitStatus> {
    if !matches!(
        args.format.as_str(),
        "text" | "json" | "markdown" | "sarif" | "html"
    ) {
        bail!(
            "unknown format `{}` (text, json, markdown, sarif or html)",
            args.format
        );
    }
    let (a, b) = targets(args)?;
    let (old, new) = rayon::join(|| side(args, &a), || side(args, &b));
    let (old, new) = (old?, new?);
    let changes = diff(&old, &new);
    let mut buf: Vec<u8> = Vec::new();
    match args.format.as_str() {
        "json" => {
            let doc = serde_json::json!({
                "schema": 1, "old": old.name, "new": new.name, "changes": changes,
            });
            serde_json::to_writer_pretty(&mut buf, &doc)?;
            buf.push(b'\n');
        }
        "markdown" => markdown(&mut buf, &old, &new, &changes)?,
        "html" => html(&mut buf, &old, &new, &changes)?,
        "sarif" => {
            serde_json::to_writer_pretty(&mut buf, &sarif(&changes))?;
            buf.push(b'\n');
        }
        _ => text(&mut buf, &old, &new, &changes)?,
    }
    let mut out = crate::output::Output::open(args.output.as_deref())?;
    out.write_all(&buf)?;
    out.finish()?;
    let threshold = args.fail_on.unwrap_or_default().threshold;
    let worse = changes
        .iter()
        .any(|c| matches!((c.severity, threshold), (Some(s), Some(t)) if s >= t));
    Ok(if worse {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
