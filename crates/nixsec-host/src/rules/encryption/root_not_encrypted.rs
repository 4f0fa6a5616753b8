//! NIX-040: the root filesystem is not on dm-crypt.
//!
//! ## What it checks
//! The mount at `/` from `/proc/self/mountinfo` (or `/proc/mounts`), its block device
//! (`/sys/dev/block/MAJ:MIN/uevent`, or the `/dev/mapper/NAME` source), and the device-mapper
//! stack below it (`/sys/block/dm-N/dm/uuid`, `slaves/`, recursively: LVM on LUKS). Fails when no
//! `CRYPT-*` mapping is below `/`. A `tmpfs` root (impermanence) passes; ZFS/bcachefs roots
//! without dm-crypt are an error (native encryption is not visible in /proc or /sys). The
//! catalogue makes the finding info "on the server role if declared": with `--profile server`
//! the failure is info; undeclared or `--profile desktop`, it keeps its high severity.
//!
//! ## Why it matters
//! A stolen or discarded disk, or a cloud snapshot, gives away every file on a plain root:
//! `/etc/shadow`, SSH host keys, `/var/lib` service data, the Nix store's secrets.
//!
//! ## Fix (NixOS)
//! `boot.initrd.luks.devices.cryptroot.device = "/dev/disk/by-uuid/...";` with `/` on
//! `/dev/mapper/cryptroot` (reinstall or `cryptsetup reencrypt --encrypt`).
//!
//! ## References
//! lynis CRYP-7930; cryptsetup(8); NixOS manual "LUKS-Encrypted File Systems".

use linkme::distributed_slice;
use nixsec_core::{
    Evidence, HostCx, Outcome, Profile, Rule, RuleMeta, Section, Severity, HOST_RULES,
};

use crate::blockdev::{self, Protection};

/// `/` is not on a dm-crypt device.
pub struct RootNotEncrypted;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &RootNotEncrypted;

static META: RuleMeta = RuleMeta {
    id: "NIX-040",
    title: "Root filesystem not encrypted",
    section: Section::Encryption,
    severity: Severity::High,
    checks: "The device chain of `/`: the mount from /proc/self/mountinfo (or /proc/mounts), its block device, and the device-mapper stack below it (/sys/block/dm-N/dm/uuid `CRYPT-LUKS1-`/`CRYPT-LUKS2-`/`CRYPT-PLAIN-`, and slaves/ recursively for LVM on LUKS). Fails when no dm-crypt layer is below `/`. A tmpfs root passes. For a declared server (`--profile server`) a failure is reported as info (servers in a locked data centre often boot unattended); for `--profile desktop` it is high.",
    rationale: "A stolen, returned or discarded disk, or a copied VM image, gives away everything on a plain root filesystem: /etc/shadow hashes, SSH host keys, service data under /var/lib, and secrets in the Nix store.",
    fix: "Put `/` on a LUKS device opened in the initrd (reinstall, or `cryptsetup reencrypt --encrypt` offline).",
    nixos: "boot.initrd.luks.devices.cryptroot.device = \"/dev/disk/by-uuid/...\";\nfileSystems.\"/\".device = \"/dev/mapper/cryptroot\";",
    references: &["lynis CRYP-7930", "cryptsetup(8)", "NixOS option boot.initrd.luks.devices"],
    source: file!(),
};

