//! `nixsec.toml`: ignores with reasons, expiry, severity overrides, and errors with lines.

use crate::{audit_json, finding, fixture, nixsec};

fn config(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("nixsec.toml");
    std::fs::write(&p, text).expect("write");
    (d, p)
}

#[test]
fn ignore_with_reason_accepts_a_failure() {
    let (_d, p) = config("[[ignore]]\nrule = \"NIX-012\"\nreason = \"Debian's Nix cannot sandbox here\"\nuntil = 2999-01-01\n");
    let (code, r) = audit_json(
        &fixture("insecure"),
        &["--config", p.to_str().expect("utf8"), "--rule", "NIX-012"],
    );
    assert_eq!(code, 0);
    let f = finding(&r, "NIX-012");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["ignored"]["reason"], "Debian's Nix cannot sandbox here");
    assert_eq!(r["summary"]["ignored"], 1);
}

#[test]
fn expired_ignore_is_reported_not_honoured() {
    let (_d, p) =
        config("[[ignore]]\nrule = \"NIX-012\"\nreason = \"temporary\"\nuntil = 2001-01-01\n");
    let out = nixsec()
        .args(["audit", "--format", "json", "--rule", "NIX-012", "--config"])
        .arg(&p)
        .arg("--root")
        .arg(fixture("insecure"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(finding(&r, "NIX-012")["ignored"].is_null());
    let w = r["summary"]["warnings"][0].as_str().expect("warning");
    assert!(w.contains("expired on 2001-01-01"), "{w}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
}

#[test]
fn severity_override_changes_the_exit_code() {
    let (_d, p) = config("[severity]\nNIX-012 = \"low\"\n");
    let (code, r) = audit_json(
        &fixture("insecure"),
        &["--config", p.to_str().expect("utf8"), "--rule", "NIX-012"],
    );
    assert_eq!(finding(&r, "NIX-012")["severity"], "low");
    assert_eq!(code, 0);
}

#[test]
fn bad_config_exits_2_with_the_line() {
    let (_d, p) = config("fail-on = \"high\"\n\n[[ignore]]\nrule = \"NIX-012\"\n");
    nixsec()
        .args(["audit", "--config"])
        .arg(&p)
        .arg("--root")
        .arg(fixture("insecure"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("line 3").and(predicates::str::contains("reason")));
    let (_d, p) = config("[[ignore]]\nrule = \"NIX-012\"\nreason = \"x\"\nexpires = 2027-01-01\n");
    nixsec()
        .args(["audit", "--config"])
        .arg(&p)
        .arg("--root")
        .arg(fixture("insecure"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("line 4").and(predicates::str::contains("expires")));
    nixsec()
        .args(["audit", "--config", "/no/such/nixsec.toml"])
        .assert()
        .code(2);
}

#[test]
fn config_under_the_root_is_used() {
    let t = nixsec_testutil::copy_tree(&fixture("insecure"));
    std::fs::write(t.path().join("etc/nixsec.toml"), "fail-on = \"none\"\n").expect("write");
    let (code, r) = audit_json(t.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["fail_on"], "none");
}

use predicates::prelude::*;
