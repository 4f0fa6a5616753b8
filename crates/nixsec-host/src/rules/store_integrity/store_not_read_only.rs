//! NIX-024: the store is not a read-only, nosuid, nodev bind mount (NixOS).

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};

/// `/nix/store` is writable through its mount, or allows setuid or device files.
pub struct StoreNotReadOnly;

crate::host_rule!("NIX-024", StoreNotReadOnly);

impl Rule for StoreNotReadOnly {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: the read-only store mount is a NixOS feature (`boot.readOnlyNixStore`)");
        }
        let mounts =
            match nixsec_readers::kernel::mounts(cx.root()) {
                Ok(Some(m)) => m,
                Ok(None) => return Outcome::skip(
                    "no `/proc` under this root: mounts can only be checked on the running system",
                ),
                Err(e) => return Outcome::error(e.to_string()),
            };
        let Some(m) = nixsec_readers::kernel::mount_at(&mounts, "/nix/store") else {
            return Outcome::fail_about(
                "/nix/store",
                "`/nix/store` is not a mount of its own: it is writable wherever its filesystem is",
            )
            .with_evidence([Evidence::value(
                "/proc/self/mountinfo",
                "no /nix/store mount",
            )]);
        };
        let (line, opts) = (m.line, m.options.join(","));
        let has = |o: &str| opts.split(',').any(|x| x == o);
        let missing: Vec<&str> = ["ro", "nosuid", "nodev"]
            .into_iter()
            .filter(|o| !has(o))
            .collect();
        let ev = Evidence::line("/proc/self/mountinfo", line, format!("/nix/store {opts}"));
        if missing.is_empty() {
            Outcome::pass("`/nix/store` is mounted ro,nosuid,nodev").with_evidence([ev])
        } else {
            // One mount, fixed by one option (`boot.readOnlyNixStore`): one problem.
            Outcome::fail_about(
                "/nix/store",
                format!("`/nix/store` is mounted without {}", missing.join(", ")),
            )
            .with_evidence([ev])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const NIXOS_LINE: &str = "27 1 259:2 /nix/store /nix/store ro,nosuid,nodev,relatime shared:2 - ext4 /dev/nvme0n1p2 rw";

    fn nixos(mountinfo: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file("/proc/self/mountinfo", mountinfo)
    }

    #[test]
    fn skipped_off_nixos_and_without_proc() {
        let o = run(
            &StoreNotReadOnly,
            &RootBuilder::new().file("/proc/self/mountinfo", NIXOS_LINE),
        );
        assert_eq!(o.status(), Status::Skip);
        assert!(message(&o).contains("not a NixOS system"));
        assert_eq!(
            run(
                &StoreNotReadOnly,
                &RootBuilder::new().file("/etc/NIXOS", "")
            )
            .status(),
            Status::Skip
        );
    }

    #[test]
    fn read_only_bind_mount_passes() {
        let text =
            format!("22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n{NIXOS_LINE}\n");
        assert_eq!(run(&StoreNotReadOnly, &nixos(&text)).status(), Status::Pass);
    }

    #[test]
    fn writable_or_missing_mount_fails() {
        let o = run(
            &StoreNotReadOnly,
            &nixos("27 1 259:2 /nix/store /nix/store rw,relatime shared:2 - ext4 /dev/x rw\n"),
        );
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            message(&o),
            "`/nix/store` is mounted without ro, nosuid, nodev"
        );
        assert_eq!(o.problems()[0].subject.as_deref(), Some("/nix/store"));
        let o = run(
            &StoreNotReadOnly,
            &nixos("22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/x rw\n"),
        );
        assert_eq!(o.status(), Status::Fail);
        // The last (topmost) mount decides.
        let o = run(&StoreNotReadOnly, &nixos(&format!("{NIXOS_LINE}\n28 27 259:2 /nix/store /nix/store rw,nosuid,nodev - ext4 /dev/x rw\n")));
        assert_eq!(message(&o), "`/nix/store` is mounted without ro");
    }

    #[test]
    fn escapes_and_garbage() {
        // Octal escapes in the mount point are undone (`\157` is `o`).
        let o = run(
            &StoreNotReadOnly,
            &nixos("27 1 259:2 /nix/store /nix/st\\157re ro,nosuid,nodev - ext4 /dev/x rw\n"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // Nothing that parses: the check could not run.
        let o = run(&StoreNotReadOnly, &nixos("\u{0}\u{1}junk\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
