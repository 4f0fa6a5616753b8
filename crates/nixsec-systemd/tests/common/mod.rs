//! The real `systemd-analyze security --offline` as an oracle, shared by the test binaries.

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
