//! What the oracle tests need from the machine. A missing tool or privilege skips the test with
//! a one-line message, and fails it when `CI` is set: `scripts/test` installs every tool the
//! suite uses, and CI runs it as root.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::process::Command;

/// The first executable `tool` on `PATH`, as a shell finds it.
pub fn find(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
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

/// True when `unshare -n` can make a network namespace here; otherwise [`skip`].
pub fn netns() -> bool {
    let out = Command::new("unshare").args(["-n", "true"]).output();
    let ok = out.as_ref().is_ok_and(|o| o.status.success());
    if !ok {
        let why = match &out {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        skip(&format!("`unshare -n` is not permitted here ({why})"));
    }
    ok
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set.
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs every tool the suite uses, as root)"
    );
    eprintln!("skipped: {reason}");
}
