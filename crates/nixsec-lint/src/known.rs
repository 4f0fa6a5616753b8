//! Public module sets nixsec knows without reading them: what a configuration gets when it
//! imports one of them (a flake input's module, a nixpkgs profile), for the rules that depend on
//! NixOS defaults. Only the options those rules look at are listed; a module set listed with no
//! settings is known to set none of them.
//!
//! Where the facts come from (read by hand from the sources, at the commits named):
//! - srvos, `github:nix-community/srvos` at e49ccb0d84ed18444c7ba3243a63261001db4260:
//!   `nixos/common/openssh.nix` sets `services.openssh.settings.X11Forwarding`,
//!   `KbdInteractiveAuthentication` and `PasswordAuthentication` to `false`;
//!   `nixos/common/nix.nix` sets `nix.settings.trusted-users = [ "@wheel" ]`;
//!   `nixos/server/default.nix` imports common and sets `services.openssh.enable = true`,
//!   `networking.firewall.enable = true`, `security.sudo.wheelNeedsPassword = false`;
//!   `nixos/desktop/default.nix` imports common; `nixos/mixins/systemd-boot.nix` sets
//!   `boot.loader.systemd-boot.enable = true` (and not `editor`); the `hardware-*` modules set
//!   none of these. Its flake names a module by its path (`mixins/systemd-boot.nix` is
//!   `nixosModules.mixins-systemd-boot`). Its nix-darwin modules (`darwinModules.*`) were not
//!   read: they are not known.
//!   `nixos/hardware/hetzner-cloud/arm.nix` (`nixosModules.hardware-hetzner-cloud-arm`) sets
//!   `boot.loader.systemd-boot.enable = true` (and not `editor`).
//! - nixos-hardware, `github:NixOS/nixos-hardware` at 0471accf8d0a8210b31d947497d179ecc99e0021:
//!   hardware support only; `raspberry-pi/2` alone enables `services.openssh` (`mkDefault`);
//!   `dell/xps/15-9550` (`dell-xps-15-9550`, and its `nvidia` variant that imports it) and
//!   `spacemit/k3-pico-itx` enable `boot.loader.systemd-boot` (`mkDefault`, `editor` not set).
//! - nixpkgs `nixos/modules/profiles/hardened.nix` (nixpkgs 00ac71ab1932b395452209627011a32a63d81897):
//!   kernel, sysctl and module hardening; none of the options the default-based rules look at
//!   (that version also sets `nix.useSandbox = mkDefault false`).
//! - nixpkgs `nixos/modules/profiles/installation-device.nix` (imported by the installer images,
//!   `installer/cd-dvd/installation-cd-*.nix`; nixpkgs 013635633ffe11f70df1d639f563f21c42c1f778):
//!   `services.openssh.enable = mkDefault true`, `settings.PermitRootLogin = mkDefault "yes"`,
//!   `services.getty.autologinUser = "nixos"`, `security.sudo.wheelNeedsPassword = false`; sshd
//!   is not started (`systemd.services.sshd.wantedBy = mkOverride 50 [ ]`: "allow sshd to be
//!   started manually"), so the profile is not taken to turn sshd on.
//! - nixpkgs `nixos/modules/virtualisation/google-compute-config.nix` (imported by
//!   `google-compute-image.nix`; nixpkgs 045d702e8af1aabdceb93e3d273ac8fb027fe68e): turns sshd
//!   on, `PermitRootLogin = "prohibit-password"`, `PasswordAuthentication = mkDefault false`
//!   (and `networking.firewall.enable = mkDefault false`, which no default-based rule reads).
//!   The sshd switch is left out, as for clan-core's admin service below, and so is
//!   `PermitRootLogin`: its value is NixOS's default, which the rule reports as never set.
//! - clan-core, `github:clan-lol/clan-core` at 29ed1ed59fe8955e8c80e7dcc440fe89f8383717:
//!   the inventory service `admin` (`clanServices/admin/ssh.nix`) turns sshd on and sets
//!   `services.openssh.settings.PasswordAuthentication = false` (and root's authorized keys),
//!   nothing else sshd's default-based rules look at; the `sshd` service's server role
//!   (`clanServices/sshd/default.nix`, clan-core d7c35d9127af3f773b57d8e792818597a9aaa29c) does
//!   the same (`PasswordAuthentication = false`; `KbdInteractiveAuthentication` and
//!   `PermitRootLogin` are left at NixOS's defaults). Only the `PasswordAuthentication` part is
//!   used: a machine gets the service from the inventory, which nixsec does not evaluate, so
//!   "turned on here" could not be placed.
//! - disko, `github:nix-community/disko` at 878ec37d6a8f52c6c801d0e2a2ad554c75b9353c: file
//!   systems and partitioning only.
//! - home-manager, sops-nix, agenix, impermanence, preservation, stylix, catppuccin,
//!   nix-index-database, nixvim, nix-flatpak, spicetify-nix, vscode-server and nix-minecraft
//!   modules configure their own options only.

