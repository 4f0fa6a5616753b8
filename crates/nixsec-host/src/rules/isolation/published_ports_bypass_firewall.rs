//! NIX-057: container ports published on every address, which Docker's NAT rules let in
//! before the NixOS firewall sees them.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_isolation::docker;

use crate::engine::Rule;
use crate::isolation::docker_state;

/// Published container ports on all addresses.
pub struct PublishedPortsBypassFirewall;

crate::host_rule!("NIX-057", PublishedPortsBypassFirewall);

impl Rule for PublishedPortsBypassFirewall {
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
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
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
