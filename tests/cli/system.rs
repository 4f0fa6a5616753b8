//! `nixsec audit --system` and `nixsec diff` on fixture NixOS systems built with real Nix from
//! `tests/fixtures/systems` (see its README). Expected verdicts and diff entries are written by
//! hand from `systems.nix`, never copied from nixsec's output.

use std::path::{Path, PathBuf};
use std::process::Command as Std;
use std::sync::OnceLock;

use crate::{nixsec, run_json, tools};

struct Systems {
    store: PathBuf,
    tops: Vec<(String, String)>,
}

impl Systems {
    fn top(&self, name: &str) -> &str {
        &self.tops.iter().find(|(n, _)| n == name).expect("system").1
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/systems")
}

/// Built once per test run (a mkdir lock for concurrent test processes); `None` without root
/// or Nix.
fn systems() -> Option<&'static Systems> {
    static S: OnceLock<Option<Systems>> = OnceLock::new();
    S.get_or_init(|| {
        if !tools::require_root("real Nix builds the fixture systems as root")
            || !tools::require(&["nix-build"])
        {
            return None;
        }
        let mut tag = 0u64;
        for f in [
            "lib.nix",
            "systems.nix",
            "build.sh",
            "../../../crates/nixsec-firewall/tests/fixtures/nixos-firewall-start.sh",
        ] {
            for b in std::fs::read(fixtures().join(f)).expect("fixture") {
                tag = tag.wrapping_mul(31).wrapping_add(u64::from(b));
            }
        }
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("systems-{tag:016x}"));
        let ready = base.join("systems.txt");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let out = Std::new("bash")
                    .arg(fixtures().join("build.sh"))
                    .arg(&base)
                    .output()
                    .expect("run build.sh");
                let _ = std::fs::remove_dir(&lock);
                assert!(
                    out.status.success(),
                    "building the fixture systems failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            } else {
                assert!(std::time::Instant::now() < deadline, "waited too long");
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        let tops = std::fs::read_to_string(&ready)
            .expect("systems.txt")
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        Some(Systems { store: base, tops })
    })
    .as_ref()
}

fn audit(s: &Systems, name: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    run_json(
        nixsec()
            .args(["audit", "--format", "json", "--store-root"])
            .arg(&s.store)
            .arg("--system")
            .arg(s.top(name))
            .args(extra),
    )
}

fn verdict<'a>(r: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn hardened_server_audits_without_reader_errors() {
    let Some(s) = systems() else { return };
    let (_, r) = audit(s, "server", &[]);
    for f in r["findings"].as_array().expect("findings") {
        assert_ne!(f["status"], "error", "{f}");
        if f["status"] == "skip" {
            assert!(!f["message"].as_str().unwrap_or("").is_empty(), "{f}");
        }
    }
    // Read from the fixture: nix.conf `sandbox = true`, `trusted-users = root`,
    // `PermitRootLogin no`, no `mitigations=off`, the sudo wrapper `u+rx,g+x` (4510).
    for rule in [
        "NIX-012", "NIX-014", "NIX-078", "NIX-118", "NIX-134", "NIX-007", "NIX-071",
    ] {
        let v = verdict(&r, rule);
        assert!(v.iter().all(|f| f["status"] == "pass"), "{rule}: {v:?}");
    }
    let live = verdict(&r, "NIX-074");
    assert_eq!(live[0]["status"], "skip");
    assert!(live[0]["message"]
        .as_str()
        .expect("message")
        .starts_with("not a running system: "));
    // kernel.kptr_restrict=2 from etc/sysctl.d/60-nixos.conf.
    let k = verdict(&r, "NIX-110");
    assert_eq!(k[0]["status"], "pass", "{k:?}");
    // The laptop's firewall is `firewall-start` (iptables): read from it, the default policy
    // drops (NIX-070) and only tcp/22 is accepted (NIX-071); no reader error either.
    let (_, r) = audit(s, "laptop", &[]);
    for f in r["findings"].as_array().expect("findings") {
        assert_ne!(f["status"], "error", "{f}");
    }
    for rule in ["NIX-070", "NIX-071"] {
        let v = verdict(&r, rule);
        assert!(v.iter().all(|f| f["status"] == "pass"), "{rule}: {v:?}");
    }
    assert!(verdict(&r, "NIX-071")[0]["message"]
        .as_str()
        .expect("message")
        .contains("tcp/22"));
}

