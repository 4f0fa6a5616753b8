//! NIX-078: sshd lets root log in (with a password, or at all).

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem, Severity};

use crate::engine::Rule;
use crate::sshd::{match_problem, with_sshd};
use nixsec_readers::sshd::Value;

/// `PermitRootLogin` is `yes` (high) or `prohibit-password` (low), globally or in a `Match` block.
pub struct RootLogin;

crate::host_rule!("NIX-078", RootLogin);

/// 0 = no … 3 = yes; `None` for a value sshd rejects.
fn weakness(v: &str) -> Option<u8> {
    Some(match v {
        "no" => 0,
        "forced-commands-only" => 1,
        "prohibit-password" | "without-password" => 2,
        "yes" => 3,
        _ => return None,
    })
}

fn severity(w: u8) -> Option<Severity> {
    match w {
        3 => Some(Severity::High),
        2 => Some(Severity::Low),
        _ => None,
    }
}

impl Rule for RootLogin {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_sshd(cx, |c| {
            let eff = c
                .effective("PermitRootLogin")
                .unwrap_or(Value::Default("prohibit-password"));
            let Some(w) = weakness(&eff.value()) else {
                return Outcome::error(eff.bad("PermitRootLogin", &eff.value()).to_string())
                    .with_evidence([eff.evidence("PermitRootLogin")]);
            };
            let default = nixsec_catalogue::entry("NIX-078").severity;
            // The catalogue's severity (high) for `yes`; others carry their own.
            let own = |w: u8| severity(w).filter(|s| *s != default);
            let mut problems = Vec::new();
            if let Some(s) = severity(w) {
                problems.push(
                    Problem::about(
                        "PermitRootLogin",
                        format!(
                            "PermitRootLogin is {}{}",
                            eff.describe(),
                            if s == Severity::High {
                                ""
                            } else {
                                ": root may log in with a key"
                            }
                        ),
                    )
                    .with_evidence([eff.evidence("PermitRootLogin")])
                    .with_severity_opt(own(w)),
                );
            }
            for (block, d) in c.overrides("PermitRootLogin") {
                let v = d.value();
                let Some(mw) = weakness(&v) else {
                    return Outcome::error(format!(
                        "`{}` line {}: `PermitRootLogin {}` is not a value sshd accepts",
                        d.file,
                        d.line,
                        nixsec_core::escape(&v)
                    ));
                };
                if mw > w {
                    problems.push(
                        match_problem("PermitRootLogin", block, d).with_severity_opt(own(mw)),
                    );
                }
            }
            Outcome::problems_or(crate::isolation::merged(problems), || {
                Outcome::pass(format!("PermitRootLogin is {}", eff.describe()))
                    .with_evidence([eff.evidence("PermitRootLogin")])
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
    fn nixos_default_is_low() {
        let o = run(&RootLogin, &nixos("nixos-default.sshd_config"));
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed {
                    severity: Some(Severity::Low),
                    ..
                })
            ),
            "{o:?}"
        );
        assert_eq!(message(&o), "PermitRootLogin is `prohibit-password` (/etc/ssh/sshd_config:19): root may log in with a key");
    }

    #[test]
    fn unset_means_the_compiled_in_default() {
        let o = run(&RootLogin, &plain("Port 22\n"));
        assert_eq!(message(&o), "PermitRootLogin is `prohibit-password` (unset: sshd's compiled-in default): root may log in with a key");
    }

    #[test]
    fn yes_is_high_and_first_value_wins() {
        let o = run(
            &RootLogin,
            &plain("PermitRootLogin yes\nPermitRootLogin no\n"),
        );
        assert!(matches!(
            crate::testing::failed(&o),
            Some(crate::testing::Failed { severity: None, .. })
        ));
        assert_eq!(
            run(
                &RootLogin,
                &plain("permitrootlogin NO\nPermitRootLogin yes\n")
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn hardened_passes_and_a_loosening_match_fails() {
        assert_eq!(
            run(&RootLogin, &nixos("hardened.sshd_config")).status(),
            Status::Pass
        );
        let o = run(
            &RootLogin,
            &plain(
                "PermitRootLogin no\nMatch Address 10.0.0.0/8,192.168.1.*\n  PermitRootLogin yes\n",
            ),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(
            p[0].subject.as_deref(),
            Some("PermitRootLogin (Match Address 10.0.0.0/8,192.168.1.*)")
        );
        assert_eq!(p[0].message, "`Match Address 10.0.0.0/8,192.168.1.*` (/etc/ssh/sshd_config:2) sets PermitRootLogin `yes`");
        assert_eq!(p[0].severity, None, "yes: the catalogue's high");
        assert_eq!(
            p[0].evidence,
            [nixsec_core::Evidence::line(
                "/etc/ssh/sshd_config",
                3,
                "permitrootlogin yes"
            )]
        );
    }

    #[test]
    fn the_global_default_and_each_weaker_match_are_problems_with_their_own_severity() {
        let o = run(
            &RootLogin,
            &plain("Match User deploy,backup\n  PermitRootLogin yes\nMatch Group admins\n  PermitRootLogin forced-commands-only\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n"),
        );
        let got: Vec<(Option<&str>, Option<Severity>)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.severity))
            .collect();
        assert_eq!(
            got,
            [
                (Some("PermitRootLogin"), Some(Severity::Low)),
                (Some("PermitRootLogin (Match User deploy,backup)"), None),
                (Some("PermitRootLogin (Match Address 10.0.0.0/8)"), None),
            ],
            "forced-commands-only is stricter than the default: {o:?}"
        );
    }

    #[test]
    fn an_unreadable_include_next_to_a_problem_is_its_own() {
        let b =
            plain("Include /etc/ssh/x.conf\nPermitRootLogin yes\n").dir("/etc/ssh/x.conf", 0o755);
        let o = run(&RootLogin, &b);
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [Some("PermitRootLogin"), Some("/etc/ssh/x.conf")],
            "{o:?}"
        );
        assert!(
            o.problems()[1]
                .message
                .starts_with("`/etc/ssh/x.conf` could not be read: "),
            "{o:?}"
        );
    }

    #[test]
    fn skip_garbage_and_unreadable_include() {
        assert_eq!(run(&RootLogin, &RootBuilder::new()).status(), Status::Skip);
        let o = run(&RootLogin, &plain("PermitRootLogin maybe\n"));
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/etc/ssh/sshd_config` line 1: `PermitRootLogin maybe` is not a value sshd accepts"
        );
        let b =
            plain("Include /etc/ssh/x.conf\nPermitRootLogin no\n").dir("/etc/ssh/x.conf", 0o755);
        let o = run(&RootLogin, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("/etc/ssh/x.conf"));
        let o = run(
            &RootLogin,
            &plain("").file("/etc/ssh/sshd_config", b"PermitRootLogin \xff\n".as_slice()),
        );
        assert!(message(&o).contains("not a text file"), "{}", message(&o));
    }
}
