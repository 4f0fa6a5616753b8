//! `nixsec store verify`: verify a local Nix store (or, with `--cache`, a binary cache) and
//! report problems by kind.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use nixsec_core::report::FailOn;
use nixsec_core::{escape, Evidence, ExitStatus, Report, Root, Status, Tool};
use nixsec_nar::sig::PublicKey;
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_store::{CacheOptions, Kind, Options, Outcome, Problem};
use serde::Serialize;

use crate::cli::{GlobalArgs, StoreVerifyArgs};
use crate::output::Output;
use crate::printer::use_color;
use crate::progress::BarProgress;

/// The JSON document of `store verify` (documented in `docs/json-output.md`).
#[derive(Serialize)]
struct StoreReport<'a> {
    tool: Tool,
    store: &'a str,
    paths_checked: u64,
    bytes_hashed: u64,
    paths_unverified: u64,
    duration_ms: u64,
    problems: &'a [Problem],
    summary: BTreeMap<&'static str, usize>,
}

/// Trusted keys: `--trusted-key` values, else `trusted-public-keys` of the root's nix.conf
/// (Nix's default, the cache.nixos.org key, when unset).
fn trusted_keys(args: &StoreVerifyArgs) -> anyhow::Result<Vec<PublicKey>> {
    let texts: Vec<String> = if args.trusted_keys.is_empty() {
        let root = if args.root == Path::new("/") {
            Root::host()
        } else {
            Root::new(&args.root)?
        };
        let conf = nixsec_nixconf::NixConf::load(&root, nixsec_nixconf::NIX_CONF)
            .with_context(|| "cannot read the trusted keys from nix.conf")?;
        nixsec_nixconf::NixConf::list(
            conf.as_ref(),
            "trusted-public-keys",
            &[nixsec_nixconf::DEFAULT_TRUSTED_KEY],
        )
        .items
    } else {
        args.trusted_keys.clone()
    };
    let mut keys = Vec::new();
    for t in texts {
        match PublicKey::parse(&t) {
            Ok(k) => keys.push(k),
            Err(e) if args.trusted_keys.is_empty() => {
                tracing::warn!(
                    "ignoring a malformed trusted-public-keys entry `{}`: {e}",
                    escape(&t)
                );
            }
            Err(e) => anyhow::bail!("`--trusted-key {}`: {e}", escape(&t)),
        }
    }
    Ok(keys)
}

