//! NIX-133: NOPASSWD rules that amount to a root shell.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::sudoers::{broad_command, Policies};

/// A passwordless rule for `ALL`, a shell, an editor, nix, nixos-rebuild, systemctl or env.
pub struct BroadNopasswd;

crate::host_rule!("NIX-133", BroadNopasswd);

impl Rule for BroadNopasswd {
    fn check(&self, cx: &HostCx) -> Outcome {
        let p = Policies::of(cx);
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let mut errors = Vec::new();
        let mut any = false;
        match &p.sudoers {
            Ok(Some(s)) => {
                any = true;
                errors.extend(s.unreadable.iter().cloned());
                for r in s
                    .rules
                    .iter()
                    .filter(|r| r.nopasswd && !r.command.starts_with('!'))
                {
                    if let Some(what) = broad_command(&r.command) {
                        problems.push(format!(
                            "{} may run {what} without a password ({}:{})",
                            r.users.join(","),
                            r.file,
                            r.line
                        ));
                        evidence.push(r.evidence());
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.clone()),
        }
        match &p.doas {
            Ok(Some(rules)) => {
                any = true;
                for r in rules.iter().filter(|r| r.permit && r.nopass) {
                    let what = match &r.cmd {
                        None => Some("any command (no `cmd`)"),
                        Some(c) => broad_command(c),
                    };
                    if let Some(what) = what {
                        problems.push(format!(
                            "{} may run {what} without a password (doas)",
                            r.identity
                        ));
                        evidence.push(r.evidence.clone());
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.clone()),
        }
        if !problems.is_empty() {
            return Outcome::fail(problems.join("; ")).with_evidence(evidence);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if !any {
            return Outcome::skip("neither `/etc/sudoers` nor `/etc/doas.conf` exists");
        }
        Outcome::pass("no passwordless rule grants a shell-equivalent command")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn broad_rules_fail() {
        let b = RootBuilder::new().file(
            "/etc/sudoers",
            "root ALL=(ALL:ALL) SETENV: ALL\ndeploy ALL=(root) NOPASSWD: /run/current-system/sw/bin/systemctl restart app, /run/current-system/sw/bin/nixos-rebuild\nbackup ALL=(root) NOPASSWD: /nix/store/aaaa-restic/bin/restic snapshots\n",
        );
        let o = run(&BroadNopasswd, &b);
        assert_eq!(
            message(&o),
            "deploy may run `systemctl` (starts any unit) without a password (/etc/sudoers:2); deploy may run `nixos-rebuild` (installs any configuration) without a password (/etc/sudoers:2)"
        );
    }

    #[test]
    fn narrow_rules_pass() {
        let b = RootBuilder::new().file("/etc/sudoers", "backup ALL=(root) NOPASSWD: /nix/store/aaaa-restic/bin/restic snapshots\n%wheel ALL=(ALL:ALL) SETENV: ALL\n");
        assert_eq!(run(&BroadNopasswd, &b).status(), Status::Pass);
    }

    #[test]
    fn doas_without_cmd_fails() {
        let o = run(
            &BroadNopasswd,
            &RootBuilder::new().file(
                "/etc/doas.conf",
                "permit nopass backup as root cmd /bin/sh\npermit nopass alice\n",
            ),
        );
        assert_eq!(message(&o), "backup may run a shell without a password (doas); alice may run any command (no `cmd`) without a password (doas)");
    }

    #[test]
    fn skip_and_unreadable() {
        assert_eq!(
            run(&BroadNopasswd, &RootBuilder::new()).status(),
            Status::Skip
        );
        assert_eq!(
            run(
                &BroadNopasswd,
                &RootBuilder::new().dir("/etc/doas.conf", 0o700)
            )
            .status(),
            Status::Error
        );
    }
}
