//! NIX-042: other persistent filesystems (`/home`, `/var`, `/srv`, data disks) are plain.
//!
//! ## What it checks
//! Every mount of a local disk filesystem (ext2/3/4, xfs, btrfs, f2fs, jfs, reiserfs, nilfs2,
//! zfs, bcachefs, vfat/exfat/ntfs) other than `/` (NIX-040) and the boot/ESP mounts (`/boot`,
//! `/efi`, `/boot/efi`; see NIX-044), on a device other than the root's, followed down the
//! device-mapper stack as in NIX-040. Bind mounts of an already checked device are skipped.
//!
//! ## Why it matters
//! User homes, service state under `/var/lib`, databases and backups on a plain disk are readable
//! by whoever holds the disk, even when `/` is encrypted.
//!
//! ## Fix (NixOS)
//! Add a LUKS device for it: `boot.initrd.luks.devices.<name>.device = ...;` (or an
//! `environment.etc.crypttab` entry for non-boot volumes) and mount `/dev/mapper/<name>`.
//!
//! ## References
//! lynis CRYP-7930 (partial); crypttab(5).

use std::collections::BTreeSet;

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::blockdev::{self, Protection};

/// A persistent data filesystem without dm-crypt.
pub struct DataNotEncrypted;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &DataNotEncrypted;

static META: RuleMeta = RuleMeta {
    id: "NIX-042",
    title: "Other persistent filesystems not encrypted",
    section: Section::Encryption,
    severity: Severity::Medium,
    checks: "Every mounted local disk filesystem (ext4, xfs, btrfs, f2fs, zfs, bcachefs, vfat, ...) other than `/` and the boot/ESP mounts, on a device other than the root's: its block device and device-mapper stack (/sys/block/dm-N/dm/uuid, slaves/). Fails when one has no dm-crypt layer below it. Bind mounts of a checked device are skipped; removable media are not told apart.",
    rationale: "Home directories, service state in /var/lib, databases and backups on a plain disk can be read by anyone holding the disk, even when the root filesystem is encrypted.",
    fix: "Move the data onto a LUKS volume (or encrypt the partition offline with `cryptsetup reencrypt --encrypt`) and mount the mapper device.",
    nixos: "boot.initrd.luks.devices.cryptdata.device = \"/dev/disk/by-uuid/...\";\nfileSystems.\"/srv\".device = \"/dev/mapper/cryptdata\";",
    references: &["lynis CRYP-7930 (partial)", "crypttab(5)", "NixOS option boot.initrd.luks.devices"],
    source: file!(),
};

const BOOT_MOUNTS: [&str; 3] = ["/boot", "/efi", "/boot/efi"];

impl Rule for DataNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let mounts = blockdev::mounts(cx);
        let mounts = match &*mounts {
            Err(e) => return Outcome::error(e.clone()),
            Ok(None) => return Outcome::skip("no /proc/self/mountinfo or /proc/mounts under the root (an offline root): mounts cannot be read"),
            Ok(Some(m)) => m,
        };
        let root_dev = mounts.at("/").map(|m| (m.dev.clone(), m.source.clone()));
        let mut seen: BTreeSet<(Option<String>, String)> = BTreeSet::new();
        if let Some(r) = &root_dev {
            seen.insert(r.clone());
        }
        let (mut plain, mut ok, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        for m in &mounts.list {
            if m.mount_point == "/"
                || BOOT_MOUNTS.contains(&m.mount_point.as_str())
                || !blockdev::is_persistent_local(&m.fstype)
            {
                continue;
            }
            // One verdict per device: bind mounts, btrfs subvolumes and the root's own device
            // (NIX-040) are not repeated.
            let key = (m.dev.clone(), m.source.clone());
            let same_dev = seen
                .iter()
                .any(|(d, s)| (d.is_some() && *d == m.dev) || *s == m.source);
            if same_dev {
                continue;
            }
            seen.insert(key);
            match blockdev::protection(cx.root(), m) {
                Ok(Protection::Encrypted(st)) => {
                    ok.push(format!("{} ({})", m.mount_point, st.describe()))
                }
                Ok(Protection::Plain(st)) => plain.push(format!(
                    "{} ({} on {})",
                    m.mount_point,
                    m.fstype,
                    st.describe()
                )),
                Ok(Protection::NotPersistent) => {}
                Ok(Protection::Unknown(why)) => errors.push(format!("{}: {why}", m.mount_point)),
                Err(e) => errors.push(e),
            }
        }
        let ev = Evidence::path(&mounts.path);
        if !plain.is_empty() {
            let mut msg = format!(
                "persistent filesystems without dm-crypt: {}",
                plain.join("; ")
            );
            if !errors.is_empty() {
                msg.push_str(&format!(" (not checked: {})", errors.join("; ")));
            }
            return Outcome::fail(msg).with_evidence([ev]);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; ")).with_evidence([ev]);
        }
        if ok.is_empty() {
            return Outcome::pass("no persistent filesystem besides `/` and the boot partition")
                .with_evidence([ev]);
        }
        Outcome::pass(format!(
            "every other persistent filesystem is on dm-crypt: {}",
            ok.join("; ")
        ))
        .with_evidence([ev])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encryption::fixtures::*;
    use crate::testing::*;

    #[test]
    fn plain_srv_fails_lvm_home_is_fine() {
        let o = run(&DataNotEncrypted, &luks_host());
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert_eq!(
            message(&o),
            "persistent filesystems without dm-crypt: /srv (ext4 on sda1)"
        );
    }

    #[test]
    fn encrypted_data_passes() {
        let b = luks_host().file("/proc/mounts", "/dev/mapper/cryptroot / ext4 rw 0 0\n/dev/nvme0n1p1 /boot vfat rw 0 0\n/dev/mapper/vg0-home /home ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/mapper/cryptroot /nix/store ext4 ro 0 0\n");
        let o = run(&DataNotEncrypted, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("/home (dm-2 (LVM-"), "{}", message(&o));
    }

    #[test]
    fn plain_home_fails_root_device_not_repeated() {
        let o = run(&DataNotEncrypted, &plain_host());
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("/home (xfs on nvme0n1p4)"),
            "{}",
            message(&o)
        );
        assert!(!message(&o).contains("/boot"), "{}", message(&o));
    }

    #[test]
    fn skip_and_errors() {
        assert_eq!(
            run(&DataNotEncrypted, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file(
            "/proc/mounts",
            "/dev/sda1 / ext4 rw 0 0\ntank/data /data zfs rw 0 0\n",
        );
        let o = run(&DataNotEncrypted, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("/data"), "{}", message(&o));
        let b = RootBuilder::new().file("/proc/self/mountinfo", "1 2 3\n");
        assert_eq!(run(&DataNotEncrypted, &b).status(), Status::Error);
    }
}
