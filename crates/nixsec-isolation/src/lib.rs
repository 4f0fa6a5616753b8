//! nixsec-isolation: readers for the isolation checks of `nixsec audit` (catalogue section 6).
//!
//! * [`keyfile`]: GKeyFile parsing (Flatpak metadata, overrides, OSTree repo configs).
//! * [`flatpak`]: every installed app's effective sandbox, merged as `flatpak info
//!   --show-permissions` does, the permissions that break out of it, and remotes.
//! * [`nspawn`]: NixOS declarative containers and systemd-nspawn settings.
//! * [`lxc`]: LXC configs with their includes.
//! * [`libvirt`]: who QEMU runs as.
//! * [`docker`]: daemon.json, the API endpoints, and each container's host config.
//!
//! Everything is read through [`nixsec_core::Root`]; nothing is executed or written.
#![deny(missing_docs)]

pub mod docker;
pub mod flatpak;
pub mod keyfile;
pub mod libvirt;
pub mod lxc;
pub mod nspawn;
pub mod passwd;
