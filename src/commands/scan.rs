//! `nixsec store scan`, `nixsec elf` and `nixsec secrets`: one parallel pass over files for
//! ELF search paths, hardening and secrets (the engine is `nixsec-scan`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use nixsec_core::{escape, ExitStatus, Finding, Report, Status, Tool};
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_scan::{findings, ElfRecord, Options, Outcome, Source};
use nixsec_store::db::Database;
use serde::Serialize;

use crate::cli::{ElfArgs, GlobalArgs, SecretsArgs, StoreScanArgs};
use crate::printer::use_color;
use crate::progress::ScanBar;

/// The JSON document of `store scan` and `elf` (documented in `docs/json-output.md`).
#[derive(Serialize)]
struct ScanReport<'a> {
    tool: Tool,
    target: &'a str,
    roots: u64,
    files_scanned: u64,
    bytes_scanned: u64,
    duration_ms: u64,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    elf: Option<&'a [ElfRecord]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secrets: Option<&'a [nixsec_scan::SecretRecord]>,
    skipped_too_large: &'a [String],
    errors: Vec<ErrorEntry<'a>>,
    summary: BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct ErrorEntry<'a> {
    file: &'a str,
    problem: &'a str,
}

fn tool() -> Tool {
    Tool {
        name: "nixsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

pub fn store_scan(global: &GlobalArgs, args: &StoreScanArgs) -> anyhow::Result<ExitStatus> {
    crate::output::check_format(args.format, "store scan", &TEXT_JSON_SARIF)?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let db = Database::load(&args.store_root)?;
    let paths: Vec<String> = if args.all {
        nixsec_scan::all_paths(&db)
    } else if !args.closure.is_empty() {
        let given: Vec<String> = args
            .closure
            .iter()
            .map(|p| nixsec_store::verify::normalize_path(&args.store_root, p))
            .collect();
        let (valid, invalid) = db.closure(&given);
        if let Some(bad) = invalid.first() {
            anyhow::bail!("`{}` is not a valid store path", escape(bad));
        }
        valid
    } else {
        nixsec_scan::system_closure(&args.store_root, &db, None).map_err(|e| {
            anyhow::anyhow!("cannot find the system to scan ({e}); give --closure PATH or --all")
        })?
    };
    let (elf, secrets) = if args.elf || args.secrets {
        (args.elf, args.secrets)
    } else {
        (true, true)
    };
    let opts = Options {
        elf,
        secrets,
        jobs: args.jobs,
        max_size: args.max_size.saturating_mul(1024 * 1024),
    };
    let show_bar = !global.quiet && global.verbose == 0 && std::io::stderr().is_terminal();
    let bar = ScanBar::new(show_bar);
    let source = Source::Store {
        store_root: &args.store_root,
        paths: &paths,
        db: Some(&db),
    };
    let outcome = nixsec_scan::scan(&source, &opts, &bar);
    let target = args.store_root.display().to_string();
    emit(
        global,
        &outcome,
        &target,
        elf,
        secrets,
        args.format,
        args.output.as_deref(),
        args.fail_on.unwrap_or_default(),
        started,
        clock,
    )
}

/// The formats of `store scan` and `elf`.
const TEXT_JSON_SARIF: [Format; 3] = [Format::Text, Format::Json, Format::Sarif];

pub fn elf(global: &GlobalArgs, args: &ElfArgs) -> anyhow::Result<ExitStatus> {
    crate::output::check_format(args.format, "elf", &TEXT_JSON_SARIF)?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let opts = Options {
        elf: true,
        secrets: false,
        jobs: args.jobs,
        max_size: args.max_size.saturating_mul(1024 * 1024),
    };
    for p in &args.paths {
        std::fs::symlink_metadata(p).with_context(|| format!("`{}`", p.display()))?;
    }
    let bar = ScanBar::new(!global.quiet && global.verbose == 0 && std::io::stderr().is_terminal());
    let outcome = nixsec_scan::scan(&Source::Files(&args.paths), &opts, &bar);
    if args.format == Format::Text {
        let mut out = BufWriter::new(std::io::stdout().lock());
        render_elf_table(&outcome, &mut out)?;
        for (f, e) in &outcome.errors {
            writeln!(out, "error: {}: {}", escape(f), escape(e))?;
        }
        out.flush()?;
        return Ok(ExitStatus::Success);
    }
    emit(
        global,
        &outcome,
        "elf",
        true,
        false,
        args.format,
        None,
        nixsec_core::report::FailOn::default(),
        started,
        clock,
    )
}

pub fn secrets(global: &GlobalArgs, args: &SecretsArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let opts = Options {
        elf: false,
        secrets: true,
        jobs: args.jobs,
        max_size: args.max_size.saturating_mul(1024 * 1024),
    };
    for p in &args.paths {
        std::fs::symlink_metadata(p).with_context(|| format!("`{}`", p.display()))?;
    }
    let bar = ScanBar::new(!global.quiet && global.verbose == 0 && std::io::stderr().is_terminal());
    let outcome = nixsec_scan::scan(&Source::Files(&args.paths), &opts, &bar);
    let target = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    emit(
        global,
        &outcome,
        &target,
        false,
        true,
        args.format,
        args.output.as_deref(),
        args.fail_on.unwrap_or_default(),
        started,
        clock,
    )
}

fn render_elf_table(o: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<8} {:<7} {:<4} {:<7} {:<6} {:<7} {:<6} FILE",
        "TYPE", "PIE", "NX", "RELRO", "CANARY", "FORTIFY", "SETUID"
    )?;
    let yn = |b: bool| if b { "yes" } else { "no" };
    for r in &o.elf {
        writeln!(
            out,
            "{:<8} {:<7} {:<4} {:<7} {:<6} {:<7} {:<6} {}",
            r.kind,
            r.pie,
            yn(r.nx),
            r.relro,
            yn(r.canary),
            yn(r.fortify),
            yn(r.setuid),
            escape(&r.file)
        )?;
        if let Some(i) = &r.interpreter {
            writeln!(out, "    interpreter: {}", escape(i))?;
        }
        if !r.rpath.is_empty() {
            writeln!(out, "    rpath: {}", escape(&r.rpath.join(":")))?;
        }
        if !r.runpath.is_empty() {
            writeln!(out, "    runpath: {}", escape(&r.runpath.join(":")))?;
        }
        if !r.unresolved_needed.is_empty() {
            writeln!(
                out,
                "    unresolved: {}",
                escape(&r.unresolved_needed.join(" "))
            )?;
        }
    }
    writeln!(out, "{} ELF files of {} files read", o.elf.len(), o.files)
}

