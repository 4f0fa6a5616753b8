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
            row("NIX-079", "ssh.nix", 3, 3, "fail", false),
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
    // Given alone, the module is checked with what it imports: `KbdInteractiveAuthentication`
    // is left at its default. The finding spans the block that turns sshd on (lines 3-4),
    // shown from its first line.
    let expected = "\
medium[NIX-079]: sshd is enabled and `KbdInteractiveAuthentication` is never set: the NixOS default (`true`) accepts passwords (a module no host configuration that nixsec found imports, checked with what it imports)
 --> ssh.nix:3:3
  |
3 |   services.openssh = {
  |   ^^^^^^^^^^^^^^^^^^^^ SSH password login possible
  |
  = option: services.openssh.settings.KbdInteractiveAuthentication
  = configuration: ssh.nix
  = fix: services.openssh.settings.KbdInteractiveAuthentication = false;

high[NIX-078]: root may log in over SSH (`yes` allows every authentication method)
 --> ssh.nix:6:25
  |
6 |       PermitRootLogin = \"yes\";
  |                         ^^^^^ SSH root login permitted
  |
  = option: services.openssh.settings.PermitRootLogin = \"yes\"
  = fix: services.openssh.settings.PermitRootLogin = \"no\";

nixsec lint: 1 files, 0 configurations: 2 findings (0 critical, 1 high, 1 medium, 0 low, 0 info), 0 errors, 0 ignored
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
    // Only `basic/`'s configuration: the `causes/` fixtures have NIX-079 findings of their own.
    let n079 = |v: &Value| {
        rows(v)
            .iter()
            .filter(|r| r.0 == "NIX-079" && !r.1.starts_with("causes/"))
            .count()
    };
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
    std::fs::write(d.path().join(".ignore"), "skipped.nix\n").expect("write");
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

/// `# nixsec: ignore NIX-073[services.jellyfin] -- reason` accepts the finding about that
/// subject only; a subject that names no finding is a warning.
#[test]
fn suppression_may_name_a_subject() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("a.nix"),
        "{\n  # nixsec: ignore NIX-073[services.jellyfin] -- lan only\n  services = { jellyfin.openFirewall = true; plex.openFirewall = true; }; # nixsec: ignore NIX-073[services.nope] -- typo\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got: Vec<(&str, bool)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-073")
        .map(|f| {
            (
                f["subject"].as_str().expect("subject"),
                f.get("ignored").is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("services.jellyfin", true), ("services.plex", false)],
        "{v:#}"
    );
    assert_eq!(
        v["summary"]["warnings"],
        serde_json::json!([
            "`a.nix`:3: `nixsec: ignore NIX-073[services.nope]` matched no finding; remove it"
        ]),
        "{v:#}"
    );
}

/// The NixOS firewall turned off in one module and replaced by a default-deny nftables input
/// chain in another: NIX-070 only where a host (or, for modules no host reaches, the same
/// directory under the same condition) has no such chain.
#[test]
fn a_firewall_replaced_by_nftables_in_another_module() {
    let d = tempfile::tempdir().expect("tempdir");
    let w = |p: &str, t: &str| {
        let p = d.path().join(p);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, t).expect("write");
    };
    let deny = "{ networking.nftables = { enable = true; ruleset = ''\n  table inet filter {\n    chain input {\n      type filter hook input priority 0; policy drop;\n      iif lo accept\n    }\n  }\n''; }; }\n";
    w(
        "fw-off.nix",
        "{\n  networking.firewall.enable = false;\n}\n",
    );
    w("nft.nix", deny);
    w(
        "hosts/router/configuration.nix",
        "{ imports = [ ../../fw-off.nix ../../nft.nix ]; system.stateVersion = \"25.05\"; }\n",
    );
    w(
        "hosts/open/configuration.nix",
        "{ imports = [ ./fw.nix ]; system.stateVersion = \"25.05\"; }\n",
    );
    w(
        "hosts/open/fw.nix",
        "{\n  networking.firewall.enable = false;\n}\n",
    );
    // Modules no host imports: the router's pieces, under one condition.
    w("modules/router/interfaces.nix", "{ config, lib, ... }: let cfg = config.my.router; in {\n  config = lib.mkIf cfg.enable {\n    networking.firewall.enable = false;\n  };\n}\n");
    w("modules/router/firewall.nix", "{ config, lib, ... }: let cfg = config.my.router; in {\n  config = lib.mkIf cfg.enable {\n    networking.nftables.ruleset = \"table inet f { chain input { type filter hook input priority 0; policy drop; } }\";\n  };\n}\n");
    w("modules/desk/fw.nix", "{ config, lib, ... }: {\n  config = lib.mkIf config.my.desk {\n    networking.firewall.enable = false;\n  };\n}\n");
    let (_, v) = lint_json(d.path());
    let mut got: Vec<(&str, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-070")
        .map(|f| {
            (
                f["file"].as_str().expect("file"),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [("hosts/open/fw.nix", 2), ("modules/desk/fw.nix", 3)],
        "{v:#}"
    );
}

/// A default-based finding of sshd turned on inside a block spans the block's binding to the
/// enabling line (`services.openssh = {` .. `enable = true;`: where the missing setting goes),
/// and a suppression on any of those lines applies to it.
#[test]
fn default_findings_span_the_block_that_turns_the_service_on() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("configuration.nix"),
        "{\n  system.stateVersion = \"24.05\";\n  services.openssh = {\n    ports = [ 2222 ];\n    # nixsec: ignore NIX-078 -- root has no keys\n    enable = true;\n  };\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let mut got: Vec<(&str, u64, u64, bool)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["line"].as_u64().expect("line"),
                f["end_line"].as_u64().expect("end_line"),
                f.get("ignored").is_some(),
            )
        })
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("NIX-078", 3, 6, true),
            ("NIX-079", 3, 6, false),
            ("NIX-079", 3, 6, false)
        ],
        "{v:#}"
    );
}

/// A value imported from a file of the run that nixsec reads in the clear is judged where it is
/// written there (its literal is NIX-033); imported from a file that is not there (a private,
/// untracked secrets directory), it is NIX-032 at the use.
#[test]
fn imported_secrets_are_judged_where_they_are_written() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("vars.nix"),
        "{ config }: {\n  smtpPassword = \"Zq8vLm2Rt7pX\";\n}\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("mail.nix"),
        "{ config, pkgs, ... }:\nlet\n  opt = import ./vars.nix { inherit config; };\n  priv = (import ./private) { inherit pkgs; };\nin {\n  services.grafana.settings.smtp.password = opt.smtpPassword;\n  services.quicktun.a.privateKey = priv.quicktun.a;\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-032" || f["rule"] == "NIX-033")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["file"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        got.contains(&("NIX-032".to_string(), "mail.nix".to_string(), 7)),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|(r, f, l)| r == "NIX-032" && f == "mail.nix" && *l == 6),
        "{got:?}"
    );
}

