//! NIX-037: the EFI system partition (and the initrd on it) is readable by every user.
//!
//! ## What it checks
//! `/proc/self/mountinfo` entries for `/boot`, `/boot/efi` and `/efi` with filesystem `vfat`:
//! their `fmask` (or `umask`) must hide files from group and others (`0077`).
//!
//! ## Why it matters
//! `boot.initrd.secrets` are appended to the initrd on the ESP; vfat has no owners, so its mask
//! decides who reads them.
//!
//! ## Fix (NixOS)
//! `fileSystems."/boot".options = [ "fmask=0077" "dmask=0077" ];`
//!
//! ## References
//! mount(8): vfat fmask/umask; CWE-732.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// ESP and initrd readable by all users.
pub struct EspReadable;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &EspReadable;

static META: RuleMeta = RuleMeta {
    id: "NIX-037",
    title: "ESP and initrd readable by all users",
    section: Section::StoreSecrets,
    severity: Severity::Medium,
    checks: "On the running system, `/proc/self/mountinfo` entries for `/boot`, `/boot/efi` and `/efi` whose filesystem is `vfat`: fails when neither `fmask` nor `umask` hides files from group and others (`0077`); vfat's default follows the mounting process's umask (022), so files are world-readable.",
    rationale: "vfat has no owners or modes: the mount mask decides who reads the ESP. NixOS appends `boot.initrd.secrets` (LUKS key files, SSH host keys of the initrd) to the initrd there, so a world-readable ESP gives those secrets to every user.",
    fix: "Mount the ESP with `fmask=0077` and `dmask=0077`.",
    nixos: "fileSystems.\"/boot\".options = [ \"fmask=0077\" \"dmask=0077\" ];",
    references: &["mount(8): vfat fmask, umask", "NixOS option boot.initrd.secrets", "CWE-732"],
    source: file!(),
};

/// The mask of a vfat mount's super options (`fmask`, else `umask`, else the default 022).
fn file_mask(super_opts: &str) -> u32 {
    let get = |k: &str| {
        super_opts
            .split(',')
            .find_map(|o| o.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| u32::from_str_radix(v, 8).ok())
    };
    get("fmask").or_else(|| get("umask")).unwrap_or(0o022)
}

impl Rule for EspReadable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let text =
            match cx.root().read_to_string("/proc/self/mountinfo") {
                Ok((_, t)) => t,
                Err(e) if e.is_not_found() => return Outcome::skip(
                    "no `/proc` under this root: mounts can only be checked on the running system",
                ),
                Err(e) => return Outcome::error(e.to_string()),
            };
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split(' ').collect();
            let Some(dash) = f.iter().position(|x| *x == "-") else {
                continue;
            };
            if f.len() < dash + 4 || f.len() < 5 {
                continue;
            }
            let mp = f[4];
            if !matches!(mp, "/boot" | "/boot/efi" | "/efi") || f[dash + 1] != "vfat" {
                continue;
            }
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let mask = file_mask(f[dash + 3]);
            let ev = Evidence::line(
                "/proc/self/mountinfo",
                line_no,
                format!("{mp} vfat {}", f[dash + 3]),
            );
            if mask & 0o077 == 0o077 {
                seen.push(ev);
            } else {
                bad.push(ev);
            }
        }
        if !bad.is_empty() {
            return Outcome::fail(
                "the ESP is mounted with files readable by group or others (fmask lacks 0077)",
            )
            .with_evidence(bad);
        }
        if seen.is_empty() {
            return Outcome::skip("no vfat ESP mounted at /boot, /boot/efi or /efi");
        }
        Outcome::pass("the ESP hides its files from other users").with_evidence(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const OPEN: &str = "30 1 259:1 / /boot rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0022,dmask=0022,codepage=437\n";
    const CLOSED: &str = "30 1 259:1 / /boot rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077,codepage=437\n";

    #[test]
    fn masks() {
        let o = run(
            &EspReadable,
            &RootBuilder::new().file("/proc/self/mountinfo", OPEN),
        );
        assert_eq!(o.status(), Status::Fail);
        let o = run(
            &EspReadable,
            &RootBuilder::new().file("/proc/self/mountinfo", CLOSED),
        );
        assert_eq!(o.status(), Status::Pass);
        assert_eq!(
            run(&EspReadable, &RootBuilder::new()).status(),
            Status::Skip
        );
        assert_eq!(file_mask("rw,umask=0077"), 0o077);
    }
}
