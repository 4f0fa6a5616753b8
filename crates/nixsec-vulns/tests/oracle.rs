//! Version ordering and name splitting against tables produced by real Nix
//! (`tests/data/gen-nix-oracle.py`, `nix-instantiate --eval`).

use std::cmp::Ordering;

use nixsec_vulns::version::{compare_versions, parse_drv_name};

fn table(name: &str) -> Vec<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path)
        .expect("oracle table")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn compare_versions_matches_nix() {
    let rows = table("compare-versions.tsv");
    assert!(rows.len() > 500);
    let mut bad = Vec::new();
    for r in &rows {
        let want = match r[2].as_str() {
            "-1" => Ordering::Less,
            "0" => Ordering::Equal,
            _ => Ordering::Greater,
        };
        if compare_versions(&r[0], &r[1]) != want {
            bad.push(format!("{:?} {:?}: nix says {}", r[0], r[1], r[2]));
        }
    }
    assert!(bad.is_empty(), "{} differ:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn parse_drv_name_matches_nix() {
    let rows = table("parse-drv-name.tsv");
    assert!(rows.len() > 100);
    let mut bad = Vec::new();
    for r in &rows {
        let got = parse_drv_name(&r[0]);
        if got != (r[1].as_str(), r[2].as_str()) {
            bad.push(format!(
                "{:?}: nix says ({:?}, {:?}), got {got:?}",
                r[0], r[1], r[2]
            ));
        }
    }
    assert!(bad.is_empty(), "{} differ:\n{}", bad.len(), bad.join("\n"));
}
