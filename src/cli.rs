//! The command line, defined once with clap; `--help`, completions and the man page come from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use nixsec_core::{FailOn, Section};
use nixsec_report::Format;
use nixsec_vulns::policy::NvdSeverity;

/// Security auditor for NixOS and Nix hosts.
///
/// nixsec checks the items of the NixOS wiki's Security page on the live host (`/`) or on a
/// mounted system (`--root DIR`), and explains each finding with evidence and a fix written as
/// NixOS configuration. It never writes to the system it audits.
#[derive(Debug, Parser)]
#[command(
    name = "nixsec",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print only failures, errors and the summary.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show passing results in detail and log what nixsec reads (-vv for more).
    ///
    /// `RUST_LOG` overrides the log level.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colours: auto (a terminal, and `NO_COLOR` unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours on a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a host: run every host rule and report.
    Audit(AuditArgs),
    /// List every rule: id, section, severity and title.
    Rules(RulesArgs),
    /// Explain a rule: what it checks, why it matters and the NixOS fix.
    Explain(ExplainArgs),
    /// Nix store commands.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Score systemd service units like `systemd-analyze security`, offline.
    Units(UnitsArgs),
    /// Known CVEs in store closures, profiles or the system (vulnix-compatible).
    Vulns(VulnsArgs),
    /// Lint NixOS configuration files for security problems, without evaluating them.
    Lint(LintArgs),
    /// Compare two built systems for security (a deploy gate): exit 1 when NEW is worse at or
    /// above `--fail-on`.
    Diff(DiffArgs),
    /// Inspect ELF files or directories: search paths, needed libraries and hardening.
    Elf(ElfArgs),
    /// Look for secrets in files or directories before they reach a store.
    ///
    /// Keys, tokens and passwords in a configuration checkout or a build result, redacted,
    /// with the NixOS option that writes them named where the file shows it.
    Secrets(SecretsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

/// `nixsec audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The system to audit: `/` (the live host) or a mounted root.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Audit a built NixOS system before it is deployed: a toplevel (`./result`, a
    /// `system-N-link`, `/run/current-system`, a store path) read through the store at
    /// `--store-root`. Rules that need a running system skip; each specialisation is audited too.
    #[arg(long, value_name = "PATH", conflicts_with = "root")]
    pub system: Option<PathBuf>,
    /// With `--system`: the directory holding `nix/store` and `nix/var/nix/db`.
    #[arg(long, value_name = "DIR", default_value = "/", requires = "system")]
    pub store_root: PathBuf,
    /// Output format: text, json, sarif, html or prometheus.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (atomically: a temporary file
    /// renamed over FILE).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a failure at or above this severity is found.
    ///
    /// A severity (critical, high, medium, low, info) or `none`, optionally with `error` to
    /// fail on checks that could not run too, comma-separated: `--fail-on medium,error`.
    /// Default: `fail-on` from the config file, else `high`.
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Run only the rules of this section (repeatable).
    #[arg(long = "section", value_name = "NAME", value_parser = parse_section)]
    pub sections: Vec<Section>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Configuration file (ignores, severity overrides); default `/etc/nixsec.toml` under the root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also hash the contents of every store path (NIX-026); slow on big stores.
    #[arg(long)]
    pub store_contents: bool,
    /// The host's role where the catalogue's verdict differs (nix-ld, SSH forwarding, USB
    /// storage): server or desktop.
    /// Not given: server, except for verdicts the catalogue changes only for a declared role.
    #[arg(long, value_name = "ROLE", value_parser = parse_profile)]
    pub profile: Option<nixsec_core::Profile>,
    /// The live nftables ruleset, saved with `nft -j list ruleset > FILE` (read from this
    /// machine); the firewall rules use it with the rules saved under the root.
    #[arg(long, value_name = "FILE")]
    pub nft_json: Option<PathBuf>,
    /// A vulnix whitelist (TOML) for the known-CVE check NIX-150 (repeatable; read from this
    /// machine); `vulns-whitelist` in the config file adds more.
    #[arg(short = 'w', long = "whitelist", value_name = "FILE")]
    pub whitelists: Vec<PathBuf>,
}

