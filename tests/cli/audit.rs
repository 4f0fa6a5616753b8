//! `nixsec audit` verdicts and exit codes on the fixture roots.

use crate::{audit_json, finding, fixture, nixsec};
use nixsec_testutil::{copy_tree, snapshot};

#[test]
fn insecure_root_reports_the_three_settings_and_exits_1() {
    let (code, r) = audit_json(&fixture("insecure"), &[]);
    assert_eq!(code, 1);
    // Lines from tests/fixtures/roots/insecure/etc/nix/nix.conf.
    for (rule, severity, line, value) in [
        ("NIX-012", "high", 4, "sandbox = false"),
        ("NIX-014", "high", 7, "trusted-users = root @wheel"),
        ("NIX-020", "critical", 8, "require-sigs = false"),
    ] {
        let f = finding(&r, rule);
        assert_eq!(f["status"], "fail", "{rule}");
        assert_eq!(f["severity"], severity, "{rule}");
        assert_eq!(f["evidence"][0]["path"], "/etc/nix/nix.conf", "{rule}");
        assert_eq!(f["evidence"][0]["line"], line, "{rule}");
        assert_eq!(f["evidence"][0]["value"], value, "{rule}");
        assert!(!f["remediation"]["nixos"]
            .as_str()
            .expect("nixos")
            .is_empty());
    }
    assert_eq!(finding(&r, "NIX-013")["status"], "fail");
    assert_eq!(finding(&r, "NIX-023")["status"], "pass");
    assert_eq!(finding(&r, "NIX-018")["status"], "skip");
}

#[test]
fn nixos_symlink_chain_is_followed_inside_the_root() {
    let (code, r) = audit_json(&fixture("nixos"), &["--section", "store-integrity"]);
    assert_eq!(code, 0, "{r:#}");
    for rule in ["NIX-020", "NIX-021", "NIX-022", "NIX-023"] {
        assert_eq!(finding(&r, rule)["status"], "pass", "{rule}");
    }
    let (_, r) = audit_json(&fixture("nixos"), &["--section", "multi-user"]);
    for rule in ["NIX-011", "NIX-012", "NIX-013", "NIX-014", "NIX-016"] {
        assert_eq!(
            finding(&r, rule)["status"],
            "pass",
            "{rule}: {}",
            finding(&r, rule)["message"]
        );
    }
    // `builders =` is empty in the NixOS-generated file: no remote builders.
    assert_eq!(finding(&r, "NIX-018")["status"], "skip");
    // Evidence names the path as the system sees it.
    assert_eq!(
        finding(&r, "NIX-012")["evidence"][0]["path"],
        "/etc/nix/nix.conf"
    );
    assert_eq!(finding(&r, "NIX-012")["evidence"][0]["line"], 11);
}

#[test]
fn garbage_nix_conf_is_an_error_naming_the_file() {
    let (code, r) = audit_json(
        &fixture("broken"),
        &["--rule", "NIX-012", "--rule", "NIX-020"],
    );
    assert_eq!(code, 2, "only errors: no check could run");
    for rule in ["NIX-012", "NIX-020"] {
        let f = finding(&r, rule);
        assert_eq!(f["status"], "error");
        let msg = f["message"].as_str().expect("message");
        assert!(
            msg.contains("`/etc/nix/nix.conf`") && msg.contains("not a text file"),
            "{msg}"
        );
    }
    // A missing /etc/group is an error for the rule that needs it, not a pass.
    let (_, r) = audit_json(&fixture("broken"), &["--rule", "NIX-011"]);
    assert_eq!(finding(&r, "NIX-011")["status"], "error");
}

#[test]
fn symlink_loop_is_an_error() {
    let (code, r) = audit_json(&fixture("loop"), &["--section", "store-integrity"]);
    assert_eq!(code, 2);
    let msg = finding(&r, "NIX-020")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(msg.contains("too many levels of symbolic links"), "{msg}");
}