/// A secret file given as a path is copied into the store: reported unless the file in the
/// repository is encrypted (an environment file of `openssl enc` ciphertexts, an age file),
/// whatever its name.
#[test]
fn path_literals_of_encrypted_files_are_not_secrets_in_the_store() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("sealed.env"),
        "# written by the secrets module\nTOKEN=U2FsdGVkX1/XlS/KZygPnjqevCDKQPUPCSLfX57KLQfrV7fJ==\nDB_PASSWORD=\"U2FsdGVkX1+vC4rpXCVoVohVOvFPIEjYqYl9fofQWpHgnmTNg7dg==\"\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("sealed.key"),
        "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("clear.env"),
        "TOKEN=U2FsdGVkX1/XlS/KZyg\nDB_PASSWORD=hunter2hunter2\n",
    )
    .expect("write");
    // git-crypt: in the clear in a checkout that has the key, and so in the store.
    std::fs::write(d.path().join("crypted.key"), b"\0GITCRYPT\0\x01\x02").expect("write");
    // A FIFO named like a key is not read (it would block the run).
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.path().join("pipe.key"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    std::fs::write(
        d.path().join("app.nix"),
        "{\n  services.a.environmentFile = ./sealed.env;\n  services.b.keyFile = ./sealed.key;\n  services.c.environmentFile = ./clear.env;\n  services.d.environmentFile = ./missing.env;\n  services.e.keyFile = ./crypted.key;\n  services.f.keyFile = ./pipe.key;\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let lines: Vec<u64> = rule_rows(&v, "NIX-032", "rule")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, [4, 5, 6, 7], "{v}");
}

/// A file named like a key whose content is public material (a certificate chain, an
/// `authorized_keys` list) is no secret; one that holds a private key beside a certificate is.
/// A file read into a program's settings right after a secret's name is that secret, whatever
/// the file is called (`password = "${lib.fileContents ./spotifyd.pass}"`).
#[test]
fn public_material_on_disk_is_no_secret_and_a_read_after_a_secrets_name_is_one() {
    let d = tempfile::tempdir().expect("tempdir");
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    std::fs::write(d.path().join("intermediate.pem"), format!("{cert}{cert}")).expect("write");
    std::fs::write(
        d.path().join("bundle.pem"),
        format!("{cert}-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"),
    )
    .expect("write");
    std::fs::write(
        d.path().join("deploy.key"),
        "# keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0 a@b\nno-pty ssh-rsa AAAAB3NzaC1yc2E c@d\n",
    )
    .expect("write");
    std::fs::write(d.path().join("spotifyd.pass"), "hunter2hunter2\n").expect("write");
    std::fs::write(d.path().join("motd.txt"), "welcome\n").expect("write");
    std::fs::write(
        d.path().join("app.nix"),
        "{ lib, ... }: {\n  services.nginx.appendHttpConfig = \"ssl_client_certificate ${./intermediate.pem};\";\n  services.b.keyFile = ./bundle.pem;\n  services.c.keyFile = ./deploy.key;\n  services.spotifyd.config = ''\n    password = \"${lib.fileContents ./spotifyd.pass}\"\n    banner = \"${lib.fileContents ./motd.txt}\"\n  '';\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let lines: Vec<u64> = rule_rows(&v, "NIX-032", "rule")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, [3, 6], "{v}");
}

/// A credential encrypted by `systemd-creds encrypt` (binary, or the base64 it prints) is
/// encrypted on disk; a file name built at evaluation (`./creds/initrd-key-${host}`) stands for
/// the files of its directory it can name: encrypted when every one is.
#[test]
fn systemd_credentials_and_per_host_names_are_encrypted_on_disk() {
    use base64::Engine as _;
    let d = tempfile::tempdir().expect("tempdir");
    for dir in ["creds", "mixed"] {
        std::fs::create_dir(d.path().join(dir)).expect("mkdir");
    }
    // CRED_AES256_GCM_BY_TPM2_HMAC, then the rest of a header and ciphertext.
    let mut blob = vec![
        0x0c, 0x7c, 0xc0, 0x7b, 0x11, 0x76, 0x45, 0x91, 0x9c, 0x4b, 0x0b, 0xea, 0x08, 0xbc, 0x20,
        0xfe,
    ];
    blob.extend((0u8..200).map(|i| i.wrapping_mul(37)));
    let text = base64::engine::general_purpose::STANDARD.encode(&blob);
    std::fs::write(d.path().join("creds/initrd-key-alpha"), &text).expect("write");
    std::fs::write(d.path().join("creds/initrd-key-beta"), &blob).expect("write");
    std::fs::write(d.path().join("mixed/initrd-key-alpha"), &text).expect("write");
    std::fs::write(
        d.path().join("mixed/initrd-key-beta"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .expect("write");
    // CRED_AES256_GCM_BY_NULL: no key, no confidentiality.
    let mut null = vec![
        0x05, 0x84, 0x69, 0xda, 0xf6, 0xf5, 0x43, 0x24, 0x80, 0x05, 0x49, 0xda, 0x0f, 0x8e, 0xa2,
        0xfb,
    ];
    null.extend([1u8; 64]);
    std::fs::write(d.path().join("null.key"), &null).expect("write");
    std::fs::write(d.path().join("sealed.key"), &blob).expect("write");
    std::fs::write(
        d.path().join("host.nix"),
        "{ host, ... }: {\n  boot.initrd.secrets.\"/etc/a\" = ./creds/initrd-key-${host};\n  boot.initrd.secrets.\"/etc/b\" = ./mixed/initrd-key-${host};\n  services.b.keyFile = ./sealed.key;\n  services.c.keyFile = ./null.key;\n  boot.initrd.secrets.\"/etc/c\" = ./creds/none-${host};\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let lines: Vec<u64> = rule_rows(&v, "NIX-032", "rule")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, [3, 5, 6], "{v}");
}

/// A file of the flake's own source read by an interpolated path (`"${inputs.self}/secrets/x"`)
/// is judged as `./secrets/x` is, from the flake's root: a sops document stays encrypted, a file
/// in the clear (or missing) is copied into the store.
#[test]
fn files_read_from_the_flakes_own_source() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{ outputs = { ... }: { }; }\n"),
            ("secrets/secrets.json", "{\n \"pw\": \"ENC[AES256_GCM,data:kCxxo8VlsKiwIw==,iv:aVpVZvrCyjEydka0My7dMSnvg8LGsExws6eVuRbRhC8=,tag:6YtH/rnVVtDTgf2SpeG3vg==,type:str]\",\n \"sops\": { \"mac\": \"ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\" }\n}\n"),
            ("secrets/plain.json", "{ \"pw\": \"hunter2hunter2\" }\n"),
            ("hosts/a/default.nix", "{ inputs, ... }: {\n  home-manager.extraSpecialArgs.secrets = builtins.fromJSON (builtins.readFile \"${inputs.self}/secrets/secrets.json\");\n  services.x.settings = builtins.fromJSON (builtins.readFile \"${inputs.self}/secrets/plain.json\");\n  services.y.settings = builtins.readFile (inputs.self + \"/secrets/missing\");\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let lines: Vec<u64> = rule_rows(&v, "NIX-032", "rule")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(lines, [3, 4], "{v}");
}

/// `services.displayManager.autoLogin.enable` defaults to `user != null` (nixpkgs'
/// display-managers module): a host that names the user alone logs them in; a host where a
/// module sets the switch (`mkDefault false` in a shared file) does not, and a switch of
/// unknown value is not judged. Only display managers that read it (GDM, SDDM, LightDM) count.
#[test]
fn the_autologin_user_alone_is_an_automatic_login() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a ]; };\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./modules/xorg.nix ./hosts/b ]; };\n    nixosConfigurations.c = nixpkgs.lib.nixosSystem { modules = [ ./hosts/c ]; };\n  };\n}\n"),
            ("modules/xorg.nix", "{ lib, ... }: {\n  services.xserver.enable = true;\n  services.displayManager.autoLogin.enable = lib.mkDefault false;\n}\n"),
            ("hosts/a/default.nix", "{ ... }: {\n  services.xserver = { enable = true; desktopManager.xfce.enable = true; };\n  services.displayManager.autoLogin.user = \"mara\";\n}\n"),
            ("hosts/b/default.nix", "{ ... }: {\n  services.displayManager.autoLogin.user = \"leix\";\n}\n"),
            ("hosts/c/default.nix", "{ config, ... }: {\n  services.displayManager.sddm.enable = true;\n  services.xserver.displayManager.autoLogin = {\n    enable = config.my.autologin;\n    user = \"root\";\n  };\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let mut got = rule_rows(&v, "NIX-136", "file");
    got.sort();
    assert_eq!(got, [(3, "hosts/a/default.nix".to_string())], "{v}");
    // greetd reads no `autoLogin`: a host with greetd alone is not logged in by it.
    write_tree(
        d.path(),
        &[
            ("hosts/a/default.nix", "{ ... }: {\n  services.greetd.enable = true;\n  services.displayManager.autoLogin.user = \"mara\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert!(rule_rows(&v, "NIX-136", "file").is_empty(), "{v}");
}

/// A table of hosts mapped through a helper of the flake (`mapAttrs (name: host: makeNixOS
/// name host.system host.extraModules) nixosHosts`): one host per entry, with the helper's
/// modules and the entry's own, of the helper's kind (nix-darwin for `makeDarwin`).
#[test]
fn a_table_of_hosts_mapped_through_a_helper_builds_each_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, darwin, ... }: let\n    nixosHosts = {\n      lime = { system = \"x86_64-linux\"; extraModules = [ ./hosts/lime ./modules/server.nix ]; };\n    };\n    darwinHosts = {\n      book = { system = \"aarch64-darwin\"; extraModules = [ ./hosts/book ]; };\n    };\n    common = hostName: [ ({ ... }: { networking.hostName = hostName; }) ];\n    makeNixOS = hostName: system: extraModules:\n      nixpkgs.lib.nixosSystem {\n        inherit system;\n        modules = [ ./modules/linux ] ++ common hostName ++ extraModules;\n      };\n    makeDarwin = hostName: system: extraModules:\n      darwin.lib.darwinSystem {\n        inherit system;\n        modules = [ ./modules/darwin ] ++ extraModules;\n      };\n  in {\n    nixosConfigurations = builtins.mapAttrs (name: host: makeNixOS name host.system host.extraModules) nixosHosts;\n    darwinConfigurations = builtins.mapAttrs (name: host: makeDarwin name host.system host.extraModules) darwinHosts;\n  };\n}\n"),
        ],
    );
    write_tree(
        d.path(),
        &[
            (
                "modules/linux/default.nix",
                "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n}\n",
            ),
            (
                "modules/server.nix",
                "{ ... }: {\n  services.openssh.enable = true;\n}\n",
            ),
            (
                "modules/darwin/default.nix",
                "{ ... }: {\n  system.defaults.dock.autohide = true;\n}\n",
            ),
            (
                "hosts/lime/default.nix",
                "{ ... }: {\n  system.stateVersion = \"25.05\";\n}\n",
            ),
            (
                "hosts/book/default.nix",
                "{ ... }: {\n  system.stateVersion = 6;\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let configs: Vec<(String, String, Vec<String>)> = v["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .map(|c| {
            let mut m: Vec<String> = c["modules"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|x| x.as_str().unwrap_or("").to_string())
                        .filter(|x| x != "flake.nix")
                        .collect()
                })
                .unwrap_or_default();
            m.sort();
            (
                c["entry_point"].as_str().unwrap_or("").to_string(),
                c["kind"].as_str().unwrap_or("").to_string(),
                m,
            )
        })
        .collect();
    assert_eq!(
        configs,
        [
            (
                "flake.nix#nixosConfigurations.lime".to_string(),
                "nixos".to_string(),
                vec![
                    "hosts/lime/default.nix".to_string(),
                    "modules/linux/default.nix".to_string(),
                    "modules/server.nix".to_string()
                ]
            ),
            (
                "flake.nix#darwinConfigurations.book".to_string(),
                "darwin".to_string(),
                vec![
                    "hosts/book/default.nix".to_string(),
                    "modules/darwin/default.nix".to_string()
                ]
            ),
        ],
        "{v}"
    );
}

/// Host records folded over a helper taking one set of named arguments (`mkNixosConfiguration
/// = { name, system ? …, modules, ... }: nixosSystem { inherit system modules; }`, the list of
/// `{ name = …; modules = [ … ]; }` given to a `foldl` of it): one host per record, its inline
/// modules read (an installer's root hash and sshd settings were never looked at).
#[test]
fn host_records_given_to_a_helper_of_named_arguments_are_hosts() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("hosts/default.nix", "{ nixpkgs, ... }: let\n  mkNixosConfiguration = { name, system ? \"x86_64-linux\", modules, homeOptions ? { } }:\n    nixpkgs.lib.nixosSystem { inherit system modules; specialArgs = { inherit name homeOptions; }; };\n  mkNixosConfigurations = nixpkgs.lib.foldl (acc: conf: { \"${conf.name}\" = mkNixosConfiguration conf; } // acc) { };\nin\n  mkNixosConfigurations [\n    {\n      name = \"desktop\";\n      modules = [ ./desktop.nix ];\n      homeOptions.cli.fish.enable = true;\n    }\n    {\n      name = \"installer\";\n      modules = [\n        ({ lib, ... }: {\n          users.users.root.initialHashedPassword = lib.mkForce \"$y$j9T$M93AAG05U9RRsjhXIamCL/$YT5Eu.P4ci1hx11vb0P/loGWp6Qpz7hcENtUAj2jryC\";\n          services.openssh.enable = true;\n        })\n      ];\n    }\n  ]\n"),
            ("hosts/desktop.nix", "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let entries = entry_points(&v);
    assert_eq!(
        entries,
        [
            "hosts/default.nix#mkNixosConfiguration.desktop",
            "hosts/default.nix#mkNixosConfiguration.installer"
        ],
        "{v}"
    );
    let mut got: Vec<(String, i64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["line"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(
        got,
        [
            ("NIX-031".to_string(), 16),
            ("NIX-078".to_string(), 17),
            ("NIX-079".to_string(), 17),
            ("NIX-090".to_string(), 2)
        ],
        "{v}"
    );
}

/// lanzaboote under a switch of the repository's own (`mkIf cfg.enable` with `cfg =
/// config.my.secureboot`): a host that turns the switch on boots lanzaboote (its editor is
/// judged, the systemd-boot it forces off is not); a host that never does boots systemd-boot.
#[test]
fn lanzaboote_under_a_repository_switch_is_judged_per_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./modules/secureboot.nix ./hosts/a ]; };\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./modules/secureboot.nix ./hosts/b ]; };\n  };\n}\n"),
            ("modules/secureboot.nix", "{ config, lib, ... }:\nwith lib; let\n  cfg = config.my.secureboot;\nin {\n  options.my.secureboot.enable = mkEnableOption \"secure boot\";\n  config = mkIf cfg.enable {\n    boot.loader.systemd-boot.enable = lib.mkForce false;\n    boot.lanzaboote = {\n      enable = true;\n      pkiBundle = \"/var/lib/sbctl\";\n    };\n  };\n}\n"),
            ("hosts/a/default.nix", "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n  my.secureboot.enable = true;\n}\n"),
            ("hosts/b/default.nix", "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let mut got = rule_rows(&v, "NIX-090", "file");
    got.sort();
    assert_eq!(
        got,
        [
            (2, "hosts/b/default.nix".to_string()),
            (8, "modules/secureboot.nix".to_string())
        ],
        "{v}"
    );
}

/// An option set to the whole value of another file (`networking = import ./network.nix;`, the
/// file a plain set of settings): the file's settings are that option's, judged where they are
/// written and in the hosts that reach the module that gives them. A file that is a list of
/// module paths (`modules = [ … ] ++ import ./modules;`) imports what it lists.
#[test]
fn options_given_a_file_and_module_lists_in_a_file_are_followed() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a ] ++ import ./modules; };\n  };\n}\n",
            ),
            (
                "hosts/a/default.nix",
                "{ lib, ... }:\n{\n  networking = import ./network.nix;\n  system.stateVersion = \"24.05\";\n}\n",
            ),
            (
                "hosts/a/network.nix",
                "let\n  db = 5432;\nin\n{\n  hostName = \"a\";\n  firewall.allowedTCPPorts = [ 22 db ];\n}\n",
            ),
            ("modules/default.nix", "[\n  ./ssh.nix\n]\n"),
            (
                "modules/ssh.nix",
                "{\n  services.openssh = import ./ssh-settings.nix;\n}\n",
            ),
            (
                "modules/ssh-settings.nix",
                "{\n  enable = true;\n  settings.PermitRootLogin = \"yes\";\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let at = |l: u64, f: &str| (l, f.to_string());
    assert_eq!(
        rule_rows(&v, "NIX-071", "file"),
        [at(6, "hosts/a/network.nix")],
        "{v:#}"
    );
    assert_eq!(
        rule_rows(&v, "NIX-078", "file"),
        [at(3, "modules/ssh-settings.nix")],
        "{v:#}"
    );
    // `PasswordAuthentication` and `KbdInteractiveAuthentication` never set.
    assert_eq!(
        rule_rows(&v, "NIX-079", "file"),
        [
            at(2, "modules/ssh-settings.nix"),
            at(2, "modules/ssh-settings.nix")
        ],
        "{v:#}"
    );
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(4), "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["conditional"] == false),
        "{v:#}"
    );
    let modules = v["configurations"][0]["modules"].to_string();
    assert!(modules.contains("modules/ssh-settings.nix"), "{modules}");
}

/// A switch under a namespace a framework hands to the module (`config.${namespace}.x`, as
/// snowfall-lib does) is not known from the hosts: not taken for off in every host.
#[test]
fn a_switch_under_a_namespace_argument_is_not_known() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./modules/secureboot.nix ./hosts/a ]; };\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./modules/secureboot.nix ./hosts/b ]; };\n  };\n}\n"),
            ("modules/secureboot.nix", "{ config, lib, namespace, ... }:\nwith lib; let\n  cfg = config.${namespace}.secureboot;\nin {\n  options.${namespace}.secureboot.enable = mkEnableOption \"secure boot\";\n  config = mkIf cfg.enable {\n    boot.loader.systemd-boot.enable = lib.mkForce false;\n    boot.lanzaboote = {\n      enable = true;\n      pkiBundle = \"/var/lib/sbctl\";\n    };\n  };\n}\n"),
            ("hosts/a/default.nix", "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n  timber.secureboot.enable = true;\n}\n"),
            ("hosts/b/default.nix", "{ ... }: {\n  boot.loader.systemd-boot.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let files = rule_rows(&v, "NIX-090", "file");
    assert!(!files.is_empty(), "{v:#}");
    assert!(files.iter().all(|(_, f)| !f.starts_with("hosts/")), "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "NIX-090")
            .all(|f| f["conditional"] == true),
        "{v:#}"
    );
}