/// A module set and what importing it sets.
#[derive(Debug)]
pub struct KnownSet {
    /// Its name, for messages (`srvos server`).
    pub name: &'static str,
    /// The options it sets that configuration rules look at, with the value (as Nix source).
    pub sets: &'static [(&'static str, &'static str)],
}

const SRVOS_COMMON: &[(&str, &str)] = &[
    ("services.openssh.settings.X11Forwarding", "false"),
    (
        "services.openssh.settings.KbdInteractiveAuthentication",
        "false",
    ),
    ("services.openssh.settings.PasswordAuthentication", "false"),
    ("nix.settings.trusted-users", "[ \"@wheel\" ]"),
];

const SRVOS_SERVER: &[(&str, &str)] = &[
    ("services.openssh.settings.X11Forwarding", "false"),
    (
        "services.openssh.settings.KbdInteractiveAuthentication",
        "false",
    ),
    ("services.openssh.settings.PasswordAuthentication", "false"),
    ("nix.settings.trusted-users", "[ \"@wheel\" ]"),
    ("services.openssh.enable", "true"),
    ("networking.firewall.enable", "true"),
    ("security.sudo.wheelNeedsPassword", "false"),
];

// The profile enables sshd but does not start it (`systemd.services.sshd.wantedBy =
// mkOverride 50 [ ]`, "allow sshd to be started manually"): it does not turn sshd on here; a
// host that enables sshd itself gets the profile's `PermitRootLogin`.
const INSTALLER_NAME: &str = "the nixpkgs installation-device profile";
const INSTALLER: &[(&str, &str)] = &[
    ("services.openssh.settings.PermitRootLogin", "\"yes\""),
    ("services.getty.autologinUser", "\"nixos\""),
    ("security.sudo.wheelNeedsPassword", "false"),
];

static SETS: &[KnownSet] = &[
    KnownSet {
        name: "srvos common",
        sets: SRVOS_COMMON,
    },
    KnownSet {
        name: "srvos server",
        sets: SRVOS_SERVER,
    },
    KnownSet {
        name: "srvos desktop",
        sets: SRVOS_COMMON,
    },
    KnownSet {
        name: "srvos systemd-boot mixin",
        sets: &[("boot.loader.systemd-boot.enable", "true")],
    },
    KnownSet {
        name: "srvos hetzner-cloud-arm",
        sets: &[("boot.loader.systemd-boot.enable", "true")],
    },
    KnownSet {
        name: "a srvos module",
        sets: &[],
    },
    KnownSet {
        name: "a nixos-hardware module that enables systemd-boot",
        sets: &[("boot.loader.systemd-boot.enable", "true")],
    },
    KnownSet {
        name: "nixos-hardware raspberry-pi-2",
        sets: &[("services.openssh.enable", "true")],
    },
    KnownSet {
        name: "a nixos-hardware module",
        sets: &[],
    },
    KnownSet {
        name: "the nixpkgs hardened profile",
        sets: &[],
    },
    KnownSet {
        name: INSTALLER_NAME,
        sets: INSTALLER,
    },
    KnownSet {
        name: "a nixpkgs hardware or virtualisation profile",
        sets: &[],
    },
    KnownSet {
        name: "disko",
        sets: &[],
    },
    KnownSet {
        name: "the nixpkgs Google Compute Engine profile",
        sets: &[("services.openssh.settings.PasswordAuthentication", "false")],
    },
    KnownSet {
        name: "clan-core's admin or sshd service",
        sets: &[("services.openssh.settings.PasswordAuthentication", "false")],
    },
    KnownSet {
        name: "a module of its own options",
        sets: &[],
    },
];

/// clan-core's inventory service `admin` or `sshd`, for the machines of a clan that declares an
/// instance.
#[must_use]
pub fn clan_admin() -> Option<&'static KnownSet> {
    set("clan-core's admin or sshd service")
}

fn set(name: &str) -> Option<&'static KnownSet> {
    SETS.iter().find(|s| s.name == name)
}

