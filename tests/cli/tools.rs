//! What the tests that run real tools need from the machine. A missing tool or privilege skips
//! the test with a one-line message, and fails it when `CI` is set: `scripts/test` installs
//! every tool the suite uses, and CI runs it as root.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

/// Whether the tests run as root.
pub fn am_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

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

/// True as root; otherwise [`skip`] (`why`: what root is needed for).
pub fn require_root(why: &str) -> bool {
    if !am_root() {
        skip(&format!("not root ({why})"));
    }
    am_root()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set.
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs every tool the suite uses, as root)"
    );
    eprintln!("skipped: {reason}");
}
