//! `nixsec lint` on `tests/fixtures/lint`: exit codes, the three formats, suppression, parse
//! errors, `.gitignore`, and the rule that nothing outside the given paths is read. Expected
//! findings are written by hand from the fixture files.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{nixsec, run_json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

/// `nixsec lint ARGS` run inside `tests/fixtures/lint/basic` (so paths print relative).
fn lint_basic(args: &[&str]) -> std::process::Output {
    nixsec()
        .current_dir(fixtures().join("basic"))
        .arg("lint")
        .args(args)
        .output()
        .expect("run")
}

/// `(rule, file, line, column, status, ignored)` of every finding.
fn rows(v: &Value) -> Vec<(String, String, u64, u64, String, bool)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["status"].as_str().expect("status").to_string(),
                f.get("ignored").is_some(),
            )
        })
        .collect()
}

fn row(
    rule: &str,
    file: &str,
    line: u64,
    col: u64,
    status: &str,
    ignored: bool,
) -> (String, String, u64, u64, String, bool) {
    (rule.into(), file.into(), line, col, status.into(), ignored)
}

#[test]
fn json_findings_by_hand() {
    let (code, v) = run_json(
        nixsec()
            .current_dir(fixtures().join("basic"))
            .args(["lint", "--format", "json", "."]),
    );
    assert_eq!(code, 1, "high findings fail the run by default");
    assert_eq!(
        rows(&v),
        [
            row("parse-error", "broken.nix", 4, 1, "error", false),
            row("NIX-073", "configuration.nix", 13, 35, "fail", true),
            row("NIX-070", "configuration.nix", 15, 44, "fail", false),
            row("NIX-014", "configuration.nix", 17, 41, "fail", false),
            row("NIX-090", "configuration.nix", 19, 37, "fail", false),
            row("NIX-079", "ssh.nix", 4, 14, "fail", false),
            row("NIX-078", "ssh.nix", 6, 25, "fail", false),
            row("NIX-030", "users.nix", 7, 25, "fail", false),
            row("NIX-056", "users.nix", 8, 31, "fail", false),
        ]
    );
    let f = &v["findings"][2];
    assert_eq!(f["option"], "networking.firewall.enable");
    assert_eq!(f["value"], "false");
    assert_eq!(f["conditional"], false);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["section"], "firewall");
    assert_eq!(
        f["remediation"]["nixos"],
        "networking.firewall.enable = true;"
    );
    assert_eq!(f["evidence"][0]["path"], "configuration.nix");
    assert_eq!(f["evidence"][0]["line"], 15);
    // The trusted user comes from a `let` binding.
    assert_eq!(v["findings"][3]["value"], r#"[ "root" "alice" ]"#);
    // Under `mkIf`: conditional, with the condition as written.
    let pw = &v["findings"][7];
    assert_eq!(pw["conditional"], true);
    assert_eq!(pw["condition"], "config.site.lab");
    // Configuration-level: against the entry point and the file that enabled sshd.
    let kbd = &v["findings"][5];
    assert_eq!(kbd["entry_point"], "configuration.nix");
    assert_eq!(
        kbd["option"],
        "services.openssh.settings.KbdInteractiveAuthentication"
    );
    assert_eq!(v["files"], 5);
    assert_eq!(v["configurations"][0]["entry_point"], "configuration.nix");
    assert_eq!(
        v["configurations"][0]["modules"],
        serde_json::json!(["configuration.nix", "ssh.nix", "users.nix"])
    );
    let nf = v["configurations"][0]["not_followed"][0]
        .as_str()
        .expect("note");
    assert!(nf.starts_with("../outside.nix"), "{nf}");
    assert_eq!(v["summary"]["fail"], 7);
    assert_eq!(v["summary"]["error"], 1);
    assert_eq!(v["summary"]["ignored"], 1);
    assert_eq!(v["summary"]["failing"], 6);
}

