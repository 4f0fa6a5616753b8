//! NIX-057: container ports published on every address, which Docker's NAT rules let in
//! before the NixOS firewall sees them.
//!
//! ## What it checks
//! `PortBindings` of each Docker container's `hostconfig.json`, with the daemon's `ip` and
//! `iptables` settings.
//!
//! ## Why it matters
//! Docker DNATs published ports in `PREROUTING`, so the packets are forwarded and never reach
//! `nixos-fw`'s INPUT chain: `networking.firewall` does not protect them.
//!
//! ## Fix (NixOS)
//! Publish on loopback (`127.0.0.1:8080:80`) or set the daemon's default `ip`.
//!
//! ## References
//! <https://docs.docker.com/network/packet-filtering-firewalls/>.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_isolation::docker;

use crate::isolation::docker_state;

/// Published container ports on all addresses.
pub struct PublishedPortsBypassFirewall;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PublishedPortsBypassFirewall;

static META: RuleMeta = RuleMeta {
    id: "NIX-057",
    title: "Published container ports bypass the firewall",
    section: Section::Isolation,
    severity: Severity::Medium,
    checks: "`PortBindings` of every Docker container's `hostconfig.json`: a binding with an empty `HostIp` (when the daemon's `ip` setting is unset or `0.0.0.0`) or `0.0.0.0`/`::` is published on every address. Fails for such a port unless the daemon runs with `iptables: false` (then Docker adds no NAT rules and the host firewall applies). Whether `networking.firewall.allowedTCPPorts` also opens the port is not read here: the finding lists every port published this way.",
    rationale: "Docker inserts DNAT rules in the `nat` table's PREROUTING chain; the packets are forwarded to the container and never pass `nixos-fw` in INPUT, so a port the firewall does not allow is still reachable from the network.",
    fix: "Publish on loopback and put a reverse proxy in front, or set the daemon's default bind address.",
    nixos: "virtualisation.oci-containers.containers.<name>.ports = [ \"127.0.0.1:8080:80\" ];\n# or for every container:\nvirtualisation.docker.daemon.settings.ip = \"127.0.0.1\";",
    references: &["https://docs.docker.com/network/packet-filtering-firewalls/", "CWE-284"],
    source: file!(),
};

impl Rule for PublishedPortsBypassFirewall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let d = docker_state(cx);
        let cs = &d.containers;
        if cs.roots.is_empty() {
            if let Some(e) = cs.errors.first() {
                return Outcome::error(e.clone());
            }
            return Outcome::skip("no Docker container data (/var/lib/docker/containers)");
        }
        let ip = d.daemon.settings.ip.as_deref();
        let mut evidence = Vec::new();
        for c in cs.containers.iter().filter(|c| c.rootless_user.is_none()) {
            for p in docker::published_on_all(c, ip) {
                let host_ip = if p.host_ip.is_empty() {
                    "0.0.0.0"
                } else {
                    p.host_ip.as_str()
                };
                evidence.push(Evidence::value(
                    format!("{}/hostconfig.json", c.dir),
                    format!(
                        "{}: {host_ip}:{} -> {}",
                        c.name, p.host_port, p.container_port
                    ),
                ));
            }
        }
        if !evidence.is_empty() && d.daemon.settings.iptables == Some(false) {
            return Outcome::pass(format!("{} port(s) published on all addresses, but the daemon runs with `iptables: false`: the host firewall filters them", evidence.len()))
                .with_evidence(evidence);
        }
        let errs = if cs.errors.is_empty() {
            String::new()
        } else {
            format!("; not read: {}", cs.errors.join("; "))
        };
        if !evidence.is_empty() {
            return Outcome::fail(
                nixsec_core::escape(&format!(
                    "{} container port(s) published on every address, past nixos-fw{errs}",
                    evidence.len()
                ))
                .into_owned(),
            )
            .with_evidence(evidence);
        }
        if !cs.errors.is_empty() {
            return Outcome::error(cs.errors.join("; "));
        }
        Outcome::pass(format!(
            "{} container(s), no port published on every address",
            cs.containers.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::docker_root;
    use crate::testing::*;

    #[test]
    fn web_default_fails() {
        let o = run(&PublishedPortsBypassFirewall, &docker_root("{}"));
        let Outcome::Fail { evidence, .. } = o else {
            panic!("{o:?}")
        };
        assert_eq!(evidence.len(), 1);
        assert_eq!(
            evidence[0].value.as_deref(),
            Some("web-default: 0.0.0.0:8080 -> 80/tcp")
        );
    }

    #[test]
    fn loopback_default_or_no_iptables_passes() {
        assert_eq!(
            run(
                &PublishedPortsBypassFirewall,
                &docker_root("{\"ip\": \"127.0.0.1\"}")
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            run(
                &PublishedPortsBypassFirewall,
                &docker_root("{\"iptables\": false}")
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            run(&PublishedPortsBypassFirewall, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn garbage_hostconfig_is_an_error() {
        let b = RootBuilder::new().file(
            &format!(
                "/var/lib/docker/containers/{}/hostconfig.json",
                "b".repeat(64)
            ),
            "\u{0}\u{1}garbage",
        );
        assert_eq!(
            run(&PublishedPortsBypassFirewall, &b).status(),
            Status::Error
        );
    }
}
