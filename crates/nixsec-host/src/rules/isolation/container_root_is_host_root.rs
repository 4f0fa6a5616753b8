//! NIX-053: a NixOS (nspawn) container without a user namespace.
//!
//! ## What it checks
//! `PRIVATE_USERS` and `EXTRA_NSPAWN_FLAGS` of `/etc/nixos-containers/<n>.conf`;
//! `PrivateUsers=` of `.nspawn` files.
//!
//! ## Why it matters
//! Without a user namespace, root in the container is uid 0 on the host: any escape (a kernel
//! bug, a writable bind, a capability) lands as root.
//!
//! ## Fix (NixOS)
//! `containers.<n>.privateUsers = "pick";`
//!
//! ## References
//! systemd-nspawn(1) `--private-users`.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::isolation::{at_evidence, over_nspawn};

/// Containers whose root is host root.
pub struct ContainerRootIsHostRoot;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ContainerRootIsHostRoot;

static META: RuleMeta = RuleMeta {
    id: "NIX-053",
    title: "Container root is host root",
    section: Section::Isolation,
    severity: Severity::Medium,
    checks: "Every NixOS declarative container (`/etc/nixos-containers/<n>.conf`, `/etc/containers/<n>.conf` before 22.05): fails when `PRIVATE_USERS` is `no` or unset (the NixOS default) and `EXTRA_NSPAWN_FLAGS` has no `--private-users`/`-U`. `.nspawn` files fail with `PrivateUsers=no` (`systemd-nspawn@.service` uses `-U` otherwise).",
    rationale: "systemd-nspawn without a user namespace runs the container's root as the host's uid 0 with a reduced capability set; a single escape (kernel bug, writable bind, added capability) is full root on the host.",
    fix: "Run the container in a user namespace; give bind-mounted data the container's uid range (`idmap` binds) where needed.",
    nixos: "containers.<name>.privateUsers = \"pick\";",
    references: &["systemd-nspawn(1): --private-users", "CWE-250"],
    source: file!(),
};

impl Rule for ContainerRootIsHostRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        over_nspawn(cx, "container(s) whose root is host uid 0", |c| {
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
        let Outcome::Fail {
            message, evidence, ..
        } = o
        else {
            panic!("{o:?}")
        };
        assert!(
            message.ends_with("risky-binds, shared-net-root"),
            "{message}"
        );
        assert_eq!(evidence[0].line, Some(5));
        assert_eq!(
            evidence[0].value.as_deref(),
            Some("risky-binds: PRIVATE_USERS=no")
        );
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
