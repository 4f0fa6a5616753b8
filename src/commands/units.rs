//! `nixsec units`: score systemd service units like `systemd-analyze security --offline=true`,
//! all at once, and explain each failing check as the NixOS option that fixes it.

use std::io::{BufWriter, Write};

use crate::output::Output;
use std::path::Path;
use std::time::Instant;

use nixsec_core::{escape, Evidence, ExitStatus, FailOn, Outcome, Problem, Report, Root, Tool};
use nixsec_report::{Format, Options as RenderOptions, UnitRow};
use nixsec_systemd::{LoadError, UnitScore};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::UnitsArgs;

/// The catalogue rule SARIF results are filed under.
const RULE: &str = "NIX-061";

/// One scored unit and the file it was loaded from (inside the root).
struct Scored {
    fragment: String,
    score: UnitScore,
}

/// A unit that could not be loaded.
#[derive(Serialize)]
struct UnitError {
    unit: String,
    error: String,
}

/// The JSON document: `{ "units": [...], "errors": [...] }` (written by
/// [`write_units_json`]).
#[derive(Serialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct UnitsDoc<'a> {
    units: Vec<&'a UnitScore>,
    errors: &'a [UnitError],
}

/// Write the JSON document: exactly `nixsec_core::json::to_writer_pretty` of [`UnitsDoc`] and a
/// newline (tested), each unit written by `nixsec_systemd::json` and flushed every 256 KiB so
/// that megabytes of output never sit in fresh memory.
fn write_units_json(
    units: &[&UnitScore],
    errors: &[UnitError],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    const CHUNK: usize = 256 * 1024;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 32 * 1024);
    let mut writer = nixsec_systemd::json::Writer::new();
    buf.extend_from_slice(b"{\n  \"units\": [");
    for (i, u) in units.iter().enumerate() {
        buf.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        writer.write(u, 4, &mut buf);
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(if units.is_empty() { b"]" } else { b"\n  ]" });
    buf.extend_from_slice(b",\n  \"errors\": ");
    let errs = nixsec_core::json::to_vec_pretty(errors).map_err(std::io::Error::from)?;
    for &b in &errs {
        buf.push(b);
        if b == b'\n' {
            buf.extend_from_slice(b"  ");
        }
    }
    buf.extend_from_slice(b"\n}\n");
    out.write_all(&buf)
}

/// A unit name as given: `sshd` means `sshd.service`.
fn unit_name(arg: &str) -> String {
    if arg.contains('.') {
        arg.to_string()
    } else {
        format!("{arg}.service")
    }
}

fn score(loader: &nixsec_systemd::Loader<'_>, name: &str) -> Result<Scored, LoadError> {
    loader.load(name).map(|u| Scored {
        score: nixsec_systemd::assess(&u),
        fragment: u.fragment,
    })
}

/// Print `threshold` (an integer 0–100) as an exposure.
fn tenths(x: u64) -> String {
    format!("{}.{}", x / 10, x % 10)
}

pub fn run(args: &UnitsArgs) -> anyhow::Result<ExitStatus> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let root = if args.root == Path::new("/") {
        Root::host()
    } else {
        Root::new(&args.root)?
    };
    if let Some(unit) = &args.explain {
        return explain(&root, &unit_name(unit), args.threshold);
    }
    let loader = nixsec_systemd::Loader::new(&root);
    let names: Vec<String> = if args.units.is_empty() {
        loader.list("service")
    } else {
        args.units.iter().map(|u| unit_name(u)).collect()
    };
    // Units load and score independently: on every core, results kept in argument order.
    let results: Vec<Result<Scored, LoadError>> =
        names.par_iter().map(|name| score(&loader, name)).collect();
    let mut scored = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (name, r) in names.iter().zip(results) {
        match r {
            Ok(s) => scored.push(s),
            Err(e) => {
                eprintln!("nixsec: {}", escape(&e.to_string()));
                errors.push(UnitError {
                    unit: name.clone(),
                    error: e.to_string(),
                });
            }
        }
    }
    if names.is_empty() {
        eprintln!(
            "nixsec: no service units under `{}`",
            escape(&args.root.display().to_string())
        );
    }
    scored.sort_by(|a, b| {
        b.score
            .exposure_int
            .cmp(&a.score.exposure_int)
            .then_with(|| a.score.unit.cmp(&b.score.unit))
    });
    let above = scored
        .iter()
        .any(|s| s.score.exposure_int >= args.threshold);
    let mut out = Output::open(args.output.as_deref())?;
    let rows = || -> Vec<UnitRow> {
        scored
            .iter()
            .map(|s| UnitRow {
                unit: s.score.unit.clone(),
                exposure: s.score.exposure_int,
                level: s.score.level.to_string(),
                fragment: s.fragment.clone(),
            })
            .collect()
    };
    let report = || {
        let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        as_report(args, &root, &scored, &errors, started, duration_ms)
    };
    match args.format {
        Format::Text => {
            for s in &scored {
                writeln!(
                    out,
                    "{} {} {}",
                    s.score.exposure_str(),
                    s.score.level,
                    escape(&s.score.unit)
                )?;
            }
        }
        Format::Json => {
            let units: Vec<&UnitScore> = scored.iter().map(|s| &s.score).collect();
            write_units_json(&units, &errors, &mut out)?;
        }
        Format::Sarif => {
            nixsec_report::render(
                Format::Sarif,
                &report(),
                &RenderOptions::default(),
                &mut out,
            )?;
        }
        Format::Html => {
            let errs: Vec<nixsec_report::UnitError> = errors
                .iter()
                .map(|e| nixsec_report::UnitError {
                    unit: e.unit.clone(),
                    error: e.error.clone(),
                })
                .collect();
            nixsec_report::html::render_units(&report(), &rows(), &errs, &mut out)?;
        }
        Format::Prometheus => {
            let units = rows();
            let extra = nixsec_report::prometheus::Extra {
                units: Some(&units),
                cves: None,
            };
            nixsec_report::prometheus::render(&report(), "units", &extra, &mut out)?;
        }
    }
    out.finish()?;
    let status = if scored.is_empty() {
        ExitStatus::Error
    } else if above {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    // The process ends right after this: freeing tens of thousands of small allocations one by
    // one (every unit's assignments and checks) would only cost time the OS reclaims at once.
    std::mem::forget(scored);
    std::mem::forget(loader);
    Ok(status)
}

