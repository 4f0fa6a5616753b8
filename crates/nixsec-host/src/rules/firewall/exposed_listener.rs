//! NIX-074: a listening socket on a non-loopback address that the firewall lets through.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::firewall::{exposures, firewall, Exposure, Listener, RISK_PORTS};
use nixsec_readers::procnet::read_sockets;

/// Listeners the firewall lets through.
pub struct ExposedListener;

crate::host_rule!("NIX-074", ExposedListener);

/// The problem of the listeners of one protocol and port (`tcp/22`: its IPv4 and IPv6
/// sockets, every address), with a row per listener; `None` when none is reachable or
/// undecided.
fn port_problem(group: &[&Listener], origin: &str) -> Option<Problem> {
    let s = &group[0].socket;
    let subject = format!("{}/{}", s.transport(), s.port);
    let mut owners: Vec<String> = Vec::new();
    let mut endpoints: Vec<String> = Vec::new();
    let exposed = group
        .iter()
        .any(|l| matches!(l.exposure, Exposure::Exposed(_)));
    for l in group.iter().filter(|l| {
        if exposed {
            matches!(l.exposure, Exposure::Exposed(_))
        } else {
            matches!(l.exposure, Exposure::Unknown(_))
        }
    }) {
        let o = l.owner_label();
        if !owners.contains(&o) {
            owners.push(o);
        }
        endpoints.push(l.socket.endpoint());
    }
    if endpoints.is_empty() {
        return None;
    }
    let who = format!(
        "`{subject}` of {} on {}",
        escape(&owners.join(", ")),
        endpoints.join(", ")
    );
    let message = if exposed {
        format!("{who} is reachable from other hosts ({origin})")
    } else {
        format!("cannot tell whether {who} is reachable from other hosts: the ruleset has rules nixsec cannot evaluate ({origin})")
    };
    Some(
        Problem::about(subject, message).with_evidence(
            group
                .iter()
                .map(|l| Evidence::value(format!("/proc/net/{}", l.socket.proto), l.row())),
        ),
    )
}

