//! `--format html` in a real headless Chromium (Debian's `chromium`, installed by
//! `scripts/test`): every page loads with no console error and no network request, has one
//! DOM row per finding of the same run's JSON report, the gauge shows the JSON's hardening
//! index, the filters hide exactly the rows they should, and hostile host text (`<script>`,
//! `"><img onerror>`, ANSI sequences in unit names, evidence and package names) is shown as
//! text and runs nothing. Screenshots are saved under `target/tmp/html-report/`.

use std::path::{Path, PathBuf};
use std::process::Command as Std;
use std::time::Duration;

use serde_json::{json, Value};

use crate::browser::Browser;
use crate::{fixture, nixsec, run_json, tools};

/// Where the screenshots go (under `target/`).
fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report")
}

/// Run nixsec with `args` plus `--format html --output FILE`; the file.
fn html(dir: &Path, name: &str, args: &[&std::ffi::OsStr]) -> PathBuf {
    let file = dir.join(format!("{name}.html"));
    let out = nixsec()
        .args(args)
        .args(["--format", "html", "--output"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(
        file.exists(),
        "no HTML written: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    file
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// Open `file` and check what every page must hold: no console error or warning, no request
/// but the page itself, the CSP meta tag, one script, no image; the number of finding rows.
fn load(b: &mut Browser, file: &Path) -> usize {
    b.open(file);
    let problems = b.problems();
    assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
    let me = format!("file://{}", file.display());
    let requests = b.requests();
    assert!(
        requests.iter().all(|r| *r == me) && requests.len() <= 1,
        "{}: requests {requests:?}",
        file.display()
    );
    let csp = b.eval(
        "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]')?.content ?? ''",
    );
    assert!(
        csp.as_str()
            .is_some_and(|c| c.starts_with("default-src 'none';")),
        "{csp}"
    );
    assert_eq!(b.eval("document.scripts.length"), json!(1));
    assert_eq!(b.eval("document.images.length"), json!(0));
    assert_eq!(b.eval("window.pwned === undefined"), json!(true));
    b.eval("document.querySelectorAll('#findings tbody tr.finding').length")
        .as_u64()
        .expect("rows") as usize
}

fn visible_rows(b: &mut Browser) -> usize {
    b.eval("[...document.querySelectorAll('#findings tbody tr.finding')].filter(r => !r.hidden && r.offsetParent !== null).length")
        .as_u64()
        .expect("count") as usize
}

/// The status a row is filtered by.
fn status(f: &Value) -> &str {
    if f["status"] == "fail" && !f["ignored"].is_null() {
        "ignored"
    } else {
        f["status"].as_str().expect("status")
    }
}

#[test]
fn audit_page_gauge_rows_and_filters() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let t = tempfile::tempdir().expect("tempdir");
    let root = fixture("insecure");
    let (_, report) = crate::audit_json(&root, &[]);
    let findings = report["findings"].as_array().expect("findings").clone();
    let file = html(
        t.path(),
        "audit",
        &[os("audit"), os("--root"), root.as_os_str()],
    );
    let rows = load(&mut b, &file);
    assert_eq!(rows, findings.len());
    assert_eq!(
        b.eval("document.getElementById('gauge-value').textContent"),
        json!(report["summary"]["hardening_index"].to_string())
    );
    // Failing rows first, in the DOM as in the report.
    let dom_status =
        b.eval("[...document.querySelectorAll('#findings tr.finding')].map(r => r.dataset.status)");
    let n_fail = findings.iter().filter(|f| status(f) == "fail").count();
    assert!(n_fail > 0);
    assert!(dom_status.as_array().expect("list")[..n_fail]
        .iter()
        .all(|s| s == "fail"));
    b.screenshot(&artifacts().join("audit.png"), true);
    b.screenshot(&artifacts().join("audit-top.png"), false);

    // Filters, with real clicks: the visible rows are those the JSON says.
    let count = |keep: &dyn Fn(&Value) -> bool| findings.iter().filter(|f| keep(f)).count();
    assert_eq!(visible_rows(&mut b), findings.len());
    b.click("#findings-filters input[name=status][value=pass]");
    assert_eq!(visible_rows(&mut b), count(&|f| status(f) != "pass"));
    b.click("#findings-filters input[name=status][value=skip]");
    b.click("#findings-filters input[name=severity][value=low]");
    let want = count(&|f| !matches!(status(f), "pass" | "skip") && f["severity"] != "low");
    assert_eq!(visible_rows(&mut b), want);
    b.click("#findings-filters input[name=section][value=multi-user]");
    let want = count(&|f| {
        !matches!(status(f), "pass" | "skip")
            && f["severity"] != "low"
            && f["section"] != "multi-user"
    });
    assert_eq!(visible_rows(&mut b), want);
    assert_eq!(
        b.eval("document.getElementById('findings-shown').textContent"),
        json!(format!("Showing {want} of {}", findings.len()))
    );
    b.screenshot(&artifacts().join("audit-filtered.png"), false);
    // Back to everything.
    for sel in [
        "#findings-filters input[name=status][value=pass]",
        "#findings-filters input[name=status][value=skip]",
        "#findings-filters input[name=severity][value=low]",
        "#findings-filters input[name=section][value=multi-user]",
    ] {
        b.click(sel);
    }
    assert_eq!(visible_rows(&mut b), findings.len());

    // Sorting by severity puts a critical row first.
    b.click("#findings thead th:nth-child(2) button");
    assert_eq!(
        b.eval("document.querySelector('#findings tbody tr').dataset.severity"),
        json!("critical")
    );

    // A copy button copies the fix (or, where the clipboard is refused, selects it).
    b.click("#findings button.copy");
    let copied = b.eval(
        "(() => { const btn = document.querySelector('#findings button.copy'); \
         const code = document.getElementById(btn.dataset.target).textContent; \
         return btn.textContent === 'Copied' || window.getSelection().toString() === code; })()",
    );
    assert_eq!(copied, json!(true));

    // Dark mode follows the system setting; the print stylesheet hides the controls.
    b.call(
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
    );
    let bg = b.eval("getComputedStyle(document.body).backgroundColor");
    assert_eq!(bg, json!("rgb(21, 24, 29)"));
    b.screenshot(&artifacts().join("audit-dark.png"), false);
    b.call(
        "Emulation.setEmulatedMedia",
        json!({"media": "print", "features": []}),
    );
    assert_eq!(
        b.eval("getComputedStyle(document.getElementById('findings-filters')).display"),
        json!("none")
    );
    assert!(b.problems().is_empty(), "{:#?}", b.problems());
}

#[test]
fn readable_without_javascript() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let t = tempfile::tempdir().expect("tempdir");
    let root = fixture("insecure");
    let (_, report) = crate::audit_json(&root, &[]);
    let file = html(
        t.path(),
        "audit",
        &[os("audit"), os("--root"), root.as_os_str()],
    );
    b.call(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    );
    b.open(&file);
    let n = report["findings"].as_array().expect("findings").len();
    assert_eq!(visible_rows(&mut b), n);
    // The filters and copy buttons need the script: hidden without it; the fixes are there.
    assert_eq!(
        b.eval("document.getElementById('findings-filters').offsetParent === null"),
        json!(true)
    );
    let fixes = b.eval("document.querySelectorAll('code.nixos').length");
    assert!(fixes.as_u64().expect("n") > 0);
    b.screenshot(&artifacts().join("audit-nojs.png"), false);
}

#[test]
fn units_lint_and_store_pages() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let t = tempfile::tempdir().expect("tempdir");
    // units: one bar and one table row per scored unit; the findings are the NIX-061 units.
    let units_root = nixsec_testutil::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/nixsec-systemd/tests/fixtures/roots/debian"),
    );
    let (_, v) = run_json(
        nixsec()
            .args(["units", "--format", "json", "--threshold", "7.0", "--root"])
            .arg(units_root.path()),
    );
    let units = v["units"].as_array().expect("units");
    assert!(!units.is_empty());
    let above = units
        .iter()
        .filter(|u| u["exposure"].as_f64().expect("exposure") >= 7.0)
        .count();
    let file = html(
        t.path(),
        "units",
        &[
            os("units"),
            os("--threshold"),
            os("7.0"),
            os("--root"),
            units_root.path().as_os_str(),
        ],
    );
    let rows = load(&mut b, &file);
    assert_eq!(rows, above);
    assert_eq!(
        b.eval("document.querySelectorAll('#exposure-chart g.bar').length"),
        json!(units.len())
    );
    assert_eq!(
        b.eval("document.querySelectorAll('#units tbody tr').length"),
        json!(units.len())
    );
    // Sorted: the first bar is the highest exposure.
    let top = units
        .iter()
        .map(|u| u["exposure"].as_f64().expect("exposure"))
        .fold(0.0, f64::max);
    let first = b.eval("document.querySelector('#exposure-chart g.bar text.muted').textContent");
    assert!(
        first
            .as_str()
            .expect("text")
            .starts_with(&format!("{top:.1} ")),
        "{first}"
    );
    b.screenshot(&artifacts().join("units.png"), true);

    // lint
    let lint_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/basic");
    let (_, v) = run_json(nixsec().args(["lint", "--format", "json"]).arg(&lint_dir));
    let file = html(t.path(), "lint", &[os("lint"), lint_dir.as_os_str()]);
    let rows = load(&mut b, &file);
    assert_eq!(rows, v["findings"].as_array().expect("findings").len());
    assert!(rows > 0);
    b.screenshot(&artifacts().join("lint.png"), true);

    // store verify, on a copy of the real Nix fixture store with one file made writable.
    let Some(f) = crate::nixstore::fixture() else {
        return;
    };
    let copy = tempfile::tempdir().expect("tempdir");
    assert!(Std::new("cp")
        .arg("-a")
        .arg(f.root.join("nix"))
        .arg(copy.path())
        .status()
        .expect("cp")
        .success());
    let victim = std::fs::read_dir(copy.path().join("nix/store"))
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .find(|p| p.is_file() && !p.to_string_lossy().ends_with(".drv"))
        .expect("a store file");
    assert!(Std::new("chmod")
        .arg("0666")
        .arg(&victim)
        .status()
        .expect("chmod")
        .success());
    let (_, v) = run_json(
        nixsec()
            .args([
                "store",
                "verify",
                "--format",
                "json",
                "--trusted-key",
                &f.key,
                "--store-root",
            ])
            .arg(copy.path()),
    );
    let problems = v["problems"].as_array().expect("problems").len();
    assert!(problems > 0, "{v:#}");
    let file = html(
        t.path(),
        "store",
        &[
            os("store"),
            os("verify"),
            os("--trusted-key"),
            os(&f.key),
            os("--store-root"),
            copy.path().as_os_str(),
        ],
    );
    assert_eq!(load(&mut b, &file), problems);
    b.screenshot(&artifacts().join("store-verify.png"), true);
}