/// `nixsec diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The systems: toplevels (`./result`, a store path), `current` (`/run/current-system`).
    #[arg(value_name = "SYSTEM", num_args = 0..=2)]
    pub systems: Vec<String>,
    /// A generation of `/nix/var/nix/profiles/system` under the store root (repeatable: OLD
    /// then NEW; with one SYSTEM it is OLD).
    #[arg(long = "generation", value_name = "N")]
    pub generations: Vec<u32>,
    /// The directory holding `nix/store` and `nix/var/nix/db`.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub store_root: PathBuf,
    /// Output format: text, json, markdown, sarif or html.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Write the diff to FILE instead of standard output (atomically: a temporary file renamed
    /// over FILE).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a change makes NEW worse at or above this severity (default `high`).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

/// `nixsec store ...`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Verify a local store: NAR hashes, sizes, references, signatures, content addresses,
    /// and what Nix never checks (unregistered paths, setuid bits, writable files, owners).
    Verify(StoreVerifyArgs),
    /// Scan store paths for ELF search paths escaping the store, missing hardening, and
    /// secrets in the world-readable store (one parallel pass).
    Scan(StoreScanArgs),
}

/// `nixsec store scan`.
#[derive(Debug, Args)]
pub struct StoreScanArgs {
    /// The directory holding `nix/store` and `nix/var/nix/db`.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub store_root: PathBuf,
    /// Scan these store paths and everything they reference (repeatable).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with_all = ["system", "all"])]
    pub closure: Vec<String>,
    /// Scan the closure of `/run/current-system` under the store root (the default).
    #[arg(long, conflicts_with = "all")]
    pub system: bool,
    /// Scan every valid store path.
    #[arg(long)]
    pub all: bool,
    /// Look at ELF files (search paths, hardening); with neither flag, both run.
    #[arg(long)]
    pub elf: bool,
    /// Look for secrets; with neither flag, both run.
    #[arg(long)]
    pub secrets: bool,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Output format: text, json or sarif.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is found (see `nixsec audit --help`).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

/// `nixsec elf`.
#[derive(Debug, Args)]
pub struct ElfArgs {
    /// Files or directories (directories are walked; links are not followed).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Output format: text, json or sarif.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
}

/// `nixsec secrets`.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Files or directories (directories are walked; links are not followed).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Skip files larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub max_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is found (see `nixsec audit --help`).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

/// `nixsec store verify`.
#[derive(Debug, Args)]
pub struct StoreVerifyArgs {
    /// Store paths to check (default: every valid path, or every narinfo of a directory
    /// cache; required with an HTTP cache).
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Verify this binary cache instead of a local store: a directory, a `file://` URL or an
    /// `http(s)://` URL. Every narinfo's signatures and content address are checked and its NAR
    /// file is fetched, hashed as stored and decompressed (always: `--check-contents` is
    /// implied).
    #[arg(long, value_name = "DIR_OR_URL", conflicts_with_all = ["store_root", "closure"])]
    pub cache: Option<String>,
    /// The audited system; its nix.conf supplies the default trusted keys.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The directory holding `nix/store` and `nix/var/nix/db` (default: the root).
    #[arg(long, value_name = "DIR")]
    pub store_root: Option<PathBuf>,
    /// Also check everything the given paths reference, transitively.
    #[arg(long)]
    pub closure: bool,
    /// Hash the contents (without it: metadata, references and signatures only).
    #[arg(long)]
    pub check_contents: bool,
    /// Valid signatures by trusted keys each path needs; 0 trusts paths built locally.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sigs_needed: usize,
    /// A trusted public key `NAME:BASE64` (repeatable; default: `trusted-public-keys` of the
    /// root's nix.conf).
    #[arg(long = "trusted-key", value_name = "NAME:KEY")]
    pub trusted_keys: Vec<String>,
    /// Cores to use (default: all); with --check-contents, two walker threads per core read
    /// the paths and share the hashing.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// HTTP cache: the overall deadline of one request in seconds, from connecting to the last
    /// byte of the body.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Binary cache: the most MiB a NAR may have, decompressed or as stored; a larger one is
    /// reported `unreadable`, not decompressed.
    #[arg(long, value_name = "MIB", default_value_t = 8192)]
    pub max_nar_size: u64,
    /// Output format: text, json, sarif or html.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (atomically: a temporary file
    /// renamed over FILE).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a problem at or above this severity is found (see `nixsec audit --help`).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

/// `nixsec units`.
#[derive(Debug, Args)]
pub struct UnitsArgs {
    /// Units to score (default: every service unit under the root); a name without a type
    /// gets `.service`.
    #[arg(value_name = "UNIT")]
    pub units: Vec<String>,
    /// The system whose unit files are read: `/` (the live host) or a mounted root.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Exit 1 when a unit's exposure is at or above X (0.0-10.0; default 9.0, systemd's
    /// UNSAFE level).
    #[arg(long, value_name = "X", default_value = "9.0", value_parser = parse_threshold)]
    pub threshold: u64,
    /// Output format: text, json, sarif, html or prometheus.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (atomically: a temporary file
    /// renamed over FILE).
    #[arg(short, long, value_name = "FILE", conflicts_with = "explain")]
    pub output: Option<PathBuf>,
    /// List the failing checks of UNIT with their descriptions and the NixOS option for each.
    #[arg(long, value_name = "UNIT", conflicts_with_all = ["units", "format"])]
    pub explain: Option<String>,
}

/// `--threshold`: an exposure 0.0-10.0 with at most one decimal, as systemd's integer 0-100.
fn parse_threshold(s: &str) -> Result<u64, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !(0.0..=10.0).contains(&x) {
        return Err(format!("`{s}` is not between 0.0 and 10.0"));
    }
    let tenths = (x * 10.0).round();
    if (x * 10.0 - tenths).abs() > 1e-6 {
        return Err(format!("`{s}` has more than one decimal"));
    }
    // In 0..=100 after the range check.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(tenths as u64)
}

/// `nixsec vulns`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct VulnsArgs {
    #[command(subcommand)]
    pub command: Option<VulnsCommand>,
    #[command(flatten)]
    pub scan: VulnsScanArgs,
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
    Update(VulnsUpdateArgs),
}

