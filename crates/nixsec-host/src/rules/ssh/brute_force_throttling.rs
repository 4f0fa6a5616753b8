//! NIX-082: sshd reachable from the network with nothing throttling password guessing.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::sshd::with_sshd;
use nixsec_readers::procnet::parse_table;

/// sshd listens on a non-loopback address and no fail2ban/sshguard/endlessh runs.
pub struct BruteForceThrottling;

crate::host_rule!("NIX-082", BruteForceThrottling);

const THROTTLERS: &[&str] = &["fail2ban", "sshguard", "endlessh", "endlessh-go"];

fn throttler(cx: &HostCx) -> Option<Evidence> {
    if let Ok((_, dirs)) = cx.root().read_dir("/etc/systemd/system") {
        for d in dirs
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .filter(|d| d.ends_with(".wants"))
        {
            for t in THROTTLERS {
                let p = format!("/etc/systemd/system/{d}/{t}.service");
                if cx.root().symlink_metadata(&p).is_ok() {
                    return Some(Evidence::path(p));
                }
            }
        }
    }
    nixsec_readers::procnet::processes(cx.root())
        .into_iter()
        .find_map(|(pid, comm)| {
            let comm = comm.trim();
            (comm.starts_with("fail2ban") || comm == "sshguard" || comm.starts_with("endlessh"))
                .then(|| Evidence::value(format!("/proc/{pid}/comm"), comm))
        })
}

fn loopback(addr: &str) -> bool {
    let host = addr
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap_or(addr);
    let host = if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or(host)
    } else {
        host
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Rule for BruteForceThrottling {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_sshd(cx, |c| {
            let ports: Vec<u16> = {
                let mut p: Vec<u16> = c
                    .all_global("Port")
                    .iter()
                    .filter_map(|d| d.args.first()?.parse().ok())
                    .collect();
                if p.is_empty() {
                    p.push(22);
                }
                p
            };
            let mut evidence = Vec::new();
            let exposed = match cx.root().read_to_string("/proc/net/tcp") {
                Ok((_, t4)) => {
                    let mut all = parse_table(&t4, "tcp", "0A");
                    if let Ok((_, t6)) = cx.root().read_to_string("/proc/net/tcp6") {
                        all.extend(parse_table(&t6, "tcp6", "0A"));
                    }
                    let hit = all.iter().find(|l| ports.contains(&l.port));
                    if let Some(l) = hit {
                        evidence.push(Evidence::value(
                            if l.proto == "tcp" {
                                "/proc/net/tcp"
                            } else {
                                "/proc/net/tcp6"
                            },
                            format!("listening on {}:{}", l.addr, l.port),
                        ));
                    }
                    hit.is_some()
                }
                Err(_) => {
                    let listen = c.all_global("ListenAddress");
                    evidence.extend(listen.iter().map(|d| d.evidence()));
                    listen.is_empty()
                        || listen
                            .iter()
                            .any(|d| d.args.first().is_some_and(|a| !loopback(a)))
                }
            };
            if !exposed {
                return Outcome::skip("sshd does not listen on a non-loopback address");
            }
            if let Some(ev) = throttler(cx) {
                evidence.push(ev);
                return Outcome::pass("a brute-force throttling service is enabled")
                    .with_evidence(evidence);
            }
            let mut msg = format!("sshd is reachable on port {} and no fail2ban, sshguard or endlessh service is enabled", ports.iter().map(u16::to_string).collect::<Vec<_>>().join(","));
            if let Some(d) = c.global("PerSourcePenalties") {
                if d.value() != "no" {
                    msg.push_str(" (PerSourcePenalties is set: OpenSSH ≥ 9.8 throttles by itself)");
                    evidence.push(d.evidence());
                }
            }
            Outcome::fail(msg).with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshd::fixtures::{nixos, plain};
    use crate::testing::*;

    // A /proc/net/tcp listener on 0.0.0.0:22 (0x0016), state 0A, inode 4242.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n";
    const TCP_LO: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n";

    #[test]
    fn exposed_without_throttling_fails() {
        let o = run(
            &BruteForceThrottling,
            &nixos("nixos-default.sshd_config").file("/proc/net/tcp", TCP),
        );
        assert_eq!(
            message(&o),
            "sshd is reachable on port 22 and no fail2ban, sshguard or endlessh service is enabled"
        );
    }

    #[test]
    fn fail2ban_enabled_passes() {
        let b = nixos("nixos-default.sshd_config")
            .file("/proc/net/tcp", TCP)
            .file("/etc/systemd/system/fail2ban.service", "[Service]\n")
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/fail2ban.service",
                "../fail2ban.service",
            );
        assert_eq!(run(&BruteForceThrottling, &b).status(), Status::Pass);
    }

    #[test]
    fn loopback_only_is_skipped() {
        assert_eq!(
            run(
                &BruteForceThrottling,
                &nixos("nixos-default.sshd_config").file("/proc/net/tcp", TCP_LO)
            )
            .status(),
            Status::Skip
        );
        // Mounted root: decided by ListenAddress.
        assert_eq!(
            run(
                &BruteForceThrottling,
                &plain("ListenAddress 127.0.0.1:22\nListenAddress [::1]:2222\n")
            )
            .status(),
            Status::Skip
        );
        assert_eq!(
            run(&BruteForceThrottling, &plain("ListenAddress 192.0.2.1\n")).status(),
            Status::Fail
        );
        assert_eq!(
            run(&BruteForceThrottling, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn broken_config_is_an_error() {
        let b = RootBuilder::new().dir("/etc/ssh/sshd_config", 0o755);
        assert_eq!(run(&BruteForceThrottling, &b).status(), Status::Error);
    }
}
