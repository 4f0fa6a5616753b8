//! NIX-071: a sensitive port or a broad port range accepted from outside.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_firewall::OpenPort;

use crate::engine::Rule;
use crate::firewall::{firewall, is_uplink_interface, RISK_PORTS};

/// Sensitive or broad ports accepted from outside.
pub struct SensitivePortsOpen;

crate::host_rule!("NIX-071", SensitivePortsOpen);

fn is_bad(o: &OpenPort) -> bool {
    o.width() > 1000 || RISK_PORTS.iter().any(|p| o.lo <= *p && *p <= o.hi)
}

impl Rule for SensitivePortsOpen {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let (rs, vers) = match fw
            .deny_ruleset("inbound traffic is not denied by default, so every port is open")
        {
            Ok(r) => r,
            Err(o) => return o,
        };
        let mut open: Vec<(Option<String>, OpenPort)> = rs
            .open_ports(None)
            .into_iter()
            .filter(|o| vers.contains(&o.ver))
            .map(|o| (None, o))
            .collect();
        for iface in rs
            .named_interfaces()
            .into_iter()
            .filter(|i| is_uplink_interface(i))
        {
            let concrete = iface.replace('*', "0");
            for o in rs.open_ports(Some(&concrete)) {
                if vers.contains(&o.ver)
                    && !open.iter().any(|(_, g)| {
                        g.l4 == o.l4 && g.ver == o.ver && g.lo == o.lo && g.hi == o.hi
                    })
                {
                    open.push((Some(iface.clone()), o));
                }
            }
        }
        let describe = |(iface, o): &(Option<String>, OpenPort)| {
            let on = iface
                .as_ref()
                .map(|i| format!(" on `{i}`"))
                .unwrap_or_default();
            let unsure = if o.certain {
                ""
            } else {
                " (depends on rules nixsec cannot evaluate)"
            };
            format!(
                "{} {}{on} admitted by {}{unsure}",
                o.ver.as_str(),
                o.label(),
                o.admitted_by
            )
        };
        let bad: Vec<String> = open
            .iter()
            .filter(|(_, o)| is_bad(o))
            .map(describe)
            .collect();
        let path = rs
            .sources
            .first()
            .map(|s| s.path.clone())
            .unwrap_or_default();
        if !bad.is_empty() {
            return Outcome::fail(format!(
                "{} sensitive or broad port(s) accepted from other hosts: {}",
                bad.len(),
                bad.join("; ")
            ))
            .with_evidence(bad.iter().map(|b| Evidence::value(path.clone(), b.clone())));
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
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains(
                "IPv4 tcp/5432 admitted by `-A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept`"
            ),
            "{}",
            message(&o)
        );
        assert!(message(&o).contains("IPv6 tcp/5432"), "{}", message(&o));
    }

    #[test]
    fn broad_range_fails_and_narrow_range_passes() {
        let o = run(
            &SensitivePortsOpen,
            &nixos_with("ip46tables -A nixos-fw -p udp --dport 60000:61000 -j nixos-fw-accept"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("udp/60000-61000"), "{}", message(&o));
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
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("IPv4 tcp/5432 on `eth0` admitted by"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn nixos_ssh_only_passes() {
        let o = run(&SensitivePortsOpen, &nixos_iptables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(message(&o), "2 port(s) accepted from other hosts, none sensitive or broad: IPv4 tcp/22, IPv6 tcp/22");
    }

    #[test]
    fn open_host_skips() {
        let o = run_with_nft(
            &SensitivePortsOpen,
            &RootBuilder::new(),
            &fw_fixture_path("empty-ruleset.json"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
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
