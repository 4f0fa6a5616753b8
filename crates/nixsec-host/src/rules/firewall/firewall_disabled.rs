//! NIX-070: no default-deny path for inbound traffic.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::firewall::{firewall, ip_versions};

/// Inbound traffic not denied by default.
pub struct FirewallDisabled;

crate::host_rule!("NIX-070", FirewallDisabled);

impl Rule for FirewallDisabled {
    fn check(&self, cx: &HostCx) -> Outcome {
        let fw = firewall(cx);
        let rs = match fw.ruleset() {
            Ok(rs) => rs,
            Err(o) => return o,
        };
        let mut open = Vec::new();
        let mut denied = Vec::new();
        let vers = ip_versions(cx);
        if vers.len() == 1 {
            denied.push("IPv6 is off in the kernel".to_string());
        }
        for v in vers {
            match rs.default_deny(v) {
                Some(why) => denied.push(format!("{}: {why}", v.as_str())),
                None => {
                    let chains = rs.input_chains(v);
                    let why = if chains.is_empty() {
                        "no input-hook chain filters it".to_string()
                    } else {
                        let names: Vec<String> = chains
                            .iter()
                            .map(|&c| format!("`{}`", rs.chains[c].label()))
                            .collect();
                        format!("no drop at the end of {}", names.join(", "))
                    };
                    open.push((v.as_str(), why));
                }
            }
        }
        let evidence: Vec<Evidence> = rs
            .sources
            .iter()
            .map(|s| Evidence::path(s.path.clone()))
            .collect();
        if !open.is_empty() {
            if fw.nixos_disabled && rs.sources.is_empty() {
                // One setting leaves both IP versions open.
                return Outcome::fail_about(
                    "NixOS firewall",
                    format!("inbound traffic is not denied by default: {}", fw.origin()),
                );
            }
            // One problem per IP version; where the rules come from is context of each.
            let origin = fw.origin();
            return Outcome::Fail {
                problems: open
                    .into_iter()
                    .map(|(v, why)| {
                        Problem::about(
                            v,
                            format!(
                                "{v} inbound traffic is not denied by default: {why} ({origin})"
                            ),
                        )
                        .with_evidence(evidence.clone())
                    })
                    .collect(),
            };
        }
        Outcome::pass(format!(
            "inbound traffic is denied by default ({}); {}",
            denied.join("; "),
            fw.origin()
        ))
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::testing::*;
    use crate::testing::*;

    #[test]
    fn open_iptables_host_fails() {
        let b = RootBuilder::new()
            .file(
                "/etc/iptables/rules.v4",
                fw_fixture("open-host.legacy.iptables-save.txt"),
            )
            .file(
                "/etc/iptables/rules.v6",
                fw_fixture("open-host.legacy.ip6tables-save.txt"),
            );
        let o = run(&FirewallDisabled, &b);
        let p = o.problems();
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("IPv4"), Some("IPv6")], "{o:?}");
        assert_eq!(
            p[0].message,
            "IPv4 inbound traffic is not denied by default: no drop at the end of `ip filter INPUT` (rules from `/etc/iptables/rules.v4`, `/etc/iptables/rules.v6`)"
        );
        assert_eq!(
            p[0].evidence,
            [
                Evidence::path("/etc/iptables/rules.v4"),
                Evidence::path("/etc/iptables/rules.v6")
            ]
        );
    }

    #[test]
    fn ipv6_off_in_the_kernel_is_not_checked() {
        let b = RootBuilder::new()
            .file(
                "/etc/iptables/rules.v4",
                fw_fixture("default-deny-iptables.legacy.iptables-save.txt"),
            )
            .file("/proc/sys/net/ipv4/ip_forward", "0\n");
        let o = run(&FirewallDisabled, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("IPv6 is off in the kernel"),
            "{}",
            message(&o)
        );
        let b = b.file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "0\n");
        let o = run(&FirewallDisabled, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("IPv6"));
        assert!(
            p[0].message
                .starts_with("IPv6 inbound traffic is not denied by default: no input-hook chain filters it (rules from `/etc/iptables/rules.v4`)"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn nixos_without_firewall_units_fails() {
        let b = RootBuilder::new().file("/etc/NIXOS", "");
        let o = run(&FirewallDisabled, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "one setting for both IP versions: {o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("NixOS firewall"));
        assert!(
            p[0].message
                .starts_with("inbound traffic is not denied by default: NixOS firewall disabled"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn debian_default_nft_json_fails() {
        let o = run_with_nft(
            &FirewallDisabled,
            &RootBuilder::new(),
            &fw_fixture_path("debian-default-open.json"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn nixos_firewall_script_passes() {
        let o = run(&FirewallDisabled, &nixos_iptables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("IPv6: `-A INPUT -j nixos-fw`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn nft_json_default_deny_passes() {
        for f in [
            "default-deny.json",
            "nixos-fw-nftables.json",
            "input-accept-explicit.json",
        ] {
            let o = run_with_nft(&FirewallDisabled, &RootBuilder::new(), &fw_fixture_path(f));
            assert_eq!(o.status(), Status::Pass, "{f}: {}", message(&o));
        }
    }

    #[test]
    fn mounted_root_without_rules_skips() {
        let o = run(
            &FirewallDisabled,
            &RootBuilder::new().file("/etc/hostname", "x\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn malformed_rules_are_errors() {
        let t = tempfile::tempdir().expect("tempdir");
        let garbage = t.path().join("ruleset.json");
        std::fs::write(&garbage, "{\"nftables\": [ {\"chain\": ").expect("write");
        let o = run_with_nft(&FirewallDisabled, &RootBuilder::new(), &garbage);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("not valid JSON"), "{}", message(&o));
        let b = RootBuilder::new().file("/etc/iptables/rules.v4", "*filter\n-A INPUT -j ACCEPT\n");
        let o = run(&FirewallDisabled, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/etc/iptables/rules.v4"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn nixos_nftables_backend_from_the_closure_passes() {
        let o = run(&FirewallDisabled, &nixos_nftables_root());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("IPv4: policy drop of `inet nixos-fw input`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn nixos_nftables_unit_whose_ruleset_is_missing_is_an_error() {
        let b = RootBuilder::new().file("/etc/NIXOS", "").file(
            "/etc/systemd/system/nftables.service",
            "[Service]\nExecStart=/nix/store/x-nftables-rules\n",
        );
        let o = run(&FirewallDisabled, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let b = RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file("/etc/systemd/system/nftables.service", "[Service]\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n")
            .file("/etc/nftables.conf", "table inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n");
        let o = run(&FirewallDisabled, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("`/etc/nftables.conf` line"),
            "{}",
            message(&o)
        );
    }
}
