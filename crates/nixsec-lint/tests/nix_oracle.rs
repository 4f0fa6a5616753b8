//! Real Nix as the oracle: values the index resolves statically must equal what
//! `nix-instantiate --eval --strict --json` computes for the same attribute, and files that Nix
//! rejects must be the ones reported as parse errors, at Nix's line. Skipped (with a message)
//! when `nix-instantiate` is missing outside CI.

use std::path::Path;
use std::process::Command;

use nixsec_lint::value::{Val, Value};
use nixsec_lint::FileIndex;
use serde_json::{json, Value as Json};

fn have_nix() -> bool {
    let ok = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "nix-instantiate does not run: CI is set, so this fails instead of skipping \
             (scripts/test installs nix-bin)"
        );
        eprintln!("skipped: nix-instantiate does not run");
    }
    ok
}

fn to_json(v: &Val) -> Option<Json> {
    Some(match &v.v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Str(s) => json!(s),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Value::Attrs(kv) => {
            let mut m = serde_json::Map::new();
            for (k, v) in kv {
                m.insert(k.clone(), to_json(v)?);
            }
            Json::Object(m)
        }
        _ => return None,
    })
}

fn nix_eval(file: &Path, path: &[String]) -> Json {
    let sel: Vec<String> = path.iter().map(|c| format!("\"{c}\"")).collect();
    let expr = format!("(import {}).{}", file.display(), sel.join("."));
    let out = Command::new("nix-instantiate")
        // The dummy store: evaluation without a store, so no test touches `/nix`.
        .args([
            "--store", "dummy://", "--eval", "--strict", "--json", "-E", &expr,
        ])
        .output()
        .expect("nix-instantiate");
    assert!(
        out.status.success(),
        "{expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Plain attribute-set "modules" (no function, no lib), so Nix can evaluate each option.
const CASES: &[&str] = &[
    r#"{ networking.firewall.enable = false; services = { openssh = { settings.PermitRootLogin = "yes"; }; }; }"#,
    r#"let root = "yes"; enable = false; in { services.openssh.settings.PermitRootLogin = root; networking.firewall = { inherit enable; }; }"#,
    r#"rec { off = false; networking.firewall.enable = off; }"#,
    r#"let extra = [ "@wheel" ]; in { nix.settings.trusted-users = [ "root" ] ++ extra ++ [ "alice" ]; }"#,
    "let host = \"cache.example\"; in { a = ''\n    %wheel ALL=(ALL) NOPASSWD: ALL\n      indented\n  ''; b = \"http://${host}/\"; d = \"tab\\there\"; e = ''a ''${b} c'''''; }",
    r#"let k = "net.ipv4.ip_forward"; in { boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 0; boot.kernel.sysctl.${k} = 1; }"#,
    r#"{ security.sudo.extraRules = [ { users = [ "alice" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ]; }"#,
    r#"let a = b; b = "yes"; in let b = "no"; in { x.one = a; x.two = b; }"#,
    r#"let ssh = { enable = true; settings.PermitRootLogin = "yes"; }; in { services.openssh = ssh // { settings.X11Forwarding = true; }; }"#,
    r#"{ x = -3; y = !true; z = "a" + "b"; w = 1 + 2; v = null; }"#,
    r#"with { true = 1; }; { t = true; }"#,
];

#[test]
fn resolved_values_match_nix_eval() {
    if !have_nix() {
        return;
    }
    let d = tempfile::tempdir().expect("tempdir");
    let mut compared = 0;
    for (i, src) in CASES.iter().enumerate() {
        let file = d.path().join(format!("case{i}.nix"));
        std::fs::write(&file, src).expect("write");
        let idx = FileIndex::build(src);
        assert!(idx.errors.is_empty(), "{src}");
        for a in &idx.assignments {
            let Some(ours) = to_json(&a.value) else {
                continue;
            };
            // `a // b` assigns a path twice; Nix's value is the last one written.
            if idx.assignments.iter().rev().find(|b| b.path == a.path) != Some(a) {
                continue;
            }
            let theirs = nix_eval(&file, &a.path);
            assert_eq!(ours, theirs, "{:?} in {src}", a.path);
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} values compared");
}

/// Broken files: rnix and Nix agree that they do not parse, and on the line.
#[test]
fn parse_errors_match_nix() {
    if !have_nix() {
        return;
    }
    let d = tempfile::tempdir().expect("tempdir");
    for src in [
        "{\n  a = 1;\n  b = ;\n}\n",
        "{\n  networking.firewall.enable = false;\n  services.openssh.enable = \n}\n",
        "{ a = 1;\n",
        "{\n  a = [ 1 2;\n}\n",
        "let x = 1 in x\n",
        "{\n  imports = [ ./a.nix ]\n  x = 1;\n}\n",
    ] {
        let file = d.path().join("bad.nix");
        std::fs::write(&file, src).expect("write");
        let out = Command::new("nix-instantiate")
            .args(["--store", "dummy://", "--parse"])
            .arg(&file)
            .output()
            .expect("nix-instantiate");
        assert!(!out.status.success(), "Nix accepts {src:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let at = err
            .split(&format!("{}:", file.display()))
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("no position in {err}"));
        let idx = FileIndex::build(src);
        let (range, msg) = idx
            .errors
            .first()
            .unwrap_or_else(|| panic!("rnix accepts {src:?}"));
        let line = src[..usize::from(range.start())].matches('\n').count() + 1;
        assert_eq!(line, at, "{src:?}: rnix says {msg}, Nix says {err}");
    }
}