#[allow(clippy::too_many_arguments)]
fn emit(
    global: &GlobalArgs,
    outcome: &Outcome,
    target: &str,
    with_elf: bool,
    with_secrets: bool,
    format: Format,
    output: Option<&Path>,
    fail_on: nixsec_core::report::FailOn,
    started: chrono::DateTime<chrono::Utc>,
    clock: Instant,
) -> anyhow::Result<ExitStatus> {
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut list = findings::all(outcome);
    for (file, problem) in &outcome.errors {
        tracing::warn!("{}: {}", escape(file), escape(problem));
    }
    list.sort_by(|a, b| (&a.rule, &a.message).cmp(&(&b.rule, &b.message)));
    let failing = list
        .iter()
        .any(|f| f.status == Status::Fail && fail_on.threshold.is_some_and(|t| f.severity >= t))
        || (fail_on.errors && !outcome.errors.is_empty());
    let mut out: Box<dyn Write> = match output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).with_context(|| {
                format!("`{}`: cannot write the report", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        Format::Json => {
            let mut summary = BTreeMap::new();
            for f in &list {
                *summary.entry(f.rule.clone()).or_insert(0) += 1;
            }
            let doc = ScanReport {
                tool: tool(),
                target,
                roots: outcome.roots,
                files_scanned: outcome.files,
                bytes_scanned: outcome.bytes,
                duration_ms,
                findings: &list,
                elf: with_elf.then_some(outcome.elf.as_slice()),
                secrets: with_secrets.then_some(outcome.secrets.as_slice()),
                skipped_too_large: &outcome.too_large,
                errors: outcome
                    .errors
                    .iter()
                    .map(|(f, p)| ErrorEntry {
                        file: f,
                        problem: p,
                    })
                    .collect(),
                summary,
            };
            nixsec_core::json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Text | Format::Sarif | Format::Html | Format::Prometheus => {
            let report = Report::new(
                tool(),
                target.to_string(),
                started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                duration_ms,
                list,
                fail_on,
                outcome
                    .errors
                    .iter()
                    .map(|(f, p)| format!("{}: {}", escape(f), escape(p)))
                    .chain(
                        outcome
                            .too_large
                            .iter()
                            .map(|f| format!("{}: skipped, larger than the size cap", escape(f))),
                    )
                    .collect(),
            );
            let color =
                output.is_none() && use_color(global.color, std::io::stdout().is_terminal());
            let opts = RenderOptions {
                color,
                verbose: global.verbose > 0,
                quiet: global.quiet,
            };
            if format == Format::Text {
                writeln!(
                    out,
                    "nixsec scan of {}: {} paths, {} files, {} bytes read",
                    escape(target),
                    outcome.roots,
                    outcome.files,
                    outcome.bytes
                )?;
            }
            nixsec_report::render(format, &report, &opts, &mut out)?;
        }
    }
    out.flush()?;
    Ok(if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
