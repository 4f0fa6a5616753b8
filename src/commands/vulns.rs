//! `nixsec vulns`: known CVEs in the runtime closure of store paths, profiles or the system,
//! matched by CPE vendor and product against NVD data (an index built by `nixsec vulns update`,
//! or feed files given with `--nvd`); vulnix's whitelist format and JSON shape. The scan and its
//! findings are `nixsec_vulns`'s; this module checks the arguments and renders.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::{bail, Context};
use nixsec_core::{ExitStatus, FailOn, Report, Severity, Tool};
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_vulns::index::{self, Source as Mirror};
use nixsec_vulns::packages::Scope;
use nixsec_vulns::policy::Filter;
use nixsec_vulns::run::{self, Request, Scan, Source};
use nixsec_vulns::sbom;
use nixsec_vulns::scan::PackageResult;
use nixsec_vulns::targets::Targets;
use nixsec_vulns::version::compare_versions;
use nixsec_vulns::whitelist::Rule;
use serde::Serialize;

use crate::cli::{
    GlobalArgs, VulnsArgs, VulnsCommand, VulnsFormat, VulnsScanArgs, VulnsUpdateArgs,
};
use crate::output::Output;

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
        if a.vulnix_exit_codes {
            eprintln!("error: nothing to scan: give store paths or ./result links, --profile, --system or --gc-roots");
            return Ok(ExitStatus::Code(3));
        }
        bail!("nothing to scan: give store paths or ./result links, --profile, --system or --gc-roots");
    }
    let format = if a.json {
        VulnsFormat::VulnixJson
    } else {
        a.format
    };
    let scope = if a.build_time {
        Scope::BuildTime
    } else if a.no_requisites {
        Scope::Targets
    } else {
        Scope::Runtime
    };
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
        scope,
        source,
        whitelists: &a.whitelist,
        fetch_whitelists: a.fetch_whitelists,
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
    // SBOM and VEX documents are built before the output is opened: one that cannot be
    // written (an OpenVEX document without statements) leaves no file behind.
    let document = sbom(a, &scan, &store_root, started)?;
    let mut out = Output::open(a.output.as_deref())?;
    match format {
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
        VulnsFormat::Html => {
            nixsec_report::html::render_vulns(&report, &cve_rows(a, &scan), &mut out)?;
        }
        VulnsFormat::Prometheus => {
            let cves = cve_rows(a, &scan);
            let extra = nixsec_report::prometheus::Extra {
                units: None,
                cves: Some(&cves),
            };
            nixsec_report::prometheus::render(&report, "vulns", &extra, &mut out)?;
        }
        VulnsFormat::Cyclonedx | VulnsFormat::Spdx | VulnsFormat::Openvex => {
            out.write_all(&document)?;
        }
    }
    out.finish()?;
    if format != VulnsFormat::Text && !global.quiet {
        for w in scan.warnings.iter().chain(&scan.errors) {
            eprintln!("warning: {w}");
        }
        eprintln!("note: scanned {}", scope_note(scan.scope));
    }
    if let Some(path) = &a.write_whitelist {
        write_whitelist(a, &scan, path, started.date_naive())?;
    }
    if a.vulnix_exit_codes {
        return Ok(vulnix_exit(a, &scan));
    }
    Ok(report.exit_status(fail_on))
}

/// Every CVE the report lists, with the columns of the HTML table and the Prometheus counts.
fn cve_rows(a: &VulnsScanArgs, o: &Scan) -> Vec<nixsec_report::CveRow> {
    let filter = filter(a);
    let mut out = Vec::new();
    for p in &o.result.packages {
        let patched = if a.show_patched {
            filter.shown(&p.patched)
        } else {
            Vec::new()
        };
        for h in filter
            .shown(&p.affected)
            .into_iter()
            .chain(filter.shown(&p.whitelisted))
            .chain(patched)
        {
            out.push(nixsec_report::CveRow {
                subject: nixsec_vulns::findings::subject(p, h),
                id: h.id.clone(),
                package: p.package.name.clone(),
                version: p.package.version.clone(),
                rating: h
                    .cvss
                    .as_ref()
                    .map_or_else(String::new, |c| c.severity.clone()),
                score: h.cvss.as_ref().map(|c| c.score),
            });
        }
    }
    out
}

