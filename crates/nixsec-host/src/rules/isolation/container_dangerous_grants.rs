//! NIX-054: a NixOS (nspawn) container with dangerous capabilities, devices or binds.
//!
//! ## What it checks
//! `--capability=`, `--bind=` in `EXTRA_NSPAWN_FLAGS` and `container@<n>.service`;
//! `DeviceAllow=`; `Capability=`/`Bind=` of `.nspawn` files.
//!
//! ## Why it matters
//! `CAP_SYS_ADMIN` or a writable bind of `/etc`, a home or the Docker socket is root on the
//! host from inside the container.
//!
//! ## Fix (NixOS)
//! Remove the capability; `bindMounts.<p>.isReadOnly = true;`.
//!
//! ## References
//! systemd-nspawn(1) `--capability`, `--bind`; systemd.resource-control(5) `DeviceAllow=`.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};
use nixsec_isolation::nspawn::{dangerous_bind, dangerous_device, DANGEROUS_CAPS};

use crate::isolation::{at_evidence, over_nspawn};

/// Containers with dangerous grants.
pub struct ContainerDangerousGrants;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &ContainerDangerousGrants;

static META: RuleMeta = RuleMeta {
    id: "NIX-054",
    title: "Container with dangerous capabilities, devices or binds",
    section: Section::Isolation,
    severity: Severity::High,
    checks: "Every NixOS declarative container's `EXTRA_NSPAWN_FLAGS` (`--capability=`, `--bind=`, `--bind-ro=`) and its `container@<n>.service` unit (`--capability=` in its commands or environment, `DeviceAllow=`), and `.nspawn` files (`Capability=`, `Bind=`, `BindReadOnly=`). Fails for the capabilities `all`, CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_RAWIO, CAP_DAC_READ_SEARCH or CAP_BPF; a writable bind of `/`, `/etc`, `/nix`, `/nix/var`, `/boot`, `/usr`, `/root`, `/home` or below them, `/dev`; any bind of `/run`, `/var/run` or a Docker, Podman, containerd or libvirt socket; a block device or `/dev/mem` allowed with write access.",
    rationale: "These grants undo the container boundary: CAP_SYS_ADMIN allows mounts and more, a writable `/home/<user>` lets the container plant code in shell start-up files, and the Docker socket starts a privileged container on the host.",
    fix: "Remove the capability or device, and make bind mounts read-only; never bind a container daemon's socket.",
    nixos: "containers.<name> = {\n  additionalCapabilities = [ ];\n  allowedDevices = [ ];\n  bindMounts.\"/data\" = { hostPath = \"/srv/data\"; isReadOnly = true; };\n};",
    references: &["systemd-nspawn(1): --capability, --bind", "systemd.resource-control(5): DeviceAllow=", "capabilities(7)", "CWE-250"],
    source: file!(),
};

impl Rule for ContainerDangerousGrants {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        over_nspawn(
            cx,
            "container(s) with dangerous capabilities, devices or binds",
            |c| {
                let mut e = Vec::new();
                for (cap, at) in &c.capabilities {
                    if DANGEROUS_CAPS.contains(&cap.as_str()) {
                        e.push(at_evidence(at, format!("{}: capability {cap}", c.name)));
                    }
                }
                for b in c.binds.iter().filter(|b| dangerous_bind(b)) {
                    e.push(at_evidence(
                        &b.at,
                        format!(
                            "{}: {} bind of {}",
                            c.name,
                            if b.read_only { "read-only" } else { "writable" },
                            b.source
                        ),
                    ));
                }
                for (dev, access, at) in &c.devices {
                    if dangerous_device(dev, access) {
                        e.push(at_evidence(
                            at,
                            format!("{}: device {dev} {access}", c.name),
                        ));
                    }
                }
                e
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::nixos_containers_root;
    use crate::testing::*;

    #[test]
    fn risky_binds_fixture_fails() {
        let o = run(&ContainerDangerousGrants, &nixos_containers_root());
        let Outcome::Fail {
            message, evidence, ..
        } = o
        else {
            panic!("{o:?}")
        };
        assert!(message.ends_with(": risky-binds"), "{message}");
        let v: Vec<&str> = evidence.iter().filter_map(|e| e.value.as_deref()).collect();
        assert_eq!(
            v,
            [
                "risky-binds: capability ALL",
                "risky-binds: writable bind of /var/run/docker.sock",
                "risky-binds: writable bind of /home/alice"
            ]
        );
    }

    #[test]
    fn read_only_binds_pass_and_unit_grants_fail() {
        let conf = "SYSTEM_PATH=/nix/store/x\nPRIVATE_NETWORK=1\nPRIVATE_USERS=pick\nEXTRA_NSPAWN_FLAGS=\" --bind-ro=/var/lib/secrets/db:/run/secrets --bind-ro=/home/alice:/mnt\"\n";
        let b = RootBuilder::new().file("/etc/nixos-containers/db.conf", conf);
        assert_eq!(run(&ContainerDangerousGrants, &b).status(), Status::Pass);
        let b = b.file(
            "/etc/systemd/system/container@db.service",
            "[Service]\nEnvironment=\"EXTRA_NSPAWN_FLAGS=--capability=CAP_SYS_ADMIN,CAP_CHOWN\"\nDeviceAllow=/dev/sda rw\n",
        );
        let o = run(&ContainerDangerousGrants, &b);
        let Outcome::Fail { evidence, .. } = o else {
            panic!("{o:?}")
        };
        assert_eq!(evidence.len(), 2, "{evidence:?}");
        assert_eq!(evidence[0].path, "/etc/systemd/system/container@db.service");
    }

    #[test]
    fn no_container_skips() {
        let b = RootBuilder::new().dir("/etc/nixos-containers", 0o755);
        assert_eq!(run(&ContainerDangerousGrants, &b).status(), Status::Skip);
    }

    #[test]
    fn include_free_garbage_errors() {
        let b = RootBuilder::new().file(
            "/etc/nixos-containers/x.conf",
            "\u{0}\u{0}garbage without assignments",
        );
        assert_eq!(run(&ContainerDangerousGrants, &b).status(), Status::Error);
    }
}
