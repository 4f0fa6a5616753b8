//! NIX-014: `trusted-users` grants more than root.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem, Severity};

use nixsec_nixconf::NixConf;

use crate::engine::Rule;
use crate::nix::{default_evidence, with_conf};

/// `trusted-users` lists anyone besides `root`.
pub struct TrustedUsersBroad;

crate::host_rule!("NIX-014", TrustedUsersBroad);

impl Rule for TrustedUsersBroad {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let s = NixConf::list(conf, "trusted-users", &["root"]);
            if s.sources.is_empty() {
                return Outcome::pass("`trusted-users` is unset; Nix's default is `root`")
                    .with_evidence([default_evidence(conf, "trusted-users", "root")]);
            }
            let extra: Vec<&str> = s
                .items
                .iter()
                .map(String::as_str)
                .filter(|u| *u != "root")
                .collect();
            if extra.is_empty() {
                return Outcome::pass("only `root` is trusted").with_evidence(s.evidence());
            }
            // One problem per user or group besides root: each is removed on its own.
            let mut problems = Vec::new();
            for (i, u) in extra.iter().copied().enumerate() {
                if extra[..i].contains(&u) {
                    continue;
                }
                let everyone = u == "*" || u == "@users";
                let who = if everyone {
                    "every local user"
                } else if u.starts_with('@') {
                    "each of its members"
                } else {
                    "this user"
                };
                problems.push(
                    Problem::about(
                        nixsec_core::escape(u).into_owned(),
                        format!(
                            "`{}` is trusted beyond root: {who} can bypass signature checks (root-equivalent)",
                            nixsec_core::escape(u)
                        ),
                    )
                    .with_evidence(s.evidence_for(|i| i == u))
                    // Critical (the rule's) when it covers everyone, else high.
                    .with_severity_opt((!everyone).then_some(Severity::High)),
                );
            }
            Outcome::Fail { problems }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn root_only_passes() {
        assert_eq!(
            run(
                &TrustedUsersBroad,
                &root_with_conf("trusted-users = root\n")
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            run(&TrustedUsersBroad, &root_with_conf("")).status(),
            Status::Pass
        );
    }

    #[test]
    fn groups_and_users_fail_high() {
        let o = run(
            &TrustedUsersBroad,
            &root_with_conf("trusted-users = root @wheel\n"),
        );
        let Some(crate::testing::Failed {
            severity,
            evidence,
            message,
            ..
        }) = crate::testing::failed(&o)
        else {
            panic!("expected fail")
        };
        assert_eq!(severity, Some(Severity::High));
        assert!(message.contains("@wheel"), "{message}");
        assert_eq!(evidence[0].line, Some(1));
        let o = run(
            &TrustedUsersBroad,
            &root_with_conf("trusted-users = root\nextra-trusted-users = alice\n"),
        );
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("expected fail")
        };
        assert_eq!(evidence.len(), 1, "only the line that added alice");
        assert_eq!(evidence[0].line, Some(2));
    }

    #[test]
    fn one_problem_per_user_or_group() {
        let o = run(
            &TrustedUsersBroad,
            &root_with_conf("trusted-users = root alice @wheel\nextra-trusted-users = bob *\n"),
        );
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, ["alice", "@wheel", "bob", "*"], "{o:?}");
        assert_eq!(
            p[0].message,
            "`alice` is trusted beyond root: this user can bypass signature checks (root-equivalent)"
        );
        assert_eq!(
            p[1].message,
            "`@wheel` is trusted beyond root: each of its members can bypass signature checks (root-equivalent)"
        );
        assert_eq!(
            p[3].message,
            "`*` is trusted beyond root: every local user can bypass signature checks (root-equivalent)"
        );
        let sev: Vec<Option<Severity>> = p.iter().map(|p| p.severity).collect();
        assert_eq!(
            sev,
            [
                Some(Severity::High),
                Some(Severity::High),
                Some(Severity::High),
                None
            ]
        );
        // Each problem cites the line that added it.
        assert_eq!(p[0].evidence[0].line, Some(1));
        assert_eq!(p[2].evidence[0].line, Some(2));
    }

    #[test]
    fn everyone_is_critical() {
        for v in ["*", "@users", "root *"] {
            let o = run(
                &TrustedUsersBroad,
                &root_with_conf(&format!("trusted-users = {v}\n")),
            );
            assert!(
                matches!(
                    crate::testing::failed(&o),
                    Some(crate::testing::Failed { severity: None, .. })
                ),
                "{v}: the rule's default, critical"
            );
        }
    }

    #[test]
    fn later_plain_assignment_replaces() {
        let o = run(
            &TrustedUsersBroad,
            &root_with_conf("trusted-users = @wheel\ntrusted-users = root\n"),
        );
        assert_eq!(o.status(), Status::Pass);
    }
}
