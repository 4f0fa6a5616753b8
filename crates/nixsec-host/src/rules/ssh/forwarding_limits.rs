//! NIX-080: SSH forwarding, tunnels, user environment, auth tries, logging and user
//! restrictions looser than a hardened server needs.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem, Profile};

use crate::engine::Rule;
use crate::sshd::{match_problem, with_sshd};
use nixsec_readers::sshd::{SshdConfig, Value};

/// One of the forwarding/session settings is loose.
pub struct ForwardingLimits;

crate::host_rule!("NIX-080", ForwardingLimits);

fn eff<'a>(c: &'a SshdConfig, k: &str, d: &'static str) -> Value<'a> {
    c.effective(k).unwrap_or(Value::Default(d))
}

impl Rule for ForwardingLimits {
    fn check(&self, cx: &HostCx) -> Outcome {
        let server = cx.options().profile() == Profile::Server;
        with_sshd(cx, |c| {
            let mut problems = Vec::new();
            let mut evidence = Vec::new();
            macro_rules! bad {
                ($v:expr, $k:expr) => {
                    return Outcome::error($v.bad($k, &$v.value()).to_string())
                        .with_evidence([$v.evidence($k)])
                };
            }
            let x11 = eff(c, "X11Forwarding", "no");
            evidence.push(x11.evidence("X11Forwarding"));
            match x11.value().as_str() {
                "yes" => problems.push(
                    Problem::about(
                        "X11Forwarding",
                        format!("X11Forwarding is {}", x11.describe()),
                    )
                    .with_evidence([x11.evidence("X11Forwarding")]),
                ),
                "no" => {}
                _ => bad!(x11, "X11Forwarding"),
            }
            for (block, d) in c.overrides("X11Forwarding") {
                if d.value() == "yes" && x11.value() != "yes" {
                    problems.push(match_problem("X11Forwarding", block, d));
                }
            }
            for (k, def, ok) in [
                ("AllowTcpForwarding", "yes", &["no"][..]),
                ("AllowAgentForwarding", "yes", &["no"][..]),
                ("PermitTunnel", "no", &["no"][..]),
            ] {
                let v = eff(c, k, def);
                evidence.push(v.evidence(k));
                let known: &[&str] = match k {
                    "AllowTcpForwarding" => &["yes", "no", "all", "local", "remote"],
                    "AllowAgentForwarding" => &["yes", "no"],
                    _ => &["yes", "no", "point-to-point", "ethernet"],
                };
                if !known.contains(&v.value().as_str()) {
                    bad!(v, k);
                }
                if server && !ok.contains(&v.value().as_str()) {
                    problems.push(
                        Problem::about(k, format!("{k} is {} on a server", v.describe()))
                            .with_evidence([v.evidence(k)]),
                    );
                }
            }
            let env = eff(c, "PermitUserEnvironment", "no");
            evidence.push(env.evidence("PermitUserEnvironment"));
            if env.value() != "no" {
                problems.push(
                    Problem::about(
                        "PermitUserEnvironment",
                        format!("PermitUserEnvironment is {}", env.describe()),
                    )
                    .with_evidence([env.evidence("PermitUserEnvironment")]),
                );
            }
            let tries = eff(c, "MaxAuthTries", "6");
            evidence.push(tries.evidence("MaxAuthTries"));
            match tries.value().parse::<u32>() {
                Ok(n) if n > 4 => problems.push(
                    Problem::about(
                        "MaxAuthTries",
                        format!("MaxAuthTries is {} (want ≤ 4)", tries.describe()),
                    )
                    .with_evidence([tries.evidence("MaxAuthTries")]),
                ),
                Ok(_) => {}
                Err(_) => bad!(tries, "MaxAuthTries"),
            }
            let log = eff(c, "LogLevel", "INFO");
            evidence.push(log.evidence("LogLevel"));
            match log.value().as_str() {
                "quiet" | "fatal" => problems.push(
                    Problem::about(
                        "LogLevel",
                        format!(
                            "LogLevel is {}: failed logins are not logged",
                            log.describe()
                        ),
                    )
                    .with_evidence([log.evidence("LogLevel")]),
                ),
                "error" | "info" | "verbose" | "debug" | "debug1" | "debug2" | "debug3" => {}
                _ => bad!(log, "LogLevel"),
            }
            let allow: Vec<_> = c
                .all_global("AllowUsers")
                .into_iter()
                .chain(c.all_global("AllowGroups"))
                .collect();
            if allow.is_empty() {
                problems.push(
                    Problem::about(
                        "AllowUsers/AllowGroups",
                        "no AllowUsers or AllowGroups: every account may log in",
                    )
                    .with_evidence([nixsec_core::Evidence::value(
                        nixsec_readers::sshd::SSHD_CONFIG,
                        "AllowUsers, AllowGroups: unset",
                    )]),
                );
            } else {
                evidence.extend(allow.iter().map(|d| d.evidence()));
            }
            Outcome::problems_or(crate::isolation::merged(problems), || {
                Outcome::pass("forwarding, tunnels, user environment, auth tries, logging and the user allow-list are tight").with_evidence(evidence)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshd::fixtures::{nixos, plain};
    use crate::testing::*;
    use nixsec_core::AuditOptions;

    #[test]
    fn nixos_default_on_a_server() {
        let o = run(&ForwardingLimits, &nixos("nixos-default.sshd_config"));
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("AllowTcpForwarding"),
                    "AllowTcpForwarding is `yes` (unset: sshd's compiled-in default) on a server"
                ),
                (
                    Some("AllowAgentForwarding"),
                    "AllowAgentForwarding is `yes` (unset: sshd's compiled-in default) on a server"
                ),
                (
                    Some("MaxAuthTries"),
                    "MaxAuthTries is `6` (unset: sshd's compiled-in default) (want ≤ 4)"
                ),
                (
                    Some("AllowUsers/AllowGroups"),
                    "no AllowUsers or AllowGroups: every account may log in"
                ),
            ]
        );
        assert_eq!(
            o.problems()[2].evidence,
            [nixsec_core::Evidence::value(
                "/etc/ssh/sshd_config",
                "MaxAuthTries: unset, sshd default `6`"
            )]
        );
    }

    #[test]
    fn desktop_profile_allows_forwarding() {
        let b = plain("MaxAuthTries 3\nAllowUsers alice\n");
        assert_eq!(run(&ForwardingLimits, &b).status(), Status::Fail);
        let cx = crate::testing::cx(&b).with_options(AuditOptions {
            profile: Some(Profile::Desktop),
            ..Default::default()
        });
        let o = ForwardingLimits.check(&cx);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn hardened_passes() {
        assert_eq!(
            run(&ForwardingLimits, &nixos("hardened.sshd_config")).status(),
            Status::Pass
        );
    }

    #[test]
    fn x11_user_env_and_logging() {
        let o = run(&ForwardingLimits, &plain("AllowTcpForwarding no\nAllowAgentForwarding no\nMaxAuthTries 3\nAllowGroups ssh\nPermitUserEnvironment LANG,LC_*\nLogLevel QUIET\nMatch Group x\n X11Forwarding yes\n"));
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("X11Forwarding (Match Group x)"),
                    "`Match Group x` (/etc/ssh/sshd_config:7) sets X11Forwarding `yes`"
                ),
                (
                    Some("PermitUserEnvironment"),
                    "PermitUserEnvironment is `LANG,LC_*` (/etc/ssh/sshd_config:5)"
                ),
                (
                    Some("LogLevel"),
                    "LogLevel is `QUIET` (/etc/ssh/sshd_config:6): failed logins are not logged"
                ),
            ]
        );
        assert_eq!(o.problems()[0].evidence[0].line, Some(8));
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&ForwardingLimits, &RootBuilder::new()).status(),
            Status::Skip
        );
        let o = run(&ForwardingLimits, &plain("MaxAuthTries lots\n"));
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/etc/ssh/sshd_config` line 1: `MaxAuthTries lots` is not a value sshd accepts"
        );
    }
}