/// `tcp/22, udp/68`: the protocol and port of each listener, once each.
fn ports(ls: &[&Listener]) -> String {
    let mut out: Vec<String> = Vec::new();
    for l in ls {
        let p = format!("{}/{}", l.socket.transport(), l.socket.port);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.join(", ")
}

impl Rule for ExposedListener {
    fn check(&self, cx: &HostCx) -> Outcome {
        let table = match read_sockets(cx.root()) {
            Ok(Some(t)) => t,
            Ok(None) => return Outcome::skip(
                "no `/proc/net/tcp` under this root (not the running system): no sockets to see",
            ),
            Err(e) => return Outcome::error(e.to_string()),
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
        // The catalogue limits the rule to the risk-list ports: a port the administrator
        // opened on purpose (22, 443) is listed, not failed.
        let risky = |l: &&Listener| RISK_PORTS.contains(&l.socket.port);
        let exposed = |l: &&Listener| matches!(l.exposure, Exposure::Exposed(_));
        let unknown = |l: &&Listener| matches!(l.exposure, Exposure::Unknown(_));
        let origin = fw.origin();
        if listeners.iter().filter(risky).any(|l| exposed(&l)) {
            // One problem per protocol and port, in the order the sockets were read; a risk
            // port nixsec cannot decide next to exposed ones is a problem too, so it does not
            // look closed.
            let mut groups: Vec<Vec<&Listener>> = Vec::new();
            for l in listeners.iter().filter(risky) {
                match groups.iter_mut().find(|g| {
                    g[0].socket.transport() == l.socket.transport()
                        && g[0].socket.port == l.socket.port
                }) {
                    Some(g) => g.push(l),
                    None => groups.push(vec![l]),
                }
            }
            let problems = groups
                .iter()
                .filter_map(|g| port_problem(g, &origin))
                .collect();
            return Outcome::Fail { problems };
        }
        let undecided: Vec<&Listener> = listeners.iter().filter(risky).filter(unknown).collect();
        if !undecided.is_empty() {
            let names: Vec<String> = undecided
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
        let on_purpose: Vec<&Listener> = listeners.iter().filter(exposed).collect();
        let other_unknown: Vec<&Listener> = listeners.iter().filter(unknown).collect();
        let mut msg = format!(
            "{} listeners, {outside} on non-loopback addresses, no risk-list port reachable through the firewall",
            listeners.len()
        );
        if !on_purpose.is_empty() {
            msg.push_str(&format!(
                "; reachable on ports outside the risk list: {}",
                ports(&on_purpose)
            ));
        }
        if !other_unknown.is_empty() {
            msg.push_str(&format!(
                "; undecided (rules nixsec cannot evaluate): {}",
                ports(&other_unknown)
            ));
        }
        Outcome::pass(format!("{msg} ({origin})")).with_evidence(evidence)
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
        // ssh is opened on purpose, not a risk-list port: listed, not failed.
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).starts_with("10 listeners, 5 on non-loopback addresses, no risk-list port reachable through the firewall; reachable on ports outside the risk list: tcp/22 (rules from `"),
            "{}",
            message(&o)
        );
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
        // The table behind it: every listener, decided.
        let all = table(&with_proc_net(nixos_iptables_root()));
        assert_eq!(all.len(), 10, "every listener is decided: {all:#?}");
        assert!(all
            .iter()
            .any(|v| v.starts_with("tcp6  [::]:9000") && v.contains("blocked")));
        assert!(all
            .iter()
            .any(|v| v.starts_with("tcp   127.0.0.1:5432") && v.contains("loopback only")));
    }

    /// The rows of every listener as the rule decides them on `b`.
    fn table(b: &RootBuilder) -> Vec<String> {
        let cx = crate::testing::cx(b);
        let sockets = read_sockets(cx.root())
            .expect("sockets")
            .expect("a /proc/net");
        let fw = firewall(&cx);
        let rs = fw.ruleset().expect("a ruleset");
        exposures(&sockets, rs).iter().map(Listener::row).collect()
    }

    #[test]
    fn only_risk_list_ports_are_problems() {
        let script = fw_fixture("nixos-firewall-start.sh").replace(
            "# Reject/drop everything else.",
            "ip46tables -A nixos-fw -p tcp --dport 5432 -j nixos-fw-accept\n# Reject/drop everything else.",
        );
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 701 1 0000000000000000 100 0 0 10 0\n   1: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   114        0 702 1 0000000000000000 100 0 0 10 0\n";
        let b = nixos_iptables_root()
            .file(SCRIPT, script)
            .file("/proc/net/tcp", tcp)
            .file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "0\n")
            .symlink("/proc/700/fd/3", "socket:[701]")
            .file("/proc/700/comm", "sshd\n")
            .symlink("/proc/812/fd/5", "socket:[702]")
            .file("/proc/812/comm", "postgres\n");
        let o = run(&ExposedListener, &b);
        let got: Vec<(Option<&str>, Option<nixsec_core::Severity>)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.severity))
            .collect();
        assert_eq!(
            got,
            [(Some("tcp/5432"), None)],
            "5432 is a risk port, at the catalogue's medium; ssh is not one: {o:?}"
        );
        assert!(
            o.problems()[0]
                .message
                .starts_with("`tcp/5432` of postgres (pid 812) on 0.0.0.0:5432 is reachable"),
            "{o:?}"
        );
        // The evidence of the problem is its own port's sockets only.
        assert_eq!(o.problems()[0].evidence.len(), 1, "{o:?}");
    }

    #[test]
    fn nixos_nftables_backend_admits_only_ssh() {
        let o = run(&ExposedListener, &with_proc_net(nixos_nftables_root()));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let rows = exposed_rows(&o);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert!(
            rows[0].ends_with("EXPOSED: IPv4 admitted by `inet nixos-fw input-allow: tcp dport { 22 } accept` (/nix/store/33333333333333333333333333333333-nftables-rules:42)"),
            "{rows:#?}"
        );
    }

    #[test]
    fn open_host_lists_every_public_listener() {
        let o = run_with_nft(
            &ExposedListener,
            &with_proc_net(RootBuilder::new()),
            &fw_fixture_path("empty-ruleset.json"),
        );
        // No risk-list port listens outside loopback (5432 is on 127.0.0.1): NIX-070 and
        // NIX-071 report the open firewall, this rule lists what it exposes.
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains(
                "; reachable on ports outside the risk list: tcp/22, tcp/9000, udp/68, udp/5353 ("
            ),
            "{}",
            message(&o)
        );
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
            exposed_rows(&o)
                .iter()
                .any(|r| r.starts_with("tcp6  [::]:9000")
                    && r.contains(
                        "IPv6 admitted by no input-hook chain filters it; IPv4 admitted by"
                    )),
            "{o:?}"
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
            message(&o).starts_with("10 listeners, 5 on non-loopback addresses, no risk-list port reachable through the firewall ("),
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
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("tcp/5432"));
        assert_eq!(p[0].severity, None, "{o:?}");
        assert!(
            p[0].message.starts_with(
                "`tcp/5432` of postgres (pid 812) on 0.0.0.0:5432 is reachable from other hosts ("
            ),
            "{}",
            p[0].message
        );
        assert!(
            exposed_rows(&o)[0]
                .ends_with("EXPOSED: IPv4 admitted by policy accept of `inet filter input`"),
            "{o:?}"
        );
    }

    #[test]
    fn opaque_rules_make_it_an_error() {
        // iptables-nft's JSON hides the conntrack rule's arguments: 9000 may be accepted.
        let b = with_proc_net(RootBuilder::new());
        // The dual-stack [::]:9000 listener of the capture, moved to the risk port 5432.
        let tcp6_5432_only = procnet_fixture("proc-net-tcp6.txt")
            .lines()
            .take(1)
            .chain(procnet_fixture("proc-net-tcp6.txt").lines().skip(2).take(1))
            .collect::<Vec<_>>()
            .join("\n")
            .replace(":2328 ", ":1538 ");
        let b = b
            .file("/proc/net/tcp6", tcp6_5432_only)
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
        assert!(message(&o).contains("tcp [::]:5432"), "{}", message(&o));
    }

    #[test]
    fn undecided_ports_outside_the_risk_list_are_named_in_the_pass() {
        // iptables-nft's opaque conntrack rule: 22 is admitted by it outright, the others only
        // if it matches; none is a risk-list port.
        let o = run_with_nft(
            &ExposedListener,
            &with_proc_net(RootBuilder::new()),
            &fw_fixture_path("nixos-fw-iptables.nft.nft.json"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("; reachable on ports outside the risk list: tcp/22; undecided (rules nixsec cannot evaluate): tcp/9000, udp/68, udp/5353 ("),
            "{}",
            message(&o)
        );
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
        // 8080 is not a risk-list port: listed as exposed (NIX-057 is the published-port rule).
        let o = run(&ExposedListener, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            exposed_rows(&o)[0].contains("docker-proxy (pid 901)")
                && exposed_rows(&o)[0].ends_with("EXPOSED: IPv4 published by `-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80` (/etc/iptables/rules.v4:27) (destination NAT in prerouting: the input chains never see it)"),
            "{o:?}"
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