/// A flake-parts module building a host whose module list names an argument of the module
/// (`shared`, given by `_module.args`): the host is built from its own modules, not taken for
/// a helper's template (which made every host of an import-tree get every host's modules).
#[test]
fn a_flake_parts_host_naming_a_module_argument_is_a_host() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("flake.nix"),
        "{\n  outputs = inputs:\n    inputs.flake-parts.lib.mkFlake { inherit inputs; } {\n      _module.args.shared = { nixpkgs.config.allowUnfree = true; };\n      imports = [ (inputs.import-tree ./modules) ];\n    };\n}\n",
    )
    .expect("write");
    for h in ["a", "b"] {
        let dir = d.path().join("modules/hosts").join(h);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join("default.nix"),
            format!("{{ self, inputs, shared, ... }}: {{\n  flake.nixosConfigurations.{h} = inputs.nixpkgs.lib.nixosSystem {{\n    modules = [ shared self.nixosModules.{h}Configuration ];\n  }};\n}}\n"),
        )
        .expect("write");
        std::fs::write(
            dir.join("configuration.nix"),
            format!("{{ self, ... }}: {{\n  flake.nixosModules.{h}Configuration = {{ pkgs, ... }}: {{\n    boot.loader.systemd-boot.enable = true;\n  }};\n}}\n"),
        )
        .expect("write");
    }
    let (_, v) = lint_json(d.path());
    let configs: Vec<(String, Vec<String>)> = v["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .map(|c| {
            (
                c["entry_point"].as_str().unwrap_or("").to_string(),
                c["modules"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .map(|x| x.as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        configs,
        [
            (
                "modules/hosts/a/default.nix#flake.nixosConfigurations.a".to_string(),
                vec!["modules/hosts/a/configuration.nix".to_string()]
            ),
            (
                "modules/hosts/b/default.nix#flake.nixosConfigurations.b".to_string(),
                vec!["modules/hosts/b/configuration.nix".to_string()]
            ),
        ],
        "{v}"
    );
    // One systemd-boot finding per host, in its own file.
    let lines = rule_rows(&v, "NIX-090", "file");
    assert_eq!(lines.len(), 2, "{v}");
}

/// Writes `files` (path, text) under `root`, making their directories.
fn write_tree(root: &std::path::Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

/// The entry points of the configurations of a JSON report.
fn entry_points(v: &Value) -> Vec<&str> {
    v["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .map(|c| c["entry_point"].as_str().expect("entry point"))
        .collect()
}

/// The findings of `rule` in a JSON report: each one's line and the string field `field`.
fn rule_rows(v: &Value, rule: &str, field: &str) -> Vec<(u64, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f[field].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// A literal written once in the body of `map` over three hosts is one finding at its place,
/// saying how many uses it has.
#[test]
fn a_value_used_by_each_element_of_a_list_is_one_finding() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("trackers.nix"),
        "let\n  aps = [ \"192.168.2.110\" \"192.168.2.111\" \"192.168.2.126\" ];\nin {\n  services.foo.trackers = map (host: {\n    inherit host;\n    password = \"Zq8vLm2Rt7pX\";\n  }) aps;\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-033", "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 6, "{got:?}");
    assert!(got[0].1.contains("3 uses of this place"), "{got:?}");
}

/// `openPeerPorts = cfg.openFirewall;` where the module's `options.nix` declares `openFirewall`
/// with `default = true`: the port is opened unless something sets the option.
#[test]
fn an_option_fed_by_a_default_declared_in_another_file() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("options.nix"),
        "{ lib, ... }: {\n  options.nixfiles.torrents = {\n    enable = lib.mkEnableOption \"t\";\n    openFirewall = lib.mkOption { type = lib.types.bool; default = true; };\n  };\n}\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("default.nix"),
        "{ config, lib, ... }:\nlet\n  cfg = config.nixfiles.torrents;\nin {\n  imports = [ ./options.nix ];\n  config = lib.mkIf cfg.enable {\n    services.transmission.openPeerPorts = cfg.openFirewall;\n  };\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-073", "condition");
    assert_eq!(
        got,
        [(
            7,
            "cfg.enable && `nixfiles.torrents.openFirewall` is left at its default".to_string()
        )],
        "{v:#}"
    );
}

/// `autoLogin.enable = cfg.autologin;` where `wm.autologin` is off by default and a host's
/// file turns it on: autologin is on there (conditional, saying where). Off by default and
/// turned on nowhere, nothing; a repository's own `openFirewall` is reported where it is turned
/// on, not again where it is handed on.
#[test]
fn a_switch_off_by_default_that_a_host_turns_on() {
    let module = "{ config, lib, ... }:\nlet\n  cfg = config.wm;\nin {\n  options.wm = {\n    autologin = lib.mkEnableOption \"autologin\";\n    openFirewall = lib.mkOption { type = lib.types.bool; default = false; };\n  };\n  config = {\n    services.xserver.enable = true;\n    services.displayManager.autoLogin = {\n      enable = cfg.autologin;\n      user = \"john\";\n    };\n    services.transmission.openPeerPorts = cfg.openFirewall;\n  };\n}\n";
    let host = "{ ... }: {\n  imports = [ ./wm.nix ];\n  system.stateVersion = \"24.05\";\n  wm.autologin = true;\n  wm.openFirewall = true;\n}\n";
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(d.path(), &[("wm.nix", module), ("host.nix", host)]);
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-136", "condition");
    assert_eq!(got.len(), 1, "{v:#}");
    assert_eq!(got[0].0, 12, "{got:?}");
    assert!(
        got[0]
            .1
            .contains("`wm.autologin` is turned on (`host.nix`)"),
        "{got:?}"
    );
    // The host's own `wm.openFirewall = true` is the one NIX-073 finding.
    let got = rule_rows(&v, "NIX-073", "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 5, "{got:?}");

    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("wm.nix", module),
            ("host.nix", &host.replace("wm.autologin = true;", "")),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert!(rule_rows(&v, "NIX-136", "condition").is_empty(), "{v:#}");
}

/// A name in a helper's body given different values by its calls (`adminGroup` of
/// `mkOffload "@wheel"` and `mkOffload "@admin"`) is one place to fix: one finding, naming
/// every value.
#[test]
fn the_values_of_one_name_at_one_place_are_one_finding() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[(
            "builds.nix",
            "{ ... }:\nlet\n  mkOffload = adminGroup: { config, ... }: {\n    nix.settings.trusted-users = [\n      \"root\"\n      adminGroup\n    ];\n  };\nin\n{\n  flake.modules.nixos.builds = mkOffload \"@wheel\";\n  flake.modules.darwin.builds = mkOffload \"@admin\";\n}\n",
        )],
    );
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-014", "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 6, "{got:?}");
    assert!(
        got[0].1.contains("@wheel") && got[0].1.contains("`@admin`"),
        "{got:?}"
    );
}

/// A module both a nix-darwin and a NixOS system import is judged as NixOS's (its NixOS
/// options take effect there).
#[test]
fn a_module_shared_by_darwin_and_nixos_is_judged_as_nixos() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("flake.nix"),
        "{\n  outputs = { nixpkgs, nix-darwin, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./user.nix ]; };\n    darwinConfigurations.b = nix-darwin.lib.darwinSystem { modules = [ ./user.nix ]; };\n  };\n}\n",
    )
    .expect("write");
    std::fs::write(
        d.path().join("user.nix"),
        "{ ... }: {\n  users.users.jml.initialHashedPassword = \"$y$j9T$R9y36VAOEudqmyVVgyYLD1$xQktVMaRP9qiARiJ6KATvyH6VAL1IKSJoPAo7k4YNZ.\";\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-031")
        .count();
    assert_eq!(got, 1, "{v:#}");
}

/// A module bound once and exported for NixOS and for nix-darwin is two modules of the file:
/// its finding is reported once.
#[test]
fn a_module_exported_twice_is_reported_once() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("nix.nix"),
        "{ config, ... }: let\n  common = { pkgs, ... }: {\n    nix.settings.trusted-users = [ \"root\" \"@wheel\" ];\n  };\nin {\n  flake.nixosModules.nix = common;\n  flake.darwinModules.nix = common;\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let got: Vec<u64> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-014")
        .map(|f| f["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(got, [3], "{v:#}");
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

/// `(rule, file, line, column, severity, conditional, entry point)` of the active failures of
/// `nixsec lint --format json --fail-on none .` run in `dir`: the exit code and the report.
pub(crate) fn lint_json(dir: &Path) -> (i32, Value) {
    run_json(
        nixsec()
            .current_dir(dir)
            .args(["lint", "--format", "json", "--fail-on", "none", "."]),
    )
}

/// `nixsec lint --format json .` run in `tests/fixtures/lint/causes/DIR`.
type Row = (String, String, u64, u64, String, bool, Option<String>);

fn causes(dir: &str) -> (Vec<Row>, Value) {
    let (_, v) = lint_json(&fixtures().join("causes").join(dir));
    let rows = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail" && f.get("ignored").is_none())
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["severity"].as_str().expect("severity").to_string(),
                f["conditional"].as_bool().expect("conditional"),
                f["entry_point"].as_str().map(str::to_string),
            )
        })
        .collect();
    (rows, v)
}

fn r(
    rule: &str,
    file: &str,
    line: u64,
    col: u64,
    sev: &str,
    conditional: bool,
    entry: Option<&str>,
) -> Row {
    (
        rule.into(),
        file.into(),
        line,
        col,
        sev.into(),
        conditional,
        entry.map(str::to_string),
    )
}

/// The message of the one finding of `rule` at `file:line`.
fn message(v: &Value, rule: &str, file: &str, line: u64) -> String {
    let f = messages(v, rule, file, line);
    assert_eq!(f.len(), 1, "{rule} {file}:{line} in {v:#}");
    f[0].clone()
}

/// The messages of the findings of `rule` at `file:line`.
fn messages(v: &Value, rule: &str, file: &str, line: u64) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["file"] == file && f["line"] == line)
        .map(|f| f["message"].as_str().expect("message").to_string())
        .collect()
}

/// Cause 1: modules whose whole body is conditional (`mkIf`, `optionalAttrs`, `mkMerge`,
/// `if`, `//`, `config = mkIf ...` beside `options`); `mkIf false` never applies.
#[test]
fn modules_whose_whole_body_is_conditional() {
    let (rows, v) = causes("conditional");
    assert_eq!(
        rows,
        [
            r("NIX-136", "if-then-else.nix", 3, 36, "high", true, None),
            r("NIX-078", "mkif-with-lib.nix", 5, 40, "high", true, None),
            r("NIX-070", "mkif.nix", 3, 32, "high", true, None),
            r("NIX-012", "mkmerge.nix", 3, 58, "high", true, None),
            r("NIX-132", "mkmerge.nix", 4, 70, "medium", true, None),
            r("NIX-014", "mkmerge.nix", 5, 43, "high", false, None),
            r("NIX-073", "optional-attrs.nix", 3, 36, "low", true, None),
            r(
                "NIX-118",
                "options-and-config.nix",
                8,
                27,
                "high",
                true,
                None
            ),
            r("NIX-072", "update.nix", 9, 45, "high", false, None),
        ]
    );
    let conds: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["condition"].as_str())
        .collect();
    assert_eq!(
        conds,
        [
            "config.site.kiosk",
            "config.site.lab",
            "config.site.lab",
            "config.site.builder",
            "config.site.desktop",
            "config.site.media",
            "cfg.enable"
        ]
    );
}

/// Cause 2: hosts built through helpers (a path per host, `genAttrs`, `readDir`, a helper in
/// another file with a `modules` parameter), flake-parts, colmena, clan, a host directory no
/// entry point names, `self.nixosModules`, directory imports and paths relative to the root.
#[test]
fn hosts_built_through_helpers() {
    let e = Some;
    let (rows, v) = causes("hosts/helper");
    // `hosts/default.nix` is no host, but no host imports it either: it is checked on its own.
    let alone = e("hosts/default.nix");
    assert_eq!(
        rows,
        [
            r(
                "NIX-079",
                "hosts/a/default.nix",
                3,
                29,
                "medium",
                false,
                e("flake.nix#mkHost[a]")
            ),
            r("NIX-078", "hosts/default.nix", 3, 29, "low", false, alone),
            r(
                "NIX-079",
                "hosts/default.nix",
                3,
                29,
                "medium",
                false,
                alone
            ),
            r(
                "NIX-079",
                "hosts/default.nix",
                3,
                29,
                "medium",
                false,
                alone
            ),
        ]
    );
    assert_eq!(
        message(&v, "NIX-079", "hosts/a/default.nix", 3),
        "sshd is enabled and `PasswordAuthentication` is never set: the NixOS default (`true`) accepts passwords"
    );
    let entries = entry_points(&v);
    assert_eq!(entries, ["flake.nix#mkHost[a]", "flake.nix#mkHost[b]"]);

    let (rows, _) = causes("hosts/genattrs");
    assert_eq!(
        rows,
        [r(
            "NIX-090",
            "machines/web/configuration.nix",
            2,
            37,
            "high",
            false,
            e("flake.nix#nixosConfigurations[web]")
        )]
    );
    let (rows, _) = causes("hosts/readdir");
    assert_eq!(
        rows,
        [r(
            "NIX-090",
            "hosts/one/default.nix",
            3,
            37,
            "high",
            false,
            e("flake.nix#nixosConfigurations[one]")
        )]
    );
    let (rows, v) = causes("hosts/lib-helper");
    assert_eq!(
        rows,
        [r(
            "NIX-079",
            "hosts/laptop/default.nix",
            2,
            29,
            "medium",
            false,
            e("flake.nix#nixosConfigurations.laptop")
        )]
    );
    assert!(message(&v, "NIX-079", "hosts/laptop/default.nix", 2)
        .contains("`KbdInteractiveAuthentication` is never set"));
    let (rows, _) = causes("hosts/flake-parts");
    let io = e("hosts/default.nix#flake.nixosConfigurations.io");
    assert_eq!(
        rows,
        [
            r("NIX-078", "hosts/io/default.nix", 2, 3, "low", false, io),
            r("NIX-079", "hosts/io/default.nix", 2, 3, "medium", false, io),
        ]
    );
    // flake-parts "dendritic": modules defined as `flake.modules.nixos.NAME` (a function, a
    // dotted path), a host made of them (`with config.flake.modules.nixos; [ io ]`,
    // `config.flake.modules.nixos.core`, `inputs.self.modules.nixos.ssh`); settings judged as
    // the options they set; nix-darwin's module not judged as NixOS, home-manager's not at all.
    let (rows, v) = causes("hosts/dendritic");
    let io = e("modules/hosts/io.nix#flake.nixosConfigurations.io");
    assert_eq!(
        rows,
        [
            r("NIX-070", "modules/base.nix", 3, 57, "high", false, None),
            r("NIX-073", "modules/base.nix", 6, 21, "low", false, None),
            r("NIX-132", "modules/core.nix", 5, 42, "medium", false, None),
            r("NIX-090", "modules/core.nix", 6, 41, "high", false, io),
            // The Nix daemon's trusted users are root-equivalent on nix-darwin as well.
            r("NIX-014", "modules/mac.nix", 3, 36, "high", false, None),
            r("NIX-078", "modules/ssh.nix", 2, 53, "low", false, io),
            r("NIX-079", "modules/ssh.nix", 2, 53, "medium", false, io),
            r("NIX-079", "modules/ssh.nix", 2, 53, "medium", false, io),
        ]
    );
    assert_eq!(
        v["configurations"][0]["modules"],
        serde_json::json!([
            "modules/hosts/io.nix",
            "modules/core.nix",
            "modules/ssh.nix"
        ])
    );
    let (rows, _) = causes("hosts/colmena");
    assert_eq!(
        rows,
        [r(
            "NIX-078",
            "web.nix",
            2,
            29,
            "low",
            false,
            e("flake.nix#colmena.web")
        )]
    );
    let (rows, _) = causes("hosts/clan");
    assert_eq!(
        rows,
        // Conditional: clan-core's modules and the inventory's services may set it.
        [r(
            "NIX-079",
            "machines/jon/configuration.nix",
            2,
            29,
            "medium",
            true,
            e("flake.nix#machines.jon")
        )]
    );
    let (rows, _) = causes("hosts/host-root");
    assert_eq!(
        rows,
        [r(
            "NIX-078",
            "hosts/alpha/default.nix",
            5,
            29,
            "low",
            false,
            e("hosts/alpha/default.nix")
        )]
    );
    let (rows, _) = causes("hosts/self-modules");
    assert_eq!(
        rows,
        [
            r(
                "NIX-078",
                "box.nix",
                2,
                29,
                "low",
                false,
                e("flake.nix#nixosConfigurations.box")
            ),
            r("NIX-056", "modules/users.nix", 2, 35, "high", false, None),
        ]
    );
    // `mkNixos { modules = [ ... ]; }` with `import-tree ./modules` in the helper: the host's
    // own module and every file of the tree (which sets the password options, so no NIX-079).
    let (rows, v) = causes("hosts/mknixos");
    assert_eq!(
        rows,
        [r("NIX-078", "modules/ssh.nix", 3, 47, "high", false, None)]
    );
    assert_eq!(
        v["configurations"][0]["modules"],
        serde_json::json!(["gw.nix", "modules/ssh.nix"])
    );
    // `imports = builtins.attrValues outputs.nixosModules` with `nixosModules = import ./modules`.
    let (rows, v) = causes("hosts/attr-values");
    assert_eq!(rows, []);
    assert_eq!(
        v["configurations"][0]["modules"],
        serde_json::json!([
            "hosts/h/default.nix",
            "modules/default.nix",
            "modules/hardening.nix"
        ])
    );
    assert_eq!(
        v["configurations"][0]["not_followed"],
        serde_json::json!([])
    );
    let (rows, v) = causes("hosts/rooted");
    assert_eq!(rows, []);
    assert_eq!(
        v["configurations"][0]["modules"],
        serde_json::json!(["hosts/h/default.nix", "modules/ssh.nix"])
    );
}

