//! NIX-132: members of wheel become root without a password (sudo or doas).

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::sudoers::Policies;

/// `%wheel ... NOPASSWD: ALL`, `Defaults:%wheel !authenticate`, or doas `permit nopass :wheel`.
pub struct WheelNopasswd;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &WheelNopasswd;

static META: RuleMeta = RuleMeta {
    id: "NIX-132",
    title: "Passwordless privilege escalation for wheel",
    section: Section::Accounts,
    severity: Severity::Medium,
    checks: "`/etc/sudoers` with its `@include`/`@includedir` files (NixOS: a store file written from `security.sudo.*`), and `/etc/doas.conf`. Fails when the last sudoers rule for `%wheel` with command `ALL` carries `NOPASSWD` (as NixOS writes it for `security.sudo.wheelNeedsPassword = false`), a `Defaults` line disables authentication for everyone or for `%wheel`, or doas has `permit nopass :wheel` without a `cmd` restriction. Skipped when neither sudo nor doas is configured.",
    rationale: "Without a password, any code running as an admin user (a malicious dependency, a browser exploit) becomes root silently; the password prompt is the one barrier between the admin's account and the system.",
    fix: "Require the password for wheel.",
    nixos: "security.sudo.wheelNeedsPassword = true;  # and security.doas.wheelNeedsPassword, security.sudo-rs.wheelNeedsPassword",
    references: &["sudoers(5): NOPASSWD, authenticate", "doas.conf(5)", "NixOS option security.sudo.wheelNeedsPassword", "CWE-306"],
    source: file!(),
};

impl Rule for WheelNopasswd {
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
                if let Some(r) = s
                    .rules
                    .iter()
                    .rev()
                    .find(|r| r.users.iter().any(|u| u == "%wheel") && r.command == "ALL")
                {
                    if r.nopasswd {
                        problems.push(format!(
                            "sudo: `{}` ({}:{})",
                            nixsec_core::escape(r.text.trim()),
                            r.file,
                            r.line
                        ));
                        evidence.push(r.evidence());
                    }
                }
                for n in s
                    .no_auth
                    .iter()
                    .filter(|n| n.binding.as_deref().is_none_or(|b| b == "%wheel"))
                {
                    problems.push(format!(
                        "sudo: `{}` turns authentication off",
                        nixsec_core::escape(n.evidence.value.as_deref().unwrap_or(""))
                    ));
                    evidence.push(n.evidence.clone());
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.clone()),
        }
        match &p.doas {
            Ok(Some(rules)) => {
                any = true;
                if let Some(r) = rules
                    .iter()
                    .rev()
                    .find(|r| r.identity == ":wheel" && r.cmd.is_none())
                {
                    if r.permit && r.nopass {
                        problems.push(format!(
                            "doas: `{}`",
                            nixsec_core::escape(r.evidence.value.as_deref().unwrap_or(""))
                        ));
                        evidence.push(r.evidence.clone());
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.clone()),
        }
        if !problems.is_empty() {
            return Outcome::fail(format!(
                "wheel escalates without a password: {}",
                problems.join("; ")
            ))
            .with_evidence(evidence);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if !any {
            return Outcome::skip("neither `/etc/sudoers` nor `/etc/doas.conf` exists");
        }
        Outcome::pass("wheel needs a password to escalate")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    // The lines NixOS's sudo module writes (nixos/modules/security/sudo.nix).
    const NIXOS: &str =
        "root     ALL=(ALL:ALL)    SETENV: ALL\n%wheel  ALL=(ALL:ALL)    SETENV: ALL\n";
    const NIXOS_NOPW: &str =
        "root     ALL=(ALL:ALL)    SETENV: ALL\n%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL\n";

    #[test]
    fn nixos_default_passes_and_wheel_needs_password_false_fails() {
        assert_eq!(
            run(
                &WheelNopasswd,
                &RootBuilder::new().file("/etc/sudoers", NIXOS)
            )
            .status(),
            Status::Pass
        );
        let o = run(
            &WheelNopasswd,
            &RootBuilder::new().file("/etc/sudoers", NIXOS_NOPW),
        );
        assert_eq!(message(&o), "wheel escalates without a password: sudo: `%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL` (/etc/sudoers:2)");
    }

    #[test]
    fn last_rule_wins_and_includes_count() {
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                format!("{NIXOS_NOPW}@includedir /etc/sudoers.d\n"),
            )
            .file("/etc/sudoers.d/zz", "%wheel ALL=(ALL) PASSWD: ALL\n");
        assert_eq!(run(&WheelNopasswd, &b).status(), Status::Pass);
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                format!("{NIXOS}#includedir /etc/sudoers.d\n"),
            )
            .file("/etc/sudoers.d/admins", "Defaults:%wheel !authenticate\n");
        assert!(message(&run(&WheelNopasswd, &b)).contains("turns authentication off"));
    }

    #[test]
    fn doas_nopass() {
        let o = run(
            &WheelNopasswd,
            &RootBuilder::new().file("/etc/doas.conf", "permit nopass :wheel\n"),
        );
        assert_eq!(
            message(&o),
            "wheel escalates without a password: doas: `permit nopass :wheel`"
        );
        assert_eq!(
            run(
                &WheelNopasswd,
                &RootBuilder::new().file("/etc/doas.conf", "permit persist :wheel\n")
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn skip_and_unreadable() {
        assert_eq!(
            run(&WheelNopasswd, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().dir("/etc/sudoers", 0o755);
        assert_eq!(run(&WheelNopasswd, &b).status(), Status::Error);
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                format!("{NIXOS}@include /etc/sudoers.local\n"),
            )
            .dir("/etc/sudoers.local", 0o700);
        assert_eq!(run(&WheelNopasswd, &b).status(), Status::Error);
    }
}
