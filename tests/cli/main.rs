//! CLI tests: every subcommand, output format and exit code, on the fixture roots under
//! `tests/fixtures/roots`. Expected values are written by hand from the fixture files (see the
//! README there), never copied from nixsec's own output.

mod audit;
mod boot_chain;
mod browser;
mod cache;
mod config;
mod firewall;
mod formats;
mod host_hardening;
mod hostile;
mod html;
mod isolation;
mod lint;
mod lint_corpus;
mod misc;
mod module;
mod nixstore;
mod prometheus;
mod rule_snapshots;
mod sbom;
mod scan;
mod schema_v1;
mod store;
mod system;
mod tools;
mod units;
mod vulns;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A committed fixture root.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roots")
        .join(name)
}

/// `nixsec` with a clean environment (no colour, no log filter).
pub fn nixsec() -> Command {
    let mut c = Command::cargo_bin("nixsec").expect("binary");
    c.env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env("TERM", "dumb")
        // No NVD index unless a test builds one: the audit's NIX-150 skips.
        .env(
            "NIXSEC_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/no-nvd-index"),
        );
    c
}

/// Run a command that prints JSON; its exit code and the parsed document (a test failure,
/// with both output streams, when stdout is not JSON).
pub fn run_json(cmd: &mut Command) -> (i32, serde_json::Value) {
    let out = cmd.output().expect("run");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), v)
}

/// Run `nixsec audit --root ROOT --format json ARGS...` and parse the report.
pub fn audit_json(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    run_json(
        nixsec()
            .args(["audit", "--format", "json", "--root"])
            .arg(root)
            .args(args),
    )
}

/// The finding of `rule` in a JSON report.
pub fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}"))
}