#[test]
fn errors_beside_results_exit_0_unless_fail_on_error() {
    // NIX-011 errors (no /etc/group); NIX-016 runs and passes.
    let args = [
        "--rule",
        "NIX-011",
        "--rule",
        "NIX-016",
        "--fail-on",
        "critical",
    ];
    let root = fixture("nixos");
    let t = copy_tree(&root);
    std::fs::remove_file(t.path().join("etc/group")).expect("rm");
    let (code, r) = audit_json(t.path(), &args);
    assert_eq!(finding(&r, "NIX-011")["status"], "error");
    assert_eq!(finding(&r, "NIX-016")["status"], "pass");
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["error"], 1);
    let (code, _) = audit_json(
        t.path(),
        &[
            "--rule",
            "NIX-011",
            "--rule",
            "NIX-016",
            "--fail-on",
            "critical,error",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn fail_on_threshold() {
    let root = fixture("insecure");
    let (code, _) = audit_json(&root, &["--fail-on", "critical", "--rule", "NIX-012"]);
    assert_eq!(code, 0, "high is below critical");
    let (code, _) = audit_json(&root, &["--fail-on", "critical", "--rule", "NIX-020"]);
    assert_eq!(code, 1);
    let (code, _) = audit_json(&root, &["--fail-on", "none"]);
    assert_eq!(code, 0);
    let (code, _) = audit_json(&root, &["--fail-on", "low", "--rule", "NIX-013"]);
    assert_eq!(code, 1);
}

#[test]
fn usage_errors_exit_2() {
    nixsec()
        .args(["audit", "--rule", "NIX-999"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown rule `NIX-999`"));
    nixsec()
        .args(["audit", "--section", "nope"])
        .assert()
        .code(2);
    nixsec()
        .args(["audit", "--fail-on", "severe"])
        .assert()
        .code(2);
    nixsec()
        .args(["audit", "--root", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/definitely/not/here"));
    nixsec().args(["audit", "--format", "xml"]).assert().code(2);
    nixsec().arg("frobnicate").assert().code(2);
}

#[test]
fn the_audit_writes_nothing_under_the_root() {
    for name in ["insecure", "nixos", "broken", "loop"] {
        let t = copy_tree(&fixture(name));
        let before = snapshot(t.path());
        for format in ["text", "json", "sarif"] {
            nixsec()
                .args(["audit", "-v", "--format", format, "--root"])
                .arg(t.path())
                .assert()
                .code(predicates::ord::ge(0));
        }
        let changed = before.diff(&snapshot(t.path()));
        assert!(
            changed.is_empty(),
            "{name}: changed by the audit: {changed:?}"
        );
    }
}

#[test]
fn control_characters_from_the_host_are_escaped() {
    let t = copy_tree(&fixture("insecure"));
    std::fs::write(
        t.path().join("etc/nix/nix.conf"),
        "trusted-users = root \x1b[2J\x1b]0;pwned\x07evil\n",
    )
    .expect("write");
    let out = nixsec()
        .args(["audit", "--color", "never", "--rule", "NIX-014", "--root"])
        .arg(t.path())
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    assert!(text.contains("\\x1b[2J"), "{text}");
    // JSON keeps the exact value, escaped by JSON itself.
    let (_, r) = audit_json(t.path(), &["--rule", "NIX-014"]);
    assert!(finding(&r, "NIX-014")["evidence"][0]["value"]
        .as_str()
        .expect("value")
        .contains('\x1b'));
}

#[test]
fn colour_follows_the_flag() {
    let root = fixture("insecure");
    let out = nixsec()
        .args(["audit", "--color", "always", "--root"])
        .arg(&root)
        .output()
        .expect("run");
    assert!(out.stdout.contains(&0x1b));
    let out = nixsec()
        .args(["audit", "--color", "auto", "--root"])
        .arg(&root)
        .output()
        .expect("run");
    assert!(!out.stdout.contains(&0x1b), "not a terminal");
    let out = nixsec()
        .args(["audit", "--root"])
        .arg(&root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.json");
    nixsec()
        .args(["audit", "--format", "json", "--output"])
        .arg(&file)
        .arg("--root")
        .arg(fixture("insecure"))
        .assert()
        .code(1)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(v["tool"]["name"], "nixsec");
    let out = nixsec()
        .args(["audit", "--quiet", "--root"])
        .arg(fixture("insecure"))
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("NIX-012") && !text.contains("NIX-023"),
        "{text}"
    );
}
