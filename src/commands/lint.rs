//! `nixsec lint`: static security lint of NixOS configuration files (nothing is evaluated).

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nixsec_core::report::apply_config;
use nixsec_core::{Config, ExitStatus, Finding, LintReport, Tool};
use nixsec_lint::{lint_rules, LintOptions};
use nixsec_report::{Format, Options};

use crate::cli::{GlobalArgs, LintArgs};
use crate::output::Output;
use crate::printer::{use_color, warn_user};

/// A file counter on stderr while files are parsed (hidden off a terminal, under `-q`/`-v`).
struct Bar(ProgressBar);

impl nixsec_lint::Progress for Bar {
    fn start(&self, files: u64, _bytes: u64) {
        self.0.set_length(files);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} linting [{bar:30}] {pos}/{len} files {per_sec}")
        {
            self.0.set_style(style.progress_chars("=> "));
        }
    }
    fn file_done(&self, _bytes: u64) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// The configuration file looked for in the first PATH when `--config` is not given.
const DEFAULT_CONFIG: &str = "nixsec.toml";

/// A rule id of the linter or of the audit (one `nixsec.toml` may serve both).
fn known_rule(id: &str) -> Option<&'static str> {
    nixsec_catalogue::get(id).map(|e| e.id)
}

/// `--config FILE`, else `nixsec.toml` in the first PATH when that is a directory. The linted
/// tree is outside data (a pull request): its `nixsec.toml` is read inside it, as an audited
/// root is (a symlink leaving it is absent, a FIFO is an error, not a hang).
fn load_config(args: &LintArgs) -> anyhow::Result<Config> {
    let (shown, text) = match &args.config {
        Some(p) => {
            let shown = nixsec_core::escape_bytes(p.as_os_str().as_encoded_bytes());
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("`{shown}`: cannot read the config file"))?;
            (shown, text)
        }
        None => match args.paths.first() {
            Some(dir) if dir.is_dir() => {
                let tree = nixsec_core::Root::new(dir)?;
                match tree.read_to_string(DEFAULT_CONFIG) {
                    Ok((_, text)) => (
                        nixsec_core::escape_bytes(
                            dir.join(DEFAULT_CONFIG).as_os_str().as_encoded_bytes(),
                        ),
                        text,
                    ),
                    Err(e) if e.is_not_found() => return Ok(Config::default()),
                    Err(e) => bail!("cannot read the config file: {e}"),
                }
            }
            _ => return Ok(Config::default()),
        },
    };
    Ok(Config::parse(&text, &shown, &known_rule)?)
}

pub fn run(global: &GlobalArgs, args: &LintArgs) -> anyhow::Result<ExitStatus> {
    crate::output::check_format(
        args.format,
        "lint",
        &[Format::Text, Format::Json, Format::Sarif, Format::Html],
    )?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    for id in &args.rules {
        if !lint_rules().iter().any(|r| r.id.eq_ignore_ascii_case(id)) {
            bail!("unknown configuration rule `{id}` (see `nixsec rules`)");
        }
    }
    let visible = std::io::stderr().is_terminal() && !global.quiet && global.verbose == 0;
    let bar = Bar(ProgressBar::with_draw_target(
        None,
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    ));
    let opts = LintOptions {
        jobs: args.jobs,
        rules: args.rules.clone(),
    };
    let config = load_config(args)?;
    let mut out = nixsec_lint::lint(&args.paths, &opts, &bar).context("cannot lint")?;
    tracing::info!(files = out.files, bytes = out.bytes, "linted");
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or_default();
    let mut plain: Vec<Finding> = out.findings.iter().map(|f| f.finding.clone()).collect();
    let config_warnings = apply_config(&mut plain, &config, chrono::Local::now().date_naive());
    for (f, p) in out.findings.iter_mut().zip(plain) {
        f.finding = p;
    }
    out.warnings.extend(config_warnings);
    let mut report = LintReport::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        args.paths.iter().map(|p| p.display().to_string()).collect(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        out.files,
        out.configurations,
        out.findings,
        fail_on,
        out.warnings,
    );
    report.skipped = out
        .skipped
        .iter()
        .map(|(p, why)| format!("{p}: {why}"))
        .collect();
    if args.format != Format::Text && !global.quiet {
        for w in &report.summary.warnings {
            warn_user(w);
        }
    }
    let mut w = Output::open(args.output.as_deref())?;
    let ropts = Options {
        color: use_color(global.color, w.is_terminal()),
        verbose: global.verbose > 0,
        quiet: global.quiet,
    };
    nixsec_report::lint::render(args.format, &report, &ropts, &mut w).with_context(
        || match &args.output {
            Some(p) => format!("`{}`: cannot write the report", p.display()),
            None => "cannot write the report".into(),
        },
    )?;
    w.finish()?;
    Ok(report.exit_status(fail_on))
}
