//! `nixsec audit` on the runtime-search-path, SSH, kernel and account rules (issue 7, part b):
//! a NixOS-shaped fixture root, the `--profile` switch, and proof that a live audit changes
//! nothing (no module loads, no writes).

use std::path::Path;

use nixsec_testutil::{copy_tree, snapshot, RootBuilder};

use crate::{audit_json, finding, nixsec};

const SECTIONS: &[&str] = &[
    "--section",
    "runtime-search-paths",
    "--section",
    "firewall",
    "--section",
    "kernel",
    "--section",
    "accounts",
];

/// A NixOS-shaped root: sshd_config through /etc/static into the store, sudoers with
/// `wheelNeedsPassword = false`, nix-ld, and /proc/sys from the captured Debian kernel.
fn nixos_root() -> RootBuilder {
    let kernel = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/nixsec-host/tests/fixtures/kernel/proc-sys-captured");
    let mut b = RootBuilder::new()
        .file("/etc/NIXOS", "")
        .file("/etc/os-release", "NAME=NixOS\nID=nixos\n")
        .file("/etc/passwd", "root:x:0:0::/root:/run/current-system/sw/bin/bash\nalice:x:1000:100::/home/alice:/run/current-system/sw/bin/bash\n")
        .file("/etc/group", "root:x:0:\nwheel:x:1:alice\nusers:x:100:\n")
        .file("/etc/shadow", "root:!:1::::::\nalice:$y$j9T$salt$hash:1::::::\n")
        .file("/nix/store/0c2gq9cz3xw3a5n7l5d2m6s5y4v0b8k1-sshd.conf-final", "UsePAM yes\nPermitRootLogin yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nAuthorizedKeysFile /etc/ssh/authorized_keys.d/%u\nMaxAuthTries 3\nAllowGroups wheel\n")
        .symlink("/etc/static", "/nix/store/8l9yhb1cbq7x4r0i1h8kzwzq4xyqv6dn-etc/etc")
        .symlink("/nix/store/8l9yhb1cbq7x4r0i1h8kzwzq4xyqv6dn-etc/etc/ssh/sshd_config", "/nix/store/0c2gq9cz3xw3a5n7l5d2m6s5y4v0b8k1-sshd.conf-final")
        .symlink("/etc/ssh/sshd_config", "/etc/static/ssh/sshd_config")
        .file("/etc/sudoers", "root     ALL=(ALL:ALL)    SETENV: ALL\n%wheel  ALL=(ALL:ALL)    NOPASSWD:SETENV: ALL\n")
        .symlink("/lib64/ld-linux-x86-64.so.2", "/nix/store/bbbb-nix-ld-2.0.3/libexec/nix-ld");
    let mut stack = vec![(kernel, "/proc/sys".to_string())];
    while let Some((src, dst)) = stack.pop() {
        for e in std::fs::read_dir(&src).expect("fixture") {
            let e = e.expect("entry");
            let name = format!("{dst}/{}", e.file_name().to_string_lossy());
            if e.path().is_dir() {
                stack.push((e.path(), name));
            } else {
                b = b.file(&name, std::fs::read(e.path()).expect("read"));
            }
        }
    }
    b
}

#[test]
fn nixos_fixture_root_verdicts() {
    let b = nixos_root();
    let (_, r) = audit_json(b.path(), SECTIONS);
    // By hand from the files above and sshd_config(5) / sudoers(5).
    let f = finding(&r, "NIX-078");
    assert_eq!(
        (f["status"].as_str(), f["severity"].as_str()),
        (Some("fail"), Some("high"))
    );
    assert_eq!(f["evidence"][0]["path"], "/etc/ssh/sshd_config");
    assert_eq!(f["evidence"][0]["line"], 2);
    assert_eq!(finding(&r, "NIX-079")["status"], "pass");
    assert_eq!(finding(&r, "NIX-081")["status"], "pass");
    let f = finding(&r, "NIX-132");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["evidence"][0]["line"], 2);
    assert_eq!(finding(&r, "NIX-006")["status"], "fail");
    // The captured kernel: kptr_restrict 0, no Yama.
    let f = finding(&r, "NIX-110");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["evidence"][0]["path"], "/proc/sys/kernel/kptr_restrict");
    assert_eq!(f["evidence"][0]["value"], "0");
    assert!(finding(&r, "NIX-111")["message"]
        .as_str()
        .expect("msg")
        .contains("ptrace_scope = 0"));
    // No /proc/self/mountinfo in the fixture: mount rules skip rather than pass.
    assert_eq!(finding(&r, "NIX-120")["status"], "skip");
}

#[test]
fn profile_switch_changes_role_dependent_verdicts() {
    let b = nixos_root();
    let (_, server) = audit_json(b.path(), &["--rule", "NIX-006", "--rule", "NIX-080"]);
    let (_, desktop) = audit_json(
        b.path(),
        &[
            "--rule",
            "NIX-006",
            "--rule",
            "NIX-080",
            "--profile",
            "desktop",
        ],
    );
    assert_eq!(finding(&server, "NIX-006")["status"], "fail");
    assert_eq!(finding(&desktop, "NIX-006")["status"], "pass");
    // Forwarding defaults (yes) fail on a server only.
    assert_eq!(finding(&server, "NIX-080")["status"], "fail");
    assert_eq!(finding(&desktop, "NIX-080")["status"], "pass");
    nixsec()
        .args(["audit", "--profile", "laptop"])
        .assert()
        .code(2);
}

#[test]
fn unreadable_shadow_is_an_error_through_the_cli() {
    let b = nixos_root();
    std::fs::remove_file(b.path().join("etc/shadow")).expect("rm");
    std::fs::create_dir(b.path().join("etc/shadow")).expect("dir in the way");
    let (_, r) = audit_json(b.path(), &["--section", "accounts"]);
    for rule in ["NIX-130", "NIX-137", "NIX-138", "NIX-139"] {
        let f = finding(&r, rule);
        assert_ne!(f["status"], "pass", "{rule}: {f}");
    }
    assert_eq!(finding(&r, "NIX-130")["status"], "error");
}

fn proc_modules() -> Option<String> {
    std::fs::read_to_string("/proc/modules").ok()
}

#[test]
fn the_live_audit_changes_nothing() {
    // Kernel state: the loaded modules (lynis' own iptables calls load modules; nixsec must
    // not), a few sysctls the rules read, and a fixture root's whole tree.
    let keys = [
        "/proc/sys/kernel/kptr_restrict",
        "/proc/sys/kernel/modules_disabled",
        "/proc/sys/net/ipv4/conf/all/accept_redirects",
        "/proc/sys/kernel/tainted",
    ];
    let read_keys = || {
        keys.iter()
            .map(|k| std::fs::read_to_string(k).ok())
            .collect::<Vec<_>>()
    };
    let modules_before = proc_modules();
    let keys_before = read_keys();
    let fixture = copy_tree(nixos_root().path());
    let tree_before = snapshot(fixture.path());
    nixsec()
        .args(["audit", "--format", "json"])
        .args(SECTIONS)
        .assert()
        .code(predicates::ord::ge(0));
    nixsec()
        .args(["audit", "--format", "json", "--root"])
        .arg(fixture.path())
        .args(SECTIONS)
        .assert()
        .code(predicates::ord::ge(0));
    assert_eq!(
        proc_modules(),
        modules_before,
        "/proc/modules changed during the audit"
    );
    assert_eq!(read_keys(), keys_before, "sysctls changed during the audit");
    let changed = tree_before.diff(&snapshot(fixture.path()));
    assert!(changed.is_empty(), "changed by the audit: {changed:?}");
}
