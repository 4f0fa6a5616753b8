//! NIX-132: members of wheel become root without a password (sudo or doas).

use crate::cx::{Fact, HostCx};
use nixsec_core::{Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use crate::sudoers::{doas_subject, sudo_subject};
use nixsec_readers::sudoers::Policies;

/// `%wheel ... NOPASSWD: ALL`, `Defaults:%wheel !authenticate`, or doas `permit nopass :wheel`.
pub struct WheelNopasswd;

crate::host_rule!("NIX-132", WheelNopasswd);

/// Add `p`, or merge its evidence into the problem with the same subject (the same rule
/// written twice).
fn push(problems: &mut Vec<Problem>, p: Problem) {
    match problems.iter_mut().find(|q| q.subject == p.subject) {
        Some(q) => q.evidence.extend(p.evidence),
        None => problems.push(p),
    }
}

impl Rule for WheelNopasswd {
    fn check(&self, cx: &HostCx) -> Outcome {
        let p = Policies::of(cx);
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        let mut any = false;
        match &p.sudoers {
            Ok(Some(s)) => {
                any = true;
                errors.extend(s.unreadable.iter().map(ToString::to_string));
                if let Some(r) = s
                    .rules
                    .iter()
                    .rev()
                    .find(|r| r.users.iter().any(|u| u == "%wheel") && r.command == "ALL")
                {
                    if r.nopasswd {
                        push(
                            &mut problems,
                            Problem::about(
                                sudo_subject(r),
                                format!(
                                    "wheel escalates without a password: sudo `{}` ({}:{})",
                                    nixsec_core::escape(r.text.trim()),
                                    r.file,
                                    r.line
                                ),
                            )
                            .with_evidence([r.evidence()]),
                        );
                    }
                }
                for n in s
                    .no_auth
                    .iter()
                    .filter(|n| n.binding.as_deref().is_none_or(|b| b == "%wheel"))
                {
                    let subject = match &n.binding {
                        Some(b) => format!("sudo Defaults:{b} !authenticate"),
                        None => "sudo Defaults !authenticate".to_string(),
                    };
                    push(
                        &mut problems,
                        Problem::about(
                            subject,
                            format!(
                                "wheel escalates without a password: sudo `{}` turns authentication off ({}:{})",
                                nixsec_core::escape(n.evidence.value.as_deref().unwrap_or("")),
                                n.evidence.path,
                                n.evidence.line.unwrap_or(0)
                            ),
                        )
                        .with_evidence([n.evidence.clone()]),
                    );
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
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
                        push(
                            &mut problems,
                            Problem::about(
                                doas_subject(r),
                                format!(
                                    "wheel escalates without a password: doas `{}`",
                                    nixsec_core::escape(r.evidence.value.as_deref().unwrap_or(""))
                                ),
                            )
                            .with_evidence([r.evidence.clone()]),
                        );
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
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
    use crate::kernel::fixtures::{pairs, subjects};
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
        assert_eq!(
            pairs(&o),
            [(
                "sudo %wheel ALL".into(),
                "wheel escalates without a password: sudo `%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL` (/etc/sudoers:2)".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [nixsec_core::Evidence::line(
                "/etc/sudoers",
                2,
                "%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL"
            )]
        );
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
        assert_eq!(
            pairs(&run(&WheelNopasswd, &b)),
            [(
                "sudo Defaults:%wheel !authenticate".into(),
                "wheel escalates without a password: sudo `Defaults:%wheel !authenticate` turns authentication off (/etc/sudoers.d/admins:1)".into()
            )]
        );
    }

    #[test]
    fn each_way_is_its_own_problem() {
        // As the weak fixture root: the NOPASSWD rule, a wheel and a global `!authenticate`,
        // and doas; `Defaults:bob` is not about wheel.
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                format!("Defaults:%wheel !authenticate\nDefaults:bob !authenticate\n{NIXOS_NOPW}@includedir /etc/sudoers.d\n"),
            )
            .file("/etc/sudoers.d/ops", "Defaults !authenticate\n")
            .file("/etc/sudoers.d/more", "Defaults !authenticate\n")
            .file("/etc/doas.conf", "permit nopass :wheel\n");
        let o = run(&WheelNopasswd, &b);
        assert_eq!(
            subjects(&o),
            [
                "sudo %wheel ALL",
                "sudo Defaults:%wheel !authenticate",
                "sudo Defaults !authenticate",
                "doas :wheel"
            ]
        );
        // The same line in two files is one problem with both.
        let paths: Vec<&str> = o.problems()[2]
            .evidence
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(paths, ["/etc/sudoers.d/more", "/etc/sudoers.d/ops"]);
    }

    #[test]
    fn an_unreadable_include_beside_a_problem_is_its_own_problem() {
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                format!("{NIXOS_NOPW}@include /etc/sudoers.local\n"),
            )
            .dir("/etc/sudoers.local", 0o700);
        let o = run(&WheelNopasswd, &b);
        assert_eq!(subjects(&o), ["sudo %wheel ALL", "/etc/sudoers.local"]);
        assert_eq!(
            o.problems()[1].message,
            "`/etc/sudoers.local` could not be read: not a regular file (a directory); not checked"
        );
    }

    #[test]
    fn doas_nopass() {
        let o = run(
            &WheelNopasswd,
            &RootBuilder::new().file("/etc/doas.conf", "permit nopass :wheel\n"),
        );
        assert_eq!(
            pairs(&o),
            [(
                "doas :wheel".into(),
                "wheel escalates without a password: doas `permit nopass :wheel`".into()
            )]
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