pub fn verify(global: &GlobalArgs, args: &StoreVerifyArgs) -> anyhow::Result<ExitStatus> {
    crate::output::check_format(
        args.format,
        "store verify",
        &[Format::Text, Format::Json, Format::Sarif, Format::Html],
    )?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let paths = if args.paths.is_empty() {
        None
    } else {
        Some(args.paths.clone())
    };
    let show_bar = !global.quiet && global.verbose == 0 && std::io::stderr().is_terminal();
    let outcome = if let Some(cache) = &args.cache {
        let opts = CacheOptions {
            sigs_needed: args.sigs_needed,
            trusted_keys: trusted_keys(args)?,
            jobs: args.jobs,
            paths,
            timeout: Some(std::time::Duration::from_secs(args.timeout.max(1))),
            max_nar_size: Some(args.max_nar_size.saturating_mul(1024 * 1024)),
        };
        // Narinfo sizes are known only once read: count paths, not bytes.
        let progress = BarProgress::new(show_bar, false);
        nixsec_store::verify_cache(cache, &opts, &progress)?
    } else {
        let store_root: PathBuf = args.store_root.clone().unwrap_or_else(|| args.root.clone());
        let opts = Options {
            check_contents: args.check_contents,
            sigs_needed: args.sigs_needed,
            trusted_keys: trusted_keys(args)?,
            jobs: args.jobs,
            paths,
            closure: args.closure,
        };
        let progress = BarProgress::new(show_bar, args.check_contents);
        nixsec_store::verify(&store_root, &opts, &progress)?
    };
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let fail_on = args.fail_on.unwrap_or_default();
    // Nothing could be read: the run verified nothing, whatever `--fail-on` says.
    let nothing = outcome.nothing_verified();
    let failing = outcome.problems.iter().any(|p| {
        (p.kind.is_error() && fail_on.errors)
            || (!p.kind.is_error() && fail_on.threshold.is_some_and(|t| p.kind.severity() >= t))
    });
    let tool = Tool {
        name: "nixsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let mut out = Output::open(args.output.as_deref())?;
    let color = use_color(global.color, out.is_terminal());
    match args.format {
        Format::Json => {
            let mut summary = BTreeMap::new();
            for p in &outcome.problems {
                *summary.entry(p.kind.as_str()).or_insert(0) += 1;
            }
            let doc = StoreReport {
                tool,
                store: &outcome.store,
                paths_checked: outcome.paths_checked,
                bytes_hashed: outcome.bytes_hashed,
                paths_unverified: outcome.paths_unverified,
                duration_ms,
                problems: &outcome.problems,
                summary,
            };
            nixsec_core::json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            let report = as_report(tool, &outcome, started, duration_ms, fail_on);
            nixsec_report::render(Format::Sarif, &report, &RenderOptions::default(), &mut out)?;
        }
        Format::Html => {
            let report = as_report(tool, &outcome, started, duration_ms, fail_on);
            let stats = nixsec_report::html::StoreStats {
                paths_checked: outcome.paths_checked,
                bytes_hashed: outcome.bytes_hashed,
            };
            nixsec_report::html::render_store(&report, stats, &mut out)?;
        }
        Format::Text | Format::Prometheus => {
            render_text(&outcome, duration_ms, fail_on, failing, color, &mut out)?;
        }
    }
    out.finish()?;
    if nothing {
        tracing::error!(
            "none of the {} paths checked could be read: nothing was verified",
            outcome.paths_checked
        );
        return Ok(ExitStatus::Error);
    }
    Ok(if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Problems as findings of their catalogue rules, for the SARIF renderer.
fn as_report(
    tool: Tool,
    o: &Outcome,
    started: chrono::DateTime<chrono::Utc>,
    duration_ms: u64,
    fail_on: FailOn,
) -> Report {
    let findings = o
        .problems
        .iter()
        .map(|p| {
            let status = if p.kind.is_error() {
                Status::Error
            } else {
                Status::Fail
            };
            let mut f = nixsec_catalogue::entry(p.kind.rule()).finding(
                status,
                format!("{}: {}: {}", p.path, p.kind.as_str(), p.detail),
            );
            f.subject = Some(format!("{} {}", p.kind.as_str(), p.path));
            f.severity = p.kind.severity();
            f.evidence = vec![Evidence::value(p.path.clone(), p.kind.as_str())];
            f.remediation.text = p.kind.fix().to_string();
            f
        })
        .collect();
    Report::new(
        tool,
        o.store.clone(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        findings,
        fail_on,
        Vec::new(),
    )
}

fn render_text(
    o: &Outcome,
    duration_ms: u64,
    fail_on: FailOn,
    failing: bool,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let bold = if color {
        anstyle::Style::new().bold()
    } else {
        anstyle::Style::new()
    };
    let red = if color {
        anstyle::Style::new()
            .bold()
            .fg_color(Some(anstyle::AnsiColor::Red.into()))
    } else {
        anstyle::Style::new()
    };
    writeln!(
        out,
        "nixsec store verify of {}: {} paths checked, {} hashed, in {:.2} s",
        escape(&o.store),
        o.paths_checked,
        human_bytes(o.bytes_hashed),
        duration_ms as f64 / 1000.0
    )?;
    let mut counts = Vec::new();
    for kind in Kind::ALL {
        let list: Vec<&Problem> = o.problems.iter().filter(|p| p.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        counts.push(format!("{} {}", list.len(), kind.as_str()));
        writeln!(
            out,
            "\n{red}{}{red:#} ({}, {})",
            kind.as_str(),
            list.len(),
            kind.severity()
        )?;
        for p in list {
            writeln!(out, "  {}: {}", escape(&p.path), escape(&p.detail))?;
        }
        writeln!(out, "  {bold}fix:{bold:#} {}", kind.fix())?;
    }
    writeln!(out)?;
    if counts.is_empty() {
        writeln!(out, "no problems found")?;
    } else {
        writeln!(
            out,
            "{} problem{}: {}",
            o.problems.len(),
            if o.problems.len() == 1 { "" } else { "s" },
            counts.join(", ")
        )?;
    }
    if o.nothing_verified() {
        return writeln!(
            out,
            "fail-on: {fail_on} — none of the {} paths could be read: nothing was verified (exit 2)",
            o.paths_checked
        );
    }
    writeln!(
        out,
        "fail-on: {fail_on} — {}",
        if failing {
            "the run fails"
        } else {
            "the run passes"
        }
    )
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
