//! NIX-134: every user can execute the setuid sudo binary.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::Accounts;
use crate::perms::describe;

/// The sudo wrapper (or binary) is executable by "other".
pub struct SudoForEveryone;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &SudoForEveryone;

static META: RuleMeta = RuleMeta {
    id: "NIX-134",
    title: "sudo executable by every user",
    section: Section::Accounts,
    severity: Severity::Low,
    checks: "The mode and group of `/run/wrappers/bin/sudo` (NixOS's setuid wrapper; `/usr/bin/sudo` or `/bin/sudo` on other systems). Fails when the file is executable by \"other\" (NixOS default 4511) instead of only by its group (4510 root:wheel with `security.sudo.execWheelOnly = true`). Skipped when there is no sudo.",
    rationale: "A setuid-root binary that every user can run exposes its bugs to every user: CVE-2021-3156 (Baron Samedit) gave root to any local account, with or without a sudoers entry. Restricting execution to wheel shrinks that to the admins.",
    fix: "Let only wheel execute sudo.",
    nixos: "security.sudo.execWheelOnly = true;",
    references: &["NixOS option security.sudo.execWheelOnly", "CVE-2021-3156", "CWE-250"],
    source: file!(),
};

impl Rule for SudoForEveryone {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let accounts = Accounts::of(cx);
        for path in ["/run/wrappers/bin/sudo", "/usr/bin/sudo", "/bin/sudo"] {
            let md = match cx.root().metadata(path) {
                Ok((_, md)) => md,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let mode = md.permissions().mode();
            let ev = Evidence::value(path, describe(&md, &accounts));
            if mode & 0o4000 == 0 || md.uid() != 0 {
                return Outcome::pass(format!("{path} is not setuid root")).with_evidence([ev]);
            }
            if mode & 0o001 != 0 {
                return Outcome::fail(format!(
                    "{path} is setuid root and executable by every user ({:04o})",
                    mode & 0o7777
                ))
                .with_evidence([ev]);
            }
            return Outcome::pass(format!(
                "{path} is executable only by its owner and group `{}`",
                accounts.group_name(md.gid())
            ))
            .with_evidence([ev]);
        }
        Outcome::skip(
            "sudo is not installed (no /run/wrappers/bin/sudo, /usr/bin/sudo or /bin/sudo)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn wrapper_modes() {
        if !am_root() {
            eprintln!("skipped: needs root to create a root-owned setuid fixture");
            return;
        }
        let b = RootBuilder::new()
            .multi_user_nix()
            .file("/run/wrappers/bin/sudo", "")
            .chmod("/run/wrappers/bin/sudo", 0o4511);
        let o = run(&SudoForEveryone, &b);
        assert_eq!(
            message(&o),
            "/run/wrappers/bin/sudo is setuid root and executable by every user (4511)"
        );
        let b = b.chmod("/run/wrappers/bin/sudo", 0o4510);
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Pass);
    }

    #[test]
    fn no_sudo_skips_and_a_loop_is_an_error() {
        assert_eq!(
            run(&SudoForEveryone, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().symlink("/run/wrappers/bin/sudo", "/run/wrappers/bin/sudo");
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Error);
    }

    #[test]
    fn not_setuid_passes() {
        let b = RootBuilder::new()
            .file("/usr/bin/sudo", "")
            .chmod("/usr/bin/sudo", 0o755);
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Pass);
    }
}