/// The audit page's listeners table, from NIX-074's evidence on this machine's real
/// `/proc/net` (copied while the test holds a TCP and a UDP socket on 127.0.0.1) and a real
/// saved ruleset: one row per listening socket the JSON report names, and the test's own
/// sockets shown as on loopback only, with this process's name.
#[test]
fn audit_page_lists_the_listeners_the_firewall_rules_judged() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind tcp");
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    let (tcp_port, udp_port) = (
        tcp.local_addr().expect("addr").port(),
        udp.local_addr().expect("addr").port(),
    );
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("root");
    let pid = std::process::id();
    let fd_dir = root.join(format!("proc/{pid}/fd"));
    std::fs::create_dir_all(&fd_dir).expect("mkdir");
    std::fs::create_dir_all(root.join("proc/net")).expect("mkdir");
    std::fs::create_dir_all(root.join("proc/sys/net/ipv6")).expect("mkdir");
    for f in ["tcp", "tcp6", "udp", "udp6"] {
        let from = Path::new("/proc/net").join(f);
        if let Ok(data) = std::fs::read(&from) {
            std::fs::write(root.join("proc/net").join(f), data).expect("copy");
        }
    }
    if let Ok(v) = std::fs::read("/proc/sys/net/ipv6/bindv6only") {
        std::fs::write(root.join("proc/sys/net/ipv6/bindv6only"), v).expect("copy");
    }
    for e in std::fs::read_dir("/proc/self/fd").expect("fds").flatten() {
        if let Ok(to) = std::fs::read_link(e.path()) {
            let _ = std::os::unix::fs::symlink(to, fd_dir.join(e.file_name()));
        }
    }
    let comm = std::fs::read_to_string("/proc/self/comm").expect("comm");
    std::fs::write(root.join(format!("proc/{pid}/comm")), &comm).expect("comm");
    let ruleset = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/nixsec-firewall/tests/fixtures/default-deny.json");
    let args = [
        os("audit"),
        os("--rule"),
        os("NIX-074"),
        os("--nft-json"),
        ruleset.as_os_str(),
        os("--root"),
        root.as_os_str(),
    ];
    let (_, report) = run_json(nixsec().args(args).args(["--format", "json"]));
    let mut listed: Vec<String> = Vec::new();
    for e in crate::finding(&report, "NIX-074")["evidence"]
        .as_array()
        .expect("evidence")
    {
        let v = e["value"].as_str().unwrap_or_default().to_string();
        if e["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/proc/net/"))
            && !listed.contains(&v)
        {
            listed.push(v);
        }
    }
    let file = html(t.path(), "listeners", &args);
    drop((tcp, udp));
    load(&mut b, &file);
    assert_eq!(
        b.eval("document.querySelectorAll('#listeners tbody tr').length"),
        json!(listed.len()),
        "{listed:#?}"
    );
    for (proto, port) in [("tcp", tcp_port), ("udp", udp_port)] {
        let row = b.eval(&format!(
            "[...document.querySelectorAll('#listeners tbody tr')].map(r => [...r.cells].map(c => c.textContent)).find(c => c[1] === '127.0.0.1:{port}') ?? null"
        ));
        let cells = row
            .as_array()
            .unwrap_or_else(|| panic!("no row for {proto}/{port}: {listed:#?}"));
        assert_eq!(cells[0], json!(proto));
        assert!(
            cells[2].as_str().expect("process").contains(comm.trim()),
            "{cells:?}"
        );
        assert_eq!(cells[3], json!("loopback only"), "{cells:?}");
    }
    b.screenshot(&artifacts().join("listeners.png"), true);
}

