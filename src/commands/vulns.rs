//! `nixsec vulns`: known CVEs in the runtime closure of store paths, profiles or the system,
//! matched by CPE vendor and product against NVD data (an index built by `nixsec vulns update`,
//! or feed files given with `--nvd`); vulnix's whitelist format and JSON shape.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use nixsec_core::{
    Evidence, ExitStatus, FailOn, Ignored, Remediation, Report, Severity, Status, Tool,
};
use nixsec_report::{Format, Options as RenderOptions};
use nixsec_vulns::index::{self, Index, Source};
use nixsec_vulns::mapping::Mapping;
use nixsec_vulns::nvd;
use nixsec_vulns::packages::{self, Selection};
use nixsec_vulns::scan::{self, Data, Hit, PackageResult, ScanResult};
use nixsec_vulns::whitelist::Whitelist;
use serde::Serialize;

use crate::cli::GlobalArgs;

/// The catalogue rule CVE findings are filed under.
const RULE: &str = "NIX-150";
/// NVD's JSON 2.0 feeds.
const NVD_FEEDS: &str = "https://nvd.nist.gov/feeds/json/cve/2.0/";

/// `nixsec vulns`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct VulnsArgs {
    #[command(subcommand)]
    pub command: Option<VulnsCommand>,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `nixsec vulns ...`.
#[derive(Debug, Subcommand)]
pub enum VulnsCommand {
    /// Build or update the local NVD index (in the cache directory) from NVD JSON feeds.
    ///
    /// Downloads `nvdcve-2.0-<YEAR>.json.gz` for every year and `nvdcve-2.0-modified.json.gz`
    /// from the mirror (default: NVD), or reads every feed file of `--from DIR` (JSON 2.0
    /// feeds, API 2.0 pages, JSON 1.1 feeds; gzipped or not). When the index was updated within
    /// `--max-age` days, only the `-modified` (and `-recent`) feeds are read and applied.
    Update(UpdateArgs),
}

/// `nixsec vulns update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Base URL serving the feeds (`nvdcve-2.0-<YEAR>.json.gz`, `-modified`).
    #[arg(long, value_name = "URL", conflicts_with = "from")]
    pub mirror: Option<String>,
    /// Read the feeds from a directory instead of downloading them.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// The cache directory holding the index (default: `$XDG_CACHE_HOME/nixsec` or
    /// `~/.cache/nixsec`).
    #[arg(long, value_name = "DIR", env = "NIXSEC_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// An index updated less than this many days ago is updated from the modified feeds only.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_age: u32,
    /// Rebuild from every feed even when the index is recent.
    #[arg(long)]
    pub full: bool,
}

/// `--format` of `nixsec vulns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VulnsFormat {
    /// Grouped by package, for people.
    Text,
    /// nixsec's report (findings of NIX-150), as `nixsec audit --format json`.
    Json,
    /// vulnix's `--json` array, for existing pipelines.
    VulnixJson,
    /// SARIF 2.1.0.
    Sarif,
}

/// `--min-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum MinSeverity {
    /// Everything.
    Low,
    /// MEDIUM, HIGH and CRITICAL.
    Medium,
    /// HIGH and CRITICAL.
    High,
    /// CRITICAL only.
    Critical,
}

