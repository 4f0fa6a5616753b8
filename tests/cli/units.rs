//! `nixsec units` on copies of the systemd sample roots (`crates/nixsec-systemd/tests/fixtures`).
//! Every expected exposure, level and check verdict comes from that sample's `expected.json`,
//! the output of the real `systemd-analyze security --offline=true`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::nixsec;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/nixsec-systemd/tests/fixtures")
}

/// A writable copy of `roots/<name>` of the sample.
fn root(name: &str) -> tempfile::TempDir {
    let t = nixsec_testutil::copy_tree(&sample_dir().join("roots").join(name));
    make_writable(t.path());
    t
}

fn make_writable(p: &Path) {
    let md = fs::symlink_metadata(p).expect("stat");
    if md.file_type().is_symlink() {
        return;
    }
    let mode = if md.is_dir() { 0o755 } else { 0o644 };
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).expect("chmod");
    if md.is_dir() {
        for e in fs::read_dir(p).expect("read_dir") {
            make_writable(&e.expect("entry").path());
        }
    }
}

/// `expected.json`'s entries for the units of `root`: (analysed name, entry).
fn expected(root: &str) -> Vec<(String, Value)> {
    let text = fs::read_to_string(sample_dir().join("expected.json")).expect("expected.json");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["units"]
        .as_object()
        .expect("units")
        .iter()
        .filter(|(k, _)| k.starts_with(&format!("{root}/")))
        .map(|(_, e)| {
            (
                e["analyzed_as"].as_str().expect("name").to_string(),
                e.clone(),
            )
        })
        .collect()
}

/// The expected text output: `exposure level unit`, highest exposure first, then by name.
fn expected_lines(root: &str) -> Vec<String> {
    let mut e = expected(root);
    e.sort_by(|(an, a), (bn, b)| {
        let (x, y) = (
            a["exposure"].as_f64().expect("f"),
            b["exposure"].as_f64().expect("f"),
        );
        y.partial_cmp(&x).expect("cmp").then_with(|| an.cmp(bn))
    });
    e.iter()
        .map(|(n, v)| {
            format!(
                "{} {} {n}",
                v["exposure_str"].as_str().expect("str"),
                v["level"].as_str().expect("level")
            )
        })
        .collect()
}

fn units(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = nixsec()
        .args(["units", "--root"])
        .arg(root)
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf8"),
        String::from_utf8(out.stderr).expect("utf8"),
    )
}

fn units_json(root: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let (code, out, err) = units(root, &a);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

#[test]
fn text_lists_every_service_sorted_by_exposure() {
    for name in ["debian", "nixos"] {
        let r = root(name);
        let (code, out, err) = units(r.path(), &[]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines, expected_lines(name), "{name}: {err}");
        // Both roots hold a unit at 9.0 or more (ssh/getty 9.6, dnsmasq 9.1).
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.is_empty(), "{err}");
    }
}