/// A value another file's function gives (`advertise "caddy" [ ]` with `advertise = import
/// ./_avahi.nix pkgs;`, `(import ./serve.nix { inherit lib; }) { … }` through `assert`): the set
/// it returns is judged at the call, one finding per call; a sandboxed one is not reported, and
/// a module given by a call (`home-manager.users.alice = import ../home { … }`) is imported,
/// not read as settings.
#[test]
fn values_another_files_function_gives() {
    let (rows, v) = causes("helper-file");
    assert_eq!(
        rows,
        [
            r(
                "NIX-062",
                "modules/services.nix",
                6,
                3,
                "medium",
                true,
                None
            ),
            r(
                "NIX-062",
                "modules/services.nix",
                7,
                3,
                "medium",
                false,
                None
            ),
            r(
                "NIX-062",
                "modules/services.nix",
                8,
                3,
                "medium",
                false,
                None
            ),
        ]
    );
    assert!(message(&v, "NIX-062", "modules/services.nix", 8).contains("service `serve`"));
}

/// `import "${nixpkgs}/nixos/lib/eval-config.nix" { modules = [ … ]; }` in a helper of a
/// flake-less repository builds a system: its inline module's settings are read.
#[test]
fn eval_config_builds_a_system() {
    let (rows, _) = causes("hosts/eval-config");
    assert!(
        rows.contains(&r(
            "NIX-153",
            "lib/nixos-system.nix",
            9,
            52,
            "medium",
            false,
            None
        )),
        "{rows:?}"
    );
}

/// Cause 3: values written indirectly: a `let`-bound list or URL, branches of `if`, `++`,
/// `lib.optional(s)`, a function applied to a literal list; elements that may be present are
/// conditional.
#[test]
fn values_written_indirectly() {
    let (rows, v) = causes("indirect");
    assert_eq!(
        rows,
        [
            r("NIX-014", "branches.nix", 3, 58, "high", true, None),
            r("NIX-014", "branches.nix", 3, 76, "high", true, None),
            r("NIX-056", "branches.nix", 5, 43, "high", true, None),
            r("NIX-056", "branches.nix", 6, 44, "high", true, None),
            r("NIX-056", "branches.nix", 7, 40, "high", true, None),
            r("NIX-071", "concat.nix", 2, 10, "high", false, None),
            r("NIX-056", "filtered.nix", 6, 66, "high", true, None),
            r("NIX-014", "let-bound-list.nix", 4, 5, "high", false, None),
            r("NIX-027", "let-bound-url.nix", 3, 18, "high", false, None),
        ]
    );
    let f = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["file"] == "filtered.nix")
        .expect("filtered");
    assert_eq!(f["condition"], "`ifTheyExist` keeps it");
    assert!(message(&v, "NIX-027", "let-bound-url.nix", 3)
        .contains("`https://github.com/nix-community/home-manager` has no `rev`"));
}

/// Cause 4: options outside the old patterns: every `openFirewall`, `security.run0`,
/// `boot.initrd.systemd.emergencyAccess`, `import nixpkgs { config = ...; }`, NOPASSWD for
/// `nixos-rebuild`, `nix`, `systemctl`, a shell, an editor, `env`.
#[test]
fn options_outside_the_old_patterns() {
    let (rows, v) = causes("options");
    assert_eq!(
        rows,
        [
            r(
                "NIX-094",
                "emergency-access.nix",
                2,
                41,
                "high",
                false,
                None
            ),
            r("NIX-094", "emergency-hash.nix", 4, 23, "low", false, None),
            r(
                "NIX-153",
                "nixpkgs-import.nix",
                5,
                42,
                "medium",
                false,
                None
            ),
            r(
                "NIX-153",
                "nixpkgs-import.nix",
                11,
                37,
                "medium",
                false,
                None
            ),
            r("NIX-073", "open-firewall.nix", 4, 31, "low", false, None),
            r("NIX-073", "open-firewall.nix", 6, 32, "low", false, None),
            r("NIX-073", "open-firewall.nix", 7, 44, "low", false, None),
            r("NIX-073", "open-firewall.nix", 8, 41, "low", false, None),
            r("NIX-132", "run0.nix", 2, 38, "medium", false, None),
            r("NIX-133", "sudo.nix", 7, 9, "medium", false, None),
            r("NIX-133", "sudo.nix", 8, 9, "medium", false, None),
            r("NIX-133", "sudo.nix", 9, 9, "low", false, None),
            r("NIX-133", "sudo.nix", 10, 9, "medium", false, None),
            r("NIX-133", "sudo.nix", 11, 9, "medium", false, None),
            r("NIX-133", "sudo.nix", 12, 9, "medium", false, None),
            r("NIX-133", "sudo.nix", 18, 5, "low", false, None),
        ]
    );
    assert_eq!(
        message(&v, "NIX-073", "open-firewall.nix", 4),
        "`programs.steam.remotePlay` opens its ports on every interface"
    );
    assert_eq!(
        message(&v, "NIX-133", "sudo.nix", 7),
        "sudo runs `nixos-rebuild` with any arguments as root without a password"
    );
}

/// Cause 5: catalogue rules lint did not run: NIX-136, NIX-072, NIX-118, and NIX-032's
/// spellings (a secret file as `environment.etc.<n>.source`, read with `builtins.readFile`,
/// written with `pkgs.writeText`).
#[test]
fn rules_lint_did_not_run() {
    let (rows, v) = causes("rules");
    assert_eq!(
        rows,
        [
            r("NIX-136", "autologin.nix", 2, 34, "medium", false, None),
            r("NIX-136", "autologin.nix", 4, 14, "medium", false, None),
            r("NIX-136", "autologin.nix", 9, 12, "high", false, None),
            r("NIX-118", "mitigations.nix", 4, 5, "high", false, None),
            r("NIX-118", "mitigations.nix", 5, 5, "high", false, None),
            r("NIX-032", "secret-files.nix", 3, 55, "high", false, None),
            r("NIX-032", "secret-files.nix", 4, 41, "high", false, None),
            r("NIX-032", "secret-files.nix", 5, 56, "high", false, None),
            r("NIX-072", "trusted-uplink.nix", 4, 5, "high", false, None),
            r("NIX-072", "trusted-uplink.nix", 5, 5, "high", false, None),
        ]
    );
    assert_eq!(
        message(&v, "NIX-136", "autologin.nix", 4),
        "the display manager logs `alice` in automatically"
    );
}

/// A flake-parts output of modules under another name (`flake.wslModules.wsl`) holds NixOS
/// modules: linted as `nixosModules`' are, in place or bound to a name; home-manager's and
/// flake-parts' own module outputs are not NixOS modules.
#[test]
fn modules_exported_under_another_outputs_name() {
    let d = tempfile::tempdir().expect("tempdir");
    for (text, want) in [
        ("{ ... }:\n{\n  flake.wslModules.wsl = { ... }: {\n    networking.firewall.checkReversePath = false;\n  };\n}\n", 1),
        ("{ ... }:\nlet\n  wsl = { ... }: { networking.firewall.checkReversePath = false; };\nin\n{\n  flake = {\n    wslModules.wsl = wsl;\n  };\n}\n", 1),
        ("{ ... }:\n{\n  flake.homeManagerModules.x = { ... }: {\n    networking.firewall.checkReversePath = false;\n  };\n}\n", 0),
        ("{ ... }:\n{\n  flake.flakeModules.x = { ... }: {\n    networking.firewall.checkReversePath = false;\n  };\n}\n", 0),
    ] {
        write_tree(d.path(), &[("modules/wsl.nix", text)]);
        let (_, v) = lint_json(d.path());
        assert_eq!(rule_rows(&v, "NIX-075", "file").len(), want, "{text}: {v:#}");
    }
}

/// A module bound to a name and exported as a nix-darwin module (`darwinModules.openssh =
/// darwinModule;`) is judged as nix-darwin's: its `extraConfig` lines set sshd's keywords
/// (macOS reads them first). The same module exported for NixOS is judged with NixOS' defaults.
#[test]
fn a_named_module_exported_for_darwin_is_darwins() {
    let d = tempfile::tempdir().expect("tempdir");
    for (export, want) in [("darwinModules", 0), ("nixosModules", 1)] {
        write_tree(
            d.path(),
            &[(
                "modules/openssh.nix",
                &format!("{{ lib, ... }}:\nlet\n  sshModule =\n    {{ lib, ... }}:\n    {{\n      services.openssh = {{\n        enable = true;\n        extraConfig = lib.concatStringsSep \"\\n\" [\n          \"PermitRootLogin no\"\n          \"PasswordAuthentication no\"\n        ];\n      }};\n    }};\nin\n{{\n  config.flake.{export}.openssh = sshModule;\n}}\n"),
            )],
        );
        let (_, v) = lint_json(d.path());
        assert_eq!(
            rule_rows(&v, "NIX-078", "file").len(),
            want,
            "{export}: {v:#}"
        );
    }
}

/// A firewall range written with the options of a service (`from =
/// config.services.coturn.min-port;`, or under `with config.services.coturn;`): the range the
/// repository sets, else nixpkgs' default (coturn relays on 49152-65535, 16384 ports).
#[test]
fn a_port_range_named_by_a_services_options() {
    let d = tempfile::tempdir().expect("tempdir");
    let direct = "{ config, ... }:\n{\n  services.coturn.enable = true;\n  networking.firewall.allowedUDPPortRanges = [\n    {\n      from = config.services.coturn.min-port;\n      to = config.services.coturn.max-port;\n    }\n  ];\n}\n";
    let with = "{ config, ... }:\n{\n  services.coturn.enable = true;\n  networking.firewall = {\n    allowedUDPPorts = with config.services.coturn; [ listening-port ];\n    allowedUDPPortRanges = let\n      range = with config.services.coturn; [ { from = min-port; to = max-port; } ];\n    in range;\n  };\n}\n";
    for (m, set, want) in [
        (direct, "", 1),
        (with, "", 1),
        (
            direct,
            "  services.coturn.min-port = 50100;\n  services.coturn.max-port = 50200;\n",
            0,
        ),
        (
            with,
            "  services.coturn = { min-port = 50100; max-port = 50200; };\n",
            0,
        ),
        (direct, "  services.coturn.min-port = 20000;\n", 1),
    ] {
        write_tree(
            d.path(),
            &[
                ("coturn.nix", m),
                (
                    "configuration.nix",
                    &format!("{{\n  imports = [ ./coturn.nix ];\n{set}  system.stateVersion = \"24.05\";\n}}\n"),
                ),
            ],
        );
        let (_, v) = lint_json(d.path());
        let found: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "NIX-071")
            .map(|f| f["message"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(found.len(), want, "{set}: {v:#}");
        if want == 1 && set.is_empty() {
            assert!(found[0].contains("49152-65535"), "{found:?}");
        }
    }
}

/// A file of the repository with a name that says nothing, copied into the store by a file
/// option (`environment.etc."sysconfig/app".source = ./app;`, `configFile = ./blob;`): its
/// content is read. An environment file's secret-named variable and a private key are found;
/// a substituted variable, an empty one, a path, a commented example and an INI file's setting
/// are not, nor a directory or a file too large. Made up at test time, never committed.
#[test]
fn a_copied_files_content_holds_a_secret() {
    let key_body =
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW".repeat(2);
    let d = tempfile::tempdir().expect("tempdir");
    let pw = format!("{}{}", "Yeeten", "heim7");
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{key_body}\n-----END OPENSSH PRIVATE KEY-----\n"
    );
    let big = "X=1\n".repeat(300_000) + &format!("SERVER_PASS={pw}\n");
    write_tree(
        d.path(),
        &[
            ("configuration.nix", "{ ... }:\n{\n  environment.etc.\"sysconfig/game\".source = ./game;\n  environment.etc.\"sysconfig/other\".source = ./other;\n  services.thing.configFile = ./blob;\n  environment.etc.\"app.ini\".source = ./app.ini;\n  environment.etc.\"x\".source = ./dir;\n  environment.etc.\"big\".source = ./big;\n  system.stateVersion = \"24.05\";\n}\n"),
            ("game", &format!("SERVER_NAME=Yeetenheim\nexport SERVER_PASS=\"{pw}\"\nSERVER_PUBLIC=true\n")),
            ("other", "DB_PASSWORD=${DB_PASSWORD}\nAPI_TOKEN=\nPASSWORD_FILE=/run/secrets/db\n# ADMIN_PASSWORD=hunter22\n"),
            ("blob", &key),
            ("app.ini", "[db]\n# password = example123\npassword = Hunter22wow\n"),
            ("dir/SERVER", &format!("SERVER_PASS={pw}\n")),
            ("big", &big),
        ],
    );
    let (_, v) = lint_json(d.path());
    let rows = rule_rows(&v, "NIX-032", "file");
    assert_eq!(
        rows,
        [
            (3, "configuration.nix".to_string()),
            (5, "configuration.nix".to_string())
        ],
        "{v:#}"
    );
    let text = v.to_string();
    assert!(
        text.contains("holds a secret at line 2: a password"),
        "{v:#}"
    );
    assert!(
        !text.contains(&pw) && !text.contains(&key_body[..40]),
        "{v:#}"
    );
}

/// Secret literals (NIX-033) in a private key written with `pkgs.writeText` and in a token:
/// made up at test time, never committed.
#[test]
fn secret_literals_written_with_write_text() {
    let key_body =
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW".repeat(2);
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        d.path().join("keys.nix"),
        format!(
            "{{ pkgs, ... }}:\n{{\n  environment.etc.\"ssh/deploy\".source = pkgs.writeText \"deploy\" ''\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    {key_body}\n    -----END OPENSSH PRIVATE KEY-----\n  '';\n}}\n"
        ),
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule"))
        .collect();
    assert!(rules.contains(&"NIX-033"), "{v:#}");
    assert!(!v.to_string().contains(&key_body[..40]), "{v:#}");
}