fn diff(s: &Systems, old: &str, new: &str) -> (i32, Vec<(String, String)>) {
    let (code, v) = run_json(
        nixsec()
            .args(["diff", "--format", "json", "--store-root"])
            .arg(&s.store)
            .arg(s.top(old))
            .arg(s.top(new)),
    );
    assert_eq!(v["schema"], 1);
    let mut got: Vec<(String, String)> = v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_string(),
                c["subject"].as_str().expect("subject").to_string(),
            )
        })
        .collect();
    got.sort();
    (code, got)
}

/// The changes `systems.nix` makes to a weakened variant (`svc`: the unit whose sandboxing it
/// removes), written by hand.
fn expected(svc: &str) -> Vec<(String, String)> {
    let mut e: Vec<(String, String)> = [
        // port 5432 opened in the nftables ruleset
        ("port-opened", "tcp/5432"),
        ("rule-status", "NIX-071"),
        // the service's hardening lines removed
        ("unit-exposure", svc),
        ("problem-added", svc),
        // a setuid-root nmap wrapper, whose program joins the closure
        ("wrapper-added", "/run/wrappers/bin/nmap"),
        ("rule-status", "NIX-007"),
        ("package", "nmap"),
        // alice added to docker
        ("group-member-added", "docker:alice"),
        ("rule-status", "NIX-056"),
        // trusted-users = root @wheel
        ("nix-setting", "trusted-users"),
        ("rule-status", "NIX-014"),
        // PermitRootLogin yes
        ("sshd-setting", "permitrootlogin"),
        ("rule-status", "NIX-078"),
        // mitigations=off
        ("kernel-param", "mitigations=off"),
        ("rule-status", "NIX-118"),
        // openssl 3.3.2 -> 3.0.6
        ("package", "openssl"),
    ]
    .iter()
    .map(|(k, s)| ((*k).to_string(), (*s).to_string()))
    .collect();
    e.sort();
    e
}

#[test]
fn diff_of_each_weakened_pair_is_exactly_the_changes_made() {
    let Some(s) = systems() else { return };
    let (code, got) = diff(s, "server", "server-weak");
    assert_eq!(got, expected("nginx.service"));
    assert_eq!(code, 1);
    let (code, got) = diff(s, "laptop", "laptop-weak");
    assert_eq!(got, expected("cups.service"));
    assert_eq!(code, 1);
    // The same pair as generations of `/nix/var/nix/profiles/system` under the store root.
    let profiles = s.store.join("nix/var/nix/profiles");
    std::fs::create_dir_all(&profiles).expect("mkdir");
    for (n, name) in [(41, "server"), (42, "server-weak")] {
        let link = profiles.join(format!("system-{n}-link"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(s.top(name), &link).expect("ln");
    }
    let (code, v) = run_json(
        nixsec()
            .args(["diff", "--format", "json", "--store-root"])
            .arg(&s.store)
            .args(["--generation", "41", "--generation", "42"]),
    );
    assert_eq!(code, 1);
    assert_eq!(v["old"], s.top("server"));
    assert_eq!(
        v["changes"].as_array().expect("changes").len(),
        expected("nginx.service").len()
    );
    // The other way round, nothing gets worse.
    let (code, _) = diff(s, "server-weak", "server");
    assert_eq!(code, 0);
    let (code, got) = diff(s, "server", "server");
    assert_eq!((code, got.len()), (0, 0));
}

#[test]
fn specialisations_are_audited_and_named() {
    let Some(s) = systems() else { return };
    let (_, r) = audit(s, "special", &[]);
    // `debug` is the weakened server: its PermitRootLogin yes is reported, naming it.
    let root = verdict(&r, "NIX-078");
    assert!(
        root.iter()
            .any(|f| f["status"] == "fail"
                && f["subject"] == "specialisation debug: PermitRootLogin"),
        "{root:?}"
    );
    // `plain` is hardened like the base: nothing of its own.
    assert!(!r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["subject"]
            .as_str()
            .is_some_and(|x| x.starts_with("specialisation plain"))));
}

#[test]
fn markdown_and_text_outputs() {
    let Some(s) = systems() else { return };
    let out = nixsec()
        .args(["diff", "--format", "markdown", "--store-root"])
        .arg(&s.store)
        .arg(s.top("server"))
        .arg(s.top("server-weak"))
        .output()
        .expect("run");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("| severity | kind | subject | old | new | rule |"),
        "{md}"
    );
    assert!(
        md.contains("| high | group-member-added | `docker:alice` |"),
        "{md}"
    );
    let run = |format: &str| {
        let out = nixsec()
            .args(["diff", "--format", format, "--store-root"])
            .arg(&s.store)
            .arg(s.top("server"))
            .arg(s.top("server-weak"))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Text: one line per change and their count.
    let text = run("text");
    assert!(
        text.contains(&format!("{} changes", expected("nginx.service").len())),
        "{text}"
    );
    assert!(text.contains("docker:alice"), "{text}");
    // SARIF: the worsening changes as results (the removals and package changes are not).
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "NIX-056" && r["level"] == "error"));
    assert!(!results.iter().any(|r| r["properties"]["kind"] == "package"));
}

