//! NIX-132: members of wheel become root without a password (sudo or doas).

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::sudoers::Policies;

/// `%wheel ... NOPASSWD: ALL`, `Defaults:%wheel !authenticate`, or doas `permit nopass :wheel`.
pub struct WheelNopasswd;

crate::host_rule!("NIX-132", WheelNopasswd);

impl Rule for WheelNopasswd {
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
