//! What the audit (`/etc/sudoers`, `/etc/doas.conf`) and the linter (`security.sudo.extraRules`
//! and the like) agree on about passwordless commands.

/// `systemctl` operations that run only what the units named run: with fixed arguments (no
/// wildcard, no path) a passwordless rule for them is what the catalogue's NIX-133 fix asks for
/// ("exact store paths with fixed arguments"). `edit`, `link`, `set-environment`, `enable
/// PATH` and the like change what runs and stay root-equivalent.
const SYSTEMCTL_FIXED: &[&str] = &[
    "start",
    "stop",
    "restart",
    "reload",
    "try-restart",
    "reload-or-restart",
    "try-reload-or-restart",
    "status",
    "show",
    "is-active",
    "is-enabled",
    "is-failed",
    "list-units",
    "list-timers",
    "reset-failed",
    "kill",
    "suspend",
    "hibernate",
    "hybrid-sleep",
    "suspend-then-hibernate",
    "poweroff",
    "reboot",
    "halt",
];

/// True for the arguments of a `systemctl` command that can only operate the units it names:
/// `restart app.service`, `--no-block start backup`. No arguments (any arguments in sudoers),
/// a wildcard, a path or a variable, `--root`, or another verb: false.
#[must_use]
pub fn systemctl_fixed_operation(args: &[&str]) -> bool {
    let verb = args.iter().find(|a| !a.starts_with('-'));
    verb.is_some_and(|v| SYSTEMCTL_FIXED.contains(v))
        && args
            .iter()
            .all(|a| !a.contains(['*', '?', '[', '/', '$', '`', '\\']) && !a.starts_with("--root"))
}

#[cfg(test)]
mod tests {
    use super::systemctl_fixed_operation as fixed;

    #[test]
    fn fixed_operations() {
        assert!(fixed(&["restart", "app.service"]));
        assert!(fixed(&["--no-block", "start", "backup"]));
        assert!(fixed(&["start", "navidrome-scan"]));
        assert!(!fixed(&[]));
        assert!(!fixed(&["restart", "*"]));
        assert!(!fixed(&["start", "app@*.service"]));
        assert!(!fixed(&["edit", "app.service"]));
        assert!(!fixed(&["enable", "/home/u/evil.service"]));
        assert!(!fixed(&["link", "x.service"]));
        assert!(!fixed(&["set-environment", "LD_PRELOAD=x"]));
        assert!(!fixed(&["--root=/mnt", "start", "x"]));
    }
}
