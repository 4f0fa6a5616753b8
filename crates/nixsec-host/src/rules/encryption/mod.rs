//! Encryption (catalogue section 5, NIX-040..044).

automod::dir!(pub "src/rules/encryption");

#[cfg(test)]
pub(crate) mod fixtures {
    //! Fixture roots for the encryption rules: the modelled host state of
    //! `tests/fixtures/luks-live` (cryptroot LUKS2 on nvme0n1p2, LVM `vg0-home` on it, a plain
    //! `/srv` on sda1, random-key swap dm-1) and the real headers of nixsec-luks' fixtures.
    use std::path::{Path, PathBuf};

    use nixsec_testutil::RootBuilder;

    pub fn live(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/luks-live")
            .join(name)
    }

    pub fn header(name: &str) -> Vec<u8> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../nixsec-luks/tests/fixtures")
            .join(name);
        std::fs::read(p).expect("header fixture")
    }

    fn text(name: &str) -> String {
        std::fs::read_to_string(live(name)).expect("fixture")
    }

    /// The modelled LUKS host: mounts, dm stack, crypttab, encrypted swap, and the LUKS2 header
    /// whose UUID the dm uuid names (`luks2-aes-cbc-plain-128`) on `/dev/nvme0n1p2`.
    pub fn luks_host() -> RootBuilder {
        let mut b = RootBuilder::new()
            .file("/proc/mounts", text("proc-mounts.txt"))
            .file("/proc/swaps", text("proc-swaps.encrypted.txt"))
            .file("/etc/crypttab", text("etc-crypttab"))
            .file("/dev/nvme0n1p2", header("luks2-aes-cbc-plain-128.hdr32k"));
        for dm in ["dm-0", "dm-1", "dm-2"] {
            for f in ["dm/name", "dm/uuid"] {
                b = b.file(
                    &format!("/sys/block/{dm}/{f}"),
                    text(&format!("sys/block/{dm}/{f}")),
                );
            }
        }
        b.file("/sys/block/dm-0/slaves/nvme0n1p2", "")
            .file("/sys/block/dm-1/slaves/nvme0n1p3", "")
            .file("/sys/block/dm-2/slaves/dm-0", "")
    }

    /// A host with everything on plain partitions.
    pub fn plain_host() -> RootBuilder {
        RootBuilder::new()
            .file(
                "/proc/self/mountinfo",
                "27 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n28 27 259:1 / /boot rw - vfat /dev/nvme0n1p1 rw\n29 27 259:3 / /home rw - xfs /dev/nvme0n1p4 rw\n30 27 0:25 / /tmp rw - tmpfs tmpfs rw\n",
            )
            .file("/sys/dev/block/259:2/uevent", "MAJOR=259\nMINOR=2\nDEVNAME=nvme0n1p2\nDEVTYPE=partition\n")
            .file("/sys/dev/block/259:1/uevent", "MAJOR=259\nMINOR=1\nDEVNAME=nvme0n1p1\nDEVTYPE=partition\n")
            .file("/sys/dev/block/259:3/uevent", "MAJOR=259\nMINOR=3\nDEVNAME=nvme0n1p4\nDEVTYPE=partition\n")
            .file("/proc/swaps", std::fs::read_to_string(live("proc-swaps.unencrypted.txt")).expect("fixture"))
            .dir("/sys/block/nvme0n1", 0o755)
    }
}
