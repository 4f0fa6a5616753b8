//! NIX-014: `trusted-users` grants more than root.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Severity};

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
            let everyone = extra.iter().any(|u| *u == "*" || *u == "@users");
            let shown = nixsec_core::escape(&extra.join(" ")).into_owned();
            let out = Outcome::fail(format!(
                "trusted beyond root: {shown} (trusted users can bypass signature checks: root-equivalent{})",
                if everyone { ", and this covers every local user" } else { "" }
            ))
            .with_evidence(s.evidence_for(|u| u != "root"));
            if everyone {
                out
            } else {
                out.with_severity(Severity::High)
            }
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