/// Units at or above the threshold as NIX-061 failures (one per unit, with the
/// `serviceConfig` that fixes it), unloadable units as errors.
fn as_report(
    args: &UnitsArgs,
    root: &Root,
    scored: &[Scored],
    errors: &[UnitError],
    started: chrono::DateTime<chrono::Utc>,
    duration_ms: u64,
) -> Report {
    let entry = nixsec_catalogue::entry(RULE);
    let problems: Vec<Problem> = scored
        .iter()
        .filter(|s| s.score.exposure_int >= args.threshold)
        .map(|s| {
            let value = format!("{} {}", s.score.exposure_str(), s.score.level);
            Problem::about(
                s.score.unit.clone(),
                format!(
                    "{}: exposure {value} (threshold {})",
                    s.score.unit,
                    tenths(args.threshold)
                ),
            )
            .with_evidence([Evidence::value(s.fragment.clone(), value)])
            .with_fix(nixsec_systemd::service_config(&s.score.unit, &s.score))
        })
        .collect();
    let mut findings = if problems.is_empty() {
        Vec::new()
    } else {
        entry.findings(Outcome::Fail { problems })
    };
    for e in errors {
        findings.extend(entry.findings(Outcome::error(e.error.clone())));
    }
    Report::new(
        Tool {
            name: "nixsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        root.dir().display().to_string(),
        started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms,
        findings,
        FailOn::default(),
        Vec::new(),
    )
}

/// `--explain UNIT`: every failing check with its weight, description and NixOS fix.
fn explain(root: &Root, unit: &str, threshold: u64) -> anyhow::Result<ExitStatus> {
    let s = match score(&nixsec_systemd::Loader::new(root), unit) {
        Ok(s) => s.score,
        Err(e) => {
            eprintln!("nixsec: {}", escape(&e.to_string()));
            return Ok(ExitStatus::Error);
        }
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{}: exposure {} {} (threshold {})",
        escape(&s.unit),
        s.exposure_str(),
        s.level,
        tenths(threshold)
    )?;
    let bad = s.failing();
    if bad.is_empty() {
        writeln!(out, "\nEvery check passes.")?;
    } else {
        writeln!(out, "\nFailing checks ({}), heaviest first:", bad.len())?;
        for c in &bad {
            writeln!(
                out,
                "\n  {} (weight {}, badness {}/{})\n    {}\n    fix: {}",
                c.setting(),
                c.weight(),
                c.badness.unwrap_or(0),
                c.range(),
                c.description(),
                c.fix().for_service(unit),
            )?;
        }
        writeln!(
            out,
            "\nAll fixes together:\n\n{}",
            nixsec_systemd::service_config(unit, &s)
        )?;
    }
    out.flush()?;
    Ok(if s.exposure_int >= threshold {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_json_is_serde_jsons_pretty_form() {
        let t = tempfile::tempdir().expect("tempdir");
        let dir = t.path().join("etc/systemd/system");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("a.service"), "[Service]\nExecStart=/bin/a\n").expect("unit");
        std::fs::write(
            dir.join("b.service"),
            "[Service]\nExecStart=/bin/b\nPrivateTmp=yes\nUser=b\n",
        )
        .expect("unit");
        let root = Root::new(t.path()).expect("root");
        let loader = nixsec_systemd::Loader::new(&root);
        let a = score(&loader, "a.service").expect("a").score;
        let b = score(&loader, "b.service").expect("b").score;
        let errors = [UnitError {
            unit: "c.service".into(),
            error: "no such unit \"c\"".into(),
        }];
        for (units, errors) in [
            (vec![&a, &b], &errors[..]),
            (vec![&a], &[][..]),
            (vec![], &errors[..]),
            (vec![], &[][..]),
        ] {
            let doc = UnitsDoc {
                units: units.clone(),
                errors,
            };
            let mut want = nixsec_core::json::to_vec_pretty(&doc).expect("serde");
            want.push(b'\n');
            let mut got = Vec::new();
            write_units_json(&units, errors, &mut got).expect("ours");
            assert_eq!(String::from_utf8(got), String::from_utf8(want));
        }
    }
}