/// `nixsec vulns update`.
#[derive(Debug, Args)]
pub struct VulnsUpdateArgs {
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
    /// One self-contained HTML page: the CVEs sortable by severity and score.
    Html,
    /// Prometheus metrics for node_exporter's textfile collector.
    Prometheus,
    /// CycloneDX 1.6 JSON: the closure (components, dependencies) with the CVEs and their VEX
    /// analysis.
    Cyclonedx,
    /// SPDX 2.3 JSON: the closure (packages, dependencies, patches).
    Spdx,
    /// OpenVEX 0.2.0: the CVEs as affected, not affected, under investigation or fixed.
    Openvex,
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

impl From<MinSeverity> for NvdSeverity {
    fn from(m: MinSeverity) -> Self {
        match m {
            MinSeverity::Low => NvdSeverity::Low,
            MinSeverity::Medium => NvdSeverity::Medium,
            MinSeverity::High => NvdSeverity::High,
            MinSeverity::Critical => NvdSeverity::Critical,
        }
    }
}

/// Scanning options of `nixsec vulns`.
#[derive(Debug, Args)]
pub struct VulnsScanArgs {
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
    /// Also scan the derivations' build-time inputs (findings marked build-only); vulnix's
    /// default scope, also spelled `-r`/`--requisites`.
    #[arg(long, short = 'r', visible_alias = "requisites")]
    pub build_time: bool,
    /// Scan only the targets themselves, not their closure (vulnix's `-R`).
    #[arg(long, short = 'R', conflicts_with_all = ["build_time", "closure"])]
    pub no_requisites: bool,
    /// Scan the runtime closure of the targets: nixsec's default (vulnix's `-C`).
    #[arg(long, short = 'C', conflicts_with = "build_time")]
    pub closure: bool,
    /// Read NVD data from these feed files or directories instead of the index (repeatable).
    #[arg(long, value_name = "PATH")]
    pub nvd: Vec<PathBuf>,
    /// The cache directory holding the index (see `nixsec vulns update --help`).
    #[arg(long, short = 'c', value_name = "DIR", env = "NIXSEC_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Warn when the index is older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_age: u32,
    /// A vulnix whitelist, TOML or YAML (repeatable; rules of the same key are merged); an
    /// unreadable or invalid file is an error. A URL is downloaded with `--fetch-whitelists`.
    #[arg(long, short = 'w', value_name = "FILE|URL")]
    pub whitelist: Vec<String>,
    /// Download the whitelists given as URLs (`-w https://...`).
    #[arg(long)]
    pub fetch_whitelists: bool,
    /// Write the whitelists read plus one entry per package with reported CVEs (vulnix's
    /// format, each new entry with `until` and a comment) to FILE.
    #[arg(long, short = 'W', value_name = "FILE")]
    pub write_whitelist: Option<PathBuf>,
    /// The `until` date of the entries `-W` adds (default: 90 days from today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "write_whitelist")]
    pub whitelist_until: Option<chrono::NaiveDate>,
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
    /// vulnix's `--json`: the same as `--format vulnix-json`.
    #[arg(long, short = 'j', conflicts_with = "format")]
    pub json: bool,
    /// vulnix's exit codes: 2 when a CVE is reported, 1 when only whitelisted ones are (with
    /// `-s`), 0 otherwise, 3 when no target is given; errors stay 2.
    #[arg(long)]
    pub vulnix_exit_codes: bool,
    /// Report only CVEs of at least this NVD severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<MinSeverity>,
    /// Report only CVEs with at least this CVSS base score.
    #[arg(long, value_name = "SCORE")]
    pub min_cvss: Option<f64>,
    /// Exit 1 when a reported CVE's finding is at or above this severity (default: any).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Write the report to FILE instead of standard output (atomically: a temporary file
    /// renamed over FILE).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `nixsec lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint (directories: every `.nix` file, `.gitignore` respected).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format: text, json, sarif or html.
    #[arg(long, value_name = "FORMAT", default_value_t = Format::Text, value_parser = parse_format)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (atomically: a temporary file
    /// renamed over FILE).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is found (see `nixsec audit --help`).
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Configuration file (ignores, severity overrides, `fail-on`); default `nixsec.toml` in
    /// the first PATH when it is a directory and has one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
}

/// `nixsec rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format: text, json, or markdown (the coverage table of the README).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// What `nixsec rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// One line per rule.
    Text,
    /// Every catalogue field.
    Json,
    /// The coverage table (README), one row per rule.
    Markdown,
}

/// `nixsec explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id, such as NIX-012.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `nixsec completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_fail_on(s: &str) -> Result<FailOn, nixsec_core::ParseError> {
    s.parse()
}

fn parse_profile(s: &str) -> Result<nixsec_core::Profile, nixsec_core::ParseError> {
    s.parse()
}

fn parse_section(s: &str) -> Result<Section, nixsec_core::ParseError> {
    s.parse()
}

/// A `YYYY-MM-DD` date.
fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn thresholds_parse_to_tenths() {
        assert_eq!(parse_threshold("9"), Ok(90));
        assert_eq!(parse_threshold("7.5"), Ok(75));
        assert_eq!(parse_threshold("0"), Ok(0));
        assert_eq!(parse_threshold("10.0"), Ok(100));
        assert!(parse_threshold("10.1").is_err());
        assert!(parse_threshold("-1").is_err());
        assert!(parse_threshold("7.25").is_err());
        assert!(parse_threshold("high").is_err());
    }
}
