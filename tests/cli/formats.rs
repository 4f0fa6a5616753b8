//! The three report formats on the `insecure` root: text (snapshot of its shape), JSON (the
//! documented schema) and SARIF (deserialised into `serde-sarif`'s types).

use crate::{audit_json, fixture, nixsec};

fn text_of(args: &[&str]) -> String {
    let out = nixsec()
        .args(["audit", "--root"])
        .arg(fixture("insecure"))
        .args(args)
        .output()
        .expect("run");
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn text_report_shape() {
    // Only the nix.conf rules: their results do not depend on who owns the checkout.
    let text = text_of(&["--section", "store-integrity"]);
    let root = fixture("insecure").display().to_string();
    insta::with_settings!({ filters => vec![(root.as_str(), "[ROOT]"), (env!("CARGO_PKG_VERSION"), "[VERSION]")] }, {
        insta::assert_snapshot!("text_store_integrity", text);
    });
}

#[test]
fn text_lists_failures_first_with_evidence_and_fix() {
    // Within a section failures come first (sections keep catalogue order).
    let text = text_of(&["--section", "multi-user"]);
    let fail = text.find("FAIL").expect("a failure");
    let pass = text.find("pass").expect("a pass");
    assert!(fail < pass, "{text}");
    assert!(
        text.contains("/etc/nix/nix.conf:4  sandbox = false"),
        "{text}"
    );
    assert!(text.contains("nix.settings.sandbox = true;"), "{text}");
    assert!(text.contains("hardening index:"), "{text}");
}

#[test]
fn json_has_the_documented_shape() {
    let (_, r) = audit_json(&fixture("insecure"), &[]);
    let keys: Vec<&str> = r
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "tool",
        "root",
        "started",
        "duration_ms",
        "findings",
        "summary",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(r["tool"]["name"], "nixsec");
    assert!(chrono_like(r["started"].as_str().expect("started")));
    for f in r["findings"].as_array().expect("findings") {
        for k in [
            "rule",
            "title",
            "section",
            "severity",
            "status",
            "message",
            "evidence",
            "remediation",
        ] {
            assert!(f.get(k).is_some(), "finding lacks {k}: {f}");
        }
        assert!(f["remediation"]["text"].is_string() && f["remediation"]["nixos"].is_string());
        for e in f["evidence"].as_array().expect("evidence") {
            assert!(e["path"].as_str().expect("path").starts_with('/'));
        }
    }
    let s = &r["summary"];
    let total = s["pass"].as_u64().unwrap_or(0)
        + s["fail"].as_u64().unwrap_or(0)
        + s["skip"].as_u64().unwrap_or(0)
        + s["error"].as_u64().unwrap_or(0)
        + s["ignored"].as_u64().unwrap_or(0);
    assert_eq!(s["total"].as_u64(), Some(total));
    assert_eq!(
        s["total"].as_u64(),
        Some(r["findings"].as_array().expect("findings").len() as u64)
    );
    assert_eq!(s["fail_on"], "high");
}

fn chrono_like(s: &str) -> bool {
    s.len() >= 20 && s.as_bytes()[4] == b'-' && s.contains('T') && s.ends_with('Z')
}

#[test]
fn sarif_deserialises_and_is_consistent() {
    let out = nixsec()
        .args(["audit", "--format", "sarif", "--root"])
        .arg(fixture("insecure"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_slice(&out.stdout).expect("serde-sarif types");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(sarif.runs.len(), 1);
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let results = run["results"].as_array().expect("results");
    let mut ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    ids.sort_unstable();
    // Only failures are results: NIX-012, NIX-013, NIX-014, NIX-020 on this root (plus the
    // ownership rules when the checkout is not root's).
    for want in ["NIX-012", "NIX-013", "NIX-014", "NIX-020"] {
        assert!(ids.contains(&want), "{want} not in {ids:?}");
    }
    assert!(!ids.contains(&"NIX-023"), "a pass is not a result");
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        assert!(rules.contains(&id), "{id} not in driver.rules");
        let idx = usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).expect("index");
        assert_eq!(rules[idx], id);
        for loc in r["locations"].as_array().into_iter().flatten() {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri");
            assert!(
                !uri.starts_with('/') && !uri.contains("://"),
                "{uri} is not relative"
            );
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
                "ROOT"
            );
        }
    }
    let sandbox = results
        .iter()
        .find(|r| r["ruleId"] == "NIX-012")
        .expect("NIX-012");
    assert_eq!(sandbox["level"], "error");
    let loc = &sandbox["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "etc/nix/nix.conf");
    assert_eq!(loc["region"]["startLine"], 4);
}