/// What an import refers to, when it is one of the known module sets: `reference` is the
/// import as written (`inputs.srvos.nixosModules.server`, `(modulesPath +
/// "/profiles/hardened.nix")`, `<nixos-hardware/lenovo/thinkpad/x1>`).
#[must_use]
pub fn lookup(reference: &str) -> Option<&'static KnownSet> {
    let r: String = reference
        .chars()
        .filter(|c| !matches!(c, '"' | '(' | ')' | ' '))
        .collect();
    let last = r
        .rsplit(['.', '/'])
        .find(|s| !s.is_empty() && *s != "nix")
        .unwrap_or("");
    // srvos's nix-darwin modules (`srvos.darwinModules.server`) are other files than its
    // NixOS modules, not read: unknown, like any other flake's module.
    if r.contains("srvos.") && r.contains("darwinModules") {
        return None;
    }
    if r.contains("srvos.") {
        return set(match last {
            "common" => "srvos common",
            "server" => "srvos server",
            "desktop" => "srvos desktop",
            "mixins-systemd-boot" => "srvos systemd-boot mixin",
            "hardware-hetzner-cloud-arm" => "srvos hetzner-cloud-arm",
            _ => "a srvos module",
        });
    }
    if r.contains("nixos-hardware")
        || r.starts_with("hardware.nixosModules.")
        || r.contains("inputs.hardware.nixosModules.")
    {
        return set(
            if r.contains("raspberry-pi-2") || r.contains("raspberry-pi/2") {
                "nixos-hardware raspberry-pi-2"
            } else if [
                "dell-xps-15-9550",
                "dell/xps/15-9550",
                "spacemit-k3-pico-itx",
                "spacemit/k3-pico-itx",
            ]
            .iter()
            .any(|m| r.contains(m))
            {
                "a nixos-hardware module that enables systemd-boot"
            } else {
                "a nixos-hardware module"
            },
        );
    }
    // Long references reach here shortened (`…/google-compute-imag…`).
    if r.contains("virtualisation/google-compute") {
        return set("the nixpkgs Google Compute Engine profile");
    }
    if r.contains("profiles/hardened") {
        return set("the nixpkgs hardened profile");
    }
    // `installer/cd-dvd/channel.nix` only puts the nixpkgs channel on the image.
    if r.contains("installation-device")
        || (r.contains("installer/cd-dvd/") && !r.contains("cd-dvd/channel"))
        || r.contains("installation-cd")
    {
        return set(INSTALLER_NAME);
    }
    if [
        "installer/scan/not-detected",
        "installer/scan/detected",
        "profiles/qemu-guest",
        "profiles/minimal",
        "profiles/headless",
        "profiles/all-hardware",
        "profiles/perlless",
        "virtualisation/qemu-vm",
        "virtualisation/lxc-container",
        "virtualisation/proxmox-image",
    ]
    .iter()
    .any(|p| r.contains(p))
    {
        return set("a nixpkgs hardware or virtualisation profile");
    }
    if r.contains("disko.nixosModules.") {
        return set("disko");
    }
    // `nixosModules.NAME` and the older single `nixosModule` (`home-manager.nixosModule`).
    let own = [
        "home-manager.nixosModule",
        "home-manager.darwinModule",
        "sops-nix.nixosModule",
        "sops-nix.darwinModule",
        "agenix.nixosModule",
        "agenix.darwinModule",
        "impermanence.nixosModule",
        "preservation.nixosModule",
        "stylix.nixosModule",
        "stylix.darwinModule",
        "catppuccin.nixosModule",
        "nix-index-database.nixosModule",
        "nix-index-database.darwinModule",
        "nixvim.nixosModule",
        "nixvim.darwinModule",
        "nix-flatpak.nixosModule",
        "spicetify-nix.nixosModule",
        "vscode-server.nixosModule",
        "nix-minecraft.nixosModule",
        // Channels and fetched sources: `<home-manager/nixos>`, `"${home-manager}/nixos"`.
        "home-manager/nixos",
        "home-manager}/nixos",
        "home-manager/nix-darwin",
        "home-manager}/nix-darwin",
        "sops-nix/modules/sops",
        "agenix/modules/age",
    ];
    // home-manager's NixOS or nix-darwin module fetched some other way
    // (`"${import ./inputs/home-manager.nix {}}/nixos/default.nix"`).
    let home_manager_module =
        r.contains("home-manager") && (r.contains("}/nixos") || r.contains("}/nix-darwin"));
    if own.iter().any(|p| r.contains(p))
        || home_manager_module
        || r == "sops-nix"
        || r.ends_with(".sops")
    {
        return set("a module of its own options");
    }
    None
}

