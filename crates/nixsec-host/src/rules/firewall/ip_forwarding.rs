//! NIX-077: the kernel forwards packets between interfaces.
//!
//! ## What it checks
//! `/proc/sys/net/ipv4/ip_forward`, `/proc/sys/net/ipv4/conf/all/forwarding` and
//! `/proc/sys/net/ipv6/conf/all/forwarding`.
//!
//! ## Why it matters
//! A forwarding host routes traffic between its networks; unless it is meant to be a router
//! or container host, that can bridge a private network to the outside, and NixOS's firewall
//! filters only the input path.
//!
//! ## Fix (NixOS)
//! Remove the sysctl (`boot.kernel.sysctl."net.ipv4.ip_forward"`); where NAT is needed keep it
//! and filter the `FORWARD` path.
//!
//! ## References
//! ip-sysctl: `ip_forward`, `forwarding`; DevSec sysctl-01, sysctl-19; lynis KRNL-6000.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// IP forwarding on.
pub struct IpForwarding;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &IpForwarding;

static META: RuleMeta = RuleMeta {
    id: "NIX-077",
    title: "IP forwarding enabled",
    section: Section::Firewall,
    severity: Severity::Low,
    checks: "`/proc/sys/net/ipv4/ip_forward`, `/proc/sys/net/ipv4/conf/all/forwarding` and `/proc/sys/net/ipv6/conf/all/forwarding`: fails when any is 1 (accept it in nixsec.toml on a router or container host); skipped when none exists under the root.",
    rationale: "A host that forwards packets routes traffic between its networks. Unless it is meant to be a router or container host this can connect a private network to the outside, and an input-only firewall such as NixOS's does not filter the forward path.",
    fix: "Turn forwarding off unless the host routes; where NAT for containers or VMs needs it, keep it and filter the FORWARD path.",
    nixos: "boot.kernel.sysctl.\"net.ipv4.ip_forward\" = 0;  # or remove networking.nat.enable\n# where needed: networking.nat.enable = true; with networking.firewall.filterForward = true;",
    references: &["ip-sysctl: ip_forward, forwarding", "DevSec sysctl-01, sysctl-19", "lynis KRNL-6000"],
    source: file!(),
};

const FILES: [&str; 3] = [
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/net/ipv4/conf/all/forwarding",
    "/proc/sys/net/ipv6/conf/all/forwarding",
];

impl Rule for IpForwarding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let mut seen = Vec::new();
        for f in FILES {
            match cx.root().read_to_string(f) {
                Ok((_, t)) => match t.trim().parse::<u8>() {
                    Ok(v) => seen.push((f, v)),
                    Err(_) => {
                        return Outcome::error(format!("`{f}`: not a number: `{}`", t.trim()))
                    }
                },
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        if seen.is_empty() {
            return Outcome::skip(
                "no `/proc/sys/net` forwarding settings under this root (not the running system)",
            );
        }
        let on: Vec<&(&str, u8)> = seen.iter().filter(|(_, v)| *v != 0).collect();
        let evidence: Vec<Evidence> = seen
            .iter()
            .map(|(f, v)| Evidence::value(*f, v.to_string()))
            .collect();
        if on.is_empty() {
            return Outcome::pass(format!("forwarding is off ({} settings read)", seen.len()))
                .with_evidence(evidence);
        }
        let names: Vec<String> = on.iter().map(|(f, v)| format!("`{f}` is {v}")).collect();
        Outcome::fail(format!(
            "the kernel forwards packets: {} (accept this in nixsec.toml if the host is a router or container host)",
            names.join(", ")
        ))
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn proc_sys(v4: &str, v4all: &str, v6: &str) -> RootBuilder {
        RootBuilder::new()
            .file(FILES[0], v4)
            .file(FILES[1], v4all)
            .file(FILES[2], v6)
    }

    #[test]
    fn forwarding_on_fails() {
        let o = run(&IpForwarding, &proc_sys("1\n", "1\n", "0\n"));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).starts_with("the kernel forwards packets: `/proc/sys/net/ipv4/ip_forward` is 1, `/proc/sys/net/ipv4/conf/all/forwarding` is 1"), "{}", message(&o));
        let o = run(&IpForwarding, &proc_sys("0\n", "0\n", "1\n"));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn forwarding_off_passes() {
        let o = run(&IpForwarding, &proc_sys("0\n", "0\n", "0\n"));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn no_proc_sys_skips() {
        let o = run(
            &IpForwarding,
            &RootBuilder::new().file("/etc/hostname", "x\n"),
        );
        assert_eq!(o.status(), Status::Skip, "{}", message(&o));
    }

    #[test]
    fn garbage_is_an_error() {
        let o = run(&IpForwarding, &proc_sys("on\n", "0\n", "0\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/proc/sys/net/ipv4/ip_forward"),
            "{}",
            message(&o)
        );
    }
}