/// Cause 6: a `.gitignore` rule never hides a tracked file; an ignored untracked file is
/// counted in the summary and listed with `-v`.
#[test]
fn tracked_files_are_never_ignored() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "git does not run: CI is set, so this fails instead of skipping"
        );
        eprintln!("skipped: git does not run");
        return;
    }
    std::fs::create_dir_all(root.join("lib")).expect("mkdir");
    std::fs::write(root.join(".gitignore"), "lib\nscratch.nix\n").expect("write");
    std::fs::write(
        root.join("lib/default.nix"),
        "{ networking.firewall.enable = false; }\n",
    )
    .expect("write");
    std::fs::write(
        root.join("scratch.nix"),
        "{ nix.settings.sandbox = false; }\n",
    )
    .expect("write");
    let add = std::process::Command::new("git")
        .args(["add", "-f", "lib/default.nix", ".gitignore"])
        .current_dir(root)
        .status()
        .expect("git add");
    assert!(add.success());
    let (_, v) = lint_json(root);
    assert_eq!(
        rows(&v),
        [row("NIX-070", "lib/default.nix", 1, 32, "fail", false)]
    );
    assert_eq!(
        v["skipped"],
        serde_json::json!([
            "scratch.nix: ignored by a `.gitignore` or `.ignore` rule and not tracked by git, not read"
        ])
    );
    let out = nixsec()
        .current_dir(root)
        .args(["lint", "--fail-on", "none", "."])
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("nixsec lint: 1 files (1 skipped, `-v` lists them), 0 configurations"),
        "{text}"
    );
    let out = nixsec()
        .current_dir(root)
        .args(["lint", "-v", "--fail-on", "none", "."])
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("skipped: scratch.nix: ignored by a `.gitignore`"),
        "{text}"
    );
}

/// An encrypted `.nix` file (git-crypt, age) is skipped, listed with `-v` and counted as
/// skipped, not reported as a parse error; the files beside it are linted.
#[test]
fn encrypted_files_are_skipped_not_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path();
    let mut locked = b"\0GITCRYPT\0".to_vec();
    locked.extend_from_slice(&[0x8f, 0x00, 0xd3, 0xfe, 0x41, 0x07]);
    std::fs::write(root.join("vars.nix"), locked).expect("write");
    std::fs::write(
        root.join("wifi.nix"),
        "age-encryption.org/v1\n-> X25519 c2FsdA\nYm9keQ\n",
    )
    .expect("write");
    std::fs::write(
        root.join("host.nix"),
        "{ networking.firewall.enable = false; }\n",
    )
    .expect("write");
    let (_, v) = lint_json(root);
    assert_eq!(rows(&v), [row("NIX-070", "host.nix", 1, 32, "fail", false)]);
    assert_eq!(
        v["skipped"],
        serde_json::json!([
            "vars.nix: encrypted (git-crypt): not linted",
            "wifi.nix: encrypted (age): not linted"
        ])
    );
    let out = nixsec()
        .current_dir(root)
        .args(["lint", "-v", "--fail-on", "none", "."])
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("nixsec lint: 1 files (2 skipped), 0 configurations"),
        "{text}"
    );
    assert!(
        text.contains("skipped: vars.nix: encrypted (git-crypt): not linted"),
        "{text}"
    );
    assert!(!text.contains("parse-error"), "{text}");
}

/// What it got wrong: an unfollowed import makes a default-based finding conditional; a known
/// module set (srvos) is known; `AllowUsers`/`AllowGroups` keep root out; `extraConfig` is
/// read; NIX-027 points at the call; one shared list is one finding.
#[test]
fn what_it_got_wrong() {
    let (rows, v) = causes("wrong/srvos");
    let both = Some("flake.nix#nixosConfigurations.both");
    let other = Some("flake.nix#nixosConfigurations.other");
    assert_eq!(
        rows,
        [
            r(
                "NIX-078",
                "hosts/both/default.nix",
                4,
                29,
                "low",
                false,
                both
            ),
            r(
                "NIX-078",
                "hosts/other/default.nix",
                4,
                29,
                "low",
                true,
                other
            ),
            r(
                "NIX-079",
                "hosts/other/default.nix",
                4,
                29,
                "medium",
                true,
                other
            ),
            r(
                "NIX-079",
                "hosts/other/default.nix",
                4,
                29,
                "medium",
                true,
                other
            ),
        ]
    );
    let m079 = messages(&v, "NIX-079", "hosts/other/default.nix", 4);
    assert_eq!(m079.len(), 2, "{m079:?}");
    for key in ["PasswordAuthentication", "KbdInteractiveAuthentication"] {
        assert!(
            m079.iter()
                .any(|m| m.contains(&format!("`{key}` is never set"))
                    && m.ends_with(
                        "; unless set by `inputs.someone.nixosModules.default` (not followed)"
                    )),
            "{m079:?}"
        );
    }
    // srvos' server turns sshd on and sets both password switches to false; its systemd-boot
    // mixin turns systemd-boot on. Left at their defaults by a known module set, with no line
    // of the repository turning them on, they are not reported (the `server` host has no
    // finding); a host that turns sshd on itself beside srvos has its root login reported at
    // its own line.
    assert!(!message(&v, "NIX-078", "hosts/both/default.nix", 4).contains("turned on by"));

    let (rows, _) = causes("wrong/allowusers");
    assert_eq!(
        rows,
        [r(
            "NIX-079",
            "extra-config/configuration.nix",
            9,
            9,
            "medium",
            true,
            None
        )]
    );

    let (rows, v) = causes("wrong");
    let mine: Vec<&Row> = rows
        .iter()
        .filter(|r| r.1 == "fetch.nix" || r.1 == "shared-groups.nix")
        .collect();
    assert_eq!(
        mine,
        [
            &r("NIX-027", "fetch.nix", 3, 16, "high", false, None),
            &r("NIX-056", "shared-groups.nix", 4, 5, "high", false, None),
        ]
    );
    assert_eq!(
        message(&v, "NIX-056", "shared-groups.nix", 4),
        "users `ann`, `ben`, `cid` are in group `docker` (root-equivalent), all from this one list"
    );
    let fetch = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["file"] == "fetch.nix")
        .expect("fetch");
    assert_eq!(fetch["end_line"], 3);
}

/// No crash on any input: 100,000-deep nesting of lists, sets, parentheses, `let` and function
/// application, a 10 MB file, binary garbage and bindings whose evaluation grows exponentially
/// are each an error for that file, within a second, and the other files are linted.
#[test]
fn no_crash_on_any_input() {
    let n = 100_000;
    let d = tempfile::tempdir().expect("tempdir");
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("lists.nix", ("[".repeat(n) + &"]".repeat(n)).into_bytes()),
        (
            "sets.nix",
            ("{ a = ".repeat(n) + "1" + &"; }".repeat(n)).into_bytes(),
        ),
        (
            "parens.nix",
            ("(".repeat(n) + "1" + &")".repeat(n)).into_bytes(),
        ),
        ("lets.nix", ("let a = 1; in ".repeat(n) + "a").into_bytes()),
        (
            "apply.nix",
            ("f (".repeat(n) + "x" + &")".repeat(n)).into_bytes(),
        ),
        ("concat.nix", ("[ ] ++ ".repeat(n) + "[ ]").into_bytes()),
        // Bindings that use each other twice: following them costs 2^40 (nixpkgs'
        // `lib/systems/architectures.nix` did this through a `rec` set and hung the run).
        ("exponential-let.nix", {
            let mut s = String::from("let\n  a0 = [ 22 ];\n");
            for i in 1..=40 {
                s.push_str(&format!("  a{i} = a{} ++ a{};\n", i - 1, i - 1));
            }
            s.push_str("in { networking.firewall.allowedTCPPorts = a40; }\n");
            s.into_bytes()
        }),
        ("exponential-rec.nix", {
            let mut s = String::from("rec {\n  t = {\n    a0 = [ \"x\" ];\n");
            for i in 1..=40 {
                s.push_str(&format!("    a{i} = t.a{} ++ t.a{};\n", i - 1, i - 1));
            }
            s.push_str("  };\n  networking.firewall.allowedTCPPorts = t.a40;\n}\n");
            s.into_bytes()
        }),
        ("big.nix", {
            let line = "  networking.firewall.allowedTCPPorts = [ 80 443 ];\n";
            let mut s = String::from("{\n");
            while s.len() < 10_000_000 {
                s.push_str(line);
            }
            s.push_str("}\n");
            s.into_bytes()
        }),
        ("garbage.nix", {
            // A fixed pseudo-random byte sequence (xorshift), not valid UTF-8.
            let mut x: u32 = 2_463_534_242;
            (0..200_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x.to_le_bytes()[0]
                })
                .collect()
        }),
        // Unterminated strings: the parser library's string helpers assert on what it
        // recovered (found by fuzzing); an error for the file, not an abort of the run.
        ("unterminated.nix", b"{ a = \"x".to_vec()),
        ("unterminated-interpolation.nix", b"{ b = \"${x}".to_vec()),
        ("unterminated-indented.nix", b"{ c = ''x${".to_vec()),
        ("ascii-garbage.nix", {
            let mut x: u32 = 88_172_645;
            (0..200_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    let alphabet = b"{}[]()\"';=$:.,+-/!?@ \nabc";
                    alphabet[x as usize % alphabet.len()]
                })
                .collect()
        }),
    ];
    for (name, bytes) in &bad {
        std::fs::write(d.path().join(name), bytes).expect("write");
    }
    std::fs::write(
        d.path().join("good.nix"),
        "{ networking.firewall.enable = false; }\n",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let (code, v) = run_json(
        nixsec()
            .current_dir(d.path())
            .args(["lint", "--format", "json", "-j", "2", "."]),
    );
    let took = started.elapsed();
    assert_eq!(code, 1, "{v:#}");
    let mut errors: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "error")
        .map(|f| f["file"].as_str().expect("file"))
        .collect();
    errors.sort_unstable();
    let mut want: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    want.sort_unstable();
    assert_eq!(errors, want, "{v:#}");
    assert!(rows(&v).contains(&row("NIX-070", "good.nix", 1, 32, "fail", false)));
    // Twelve bad files on two workers with a debug build took 6-23 s on two cores shared with
    // other builds (load 20-24); each file's time is measured with the release build apart.
    // The bound only catches a hang or a quadratic walk.
    assert!(took < std::time::Duration::from_secs(60), "took {took:?}");
}

/// `modules = [ server/server.nix ]`: a path literal needs a slash, not a leading `./`; the
/// host is built from the file it names.
#[test]
fn a_module_path_written_without_a_leading_dot_is_followed() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      modules = [ server/server.nix ];\n    };\n  };\n}\n",
            ),
            (
                "server/server.nix",
                "{ ... }: {\n  imports = [ common/ssh.nix ];\n}\n",
            ),
            (
                "server/common/ssh.nix",
                "{ ... }: {\n  services.openssh.enable = true;\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let modules: Vec<&str> = v["configurations"][0]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        modules,
        ["server/server.nix", "server/common/ssh.nix"],
        "{v:#}"
    );
    let got = rule_rows(&v, "NIX-079", "file");
    assert!(
        !got.is_empty()
            && got
                .iter()
                .all(|(l, f)| *l == 2 && f == "server/common/ssh.nix"),
        "{got:?}"
    );
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["conditional"] == false),
        "{v:#}"
    );
}

/// `configuration.nix -> nixos/configuration.nix`: one file, one host, each finding once.
#[test]
fn a_linked_configuration_is_one_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[(
            "nixos/configuration.nix",
            "{ ... }: {\n  imports = [ ./ssh.nix ];\n  system.stateVersion = \"24.05\";\n}\n",
        ), ("nixos/ssh.nix", "{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = \"yes\";\n}\n")],
    );
    std::os::unix::fs::symlink(
        "nixos/configuration.nix",
        d.path().join("configuration.nix"),
    )
    .expect("symlink");
    let (_, v) = lint_json(d.path());
    assert_eq!(
        v["configurations"].as_array().map(Vec::len),
        Some(1),
        "{v:#}"
    );
    assert_eq!(rule_rows(&v, "NIX-078", "file").len(), 1, "{v:#}");
    assert!(v["skipped"].to_string().contains("linted there"), "{v:#}");
}

/// flake-parts modules: a host's own module exported under a `let`-bound name
/// (`flake.modules.nixos.${hostname}`), and a base module importing every other module of the
/// flake (`attrValues (removeAttrs inputs.self.modules.nixos [ "base" "media" ])`).
#[test]
fn flake_modules_by_let_bound_name_and_all_but_some() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "modules/hosts/box.nix",
                "{ self, inputs, ... }: let\n  hostname = \"box\";\nin {\n  flake.nixosConfigurations.${hostname} = inputs.nixpkgs.lib.nixosSystem {\n    modules = [ self.modules.nixos.base self.modules.nixos.${hostname} ];\n  };\n  flake.modules.nixos.${hostname} = { ... }: {\n    boot.loader.systemd-boot.enable = true;\n  };\n}\n",
            ),
            (
                "modules/base.nix",
                "{ inputs, ... }: {\n  flake.modules.nixos.base = { ... }: {\n    imports = builtins.attrValues (builtins.removeAttrs inputs.self.modules.nixos [ \"base\" \"media\" \"box\" ]);\n  };\n}\n",
            ),
            (
                "modules/ssh.nix",
                "{\n  flake.modules.nixos.ssh = {\n    services.openssh.enable = true;\n  };\n}\n",
            ),
            (
                "modules/media.nix",
                "{\n  flake.modules.nixos.media = {\n    services.jellyfin.enable = true;\n    services.jellyfin.openFirewall = true;\n  };\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let hosts: Vec<&Value> = v["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .collect();
    assert_eq!(hosts.len(), 1, "{v:#}");
    let modules = hosts[0]["modules"].to_string();
    assert!(modules.contains("modules/ssh.nix"), "{modules}");
    assert!(!modules.contains("modules/media.nix"), "{modules}");
    // The host's own module is joined: its systemd-boot has no `editor` setting.
    let boot = rule_rows(&v, "NIX-090", "file");
    assert_eq!(boot, [(8, "modules/hosts/box.nix".to_string())], "{v:#}");
    // sshd from the module every host gets, without a condition.
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "NIX-079"
                && f["file"] == "modules/ssh.nix"
                && f["conditional"] == false),
        "{v:#}"
    );
}