#[test]
fn text_is_a_compiler_diagnostic() {
    let out = lint_basic(&["ssh.nix"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf8");
    let expected = "\
high[NIX-078]: root may log in over SSH (`yes` allows every authentication method)
 --> ssh.nix:6:25
  |
6 |       PermitRootLogin = \"yes\";
  |                         ^^^^^ SSH root login permitted
  |
  = option: services.openssh.settings.PermitRootLogin = \"yes\"
  = fix: services.openssh.settings.PermitRootLogin = \"no\";

nixsec lint: 1 files, 0 configurations: 1 findings (0 critical, 1 high, 0 medium, 0 low, 0 info), 0 errors, 0 ignored
fail-on: high — the run fails (1 failing result)
";
    assert_eq!(text, expected);
}

#[test]
fn sarif_regions() {
    let out = lint_basic(&["--format", "sarif", "configuration.nix"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let fw = results
        .iter()
        .find(|r| r["ruleId"] == "NIX-070")
        .expect("NIX-070");
    assert_eq!(fw["level"], "error");
    let loc = &fw["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "configuration.nix");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 15, "startColumn": 44, "endLine": 15, "endColumn": 49})
    );
    let sup = results
        .iter()
        .find(|r| r["ruleId"] == "NIX-073")
        .expect("NIX-073");
    assert_eq!(sup["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        sup["suppressions"][0]["justification"],
        "grafana is only reachable over the VPN"
    );
}

#[test]
fn imports_outside_the_given_paths_are_not_read() {
    // Linting the parent makes `../outside.nix` part of the configuration: it sets
    // KbdInteractiveAuthentication, and the configuration-level NIX-079 goes away.
    let (_, v) = run_json(
        nixsec()
            .current_dir(fixtures())
            .args(["lint", "--format", "json", "--rule", "NIX-079", "."]),
    );
    let n079 = |v: &Value| rows(v).iter().filter(|r| r.0 == "NIX-079").count();
    assert_eq!(n079(&v), 0, "{v}");
    let (_, v) = run_json(
        nixsec()
            .current_dir(fixtures().join("basic"))
            .args(["lint", "--format", "json", "--rule", "NIX-079", "."]),
    );
    assert_eq!(n079(&v), 1, "{v}");
}

#[test]
fn home_manager_look_alikes_are_quiet() {
    let out = lint_basic(&["--format", "json", "home.nix"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn suppression_without_reason_warns_and_is_not_honoured() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("a.nix"),
        "{\n  # nixsec: ignore NIX-070\n  networking.firewall.enable = false;\n}\n",
    )
    .expect("write");
    std::fs::write(d.path().join(".gitignore"), "skipped.nix\n").expect("write");
    std::fs::write(
        d.path().join("skipped.nix"),
        "{ nix.settings.sandbox = false; }",
    )
    .expect("write");
    let out = nixsec()
        .current_dir(d.path())
        .args(["lint", "--format", "json", "."])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows(&v), [row("NIX-070", "a.nix", 3, 32, "fail", false)]);
    let w = v["summary"]["warnings"][0].as_str().expect("warning");
    assert!(
        w.contains("`a.nix`:2: `nixsec: ignore NIX-070` has no reason"),
        "{w}"
    );
    let err = String::from_utf8(out.stderr).expect("utf8");
    assert!(err.contains("has no reason"), "{err}");
}

#[test]
fn bad_arguments_exit_2() {
    let out = lint_basic(&["--rule", "NIX-999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown configuration rule `NIX-999`"));
    let out = lint_basic(&["no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`no-such-dir`"));
}

#[test]
fn only_parse_errors_exit_2_and_fail_on_none_exits_0() {
    let out = lint_basic(&["broken.nix"]);
    assert_eq!(out.status.code(), Some(2));
    let out = lint_basic(&["--fail-on", "none", "."]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn one_and_two_workers_agree() {
    let a = lint_basic(&["--format", "json", "-j", "1", "."]);
    let b = lint_basic(&["--format", "json", "-j", "2", "."]);
    let strip = |o: &std::process::Output| {
        let mut v: Value = serde_json::from_slice(&o.stdout).expect("json");
        v["findings"].take()
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn explain_knows_configuration_rules() {
    let out = nixsec().args(["explain", "nix-070"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.starts_with("NIX-070  Firewall disabled\n"), "{text}");
    assert!(
        text.contains("  networking.firewall.enable = true;\n"),
        "{text}"
    );
    assert!(
        text.contains("crates/nixsec-lint/src/rules/firewall/firewall_disabled.rs"),
        "{text}"
    );
}

#[test]
fn nixsec_toml_ignores_overrides_and_fail_on() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("a.nix"),
        "{\n  networking.firewall.enable = false;\n  nix.settings.sandbox = false;\n}\n",
    )
    .expect("write");
    // Found in the directory linted: NIX-070 accepted, NIX-012 lowered to low.
    std::fs::write(
        d.path().join("nixsec.toml"),
        "fail-on = \"medium\"\n\n[[ignore]]\nrule = \"NIX-070\"\nreason = \"lab network\"\n\n[[ignore]]\nrule = \"NIX-014\"\nreason = \"old\"\nuntil = 2020-01-01\n\n[severity]\nNIX-012 = \"low\"\n",
    )
    .expect("write");
    let (code, v) = run_json(
        nixsec()
            .current_dir(d.path())
            .args(["lint", "--format", "json", "."]),
    );
    assert_eq!(
        rows(&v),
        [
            row("NIX-070", "a.nix", 2, 32, "fail", true),
            row("NIX-012", "a.nix", 3, 26, "fail", false),
        ]
    );
    assert_eq!(v["findings"][0]["ignored"]["reason"], "lab network");
    assert_eq!(v["findings"][1]["severity"], "low");
    assert_eq!(code, 0, "only a low finding is left, below fail-on medium");
    let w = v["summary"]["warnings"].to_string();
    assert!(w.contains("expired on 2020-01-01"), "{w}");
    // The command line wins over the file.
    let out = nixsec()
        .current_dir(d.path())
        .args(["lint", "--fail-on", "low", "."])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    // --config names another file; a bad one is an error naming its line.
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "fail-on = \"high\"\nbogus = 1\n").expect("write");
    let out = nixsec()
        .current_dir(d.path())
        .args(["lint", "--config"])
        .arg(&bad)
        .arg(".")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("line 2"), "{err}");
}

#[test]
fn secret_files_and_literals_are_reported_redacted() {
    // Written here, not committed: the token and the passwords are made up at test time.
    let token = format!("ghp_{}", "Zx9Kq2Lm".repeat(4) + "Ab3D");
    let psk = "correct horse battery staple";
    let pw = "Wr0ng-Horse!Battery9";
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("configuration.nix"),
        format!(
            r#"{{ config, lib, pkgs, ... }}:
let
  secrets = import ./secrets.nix;
in
{{
  services.app.environmentFile = ./secrets/app.env;
  services.app.passwordFile = "/run/secrets/app";
  age.secrets.db.file = ./secrets/db.age;
  sops.defaultSopsFile = ./secrets/secrets.yaml;
  services.mail.settings.smtp_password = secrets.smtp;
  networking.wireless.networks.home.psk = "{psk}";
  networking.wireless.networks.work.pskRaw = "ext:psk_work";
  systemd.services.ci.environment.GITHUB_TOKEN = lib.mkForce "{token}";
  services.db.extraConfig = ''
    listen = 127.0.0.1
    password = {pw}
  '';
  services.web.settings.admin_password = "@ADMIN_PASSWORD@";
}}
"#
        ),
    )
    .expect("write");
    let (code, v) = run_json(
        nixsec()
            .current_dir(d.path())
            .args(["lint", "--format", "json", "."]),
    );
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["subject"].as_str().expect("subject").to_string(),
            )
        })
        .collect();
    let want = [
        ("NIX-032", 6, 34, "services.app.environmentFile"),
        ("NIX-032", 10, 42, "services.mail.settings.smtp_password"),
        ("NIX-033", 11, 43, "networking.wireless.networks.home.psk"),
        (
            "NIX-033",
            13,
            62,
            "systemd.services.ci.environment.GITHUB_TOKEN",
        ),
        ("NIX-033", 14, 29, "services.db.extraConfig"),
    ]
    .map(|(r, l, c, s)| (r.to_string(), l, c, s.to_string()));
    assert_eq!(got, want, "{v:#}");
    let tok = &v["findings"][3];
    assert_eq!(tok["value"], "\"…[redacted, 40 chars]\"");
    assert_eq!(
        tok["message"],
        "`systemd.services.ci.environment.GITHUB_TOKEN` holds a secret in plain text: GitHub token `ghp_…[redacted, 40 chars]`"
    );
    assert_eq!(
        tok["remediation"]["nixos"],
        "systemd.services.ci.serviceConfig.EnvironmentFile = \"/run/secrets/ci.env\";  # GITHUB_TOKEN=… in that file"
    );
    // No output format shows a secret; the text report masks it in the source line.
    for format in ["json", "sarif", "text"] {
        let out = nixsec()
            .current_dir(d.path())
            .args(["lint", "--format", format, "."])
            .output()
            .expect("run");
        let text = String::from_utf8(out.stdout).expect("utf8");
        for secret in [token.as_str(), &token[4..], psk, pw] {
            assert!(!text.contains(secret), "{format} shows `{secret}`:\n{text}");
        }
        if format == "text" {
            assert!(
                text.contains("13 |   systemd.services.ci.environment.GITHUB_TOKEN = lib.mkForce \"****************************************\";"),
                "{text}"
            );
        }
    }
}