impl Rule for RootNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let mounts = blockdev::mounts(cx);
        let mounts = match &*mounts {
            Err(e) => return Outcome::error(e.clone()),
            Ok(None) => return Outcome::skip("no /proc/self/mountinfo or /proc/mounts under the root (an offline root): the device stack of `/` cannot be read"),
            Ok(Some(m)) => m,
        };
        let Some(m) = mounts.at("/") else {
            return Outcome::error(format!("`{}` lists no mount at `/`", mounts.path));
        };
        let seen = Evidence::value(&mounts.path, format!("/ {} {}", m.fstype, m.source));
        match m.fstype.as_str() {
            "tmpfs" | "ramfs" => {
                return Outcome::pass(format!("`/` is {}: nothing persists on it (impermanence); check the persistent mounts (NIX-042)", m.fstype)).with_evidence([seen]);
            }
            "overlay" | "aufs" | "nfs" | "nfs4" | "9p" | "virtiofs" | "cifs" | "fuse" => {
                return Outcome::skip(format!("`/` is {} from `{}`: a container, live or network root; encryption is up to the host that holds the data", m.fstype, m.source));
            }
            _ => {}
        }
        match blockdev::protection(cx.root(), m) {
            Err(e) => Outcome::error(e),
            Ok(Protection::Unknown(why)) => {
                Outcome::error(format!("`/`: {why}")).with_evidence([seen])
            }
            Ok(Protection::NotPersistent) => {
                Outcome::skip(format!("`/` is {}, not a local disk filesystem", m.fstype))
            }
            Ok(Protection::Encrypted(st)) => {
                let c = &st.crypt[0];
                Outcome::pass(format!(
                    "`/` is on dm-crypt {} `{}` ({})",
                    c.kind,
                    c.mapper,
                    st.describe()
                ))
                .with_evidence([
                    seen,
                    Evidence::value(
                        format!("/sys/block/{}/dm/uuid", c.dm),
                        format!("CRYPT-{}", c.kind),
                    ),
                ])
            }
            Ok(Protection::Plain(st)) => {
                let server = cx.options().profile == Some(Profile::Server);
                let o = Outcome::fail(format!(
                    "`/` ({} on `{}`) has no dm-crypt layer below it ({}){}",
                    m.fstype,
                    m.source,
                    st.describe(),
                    if server {
                        "; reported as info for a declared server (`--profile server`)"
                    } else {
                        ""
                    }
                ))
                .with_evidence([seen]);
                if server {
                    o.with_severity(Severity::Info)
                } else {
                    o
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encryption::fixtures::*;
    use crate::testing::*;
    use nixsec_core::{AuditOptions, Severity};

    #[test]
    fn luks_root_passes() {
        let o = run(&RootNotEncrypted, &luks_host());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("LUKS2 `cryptroot`"), "{}", message(&o));
    }

    #[test]
    fn lvm_on_luks_root_passes() {
        let b = luks_host().file("/proc/mounts", "/dev/mapper/vg0-home / ext4 rw 0 0\n");
        let o = run(&RootNotEncrypted, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("dm-2"), "{}", message(&o));
    }

    #[test]
    fn plain_root_fails_and_server_profile_makes_it_info() {
        let b = plain_host();
        let o = run(&RootNotEncrypted, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("nvme0n1p2"), "{}", message(&o));
        // No declared role: the catalogue's severity.
        let Outcome::Fail { severity, .. } = o else {
            panic!("not a failure")
        };
        assert_eq!(severity, None);
        let cx = b.cx().with_options(AuditOptions {
            profile: Some(Profile::Server),
            ..AuditOptions::default()
        });
        let Outcome::Fail { severity, .. } = RootNotEncrypted.check(&cx) else {
            panic!("not a failure")
        };
        assert_eq!(severity, Some(Severity::Info));
        let cx = b.cx().with_options(AuditOptions {
            profile: Some(Profile::Desktop),
            ..AuditOptions::default()
        });
        let Outcome::Fail { severity, .. } = RootNotEncrypted.check(&cx) else {
            panic!("not a failure")
        };
        assert_eq!(severity, None);
    }

    #[test]
    fn tmpfs_root_passes_offline_root_skips() {
        let b = RootBuilder::new().file("/proc/mounts", "tmpfs / tmpfs rw 0 0\n");
        assert_eq!(run(&RootNotEncrypted, &b).status(), Status::Pass);
        assert_eq!(
            run(&RootNotEncrypted, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn broken_input_is_an_error() {
        let b = RootBuilder::new().file("/proc/self/mountinfo", "garbage\n");
        let o = run(&RootNotEncrypted, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(
            message(&o).contains("/proc/self/mountinfo"),
            "{}",
            message(&o)
        );
        let b = RootBuilder::new().file("/proc/mounts", "rpool/root / zfs rw 0 0\n");
        let o = run(&RootNotEncrypted, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("zfs"), "{}", message(&o));
        let b = RootBuilder::new().file("/proc/mounts", "/dev/sda1 /home ext4 rw 0 0\n");
        assert_eq!(run(&RootNotEncrypted, &b).status(), Status::Error);
    }
}
