//! NIX-079: sshd accepts passwords (password or keyboard-interactive authentication via PAM).

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem};

use crate::engine::Rule;
use crate::sshd::{match_problem, with_sshd};
use nixsec_readers::sshd::Value;

/// `PasswordAuthentication yes`, or `KbdInteractiveAuthentication yes` with `UsePAM yes`.
pub struct PasswordLogin;

crate::host_rule!("NIX-079", PasswordLogin);

impl Rule for PasswordLogin {
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
                pw.yes_no("PasswordAuthentication"),
                kbd.yes_no("KbdInteractiveAuthentication"),
                pam.yes_no("UsePAM"),
            ) {
                (Ok(a), Ok(b), Ok(c)) => (a, b, c),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return Outcome::error(e.to_string()).with_evidence(evidence)
                }
            };
            let mut problems = Vec::new();
            if pw_on {
                problems.push(
                    Problem::about(
                        "PasswordAuthentication",
                        format!("PasswordAuthentication is {}", pw.describe()),
                    )
                    .with_evidence([pw.evidence("PasswordAuthentication")]),
                );
            }
            if kbd_on && pam_on {
                problems.push(
                    Problem::about(
                        "KbdInteractiveAuthentication",
                        format!(
                            "KbdInteractiveAuthentication is {} with UsePAM {}: PAM asks for the password",
                            kbd.describe(),
                            pam.describe()
                        ),
                    )
                    .with_evidence([
                        kbd.evidence("KbdInteractiveAuthentication"),
                        pam.evidence("UsePAM"),
                    ]),
                );
            }
            for k in ["PasswordAuthentication", "KbdInteractiveAuthentication"] {
                for (block, d) in c.overrides(k) {
                    let loosens = if k == "PasswordAuthentication" {
                        !pw_on
                    } else {
                        pam_on && !kbd_on
                    };
                    if d.value() == "yes" && loosens {
                        problems.push(match_problem(k, block, d));
                    }
                }
            }
            Outcome::problems_or(crate::isolation::merged(problems), || {
                Outcome::pass("sshd accepts no passwords (password and keyboard-interactive authentication are off)").with_evidence(evidence)
            })
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
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("PasswordAuthentication"),
                    "PasswordAuthentication is `yes` (/etc/ssh/sshd_config:18)"
                ),
                (
                    Some("KbdInteractiveAuthentication"),
                    "KbdInteractiveAuthentication is `yes` (/etc/ssh/sshd_config:16) with UsePAM `yes` (/etc/ssh/sshd_config:8): PAM asks for the password"
                ),
            ]
        );
        let lines: Vec<Option<u32>> = o.problems()[1].evidence.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(16), Some(8)]);
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
        let o = run(&PasswordLogin, &plain("PasswordAuthentication no\nKbdInteractiveAuthentication no\nMatch User backup\n PasswordAuthentication yes\nMatch Address 10.0.0.0/8\n PasswordAuthentication yes\n"));
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("PasswordAuthentication (Match User backup)"),
                    "`Match User backup` (/etc/ssh/sshd_config:3) sets PasswordAuthentication `yes`"
                ),
                (
                    Some("PasswordAuthentication (Match Address 10.0.0.0/8)"),
                    "`Match Address 10.0.0.0/8` (/etc/ssh/sshd_config:5) sets PasswordAuthentication `yes`"
                ),
            ]
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
