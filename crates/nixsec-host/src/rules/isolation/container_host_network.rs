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
        over_nspawn(cx, "container(s) in the host network namespace", |c| {
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
        let Some(crate::testing::Failed {
            message, evidence, ..
        }) = crate::testing::failed(&o)
        else {
            panic!("{o:?}")
        };
        // shared-net-root and risky-binds have no PRIVATE_NETWORK; private-net-userns has it.
        assert!(
            message.ends_with("risky-binds, shared-net-root"),
            "{message}"
        );
        assert_eq!(evidence[0].path, "/etc/nixos-containers/risky-binds.conf");
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
