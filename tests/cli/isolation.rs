//! `nixsec audit --section isolation` on a root assembled from the isolation fixtures
//! (`tests/fixtures/isolation`: real Flatpak installations and overrides, real LXC configs and
//! Docker containers, modelled NixOS container files): every rule's status, the Flatpak table
//! in the text report, JSON and SARIF from the same findings, and an untouched root.

use std::path::Path;

use nixsec_testutil::{snapshot, RootBuilder};

use crate::{audit_json, finding, nixsec};

fn fixtures(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/isolation")
        .join(rel)
}

fn root() -> RootBuilder {
    RootBuilder::new()
        .file(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:100::/home/alice:/bin/bash\n",
        )
        .file(
            "/etc/group",
            "root:x:0:\nwheel:x:1:alice\ndocker:x:131:alice\n",
        )
        .tree("/var/lib/flatpak", &fixtures("flatpak/var-lib-flatpak"))
        .tree(
            "/home/alice/.local/share/flatpak",
            &fixtures("flatpak/user-data-flatpak"),
        )
        .tree(
            "/etc/nixos-containers",
            &fixtures("containers/nixos-containers"),
        )
        .tree("/var/lib/lxc", &fixtures("containers/lxc/var-lib-lxc"))
        .tree(
            "/etc/lxc/default.conf",
            &fixtures("containers/lxc/etc-lxc-default.conf"),
        )
        .tree(
            "/var/lib/docker/containers",
            &fixtures("containers/docker/var-lib-docker-containers"),
        )
        .tree(
            "/etc/docker/daemon.json",
            &fixtures("containers/docker/daemon-json/insecure-tcp.json"),
        )
}

#[test]
fn every_isolation_rule_on_the_fixture_root() {
    let b = root();
    let before = snapshot(b.path());
    let (code, report) = audit_json(b.path(), &["--section", "isolation"]);
    assert_eq!(code, 1, "high failures fail the run");
    let status = |rule: &str| {
        finding(&report, rule)["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    for (rule, want) in [
        ("NIX-050", "fail"),
        ("NIX-051", "pass"),
        ("NIX-052", "fail"),
        ("NIX-053", "fail"),
        ("NIX-054", "fail"),
        ("NIX-055", "fail"),
        ("NIX-056", "fail"),
        // insecure-tcp.json sets `iptables: false`: Docker adds no NAT rules.
        ("NIX-057", "pass"),
        ("NIX-058", "fail"),
        ("NIX-059", "fail"),
        ("NIX-060", "skip"),
        ("NIX-064", "fail"),
    ] {
        assert_eq!(status(rule), want, "{rule}: {}", finding(&report, rule));
    }
    // One finding per app whose sandbox breaks: three of the four system apps (the calculator
    // is confined), with a row per view (without and with alice's overrides), and alice's app.
    let flatpak: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-050")
        .collect();
    let mut apps: Vec<&str> = flatpak
        .iter()
        .filter_map(|f| f["subject"].as_str())
        .collect();
    apps.sort_unstable();
    assert_eq!(
        apps,
        [
            "com.github.tchx84.Flatseal",
            "com.spotify.Client",
            "com.visualstudio.code",
            "org.example.SandboxEscape"
        ]
    );
    assert!(
        flatpak.iter().all(|f| f["severity"] == "high"),
        "{flatpak:#?}"
    );
    assert_eq!(
        flatpak
            .iter()
            .map(|f| f["evidence"].as_array().map_or(0, Vec::len))
            .sum::<usize>(),
        7,
        "3 system apps x 2 views + 1 user app"
    );
    assert_eq!(finding(&report, "NIX-055")["severity"], "critical");
    assert!(
        before.diff(&snapshot(b.path())).is_empty(),
        "the audit changed the root"
    );
}

#[test]
fn text_report_shows_the_flatpak_table() {
    let b = root();
    let out = nixsec()
        .args([
            "audit",
            "--section",
            "isolation",
            "--rule",
            "NIX-050",
            "--root",
        ])
        .arg(b.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("/var/lib/flatpak/app  "))
        .collect();
    assert_eq!(rows.len(), 6, "{text}");
    assert!(
        !text.contains("org.gnome.Calculator"),
        "a confined app is no problem: {text}"
    );
    assert!(text.contains("(4 problems)"), "{text}");
    assert!(
        rows.iter().any(|r| r.contains("com.spotify.Client")
            && r.contains("system + alice's overrides")
            && r.ends_with("ESCAPE filesystems=home sockets=session-bus")),
        "{text}"
    );
    assert!(
        text.contains("/home/alice/.local/share/flatpak/app  org.example.SandboxEscape"),
        "{text}"
    );
}

#[test]
fn sarif_has_the_isolation_results() {
    let b = root();
    let out = nixsec()
        .args([
            "audit",
            "--section",
            "isolation",
            "--format",
            "sarif",
            "--root",
        ])
        .arg(b.path())
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let results = v["runs"][0]["results"].as_array().expect("results");
    for rule in ["NIX-050", "NIX-054", "NIX-055", "NIX-058", "NIX-064"] {
        assert!(
            results.iter().any(|r| r["ruleId"] == rule),
            "{rule} missing from SARIF"
        );
    }
}
