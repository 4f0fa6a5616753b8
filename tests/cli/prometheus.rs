//! `--format prometheus` against the real Prometheus tools (Debian's `prometheus` and
//! `prometheus-node-exporter`, installed by `scripts/test`): `promtool check metrics` accepts
//! the output of `audit`, `units` and `vulns`; the alert rules of `contrib/` pass `promtool
//! check rules` and their unit tests; node_exporter's textfile collector on 127.0.0.1 serves
//! exactly the series nixsec wrote; and a Prometheus server scraping it runs every query of the
//! Grafana dashboard and loads the alert rules, which fire on the fixture host.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{fixture, nixsec, tools};

fn contrib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib")
}

fn units_root() -> tempfile::TempDir {
    nixsec_testutil::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/nixsec-systemd/tests/fixtures/roots/debian"),
    )
}

/// Write the metrics of `nixsec ARGS --format prometheus` to `file` (with `--output`).
fn write_metrics(args: &[&std::ffi::OsStr], file: &Path) {
    let out = nixsec()
        .args(args)
        .args(["--format", "prometheus", "--output"])
        .arg(file)
        .output()
        .expect("run");
    assert!(
        file.exists(),
        "no metrics written: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// `promtool check metrics < file`: no complaint at all.
fn promtool_check_metrics(file: &Path) {
    let out = Std::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(file).expect("open"))
        .output()
        .expect("promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "{}: {said}",
        file.display()
    );
}

/// The metrics of `audit` on the insecure fixture and of `units` on the Debian sample.
fn write_audit_and_units(dir: &Path) -> (PathBuf, PathBuf) {
    let audit = dir.join("nixsec.prom");
    let root = fixture("insecure");
    write_metrics(&[os("audit"), os("--root"), root.as_os_str()], &audit);
    let units = dir.join("nixsec-units.prom");
    let r = units_root();
    write_metrics(&[os("units"), os("--root"), r.path().as_os_str()], &units);
    (audit, units)
}

#[test]
fn promtool_accepts_the_metrics_of_audit_units_and_vulns() {
    if !tools::require(&["promtool"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let (audit, units) = write_audit_and_units(t.path());
    promtool_check_metrics(&audit);
    promtool_check_metrics(&units);
    let text = std::fs::read_to_string(&audit).expect("read");
    // The audit's JSON is the oracle for the values.
    let (_, report) = crate::audit_json(&fixture("insecure"), &[]);
    assert!(text.contains(&format!(
        "nixsec_hardening_index{{command=\"audit\"}} {}\n",
        report["summary"]["hardening_index"]
    )));
    assert!(text.contains(&format!(
        "nixsec_errors{{command=\"audit\"}} {}\n",
        report["summary"]["error"]
    )));
    let rules = report["summary"]["rules"]["total"].as_u64().expect("rules");
    let ones = text
        .lines()
        .filter(|l| l.starts_with("nixsec_rule_status{") && l.ends_with(" 1"))
        .count();
    assert_eq!(ones as u64, rules, "one status per rule");
    let fails: u64 = text
        .lines()
        .filter(|l| l.starts_with("nixsec_findings{"))
        .map(|l| {
            l.rsplit(' ')
                .next()
                .expect("value")
                .parse::<u64>()
                .expect("int")
        })
        .sum();
    assert_eq!(fails, report["summary"]["fail"].as_u64().expect("fail"));
    let units_text = std::fs::read_to_string(&units).expect("read");
    let r = units_root();
    let (_, v) = crate::run_json(
        nixsec()
            .args(["units", "--format", "json", "--root"])
            .arg(r.path()),
    );
    for u in v["units"].as_array().expect("units") {
        let line = format!(
            "nixsec_unit_exposure{{command=\"units\",unit=\"{}\"}} {:.1}\n",
            u["unit"].as_str().expect("unit"),
            u["exposure"].as_f64().expect("exposure")
        );
        assert!(units_text.contains(&line), "missing {line}");
    }
    // vulns, on a real Nix store (root and nix-build needed).
    if let Some(store) = crate::html::hostile_store(t.path()) {
        let file = t.path().join("nixsec-vulns.prom");
        write_metrics(
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
            &file,
        );
        promtool_check_metrics(&file);
        let text = std::fs::read_to_string(&file).expect("read");
        // One 9.8 (critical) and one 5.9 (medium) CVE, by make-nvd.py's CVSS computation.
        assert!(
            text.contains("nixsec_cves{command=\"vulns\",severity=\"critical\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("nixsec_cves{command=\"vulns\",severity=\"medium\"} 1\n"));
        assert!(text.contains("nixsec_cves{command=\"vulns\",severity=\"high\"} 0\n"));
    }
}

#[test]
fn alert_rules_pass_promtool() {
    if !tools::require(&["promtool"]) {
        return;
    }
    let dir = contrib().join("prometheus");
    for args in [
        vec!["check", "rules", "nixsec-alerts.yml"],
        vec!["test", "rules", "nixsec-alerts.test.yml"],
    ] {
        let out = Std::new("promtool")
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("promtool");
        assert!(
            out.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A free port on 127.0.0.1 (bound and released: a small race, acceptable in tests).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `GET path` on 127.0.0.1:port over HTTP/1.0: the status code and body, or `None` when the
/// server does not answer yet.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_string()))
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A server started by the test, killed at the end.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The samples of an exposition text, `name{labels}` to value (comments left out; the value
/// is parsed, as node_exporter writes floats in its own notation).
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/api/v1/query?query=Q` on a Prometheus server: the JSON answer.
fn query(port: u16, q: &str) -> Value {
    let (code, body) = get(port, &format!("/api/v1/query?query={}", percent(q)))
        .unwrap_or_else(|| panic!("no answer to {q}"));
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(code, 200, "{q}: {body}");
    v
}

#[test]
fn node_exporter_serves_the_textfile_and_prometheus_runs_the_dashboard() {
    if !tools::require(&["prometheus-node-exporter", "prometheus"]) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let textfiles = t.path().join("textfile");
    std::fs::create_dir(&textfiles).expect("mkdir");
    let (audit, units) = write_audit_and_units(&textfiles);

    let ne_port = free_port();
    let _ne = Server(
        Std::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address=127.0.0.1:{ne_port}"))
            .arg("--collector.disable-defaults")
            .arg("--collector.textfile")
            .arg(format!(
                "--collector.textfile.directory={}",
                textfiles.display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node_exporter"),
    );
    let mut scraped = String::new();
    wait_for("node_exporter", || match get(ne_port, "/metrics") {
        Some((200, body)) => {
            scraped = body;
            true
        }
        _ => false,
    });
    let got = samples(&scraped);
    assert_eq!(
        got.get("node_textfile_scrape_error"),
        Some(&0.0),
        "the collector could not read the files"
    );
    for file in [&audit, &units] {
        let want = samples(&std::fs::read_to_string(file).expect("read"));
        assert!(!want.is_empty());
        let missing: Vec<(&String, &f64)> = want
            .iter()
            .filter(|(k, v)| {
                got.get(*k)
                    .is_none_or(|g| (g - *v).abs() > 1e-9 * v.abs().max(1.0))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{}: not served back: {missing:?}",
            file.display()
        );
    }

    // A Prometheus server scraping node_exporter every second, with the alert rules.
    let prom_port = free_port();
    let config = t.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{ne_port}']\n",
            contrib().join("prometheus/nixsec-alerts.yml").display()
        ),
    )
    .expect("config");
    let _prom = Server(
        Std::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                t.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    wait_for("prometheus to scrape nixsec metrics", || {
        get(prom_port, "/-/ready").is_some_and(|(c, _)| c == 200)
            && query(prom_port, "nixsec_hardening_index")["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
    });

    // Every query of the dashboard runs; those on audit and units metrics return data.
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(contrib().join("grafana/nixsec-dashboard.json")).expect("read"),
    )
    .expect("dashboard JSON");
    let mut n = 0;
    for p in dash["panels"].as_array().expect("panels") {
        for target in p["targets"].as_array().expect("targets") {
            let expr = target["expr"]
                .as_str()
                .expect("expr")
                .replace("$instance", ".*");
            let v = query(prom_port, &expr);
            assert_eq!(v["status"], "success", "{expr}: {v}");
            let result = v["data"]["result"].as_array().expect("result");
            if !expr.contains("nixsec_cves") {
                assert!(!result.is_empty(), "`{expr}` ({}): no data", p["title"]);
            }
            n += 1;
        }
    }
    assert!(n >= 9);
    let instance_query = dash["templating"]["list"][1]["definition"]
        .as_str()
        .expect("definition");
    assert!(instance_query.contains("nixsec_last_run_timestamp_seconds"));

    // The rules load, and the fixture's critical finding fires (no `for`).
    wait_for("the critical-finding alert", || {
        let (_, body) = get(prom_port, "/api/v1/alerts").unwrap_or_default();
        body.contains("\"alertname\":\"NixsecCriticalFinding\"")
            && body.contains("\"state\":\"firing\"")
    });
    let (_, body) = get(prom_port, "/api/v1/rules").expect("rules");
    let v: Value = serde_json::from_str(&body).expect("json");
    let rules: Vec<&Value> = v["data"]["groups"][0]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .collect();
    assert_eq!(rules.len(), 8);
    for r in rules {
        assert_eq!(r["health"], "ok", "{r}");
    }
}