/// The `nixsec diff` page, written by the renderer (the command is built elsewhere): the two
/// gauges show the hardening indexes of the JSON reports of two real audits (the `weak` and
/// `insecure` fixture roots), one row per change, worse first, the impact and kind filters by
/// real clicks, and hostile change values shown as text.
#[test]
fn diff_page_gauges_changes_and_filters() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let t = tempfile::tempdir().expect("tempdir");
    let side = |name: &str| {
        let (_, v) = crate::audit_json(&fixture(name), &[]);
        let findings: Vec<nixsec_core::Finding> =
            serde_json::from_value(v["findings"].clone()).expect("findings");
        (v["summary"]["hardening_index"].clone(), findings)
    };
    let (old_index, old) = side("weak");
    let (new_index, new) = side("insecure");
    let change = |kind: &str, subject: &str, new: &str, severity| nixsec_report::DiffRow {
        kind: kind.into(),
        subject: subject.into(),
        old: None,
        new: Some(new.into()),
        severity,
        rule: None,
    };
    use nixsec_core::Severity;
    let changes = vec![
        change("package-added", "zlib", "1.3.1", None),
        change(
            "port-opened",
            "tcp/5432",
            "accepted",
            Some(Severity::Medium),
        ),
        change("wrapper-added", SCRIPT, IMG, Some(Severity::High)),
        change("nix-setting", "sandbox", ANSI, Some(Severity::High)),
    ];
    let file = t.path().join("diff.html");
    let mut out = Vec::new();
    nixsec_report::html::render_diff(
        &nixsec_report::html::DiffSide {
            name: "/nix/store/old-system",
            findings: &old,
        },
        &nixsec_report::html::DiffSide {
            name: "/nix/store/new-system",
            findings: &new,
        },
        &changes,
        &mut out,
    )
    .expect("render");
    std::fs::write(&file, out).expect("write");
    load(&mut b, &file);
    assert_shown(&mut b, "diff");
    assert_eq!(
        b.eval("[document.getElementById('gauge-old-value').textContent, document.getElementById('gauge-new-value').textContent]"),
        json!([old_index.to_string(), new_index.to_string()])
    );
    let visible = |b: &mut Browser| {
        b.eval("[...document.querySelectorAll('#changes tbody tr')].filter(r => !r.hidden && r.offsetParent !== null).map(r => r.dataset.kind)")
    };
    assert_eq!(
        visible(&mut b),
        json!([
            "nix-setting",
            "wrapper-added",
            "port-opened",
            "package-added"
        ])
    );
    b.click("#changes-filters input[name=impact][value=none]");
    assert_eq!(visible(&mut b).as_array().expect("rows").len(), 3);
    b.click("#changes-filters input[name=kind][value=port-opened]");
    assert_eq!(visible(&mut b), json!(["nix-setting", "wrapper-added"]));
    assert_eq!(
        b.eval("document.getElementById('changes-shown').textContent"),
        json!("Showing 2 of 4")
    );
    b.screenshot(&artifacts().join("diff.png"), true);
    assert!(b.problems().is_empty(), "{:#?}", b.problems());
}

