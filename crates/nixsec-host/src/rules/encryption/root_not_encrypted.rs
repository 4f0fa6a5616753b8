//! NIX-040: the root filesystem is not on dm-crypt.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Profile, Severity};

use crate::engine::Rule;
use nixsec_readers::blockdev::{self, Protection};

/// `/` is not on a dm-crypt device.
pub struct RootNotEncrypted;

crate::host_rule!("NIX-040", RootNotEncrypted);

impl Rule for RootNotEncrypted {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mounts = crate::blockdev::mounts(cx);
        let mounts = match &*mounts {
            Err(e) => return Outcome::error(e.to_string()),
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
            Err(e) => Outcome::error(e.to_string()),
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
                let o = Outcome::fail_about(
                    "/",
                    format!(
                        "`/` ({} on `{}`) has no dm-crypt layer below it ({}){}",
                        m.fstype,
                        m.source,
                        st.describe(),
                        if server {
                            "; reported as info for a declared server (`--profile server`)"
                        } else {
                            ""
                        }
                    ),
                )
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
        assert_eq!(o.problems()[0].subject.as_deref(), Some("/"));
        // No declared role: the catalogue's severity.
        let Some(crate::testing::Failed { severity, .. }) = crate::testing::failed(&o) else {
            panic!("not a failure")
        };
        assert_eq!(severity, None);
        let cx = crate::testing::cx(&b).with_options(AuditOptions {
            profile: Some(Profile::Server),
            ..AuditOptions::default()
        });
        let Some(crate::testing::Failed { severity, .. }) =
            crate::testing::failed(&RootNotEncrypted.check(&cx))
        else {
            panic!("not a failure")
        };
        assert_eq!(severity, Some(Severity::Info));
        let cx = crate::testing::cx(&b).with_options(AuditOptions {
            profile: Some(Profile::Desktop),
            ..AuditOptions::default()
        });
        let Some(crate::testing::Failed { severity, .. }) =
            crate::testing::failed(&RootNotEncrypted.check(&cx))
        else {
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
