//! NIX-074: a listening socket on a non-loopback address that the firewall lets through.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Severity};

use crate::engine::Rule;
use crate::firewall::{exposures, firewall, Exposure, RISK_PORTS};
use crate::procnet::read_sockets;

/// Listeners the firewall lets through.
pub struct ExposedListener;

crate::host_rule!("NIX-074", ExposedListener);

impl Rule for ExposedListener {
    fn check(&self, cx: &HostCx) -> Outcome {
        let table = match read_sockets(cx.root()) {
            Ok(Some(t)) => t,
            Ok(None) => return Outcome::skip(
                "no `/proc/net/tcp` under this root (not the running system): no sockets to see",
            ),
            Err(e) => return Outcome::error(e),
        };
        let fw = firewall(cx);
        let rs = match fw.ruleset() {
            Ok(rs) => rs,
            Err(o) => return o,
        };
        let listeners = exposures(&table, rs);
        let evidence: Vec<Evidence> = listeners
            .iter()
            .map(|l| Evidence::value(format!("/proc/net/{}", l.socket.proto), l.row()))
            .collect();
        let exposed: Vec<_> = listeners
            .iter()
            .filter(|l| matches!(l.exposure, Exposure::Exposed(_)))
            .collect();
        let unknown: Vec<_> = listeners
            .iter()
            .filter(|l| matches!(l.exposure, Exposure::Unknown(_)))
            .collect();
        let origin = fw.origin();
        if !exposed.is_empty() {
            let names: Vec<String> = exposed
                .iter()
                .map(|l| {
                    let why = match &l.exposure {
                        Exposure::Exposed(d) => d.as_str(),
                        _ => "",
                    };
                    format!(
                        "{} {} ({}) {why}",
                        l.socket.transport(),
                        l.socket.endpoint(),
                        l.owner_label()
                    )
                })
                .collect();
            let firewall_off = [nixsec_firewall::IpVer::V4, nixsec_firewall::IpVer::V6]
                .into_iter()
                .any(|v| rs.default_deny(v).is_none());
            let risky = fw.nixos_disabled
                || firewall_off
                || exposed.iter().any(|l| RISK_PORTS.contains(&l.socket.port));
            let mut msg = format!(
                "{} of {} listeners reachable from other hosts: {}",
                exposed.len(),
                listeners.len(),
                names.join("; ")
            );
            if !unknown.is_empty() {
                msg.push_str(&format!(
                    "; {} more depend on rules nixsec cannot read",
                    unknown.len()
                ));
            }
            msg.push_str(&format!(" ({origin})"));
            let o = Outcome::fail(msg).with_evidence(evidence);
            return if risky {
                o
            } else {
                o.with_severity(Severity::Low)
            };
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown
                .iter()
                .map(|l| format!("{} {}", l.socket.transport(), l.socket.endpoint()))
                .collect();
            return Outcome::error(format!(
                "cannot tell whether {} are reachable: the ruleset has rules nixsec cannot evaluate ({origin})",
                names.join(", ")
            ))
            .with_evidence(evidence);
        }
        let outside = listeners
            .iter()
            .filter(|l| l.exposure != Exposure::Loopback)
            .count();
        Outcome::pass(format!(
            "{} listeners, {outside} on non-loopback addresses, none reachable through the firewall ({origin})",
            listeners.len()
        ))
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::testing::*;
    use crate::testing::*;

    fn exposed_rows(o: &Outcome) -> Vec<String> {
        let ev: Vec<nixsec_core::Evidence> = match o {
            Outcome::Fail { problems } => {
                problems.iter().flat_map(|p| p.evidence.clone()).collect()
            }
            Outcome::Pass { evidence, .. } | Outcome::Error { evidence, .. } => evidence.clone(),
            Outcome::Skip { .. } => return Vec::new(),
        };
        ev.iter()
            .filter_map(|e| e.value.clone())
            .filter(|v| v.contains("EXPOSED"))
            .collect()
    }

    /// The capture's listeners (README of the proc-net fixtures): TCP 0.0.0.0:22,
    /// 127.0.0.1:5432, 127.0.0.1:8080, [::]:22 (v6only), [::]:9000 (dual-stack), [::1]:631;
    /// UDP 0.0.0.0:68, 127.0.0.53:53, [::]:5353, [::1]:323.
    #[test]
    fn nixos_firewall_admits_only_ssh() {
        let o = run(&ExposedListener, &with_proc_net(nixos_iptables_root()));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let rows = exposed_rows(&o);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert!(rows[0].starts_with("tcp   0.0.0.0:22"), "{rows:#?}");
        assert!(rows[0].contains("python3 (pid 10926)"), "{rows:#?}");
        assert!(
            rows[0].contains(&format!(
                "IPv4 admitted by `-A nixos-fw -p tcp --dport 22 -j nixos-fw-accept` ({SCRIPT}:"
            )),
            "{rows:#?}"
        );
        assert!(rows[1].starts_with("tcp6  [::]:22"), "{rows:#?}");
        assert!(rows[1].contains("IPv6 admitted by"), "{rows:#?}");
        // ssh is not a risk port: reported at low severity.
        assert!(matches!(
            crate::testing::failed(&o),
            Some(crate::testing::Failed {
                severity: Some(Severity::Low),
                ..
            })
        ));
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            unreachable!()
        };
        assert_eq!(evidence.len(), 10, "every listener is listed");
        assert!(evidence.iter().any(|e| e
            .value
            .as_deref()
            .is_some_and(|v| v.starts_with("tcp6  [::]:9000") && v.contains("blocked"))));
        assert!(evidence.iter().any(|e| {
            e.value.as_deref().is_some_and(|v| {
                v.starts_with("tcp   127.0.0.1:5432") && v.contains("loopback only")
            })
        }));
    }