/// What the hostile texts must look like on the page (control characters made visible).
const SCRIPT: &str = "<script>window.pwned=1</script>";
const IMG: &str = "\"><img/src=x/onerror=window.pwned=2>";
const ANSI: &str = "\x1b[31mred";
const ANSI_SHOWN: &str = "\\x1b[31mred";

fn body_text(b: &mut Browser) -> String {
    b.eval("document.body.textContent")
        .as_str()
        .expect("text")
        .to_string()
}

fn assert_shown(b: &mut Browser, what: &str) {
    let text = body_text(b);
    for s in [SCRIPT, IMG, ANSI_SHOWN] {
        assert!(text.contains(s), "{what}: `{s}` not shown as text");
    }
    assert!(!text.contains('\x1b'), "{what}: raw ESC on the page");
    assert_eq!(b.eval("window.pwned === undefined"), json!(true), "{what}");
}

#[test]
fn hostile_text_is_shown_as_text_and_runs_nothing() {
    let Some(mut b) = Browser::launch() else {
        return;
    };
    let t = tempfile::tempdir().expect("tempdir");
    let hostile = format!("{SCRIPT} {IMG} {ANSI}");

    // audit: evidence lines of nix.conf.
    let root = t.path().join("root");
    std::fs::create_dir_all(root.join("etc/nix")).expect("mkdir");
    std::fs::write(
        root.join("etc/nix/nix.conf"),
        format!("trusted-users = root {hostile}\n"),
    )
    .expect("nix.conf");
    let file = html(
        t.path(),
        "hostile-audit",
        &[
            os("audit"),
            os("--rule"),
            os("NIX-014"),
            os("--root"),
            root.as_os_str(),
        ],
    );
    assert_eq!(
        load(&mut b, &file),
        3,
        "one NIX-014 problem per untrusted name"
    );
    assert_shown(&mut b, "audit");
    b.screenshot(&artifacts().join("hostile-audit.png"), true);

    // units: unit names (not loadable: listed with their errors).
    let units = t.path().join("units-root");
    std::fs::create_dir_all(units.join("etc/systemd/system")).expect("mkdir");
    std::fs::write(
        units.join("etc/systemd/system/ok.service"),
        "[Service]\nExecStart=/bin/true\n",
    )
    .expect("unit");
    let file = html(
        t.path(),
        "hostile-units",
        &[
            os("units"),
            os("--root"),
            units.as_os_str(),
            os("ok"),
            os(SCRIPT),
            os(IMG),
            os(ANSI),
        ],
    );
    load(&mut b, &file);
    assert_eq!(
        b.eval("document.querySelectorAll('#unit-errors tbody tr').length"),
        json!(3)
    );
    assert_shown(&mut b, "units");

    // lint: values of a configuration file.
    let lint = t.path().join("lint");
    std::fs::create_dir_all(&lint).expect("mkdir");
    let nix_str = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "\\$")
    };
    std::fs::write(
        lint.join("configuration.nix"),
        format!(
            "{{ ... }}: {{\n  nix.settings.trusted-users = [ \"root\" \"{}\" \"{}\" \"{}\" ];\n}}\n",
            nix_str(SCRIPT),
            nix_str(IMG),
            nix_str(ANSI)
        ),
    )
    .expect("configuration.nix");
    let file = html(t.path(), "hostile-lint", &[os("lint"), lint.as_os_str()]);
    assert!(load(&mut b, &file) > 0);
    assert_shown(&mut b, "lint");

    // vulns: a package name (pname) and a CVE description, in a store built by real Nix.
    if let Some(store) = hostile_store(t.path()) {
        let file = html(
            t.path(),
            "hostile-vulns",
            &[
                os("vulns"),
                os("--store-root"),
                store.root.as_os_str(),
                os("--nvd"),
                store.nvd.as_os_str(),
                os("--cpe-map"),
                store.cpe_map.as_os_str(),
                os(&store.top),
            ],
        );
        let (_, v) = run_json(
            nixsec()
                .args(["vulns", "--format", "json", "--store-root"])
                .arg(&store.root)
                .arg("--nvd")
                .arg(&store.nvd)
                .arg("--cpe-map")
                .arg(&store.cpe_map)
                .arg(&store.top),
        );
        let n = v["findings"].as_array().expect("findings").len();
        assert_eq!(load(&mut b, &file), n);
        assert_eq!(n, 2, "{v:#}");
        assert_shown(&mut b, "vulns");
        // Sortable by score: descending puts the 9.8 first.
        b.click("#findings thead th:nth-child(7) button");
        let first = b.eval("document.querySelector('#findings tbody tr').cells[6].textContent");
        assert_eq!(first, json!("9.8"));
        b.screenshot(&artifacts().join("hostile-vulns.png"), true);
    }
    b.settle(Duration::from_millis(200));
    assert!(b.problems().is_empty(), "{:#?}", b.problems());
}