#[test]
fn threshold_decides_the_exit_code() {
    let r = root("nixos");
    // dnsmasq.service is 9.1 in expected.json, grafana 2.5, vaultwarden 1.6.
    assert_eq!(units(r.path(), &["--threshold", "9.2"]).0, 0);
    assert_eq!(units(r.path(), &["--threshold", "9.1"]).0, 1);
    assert_eq!(units(r.path(), &["--threshold", "2.5", "grafana"]).0, 1);
    assert_eq!(
        units(r.path(), &["--threshold", "2.6", "grafana.service"]).0,
        0
    );
    let (code, _, err) = units(r.path(), &["--threshold", "11"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(units(r.path(), &["--threshold", "high"]).0, 2);
}

#[test]
fn json_has_the_documented_shape_and_the_tool_s_numbers() {
    let r = root("debian");
    let (code, v) = units_json(r.path(), &[]);
    assert_eq!(code, 1);
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["errors", "units"]);
    assert_eq!(v["errors"], serde_json::json!([]));
    let got = v["units"].as_array().expect("units");
    let exp = expected("debian");
    assert_eq!(got.len(), exp.len());
    let order: Vec<String> = got
        .iter()
        .map(|u| {
            format!(
                "{} {} {}",
                u["exposure"],
                u["level"].as_str().expect("level"),
                u["unit"].as_str().expect("unit")
            )
        })
        .collect();
    assert_eq!(order, expected_lines("debian"));
    for u in got {
        let mut k: Vec<&String> = u.as_object().expect("unit").keys().collect();
        k.sort();
        assert_eq!(k, ["checks", "exposure", "level", "unit"]);
        let (_, e) = exp
            .iter()
            .find(|(n, _)| *n == u["unit"])
            .expect("expected unit");
        assert_eq!(u["exposure"], e["exposure"], "{}", u["unit"]);
        let checks = u["checks"].as_array().expect("checks");
        assert_eq!(checks.len(), e["checks"].as_array().expect("checks").len());
        for c in checks {
            let mut k: Vec<&String> = c.as_object().expect("check").keys().collect();
            k.sort();
            assert_eq!(k, ["badness", "id", "pass", "range", "setting", "weight"]);
            let ec = e["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .find(|x| x["json_field"] == c["id"])
                .unwrap_or_else(|| panic!("{} not in expected.json", c["id"]));
            for (ours, theirs) in [
                ("setting", "name"),
                ("weight", "weight"),
                ("range", "range"),
                ("badness", "badness"),
            ] {
                assert_eq!(c[ours], ec[theirs], "{} {}", u["unit"], c["id"]);
            }
            // The tool leaves the mark empty for a check that does not apply.
            let pass = if ec["badness"].is_null() {
                Value::Null
            } else {
                ec["pass"].clone()
            };
            assert_eq!(c["pass"], pass, "{} {}", u["unit"], c["id"]);
        }
    }
}

#[test]
fn an_unloadable_unit_is_reported_and_the_others_scored() {
    let r = root("nixos");
    let dir = r.path().join("etc/systemd/system");
    fs::write(
        dir.join("garbage.service"),
        b"\x00\xff\xfe[Service]\x00\x01",
    )
    .expect("write");
    let (code, out, err) = units(r.path(), &[]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        expected_lines("nixos"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("garbage.service"), "{err}");
    assert_eq!(code, 1);

    let (_, v) = units_json(r.path(), &[]);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["unit"], "garbage.service");
    assert!(errors[0]["error"]
        .as_str()
        .expect("error")
        .contains("garbage.service"));
    assert_eq!(v["units"].as_array().expect("units").len(), 3);

    // Only the bad unit, or one that does not exist: nothing scored at all.
    let (code, out, err) = units(r.path(), &["garbage.service"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    let (code, _, err) = units(r.path(), &["missing.service"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.service"), "{err}");
}

#[test]
fn a_root_without_units_is_an_error() {
    let t = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = units(t.path(), &[]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("no service units"), "{err}");
}

#[test]
fn sarif_files_units_above_the_threshold_under_nix_061() {
    let r = root("debian");
    let (code, out, _) = units(r.path(), &["--format", "sarif"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("sarif json");
    let results = v["runs"][0]["results"].as_array().expect("results");
    // ssh.service and getty@.service (analysed as getty@i.service) are 9.6 in expected.json.
    assert_eq!(results.len(), 2, "{out}");
    for r in results {
        assert_eq!(r["ruleId"], "NIX-061");
        assert_eq!(r["properties"]["evidence"][0]["value"], "9.6 UNSAFE");
    }
    let texts: Vec<&str> = results
        .iter()
        .map(|r| r["message"]["text"].as_str().expect("text"))
        .collect();
    assert!(
        texts[0].starts_with("getty@i.service: exposure 9.6 UNSAFE"),
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("ssh.service: exposure 9.6 UNSAFE"),
        "{texts:?}"
    );
    let (code, out, _) = units(r.path(), &["--format", "sarif", "--threshold", "10"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("sarif json");
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn explain_lists_failing_checks_and_the_nixos_fix() {
    let r = root("nixos");
    let (code, out, err) = units(r.path(), &["--explain", "dnsmasq"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.starts_with("dnsmasq.service: exposure 9.1 UNSAFE"),
        "{out}"
    );
    let (_, e) = expected("nixos")
        .into_iter()
        .find(|(n, _)| n == "dnsmasq.service")
        .expect("dnsmasq");
    let failing: Vec<&Value> = e["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["pass"] == false && !c["badness"].is_null())
        .collect();
    assert!(
        out.contains(&format!("Failing checks ({})", failing.len())),
        "{out}"
    );
    for c in &failing {
        let head = format!(
            "  {} (weight {}, badness {}/{})",
            c["name"].as_str().expect("name"),
            c["weight"],
            c["badness"],
            c["range"]
        );
        assert!(out.contains(&head), "{head}\n{out}");
    }
    for fix in [
        "Service processes may acquire new privileges\n    fix: systemd.services.dnsmasq.serviceConfig.NoNewPrivileges = true;",
        "fix: systemd.services.dnsmasq.serviceConfig.ProtectSystem = \"strict\";",
        "fix: systemd.services.dnsmasq.serviceConfig.CapabilityBoundingSet = [ \"\" ];",
        "fix: systemd.services.dnsmasq.serviceConfig.SystemCallFilter = [ \"@system-service\" ];",
        "systemd.services.dnsmasq.serviceConfig = {\n",
    ] {
        assert!(out.contains(fix), "{fix}\n{out}");
    }
    // A passing unit explains with exit 0; a template keeps its quoted Nix name.
    let d = root("debian");
    let (code, out, _) = units(d.path(), &["--explain", "redis-server.service"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("redis-server.service: exposure 1.2 OK"),
        "{out}"
    );
    let (_, out, _) = units(d.path(), &["--explain", "getty@.service"]);
    assert!(
        out.contains("systemd.services.\"getty@\".serviceConfig."),
        "{out}"
    );
    let (code, _, err) = units(d.path(), &["--explain", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.service"), "{err}");
}
