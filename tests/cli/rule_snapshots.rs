//! One snapshot per rule of what it reports on every fixture root (status, severity, subject,
//! message, evidence), so that a changed message or a new problem is a diff to review
//! (`cargo insta review`). Snapshots lock the shape; the values were checked by hand against the
//! fixtures (see `tests/fixtures/roots/README.md` and `schema_v1.rs`), never accepted blindly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::{audit_json, fixture};

const ROOTS: &[&str] = &["broken", "insecure", "loop", "nixos", "weak"];

#[test]
fn every_rule_on_every_fixture_root() {
    let mut by_rule: BTreeMap<String, String> = BTreeMap::new();
    for root in ROOTS {
        let (_, v) = audit_json(&fixture(root), &["--fail-on", "none"]);
        for f in v["findings"].as_array().expect("findings") {
            let rule = f["rule"].as_str().expect("rule").to_string();
            let out = by_rule.entry(rule).or_default();
            let _ = writeln!(
                out,
                "[{root}] {} {}{}",
                f["status"].as_str().unwrap_or("?"),
                f["severity"].as_str().unwrap_or("?"),
                f["subject"]
                    .as_str()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "  {}", f["message"].as_str().unwrap_or(""));
            for e in f["evidence"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "  - {}{}{}",
                    e["path"].as_str().unwrap_or(""),
                    e["line"]
                        .as_u64()
                        .map(|l| format!(":{l}"))
                        .unwrap_or_default(),
                    e["value"]
                        .as_str()
                        .map(|v| format!("  {v}"))
                        .unwrap_or_default()
                );
            }
        }
    }
    let roots: Vec<String> = ROOTS
        .iter()
        .map(|r| {
            fixture(r)
                .canonicalize()
                .expect("root")
                .display()
                .to_string()
        })
        .collect();
    let mut filters: Vec<(String, String)> = roots
        .iter()
        .map(|r| (regex_escape(r), "[ROOT]".to_string()))
        .collect();
    // Ages change every day: NIX-151's revision age, generation and certificate ages.
    filters.push((r"\b\d+ days\b".into(), "[N] days".into()));
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    for (rule, text) in by_rule {
        insta::with_settings!({ filters => filters.clone(), snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(rule, text);
        });
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
