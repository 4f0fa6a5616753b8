//! A built system (`nixsec audit --system`) against the running one: the one place that knows
//! which host rules read state only a running system has (the kernel's `/proc` and `/sys`,
//! listening sockets, mounted filesystems, LUKS headers, the boot loader's files on the ESP,
//! the host's store and profiles) and skips them with the reason "not a running system".
//! Every other rule reads the built system through its [`View`](nixsec_system::View).

use nixsec_core::Outcome;

use crate::cx::HostCx;

/// The rules that need a running system, and what each would read.
pub const RUNNING_ONLY: &[(&str, &str)] = &[
    (
        "NIX-004",
        "the permissions of the host's profiles are set on the host",
    ),
    (
        "NIX-010",
        "the owner of the host's store and the daemon socket are the host's",
    ),
    (
        "NIX-017",
        "the permissions of the host's store and Nix state are the host's",
    ),
    (
        "NIX-024",
        "the store's mount options are seen in `/proc/self/mountinfo`",
    ),
    (
        "NIX-025",
        "the provenance of the host's store paths is in the host's Nix database",
    ),
    (
        "NIX-026",
        "the contents of the host's store are on the host",
    ),
    (
        "NIX-036",
        "deployed secrets exist under `/run` only at run time",
    ),
    ("NIX-037", "the ESP and its mount options are the host's"),
    (
        "NIX-040",
        "what is mounted at `/` and the LUKS headers are seen on the host",
    ),
    ("NIX-041", "active swap is seen in `/proc/swaps`"),
    (
        "NIX-042",
        "mounted filesystems and their LUKS headers are seen on the host",
    ),
    ("NIX-043", "LUKS headers are on the host's disks"),
    (
        "NIX-050",
        "Flatpak apps are installed at run time under `/var/lib/flatpak` and homes",
    ),
    (
        "NIX-051",
        "Flatpak remotes are added at run time under `/var/lib/flatpak`",
    ),
    (
        "NIX-057",
        "published ports are those of created containers under `/var/lib/docker`",
    ),
    (
        "NIX-058",
        "created containers are under `/var/lib/docker` and `/var/lib/containers`",
    ),
    (
        "NIX-064",
        "LXC containers are created at run time under `/var/lib/lxc`",
    ),
    ("NIX-074", "listening sockets are seen in `/proc/net`"),
    (
        "NIX-090",
        "the boot loader's configuration is written to the ESP at switch",
    ),
    (
        "NIX-091",
        "the Secure Boot state is in the firmware's variables",
    ),
    (
        "NIX-092",
        "signing keys are host state under `/etc/secureboot` and `/var/lib/sbctl`",
    ),
    (
        "NIX-093",
        "GRUB's configuration is written to `/boot` at switch",
    ),
    (
        "NIX-100",
        "the active LSMs are seen in `/sys/kernel/security`",
    ),
    (
        "NIX-101",
        "loaded AppArmor profiles are seen in `/sys/kernel/security`",
    ),
    (
        "NIX-120",
        "mount options are seen in `/proc/self/mountinfo`",
    ),
    (
        "NIX-139",
        "the account databases are made at activation with NixOS's fixed modes",
    ),
    (
        "NIX-154",
        "the booted system is known only on a running host",
    ),
    (
        "NIX-157",
        "the boot menu's generations are on the host's ESP",
    ),
];

/// The skip of rule `id` on a built system, when it needs a running one.
#[must_use]
pub fn not_running(cx: &HostCx, id: &str) -> Option<Outcome> {
    cx.built_system()?;
    RUNNING_ONLY
        .iter()
        .find(|(r, _)| *r == id)
        .map(|(_, why)| Outcome::skip(format!("not a running system: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_rule_exists() {
        for (id, why) in RUNNING_ONLY {
            assert!(crate::find_rule(id).is_some(), "{id} is not a host rule");
            assert!(!why.ends_with('.'), "{id}: no final period");
        }
    }
}