/// A toplevel in a store laid out by hand (no Nix needed), for the hostile cases.
fn hostile(f: impl FnOnce(&Path)) -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().expect("tempdir");
    let top = "nix/store/00000000000000000000000000000000-nixos-system-bad";
    let d = t.path().join(top);
    std::fs::create_dir_all(d.join("etc")).expect("mkdir");
    std::fs::write(d.join("nixos-version"), "24.11").expect("write");
    f(&d);
    (t, format!("/{top}"))
}

#[test]
fn hostile_toplevels_are_clear_errors() {
    let run = |store: &Path, top: &str| {
        nixsec()
            .args(["audit", "--format", "json", "--store-root"])
            .arg(store)
            .arg("--system")
            .arg(top)
            .output()
            .expect("run")
    };
    // No etc.
    let (t, top) = hostile(|d| std::fs::remove_dir(d.join("etc")).expect("rm"));
    let out = run(t.path(), &top);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no `etc`"),
        "{out:?}"
    );
    // etc is a link loop.
    let (t, top) = hostile(|d| {
        std::fs::remove_dir(d.join("etc")).expect("rm");
        std::os::unix::fs::symlink("etc", d.join("etc")).expect("ln");
    });
    let out = run(t.path(), &top);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("symbolic links"),
        "{out:?}"
    );
    // A 10 MB kernel-params and a boot.json of another version: the audit runs, the kernel
    // command-line rule says why it could not.
    let (t, top) = hostile(|d| {
        std::fs::write(d.join("kernel-params"), "a".repeat(10 * 1024 * 1024)).expect("write");
        std::fs::write(d.join("boot.json"), r#"{"org.nixos.bootspec.v2":{}}"#).expect("write");
    });
    let out = run(t.path(), &top);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let k = verdict(&v, "NIX-118");
    assert_eq!(k[0]["status"], "error", "{k:?}");
    assert!(
        k[0]["message"].as_str().expect("m").contains("larger than"),
        "{k:?}"
    );
    // No users-groups.json: the account rules say the built system's users are unknown.
    let u = verdict(&v, "NIX-015");
    assert_eq!(u[0]["status"], "error", "{u:?}");
    assert!(
        u[0]["message"]
            .as_str()
            .expect("m")
            .contains("users could not be read"),
        "{u:?}"
    );
    // The boot entry's rule reads `boot.json`: another version is its error.
    let b = verdict(&v, "NIX-094");
    assert_eq!(b[0]["status"], "error", "{b:?}");
    assert!(
        b[0]["message"]
            .as_str()
            .expect("m")
            .contains("bootspec org.nixos.bootspec.v2 is not a known version"),
        "{b:?}"
    );
    // Outside the store.
    let t = tempfile::tempdir().expect("tempdir");
    let out = run(t.path(), t.path().to_str().expect("utf-8"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a path of the Nix store"),
        "{out:?}"
    );
}

/// An NVD index built from the public CVE fixture (`tests/fixtures/cve/cves.json`, rendered by
/// its `make-nvd.py`), in a cache directory of its own.
fn nvd_index() -> Option<tempfile::TempDir> {
    if !tools::require(&["python3"]) {
        return None;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let cve = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cve");
    let out = Std::new("python3")
        .arg(cve.join("make-nvd.py"))
        .arg(t.path().join("nvd"))
        .arg(cve.join("cves.json"))
        .env("TIMESTAMP", "2026-11-28T00:00:00")
        .output()
        .expect("python3");
    assert!(out.status.success(), "{out:?}");
    let out = nixsec()
        .args(["vulns", "update", "--quiet", "--from"])
        .arg(t.path().join("nvd/feeds-2.0"))
        .arg("--cache-dir")
        .arg(t.path().join("cache"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    Some(t)
}

#[test]
fn diff_names_the_cves_a_package_change_introduces_and_fixes() {
    let Some(s) = systems() else { return };
    let Some(ix) = nvd_index() else { return };
    let run = |old: &str, new: &str, fail_on: &str| {
        run_json(
            nixsec()
                .env("NIXSEC_CACHE_DIR", ix.path().join("cache"))
                .args(["diff", "--format", "json", "--fail-on", fail_on])
                .arg("--store-root")
                .arg(&s.store)
                .arg(s.top(old))
                .arg(s.top(new)),
        )
    };
    // By hand from cves.json: openssl 3.0.6 is in the affected ranges of these seven (3.0.0 up
    // to 3.0.7, 3.0.8, 3.0.9 or 3.0.15), not of CVE-2022-1292 (up to 3.0.3); 3.3.2 is in none
    // (CVE-2024-5535's 3.3 range ends before 3.3.2). CVE-2024-5535 is CVSS 9.1, critical.
    let cves = [
        "CVE-2022-3602",
        "CVE-2022-3786",
        "CVE-2022-4450",
        "CVE-2023-0215",
        "CVE-2023-0286",
        "CVE-2023-0464",
        "CVE-2024-5535",
    ];
    let pick = |v: &serde_json::Value, kind: &str| -> Vec<serde_json::Value> {
        v["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["kind"] == kind)
            .cloned()
            .collect()
    };
    let (code, v) = run("server", "server-weak", "critical");
    assert_eq!(code, 1, "CVE-2024-5535 is critical");
    let got = pick(&v, "cve-introduced");
    let subjects: Vec<&str> = got
        .iter()
        .map(|c| c["subject"].as_str().expect("subject"))
        .collect();
    let want: Vec<String> = cves.iter().map(|c| format!("openssl {c}")).collect();
    assert_eq!(subjects, want);
    assert!(got
        .iter()
        .all(|c| c["old"] == "3.3.2" && c["new"] == "3.0.6"));
    assert_eq!(
        got.iter()
            .find(|c| c["subject"] == "openssl CVE-2024-5535")
            .expect("5535")["severity"],
        "critical"
    );
    // NIX-150 is told by its CVEs, not by a status change of its own.
    assert!(!pick(&v, "rule-status")
        .iter()
        .any(|c| c["subject"] == "NIX-150"));
    // The other way round: the same seven fixed, nothing worse even at `--fail-on info`.
    let (code, v) = run("server-weak", "server", "info");
    assert_eq!(code, 0, "{v}");
    let fixed: Vec<String> = pick(&v, "cve-fixed")
        .iter()
        .map(|c| c["subject"].as_str().expect("subject").to_string())
        .collect();
    assert_eq!(fixed, want);
}