    #[test]
    fn nixos_nftables_backend_admits_only_ssh() {
        let o = run(&ExposedListener, &with_proc_net(nixos_nftables_root()));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let rows = exposed_rows(&o);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert!(
            rows[0].ends_with("EXPOSED: IPv4 admitted by `inet nixos-fw input-allow: tcp dport { 22 } accept` (/nix/store/33333333333333333333333333333333-nftables-rules:42)"),
            "{rows:#?}"
        );
    }

    #[test]
    fn open_host_exposes_every_public_listener() {
        let o = run_with_nft(
            &ExposedListener,
            &with_proc_net(RootBuilder::new()),
            &fw_fixture_path("empty-ruleset.json"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let rows: Vec<String> = exposed_rows(&o)
            .iter()
            .map(|r| r.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            rows,
            [
                "tcp 0.0.0.0:22",
                "tcp6 [::]:22",
                "tcp6 [::]:9000",
                "udp 0.0.0.0:68",
                "udp6 [::]:5353"
            ]
        );
        assert!(
            message(&o)
                .contains("IPv6 admitted by no input-hook chain filters it; IPv4 admitted by"),
            "{}",
            message(&o)
        );
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed { severity: None, .. })
            ),
            "the firewall is off: medium"
        );
    }

    #[test]
    fn default_deny_without_listeners_on_open_ports_passes() {
        let b = with_proc_net(RootBuilder::new());
        let o = run_with_nft(
            &ExposedListener,
            &b,
            &fw_fixture_path("input-accept-explicit.json"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).starts_with("10 listeners, 5 on non-loopback addresses, none reachable"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn risk_port_is_medium() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   114        0 777 1 0000000000000000 100 0 0 10 0\n";
        let b = RootBuilder::new()
            .file("/proc/net/tcp", tcp)
            .symlink("/proc/812/fd/5", "socket:[777]")
            .file("/proc/812/comm", "postgres\n");
        let o = run_with_nft(
            &ExposedListener,
            &b,
            &fw_fixture_path("debian-default-open.json"),
        );
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            matches!(
                crate::testing::failed(&o),
                Some(crate::testing::Failed { severity: None, .. })
            ),
            "{o:?}"
        );
        assert!(message(&o).contains("tcp 0.0.0.0:5432 (postgres (pid 812)) IPv4 admitted by policy accept of `inet filter input`"), "{}", message(&o));
    }

    #[test]
    fn opaque_rules_make_it_an_error() {
        // iptables-nft's JSON hides the conntrack rule's arguments: 9000 may be accepted.
        let b = with_proc_net(RootBuilder::new());
        let tcp6_9000_only = procnet_fixture("proc-net-tcp6.txt")
            .lines()
            .take(1)
            .chain(procnet_fixture("proc-net-tcp6.txt").lines().skip(2).take(1))
            .collect::<Vec<_>>()
            .join("\n");
        let b = b
            .file("/proc/net/tcp6", tcp6_9000_only)
            .file(
                "/proc/net/tcp",
                procnet_fixture("proc-net-tcp.txt")
                    .lines()
                    .next()
                    .unwrap_or_default(),
            )
            .file("/proc/net/udp", "")
            .file("/proc/net/udp6", "");
        let o = run_with_nft(
            &ExposedListener,
            &b,
            &fw_fixture_path("nixos-fw-iptables.nft.nft.json"),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("tcp [::]:9000"), "{}", message(&o));
    }

    #[test]
    fn docker_published_port_is_exposed_despite_input_drop() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n";
        let b = RootBuilder::new()
            .file(
                "/etc/iptables/rules.v4",
                fw_fixture("docker-published.iptables-save.txt"),
            )
            .file("/proc/net/tcp", tcp)
            .symlink("/proc/901/fd/4", "socket:[4242]")
            .file("/proc/901/comm", "docker-proxy\n");
        let o = run(&ExposedListener, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("tcp 0.0.0.0:8080 (docker-proxy (pid 901)) IPv4 published by `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80` (/etc/iptables/rules.v4:27) (destination NAT in prerouting: the input chains never see it)"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn no_proc_net_skips() {
        let o = run(&ExposedListener, &nixos_iptables_root());
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn truncated_proc_net_line_is_an_error() {
        let tcp = procnet_fixture("proc-net-tcp.txt");
        let mut lines: Vec<&str> = tcp.lines().collect();
        lines[2] = "   1: 0100007F:1538 00000000:0000 0A 00000000:00000000";
        let b = with_proc_net(nixos_iptables_root()).file("/proc/net/tcp", lines.join("\n"));
        let o = run(&ExposedListener, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert_eq!(
            message(&o),
            "`/proc/net/tcp` line 3: 5 fields, expected at least 10"
        );
    }

    #[test]
    fn garbage_nft_json_is_an_error() {
        let t = tempfile::tempdir().expect("tempdir");
        let garbage = t.path().join("ruleset.json");
        std::fs::write(&garbage, "not json").expect("write");
        let o = run_with_nft(
            &ExposedListener,
            &with_proc_net(RootBuilder::new()),
            &garbage,
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
