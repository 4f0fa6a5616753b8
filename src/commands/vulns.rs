//! `nixsec vulns`: known CVEs in the runtime closure of store paths, profiles or the system,
//! matched by CPE vendor and product against NVD data (an index built by `nixsec vulns update`,
//! or feed files given with `--nvd`); vulnix's whitelist format and JSON shape. The scan and its
//! findings are `nixsec_vulns`'s; this module checks the arguments and renders.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::time::Instant;

use anyhow::{bail, Context};
use nixsec_core::{ExitStatus, FailOn, Report, Severity, Tool};
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_vulns::index::{self, Source as Mirror};
use nixsec_vulns::policy::Filter;
use nixsec_vulns::run::{self, Request, Scan, Source};
use nixsec_vulns::scan::PackageResult;
use nixsec_vulns::targets::Targets;
use serde::Serialize;

use crate::cli::{
    GlobalArgs, VulnsArgs, VulnsCommand, VulnsFormat, VulnsScanArgs, VulnsUpdateArgs,
};

pub fn run(global: &GlobalArgs, args: &VulnsArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Some(VulnsCommand::Update(u)) => update(global, u),
        None => scan_cmd(global, &args.scan),
    }
}

fn update(global: &GlobalArgs, a: &VulnsUpdateArgs) -> anyhow::Result<ExitStatus> {
    let Some(dir) = a.cache_dir.clone().or_else(index::default_cache_dir) else {
        return Err(run::ScanError::NoCacheDir.into());
    };
    let source = match (&a.from, &a.mirror) {
        (Some(d), _) => Mirror::Dir(d.clone()),
        (None, Some(m)) => Mirror::Mirror(m.clone()),
        (None, None) => Mirror::Mirror(index::NVD_FEEDS.into()),
    };
    let spinner = spinner(!global.quiet && global.verbose == 0, "reading NVD feeds");
    let clock = Instant::now();
    let r = index::update(
        &dir,
        &source,
        chrono::Duration::days(i64::from(a.max_age)),
        a.full,
        chrono::Utc::now(),
    );
    spinner.finish_and_clear();
    let r = r?;
    for p in r.problems.iter().take(20) {
        eprintln!("warning: {p}");
    }
    if r.problems.len() > 20 {
        eprintln!("warning: ... and {} more problems", r.problems.len() - 20);
    }
    if !global.quiet {
        println!(
            "{} {}: {} CVEs ({} written from {} feed{}, {} without configurations) in {:.1} s",
            if r.incremental { "updated" } else { "built" },
            index::index_path(&dir).display(),
            r.total,
            r.written,
            r.feeds.len(),
            if r.feeds.len() == 1 { "" } else { "s" },
            r.unconfigured,
            clock.elapsed().as_secs_f64()
        );
    }
    Ok(ExitStatus::Success)
}

