//! Flatpak keyfiles and permissions, LXC configs, Docker daemon.json and container JSON, OCI
//! specs, libvirt's qemu.conf, NixOS container and nspawn files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixsec_fuzz::{split, text, with_file};
use nixsec_isolation::{docker, flatpak, keyfile, libvirt, lxc, nspawn};

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = split(data, 7) else {
        return;
    };
    let t = text(bytes);
    match which {
        0 => {
            let _ = keyfile::KeyFile::parse(&t);
            let _ = flatpak::Permissions::parse(&t);
        }
        1 => {
            let root = with_file("/var/lib/lxc/c/config", bytes);
            if let Ok(cfg) = lxc::read_config(root, "/var/lib/lxc/c/config") {
                let _ = lxc::assess("c", "/var/lib/lxc/c/config", None, &cfg);
            }
        }
        2 => {
            let _ = docker::parse_daemon_json(&t, "/etc/docker/daemon.json");
        }
        3 => {
            let _ = docker::parse_container("/var/lib/docker/containers/x", &t, Some(&t));
            let _ = docker::parse_oci_spec("/run/x", &t);
        }
        4 => {
            let _ = libvirt::parse_conf(&t);
        }
        5 => {
            let _ = nspawn::nixos_container("c", "/etc/nixos-containers/c.conf", &t);
            let _ = nspawn::parse_env(&t);
        }
        _ => {
            let _ = nspawn::nspawn_container("c", "/etc/systemd/nspawn/c.nspawn", &t);
        }
    }
});
