//! `nixsec audit` for encryption, Secure Boot and MAC (NIX-040..044, 090..094, 100..102) on a
//! fixture root assembled from the crates' real fixtures (LUKS headers from cryptsetup, EFI
//! binaries signed with sbsign, efivarfs images), and on the live host; neither is changed.

use std::path::{Path, PathBuf};

use crate::{audit_json, finding, nixsec};
use nixsec_testutil::snapshot;

const SECTIONS: [&str; 6] = [
    "--section",
    "encryption",
    "--section",
    "secure-boot",
    "--section",
    "mac",
];

const RULES: [&str; 13] = [
    "NIX-040", "NIX-041", "NIX-042", "NIX-043", "NIX-044", "NIX-090", "NIX-091", "NIX-092",
    "NIX-093", "NIX-094", "NIX-100", "NIX-101", "NIX-102",
];

fn crate_fixtures(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates")
        .join(krate)
        .join("tests/fixtures")
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read_dir") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

fn write(root: &Path, p: &str, content: impl AsRef<[u8]>) {
    let h = root.join(p.trim_start_matches('/'));
    std::fs::create_dir_all(h.parent().expect("parent")).expect("mkdir");
    std::fs::write(h, content).expect("write");
}

/// A NixOS laptop: LUKS2 root (the argon2id header) with LVM home, plain /srv, random-key
/// swap, lanzaboote with Secure Boot in user mode booting the signed generation 42, AppArmor
/// with enforcing profiles, the boot-menu editor off.
fn laptop() -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let r = t.path();
    let live = crate_fixtures("nixsec-host").join("luks-live");
    copy_dir(&live.join("sys"), &r.join("sys"));
    write(
        r,
        "/proc/mounts",
        std::fs::read(live.join("proc-mounts.txt")).expect("mounts"),
    );
    write(
        r,
        "/proc/swaps",
        std::fs::read(live.join("proc-swaps.encrypted.txt")).expect("swaps"),
    );
    write(
        r,
        "/etc/crypttab",
        "cryptroot UUID=4b1023de-c4de-49f0-9615-343482792af8 none luks,discard\n",
    );
    write(
        r,
        "/dev/nvme0n1p2",
        std::fs::read(crate_fixtures("nixsec-luks").join("luks2-argon2id-aes-xts-512.hdr32k"))
            .expect("hdr"),
    );
    let boot = crate_fixtures("nixsec-boot");
    copy_dir(
        &boot.join("efivars/enabled-user-mode"),
        &r.join("sys/firmware/efi/efivars"),
    );
    let mut sel = vec![6u8, 0, 0, 0];
    for u in "nixos-generation-42.efi\0".encode_utf16() {
        sel.extend(u.to_le_bytes());
    }
    write(
        r,
        "/sys/firmware/efi/efivars/LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
        sel,
    );
    copy_dir(&boot.join("esp-lanzaboote"), &r.join("boot"));
    // The fixture dbx revokes the test loader's hash (NIX-091 tests that); an empty dbx here.
    std::fs::remove_file(
        r.join("sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f"),
    )
    .expect("rm dbx");
    let mac = crate_fixtures("nixsec-host").join("mac");
    write(
        r,
        "/sys/kernel/security/lsm",
        std::fs::read(mac.join("lsm/lsm.apparmor")).expect("lsm"),
    );
    write(
        r,
        "/sys/kernel/security/apparmor/profiles",
        std::fs::read(mac.join("apparmor/profiles")).expect("profiles"),
    );
    write(
        r,
        "/proc/cmdline",
        std::fs::read(mac.join("cmdline/nixos-hardened")).expect("cmdline"),
    );
    write(r, "/etc/NIXOS", "");
    t
}

#[test]
fn laptop_fixture_verdicts_and_nothing_written() {
    let t = laptop();
    let before = snapshot(t.path());
    let (code, r) = audit_json(t.path(), &SECTIONS);
    // Expected by hand from the fixtures: see `laptop()`.
    for (rule, status) in [
        ("NIX-040", "pass"),
        ("NIX-041", "pass"),
        ("NIX-042", "fail"),
        ("NIX-043", "pass"),
        ("NIX-044", "pass"),
        ("NIX-090", "pass"),
        ("NIX-091", "pass"),
        ("NIX-092", "skip"),
        ("NIX-093", "skip"),
        ("NIX-094", "pass"),
        ("NIX-100", "pass"),
        ("NIX-101", "pass"),
        ("NIX-102", "pass"),
    ] {
        let f = finding(&r, rule);
        assert_eq!(f["status"], status, "{rule}: {}", f["message"]);
    }
    // The only failure is medium: below the default `--fail-on high`.
    assert_eq!(code, 0);
    let f = finding(&r, "NIX-042");
    assert_eq!(
        f["message"],
        "`/srv` (ext4 on `/dev/sda1`) has no dm-crypt layer below it (sda1)"
    );
    assert_eq!(f["subject"], "/srv");
    let changed = before.diff(&snapshot(t.path()));
    assert!(changed.is_empty(), "changed by the audit: {changed:?}");
}

#[test]
fn broken_inputs_are_errors_in_the_report() {
    let t = laptop();
    let r = t.path();
    let mut hdr = std::fs::read(r.join("dev/nvme0n1p2")).expect("hdr");
    hdr.truncate(5000);
    write(r, "/dev/nvme0n1p2", hdr);
    write(
        r,
        "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
        b"\x06\x00",
    );
    let (_, rep) = audit_json(r, &SECTIONS);
    for rule in ["NIX-043", "NIX-091"] {
        let f = finding(&rep, rule);
        assert_eq!(f["status"], "error", "{rule}: {}", f["message"]);
    }
    assert!(finding(&rep, "NIX-043")["message"]
        .as_str()
        .expect("msg")
        .contains("/dev/nvme0n1p2"));
}

#[test]
fn live_host_runs_every_rule_without_changing_it() {
    let modules = std::fs::read("/proc/modules").ok();
    let (_, r) = audit_json(Path::new("/"), &SECTIONS);
    for rule in RULES {
        let f = finding(&r, rule);
        let msg = f["message"].as_str().unwrap_or("");
        assert!(!msg.contains("internal error"), "{rule}: {msg}");
    }
    assert_eq!(
        std::fs::read("/proc/modules").ok(),
        modules,
        "/proc/modules changed"
    );
    nixsec()
        .args(["audit", "--format", "text", "--root", "/"])
        .args(SECTIONS)
        .assert()
        .code(predicates::ord::ge(0));
}