fn spinner(visible: bool, msg: &'static str) -> indicatif::ProgressBar {
    let bar = if visible && std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message(msg);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The report's filter: `--min-severity` and `--min-cvss`.
fn filter(a: &VulnsScanArgs) -> Filter {
    Filter {
        min_severity: a.min_severity.map(Into::into),
        min_cvss: a.min_cvss,
    }
}

fn scan_cmd(global: &GlobalArgs, a: &VulnsScanArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let store_root = a.store_root.clone().unwrap_or_else(|| a.root.clone());
    let targets = Targets {
        paths: a.targets.clone(),
        system: a.system,
        profiles: a.profiles.clone(),
        gc_roots: a.gc_roots,
    };
    if targets.is_empty() {
        bail!("nothing to scan: give store paths or ./result links, --profile, --system or --gc-roots");
    }
    if let Some(m) = a.min_cvss {
        if !(0.0..=10.0).contains(&m) {
            bail!("--min-cvss {m}: a CVSS score is between 0.0 and 10.0");
        }
    }
    let source = if a.nvd.is_empty() {
        Source::Index {
            cache_dir: a.cache_dir.clone().or_else(index::default_cache_dir),
            max_age_days: a.max_age,
        }
    } else {
        Source::Feeds(a.nvd.clone())
    };
    let scan = run::run(&Request {
        root: &a.root,
        store_root: &store_root,
        targets: &targets,
        build_time: a.build_time,
        source,
        whitelists: &a.whitelist,
        cpe_maps: &a.cpe_map,
        now: started,
    })?;
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let fail_on = a.fail_on.unwrap_or(FailOn {
        threshold: Some(Severity::Info),
        errors: false,
    });
    let report = Report::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        store_root.display().to_string(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        nixsec_vulns::findings::report(&scan, &filter(a), a.show_patched),
        fail_on,
        scan.warnings.clone(),
    );
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => {
            Box::new(BufWriter::new(File::create(p).with_context(|| {
                format!("`{}`: cannot write the report", p.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    match a.format {
        VulnsFormat::Json => {
            nixsec_report::render(Format::Json, &report, &RenderOptions::default(), &mut out)?;
        }
        VulnsFormat::Sarif => {
            nixsec_report::render(Format::Sarif, &report, &RenderOptions::default(), &mut out)?;
        }
        VulnsFormat::VulnixJson => {
            nixsec_core::json::to_writer_pretty(&mut out, &vulnix_json(a, &scan))?;
            writeln!(out)?;
        }
        VulnsFormat::Text => text(a, &scan, duration_ms, &mut out)?,
    }
    out.flush()?;
    if a.format != VulnsFormat::Text {
        for w in scan.warnings.iter().chain(&scan.errors) {
            if !global.quiet {
                eprintln!("warning: {w}");
            }
        }
    }
    Ok(report.exit_status(fail_on))
}

fn scope(p: &PackageResult) -> &'static str {
    if p.package.build_only {
        "build-only"
    } else {
        "runtime"
    }
}

fn text(a: &VulnsScanArgs, o: &Scan, duration_ms: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let filter = filter(a);
    let mut n_pkgs = 0;
    let mut n_cves = 0;
    let mut n_wl = 0;
    let mut n_patched = 0;
    for p in &o.result.packages {
        let affected = filter.shown(&p.affected);
        let wl = filter.shown(&p.whitelisted);
        let patched = filter.shown(&p.patched);
        n_wl += wl.len();
        n_patched += patched.len();
        let show_wl = a.show_whitelisted && !wl.is_empty();
        let show_p = a.show_patched && !patched.is_empty();
        if affected.is_empty() && !show_wl && !show_p {
            continue;
        }
        if !affected.is_empty() {
            n_pkgs += 1;
            n_cves += affected.len();
        }
        let pk = &p.package;
        writeln!(
            out,
            "{}  ({} {}, {}; {})",
            pk.name,
            pk.pname,
            pk.version,
            scope(p),
            p.cpes.join(" ")
        )?;
        for path in &pk.paths {
            writeln!(out, "  {path}")?;
        }
        if let Some(d) = &pk.drv {
            writeln!(out, "  {d}")?;
        }
        for h in &affected {
            writeln!(
                out,
                "  {:<16} {}  https://nvd.nist.gov/vuln/detail/{}",
                h.id,
                h.score_text(),
                h.id
            )?;
            if !h.description.is_empty() {
                writeln!(out, "      {}", h.description)?;
            }
        }
        if show_wl {
            for h in &wl {
                let rule = h.whitelisted_by.and_then(|i| o.whitelist.rules.get(i));
                write!(out, "  {:<16} {}  whitelisted", h.id, h.score_text())?;
                if let Some(r) = rule {
                    write!(out, " by [\"{}\"] in {}", r.key, r.file)?;
                    if let Some(u) = r.until {
                        write!(out, " until {u}")?;
                    }
                    for c in &r.comments {
                        write!(out, "; {c}")?;
                    }
                    for u in &r.issue_urls {
                        write!(out, "; {u}")?;
                    }
                }
                writeln!(out)?;
            }
        }
        if show_p {
            for h in &patched {
                writeln!(
                    out,
                    "  {:<16} {}  patched (a patch of the derivation names it)",
                    h.id,
                    h.score_text()
                )?;
            }
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "{n_pkgs} package{} with {n_cves} known CVE{} ({n_wl} whitelisted, {n_patched} patched) among {} packages of {} store paths; {}; {} ms",
        if n_pkgs == 1 { "" } else { "s" },
        if n_cves == 1 { "" } else { "s" },
        o.result.examined,
        o.selection.paths,
        o.data_note,
        duration_ms
    )?;
    for w in &o.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for e in &o.errors {
        writeln!(out, "error: {e}")?;
    }
    Ok(())
}

/// vulnix's `--json` element.
#[derive(Serialize)]
struct VulnixEntry<'a> {
    name: &'a str,
    pname: &'a str,
    version: &'a str,
    derivation: &'a str,
    affected_by: Vec<&'a str>,
    whitelisted: Vec<&'a str>,
    cvssv3_basescore: BTreeMap<&'a str, f64>,
    description: BTreeMap<&'a str, &'a str>,
}

fn vulnix_json<'a>(a: &VulnsScanArgs, o: &'a Scan) -> Vec<VulnixEntry<'a>> {
    let filter = filter(a);
    let mut out = Vec::new();
    for p in &o.result.packages {
        let affected = filter.shown(&p.affected);
        let wl = if a.show_whitelisted {
            filter.shown(&p.whitelisted)
        } else {
            Vec::new()
        };
        if affected.is_empty() && wl.is_empty() {
            continue;
        }
        let mut ids: Vec<&str> = affected.iter().map(|h| h.id.as_str()).collect();
        ids.sort_unstable();
        let mut wids: Vec<&str> = wl.iter().map(|h| h.id.as_str()).collect();
        wids.sort_unstable();
        let all = affected.iter().chain(&wl);
        out.push(VulnixEntry {
            name: &p.package.name,
            pname: &p.package.pname,
            version: &p.package.version,
            derivation: p
                .package
                .drv
                .as_deref()
                .or(p.package.paths.first().map(String::as_str))
                .unwrap_or(""),
            affected_by: ids,
            whitelisted: wids,
            cvssv3_basescore: all
                .clone()
                .filter_map(|h| {
                    h.cvss
                        .as_ref()
                        .filter(|c| c.version.starts_with('3'))
                        .map(|c| (h.id.as_str(), c.score))
                })
                .collect(),
            description: all
                .map(|h| (h.id.as_str(), h.description.as_str()))
                .collect(),
        });
    }
    out
}