/// Scanning options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Store paths, `.drv` paths or symlinks to them (`./result`) to scan with their runtime
    /// closure.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// The system whose store, profiles and `/run/current-system` are scanned.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The directory holding `nix/store` and `nix/var/nix/db` (default: the root).
    #[arg(long, value_name = "DIR")]
    pub store_root: Option<PathBuf>,
    /// Scan a profile: a `nix profile` manifest's store paths, or an `nix-env` profile's
    /// closure (repeatable).
    #[arg(long = "profile", short = 'p', value_name = "PATH")]
    pub profiles: Vec<PathBuf>,
    /// Scan the root's current system (`/run/current-system`).
    #[arg(long, short = 'S')]
    pub system: bool,
    /// Scan everything reachable from the root's garbage-collector roots.
    #[arg(long, short = 'G')]
    pub gc_roots: bool,
    /// Also scan the derivations' build-time inputs (findings marked build-only).
    #[arg(long)]
    pub build_time: bool,
    /// Read NVD data from these feed files or directories instead of the index (repeatable).
    #[arg(long, value_name = "PATH")]
    pub nvd: Vec<PathBuf>,
    /// The cache directory holding the index (see `nixsec vulns update --help`).
    #[arg(long, value_name = "DIR", env = "NIXSEC_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Warn when the index is older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_age: u32,
    /// A vulnix TOML whitelist (repeatable); an unreadable or invalid file is an error.
    #[arg(long, short = 'w', value_name = "FILE")]
    pub whitelist: Vec<PathBuf>,
    /// Extra pname to CPE lines (format of the built-in table, `nixsec-vulns/data/cpe-map.tsv`);
    /// they replace the built-in lines of the same pnames (repeatable).
    #[arg(long, value_name = "FILE")]
    pub cpe_map: Vec<PathBuf>,
    /// Also list CVEs fixed by a patch named after them.
    #[arg(long)]
    pub show_patched: bool,
    /// Also list whitelisted CVEs (text and vulnix-json; json always has them, as ignored).
    #[arg(long, short = 's')]
    pub show_whitelisted: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VulnsFormat::Text)]
    pub format: VulnsFormat,
    /// Report only CVEs of at least this NVD severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<MinSeverity>,
    /// Report only CVEs with at least this CVSS base score.
    #[arg(long, value_name = "SCORE")]
    pub min_cvss: Option<f64>,
    /// Exit 1 when a reported CVE's finding is at or above this severity (default: any).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_fail_on(s: &str) -> Result<FailOn, nixsec_core::ParseError> {
    s.parse()
}

/// `--cache-dir`, else the default (`$NIXSEC_CACHE_DIR`, `$XDG_CACHE_HOME/nixsec`, `~/.cache/nixsec`).
fn cache_dir(arg: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    match arg.cloned().or_else(index::default_cache_dir) {
        Some(d) => Ok(d),
        None => bail!("no cache directory: set --cache-dir, NIXSEC_CACHE_DIR or HOME"),
    }
}

pub fn run(global: &GlobalArgs, args: &VulnsArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Some(VulnsCommand::Update(u)) => update(global, u),
        None => scan_cmd(global, &args.scan),
    }
}

