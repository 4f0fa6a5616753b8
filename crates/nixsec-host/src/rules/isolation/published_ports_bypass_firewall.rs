//! NIX-057: container ports published on every address, which Docker's NAT rules let in
//! before the NixOS firewall sees them.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};
use nixsec_isolation::docker;

use crate::engine::Rule;
use crate::isolation::{docker_state, merged, unread};

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
        let mut problems = Vec::new();
        for c in cs.containers.iter().filter(|c| c.rootless_user.is_none()) {
            for p in docker::published_on_all(c, ip) {
                let host_ip = if p.host_ip.is_empty() {
                    "0.0.0.0"
                } else {
                    p.host_ip.as_str()
                };
                let name = escape(&c.name);
                let proto = p
                    .container_port
                    .rsplit_once('/')
                    .map_or("tcp", |(_, proto)| proto);
                // Several addresses of one host port are one problem; a port Docker picks at
                // random is the container's.
                let subject = if p.host_port.is_empty() {
                    format!("{name} {}", p.container_port)
                } else {
                    format!("{proto}/{}", p.host_port)
                };
                problems.push(
                    Problem::about(
                        escape(&subject).as_ref(),
                        format!(
                            "container `{name}` publishes `{}` on every address (`{}`), past nixos-fw",
                            escape(&p.container_port),
                            escape(&format!("{host_ip}:{}", p.host_port))
                        ),
                    )
                    .with_evidence([Evidence::value(
                        format!("{}/hostconfig.json", c.dir),
                        format!(
                            "{}: {host_ip}:{} -> {}",
                            c.name, p.host_port, p.container_port
                        ),
                    )]),
                );
            }
        }
        let mut problems = merged(problems);
        if !problems.is_empty() && d.daemon.settings.iptables == Some(false) {
            return Outcome::pass(format!("{} port(s) published on all addresses, but the daemon runs with `iptables: false`: the host firewall filters them", problems.len()))
                .with_evidence(problems.into_iter().flat_map(|p| p.evidence));
        }
        if !problems.is_empty() {
            problems.extend(cs.errors.iter().map(|e| unread(e)));
            return Outcome::Fail { problems };
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
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("tcp/8080"));
        assert_eq!(
            p[0].message,
            "container `web-default` publishes `80/tcp` on every address (`0.0.0.0:8080`), past nixos-fw"
        );
        assert_eq!(p[0].evidence.len(), 1);
        assert_eq!(
            p[0].evidence[0].value.as_deref(),
            Some("web-default: 0.0.0.0:8080 -> 80/tcp")
        );
    }

    #[test]
    fn unreadable_container_is_its_own_problem_next_to_a_port() {
        let b = docker_root("{}").file(
            &format!(
                "/var/lib/docker/containers/{}/hostconfig.json",
                "b".repeat(64)
            ),
            "{\"PortBindings\": ",
        );
        let o = run(&PublishedPortsBypassFirewall, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        let path = format!(
            "/var/lib/docker/containers/{}/hostconfig.json",
            "b".repeat(64)
        );
        assert_eq!(p[1].subject.as_deref(), Some(path.as_str()));
        assert!(p[1].message.ends_with("; not checked"), "{}", p[1].message);
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