/// True for nixpkgs' installation-device profile, which enables sshd without starting it.
#[must_use]
pub fn is_installer(k: &KnownSet) -> bool {
    k.name == INSTALLER_NAME
}

/// The value `k` sets for `option` (a dotted path), if it sets it.
#[must_use]
pub fn value_of(k: &KnownSet, option: &str) -> Option<&'static str> {
    k.sets.iter().find(|(o, _)| *o == option).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_as_people_write_them() {
        let name = |r: &str| lookup(r).map(|k| k.name);
        assert_eq!(
            name("inputs.srvos.nixosModules.server"),
            Some("srvos server")
        );
        assert_eq!(name("srvos.nixosModules.common"), Some("srvos common"));
        assert_eq!(name("inputs.srvos.darwinModules.server"), None);
        assert_eq!(
            name("inputs.srvos.nixosModules.mixins-systemd-boot"),
            Some("srvos systemd-boot mixin")
        );
        assert_eq!(
            name("inputs.srvos.nixosModules.hardware-hetzner-online-amd"),
            Some("a srvos module")
        );
        assert_eq!(
            name("inputs.nixos-hardware.nixosModules.lenovo-thinkpad-x1-6th-gen"),
            Some("a nixos-hardware module")
        );
        assert_eq!(
            name("inputs.hardware.nixosModules.common-cpu-amd"),
            Some("a nixos-hardware module")
        );
        assert_eq!(
            name("<nixos-hardware/raspberry-pi/2>"),
            Some("nixos-hardware raspberry-pi-2")
        );
        assert_eq!(
            name(r#"(modulesPath + "/profiles/hardened.nix")"#),
            Some("the nixpkgs hardened profile")
        );
        assert_eq!(
            name(r#""${modulesPath}/installer/cd-dvd/installation-cd-minimal.nix""#),
            Some("the nixpkgs installation-device profile")
        );
        assert_eq!(
            name(r#"(modulesPath + "/installer/scan/not-detected.nix")"#),
            Some("a nixpkgs hardware or virtualisation profile")
        );
        assert_eq!(
            name(r#""${nixpkgs}/nixos/modules/virtualisation/google-compute-image.nix""#),
            Some("the nixpkgs Google Compute Engine profile")
        );
        assert_eq!(name("inputs.disko.nixosModules.disko"), Some("disko"));
        assert_eq!(
            name("home-manager.nixosModules.home-manager"),
            Some("a module of its own options")
        );
        assert_eq!(
            name("<home-manager/nixos>"),
            Some("a module of its own options")
        );
        assert_eq!(
            name(r#""${home-manager}/nixos""#),
            Some("a module of its own options")
        );
        assert_eq!(
            name("inputs.srvos.nixosModules.hardware-hetzner-cloud-arm"),
            Some("srvos hetzner-cloud-arm")
        );
        for r in [
            "inputs.nixos-hardware.nixosModules.dell-xps-15-9550",
            "inputs.nixos-hardware.nixosModules.dell-xps-15-9550-nvidia",
            "<nixos-hardware/dell/xps/15-9550>",
            "nixos-hardware.nixosModules.spacemit-k3-pico-itx",
        ] {
            assert_eq!(
                name(r),
                Some("a nixos-hardware module that enables systemd-boot"),
                "{r}"
            );
        }
        assert_eq!(
            name(r#""${import ../inputs/home-manager.nix {}}/nixos/default.nix""#),
            Some("a module of its own options")
        );
        for r in [
            "inputs.home-manager.nixosModule",
            "inputs.home-manager.nixosModules.default",
            "inputs.ragenix.nixosModules.default",
            "agenix.nixosModule",
            "inputs.nix-flatpak.nixosModules.nix-flatpak",
        ] {
            assert_eq!(name(r), Some("a module of its own options"), "{r}");
        }
        assert_eq!(name("inputs.someone.nixosModules.default"), None);
        assert_eq!(
            name("inputs.home-manager-wrapper.nixosModules.default"),
            None
        );
        let server = lookup("srvos.nixosModules.server").expect("known");
        assert_eq!(
            value_of(server, "services.openssh.settings.PasswordAuthentication"),
            Some("false")
        );
        assert_eq!(
            value_of(server, "services.openssh.settings.PermitRootLogin"),
            None
        );
    }

    #[test]
    fn the_channel_module_is_not_the_installer() {
        assert!(
            lookup("\"${inputs.nixpkgs}/nixos/modules/installer/cd-dvd/channel.nix\"").is_none()
        );
        assert!(
            lookup("<nixpkgs/nixos/modules/installer/cd-dvd/installation-cd-minimal.nix>")
                .is_some()
        );
    }
}
