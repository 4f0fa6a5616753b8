//! NIX-079: sshd accepts passwords (password or keyboard-interactive authentication via PAM).

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::sshd::{with_sshd, yes_no, Value};

/// `PasswordAuthentication yes`, or `KbdInteractiveAuthentication yes` with `UsePAM yes`.
pub struct PasswordLogin;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PasswordLogin;

static META: RuleMeta = RuleMeta {
    id: "NIX-079",
    title: "SSH password login possible",
    section: Section::Firewall,
    severity: Severity::Medium,
    checks: "`PasswordAuthentication`, `KbdInteractiveAuthentication` (old name `ChallengeResponseAuthentication`) and `UsePAM` in `/etc/ssh/sshd_config` as sshd reads it (first value wins; unset means sshd's compiled-in defaults: `yes`, `yes`, `no`). Fails when `PasswordAuthentication` is `yes`, or keyboard-interactive is `yes` while `UsePAM` is `yes` (PAM then asks for the password even with `PasswordAuthentication no`), or a `Match` block turns either on. Skipped without an sshd_config.",
    rationale: "Passwords can be guessed, phished and reused; an SSH server that accepts them is brute-forced from the whole internet within minutes of being exposed. Keys (or certificates, or FIDO2 keys) cannot be guessed.",
    fix: "Allow public-key authentication only.",
    nixos: "services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; };",
    references: &["sshd_config(5): PasswordAuthentication, KbdInteractiveAuthentication, UsePAM", "CWE-307"],
    source: file!(),
};

impl Rule for PasswordLogin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_sshd(cx, |c| {
            let get = |k: &str| c.effective(k).unwrap_or(Value::Default("yes"));
            let (pw, kbd, pam) = (
                get("PasswordAuthentication"),
                get("KbdInteractiveAuthentication"),
                get("UsePAM"),
            );
            let evidence = vec![
                pw.evidence("PasswordAuthentication"),
                kbd.evidence("KbdInteractiveAuthentication"),
                pam.evidence("UsePAM"),
            ];
            let (pw_on, kbd_on, pam_on) = match (
                yes_no(&pw, "PasswordAuthentication"),
                yes_no(&kbd, "KbdInteractiveAuthentication"),
                yes_no(&pam, "UsePAM"),
            ) {
                (Ok(a), Ok(b), Ok(c)) => (a, b, c),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return Outcome::error(e).with_evidence(evidence)
                }
            };
            let mut problems = Vec::new();
            if pw_on {
                problems.push(format!("PasswordAuthentication is {}", pw.describe()));
            }
            if kbd_on && pam_on {
                problems.push(format!(
                    "KbdInteractiveAuthentication is {} with UsePAM {}: PAM asks for the password",
                    kbd.describe(),
                    pam.describe()
                ));
            }
            let mut evidence = evidence;
            for k in ["PasswordAuthentication", "KbdInteractiveAuthentication"] {
                for (block, d) in c.overrides(k) {
                    let loosens = if k == "PasswordAuthentication" {
                        !pw_on
                    } else {
                        pam_on && !kbd_on
                    };
                    if d.value() == "yes" && loosens {
                        problems.push(format!(
                            "`Match {}` ({}:{}) sets {k} `yes`",
                            nixsec_core::escape(&block.criteria),
                            block.file,
                            block.line
                        ));
                        evidence.push(d.evidence());
                    }
                }
            }
            if problems.is_empty() {
                Outcome::pass("sshd accepts no passwords (password and keyboard-interactive authentication are off)").with_evidence(evidence)
            } else {
                Outcome::fail(problems.join("; ")).with_evidence(evidence)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshd::fixtures::{nixos, plain};
    use crate::testing::*;

    #[test]
    fn nixos_default_fails_on_both() {
        let o = run(&PasswordLogin, &nixos("nixos-default.sshd_config"));
        assert_eq!(
            message(&o),
            "PasswordAuthentication is `yes` (/etc/ssh/sshd_config:18); KbdInteractiveAuthentication is `yes` (/etc/ssh/sshd_config:16) with UsePAM `yes` (/etc/ssh/sshd_config:8): PAM asks for the password"
        );
    }

    #[test]
    fn keyboard_interactive_without_pam_accepts_no_password() {
        let o = run(&PasswordLogin, &plain("PasswordAuthentication no\n"));
        assert_eq!(
            o.status(),
            Status::Pass,
            "UsePAM defaults to no: {}",
            message(&o)
        );
        let o = run(
            &PasswordLogin,
            &plain("PasswordAuthentication no\nUsePAM yes\n"),
        );
        assert!(
            message(&o).starts_with("KbdInteractiveAuthentication is `yes` (unset"),
            "{}",
            message(&o)
        );
        // The old name is the same keyword.
        assert_eq!(
            run(
                &PasswordLogin,
                &plain(
                    "PasswordAuthentication no\nUsePAM yes\nChallengeResponseAuthentication no\n"
                )
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn hardened_passes_and_match_loosening_fails() {
        assert_eq!(
            run(&PasswordLogin, &nixos("hardened.sshd_config")).status(),
            Status::Pass
        );
        let o = run(&PasswordLogin, &plain("PasswordAuthentication no\nKbdInteractiveAuthentication no\nMatch User backup\n PasswordAuthentication yes\n"));
        assert_eq!(
            message(&o),
            "`Match User backup` (/etc/ssh/sshd_config:3) sets PasswordAuthentication `yes`"
        );
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&PasswordLogin, &RootBuilder::new()).status(),
            Status::Skip
        );
        let o = run(&PasswordLogin, &plain("PasswordAuthentication perhaps\n"));
        assert_eq!(o.status(), Status::Error);
        assert!(
            message(&o).contains("`PasswordAuthentication perhaps` is not a value sshd accepts")
        );
    }
}
