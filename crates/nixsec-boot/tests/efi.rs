//! efivarfs states and ESP layouts on fixture roots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use nixsec_boot::efivars::{self, SbState};
use nixsec_boot::esp;
use nixsec_testutil::RootBuilder;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

fn with_efivars(state: &str) -> RootBuilder {
    let b = RootBuilder::new();
    copy_tree(
        &fixtures().join("efivars").join(state),
        &b.path().join("sys/firmware/efi/efivars"),
    );
    b
}

#[test]
fn every_state_is_decoded() {
    let cases = [
        (
            "enabled-user-mode",
            SbState::Enabled {
                deployed: false,
                shim_validation_disabled: false,
            },
        ),
        (
            "enabled-deployed-mode",
            SbState::Enabled {
                deployed: true,
                shim_validation_disabled: false,
            },
        ),
        (
            "enabled-shim-validation-disabled",
            SbState::Enabled {
                deployed: false,
                shim_validation_disabled: true,
            },
        ),
        ("setup-mode", SbState::SetupMode { audit: false }),
        ("audit-mode", SbState::SetupMode { audit: true }),
        ("disabled-user-mode", SbState::Disabled),
        ("no-secureboot-variable", SbState::Unsupported),
    ];
    for (dir, want) in cases {
        let b = with_efivars(dir);
        let got = efivars::secure_boot_state(&b.root()).unwrap();
        assert_eq!(got, want, "{dir}");
        assert_eq!(
            got.enforced(),
            dir.starts_with("enabled") && !dir.contains("shim"),
            "{dir}"
        );
    }
    assert_eq!(
        efivars::secure_boot_state(&RootBuilder::new().root()).unwrap(),
        SbState::LegacyBios
    );
}

#[test]
fn loader_strings_with_and_without_nul() {
    let b = with_efivars("enabled-user-mode");
    let r = b.root();
    assert_eq!(
        efivars::read_string(&r, "LoaderInfo", efivars::LOADER)
            .unwrap()
            .as_deref(),
        Some("systemd-boot 255.9")
    );
    assert_eq!(
        efivars::read_string(&r, "StubInfo", efivars::LOADER)
            .unwrap()
            .as_deref(),
        Some("lanzastub 0.4.1")
    );
    assert_eq!(
        efivars::read_string(&r, "LoaderEntrySelected", efivars::LOADER).unwrap(),
        None
    );
}

#[test]
fn garbage_efivars_are_errors_naming_the_file() {
    let sb = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
    for garbage in [
        &b""[..],
        b"\x06\x00",
        b"\x06\x00\x00\x00",
        b"\x06\x00\x00\x00\x07",
        b"\x06\x00\x00\x00\x01\x01",
        b"\xff\xff\xff\xff\x01",
    ] {
        let b = with_efivars("enabled-user-mode").file(sb, garbage);
        let e = efivars::secure_boot_state(&b.root()).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!("`{sb}`: ")),
            "{garbage:?}: {e}"
        );
        assert!(!e.is_not_found());
    }
    let b = with_efivars("enabled-user-mode").file(sb, b"\x06\x00\x00\x00\x01\x01");
    assert_eq!(
        efivars::secure_boot_state(&b.root())
            .unwrap_err()
            .to_string(),
        format!("`{sb}`: expected one data byte 0 or 1 after the attributes, found 2 bytes (0101)")
    );
    let b = with_efivars("enabled-user-mode").file(sb, b"\xff\xff\xff\xff\x01");
    assert_eq!(
        efivars::secure_boot_state(&b.root())
            .unwrap_err()
            .to_string(),
        format!("`{sb}`: invalid attribute word 0xffffffff")
    );
    // /sys/firmware/efi without efivarfs mounted: cannot tell.
    let b = RootBuilder::new().dir("/sys/firmware/efi", 0o755);
    let e = efivars::secure_boot_state(&b.root()).unwrap_err();
    assert!(matches!(e, efivars::EfiVarError::NotMounted { .. }), "{e}");
    assert!(e.to_string().contains("not mounted"));
}

