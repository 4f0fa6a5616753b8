//! `rules`, `explain`, completions, the man page and `--help`.

use crate::nixsec;

#[test]
fn rules_lists_every_rule() {
    let out = nixsec()
        .args(["rules", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    for id in [
        "NIX-010", "NIX-011", "NIX-012", "NIX-013", "NIX-014", "NIX-015", "NIX-016", "NIX-017",
        "NIX-018", "NIX-020", "NIX-021", "NIX-022", "NIX-023",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    // Configuration rules are listed too, once per id, with where each rule runs.
    let runs = |id: &str| -> Vec<String> {
        let rule = v
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed"));
        rule["runs_in"]
            .as_array()
            .expect("runs_in")
            .iter()
            .map(|x| x.as_str().expect("str").to_string())
            .collect()
    };
    assert_eq!(runs("NIX-012"), ["audit", "lint"]);
    assert_eq!(runs("NIX-010"), ["audit"]);
    assert_eq!(runs("NIX-073"), ["lint"]);
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, ids, "one entry per id, in id order");
    let text = nixsec().arg("rules").output().expect("run");
    let text = String::from_utf8(text.stdout).expect("utf8");
    assert!(
        text.contains("NIX-012   multi-user        high      Build sandbox disabled"),
        "{text}"
    );
}

#[test]
fn explain_prints_checks_rationale_and_fix() {
    let out = nixsec().args(["explain", "nix-014"]).output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    for part in [
        "NIX-014  Over-broad `trusted-users`",
        "What it checks",
        "Why it matters",
        "Fix (NixOS)",
        "nix.settings.trusted-users = [ \"root\" ];",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
    nixsec().args(["explain", "NIX-999"]).assert().code(2);
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = nixsec().args(["completions", shell]).output().expect("run");
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("audit"),
            "{shell}"
        );
    }
    let out = nixsec().arg("man").output().expect("run");
    let man = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        man.contains(".TH nixsec") && man.contains("fail\\-on"),
        "{man}"
    );
}

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help", vec!["--help"]),
        ("audit_help", vec!["audit", "--help"]),
    ] {
        let out = nixsec()
            .args(&args)
            .env("COLUMNS", "100")
            .output()
            .expect("run");
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).expect("utf8"));
    }
}

#[test]
fn readme_coverage_table_is_the_catalogue() {
    let out = nixsec()
        .args(["rules", "--format", "markdown"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf8");
    let readme = include_str!("../../README.md");
    let start = readme.find("<!-- rules:begin -->\n").expect("begin marker") + 21;
    let end = readme.find("<!-- rules:end -->").expect("end marker");
    assert_eq!(
        &readme[start..end],
        table,
        "README's coverage table differs from the catalogue: regenerate it with \
         `nixsec rules --format markdown`"
    );
    // One row per catalogue id.
    let rows = table.lines().filter(|l| l.starts_with("| NIX-")).count();
    let json = nixsec()
        .args(["rules", "--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(rows, v.as_array().expect("array").len());
}