/// A file the repository encrypts with git-crypt (by `.gitattributes`, or git-crypt's
/// ciphertext on disk in a checkout without the key) given as a path is a secret copied into
/// the store; a plain file beside it is not.
#[test]
fn a_git_crypt_file_copied_into_the_store() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "services/app.nix",
                "{\n  environment.etc.\"app/app.cfg\".source = ./app.cfg;\n  environment.etc.\"app/motd\".source = ./motd;\n  environment.etc.\"db/db.cfg\".source = ../db/db.cfg;\n}\n",
            ),
            ("services/.gitattributes", "app.cfg filter=git-crypt diff=git-crypt\n"),
            ("services/app.cfg", "[database]\npassword = hunter2hunter2\n"),
            ("services/motd", "welcome\n"),
        ],
    );
    std::fs::create_dir_all(d.path().join("db")).expect("mkdir");
    std::fs::write(d.path().join("db/db.cfg"), b"\0GITCRYPT\0\x12\x34\x56\x78").expect("write");
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-032", "message");
    let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 4], "{got:?}");
    assert!(got[0].1.contains("git-crypt"), "{got:?}");
}

/// A host made by a call of the repository's helper (`razorcrest = self.lib.mkSystem {
/// hostname = "razorcrest"; }`), the helper building the system from `hosts/${hostname}`:
/// one host, listed once.
#[test]
fn a_helper_call_and_the_system_it_builds_are_one_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = inputs: {\n    lib.mkSystem = import ./lib/mkSystem.nix inputs;\n    nixosConfigurations = import ./hosts inputs;\n  };\n}\n",
            ),
            (
                "lib/mkSystem.nix",
                "inputs:\n{ hostname, extraModules ? [ ] }:\ninputs.nixpkgs.lib.nixosSystem {\n  modules = [\n    { networking.hostName = hostname; }\n    \"${inputs.self}/hosts/${hostname}\"\n  ] ++ extraModules;\n}\n",
            ),
            (
                "hosts/default.nix",
                "inputs:\n{\n  razorcrest = inputs.self.lib.mkSystem {\n    hostname = \"razorcrest\";\n    extraModules = [ inputs.nixos-hardware.nixosModules.lenovo-thinkpad-t490 ];\n  };\n}\n",
            ),
            (
                "hosts/razorcrest/default.nix",
                "{\n  services.openssh.enable = true;\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let hosts = entry_points(&v);
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert!(hosts[0].contains("razorcrest"), "{hosts:?}");
    assert!(
        v["configurations"][0]["modules"]
            .to_string()
            .contains("hosts/razorcrest/default.nix"),
        "{v:#}"
    );
}

/// Hosts made from a directory's entries (`genAttrs (attrNames (readDir ./.)) os` with
/// `modules = [ ./${name} ]`): a directory with a `default.nix` is a host; `flake.lock` and
/// `readme.md` beside it are not.
#[test]
fn hosts_from_directory_entries_are_nix_modules_only() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = inputs: {\n    nixosConfigurations = with builtins; let\n      machines = filter (d: pathExists (./. + \"/${d}/default.nix\")) (attrNames (readDir ./.));\n      os = name: inputs.nixpkgs.lib.nixosSystem { modules = [ ./${name} { networking.hostName = name; } ]; };\n    in inputs.nixpkgs.lib.genAttrs machines os;\n  };\n}\n",
            ),
            ("flake.lock", "{}\n"),
            ("readme.md", "# hosts\n"),
            ("install.sh", "#!/bin/sh\n"),
            ("aura/default.nix", "{\n  services.openssh.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let hosts = entry_points(&v);
    assert_eq!(hosts, ["flake.nix#nixosConfigurations.os[aura]"], "{v:#}");
}

/// `modules = [ ./hosts/${hostname} ./hosts/common ]` over the names of a list: the hosts are
/// `hosts/a` and `hosts/b`, never `hosts/common`, which the list names itself.
#[test]
fn a_shared_directory_beside_the_hosts_is_no_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { nixpkgs, ... }: let\n    mkHost = hostname: {\n      ${hostname} = nixpkgs.lib.nixosSystem {\n        modules = [ ./hosts/${hostname} ./hosts/common ];\n      };\n    };\n    hostnames = [ \"a\" \"b\" ];\n  in {\n    nixosConfigurations = nixpkgs.lib.foldl' (acc: h: acc // (mkHost h)) { } hostnames;\n  };\n}\n",
            ),
            ("hosts/a/default.nix", "{\n  networking.hostName = \"a\";\n}\n"),
            ("hosts/b/default.nix", "{\n  networking.hostName = \"b\";\n}\n"),
            (
                "hosts/common/default.nix",
                "{\n  services.openssh.enable = true;\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let hosts = entry_points(&v);
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert!(hosts.iter().all(|h| !h.contains("[common]")), "{hosts:?}");
}

/// ez-configs: each host `nixos-configurations/NAME.nix` gets `nixos-modules/default.nix`, and
/// `ezModules.NAME` is `nixos-modules/NAME.nix`.
#[test]
fn ez_configs_hosts_get_the_default_module_and_ez_modules() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {\n    imports = [ inputs.ez-configs.flakeModule ];\n    ezConfigs.root = ./.;\n  };\n}\n",
            ),
            (
                "nixos-configurations/box.nix",
                "{ ezModules, ... }: {\n  imports = [ ezModules.web ];\n  networking.hostName = \"box\";\n  boot.loader.systemd-boot.enable = true;\n}\n",
            ),
            (
                "nixos-modules/default.nix",
                "{\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n",
            ),
            (
                "nixos-modules/web.nix",
                "{\n  services.nginx.enable = true;\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let host = v["configurations"]
        .as_array()
        .expect("configurations")
        .iter()
        .find(|c| c["entry_point"] == "nixos-configurations/box.nix")
        .unwrap_or_else(|| panic!("{v:#}"));
    let modules = host["modules"].to_string();
    assert!(modules.contains("nixos-modules/default.nix"), "{modules}");
    assert!(modules.contains("nixos-modules/web.nix"), "{modules}");
    // The default module turns password logins off: no NIX-079 for the host.
    assert!(rule_rows(&v, "NIX-079", "file").is_empty(), "{v:#}");
}

/// The group of a VM daemon (libvirtd, lxd, incus) gives root only where the daemon runs: a
/// user in `libvirtd` is reported when some file of the run turns libvirtd on, and not when
/// none does (docker's group is judged either way).
#[test]
fn a_vm_daemon_group_counts_where_some_file_turns_the_daemon_on() {
    let user = "{\n  users.users.alice = {\n    isNormalUser = true;\n    extraGroups = [ \"wheel\" \"libvirtd\" \"docker\" ];\n  };\n}\n";
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(d.path(), &[("users.nix", user)]);
    let (_, v) = lint_json(d.path());
    let got: Vec<String> = rule_rows(&v, "NIX-056", "message")
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("`docker`"), "{got:?}");
    write_tree(
        d.path(),
        &[(
            "virt.nix",
            "{\n  virtualisation.libvirtd = {\n    enable = true;\n  };\n}\n",
        )],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(rule_rows(&v, "NIX-056", "message").len(), 2, "{v:#}");
    // Docker turned off, and on nowhere (rootless only): its group gives nothing.
    write_tree(
        d.path(),
        &[(
            "docker.nix",
            "{
  virtualisation.docker.enable = false;
  virtualisation.docker.rootless.enable = true;
}
",
        )],
    );
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-056", "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].1.contains("`libvirtd`"), "{got:?}");
}

/// Where hosts reach the file that puts a user in a VM daemon's group, the daemon counts when
/// one of those hosts turns it on (not under a switch of the repository's own that the host
/// leaves off), or when a module no host reaches turns it on and no import of it is commented
/// out: that module may belong to a host nixsec did not reconstruct.
#[test]
fn a_vm_daemon_group_counts_where_a_host_reaching_it_turns_the_daemon_on() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.desk = nixpkgs.lib.nixosSystem { modules = [ ./hosts/desk.nix ]; };
    nixosConfigurations.srv = nixpkgs.lib.nixosSystem { modules = [ ./hosts/srv.nix ]; };
    nixosConfigurations.nas = nixpkgs.lib.nixosSystem { modules = [ ./hosts/nas.nix ]; };
  };
}
",
            ),
            (
                "hosts/desk.nix",
                "{ imports = [ ../users/alice.nix ../modules/virt.nix ]; my.virt.enable = true; }\n",
            ),
            (
                "hosts/srv.nix",
                "{ imports = [ ../users/bob.nix ../modules/virt.nix ]; }\n",
            ),
            (
                "hosts/nas.nix",
                "{\n  imports = [\n    ../users/carol.nix\n    # ../modules/old-virt.nix\n  ];\n}\n",
            ),
            (
                "users/alice.nix",
                "{ users.users.alice.extraGroups = [ \"libvirtd\" ]; }\n",
            ),
            (
                "users/bob.nix",
                "{ users.users.bob.extraGroups = [ \"libvirtd\" ]; }\n",
            ),
            (
                "users/carol.nix",
                "{ users.users.carol.extraGroups = [ \"libvirtd\" ]; }\n",
            ),
            (
                "modules/virt.nix",
                "{ config, lib, ... }:
let cfg = config.my.virt; in {
  options.my.virt.enable = lib.mkEnableOption \"VMs\";
  config = lib.mkIf cfg.enable { virtualisation.libvirtd.enable = true; };
}
",
            ),
            (
                "modules/old-virt.nix",
                "{ virtualisation.libvirtd.enable = true; }\n",
            ),
        ],
    );
    let users = |v: &Value| -> Vec<String> {
        let mut files: Vec<String> = rule_rows(v, "NIX-056", "file")
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        files.sort();
        files
    };
    let (_, v) = lint_json(d.path());
    assert_eq!(users(&v), ["users/alice.nix"], "{v:#}");
    // One more file written, then the users whose group counts.
    let after = |file: &str, text: &str, want: &[&str]| {
        write_tree(d.path(), &[(file, text)]);
        let (_, v) = lint_json(d.path());
        assert_eq!(users(&v), want, "{file}: {v:#}");
    };
    // A module put aside under a hidden name, imported by nothing: still off.
    let vm = "{ virtualisation.libvirtd.enable = true; }\n";
    after("modules/.vm.nix", vm, &["users/alice.nix"]);
    // A module no host imports: the hosts, whose modules nixsec all followed, do not turn the
    // daemon on with it.
    after("extra/vm.nix", vm, &["users/alice.nix"]);
    // A host whose modules nixsec cannot all follow: the run decides for its files.
    after(
        "hosts/nas.nix",
        "{ extraModules, ... }: {\n  imports = [\n    ../users/carol.nix\n  ] ++ extraModules;\n}\n",
        &["users/alice.nix", "users/carol.nix"],
    );
}

/// The `docker` group of a user is judged per host when some file of the run turns Docker's
/// daemon on: a host that does not turn it on gives the group nothing. With no daemon turned
/// on anywhere, it is judged (the daemon often comes from another flake's module).
#[test]
fn a_docker_group_counts_where_a_host_turns_docker_on() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a.nix ]; };\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./hosts/b.nix ]; };\n  };\n}\n"),
            ("hosts/a.nix", "{\n  users.users.alice.extraGroups = [ \"docker\" ];\n  virtualisation.docker.enable = true;\n}\n"),
            ("hosts/b.nix", "{\n  users.users.bob.extraGroups = [ \"docker\" ];\n  virtualisation.podman.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-056", "file"),
        [(2, "hosts/a.nix".to_string())],
        "{v:#}"
    );
    write_tree(
        d.path(),
        &[(
            "hosts/a.nix",
            "{\n  users.users.alice.extraGroups = [ \"docker\" ];\n}\n",
        )],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(rule_rows(&v, "NIX-056", "file").len(), 2, "{v:#}");
    // Docker turned on under a conjunction of the repository's own switches: off on the host
    // that turns one of them off (`docker = false`, or `rootless = true` under a negation), on
    // where all hold.
    let flake = "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a.nix ./virt.nix ]; };\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./hosts/b.nix ./virt.nix ]; };\n  };\n}\n";
    let virt = "{ config, lib, ... }:\nlet\n  cfg = config.my.virt;\nin\n{\n  options.my.virt = {\n    enable = lib.mkEnableOption \"virtualisation\";\n    docker = lib.mkEnableOption \"docker\";\n    rootless = lib.mkEnableOption \"rootless\";\n  };\n  config.virtualisation.docker.enable = lib.mkIf (cfg.enable && (cfg.docker) && !cfg.rootless) true;\n}\n";
    let host = |user: &str, switches: &str| {
        format!("{{\n  users.users.{user}.extraGroups = [ \"docker\" ];\n  my.virt.enable = true;\n{switches}}}\n")
    };
    for a in [
        "  my.virt.docker = false;\n",
        "  my.virt.docker = true;\n  my.virt.rootless = true;\n",
    ] {
        write_tree(
            d.path(),
            &[
                ("flake.nix", flake),
                ("virt.nix", virt),
                ("hosts/a.nix", &host("alice", a)),
                (
                    "hosts/b.nix",
                    &host(
                        "bob",
                        "  my.virt.docker = true;\n  my.virt.rootless = false;\n",
                    ),
                ),
            ],
        );
        let (_, v) = lint_json(d.path());
        assert_eq!(
            rule_rows(&v, "NIX-056", "file"),
            [(2, "hosts/b.nix".to_string())],
            "{a}: {v:#}"
        );
    }
}

/// `services.openssh.enable = cfg.server;` where `server` is declared off by default under
/// `with lib;` and no file sets it: sshd never runs, on the host that imports the module and in
/// the module no host imports; a host that sets it is judged.
#[test]
fn a_service_switched_by_an_option_declared_under_with_lib_follows_its_default() {
    let d = tempfile::tempdir().expect("tempdir");
    let module = "{ config, lib, ... }:\nlet\n  cfg = config.my.ssh;\nin\n{\n  options.my.ssh = with lib; {\n    enable = mkEnableOption \"ssh\";\n    server = mkEnableOption \"sshd\";\n  };\n  config = lib.mkIf cfg.enable {\n    services.openssh = {\n      enable = cfg.server;\n    };\n  };\n}\n";
    write_tree(d.path(), &[("modules/ssh.nix", module)]);
    let (_, v) = lint_json(d.path());
    assert!(rule_rows(&v, "NIX-079", "file").is_empty(), "{v:#}");
    for (set, want) in [("", 0), ("  my.ssh.server = true;\n", 2)] {
        write_tree(
            d.path(),
            &[(
                "configuration.nix",
                &format!("{{\n  imports = [ ./modules/ssh.nix ];\n  my.ssh.enable = true;\n{set}  system.stateVersion = \"24.05\";\n}}\n"),
            )],
        );
        let (_, v) = lint_json(d.path());
        assert_eq!(rule_rows(&v, "NIX-079", "file").len(), want, "{set}: {v:#}");
    }
}