/// The SBOM or VEX document of `--format cyclonedx|spdx|openvex` (empty for other formats).
fn sbom(
    a: &VulnsScanArgs,
    scan: &Scan,
    store_root: &std::path::Path,
    started: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<u8>> {
    let format = match a.format {
        VulnsFormat::Cyclonedx => sbom::Format::CycloneDx,
        VulnsFormat::Spdx => sbom::Format::Spdx,
        VulnsFormat::Openvex => sbom::Format::OpenVex,
        _ => return Ok(Vec::new()),
    };
    let tool = ("nixsec", env!("CARGO_PKG_VERSION"));
    Ok(sbom::render(
        format,
        scan,
        store_root,
        &filter(a),
        tool,
        started,
    )?)
}

/// The scope for people, with vulnix's default beside nixsec's.
fn scope_note(scope: Scope) -> String {
    match scope {
        Scope::Runtime => format!(
            "{} (vulnix's default is the build-time closure: add --build-time or -r)",
            scope.describe()
        ),
        _ => scope.describe().to_string(),
    }
}

/// vulnix's exit code: 2 when a CVE is reported, 1 when only whitelisted ones are and `-s` is
/// given, 0 otherwise; a file that could not be read is 2 (vulnix stops with 2 on such errors).
fn vulnix_exit(a: &VulnsScanArgs, o: &Scan) -> ExitStatus {
    let filter = filter(a);
    let active = o
        .result
        .packages
        .iter()
        .any(|p| !filter.shown(&p.affected).is_empty());
    let masked = o
        .result
        .packages
        .iter()
        .any(|p| !filter.shown(&p.whitelisted).is_empty());
    if active || !o.errors.is_empty() {
        ExitStatus::Code(2)
    } else if a.show_whitelisted && masked {
        ExitStatus::Code(1)
    } else {
        ExitStatus::Code(0)
    }
}

/// `-W FILE`: the whitelists read, plus one entry per package with reported CVEs, keyed by its
/// name (which vulnix matches too), listing them, with `until` and a comment.
fn write_whitelist(
    a: &VulnsScanArgs,
    o: &Scan,
    path: &std::path::Path,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let filter = filter(a);
    let until = a
        .whitelist_until
        .unwrap_or_else(|| today + chrono::Duration::days(90));
    let mut wl = o.whitelist.clone();
    for p in &o.result.packages {
        let shown = filter.shown(&p.affected);
        if shown.is_empty() {
            continue;
        }
        let pk = &p.package;
        let key = if pk.name.ends_with(&format!("-{}", pk.version)) {
            pk.name.clone()
        } else {
            format!("{}-{}", pk.pname, pk.version)
        };
        let top = shown
            .iter()
            .filter_map(|h| h.cvss.as_ref().map(|c| c.score))
            .fold(None::<f64>, |m, x| Some(m.map_or(x, |m| m.max(x))));
        wl.insert(Rule {
            key,
            file: path.display().to_string(),
            files: vec![path.display().to_string()],
            line: 0,
            cves: shown.iter().map(|h| h.id.clone()).collect(),
            until: Some(until),
            issue_urls: Vec::new(),
            comments: vec![format!(
                "nixsec vulns {today}: {} CVE{} of {}{}; review before {until}",
                shown.len(),
                if shown.len() == 1 { "" } else { "s" },
                pk.name,
                top.map(|t| format!(", highest CVSS {t:.1}"))
                    .unwrap_or_default()
            )],
        });
    }
    std::fs::write(path, wl.dump(today))
        .with_context(|| format!("`{}`: cannot write the whitelist", path.display()))
}

fn scope(p: &PackageResult) -> &'static str {
    if p.package.build_only {
        "build-only"
    } else {
        "runtime"
    }
}

/// Host and feed text (names, descriptions, whitelist comments) for a terminal: control
/// characters escaped.
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    nixsec_core::escape(s)
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
            esc(&pk.name),
            esc(&pk.pname),
            esc(&pk.version),
            scope(p),
            esc(&p.cpes.join(" "))
        )?;
        for path in &pk.paths {
            writeln!(out, "  {}", esc(&path.to_string()))?;
        }
        if let Some(d) = &pk.drv {
            writeln!(out, "  {}", esc(&d.to_string()))?;
        }
        for h in &affected {
            writeln!(
                out,
                "  {:<16} {}  https://nvd.nist.gov/vuln/detail/{}",
                esc(&h.id),
                h.score_text(),
                esc(&h.id)
            )?;
            if !h.description.is_empty() {
                writeln!(out, "      {}", esc(&h.description))?;
            }
        }
        if show_wl {
            for h in &wl {
                let rule = h.whitelisted_by.and_then(|i| o.whitelist.rules.get(i));
                write!(out, "  {:<16} {}  whitelisted", esc(&h.id), h.score_text())?;
                if let Some(r) = rule {
                    write!(
                        out,
                        " by [\"{}\"] in {}",
                        esc(&r.key),
                        esc(&r.origin().to_string())
                    )?;
                    if let Some(u) = r.until {
                        write!(out, " until {u}")?;
                    }
                    for c in &r.comments {
                        write!(out, "; {}", esc(c))?;
                    }
                    for u in &r.issue_urls {
                        write!(out, "; {}", esc(&u.to_string()))?;
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
                    esc(&h.id),
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
    writeln!(out, "scope: {}", scope_note(o.scope))?;
    for w in &o.warnings {
        writeln!(out, "warning: {}", esc(&w.to_string()))?;
    }
    for e in &o.errors {
        writeln!(out, "error: {}", esc(&e.to_string()))?;
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

/// vulnix's `--json` array: one element per package with reported CVEs (and, with `-s`, per
/// package with only whitelisted ones), ordered by pname and then Nix version order;
/// `whitelisted` always filled, `cvssv3_basescore` the CVSS v3 score whatever else NVD has,
/// empty descriptions left out, as vulnix 1.12 writes it.
fn vulnix_json<'a>(a: &VulnsScanArgs, o: &'a Scan) -> Vec<VulnixEntry<'a>> {
    let filter = filter(a);
    let mut items: Vec<&PackageResult> = o.result.packages.iter().collect();
    items.sort_by(|x, y| {
        x.package
            .pname
            .cmp(&y.package.pname)
            .then_with(|| compare_versions(&x.package.version, &y.package.version))
    });
    let mut out = Vec::new();
    for p in items {
        let affected = filter.shown(&p.affected);
        let wl = filter.shown(&p.whitelisted);
        let only_whitelisted_shown = a.show_whitelisted && !wl.is_empty();
        if affected.is_empty() && !only_whitelisted_shown {
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
                .filter_map(|h| h.cvss3.filter(|s| *s != 0.0).map(|s| (h.id.as_str(), s)))
                .collect(),
            description: all
                .filter(|h| !h.description.is_empty())
                .map(|h| (h.id.as_str(), h.description.as_str()))
                .collect(),
        });
    }
    out
}
