//! Every service unit shipped by a few dozen Debian packages, scored by nixsec and by the real
//! `systemd-analyze security --offline=true --root=DIR UNIT`: the printed exposure and every
//! per-check badness must agree.
//!
//! The corpus is made by `scripts/fetch-debian-units DIR`: the packages of
//! `debian-packages.txt` (the one list, which `scripts/bench-units` uses too), fetched with
//! `apt-get download` and unpacked with `dpkg -x` into `DIR/root`, never installed.
//! `scripts/test` makes it under `target/` and points `NIXSEC_DEBIAN_UNITS` at `DIR`. The test
//! never downloads: without the corpus or `systemd-analyze` it skips with a message, and fails
//! when `CI` is set; under `CI` a corpus that lacks a listed package fails it too.
use std::path::{Path, PathBuf};

use nixsec_core::Root;
use nixsec_systemd::{list_units, score_unit};

mod common;
use common::run_tool;

/// Units where nixsec and systemd 252 are known to disagree (see the comment on each).
const KNOWN_MISMATCHES: &[&str] = &[];

/// Fewer compared units than this fails the test.
const MIN_UNITS: usize = 20;

/// The packages of `debian-packages.txt`, in order.
fn packages() -> Vec<String> {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/debian-packages.txt");
    std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("{}: {e}", list.display()))
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The corpus `NIXSEC_DEBIAN_UNITS` names: its root and the packages unpacked there; `None`
/// after [`common::skip`] when there is none.
fn corpus() -> Option<(PathBuf, Vec<String>)> {
    let Some(dir) = std::env::var_os("NIXSEC_DEBIAN_UNITS").map(PathBuf::from) else {
        common::skip(
            "no Debian unit corpus: NIXSEC_DEBIAN_UNITS is unset (`scripts/fetch-debian-units DIR` \
             makes one; scripts/test sets it)",
        );
        return None;
    };
    let Ok(text) = std::fs::read_to_string(dir.join("packages")) else {
        common::skip(&format!(
            "no Debian unit corpus in NIXSEC_DEBIAN_UNITS={} (no `packages`: run \
             `scripts/fetch-debian-units` on it)",
            dir.display()
        ));
        return None;
    };
    let used: Vec<String> = text.lines().map(str::to_string).collect();
    let list = packages();
    let stale: Vec<&String> = used.iter().filter(|p| !list.contains(p)).collect();
    assert!(
        stale.is_empty(),
        "the corpus in {} holds {stale:?}, which debian-packages.txt no longer lists: run \
         `scripts/fetch-debian-units` on it again",
        dir.display()
    );
    let absent: Vec<&String> = list.iter().filter(|p| !used.contains(p)).collect();
    if !absent.is_empty() {
        common::skip(&format!(
            "the corpus in {} lacks {absent:?} (not downloadable when it was made; \
             `scripts/fetch-debian-units` retries); comparing the others",
            dir.display()
        ));
    }
    Some((dir.join("root"), used))
}

/// `Ok(true)` when both scored the unit and agree, `Ok(false)` when both reject it.
fn compare(bin: &Path, root_dir: &Path, root: &Root, unit: &str) -> Result<bool, String> {
    let ours = score_unit(root, unit);
    let theirs = run_tool(bin, root_dir, unit);
    match (ours, theirs) {
        (Err(_), None) => Ok(false),
        (Ok(s), None) => Err(format!(
            "{unit}: systemd-analyze rejects it, nixsec scores {}",
            s.exposure_str()
        )),
        (Err(e), Some((exp, _))) => Err(format!(
            "{unit}: systemd-analyze scores {exp}, nixsec fails: {e}"
        )),
        (Ok(s), Some((exp, checks))) => {
            let mut diffs = Vec::new();
            for (field, b) in checks {
                let got = s.checks.iter().find(|c| c.id() == field).map(|c| c.badness);
                if got != Some(b) {
                    diffs.push(format!("  {field}: nixsec {got:?}, systemd {b:?}"));
                }
            }
            if s.exposure_str() == exp && diffs.is_empty() {
                Ok(true)
            } else {
                Err(format!(
                    "{unit}: exposure nixsec {} systemd {exp}\n{}",
                    s.exposure_str(),
                    diffs.join("\n")
                ))
            }
        }
    }
}

#[test]
fn debian_service_units_match_systemd_analyze() {
    if !common::require(&["systemd-analyze"]) {
        return;
    }
    let bin = common::find("systemd-analyze").expect("checked above");
    let Some((root_dir, used)) = corpus() else {
        return;
    };
    let root = Root::new(&root_dir).expect("root");
    let units = list_units(&root, "service");
    // The tool takes ~0.1 s a call: compare on every core.
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let chunk = units.len().div_ceil(workers).max(1);
    let results: Vec<(&String, Result<bool, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = units
            .chunks(chunk)
            .map(|part| {
                let (bin, root_dir, root) = (&bin, &root_dir, &root);
                s.spawn(move || {
                    part.iter()
                        .map(|u| (u, compare(bin, root_dir, root, u)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("compare thread"))
            .collect()
    });
    let (mut compared, mut rejected, mut known) = (0usize, 0usize, 0usize);
    let mut errs = Vec::new();
    for (unit, result) in results {
        match result {
            Ok(true) => compared += 1,
            Ok(false) => rejected += 1,
            Err(e) if KNOWN_MISMATCHES.contains(&unit.as_str()) => {
                known += 1;
                eprintln!("known mismatch: {e}");
            }
            Err(e) => errs.push(e),
        }
    }
    eprintln!(
        "debian units: {} packages, {} service units: {compared} match, {rejected} rejected by both, \
         {known} known mismatches, {} mismatches",
        used.len(),
        units.len(),
        errs.len()
    );
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(
        compared >= MIN_UNITS,
        "only {compared} units compared (want {MIN_UNITS}+)"
    );
}
