//! NIX-072: a physical or uplink interface the firewall trusts.

use crate::cx::HostCx;
use nixsec_core::{escape, Outcome, Problem};
use nixsec_firewall::{IpVer, Packet, Tri, L4};

use crate::engine::Rule;
use crate::firewall::{firewall, ip_versions, is_uplink_interface, rule_evidence};

/// An uplink interface trusted by the firewall.
pub struct UplinkTrusted;

crate::host_rule!("NIX-072", UplinkTrusted);

/// Interfaces of the running system's network namespace (`/proc/net/dev`), if readable.
fn host_interfaces(cx: &HostCx) -> Vec<String> {
    let Ok((_, text)) = cx.root().read_to_string("/proc/net/dev") else {
        return Vec::new();
    };
    text.lines()
        .skip(2)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .collect()
}

impl Rule for UplinkTrusted {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let rs = match fw.ruleset() {
            Ok(rs) => rs,
            Err(o) => return o,
        };
        // A port no rule names: only a rule that accepts regardless of the port admits it.
        let probe = rs.unnamed_port();
        let named = rs.named_interfaces();
        let vers = ip_versions(cx);
        // Versions whose inbound is not denied by default: every interface is trusted, the
        // worst case of this rule.
        let open: Vec<(IpVer, String)> = vers
            .iter()
            .filter(|v| rs.default_deny(**v).is_none())
            .filter_map(|&v| {
                let d = rs.decide(&Packet::new(v, L4::Tcp, probe));
                (d.accepted == Tri::Yes).then(|| (v, d.admitted_by(rs)))
            })
            .collect();
        let mut uplinks: Vec<String> = named
            .iter()
            .filter(|i| is_uplink_interface(i))
            .cloned()
            .collect();
        if !open.is_empty() {
            for i in host_interfaces(cx) {
                if is_uplink_interface(&i) && !uplinks.contains(&i) {
                    uplinks.push(i);
                }
            }
        }
        let mut problems: Vec<Problem> = Vec::new();
        for iface in &uplinks {
            let concrete = iface.replace('*', "0");
            let mut why = Vec::new();
            let mut evidence = Vec::new();
            for &v in &vers {
                if let Some((_, by)) = open.iter().find(|(ov, _)| *ov == v) {
                    why.push(format!("{} not denied by default ({by})", v.as_str()));
                    evidence.push(rule_evidence(
                        rs,
                        None,
                        format!("{} `{iface}`: not denied by default ({by})", v.as_str()),
                    ));
                    continue;
                }
                let generic = rs.decide(&Packet::new(v, L4::Tcp, probe)).accepted;
                let mut p = Packet::new(v, L4::Tcp, probe);
                p.iif = Some(concrete.clone());
                let d = rs.decide(&p);
                if d.accepted == Tri::Yes && generic != Tri::Yes {
                    let by = d.admitted_by(rs);
                    why.push(format!("{} admitted by {by}", v.as_str()));
                    evidence.push(rule_evidence(
                        rs,
                        d.admitting_rule(rs),
                        format!("{} `{iface}`: {by}", v.as_str()),
                    ));
                }
            }
            if !why.is_empty() {
                let name = escape(iface);
                problems.push(
                    Problem::about(
                        name.as_ref(),
                        format!(
                            "uplink interface `{name}` is trusted: every port is open on it ({})",
                            why.join(", ")
                        ),
                    )
                    .with_evidence(evidence),
                );
            }
        }
        if problems.is_empty() && !open.is_empty() {
            // No uplink known by name (a mounted root): every interface is open all the same.
            let why: Vec<String> = open
                .iter()
                .map(|(v, by)| format!("{} not denied by default ({by})", v.as_str()))
                .collect();
            problems.push(
                Problem::about(
                    "*",
                    format!(
                        "every interface is trusted: every port is open on all of them ({})",
                        why.join(", ")
                    ),
                )
                .with_evidence(
                    open.iter()
                        .map(|(v, by)| {
                            rule_evidence(
                                rs,
                                None,
                                format!("{}: not denied by default ({by})", v.as_str()),
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
            );
        }
        if !problems.is_empty() {
            return Outcome::Fail { problems };
        }
        let list: Vec<String> = named.iter().map(|i| format!("`{i}`")).collect();
        Outcome::pass(format!(
            "no uplink interface (eth*, en*, wl*, ww*) is trusted{}",
            if list.is_empty() {
                String::new()
            } else {
                format!("; interfaces the rules name: {}", list.join(", "))
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
            "# Allow DHCP server requests",
            &format!("{extra}\n# Allow DHCP server requests"),
        );
        nixos_iptables_root().file(SCRIPT, script)
    }

    #[test]
    fn trusted_ethernet_fails() {
        let o = run(
            &UplinkTrusted,
            &nixos_with("ip46tables -A nixos-fw -i enp3s0 -j nixos-fw-accept"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "IPv4 and IPv6 are one problem: {o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("enp3s0"));
        assert!(
            p[0].message.starts_with(
                "uplink interface `enp3s0` is trusted: every port is open on it (IPv4 admitted by `-A nixos-fw -i enp3s0 -j nixos-fw-accept`"
            ),
            "{}",
            p[0].message
        );
        assert!(
            p[0].message
                .contains(", IPv6 admitted by `-A nixos-fw -i enp3s0 -j nixos-fw-accept`"),
            "{}",
            p[0].message
        );
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(p[0].evidence[0].path, SCRIPT);
        assert!(
            p[0].evidence[0].value.as_deref().is_some_and(
                |v| v.starts_with("IPv4 `enp3s0`: `-A nixos-fw -i enp3s0 -j nixos-fw-accept`")
            ),
            "{:?}",
            p[0].evidence
        );
    }

    #[test]
    fn each_trusted_uplink_is_a_problem() {
        let o = run(
            &UplinkTrusted,
            &nixos_with(
                "ip46tables -A nixos-fw -i eth0 -j nixos-fw-accept\nip46tables -A nixos-fw -i wlan+ -j nixos-fw-accept\nip46tables -A nixos-fw -i wg0 -j nixos-fw-accept",
            ),
        );
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("eth0"), Some("wlan*")], "{o:?}");
    }

    #[test]
    fn trusted_vpn_and_container_dhcp_pass() {
        let o = run(
            &UplinkTrusted,
            &nixos_with("ip46tables -A nixos-fw -i wg0 -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("`lo`, `ve-*`, `vz-*`, `wg0`"),
            "{}",
            message(&o)
        );
        // A single port on an uplink is not trust.
        let o = run(
            &UplinkTrusted,
            &nixos_with("ip46tables -A nixos-fw -i eth0 -p tcp --dport 443 -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn nft_iifname_accept_fails() {
        let t = tempfile::tempdir().expect("tempdir");
        let json = fw_fixture("nixos-fw-nftables.json")
            .replace("\"right\": \"lo\"", "\"right\": \"wlan0\"");
        let f = t.path().join("ruleset.json");
        std::fs::write(&f, json).expect("write");
        let o = run_with_nft(&UplinkTrusted, &RootBuilder::new(), &f);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("`inet nixos-fw input: meta iifname wlan0 accept # handle 10`"),
            "{}",
            message(&o)
        );
    }

    /// No default deny: every interface is trusted, each uplink the host has is a problem.
    #[test]
    fn open_host_fails_for_every_uplink() {
        let b = RootBuilder::new().file(
            "/proc/net/dev",
            "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n  eth0: 1234 10 0 0 0 0 0 0 5678 20 0 0 0 0 0 0\n  wg0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        );
        let o = run_with_nft(
            &UplinkTrusted,
            &b,
            &fw_fixture_path("debian-default-open.json"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("eth0"));
        assert_eq!(
            p[0].message,
            "uplink interface `eth0` is trusted: every port is open on it (IPv4 not denied by default (policy accept of `inet filter input`), IPv6 not denied by default (policy accept of `inet filter input`))"
        );
        // Without an interface list (a mounted root): one problem for every interface.
        let o = run_with_nft(
            &UplinkTrusted,
            &RootBuilder::new(),
            &fw_fixture_path("empty-ruleset.json"),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("*"));
        assert!(
            p[0].message.starts_with("every interface is trusted: every port is open on all of them (IPv4 not denied by default (no input-hook chain filters it)"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn garbage_json_is_an_error() {
        let t = tempfile::tempdir().expect("tempdir");
        let f = t.path().join("ruleset.json");
        std::fs::write(&f, "{\"nftables\": 3}").expect("write");
        let o = run_with_nft(&UplinkTrusted, &RootBuilder::new(), &f);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
