//! NIX-052: a NixOS (nspawn) container that shares the host's network namespace.
//!
//! ## What it checks
//! `PRIVATE_NETWORK` in `/etc/nixos-containers/<n>.conf` (and `/etc/containers/` for older
//! releases); `[Network]` of `.nspawn` files.
//!
//! ## Why it matters
//! Without a private network the container binds host ports and sees every host interface.
//!
//! ## Fix (NixOS)
//! `containers.<n>.privateNetwork = true;` with `hostAddress`/`localAddress`.
//!
//! ## References
//! systemd-nspawn(1) `--private-network`, NixOS manual "Container Networking".

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::isolation::{at_evidence, over_nspawn};

/// Containers in the host network namespace.
pub struct ContainerHostNetwork;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ContainerHostNetwork;

static META: RuleMeta = RuleMeta {
    id: "NIX-052",
    title: "Container shares the host network",
    section: Section::Isolation,
    severity: Severity::Medium,
    checks: "Every NixOS declarative container: `/etc/nixos-containers/<n>.conf` (`/etc/containers/<n>.conf` before NixOS 22.05), the environment file of `container@<n>.service`. Fails when `PRIVATE_NETWORK=1` is absent and neither `NETWORK_NAMESPACE_PATH` nor a `--private-network`/`--network-*` flag in `EXTRA_NSPAWN_FLAGS` gives it a network of its own. Also `.nspawn` files in `/etc/systemd/nspawn`, `/run/systemd/nspawn` and `/var/lib/machines` that turn off `VirtualEthernet=` without `Private=`, `Zone=`, `Bridge=` or an interface.",
    rationale: "A container in the host's network namespace can bind any host port, reach services bound to the host's loopback, and see and sniff every interface; a compromise of the container is a compromise of the host's network position.",
    fix: "Give the container a private network with a veth pair.",
    nixos: "containers.<name> = {\n  privateNetwork = true;\n  hostAddress = \"10.233.0.1\";\n  localAddress = \"10.233.0.2\";\n};",
    references: &["systemd-nspawn(1): --private-network", "NixOS manual: Containers", "CWE-653"],
    source: file!(),
};

impl Rule for ContainerHostNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
        let Outcome::Fail {
            message, evidence, ..
        } = o
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
