//! NIX-133: NOPASSWD rules that amount to a root shell.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::sudoers::{broad_command, Policies};

/// A passwordless rule for `ALL`, a shell, an editor, nix, nixos-rebuild, systemctl or env.
pub struct BroadNopasswd;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &BroadNopasswd;

static META: RuleMeta = RuleMeta {
    id: "NIX-133",
    title: "Broad NOPASSWD rules",
    section: Section::Accounts,
    severity: Severity::Medium,
    checks: "Every command of every user specification in `/etc/sudoers` and its included files (aliases expanded, tags carried as sudo does), and every `permit nopass` line of `/etc/doas.conf`. Fails when a `NOPASSWD` command (or doas `nopass`) is `ALL`, a shell, `su`, an editor or pager, a Nix command, `nixos-rebuild`, `systemctl` or `env`, or when a doas `nopass` rule has no `cmd` restriction. Skipped when neither sudo nor doas is configured.",
    rationale: "Each of these commands runs arbitrary code as root (an editor's shell escape, `systemctl` starting a unit, `nix` building and running anything, `nixos-rebuild` installing any configuration): a passwordless rule for them is a passwordless root shell for whoever controls the account.",
    fix: "Restrict NOPASSWD to exact store paths with fixed arguments, or keep the password.",
    nixos: "security.sudo.extraRules = [ { users = [ \"backup\" ]; commands = [ { command = \"${pkgs.restic}/bin/restic snapshots\"; options = [ \"NOPASSWD\" ]; } ]; } ];",
    references: &["sudoers(5)", "doas.conf(5)", "GTFOBins", "CWE-269"],
    source: file!(),
};

impl Rule for BroadNopasswd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
