//! `nixsec audit`: run the selected host rules on a root and report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use nixsec_core::report::apply_config;
use nixsec_core::{AuditOptions, Config, ExitStatus, Report, Root, Tool};
use nixsec_host::{find_rule, host_rules, run_rules, HostCx, Selection};
use nixsec_report::{Format, Options};

use crate::cli::{AuditArgs, GlobalArgs};
use crate::output::Output;
use crate::printer::{use_color, warn_user};

/// The configuration file looked for under the root when `--config` is not given.
const DEFAULT_CONFIG: &str = "/etc/nixsec.toml";

fn known_rule(id: &str) -> Option<&'static str> {
    find_rule(id).map(|r| r.id)
}

/// `--config FILE` (read from this machine) or `/etc/nixsec.toml` under the root.
fn load_config(args: &AuditArgs, root: &Root) -> anyhow::Result<Config> {
    if let Some(path) = &args.config {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("`{shown}`: cannot read the config file"))?;
        return Ok(Config::parse(&text, &shown, &known_rule)?);
    }
    match root.read_to_string(DEFAULT_CONFIG) {
        Ok((_, text)) => Ok(Config::parse(&text, DEFAULT_CONFIG, &known_rule)?),
        Err(e) if e.is_not_found() => Ok(Config::default()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot read the config file")),
    }
}

/// `--whitelist` files, then the config file's `vulns-whitelist`: relative to the file given
/// with `--config`, or for `/etc/nixsec.toml` inside the audited root (relative to its `/etc`).
fn whitelists(args: &AuditArgs, config: &Config, root: &Root) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = args.whitelists.clone();
    for w in &config.vulns_whitelist {
        let p = Path::new(w);
        match &args.config {
            Some(file) => out.push(
                file.parent()
                    .map_or_else(|| p.to_path_buf(), |dir| dir.join(p)),
            ),
            None => {
                let inner = Path::new("/etc").join(p);
                let r = root.resolve(&inner).with_context(|| {
                    format!("`{DEFAULT_CONFIG}`: vulns-whitelist `{w}` cannot be resolved")
                })?;
                out.push(r.host);
            }
        }
    }
    // Read now, so that a bad whitelist is a usage error even when NIX-150 does not run.
    for w in &out {
        nixsec_vulns::whitelist::Whitelist::default()
            .add_file(w)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(out)
}

/// A built system (`--system`) and its specialisations, each laid out as a root.
struct Built {
    view: nixsec_system::View,
    specialisations: Vec<(String, nixsec_system::View)>,
}

/// Read the system at `--system` and every specialisation it has.
pub fn read_built(store_root: &Path, given: &Path) -> anyhow::Result<nixsec_system::View> {
    let top = nixsec_system::locate(store_root, given)
        .with_context(|| "cannot audit this system".to_string())?;
    let system = nixsec_system::System::read(store_root, &top)
        .with_context(|| "cannot audit this system".to_string())?;
    Ok(nixsec_system::View::new(std::sync::Arc::new(system))?)
}

fn built(args: &AuditArgs) -> anyhow::Result<Option<Built>> {
    let Some(given) = &args.system else {
        return Ok(None);
    };
    let view = read_built(&args.store_root, given)?;
    let mut specialisations = Vec::new();
    for s in &view.system().specialisations {
        let sys = nixsec_system::System::read(&args.store_root, &s.toplevel)
            .with_context(|| format!("specialisation `{}`", s.name))?;
        specialisations.push((
            s.name.clone(),
            nixsec_system::View::new(std::sync::Arc::new(sys))?,
        ));
    }
    Ok(Some(Built {
        view,
        specialisations,
    }))
}

/// The failures and errors of a specialisation that the base system does not have, each
/// saying which specialisation it is about.
fn specialisation_findings(
    name: &str,
    base: &[nixsec_core::Finding],
    mine: Vec<nixsec_core::Finding>,
) -> Vec<nixsec_core::Finding> {
    use nixsec_core::Status;
    mine.into_iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error))
        .filter(|f| {
            !base.iter().any(|b| {
                b.rule == f.rule
                    && b.status == f.status
                    && b.subject == f.subject
                    && b.message == f.message
            })
        })
        .map(|mut f| {
            f.subject = Some(match &f.subject {
                Some(s) => format!("specialisation {name}: {s}"),
                None => format!("specialisation {name}"),
            });
            f.message = format!("specialisation `{name}`: {}", f.message);
            f
        })
        .collect()
}

pub fn run(global: &GlobalArgs, args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let built = built(args)?;
    let root = if let Some(b) = &built {
        b.view.root().clone()
    } else if args.root == Path::new("/") {
        Root::host()
    } else {
        Root::new(&args.root).with_context(|| "cannot audit this root")?
    };
    for id in &args.rules {
        if find_rule(id).is_none() {
            match nixsec_catalogue::get(id) {
                Some(e) => bail!(
                    "`{}` is a configuration rule: `nixsec lint` runs it (see `nixsec explain {}`)",
                    e.id,
                    e.id
                ),
                None => bail!("unknown rule `{id}` (see `nixsec rules`)"),
            }
        }
    }
    let config = load_config(args, &root)?;
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or_default();
    let selection = Selection {
        sections: args.sections.clone(),
        rules: args
            .rules
            .iter()
            .filter_map(|id| known_rule(id).map(str::to_string))
            .collect(),
    };
    let rules: Vec<_> = host_rules()
        .into_iter()
        .filter(|r| selection.includes(r))
        .collect();
    if rules.is_empty() {
        bail!("no rule matches the given `--section`/`--rule` filters (see `nixsec rules`)");
    }
    tracing::info!(root = %root.dir().display(), rules = rules.len(), "auditing");
    let vulns_whitelists = whitelists(args, &config, &root)?;
    let options = AuditOptions {
        store_contents: args.store_contents,
        profile: args.profile,
        nft_json: args.nft_json.clone(),
        vulns_whitelists,
    };
    let cx = match &built {
        Some(b) => HostCx::built(&b.view),
        None => HostCx::new(root),
    }
    .with_options(options.clone());
    let mut findings = run_rules(&cx, &rules);
    if let Some(b) = &built {
        for (name, view) in &b.specialisations {
            let scx = HostCx::built(view).with_options(options.clone());
            let mine = run_rules(&scx, &rules);
            findings.extend(specialisation_findings(name, &findings, mine));
        }
    }
    let shown_root = match &built {
        Some(b) => b.view.system().toplevel.clone(),
        None => cx.root().dir().display().to_string(),
    };
    let warnings = apply_config(&mut findings, &config, chrono::Local::now().date_naive());
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let report = Report::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        shown_root,
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        findings,
        fail_on,
        warnings,
    );
    if args.format != Format::Text && !global.quiet {
        for w in &report.summary.warnings {
            warn_user(w);
        }
    }
    write_report(global, args, &report)?;
    Ok(report.exit_status(fail_on))
}

fn write_report(global: &GlobalArgs, args: &AuditArgs, report: &Report) -> anyhow::Result<()> {
    let mut out = Output::open(args.output.as_deref())?;
    let opts = Options {
        color: use_color(global.color, out.is_terminal()),
        verbose: global.verbose > 0,
        quiet: global.quiet,
    };
    nixsec_report::render(args.format, report, &opts, &mut out).with_context(|| {
        match &args.output {
            Some(p) => format!("`{}`: cannot write the report", p.display()),
            None => "cannot write the report".into(),
        }
    })?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use nixsec_core::FailOn;

    #[test]
    fn default_fail_on_is_high() {
        assert_eq!(FailOn::default().to_string(), "high");
    }
}
