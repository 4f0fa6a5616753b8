//! NIX-053: a NixOS (nspawn) container without a user namespace.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::isolation::{at_evidence, over_nspawn};

/// Containers whose root is host root.
pub struct ContainerRootIsHostRoot;

crate::host_rule!("NIX-053", ContainerRootIsHostRoot);

impl Rule for ContainerRootIsHostRoot {
    fn check(&self, cx: &HostCx) -> Outcome {
        over_nspawn(cx, "has no user namespace: its root is host uid 0", |c| {
            c.host_root
                .iter()
                .map(|at| at_evidence(at, format!("{}: {}", c.name, at.text)))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::nixos_containers_root;
    use crate::testing::*;

    #[test]
    fn fixture_containers() {
        let o = run(&ContainerRootIsHostRoot, &nixos_containers_root());
        let p = o.problems();
        let subjects: Vec<_> = p.iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [Some("risky-binds"), Some("shared-net-root")],
            "{o:?}"
        );
        assert_eq!(
            p[0].message,
            "container `risky-binds` has no user namespace: its root is host uid 0"
        );
        assert_eq!(p[0].evidence[0].line, Some(5));
        assert_eq!(
            p[0].evidence[0].value.as_deref(),
            Some("risky-binds: PRIVATE_USERS=no")
        );
        assert_eq!(p[1].evidence[0].line, Some(6));
    }

    #[test]
    fn private_users_flag_passes() {
        let b = RootBuilder::new().file("/etc/nixos-containers/a.conf", "SYSTEM_PATH=/nix/store/x\nPRIVATE_NETWORK=1\nEXTRA_NSPAWN_FLAGS=\"--private-users=pick\"\n");
        assert_eq!(run(&ContainerRootIsHostRoot, &b).status(), Status::Pass);
        assert_eq!(
            run(&ContainerRootIsHostRoot, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn invalid_nspawn_file_is_an_error() {
        let b = RootBuilder::new().file("/etc/systemd/nspawn/m.nspawn", "[Exec\nPrivateUsers=no\n");
        assert_eq!(run(&ContainerRootIsHostRoot, &b).status(), Status::Error);
    }
}
