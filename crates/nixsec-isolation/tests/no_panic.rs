//! Hostile input: every parser returns a value or an error on arbitrary text, never panics.
#![allow(clippy::unwrap_used)]

use nixsec_isolation::{docker, flatpak, keyfile, libvirt, nspawn};
use proptest::prelude::*;

/// Text made of the characters the formats care about, so that near-valid inputs are common.
fn texty() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("[".to_string()),
            Just("]".to_string()),
            Just("=".to_string()),
            Just(";".to_string()),
            Just("\\".to_string()),
            Just("!".to_string()),
            Just(":".to_string()),
            Just("\n".to_string()),
            Just("\"".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("Context".to_string()),
            Just("filesystems".to_string()),
            Just("Session Bus Policy".to_string()),
            Just("org.a.*".to_string()),
            Just("--bind".to_string()),
            Just("PRIVATE_USERS".to_string()),
            "[a-z~/ .é\u{0}]{0,4}",
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parsers_do_not_panic(s in texty()) {
        if let Ok(kf) = keyfile::KeyFile::parse(&s) {
            if let Ok(c) = flatpak::Context::from_keyfile(&kf) {
                let p = c.permissions();
                let _ = flatpak::breaches(&p);
                // What we print, flatpak's keyfile syntax, reads back to the same permissions.
                prop_assert_eq!(flatpak::Permissions::parse(&p.to_string()).unwrap(), p);
            }
        }
        let _ = flatpak::parse_filesystem(&s);
        let _ = keyfile::split_list(&s);
        let _ = docker::parse_daemon_json(&s, "/etc/docker/daemon.json");
        let _ = docker::parse_container("/c", &s, Some(&s));
        let _ = docker::parse_oci_spec("/c", &s);
        let _ = nspawn::parse_env(&s);
        let _ = nspawn::nixos_container("n", "/p", &s);
        let _ = nspawn::nspawn_container("n", "/p", &s);
        let _ = libvirt::parse_conf(&s);
    }
}
