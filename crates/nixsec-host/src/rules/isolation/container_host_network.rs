//! NIX-052: a NixOS (nspawn) container that shares the host's network namespace.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::isolation::{at_evidence, over_nspawn};

/// Containers in the host network namespace.
pub struct ContainerHostNetwork;

crate::host_rule!("NIX-052", ContainerHostNetwork);

impl Rule for ContainerHostNetwork {
    fn check(&self, cx: &HostCx) -> Outcome {
        over_nspawn(cx, "shares the host's network namespace", |c| {
            c.host_network
                .iter()
                .map(|at| {
                    at_evidence(
                        at,
                        format!(
                            "{}: {}",
                            c.name,
                            if at.text.is_empty() {
                                "no private network"
                            } else {
                                &at.text
                            }
                        ),
                    )
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::{dir, nixos_containers_root};
    use crate::testing::*;

    #[test]
    fn fixture_containers() {
        let o = run(&ContainerHostNetwork, &nixos_containers_root());
        let p = o.problems();
        // risky-binds and shared-net-root set no PRIVATE_NETWORK; private-net-userns has it.
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [Some("risky-binds"), Some("shared-net-root")],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "container `risky-binds` shares the host's network namespace"
        );
        assert_eq!(
            p[0].evidence[0].path,
            "/etc/nixos-containers/risky-binds.conf"
        );
        assert_eq!(p[0].severity, None);
        assert_eq!(p[1].evidence.len(), 1);
        assert_eq!(
            p[1].evidence[0].path,
            "/etc/nixos-containers/shared-net-root.conf"
        );
    }

    #[test]
    fn unreadable_file_is_its_own_problem_next_to_a_failure() {
        let b = nixos_containers_root().file("/etc/nixos-containers/bin.conf", b"\xff\xfe\x00");
        let o = run(&ContainerHostNetwork, &b);
        let p = o.problems();
        assert_eq!(p.len(), 3, "{o:?}");
        assert_eq!(
            p[2].subject.as_deref(),
            Some("/etc/nixos-containers/bin.conf")
        );
        assert!(
            p[2].message
                .starts_with("`/etc/nixos-containers/bin.conf` could not be read: ")
                && p[2].message.ends_with("; not checked"),
            "{}",
            p[2].message
        );
    }

    #[test]
    fn private_network_passes_no_containers_skip() {
        let b = RootBuilder::new().tree(
            "/etc/nixos-containers/private-net-userns.conf",
            &dir("containers/nixos-containers/private-net-userns.conf"),
        );
        assert_eq!(run(&ContainerHostNetwork, &b).status(), Status::Pass);
        // Podman's files in /etc/containers are not NixOS containers.
        let b = RootBuilder::new().file(
            "/etc/containers/containers.conf",
            "[containers]\nnetns = \"host\"\n",
        );
        assert_eq!(run(&ContainerHostNetwork, &b).status(), Status::Skip);
    }

    #[test]
    fn garbage_conf_is_an_error() {
        let b = RootBuilder::new().file(
            "/etc/nixos-containers/bad.conf",
            "{\"PRIVATE_NETWORK\": 1}\n",
        );
        let o = run(&ContainerHostNetwork, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("/etc/nixos-containers/bad.conf"));
        let b = RootBuilder::new().file("/etc/nixos-containers/bin.conf", b"\xff\xfe\x00");
        assert_eq!(run(&ContainerHostNetwork, &b).status(), Status::Error);
    }
}
