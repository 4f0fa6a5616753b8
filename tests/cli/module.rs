//! The flake and the NixOS module (`nix/`): they parse with `nix-instantiate --parse`, `nixsec
//! lint` finds nothing in them, and the systemd units the module generates score low in
//! `nixsec units` (the audit's unit 3.0 or less) and the same in `systemd-analyze security`.
//! nixpkgs cannot be fetched here, so the units are rendered from the module with
//! `nix-instantiate --eval` against a minimal stand-in for NixOS's module system
//! (`nix/tests/render-units.nix`); the flake's `checks.module-exposure` does the same with the
//! real NixOS. Last, the audit run with the service's credentials (a non-root user with the
//! unit's three capabilities) sees what root sees, and its system calls and sockets (traced
//! with `strace`) are all ones the unit's `SystemCallFilter=` and `RestrictAddressFamilies=`
//! let through.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use crate::{nixsec, tools};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

const NIX_FILES: &[&str] = &[
    "flake.nix",
    "nix/module.nix",
    "nix/package.nix",
    "nix/tests/render-units.nix",
    "nix/tests/stub-lib.nix",
];

#[test]
fn flake_and_module_parse() {
    if !tools::require(&["nix-instantiate"]) {
        return;
    }
    for f in NIX_FILES {
        let out = Std::new("nix-instantiate")
            .args(["--store", "dummy://", "--parse"])
            .arg(repo(f))
            .output()
            .expect("nix-instantiate");
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn lint_finds_nothing_in_the_flake_and_module() {
    let out = nixsec()
        .args(["lint", "--format", "json"])
        .arg(repo("flake.nix"))
        .arg(repo("nix"))
        .output()
        .expect("nixsec lint");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] != "pass" && f["status"] != "skip")
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

/// The units of the module for the definitions `cfg` (Nix), rendered: name and text.
fn render(cfg: &str) -> serde_json::Value {
    let out = Std::new("nix-instantiate")
        .args(["--store", "dummy://", "--eval", "--strict", "--json"])
        .arg(repo("nix/tests/render-units.nix"))
        .args(["--arg", "cfg", cfg])
        .output()
        .expect("nix-instantiate");
    assert!(
        out.status.success(),
        "{cfg}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

const PACKAGE: &str = "/nix/store/11111111111111111111111111111111-nixsec-0.1.0";

/// Every option set: vulns, Prometheus, settings, sections, failOn.
fn full_cfg() -> String {
    format!(
        r#"{{ enable = true; package = "{PACKAGE}"; interval = "*-*-* 04:00:00";
            sections = [ "firewall" "multi-user" ]; failOn = "medium,error";
            settings = {{ fail-on = "high"; }};
            vulns = {{ enable = true; updateFrom = "https://mirror.example.org/nvd"; }};
            prometheus.textfileDir = "/var/lib/prometheus-node-exporter-text-files"; }}"#
    )
}

/// Write the rendered units under `root/etc/systemd/system`.
fn install(units: &serde_json::Value, root: &Path) {
    let dir = root.join("etc/systemd/system");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in units["units"].as_object().expect("units") {
        std::fs::write(dir.join(name), text.as_str().expect("text")).expect("write");
    }
}

/// `nixsec units --format json` of `names` under `root`: name and exposure.
fn exposures(root: &Path, names: &[&str]) -> Vec<(String, f64)> {
    let out = nixsec()
        .args(["units", "--format", "json", "--root"])
        .arg(root)
        .args(names)
        .output()
        .expect("nixsec units");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    let mut v: Vec<(String, f64)> = report["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| {
            (
                u["unit"].as_str().unwrap_or_default().to_string(),
                u["exposure"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn module_renders_the_documented_commands() {
    if !tools::require(&["nix-instantiate"]) {
        return;
    }
    let minimal = render(&format!(r#"{{ enable = true; package = "{PACKAGE}"; }}"#));
    let names: Vec<&String> = minimal["units"]
        .as_object()
        .expect("units")
        .keys()
        .collect();
    assert_eq!(names, ["nixsec.service", "nixsec.timer"]);
    let unit = minimal["units"]["nixsec.service"].as_str().expect("text");
    assert!(
        unit.contains(&format!(
            "\nExecStart={PACKAGE}/bin/nixsec audit --color never\n"
        )),
        "{unit}"
    );
    assert_eq!(minimal["wantedBy"]["nixsec"][0], "timers.target");
    assert!(minimal["units"]["nixsec.timer"]
        .as_str()
        .is_some_and(|t| t.contains("\nOnCalendar=daily\n")));
    let full = render(&full_cfg());
    let unit = full["units"]["nixsec.service"].as_str().expect("text");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    assert_eq!(
        exec,
        format!("{PACKAGE}/bin/nixsec audit --color never --config /nix/store/00000000000000000000000000000000-nixsec.toml --fail-on medium,error --section firewall --section multi-user --format prometheus --output /run/nixsec/nixsec.prom")
    );
    assert!(
        unit.contains(
            "\nExecStopPost=+/nix/store/00000000000000000000000000000000-nixsec-publish-nixsec\n"
        ),
        "{unit}"
    );
    let vulns = full["units"]["nixsec-vulns.service"]
        .as_str()
        .expect("vulns unit");
    assert!(
        vulns.contains(&format!("\nExecStartPre={PACKAGE}/bin/nixsec vulns update --color never --mirror https://mirror.example.org/nvd\n")),
        "{vulns}"
    );
    assert!(
        vulns.contains(&format!("\nExecStart={PACKAGE}/bin/nixsec vulns --system --color never --format prometheus --output /run/nixsec-vulns/nixsec-vulns.prom\n")),
        "{vulns}"
    );
    assert_eq!(
        full["tmpfiles"][0],
        "d /var/lib/prometheus-node-exporter-text-files 0755 root root - -"
    );
    // A wrong definition is refused, as NixOS would.
    let out = Std::new("nix-instantiate")
        .args(["--store", "dummy://", "--eval", "--strict", "--json"])
        .arg(repo("nix/tests/render-units.nix"))
        .args([
            "--arg",
            "cfg",
            &format!(r#"{{ enable = true; package = "{PACKAGE}"; sections = "firewall"; }}"#),
        ])
        .output()
        .expect("nix-instantiate");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("services.nixsec.sections: not a listOf str"),
        "{out:?}"
    );
}

#[test]
fn generated_units_score_low_in_nixsec_units_and_systemd_analyze() {
    if !tools::require(&["nix-instantiate", "systemd-analyze"]) {
        return;
    }
    for cfg in [
        format!(r#"{{ enable = true; package = "{PACKAGE}"; }}"#),
        full_cfg(),
    ] {
        let t = tempfile::tempdir().expect("tempdir");
        install(&render(&cfg), t.path());
        let names: Vec<&str> = if cfg.contains("vulns") {
            vec!["nixsec", "nixsec-vulns"]
        } else {
            vec!["nixsec"]
        };
        let got = exposures(t.path(), &names);
        let score = |unit: &str| got.iter().find(|(u, _)| u == unit).map(|(_, e)| *e);
        // The audit's unit: 2.2 (OK), with the read access it needs (three capabilities).
        assert_eq!(score("nixsec.service"), Some(2.2), "{cfg}");
        if names.len() == 2 {
            assert_eq!(score("nixsec-vulns.service"), Some(1.5), "{cfg}");
        }
        // The oracle: systemd's own score of the same files.
        for (unit, exposure) in &got {
            let out = Std::new("systemd-analyze")
                .args(["security", "--offline=true", "--no-pager"])
                .arg(format!("--root={}", t.path().display()))
                .arg(unit)
                .output()
                .expect("systemd-analyze");
            let text = String::from_utf8_lossy(&out.stdout);
            let want = format!("Overall exposure level for {unit}: {exposure:.1}");
            assert!(text.contains(&want), "{want}:\n{text}");
        }
    }
}

/// The audit as the service runs it (a user that is not root, with `CAP_DAC_READ_SEARCH`,
/// `CAP_NET_ADMIN` and `CAP_SYS_PTRACE` only) gives every result root gets, save the one
/// sysctl the kernel shows to `CAP_SYS_ADMIN` alone.
#[test]
fn the_services_credentials_see_what_root_sees() {
    if !tools::require(&["setpriv"]) || !tools::require_root("to drop to the service's credentials")
    {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let bin = t.path().join("nixsec");
    std::fs::copy(env!("CARGO_BIN_EXE_nixsec"), &bin).expect("copy");
    let caps = "-all,+dac_read_search,+net_admin,+sys_ptrace";
    let run = |as_service: bool, out: &str| {
        let mut c = if as_service {
            let mut c = Std::new("setpriv");
            c.args([
                "--reuid=61999",
                "--regid=61999",
                "--clear-groups",
                &format!("--inh-caps={caps}"),
                &format!("--ambient-caps={caps}"),
                &format!("--bounding-set={caps}"),
            ])
            .arg(&bin);
            c
        } else {
            Std::new(&bin)
        };
        let status = c
            .args(["audit", "--format", "json", "--output"])
            .arg(t.path().join(out))
            .env("NIXSEC_CACHE_DIR", t.path().join(format!("cache-{out}")))
            .env_remove("RUST_LOG")
            .status()
            .expect("nixsec audit");
        assert!(status.code().is_some_and(|c| c < 2), "{out}: {status}");
        let text = std::fs::read_to_string(t.path().join(out)).expect(out);
        let report: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut v: Vec<String> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| format!("{} {} {}", f["rule"], f["subject"], f["status"]))
            .collect();
        v.sort();
        v
    };
    let root = run(false, "root.json");
    let service = run(true, "service.json");
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|x| !b.contains(x)).cloned().collect()
    };
    let (root_only, service_only) = (only(&root, &service), only(&service, &root));
    // `net.core.bpf_jit_harden` is readable with `CAP_SYS_ADMIN` only: both runs report it,
    // the service's as not checked.
    let allowed = |x: &String| x.starts_with("\"NIX-112\" \"net.core.bpf_jit_harden\"");
    assert!(
        root_only.iter().all(allowed) && service_only.iter().all(allowed),
        "root only: {root_only:#?}\nservice only: {service_only:#?}"
    );
}

/// The groups and names of the `key=` lines of a unit's `[Service]` section, in order.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
        .collect()
}

/// The system calls of `@group` (or a name), as `systemd-analyze syscall-filter` lists them.
fn syscalls(group: &str) -> std::collections::BTreeSet<String> {
    let Some(g) = group.strip_prefix('@') else {
        return std::iter::once(group.to_string()).collect();
    };
    let out = Std::new("systemd-analyze")
        .args(["syscall-filter", "--no-pager"])
        .arg(format!("@{g}"))
        .output()
        .expect("systemd-analyze syscall-filter");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(syscalls)
        .collect()
}

/// A default audit of this machine, traced with `strace -f`, makes only the system calls the
/// unit's `SystemCallFilter=` lets through (as `systemd-analyze syscall-filter` expands its
/// groups) and opens sockets of the `RestrictAddressFamilies=` families only: the hardening
/// does not make checks fail with `EPERM`.
#[test]
fn the_audits_system_calls_pass_the_units_filter() {
    if !tools::require(&["nix-instantiate", "systemd-analyze", "strace"])
        || !tools::require_root("to audit this machine as the service does")
    {
        return;
    }
    let units = render(&format!(r#"{{ enable = true; package = "{PACKAGE}"; }}"#));
    let unit = units["units"]["nixsec.service"].as_str().expect("unit");
    let mut allowed = std::collections::BTreeSet::new();
    let mut denied = std::collections::BTreeSet::new();
    for f in unit_values(unit, "SystemCallFilter") {
        match f.strip_prefix('~') {
            Some(g) => denied.extend(syscalls(g)),
            None => allowed.extend(syscalls(&f)),
        }
    }
    assert!(allowed.contains("openat") && denied.contains("reboot"));
    let families = unit_values(unit, "RestrictAddressFamilies");
    let t = tempfile::tempdir().expect("tempdir");
    let trace = t.path().join("trace");
    let status = Std::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_nixsec"))
        .args(["audit", "--fail-on", "none", "--format", "json", "--output"])
        .arg(t.path().join("report.json"))
        .env("NIXSEC_CACHE_DIR", t.path().join("cache"))
        .status()
        .expect("strace");
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&trace).expect("trace");
    let mut used = std::collections::BTreeSet::new();
    let mut sockets = std::collections::BTreeSet::new();
    for line in text.lines() {
        // `PID name(args…) = result`; `<... name resumed>` and signal lines are skipped.
        let call = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        let Some((name, args)) = call.split_once('(') else {
            continue;
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            continue;
        }
        if name == "socket" {
            sockets.insert(args.split(',').next().unwrap_or_default().to_string());
        }
        used.insert(name.to_string());
    }
    assert!(used.len() > 20 && used.contains("openat"), "{used:?}");
    let refused: Vec<&String> = used
        .iter()
        .filter(|s| !allowed.contains(*s) || denied.contains(*s))
        .collect();
    assert!(
        refused.is_empty(),
        "refused by the unit's filter: {refused:?}"
    );
    let other: Vec<&String> = sockets.iter().filter(|f| !families.contains(f)).collect();
    assert!(
        other.is_empty(),
        "sockets of families {other:?}, the unit allows {families:?}"
    );
}
