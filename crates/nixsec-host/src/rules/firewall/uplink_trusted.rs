//! NIX-072: a physical or uplink interface the firewall trusts.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_firewall::{Packet, Tri, L4};

use crate::engine::Rule;
use crate::firewall::{firewall, is_uplink_interface};

/// An uplink interface trusted by the firewall.
pub struct UplinkTrusted;

crate::host_rule!("NIX-072", UplinkTrusted);

impl Rule for UplinkTrusted {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let (rs, vers) = match fw
            .deny_ruleset("inbound traffic is not denied by default, so every interface is open")
        {
            Ok(r) => r,
            Err(o) => return o,
        };
        // A port no rule names: only a rule that accepts regardless of the port admits it.
        let probe = rs.unnamed_port();
        let named = rs.named_interfaces();
        let mut bad = Vec::new();
        for iface in named.iter().filter(|i| is_uplink_interface(i)) {
            let concrete = iface.replace('*', "0");
            for &v in &vers {
                let generic = rs.decide(&Packet::new(v, L4::Tcp, probe)).accepted;
                let mut p = Packet::new(v, L4::Tcp, probe);
                p.iif = Some(concrete.clone());
                let d = rs.decide(&p);
                if d.accepted == Tri::Yes && generic != Tri::Yes {
                    bad.push((iface.clone(), v, d.admitted_by(rs)));
                }
            }
        }
        if !bad.is_empty() {
            let mut ifaces: Vec<String> = bad.iter().map(|(i, _, _)| format!("`{i}`")).collect();
            ifaces.dedup();
            let path = rs
                .sources
                .first()
                .map(|s| s.path.clone())
                .unwrap_or_default();
            return Outcome::fail(format!(
                "uplink interface {} trusted: every port is open on it ({})",
                ifaces.join(", "),
                bad.iter()
                    .map(|(i, v, by)| format!("{} on `{i}` admitted by {by}", v.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
            .with_evidence(bad.into_iter().map(|(i, v, by)| {
                Evidence::value(path.clone(), format!("{} `{i}`: {by}", v.as_str()))
            }));
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
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).starts_with("uplink interface `enp3s0` trusted"),
            "{}",
            message(&o)
        );
        assert!(
            message(&o).contains(
                "IPv4 on `enp3s0` admitted by `-A nixos-fw -i enp3s0 -j nixos-fw-accept`"
            ),
            "{}",
            message(&o)
        );
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

    #[test]
    fn open_host_skips() {
        let o = run_with_nft(
            &UplinkTrusted,
            &RootBuilder::new(),
            &fw_fixture_path("debian-default-open.json"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
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
