//! NIX-071: a sensitive port or a broad port range accepted from outside.

use crate::cx::HostCx;
use nixsec_core::{escape, Outcome, Problem};
use nixsec_firewall::OpenPort;

use crate::engine::Rule;
use crate::firewall::{firewall, ip_versions, is_uplink_interface, rule_evidence, RISK_PORTS};

/// Sensitive or broad ports accepted from outside.
pub struct SensitivePortsOpen;

crate::host_rule!("NIX-071", SensitivePortsOpen);

fn is_bad(o: &OpenPort) -> bool {
    o.width() > 1000 || RISK_PORTS.iter().any(|p| o.lo <= *p && *p <= o.hi)
}

impl Rule for SensitivePortsOpen {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let rs = match fw.ruleset() {
            Ok(rs) => rs,
            Err(o) => return o,
        };
        // Where inbound is not denied by default every port is open: the whole range is one
        // accepted range per protocol (the worst case of this rule, not a case it skips).
        let vers = ip_versions(cx);
        let mut open: Vec<(Option<String>, OpenPort)> = rs
            .open_ports(None)
            .into_iter()
            .filter(|o| vers.contains(&o.ver))
            .map(|o| (None, o))
            .collect();
        // An uplink adds the ports it opens beyond those open on every interface.
        let global = open.clone();
        for iface in rs
            .named_interfaces()
            .into_iter()
            .filter(|i| is_uplink_interface(i))
        {
            let concrete = iface.replace('*', "0");
            for o in rs.open_ports(Some(&concrete)) {
                if vers.contains(&o.ver)
                    && !global.iter().any(|(_, g)| {
                        g.l4 == o.l4 && g.ver == o.ver && g.lo == o.lo && g.hi == o.hi
                    })
                {
                    open.push((Some(iface.clone()), o));
                }
            }
        }
        // One problem per port or range (and interface): its IP versions are one problem.
        let mut problems: Vec<Problem> = Vec::new();
        for (iface, o) in open.iter().filter(|(_, o)| is_bad(o)) {
            let range = if o.lo == 0 && o.hi == u16::MAX {
                "*".to_string()
            } else if o.lo == o.hi {
                o.lo.to_string()
            } else {
                format!("{}-{}", o.lo, o.hi)
            };
            let on = iface
                .as_ref()
                .map(|i| format!("@{}", escape(i)))
                .unwrap_or_default();
            let subject = format!("{}/{range}{on}", o.l4.as_str());
            let unsure = if o.certain {
                ""
            } else {
                " (depends on rules nixsec cannot evaluate)"
            };
            let open_by_default = o.rule.is_none() && rs.default_deny(o.ver).is_none();
            let by = if open_by_default {
                format!("not denied by default ({})", o.admitted_by)
            } else {
                format!("admitted by {}{unsure}", o.admitted_by)
            };
            let why = format!("{} {by}", o.ver.as_str());
            let evidence = rule_evidence(
                rs,
                o.rule,
                format!(
                    "{} {}{} {by}",
                    o.ver.as_str(),
                    o.label(),
                    iface
                        .as_ref()
                        .map(|i| format!(" on `{i}`"))
                        .unwrap_or_default(),
                ),
            );
            match problems
                .iter_mut()
                .find(|p| p.subject.as_deref() == Some(subject.as_str()))
            {
                Some(p) => {
                    p.message.push_str(&format!(", {why}"));
                    p.evidence.push(evidence);
                }
                None => {
                    let what = match iface {
                        Some(i) => format!("`{}` on `{}`", o.label(), escape(i)),
                        None => format!("`{}`", o.label()),
                    };
                    problems.push(
                        Problem::about(
                            subject.as_str(),
                            format!("{what} is accepted from other hosts: {why}"),
                        )
                        .with_evidence([evidence]),
                    );
                }
            }
        }
        if !problems.is_empty() {
            return Outcome::Fail { problems };
        }
        let mut labels: Vec<String> = open
            .iter()
            .map(|(_, o)| format!("{} {}", o.ver.as_str(), o.label()))
            .collect();
        labels.dedup();
        Outcome::pass(format!(
            "{} port(s) accepted from other hosts, none sensitive or broad{}",
            open.len(),
            if labels.is_empty() {
                String::new()
            } else {
                format!(": {}", labels.join(", "))
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::testing::*;
    use crate::testing::*;

    fn nixos_with(extra: &str) -> RootBuilder {
        let script = fw_fixture("nixos-firewall-start.sh").replace(
            "# Reject/drop everything else.",
            &format!("{extra}\n# Reject/drop everything else."),
        );
        nixos_iptables_root().file(SCRIPT, script)
    }

    #[test]
    fn database_port_fails() {
        let b = nixos_with("ip46tables -A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept");
        let o = run(&SensitivePortsOpen, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "IPv4 and IPv6 are one problem: {o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("tcp/5432"));
        assert!(
            p[0].message.starts_with(
                "`tcp/5432` is accepted from other hosts: IPv4 admitted by `-A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept`"
            ),
            "{}",
            p[0].message
        );
        assert!(
            p[0].message.contains(
                ", IPv6 admitted by `-A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept`"
            ),
            "{}",
            p[0].message
        );
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(p[0].evidence[0].path, SCRIPT);
        assert!(p[0].evidence[0].line.is_some(), "{:?}", p[0].evidence);
        assert!(
            p[0].evidence[1]
                .value
                .as_deref()
                .is_some_and(|v| v.starts_with("IPv6 tcp/5432 admitted by")),
            "{:?}",
            p[0].evidence
        );
    }

    #[test]
    fn broad_range_fails_and_narrow_range_passes() {
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p udp --dport 60000:61000 -j nixos-fw-accept"),
        );
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("udp/60000-61000")], "{o:?}");
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p udp --dport 60000:60999 -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn risk_port_only_on_a_vpn_passes_and_on_an_uplink_fails() {
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept -i wg0"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept -i eth0"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("tcp/5432@eth0"));
        assert!(
            p[0].message
                .starts_with("`tcp/5432` on `eth0` is accepted from other hosts: IPv4 admitted by"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn every_trusted_uplink_is_a_problem_of_its_own() {
        let o = run(
            &SensitivePortsOpen,
            &nixos_with(
                "ip46tables -A nixos-fw -i eth0 -j nixos-fw-accept\nip46tables -A nixos-fw -i wlan+ -j nixos-fw-accept",
            ),
        );
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                Some("tcp/*@eth0"),
                Some("udp/*@eth0"),
                Some("tcp/*@wlan*"),
                Some("udp/*@wlan*")
            ],
            "{o:?}"
        );
    }

    #[test]
    fn nixos_ssh_only_passes() {
        let o = run(&SensitivePortsOpen, &nixos_iptables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(message(&o), "2 port(s) accepted from other hosts, none sensitive or broad: IPv4 tcp/22, IPv6 tcp/22");
    }

    /// No default deny is the worst case: every port of both protocols is open.
    #[test]
    fn open_host_fails_for_every_port() {
        let o = run_with_nft(
            &SensitivePortsOpen,
            &RootBuilder::new(),
            &fw_fixture_path("empty-ruleset.json"),
        );
        let p = o.problems();
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("tcp/*"), Some("udp/*")], "{o:?}");
        assert_eq!(
            p[0].message,
            "`tcp/all ports` is accepted from other hosts: IPv4 not denied by default (no input-hook chain filters it), IPv6 not denied by default (no input-hook chain filters it)"
        );
        // Debian's shipped ruleset: hooked with policy accept.
        let o = run_with_nft(
            &SensitivePortsOpen,
            &RootBuilder::new(),
            &fw_fixture_path("debian-default-open.json"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert!(
            p[0].message
                .contains("IPv4 not denied by default (policy accept of `inet filter input`)"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn malformed_script_is_an_error() {
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p tcp --dport lots -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains(SCRIPT), "{}", message(&o));
    }
}
