//! NIX-054: a NixOS (nspawn) container with dangerous capabilities, devices or binds.

use crate::cx::HostCx;
use nixsec_core::Outcome;
use nixsec_isolation::nspawn::{dangerous_bind, dangerous_device, DANGEROUS_CAPS};

use crate::engine::Rule;
use crate::isolation::{at_evidence, over_nspawn};

/// Containers with dangerous grants.
pub struct ContainerDangerousGrants;

crate::host_rule!("NIX-054", ContainerDangerousGrants);

impl Rule for ContainerDangerousGrants {
    fn check(&self, cx: &HostCx) -> Outcome {
        over_nspawn(cx, "has dangerous capabilities, devices or binds", |c| {
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
        })
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
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("risky-binds"));
        assert_eq!(
            p[0].message,
            "container `risky-binds` has dangerous capabilities, devices or binds"
        );
        let v: Vec<&str> = p[0]
            .evidence
            .iter()
            .filter_map(|e| e.value.as_deref())
            .collect();
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
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
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
