//! The real `systemd-analyze security --offline` as an oracle, shared by the test binaries, and
//! the skip that fails when `CI` is set.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The tool's verdict: printed exposure and `(json_field, badness)` rows (`None` = N/A).
pub type ToolScore = (String, Vec<(String, Option<u64>)>);

/// Run the real tool offline from an empty directory (offline mode adds the working
/// directory to the search path); `None` when it rejects the unit.
pub fn run_tool(bin: &Path, root: &Path, unit: &str) -> Option<ToolScore> {
    let cwd = tempfile::tempdir().expect("tempdir");
    let base = |json: bool| {
        let mut c = Command::new(bin);
        c.current_dir(cwd.path())
            .env("SYSTEMD_COLORS", "0")
            .env("SYSTEMD_PAGER", "cat")
            .env("LC_ALL", "C.UTF-8")
            .args(["security", "--no-pager", "--offline=true"])
            .arg(format!("--root={}", root.display()));
        if json {
            c.env("SYSTEMD_ANALYZE_DEBUG", "1").arg("--json=short");
        }
        c.arg(unit);
        c
    };
    let text = base(false).output().expect("run systemd-analyze");
    let out = String::from_utf8_lossy(&text.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("Overall exposure level for"))?;
    let exposure = line
        .split(": ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .to_string();
    let json = base(true).output().expect("run systemd-analyze --json");
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).ok()?;
    let checks = rows
        .as_array()?
        .iter()
        .map(|r| {
            let b = r["badness"].as_u64().filter(|b| *b != u64::MAX);
            (r["json_field"].as_str().unwrap_or_default().to_string(), b)
        })
        .collect();
    Some((exposure, checks))
}

/// The first executable `tool` on `PATH`, as a shell finds it.
pub fn find(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata().is_ok_and(|m| {
                m.is_file()
                    && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
}

/// True when every one of `tools` is on `PATH`; otherwise [`skip`] naming the missing ones.
pub fn require(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        skip(&format!("not on PATH: {}", missing.join(", ")));
    }
    missing.is_empty()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set
/// (`scripts/test` installs every tool and fetches every corpus the suite uses).
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs it)"
    );
    eprintln!("skipped: {reason}");
}
