//! NIX-076: a hand-written rule that accepts new connections to every port.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Problem};
use nixsec_firewall::{Packet, Tri, L4};

use crate::engine::Rule;
use crate::firewall::{firewall, rule_evidence};

/// A rule accepting every port behind a default deny.
pub struct PermissiveRules;

crate::host_rule!("NIX-076", PermissiveRules);

impl Rule for PermissiveRules {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let (rs, vers) = match fw.deny_ruleset("inbound traffic is not denied by default") {
            Ok(r) => r,
            Err(o) => return o,
        };
        let port = rs.unnamed_port();
        // (what it admits, the admitting rule as text, the rule)
        let mut bad: Vec<(String, String, Option<nixsec_firewall::model::RuleRef>)> = Vec::new();
        for &v in &vers {
            for l4 in [L4::Tcp, L4::Udp] {
                let d = rs.decide(&Packet::new(v, l4, port));
                if d.accepted == Tri::Yes {
                    let by = d.admitted_by(rs);
                    let what = format!("{} {}", v.as_str(), l4.as_str());
                    match bad.iter_mut().find(|(_, b, _)| *b == by) {
                        Some((w, _, _)) => {
                            w.push_str(", ");
                            w.push_str(&what);
                        }
                        None => bad.push((what, by, d.admitting_rule(rs))),
                    }
                }
            }
        }
        // One problem per admitting rule, about the rule as written (without its place).
        let problems: Vec<Problem> = bad
            .into_iter()
            .map(|(w, by, r)| {
                let written = by
                    .strip_prefix('`')
                    .and_then(|rest| rest.split_once('`'))
                    .map_or(by.as_str(), |(text, _)| text);
                let subject = written.split_whitespace().collect::<Vec<_>>().join(" ");
                Problem::about(
                    nixsec_core::escape(&subject).as_ref(),
                    format!(
                        "every port accepted from any host despite the default deny: {w} by {by}"
                    ),
                )
                .with_evidence([rule_evidence(rs, r, format!("{w}: {by}"))])
            })
            .collect();
        Outcome::problems_or(crate::isolation::merged(problems), || {
            Outcome::pass(format!(
                "no rule accepts new connections to every port ({} checked)",
                fw.origin()
            ))
        })
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
    fn unconditional_accept_in_extra_commands_fails() {
        let o = run(
            &PermissiveRules,
            &nixos_with("iptables -A nixos-fw -j ACCEPT"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert_eq!(
            message(&o),
            format!("every port accepted from any host despite the default deny: IPv4 tcp, IPv4 udp by `-A nixos-fw -j ACCEPT` ({SCRIPT}:115)")
        );
        let p = o.problems();
        assert_eq!(p[0].subject.as_deref(), Some("-A nixos-fw -j ACCEPT"));
        assert_eq!(p[0].evidence[0].path, SCRIPT);
        assert_eq!(p[0].evidence[0].line, Some(115));
    }

    #[test]
    fn each_permissive_rule_is_a_problem() {
        let o = run(
            &PermissiveRules,
            &nixos_with(
                "iptables -A nixos-fw -p udp -j ACCEPT\nip6tables -A nixos-fw -p tcp -j ACCEPT",
            ),
        );
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(got.len(), 2, "{o:?}");
        assert_eq!(got[0].0, Some("-A nixos-fw -p udp -j ACCEPT"));
        assert!(
            got[0].1.starts_with("every port accepted from any host despite the default deny: IPv4 udp by `-A nixos-fw -p udp -j ACCEPT`"),
            "{o:?}"
        );
        assert_eq!(got[1].0, Some("-A nixos-fw -p tcp -j ACCEPT"));
        assert!(
            got[1]
                .1
                .contains(": IPv6 tcp by `-A nixos-fw -p tcp -j ACCEPT`"),
            "{o:?}"
        );
    }

    #[test]
    fn nftables_input_rule_without_match_fails() {
        let t = tempfile::tempdir().expect("tempdir");
        let f = t.path().join("ruleset.json");
        // `tcp dport 22 ct state new accept` without its port: `ct state new accept`.
        let json = fw_fixture("default-deny.json").replace(
            "{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 22}}, ",
            "",
        );
        std::fs::write(&f, json).expect("write");
        let o = run_with_nft(&PermissiveRules, &RootBuilder::new(), &f);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("IPv4 tcp, IPv4 udp, IPv6 tcp, IPv6 udp by `inet filter input: ct state new accept # handle 9`"), "{}", message(&o));
    }

    #[test]
    fn source_restricted_accept_passes() {
        let o = run(
            &PermissiveRules,
            &nixos_with("iptables -A nixos-fw -s 10.0.0.0/24 -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let o = run(&PermissiveRules, &nixos_iptables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn open_host_skips() {
        let o = run_with_nft(
            &PermissiveRules,
            &RootBuilder::new(),
            &fw_fixture_path("empty-ruleset.json"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn unreadable_script_is_an_error() {
        let o = run(
            &PermissiveRules,
            &nixos_with("iptables -A nixos-fw -p tcp --dport 1:2:3 -j ACCEPT"),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