/// `docker` given only under Docker's own switch (`optionals config.virtualisation.docker.enable
/// [ "docker" ]`) is no membership where no file of the run turns Docker on (rootless Docker has
/// no group to join); where a file does, it is judged as any other.
#[test]
fn a_docker_group_under_dockers_switch_counts_where_docker_runs() {
    let d = tempfile::tempdir().expect("tempdir");
    let user = "{ config, lib, ... }:\n{\n  users.users.mn.extraGroups = [ \"wheel\" ]\n    ++ lib.optionals config.virtualisation.docker.enable [ \"docker\" ];\n  users.users.ops.extraGroups = lib.mkIf (config.virtualisation.docker.enable && config.my.ops) [ \"docker\" ];\n}\n";
    for (docker, want) in [
        ("virtualisation.docker.rootless.enable = true;", 0),
        ("virtualisation.docker.enable = true;", 2),
    ] {
        write_tree(
            d.path(),
            &[
                ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ./user.nix ]; };\n  };\n}\n"),
                ("a.nix", &format!("{{\n  {docker}\n  networking.hostName = \"a\";\n}}\n")),
                ("user.nix", user),
            ],
        );
        let (_, v) = lint_json(d.path());
        let rows = rule_rows(&v, "NIX-056", "file");
        assert_eq!(rows.len(), want, "{docker}: {v:#}");
        assert!(rows.iter().all(|(_, f)| f == "user.nix"), "{v:#}");
    }
}

/// A flake-parts module named `flake.nix` in a directory of the flake's modules (an
/// import-tree's `modules/flake.nix`) is no flake of its own: the modules beside it are the
/// flake's, found by the hosts of the top flake.
#[test]
fn a_flake_parts_module_named_flake_nix_is_no_flake_of_its_own() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ (inputs.import-tree ./modules) ./hosts/laptop.nix ]; };
}
",
            ),
            (
                "hosts/laptop.nix",
                "{ self, inputs, ... }:
{
  flake.nixosConfigurations.laptop = inputs.nixpkgs.lib.nixosSystem {
    modules = [ self.modules.nixos.\"hosts.laptop\" ];
  };
}
",
            ),
            (
                "modules/flake.nix",
                "{ inputs, ... }:
{
  imports = [ inputs.flake-parts.flakeModules.modules ];
}
",
            ),
            (
                "modules/hosts/laptop/default.nix",
                "{ self, ... }:
{
  flake.modules.nixos.\"hosts.laptop\" = {
    imports = with self.modules.nixos; [ ssh ];
  };
}
",
            ),
            (
                "modules/ssh.nix",
                "{
  flake.modules.nixos.ssh = {
    services.openssh.enable = true;
  };
}
",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let modules = v["configurations"][0]["modules"].to_string();
    assert!(
        modules.contains("modules/hosts/laptop/default.nix") && modules.contains("modules/ssh.nix"),
        "{v:#}"
    );
}

/// flake-utils-plus' hosts: `hostDefaults.modules` and each `hosts.NAME.modules` make one
/// configuration per host.
#[test]
fn flake_utils_plus_hosts_are_configurations() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { self, nixpkgs, flake-utils-plus, ... }@inputs:\n    flake-utils-plus.lib.mkFlake {\n      inherit self inputs;\n      hostDefaults.modules = [ ./common.nix ];\n      hosts = {\n        web.modules = [ ./web.nix ];\n        db.modules = [ ./db.nix ];\n      };\n    };\n}\n",
            ),
            ("common.nix", "{\n  services.openssh.settings.PermitRootLogin = \"no\";\n}\n"),
            ("web.nix", "{\n  services.openssh.enable = true;\n}\n"),
            ("db.nix", "{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = \"yes\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let hosts = entry_points(&v);
    assert_eq!(
        hosts,
        [
            "flake.nix#nixosConfigurations.web",
            "flake.nix#nixosConfigurations.db"
        ],
        "{v:#}"
    );
    // web's sshd takes common.nix's `PermitRootLogin = "no"`: no default-based finding.
    assert_eq!(
        rule_rows(&v, "NIX-078", "file"),
        [(3, "db.nix".to_string())],
        "{v:#}"
    );
}

/// The modules of this flake that are functions of their own arguments, called in a list
/// under `with outputs.nixosModules` inside `lib.flatten` (the nix-starter-configs layout):
/// each is that module.
#[test]
fn flake_modules_called_with_arguments_under_with_are_followed() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { self, nixpkgs, ... }@inputs: let\n    inherit (self) outputs;\n  in {\n    nixosModules = import ./modules;\n    nixosConfigurations.zeus = nixpkgs.lib.nixosSystem {\n      specialArgs = { inherit inputs outputs; };\n      modules = [ ./hosts/zeus.nix ];\n    };\n  };\n}\n",
            ),
            (
                "modules/default.nix",
                "{\n  common = import ./common.nix;\n  ssh = import ./ssh.nix;\n}\n",
            ),
            (
                "modules/common.nix",
                "{ user, ... }: {\n  services.openssh.settings.PermitRootLogin = \"no\";\n}\n",
            ),
            ("modules/ssh.nix", "{\n  services.openssh.enable = true;\n}\n"),
            (
                "hosts/zeus.nix",
                "{ lib, outputs, ... }: {\n  imports = lib.flatten [\n    (with outputs.nixosModules; [\n      (common { user = \"joonas\"; })\n      ssh\n    ])\n  ];\n}\n",
            ),
        ],
    );
    let (_, v) = lint_json(d.path());
    let modules = v["configurations"][0]["modules"].to_string();
    assert!(
        modules.contains("modules/common.nix") && modules.contains("modules/ssh.nix"),
        "{v:#}"
    );
    assert!(rule_rows(&v, "NIX-078", "file").is_empty(), "{v:#}");
}

/// A colmena hive without `defaults`: `meta.nixpkgs` beside nodes built by a helper of the
/// file.
#[test]
fn a_colmena_hive_without_defaults_is_a_hive() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "hive.nix",
                "let\n  mkNode = host: module: {\n    deployment.targetHost = host;\n    imports = [ ./common.nix module ];\n  };\nin\n{\n  meta = { nixpkgs = import <nixpkgs> { }; };\n  web = mkNode \"web.local\" ./web.nix;\n  db = mkNode \"db.local\" ./db.nix;\n}\n",
            ),
            ("common.nix", "{\n  services.openssh.enable = true;\n}\n"),
            ("web.nix", "{\n  services.nginx.enable = true;\n}\n"),
            ("db.nix", "{\n  services.postgresql.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        entry_points(&v),
        ["hive.nix#colmena.web", "hive.nix#colmena.db"],
        "{v:#}"
    );
}

/// An input of another name that the hosts are built from in another file of the flake
/// (`nixos.lib.nixosSystem` in `lib.nix`): its end-of-life release is reported at its URL.
#[test]
fn an_input_systems_are_built_from_in_another_file_is_judged() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n  inputs.nixos.url = \"nixpkgs/nixos-22.11\";\n  outputs = inputs: {\n    nixosConfigurations = import ./lib.nix inputs;\n  };\n}\n",
            ),
            (
                "lib.nix",
                "{ nixos, ... }:\n{\n  vps = nixos.lib.nixosSystem { modules = [ ./vps.nix ]; };\n}\n",
            ),
            ("vps.nix", "{\n  networking.hostName = \"vps\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let got = rule_rows(&v, "NIX-152", "file");
    assert_eq!(got, [(3, "flake.nix".to_string())], "{v:#}");
}

/// `disabledModules = [ ./ssh.nix ]`: the host leaves that file out wherever it is imported,
/// and what it sets (sshd on, its password keys unset) is no finding of the host's.
#[test]
fn a_disabled_module_is_left_out_of_its_host() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "configuration.nix",
                "{\n  imports = [ ./ssh.nix ./base.nix ];\n  networking.hostName = \"a\";\n  system.stateVersion = \"24.05\";\n}\n",
            ),
            ("base.nix", "{\n  disabledModules = [ ./ssh.nix ];\n}\n"),
            ("ssh.nix", "{\n  services.openssh.enable = true;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let modules = v["configurations"][0]["modules"].to_string();
    assert!(!modules.contains("ssh.nix"), "{v:#}");
    assert!(rule_rows(&v, "NIX-079", "file").is_empty(), "{v:#}");
    assert!(rule_rows(&v, "NIX-078", "file").is_empty(), "{v:#}");
    // Not left out: reported at the line that turns sshd on.
    write_tree(d.path(), &[("base.nix", "{\n}\n")]);
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-078", "file"),
        [(2, "ssh.nix".to_string())],
        "{v:#}"
    );
}

/// A helper of one parameter whose builder takes `args.modules` (`NixosConfiguration = args:
/// nixosSystem { modules = [ ./common.nix ] ++ args.modules; }`), called once per host: one
/// configuration per call, with the helper's modules and the call's own.
#[test]
fn a_helper_taking_args_modules_builds_one_host_per_call() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            (
                "flake.nix",
                "{\n  outputs = { nixpkgs, ... }: let\n    NixosConfiguration = args: nixpkgs.lib.nixosSystem {\n      modules = [ ./common.nix ] ++ args.modules;\n    };\n  in {\n    nixosConfigurations = {\n      luna = NixosConfiguration { modules = [ ./hosts/luna.nix ]; };\n      mars = NixosConfiguration { modules = [ ./hosts/mars.nix ]; };\n    };\n  };\n}\n",
            ),
            ("common.nix", "{\n  services.openssh.enable = true;\n}\n"),
            (
                "hosts/luna.nix",
                "{\n  services.openssh.settings.PermitRootLogin = \"no\";\n}\n",
            ),
            ("hosts/mars.nix", "{\n  networking.hostName = \"mars\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        entry_points(&v),
        [
            "flake.nix#nixosConfigurations.luna",
            "flake.nix#nixosConfigurations.mars"
        ],
        "{v:#}"
    );
    let luna = v["configurations"][0]["modules"].to_string();
    assert!(
        luna.contains("hosts/luna.nix") && !luna.contains("hosts/mars.nix"),
        "{v:#}"
    );
    // Root login: mars leaves it at NixOS's default, luna sets it.
    let got = rule_rows(&v, "NIX-078", "message");
    assert_eq!(got.len(), 1, "{got:?}");
}

