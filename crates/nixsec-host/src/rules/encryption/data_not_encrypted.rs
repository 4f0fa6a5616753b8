//! NIX-042: other persistent filesystems (`/home`, `/var`, `/srv`, data disks) are plain.

use std::collections::BTreeSet;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use nixsec_readers::blockdev::{self, Protection};

/// A persistent data filesystem without dm-crypt.
pub struct DataNotEncrypted;

crate::host_rule!("NIX-042", DataNotEncrypted);

const BOOT_MOUNTS: [&str; 3] = ["/boot", "/efi", "/boot/efi"];

impl Rule for DataNotEncrypted {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mounts = crate::blockdev::mounts(cx);
        let mounts = match &*mounts {
            Err(e) => return Outcome::error(e.to_string()),
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
            let ev = Evidence::value(
                &mounts.path,
                format!("{} {} {}", m.mount_point, m.fstype, m.source),
            );
            let mp = nixsec_core::escape(&m.mount_point).into_owned();
            match blockdev::protection(cx.root(), m) {
                Ok(Protection::Encrypted(st)) => {
                    ok.push(format!("{} ({})", m.mount_point, st.describe()))
                }
                Ok(Protection::Plain(st)) => plain.push(
                    Problem::about(
                        m.mount_point.clone(),
                        format!(
                            "`{mp}` ({} on `{}`) has no dm-crypt layer below it ({})",
                            m.fstype,
                            nixsec_core::escape(&m.source),
                            st.describe()
                        ),
                    )
                    .with_evidence([ev]),
                ),
                Ok(Protection::NotPersistent) => {}
                Ok(Protection::Unknown(why)) => errors.push((m.mount_point.clone(), why, ev)),
                Err(e) => errors.push((m.mount_point.clone(), e.to_string(), ev)),
            }
        }
        let ev = Evidence::path(&mounts.path);
        if !plain.is_empty() {
            // One problem per filesystem; one that could not be checked is a problem too.
            let mut problems = plain;
            problems.extend(errors.into_iter().map(|(mp, why, ev)| {
                Problem::about(
                    mp.clone(),
                    format!("`{}` could not be checked: {why}", nixsec_core::escape(&mp)),
                )
                .with_evidence([ev])
            }));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            let why: Vec<String> = errors
                .into_iter()
                .map(|(mp, why, _)| format!("{mp}: {why}"))
                .collect();
            return Outcome::error(why.join("; ")).with_evidence([ev]);
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
            "`/srv` (ext4 on `/dev/sda1`) has no dm-crypt layer below it (sda1)"
        );
        assert_eq!(o.problems()[0].subject.as_deref(), Some("/srv"));
        assert!(o.problems()[0].severity.is_none());
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
            message(&o).contains(
                "`/home` (xfs on `/dev/nvme0n1p4`) has no dm-crypt layer below it (nvme0n1p4)"
            ),
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
        // Next to a plain filesystem, the one that could not be checked is a problem too.
        let b = RootBuilder::new().file(
            "/proc/mounts",
            "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /home ext4 rw 0 0\ntank/data /data zfs rw 0 0\n",
        );
        let o = run(&DataNotEncrypted, &b);
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        assert_eq!(subjects, ["/home", "/data"], "{o:?}");
        assert!(
            o.problems()[1]
                .message
                .starts_with("`/data` could not be checked: "),
            "{}",
            o.problems()[1].message
        );
    }
}