/// A store with a package whose pname holds the hostile texts, and NVD data naming it.
pub struct HostileStore {
    pub root: PathBuf,
    pub top: String,
    pub nvd: PathBuf,
    pub cpe_map: PathBuf,
}

pub fn hostile_store(dir: &Path) -> Option<HostileStore> {
    if !tools::require_root("real Nix builds the hostile store as root")
        || !tools::require(&["nix-build", "python3"])
    {
        return None;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let hostile = format!("{SCRIPT}{IMG}{ANSI}");
    // The pname reaches Nix through JSON (`\u001b` for the ESC).
    let pname_json = serde_json::to_string(&hostile).expect("json");
    let expr = dir.join("hostile.nix");
    std::fs::write(
        &expr,
        format!(
            r#"{{ system ? builtins.currentSystem }}:
let
  lib = import {cve}/lib.nix {{ inherit system; }};
  evil = derivation {{
    inherit system;
    name = "evil-1.0";
    pname = builtins.fromJSON {pname};
    version = "1.0";
    builder = "/bin/sh";
    args = [ "-c" "echo evil > $out" ];
  }};
  zlib = lib.mkPkg {{ pname = "zlib"; version = "1.2.11"; }};
in lib.mkSystem {{ name = "nixos-system-hostile"; packages = [ evil zlib ]; }}
"#,
            cve = fixtures.join("cve").display(),
            pname = serde_json::to_string(&pname_json).expect("json"),
        ),
    )
    .expect("hostile.nix");
    let root = dir.join("store");
    let out = Std::new("bash")
        .arg(fixtures.join("cve/build-store.sh"))
        .arg(&root)
        .env("EXPR", &expr)
        .output()
        .expect("build-store.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let top = std::fs::read_to_string(root.join("roots.txt"))
        .expect("roots.txt")
        .trim()
        .to_string();
    let cves = json!([
        {
            "id": "CVE-2024-99901",
            "published": "2024-01-01T00:00:00",
            "cvssV31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "cwe": "CWE-79",
            "description": format!("Fictional, for the HTML test: {hostile}"),
            "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
                {"vulnerable": true, "criteria": "cpe:2.3:a:evil:evil:*:*:*:*:*:*:*:*", "versionEndExcluding": "2.0"}
            ]}]}]
        },
        {
            "id": "CVE-2024-99902",
            "published": "2024-01-01T00:00:00",
            "cvssV31": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H",
            "cwe": "CWE-787",
            "description": "Fictional, for the HTML test: zlib before 1.2.12.",
            "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
                {"vulnerable": true, "criteria": "cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*", "versionEndExcluding": "1.2.12"}
            ]}]}]
        }
    ]);
    let facts = dir.join("cves.json");
    std::fs::write(&facts, cves.to_string()).expect("cves.json");
    let nvd = dir.join("nvd");
    let out = Std::new("python3")
        .arg(fixtures.join("cve/make-nvd.py"))
        .arg(&nvd)
        .arg(&facts)
        .env("TIMESTAMP", "2026-11-28T00:00:00")
        .output()
        .expect("make-nvd.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cpe_map = dir.join("cpe-map.tsv");
    std::fs::write(&cpe_map, format!("{hostile}\ta:evil:evil\n")).expect("cpe map");
    Some(HostileStore {
        root,
        top,
        nvd: nvd.join("feeds-2.0"),
        cpe_map,
    })
}