fn with_esp(layout: &str) -> RootBuilder {
    let b = RootBuilder::new();
    copy_tree(&fixtures().join(layout), &b.path().join("boot"));
    b
}

#[test]
fn systemd_boot_layouts() {
    let b = with_esp("esp-systemd-boot");
    let e = esp::find(&b.root()).unwrap().unwrap();
    assert_eq!(e.dir, "/boot");
    assert!(e.systemd_boot);
    assert_eq!(e.loader_conf.as_ref().unwrap().editor, None);
    assert_eq!(
        e.loader_conf.as_ref().unwrap().default.as_deref(),
        Some("nixos-generation-42.conf")
    );
    let ids: Vec<&str> = e.entries.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(
        ids,
        ["nixos-generation-41.conf", "nixos-generation-42.conf"]
    );
    let boot = e.booting_entries(None);
    assert_eq!(boot.len(), 1);
    assert_eq!(
        boot[0].binary.as_deref(),
        Some("/boot/EFI/nixos/3qk3ys2a8dkvgq4x8qfj3l5c4bl2lzkv-linux-6.6.8-bzImage.efi")
    );
    assert!(boot[0]
        .options
        .as_ref()
        .unwrap()
        .1
        .starts_with("init=/nix/store/"));
    assert_eq!(
        e.loaders,
        [
            "/boot/EFI/systemd/systemd-bootx64.efi",
            "/boot/EFI/BOOT/BOOTX64.EFI"
        ]
    );

    let b = with_esp("esp-systemd-boot-editor-off");
    let e = esp::find(&b.root()).unwrap().unwrap();
    assert_eq!(e.loader_conf.unwrap().editor, Some((false, 3, "0".into())));
}

#[test]
fn lanzaboote_layout() {
    let b = with_esp("esp-lanzaboote");
    let e = esp::find(&b.root()).unwrap().unwrap();
    let ukis: Vec<&str> = e
        .entries
        .iter()
        .filter(|x| x.uki)
        .map(|x| x.id.as_str())
        .collect();
    assert_eq!(ukis, ["nixos-generation-41.efi", "nixos-generation-42.efi"]);
    assert_eq!(e.booting_entries(Some("nixos-generation-42.efi")).len(), 1);
    assert_eq!(e.booting_entries(None).len(), 2);
    assert!(esp::glob_match(
        "nixos-generation-*",
        "NixOS-Generation-42.efi"
    ));
    assert!(!esp::glob_match("nixos-?", "nixos-42"));
    assert!(esp::find(&RootBuilder::new().root()).unwrap().is_none());
}

/// The fixture's dbx was made by efitools' `hash-to-efi-sig-list tiny-unsigned.efi`: its one
/// entry is that image's Authenticode hash as efitools computes it, which must equal ours (and
/// the digest sbsign signed into tiny-signed.efi).
#[test]
fn dbx_holds_the_efitools_hash_of_tiny_unsigned() {
    let b = with_efivars("enabled-user-mode");
    let dbx = efivars::dbx_hashes(&b.root()).unwrap().unwrap();
    assert_eq!(dbx.len(), 1);
    let pe = |n: &str| {
        nixsec_boot::inspect(&std::fs::read(fixtures().join("pe").join(n)).unwrap()).unwrap()
    };
    assert_eq!(
        hex::encode(dbx[0]),
        pe("tiny-unsigned.efi").authenticode_sha256
    );
    assert_eq!(
        hex::encode(dbx[0]),
        pe("tiny-signed.efi").authenticode_sha256
    );
    // sbsign signed the padded unsigned UKI's digest too.
    assert_eq!(
        pe("uki-unsigned.efi").authenticode_sha256,
        pe("uki-signed.efi").authenticode_sha256
    );
    assert!(efivars::sha256_entries(&[0u8; 10]).is_err());
    let garbage = b.file(
        "/sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f",
        b"\x27\x00\x00\x00\x26\x16\xc4\xc1\xff\xff\xff\xff",
    );
    assert_eq!(
        efivars::dbx_hashes(&garbage.root())
            .unwrap_err()
            .to_string(),
        "`/sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f`: EFI_SIGNATURE_LIST header at offset 0 is truncated"
    );
}