fn update(global: &GlobalArgs, a: &UpdateArgs) -> anyhow::Result<ExitStatus> {
    let dir = cache_dir(a.cache_dir.as_ref())?;
    let source = match (&a.from, &a.mirror) {
        (Some(d), _) => Source::Dir(d.clone()),
        (None, Some(m)) => Source::Mirror(m.clone()),
        (None, None) => Source::Mirror(NVD_FEEDS.into()),
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

/// Follow symlinks from `logical` inside `fs_root` until a store path; `None` when the chain
/// leaves the store or breaks.
fn to_store_path(fs_root: &Path, logical: &Path) -> Option<String> {
    let mut cur = logical.to_path_buf();
    for _ in 0..40 {
        let s = cur.to_string_lossy().into_owned();
        if let Some(rest) = s.strip_prefix("/nix/store/") {
            let name = rest.split('/').next().unwrap_or("");
            return (!name.is_empty()).then(|| format!("/nix/store/{name}"));
        }
        let host = fs_root.join(cur.strip_prefix("/").unwrap_or(&cur));
        let target = std::fs::read_link(&host).ok()?;
        cur = if target.is_absolute() {
            target
        } else {
            cur.parent().unwrap_or(Path::new("/")).join(target)
        };
    }
    None
}

/// Store paths of a `nix profile` manifest (versions 1-3), if the profile has one.
fn manifest_paths(store_root: &Path, profile_path: &str) -> Option<anyhow::Result<Vec<String>>> {
    let file = store_root
        .join(profile_path.trim_start_matches('/'))
        .join("manifest.json");
    let text = std::fs::read_to_string(&file).ok()?;
    let parse = || -> anyhow::Result<Vec<String>> {
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("`{}`: not JSON", file.display()))?;
        let elements: Vec<&serde_json::Value> = match &v["elements"] {
            serde_json::Value::Array(a) => a.iter().collect(),
            serde_json::Value::Object(m) => m.values().collect(),
            _ => bail!(
                "`{}`: no `elements` (not a nix profile manifest)",
                file.display()
            ),
        };
        Ok(elements
            .iter()
            .filter(|e| e["active"].as_bool() != Some(false))
            .flat_map(|e| e["storePaths"].as_array().into_iter().flatten())
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect())
    };
    Some(parse())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Every store path the targets name.
fn resolve_targets(a: &ScanArgs, store_root: &Path) -> anyhow::Result<Vec<String>> {
    let root = &a.root;
    let mut out = Vec::new();
    for t in &a.targets {
        let p = Path::new(t);
        let sp = if t.starts_with("/nix/store/") {
            to_store_path(Path::new("/"), p)
        } else if root != Path::new("/")
            && p.is_absolute()
            && root.join(&t[1..]).symlink_metadata().is_ok()
        {
            to_store_path(root, p)
        } else {
            to_store_path(Path::new("/"), &absolute(p))
        };
        out.push(sp.with_context(|| format!("`{t}`: not a store path or a symlink to one"))?);
    }
    if a.system {
        out.push(
            to_store_path(root, Path::new("/run/current-system")).with_context(|| {
                format!(
                    "`{}`: no current system (not a NixOS root?)",
                    root.join("run/current-system").display()
                )
            })?,
        );
    }
    for prof in &a.profiles {
        let sp = if root != Path::new("/") && prof.is_absolute() {
            to_store_path(root, prof)
        } else {
            to_store_path(Path::new("/"), &absolute(prof))
        }
        .with_context(|| {
            format!(
                "`{}`: not a profile (no link into the store)",
                prof.display()
            )
        })?;
        match manifest_paths(store_root, &sp) {
            Some(paths) => out.extend(paths?),
            None => out.push(sp),
        }
    }
    if a.gc_roots {
        let dir = root.join("nix/var/nix/gcroots");
        let mut stack = vec![(dir.clone(), PathBuf::from("/nix/var/nix/gcroots"), 0)];
        while let Some((host, logical, depth)) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&host) else {
                continue;
            };
            for e in rd.flatten() {
                let lp = logical.join(e.file_name());
                match to_store_path(root, &lp) {
                    Some(sp) => out.push(sp),
                    None if depth < 4 => {
                        // A link to a directory of roots (`profiles`) or a plain directory.
                        let mut cur = lp.clone();
                        for _ in 0..8 {
                            match std::fs::read_link(
                                root.join(cur.strip_prefix("/").unwrap_or(&cur)),
                            ) {
                                Ok(t) if t.is_absolute() => cur = t,
                                Ok(t) => cur = cur.parent().unwrap_or(Path::new("/")).join(t),
                                Err(_) => break,
                            }
                        }
                        let h = root.join(cur.strip_prefix("/").unwrap_or(&cur));
                        if h.is_dir() {
                            stack.push((h, cur, depth + 1));
                        }
                    }
                    None => {}
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// NVD severity rank for `--min-severity`.
fn nvd_rank(sev: &str) -> MinSeverity {
    match sev {
        "CRITICAL" => MinSeverity::Critical,
        "HIGH" => MinSeverity::High,
        "MEDIUM" => MinSeverity::Medium,
        _ => MinSeverity::Low,
    }
}

/// The finding severity (catalogue: ≥ 9 critical, ≥ 7 high, else medium).
fn finding_severity(h: &Hit) -> Severity {
    match h.cvss.as_ref().map(|c| c.score) {
        Some(s) if s >= 9.0 => Severity::Critical,
        Some(s) if s >= 7.0 => Severity::High,
        _ => Severity::Medium,
    }
}

fn keep(a: &ScanArgs, h: &Hit) -> bool {
    let sev = h.cvss.as_ref().map_or("", |c| c.severity.as_str());
    let score = h.cvss.as_ref().map_or(0.0, |c| c.score);
    a.min_severity.is_none_or(|m| nvd_rank(sev) >= m) && a.min_cvss.is_none_or(|m| score >= m)
}

struct Outcome {
    result: ScanResult,
    whitelist: Whitelist,
    selection: Selection,
    warnings: Vec<String>,
    errors: Vec<String>,
    data_note: String,
}

fn scan_cmd(global: &GlobalArgs, a: &ScanArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let today = started.date_naive();
    let store_root = a.store_root.clone().unwrap_or_else(|| a.root.clone());
    if a.targets.is_empty() && a.profiles.is_empty() && !a.system && !a.gc_roots {
        bail!("nothing to scan: give store paths or ./result links, --profile, --system or --gc-roots");
    }
    if let Some(m) = a.min_cvss {
        if !(0.0..=10.0).contains(&m) {
            bail!("--min-cvss {m}: a CVSS score is between 0.0 and 10.0");
        }
    }
    // Configuration first: a bad whitelist or mapping stops the run before any work.
    let mut whitelist = Whitelist::default();
    for w in &a.whitelist {
        whitelist.add_file(w)?;
    }
    let mut mapping = Mapping::builtin();
    for m in &a.cpe_map {
        mapping.merge_file(m)?;
    }
    let mut warnings: Vec<String> = whitelist.warnings.clone();
    let mut errors: Vec<String> = Vec::new();
    // The data.
    let (data, data_note) = if a.nvd.is_empty() {
        let dir = cache_dir(a.cache_dir.as_ref())?;
        let ix = Index::open(&index::index_path(&dir))?;
        let updated = ix.updated();
        if let Some(u) = updated {
            let age = started - u;
            if age > chrono::Duration::days(i64::from(a.max_age)) {
                warnings.push(format!(
                    "the NVD index is {} days old (updated {}); run `nixsec vulns update`",
                    age.num_days(),
                    u.format("%Y-%m-%d")
                ));
            }
        }
        let note = format!(
            "index {} ({} CVEs, updated {})",
            index::index_path(&dir).display(),
            ix.len(),
            updated.map_or_else(
                || "never".into(),
                |u| u.format("%Y-%m-%d %H:%M UTC").to_string()
            )
        );
        (Data::Index(ix), note)
    } else {
        let merged = nvd::load_paths(&a.nvd);
        for e in &merged.errors {
            errors.push(e.to_string());
        }
        if merged.by_id.is_empty() {
            if let Some(e) = merged.errors.first() {
                bail!("no NVD data could be read: {e}");
            }
            bail!(
                "no NVD data in {}",
                a.nvd
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if merged.unconfigured > 0 {
            warnings.push(format!(
                "{} CVEs have no CPE configurations (not analysed by NVD yet, or only malformed CPEs) and cannot be matched",
                merged.unconfigured
            ));
        }
        let n = merged.problems.len();
        for p in merged.problems.iter().take(20) {
            warnings.push(p.clone());
        }
        if n > 20 {
            warnings.push(format!("... and {} more problems in the NVD data", n - 20));
        }
        let note = format!(
            "{} CVEs from {}",
            merged.by_id.len(),
            a.nvd
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        (Data::memory(merged), note)
    };
    let targets = resolve_targets(a, &store_root)?;
    let selection = packages::select(&store_root, &targets, a.build_time)?;
    errors.extend(selection.problems.iter().cloned());
    let result = scan::scan(&selection, &data, &mapping, &whitelist, today);
    errors.extend(result.problems.iter().cloned());
    warnings.extend(result.ambiguous.iter().cloned());
    for (i, r) in whitelist.rules.iter().enumerate() {
        if r.until.is_some_and(|u| u <= today) {
            warnings.push(format!(
                "whitelist `{}`: [\"{}\"] expired on {}",
                r.file,
                r.key,
                r.until.map(|u| u.to_string()).unwrap_or_default()
            ));
        } else if !result.used_rules.contains(&i) {
            warnings.push(format!(
                "whitelist `{}`: [\"{}\"] matched nothing",
                r.file, r.key
            ));
        }
    }
    let outcome = Outcome {
        result,
        whitelist,
        selection,
        warnings,
        errors,
        data_note,
    };
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let fail_on = a.fail_on.unwrap_or(FailOn {
        threshold: Some(Severity::Info),
        errors: false,
    });
    let report = as_report(a, &outcome, &store_root, started, duration_ms, fail_on);
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
            serde_json::to_writer_pretty(&mut out, &vulnix_json(a, &outcome))?;
            writeln!(out)?;
        }
        VulnsFormat::Text => text(a, &outcome, duration_ms, &mut out)?,
    }
    out.flush()?;
    if a.format != VulnsFormat::Text {
        for w in outcome.warnings.iter().chain(&outcome.errors) {
            if !global.quiet {
                eprintln!("warning: {w}");
            }
        }
    }
    Ok(report.exit_status(fail_on))
}

fn hits_shown<'a>(a: &ScanArgs, v: &'a [Hit]) -> Vec<&'a Hit> {
    v.iter().filter(|h| keep(a, h)).collect()
}

fn score_text(h: &Hit) -> String {
    match &h.cvss {
        Some(c) => format!("{:.1} {} (CVSS {})", c.score, c.severity, c.version),
        None => "no CVSS score".into(),
    }
}

fn scope(p: &PackageResult) -> &'static str {
    if p.package.build_only {
        "build-only"
    } else {
        "runtime"
    }
}

fn text(a: &ScanArgs, o: &Outcome, duration_ms: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let mut n_pkgs = 0;
    let mut n_cves = 0;
    let mut n_wl = 0;
    let mut n_patched = 0;
    for p in &o.result.packages {
        let affected = hits_shown(a, &p.affected);
        let wl = hits_shown(a, &p.whitelisted);
        let patched = hits_shown(a, &p.patched);
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
                score_text(h),
                h.id
            )?;
            if !h.description.is_empty() {
                writeln!(out, "      {}", h.description)?;
            }
        }
        if show_wl {
            for h in &wl {
                let rule = h.whitelisted_by.and_then(|i| o.whitelist.rules.get(i));
                write!(out, "  {:<16} {}  whitelisted", h.id, score_text(h))?;
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
                    score_text(h)
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

fn vulnix_json<'a>(a: &ScanArgs, o: &'a Outcome) -> Vec<VulnixEntry<'a>> {
    let mut out = Vec::new();
    for p in &o.result.packages {
        let affected = hits_shown(a, &p.affected);
        let wl = if a.show_whitelisted {
            hits_shown(a, &p.whitelisted)
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

fn as_report(
    a: &ScanArgs,
    o: &Outcome,
    store_root: &Path,
    started: chrono::DateTime<chrono::Utc>,
    duration_ms: u64,
    fail_on: FailOn,
) -> Report {
    let entry = nixsec_catalogue::entry(RULE);
    let finding = |p: &PackageResult, h: &Hit, status: Status, note: &str| {
        let pk = &p.package;
        let mut evidence: Vec<Evidence> = pk
            .paths
            .iter()
            .map(|x| Evidence::value(x.clone(), pk.name.clone()))
            .collect();
        if let Some(d) = &pk.drv {
            evidence.push(Evidence::value(
                d.clone(),
                format!("pname {} version {}", pk.pname, pk.version),
            ));
        }
        for c in &h.criteria {
            evidence.push(Evidence::value(
                format!("https://nvd.nist.gov/vuln/detail/{}", h.id),
                c.clone(),
            ));
        }
        let mut f = entry.finding(
            status,
            format!(
                "{}: {} ({}{}){}: {}",
                pk.name,
                h.id,
                score_text(h),
                if pk.build_only { ", build-only" } else { "" },
                note,
                h.description
            ),
        );
        f.subject = Some(format!("{} {}", pk.name, h.id));
        f.severity = finding_severity(h);
        f.evidence = evidence;
        f.remediation.text = format!(
            "Update {} past the fixed version (update nixpkgs and rebuild), or apply the upstream fix as a patch named after {}; if it does not apply, whitelist it with an `until` date.",
            pk.pname, h.id
        );
        f
    };
    let mut findings = Vec::new();
    for p in &o.result.packages {
        for h in hits_shown(a, &p.affected) {
            findings.push(finding(p, h, Status::Fail, ""));
        }
        for h in hits_shown(a, &p.whitelisted) {
            let mut f = finding(p, h, Status::Fail, ", whitelisted");
            let rule = h.whitelisted_by.and_then(|i| o.whitelist.rules.get(i));
            f.ignored = Some(Ignored {
                reason: rule.map_or_else(String::new, |r| {
                    let mut s = format!("whitelist [\"{}\"] in {}", r.key, r.file);
                    for c in &r.comments {
                        s.push_str("; ");
                        s.push_str(c);
                    }
                    for u in &r.issue_urls {
                        s.push_str("; ");
                        s.push_str(u);
                    }
                    s
                }),
                until: rule.and_then(|r| r.until).map(|u| u.to_string()),
            });
            findings.push(f);
        }
        if a.show_patched {
            for h in hits_shown(a, &p.patched) {
                findings.push(finding(p, h, Status::Pass, ", patched"));
            }
        }
    }
    for e in &o.errors {
        let mut f = entry.finding(Status::Error, e.clone());
        f.severity = Severity::High;
        f.remediation = Remediation {
            text: "Fix or replace the file named; the rest was scanned.".into(),
            nixos: String::new(),
        };
        findings.push(f);
    }
    if !findings
        .iter()
        .any(|f| f.status == Status::Fail && f.ignored.is_none())
    {
        let mut f = entry.finding(
            Status::Pass,
            format!(
                "no known CVE in {} packages of {} store paths ({})",
                o.result.examined, o.selection.paths, o.data_note
            ),
        );
        f.severity = Severity::High;
        f.remediation.text = String::new();
        findings.push(f);
    }
    Report::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        store_root.display().to_string(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        findings,
        fail_on,
        o.warnings.clone(),
    )
}