/// A configuration without flakes that builds its systems from an npins or niv pin of nixpkgs:
/// a pin following an end-of-life release is NIX-152, reported at its `sources.json`; not in a
/// run that builds no system.
#[test]
fn an_end_of_life_release_pinned_by_npins_or_niv() {
    let d = tempfile::tempdir().expect("tempdir");
    let sources = "{\n  \"pins\": {\n    \"nixpkgs\": {\n      \"type\": \"Git\",\n      \"repository\": {\n        \"type\": \"GitHub\",\n        \"owner\": \"NixOS\",\n        \"repo\": \"nixpkgs\"\n      },\n      \"branch\": \"nixos-23.05\",\n      \"revision\": \"0000000000000000000000000000000000000000\"\n    }\n  },\n  \"version\": 7\n}\n";
    write_tree(
        d.path(),
        &[
            ("npins/default.nix", "# Generated by npins. Do not modify; will be overwritten regularly\nlet data = builtins.fromJSON (builtins.readFile ./sources.json); in data.pins\n"),
            ("npins/sources.json", sources),
            ("default.nix", "let\n  sources = import ./npins;\n  nixos = import (sources.nixpkgs + \"/nixos\") { configuration = ./configuration.nix; };\nin nixos.system\n"),
            ("configuration.nix", "{ ... }: {\n  networking.hostName = \"a\";\n  system.stateVersion = \"23.05\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    let rows = rule_rows(&v, "NIX-152", "file");
    assert_eq!(rows.len(), 1, "{v:#}");
    assert!(rows[0].1.ends_with("npins/sources.json"), "{v:#}");
    assert_eq!(rows[0].0, 10, "{v:#}");
    // Pins cut short: an error for that file, saying why; the other files are linted.
    std::fs::write(d.path().join("npins/sources.json"), &sources[..40]).expect("write");
    let (_, v) = lint_json(d.path());
    let errors = rule_rows(&v, "parse-error", "message");
    assert_eq!(errors.len(), 1, "{v:#}");
    assert!(
        errors[0]
            .1
            .starts_with("the pins of nixpkgs could not be read: not JSON (EOF while parsing"),
        "{v:#}"
    );
    assert_eq!(
        rule_rows(&v, "parse-error", "file")[0].1,
        "npins/sources.json"
    );
    assert!(rule_rows(&v, "NIX-152", "file").is_empty(), "{v:#}");
    // niv's `nix/sources.json`, beside `nix/sources.nix`.
    let niv = tempfile::tempdir().expect("tempdir");
    write_tree(
        niv.path(),
        &[
            ("nix/sources.nix", "# This file has been generated by Niv.\nbuiltins.fromJSON (builtins.readFile ./sources.json)\n"),
            ("nix/sources.json", "{\n    \"nixpkgs\": {\n        \"branch\": \"nixos-21.11\",\n        \"owner\": \"NixOS\",\n        \"repo\": \"nixpkgs\"\n    }\n}\n"),
            ("configuration.nix", "{ ... }: {\n  system.stateVersion = \"21.11\";\n}\n"),
            ("shell.nix", "let sources = import ./nix/sources.nix; pkgs = import sources.nixpkgs { }; in pkgs.mkShell { }\n"),
        ],
    );
    // Used by a development shell only: the systems are built from something else.
    let (_, v) = lint_json(niv.path());
    assert!(rule_rows(&v, "NIX-152", "file").is_empty(), "{v:#}");
    std::fs::write(
        niv.path().join("default.nix"),
        "let\n  s = import ./nix/sources.nix;\n  # s.old is not used\nin import \"${s.nixpkgs}/nixos\" { configuration = ./configuration.nix; }\n",
    )
    .expect("write");
    let (_, v) = lint_json(niv.path());
    let rows = rule_rows(&v, "NIX-152", "file");
    assert_eq!(rows.len(), 1, "{v:#}");
    assert_eq!(rows[0].0, 3, "{v:#}");
    // A colmena hive built from a pin of another name (`sources."25.11"`); the pin named
    // `nixpkgs`, used by nothing, is not reported.
    let hive = tempfile::tempdir().expect("tempdir");
    write_tree(
        hive.path(),
        &[
            ("npins/default.nix", "let data = builtins.fromJSON (builtins.readFile ./sources.json); in data.pins\n"),
            ("npins/sources.json", "{\n  \"pins\": {\n    \"25.11\": {\n      \"type\": \"Channel\",\n      \"name\": \"nixos-25.11\"\n    },\n    \"nixpkgs\": {\n      \"type\": \"Channel\",\n      \"name\": \"nixos-25.05\"\n    }\n  },\n  \"version\": 5\n}\n"),
            ("hive.nix", "let\n  sources = import ./npins;\nin {\n  meta.nixpkgs = import sources.\"25.11\";\n  a = { ... }: { imports = [ ./a.nix ]; };\n}\n"),
            ("a.nix", "{ ... }: {\n  networking.hostName = \"a\";\n  system.stateVersion = \"25.11\";\n}\n"),
        ],
    );
    let (_, v) = lint_json(hive.path());
    let rows = rule_rows(&v, "NIX-152", "file");
    assert_eq!(rows.len(), 1, "{v:#}");
    assert_eq!(rows[0].0, 5, "{v:#}");
    // A project that pins nixpkgs for its development shell: no system, no finding.
    let dev = tempfile::tempdir().expect("tempdir");
    write_tree(
        dev.path(),
        &[
            ("npins/default.nix", "let data = builtins.fromJSON (builtins.readFile ./sources.json); in data.pins\n"),
            ("npins/sources.json", sources),
            ("shell.nix", "let pkgs = import (import ./npins).nixpkgs { }; in pkgs.mkShell { packages = [ pkgs.cargo ]; }\n"),
        ],
    );
    let (_, v) = lint_json(dev.path());
    assert!(rule_rows(&v, "NIX-152", "file").is_empty(), "{v:#}");
}

/// Ports opened under a switch of the repository's own that is off by default and that no file
/// turns on (`mkIf cfg.openFirewall [ 5432 ]`) are never opened; a host turning the switch on
/// opens them.
#[test]
fn ports_behind_an_opt_in_nobody_turns_on_are_not_open() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("configuration.nix", "{ ... }: {\n  imports = [ ./postgresql.nix ];\n  networking.hostName = \"a\";\n  my.postgresql.enable = true;\n}\n"),
            ("postgresql.nix", "{ config, lib, ... }:\nlet\n  cfg = config.my.postgresql;\nin {\n  options.my.postgresql = {\n    enable = lib.mkEnableOption \"PostgreSQL\";\n    openFirewall = lib.mkEnableOption \"the port\";\n  };\n  config = lib.mkIf cfg.enable {\n    services.postgresql.enable = true;\n    networking.firewall.allowedTCPPorts = lib.mkIf cfg.openFirewall [ 5432 ];\n  };\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert!(rule_rows(&v, "NIX-071", "file").is_empty(), "{v:#}");
    std::fs::write(
        d.path().join("configuration.nix"),
        "{ ... }: {\n  imports = [ ./postgresql.nix ];\n  networking.hostName = \"a\";\n  my.postgresql.enable = true;\n  my.postgresql.openFirewall = true;\n}\n",
    )
    .expect("write");
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-071", "file"),
        [(11, "postgresql.nix".to_string())],
        "{v:#}"
    );
}

/// A NixOS list option given a list option of the repository's own (`boot.kernelParams =
/// config.my-boot.kernelParams;`, `permittedInsecurePackages = cfg.insecure;`): the lists the
/// run's files set are judged where they are written. A list of names of who gets something
/// (`users.groups.docker.members = cfg.usernames;`) is not moved to where the names are.
#[test]
fn a_list_option_given_the_repositorys_own_list() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("configuration.nix", "{ config, ... }:\nlet\n  cfg = config.site;\nin\n{\n  imports = [ ./opts.nix ./machine.nix ];\n  boot.kernelParams = config.my-boot.kernelParams;\n  nixpkgs.config.permittedInsecurePackages = cfg.insecure;\n  users.groups.docker.members = cfg.usernames;\n  system.stateVersion = \"24.05\";\n}\n"),
            ("opts.nix", "{ lib, ... }:\n{\n  options.my-boot.kernelParams = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };\n  options.site.insecure = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };\n  options.site.usernames = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };\n}\n"),
            ("machine.nix", "{ ... }:\n{\n  my-boot.kernelParams = [\n    \"quiet\"\n    \"mitigations=off\"\n  ];\n  site.insecure = [ \"olm-3.2.16\" ];\n  site.usernames = [ \"alice\" ];\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-118", "file"),
        [(5, "machine.nix".to_string())],
        "{v:#}"
    );
    assert_eq!(
        rule_rows(&v, "NIX-153", "file"),
        [(7, "machine.nix".to_string())],
        "{v:#}"
    );
    // The docker group's members are reported where they are given, not where named.
    assert!(
        rule_rows(&v, "NIX-056", "file")
            .iter()
            .all(|(_, f)| f == "configuration.nix"),
        "{v:#}"
    );
}

/// `inherit (cfg) initialPassword;` in a user names the option as `initialPassword =
/// cfg.initialPassword;` does: the password declared as the option's default is reported once,
/// as the user's (NIX-030), not again as a literal where it is declared (NIX-033).
#[test]
fn a_users_password_inherited_from_an_option_is_reported_once() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[("user.nix", "{ config, lib, ... }:\nwith lib;\nlet\n  cfg = config.site.user;\nin\n{\n  options.site.user = with types; {\n    name = mkOption { type = str; default = \"alice\"; };\n    initialPassword = mkOption { type = str; default = \"Hunter22wow\"; };\n  };\n  config.users.users.${cfg.name} = {\n    isNormalUser = true;\n    inherit (cfg) name initialPassword;\n  };\n}\n")],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-030", "file"),
        [(13, "user.nix".to_string())],
        "{v:#}"
    );
    assert!(rule_rows(&v, "NIX-033", "file").is_empty(), "{v:#}");
}

/// `root + /mods/ssh.nix` with `root = ../..;`: an absolute path literal appended to a path is
/// a path below it, and the import is followed (the host's other module turns password login
/// off, so nothing is left to the default).
#[test]
fn an_import_below_a_let_bound_root() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("flake.nix", "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.h = nixpkgs.lib.nixosSystem { modules = [ ./hosts/h/default.nix ]; };\n  };\n}\n"),
            ("hosts/h/default.nix", "let\n  root = ../..;\nin\n{\n  imports = [ (root + /mods/ssh.nix) (root + /mods/common.nix) ];\n  system.stateVersion = \"24.11\";\n}\n"),
            ("mods/ssh.nix", "{ ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n  services.openssh.settings.PermitRootLogin = \"no\";\n}\n"),
            ("mods/common.nix", "{ ... }:\n{\n  services.openssh.settings.PasswordAuthentication = false;\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert!(rule_rows(&v, "NIX-079", "file").is_empty(), "{v:#}");
    let hosts = v["configurations"].as_array().expect("configurations");
    assert!(!hosts.is_empty(), "{v:#}");
}

/// `PasswordAuthentication = lib.mkDefault true;` in a module whose every host also imports a
/// plain `PasswordAuthentication = false;`: the weak setting never applies and is not
/// reported. A host without the plain setting keeps the finding.
#[test]
fn a_weak_setting_every_host_overrides_is_not_reported() {
    let d = tempfile::tempdir().expect("tempdir");
    for (hosts, want) in [(
        "nixosConfigurations.ws = nixpkgs.lib.nixosSystem { modules = [ ./base.nix ./ws.nix ./host.nix ]; };",
        0,
    ), (
        "nixosConfigurations.ws = nixpkgs.lib.nixosSystem { modules = [ ./base.nix ./ws.nix ./host.nix ]; };\n    nixosConfigurations.lab = nixpkgs.lib.nixosSystem { modules = [ ./ws.nix ./host.nix ]; };",
        1,
    )] {
        write_tree(
            d.path(),
            &[
                ("flake.nix", &format!("{{\n  outputs = {{ nixpkgs, ... }}: {{\n    {hosts}\n  }};\n}}\n")),
                ("host.nix", "{ ... }:\n{\n  system.stateVersion = \"25.11\";\n}\n"),
                ("base.nix", "{ ... }:\n{\n  services.openssh = {\n    enable = true;\n    settings.PasswordAuthentication = false;\n    settings.KbdInteractiveAuthentication = false;\n  };\n}\n"),
                ("ws.nix", "{ lib, ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = lib.mkDefault true;\n}\n"),
            ],
        );
        let (_, v) = lint_json(d.path());
        let at_ws = rule_rows(&v, "NIX-079", "file")
            .into_iter()
            .filter(|(l, f)| f == "ws.nix" && *l == 4)
            .count();
        assert_eq!(at_ws, want, "{hosts}: {v:#}");
    }
}

/// Modules given to flake-parts' `flake.modules` through `lib.mkMerge [ … ]` (whole, or as
/// `flake.modules.nixos = mkMerge [ … ]`) are exported modules as those written without it.
#[test]
fn modules_exported_through_mk_merge() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[
            ("users.nix", "{ lib, ... }:\n{\n  flake.modules = lib.mkMerge [\n    {\n      nixos.zach = {\n        users.users.zach.initialPassword = \"Hunter22wow\";\n      };\n    }\n  ];\n}\n"),
            ("login.nix", "{ lib, ... }:\n{\n  flake.modules.nixos = lib.mkMerge [\n    {\n      zach = {\n        services.displayManager.autoLogin.enable = true;\n        services.displayManager.autoLogin.user = \"zach\";\n      };\n    }\n  ];\n}\n"),
        ],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-030", "file"),
        [(6, "users.nix".to_string())],
        "{v:#}"
    );
    assert!(!rule_rows(&v, "NIX-136", "file").is_empty(), "{v:#}");
}

/// greetd's `default_session.user` given an option of the module whose declared default names
/// the user (`user = cfg.gamescope.username;`, default `"felix"`), beside a `command` that runs
/// a session: that user is logged in automatically, as with `user = "felix";`.
#[test]
fn a_greetd_session_user_from_an_options_default() {
    let d = tempfile::tempdir().expect("tempdir");
    write_tree(
        d.path(),
        &[("gaming.nix", "{ config, lib, pkgs, ... }:\nlet\n  cfg = config.profiles.gaming;\nin\n{\n  options.profiles.gaming = {\n    enable = lib.mkEnableOption \"gaming\";\n    gamescope.username = lib.mkOption {\n      type = lib.types.str;\n      default = \"felix\";\n    };\n  };\n  config = lib.mkIf cfg.enable {\n    services.greetd = {\n      enable = true;\n      settings.default_session = {\n        command = \"${lib.getExe pkgs.gamescope} -- steam -gamepadui\";\n        user = cfg.gamescope.username;\n      };\n    };\n  };\n}\n")],
    );
    let (_, v) = lint_json(d.path());
    assert_eq!(
        rule_rows(&v, "NIX-136", "file"),
        [(18, "gaming.nix".to_string())],
        "{v:#}"
    );
}

/// Guacamole's `user-mapping.xml` with a password given as the SHA-256 digest its element
/// names (`encoding="sha256"`): a hash, not a plain-text password; a plain password beside
/// it still is one.
#[test]
fn a_password_digest_with_its_encoding_is_no_plain_text_password() {
    let d = tempfile::tempdir().expect("tempdir");
    let digest = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
    for (extra, want) in [("", 0), ("\n      <authorize username=\"other\" password=\"Hunter22wowzers\">\n      </authorize>", 1)] {
        write_tree(
            d.path(),
            &[("guac.nix", &format!("{{ pkgs, ... }}:\n{{\n  services.guacamole-server.userMappingXml = pkgs.writeText \"user-mapping.xml\" ''\n    <user-mapping>\n      <authorize username=\"guacuser\" password=\"{digest}\" encoding=\"sha256\">\n        <connection name=\"desk\"><protocol>rdp</protocol></connection>\n      </authorize>{extra}\n    </user-mapping>\n  '';\n}}\n"))],
        );
        let (_, v) = lint_json(d.path());
        assert_eq!(rule_rows(&v, "NIX-033", "file").len(), want, "{extra}: {v:#}");
    }
}

/// `builtins.attrValues self.nixosModules`: the modules in the order Nix gives a set's values
/// (by name), the same in every run (they were gathered from a hash map, in a new order each
/// run).
#[test]
fn a_flakes_modules_by_attr_values_come_in_nixs_order() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut files = vec![
        (
            "flake.nix",
            "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-25.05\";\n  outputs = { self, nixpkgs }: {\n    nixosModules = {\n      users = ./m/users.nix;\n      ssh = ./m/ssh.nix;\n      boot = ./m/boot.nix;\n      audit = ./m/audit.nix;\n      nix = ./m/nix.nix;\n      fonts = ./m/fonts.nix;\n    };\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem {\n      modules = builtins.attrValues self.nixosModules ++ [ ./host.nix ];\n    };\n  };\n}\n",
        ),
        (
            "host.nix",
            "{ ... }: { networking.hostName = \"box\"; system.stateVersion = \"25.05\"; }\n",
        ),
    ];
    let names = ["users", "ssh", "boot", "audit", "nix", "fonts"];
    let paths: Vec<String> = names.iter().map(|n| format!("m/{n}.nix")).collect();
    for p in &paths {
        files.push((p.as_str(), "{ ... }: { }\n"));
    }
    write_tree(d.path(), &files);
    for _ in 0..3 {
        let (_, v) = lint_json(d.path());
        assert_eq!(
            v["configurations"][0]["modules"],
            serde_json::json!([
                "m/audit.nix",
                "m/boot.nix",
                "m/fonts.nix",
                "m/nix.nix",
                "m/ssh.nix",
                "m/users.nix",
                "host.nix"
            ]),
            "{v}"
        );
    }
}
