//! `nixsec vulns` on real Nix stores built from `tests/fixtures/cve` (the public CVE fixture)
//! and `tests/fixtures/cve-extra` (nixsec's own hand-written cases), with NVD data rendered in
//! every format by `tests/fixtures/cve/make-nvd.py`. Expected findings are the fixtures'
//! `expected.json` files (written by hand), never nixsec's own output.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Std;
use std::sync::OnceLock;

use crate::nixsec;
use crate::tools;

/// Both stores and the rendered NVD data.
struct Cve {
    /// Public store root (holds `nix/`).
    store: PathBuf,
    /// Its top-level path.
    top: String,
    /// Extra store root.
    extra: PathBuf,
    /// Its top-level path.
    extra_top: String,
    /// make-nvd.py output for the public CVEs.
    nvd: PathBuf,
    /// make-nvd.py output for the extra CVEs.
    nvdx: PathBuf,
    /// The store of the vulnix-derived suite (`tests/fixtures/cve-vulnix`).
    vulnix: PathBuf,
    /// Its top-level path.
    vulnix_top: String,
    /// Its NVD data: vulnix's records as one JSON 2.0 document, its modified feed, the letter
    /// releases' records and output_test.py's.
    vnvd: PathBuf,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn build_all(base: &Path) -> Result<(), String> {
    let cve = fixtures().join("cve");
    let run = |c: &mut Std| -> Result<(), String> {
        let out = c.output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    for (dir, expr) in [
        ("store", cve.join("packages.nix")),
        ("extra", fixtures().join("cve-extra/packages.nix")),
        ("vulnix", fixtures().join("cve-vulnix/packages.nix")),
    ] {
        // One retry: another build on the machine can make a sandboxed build fail once.
        let build = || {
            run(Std::new("bash")
                .arg(cve.join("build-store.sh"))
                .arg(base.join(dir))
                .env("EXPR", &expr))
        };
        build().or_else(|_| build())?;
    }
    for (dir, facts) in [
        ("nvd", cve.join("cves.json")),
        ("nvdx", fixtures().join("cve-extra/cves.json")),
    ] {
        run(Std::new("python3")
            .arg(cve.join("make-nvd.py"))
            .arg(base.join(dir))
            .arg(facts)
            .env("TIMESTAMP", "2026-11-28T00:00:00"))?;
    }
    // vulnix's per-CVE records (`{"cve": ...}`) as one JSON 2.0 document, beside the rest.
    let v = fixtures().join("cve-vulnix");
    let vnvd = base.join("vnvd");
    std::fs::create_dir_all(&vnvd).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(v.join("vulnix"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("CVE-20"))
        })
        .collect();
    names.sort();
    for n in names {
        items.push(std::fs::read_to_string(&n).map_err(|e| e.to_string())?);
    }
    std::fs::write(
        vnvd.join("vulnix-cves.json"),
        format!("{{\"vulnerabilities\": [{}]}}", items.join(",")),
    )
    .map_err(|e| e.to_string())?;
    for f in [
        "vulnix/nvdcve-2.0-modified.json.gz",
        "letter-releases.json",
        "issue17.json",
        "output-test.json",
    ] {
        let name = Path::new(f).file_name().unwrap_or_default();
        std::fs::copy(v.join(f), vnvd.join(name)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Built once per test run under `CARGO_TARGET_TMPDIR`, with a mkdir lock for concurrent test
/// processes; `None` (skip) without root or Nix.
fn cve() -> Option<&'static Cve> {
    static F: OnceLock<Option<Cve>> = OnceLock::new();
    F.get_or_init(|| {
        if !tools::require_root("real Nix builds the CVE fixture as root")
            || !tools::require(&["nix-build", "python3"])
        {
            return None;
        }
        let mut tag = 0u64;
        for f in [
            "cve/build-store.sh",
            "cve/lib.nix",
            "cve/packages.nix",
            "cve/cves.json",
            "cve/make-nvd.py",
            "cve-extra/packages.nix",
            "cve-extra/cves.json",
            "cve-vulnix/packages.nix",
            "cve-vulnix/letter-releases.json",
            "cve-vulnix/output-test.json",
            "cve-vulnix/issue17.json",
        ] {
            for b in std::fs::read(fixtures().join(f)).expect("fixture") {
                tag = tag.wrapping_mul(31).wrapping_add(u64::from(b));
            }
        }
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cve-fixture-{tag:016x}"));
        let ready = base.join("ready");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let _ = std::fs::remove_dir_all(&base);
                std::fs::create_dir_all(&base).expect("mkdir");
                let r = build_all(&base);
                if r.is_ok() {
                    std::fs::write(&ready, "").expect("ready");
                }
                let _ = std::fs::remove_dir(&lock);
                if let Err(e) = r {
                    panic!("building the CVE fixture failed: {e}");
                }
            } else {
                assert!(
                    std::time::Instant::now() < deadline,
                    "waited too long for {}",
                    lock.display()
                );
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        let top = |d: &str| {
            std::fs::read_to_string(base.join(d).join("roots.txt"))
                .expect("roots.txt")
                .trim()
                .to_string()
        };
        Some(Cve {
            top: top("store"),
            extra_top: top("extra"),
            vulnix_top: top("vulnix"),
            store: base.join("store"),
            extra: base.join("extra"),
            vulnix: base.join("vulnix"),
            nvd: base.join("nvd"),
            nvdx: base.join("nvdx"),
            vnvd: base.join("vnvd"),
        })
    })
    .as_ref()
}

type Findings = BTreeMap<String, Vec<String>>;

/// `name -> affected_by` from the public expected.json (packages with findings only).
fn expected_public() -> Findings {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("cve/expected.json")).expect("expected.json"),
    )
    .expect("json");
    v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| {
            let ids: Vec<String> = p["affected_by"]
                .as_array()?
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            (!ids.is_empty()).then(|| (p["name"].as_str().unwrap_or("").to_string(), ids))
        })
        .collect()
}

fn expected_extra(key: &str) -> Findings {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("cve-extra/expected.json")).expect("expected.json"),
    )
    .expect("json");
    v[key]
        .as_object()
        .expect(key)
        .iter()
        .map(|(k, p)| {
            (
                k.clone(),
                p["affected_by"]
                    .as_array()
                    .expect("affected_by")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect()
}

/// Run `nixsec vulns --format vulnix-json ARGS` and return (exit code, name -> affected_by,
/// stderr).
fn vulnix_json(args: &[&std::ffi::OsStr]) -> (i32, Findings, String) {
    let out = nixsec()
        .args(["vulns", "--format", "vulnix-json"])
        .args(args)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let mut m = Findings::new();
    for e in v.as_array().expect("array") {
        let mut ids: Vec<String> = e["affected_by"]
            .as_array()
            .expect("affected_by")
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        ids.sort();
        m.insert(e["name"].as_str().expect("name").to_string(), ids);
    }
    (out.status.code().expect("code"), m, stderr)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn public_fixture_matches_expected_in_every_nvd_format() {
    let Some(f) = cve() else { return };
    let want = expected_public();
    assert_eq!(want.len(), 7);
    for data in [
        "feeds-2.0",
        "feeds-1.1",
        "api-2.0/cves.json",
        "cves-2.0.json",
        "cves-1.1.json",
        "feeds-2.0/nvdcve-2.0-modified.json.gz",
        "feeds-1.1/nvdcve-1.1-modified.json.gz",
        "",
    ] {
        let nvd = f.nvd.join(data);
        let (code, got, stderr) = vulnix_json(&[
            os("--store-root"),
            f.store.as_os_str(),
            os("--nvd"),
            nvd.as_os_str(),
            os(&f.top),
        ]);
        assert_eq!(got, want, "NVD data {data:?}; stderr: {stderr}");
        assert_eq!(code, 1, "{data}");
    }
}

#[test]
fn extra_fixture_general_rules() {
    let Some(f) = cve() else { return };
    let want = expected_extra("packages");
    for data in ["feeds-2.0", "feeds-1.1", "api-2.0/cves.json"] {
        let nvd = f.nvdx.join(data);
        let (code, got, stderr) = vulnix_json(&[
            os("--store-root"),
            f.extra.as_os_str(),
            os("--nvd"),
            nvd.as_os_str(),
            os(&f.extra_top),
        ]);
        assert_eq!(got, want, "NVD data {data}; stderr: {stderr}");
        assert_eq!(code, 1);
        // widget: two vendors, no mapping: reported as ambiguous, not guessed.
        assert!(
            stderr.contains("widget-2.14.2") && stderr.contains("several vendors (acme, globex)"),
            "{stderr}"
        );
    }
    // --build-time adds perl, a build input of sudo only, marked build-only.
    let out = nixsec()
        .args(["vulns", "--build-time", "--store-root"])
        .arg(&f.extra)
        .arg("--nvd")
        .arg(f.nvdx.join("feeds-2.0"))
        .arg(&f.extra_top)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("perl-5.36.0  (perl 5.36.0, build-only; a:perl:perl)"),
        "{text}"
    );
    assert!(text.contains("CVE-2025-90013"));
    let (_, got, _) = vulnix_json(&[
        os("--build-time"),
        os("--store-root"),
        f.extra.as_os_str(),
        os("--nvd"),
        f.nvdx.join("feeds-2.0").as_os_str(),
        os(&f.extra_top),
    ]);
    let mut want = want;
    want.extend(expected_extra("build_time"));
    assert_eq!(got, want);
    // A user mapping resolves the ambiguity.
    let tmp = tempfile::tempdir().expect("tmp");
    let map = tmp.path().join("map.tsv");
    std::fs::write(&map, "widget a:globex:widget\n").expect("write");
    let (_, got, _) = vulnix_json(&[
        os("--cpe-map"),
        map.as_os_str(),
        os("--store-root"),
        f.extra.as_os_str(),
        os("--nvd"),
        f.nvdx.join("feeds-2.0").as_os_str(),
        os(&f.extra_top),
    ]);
    assert_eq!(got["widget-2.14.2"], ["CVE-2025-90009"]);
}

#[test]
fn json_sarif_and_text_reports() {
    let Some(f) = cve() else { return };
    let base = |fmt: &str| {
        let mut c = nixsec();
        c.args(["vulns", "--show-patched", "--format", fmt, "--store-root"])
            .arg(&f.store)
            .arg("--nvd")
            .arg(f.nvd.join("feeds-2.0"))
            .arg(&f.top);
        c
    };
    let (code, v) = crate::run_json(&mut base("json"));
    assert_eq!(code, 1);
    let mut fails: Findings = BTreeMap::new();
    let mut patched = Vec::new();
    for x in v["findings"].as_array().expect("findings") {
        assert_eq!(x["rule"], "NIX-150");
        assert_eq!(x["section"], "vulnerabilities");
        let msg = x["message"].as_str().expect("message");
        let (name, rest) = msg.split_once(": ").expect("name: CVE");
        let id = rest.split(' ').next().expect("id").to_string();
        match x["status"].as_str() {
            Some("fail") => fails.entry(name.to_string()).or_default().push(id.clone()),
            Some("pass") => patched.push(format!("{name} {id}")),
            other => panic!("unexpected status {other:?}: {msg}"),
        }
        if id == "CVE-2024-3094" {
            assert_eq!(x["severity"], "critical");
        }
    }
    for ids in fails.values_mut() {
        ids.sort();
    }
    assert_eq!(fails, expected_public());
    assert_eq!(patched, ["openssl-3.0.8 CVE-2023-0464"]);
    let (code, s) = crate::run_json(&mut base("sarif"));
    assert_eq!(code, 1);
    let results = s["runs"][0]["results"].as_array().expect("results");
    assert_eq!(
        results
            .iter()
            .filter(|r| r["ruleId"] == "NIX-150" && r["level"] != "none" && r["kind"] != "pass")
            .count(),
        19
    );
    let out = base("text").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("openssl-3.0.6  (openssl 3.0.6, runtime; a:openssl:openssl)"),
        "{text}"
    );
    assert!(text.contains("  CVE-2024-3094    10.0 CRITICAL (CVSS 3.1)  https://nvd.nist.gov/vuln/detail/CVE-2024-3094"), "{text}");
    assert!(
        text.contains("CVE-2023-0464    7.5 HIGH (CVSS 3.1)  patched"),
        "{text}"
    );
    assert!(
        text.contains("7 packages with 19 known CVEs (0 whitelisted, 1 patched) among 12 packages"),
        "{text}"
    );
}

#[test]
fn severity_filters_and_exit_codes() {
    let Some(f) = cve() else { return };
    let run = |extra: &[&str], target: &str| {
        let mut args = vec![
            os("--store-root"),
            f.store.as_os_str(),
            os("--nvd"),
            f.nvd.as_os_str(),
        ];
        args.extend(extra.iter().map(|s| os(s)));
        args.push(os(target));
        vulnix_json(&args)
    };
    let (code, got, _) = run(&["--min-cvss", "9.9"], &f.top);
    assert_eq!(code, 1);
    assert_eq!(got.keys().collect::<Vec<_>>(), ["xz-5.6.0"]);
    let (_, got, _) = run(&["--min-severity", "critical"], &f.top);
    let n: usize = got.values().map(Vec::len).sum();
    // 9.0 and above in cves.json: 38545, 41903, 5535 (x2), 37434, 45853, 3094.
    assert_eq!(n, 7, "{got:?}");
    // Only fixed versions: zlib-1.3.1 has no CVE in the data.
    let zlib = std::fs::read_dir(f.store.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("-zlib-1.3.1"))
        .expect("zlib-1.3.1");
    let (code, got, _) = run(&[], &format!("/nix/store/{zlib}"));
    assert_eq!((code, got.len()), (0, 0));
    // --fail-on critical: findings below it do not fail the run.
    let (code, got, _) = run(
        &[
            "--fail-on",
            "critical",
            "--min-cvss",
            "7.0",
            "--min-severity",
            "high",
        ],
        &f.top,
    );
    assert!(!got.is_empty());
    assert_eq!(code, 1, "CRITICAL ones remain");
    let (code, _, _) = run(
        &["--fail-on", "critical", "--min-cvss", "7.0"],
        &format!("/nix/store/{zlib}"),
    );
    assert_eq!(code, 0);
    // Usage errors and missing data: 2, one clear line.
    let out = nixsec()
        .args(["vulns", "--nvd"])
        .arg(&f.nvd)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to scan"));
    let tmp = tempfile::tempdir().expect("tmp");
    let out = nixsec()
        .args(["vulns", "--cache-dir"])
        .arg(tmp.path())
        .arg("--store-root")
        .arg(&f.store)
        .arg(&f.top)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no NVD index (run `nixsec vulns update`")
    );
    let out = nixsec()
        .args(["vulns", "--store-root"])
        .arg(&f.store)
        .arg("--nvd")
        .arg(&f.nvd)
        .arg("/nix/store/00000000000000000000000000000000-nothing-1.0")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid path"));
}

#[test]
fn whitelist_masks_reports_unused_and_expired_entries() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let wl = tmp.path().join("whitelist.toml");
    let feeds = f.nvd.join("feeds-2.0");
    std::fs::write(
        &wl,
        r#"
["openssl-3.0.6"]
cve = ["CVE-2022-3602", "CVE-2022-3786"]
until = "2099-01-01"
issue_url = "https://example.org/issues/1"
comment = "only 3.0.6's name constraints"

["zlib"]
comment = "all of zlib"

["*"]
cve = ["CVE-2024-3094"]
until = "2020-01-01"

["nothing-1.0"]
"#,
    )
    .expect("write");
    let args = [
        os("-w"),
        wl.as_os_str(),
        os("--store-root"),
        f.store.as_os_str(),
        os("--nvd"),
        feeds.as_os_str(),
        os(&f.top),
    ];
    let (code, got, stderr) = vulnix_json(&args);
    let mut want = expected_public();
    want.remove("zlib-1.2.11");
    want.get_mut("openssl-3.0.6")
        .expect("openssl")
        .retain(|c| c != "CVE-2022-3602" && c != "CVE-2022-3786");
    assert_eq!(got, want);
    assert_eq!(code, 1);
    assert!(stderr.contains("[\"*\"] expired on 2020-01-01"), "{stderr}");
    assert!(
        stderr.contains("[\"nothing-1.0\"] matched nothing"),
        "{stderr}"
    );
    // -s shows the whitelisted ones, as vulnix does.
    let out = nixsec()
        .args(["vulns", "-s"])
        .args(args)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("CVE-2022-3602    7.5 HIGH (CVSS 3.1)  whitelisted by [\"openssl-3.0.6\"]"),
        "{text}"
    );
    assert!(
        text.contains(
            "until 2099-01-01; only 3.0.6's name constraints; https://example.org/issues/1"
        ),
        "{text}"
    );
    // In the JSON report they are ignored failures.
    let (_, v) = crate::run_json(nixsec().args(["vulns", "--format", "json"]).args(args));
    let ignored = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| x["ignored"].is_object())
        .count();
    assert_eq!(ignored, 5, "3 zlib + 2 openssl");
    // Whitelisting everything that is found: exit 0.
    let all = tmp.path().join("all.toml");
    let mut text = String::new();
    for name in expected_public().keys() {
        text.push_str(&format!("[\"{name}\"]\n"));
    }
    std::fs::write(&all, text).expect("write");
    let (code, got, _) = vulnix_json(&[
        os("-w"),
        all.as_os_str(),
        os("--store-root"),
        f.store.as_os_str(),
        os("--nvd"),
        f.nvd.join("feeds-2.0").as_os_str(),
        os(&f.top),
    ]);
    assert_eq!((code, got.len()), (0, 0));
    // An invalid or missing whitelist is an error (vulnix only warns).
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[\"*\"]\ncomment = \"no cve list\"\n").expect("write");
    for w in [bad, tmp.path().join("missing.toml")] {
        let out = nixsec()
            .args(["vulns", "-w"])
            .arg(&w)
            .arg("--store-root")
            .arg(&f.store)
            .arg("--nvd")
            .arg(&f.nvd)
            .arg(&f.top)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("whitelist `{}`", w.display())),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

/// A one-file-per-request HTTP server on 127.0.0.1 serving `dir`; returns the base URL and
/// the list of paths requested.
fn serve(dir: PathBuf) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            log2.lock().expect("lock").push(path.clone());
            let file = dir.join(path.trim_start_matches('/'));
            let resp = match std::fs::read(&file) {
                Ok(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                Err(_) => {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                }
            };
            let _ = s.write_all(&resp);
        }
    });
    (url, log)
}

#[test]
fn index_from_dir_and_mirror_incremental_and_stale() {
    let Some(f) = cve() else { return };
    let want = expected_public();
    // --from DIR
    let cache = tempfile::tempdir().expect("tmp");
    let update = |extra: &[&std::ffi::OsStr]| {
        let out = nixsec()
            .args(["vulns", "update", "--cache-dir"])
            .arg(cache.path())
            .args(extra)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = update(&[os("--from"), f.nvd.join("feeds-2.0").as_os_str()]);
    assert!(
        text.starts_with("built ") && text.contains(": 20 CVEs"),
        "{text}"
    );
    let scan = |cache: &Path, extra: &[&str]| {
        let mut args = vec![
            os("--cache-dir"),
            cache.as_os_str(),
            os("--store-root"),
            f.store.as_os_str(),
            os(&f.top),
        ];
        args.extend(extra.iter().map(|s| os(s)));
        vulnix_json(&args)
    };
    let (code, got, stderr) = scan(cache.path(), &[]);
    assert_eq!(got, want, "{stderr}");
    assert_eq!(code, 1);
    assert!(!stderr.contains("days old"), "{stderr}");
    // Recent index: the second update reads only the modified and recent feeds.
    let text = update(&[os("--from"), f.nvd.join("feeds-2.0").as_os_str()]);
    assert!(
        text.starts_with("updated ") && text.contains("from 2 feeds"),
        "{text}"
    );
    assert_eq!(scan(cache.path(), &[]).1, want);
    // Stale data is a warning in the report.
    let (_, _, stderr) = scan(cache.path(), &["--max-age", "0"]);
    assert!(stderr.contains("the NVD index is 0 days old"), "{stderr}");
    let out = nixsec()
        .args(["vulns", "--max-age", "0", "--cache-dir"])
        .arg(cache.path())
        .arg("--store-root")
        .arg(&f.store)
        .arg(&f.top)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("warning: the NVD index is 0 days old"));

    // --mirror URL served on 127.0.0.1: every year plus modified, then modified only.
    let (url, log) = serve(f.nvd.join("feeds-2.0"));
    let cache2 = tempfile::tempdir().expect("tmp");
    let out = nixsec()
        .args(["vulns", "update", "--mirror", &url, "--cache-dir"])
        .arg(cache2.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: BTreeSet<String> = log.lock().expect("lock").drain(..).collect();
    assert!(
        first.contains("/nvdcve-2.0-2002.json.gz") && first.contains("/nvdcve-2.0-2018.json.gz")
    );
    assert!(first.contains("/nvdcve-2.0-modified.json.gz"));
    assert_eq!(scan(cache2.path(), &[]).1, want);
    let out = nixsec()
        .args(["vulns", "update", "--mirror", &url, "--cache-dir"])
        .arg(cache2.path())
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("updated "));
    let second: Vec<String> = log.lock().expect("lock").drain(..).collect();
    assert_eq!(second, ["/nvdcve-2.0-modified.json.gz"]);
    // A mirror that fails leaves the index as it was.
    let out = nixsec()
        .args([
            "vulns",
            "update",
            "--full",
            "--mirror",
            "http://127.0.0.1:9/",
            "--cache-dir",
        ])
        .arg(cache2.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://127.0.0.1:9/nvdcve-2.0-"));
    assert_eq!(scan(cache2.path(), &[]).1, want);
}

#[test]
fn bad_feeds_are_clear_errors_and_the_rest_goes_on() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    for e in std::fs::read_dir(f.nvd.join("feeds-2.0"))
        .expect("feeds")
        .flatten()
    {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.ends_with(".json.gz") && !n.contains("modified") && !n.contains("2018") {
            std::fs::copy(e.path(), d.join(&n)).expect("copy");
        }
    }
    // 2018 (zlib's CVE-2018-25032) truncated; one file that is not gzip; one garbage JSON.
    let gz = std::fs::read(f.nvd.join("feeds-2.0/nvdcve-2.0-2018.json.gz")).expect("read");
    std::fs::write(d.join("nvdcve-2.0-2018.json.gz"), &gz[..gz.len() / 2]).expect("write");
    std::fs::write(d.join("nvdcve-2.0-1999.json.gz"), "plain text").expect("write");
    std::fs::write(d.join("garbage.json"), "{\"vulnerabilities\": [").expect("write");
    // A CVE without configurations, a CPE with too few fields, one with escapes.
    std::fs::write(
        d.join("odd.json"),
        r#"{"vulnerabilities":[
  {"cve":{"id":"CVE-2025-1","vulnStatus":"Awaiting Analysis","descriptions":[{"lang":"en","value":"no configurations"}]}},
  {"cve":{"id":"CVE-2025-2","descriptions":[{"lang":"en","value":"short CPE"}],"configurations":[{"nodes":[{"operator":"OR","cpeMatch":[
     {"vulnerable":true,"criteria":"cpe:2.3:a:git-scm:git:2.35.1"},
     {"vulnerable":true,"criteria":"cpe:2.3:a:git-scm:git\\:scm:2.35.1:*:*:*:*:*:*:*"}]}]}]}}]}"#,
    )
    .expect("write");
    let out = nixsec()
        .args(["vulns", "--store-root"])
        .arg(&f.store)
        .arg("--nvd")
        .arg(d)
        .arg(&f.top)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let d = d.display();
    assert!(
        text.contains(&format!(
            "error: `{d}/nvdcve-2.0-2018.json.gz`: truncated or corrupt gzip data"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "error: `{d}/nvdcve-2.0-1999.json.gz`: not a gzip file"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("error: `{d}/garbage.json`: truncated JSON")),
        "{text}"
    );
    assert!(
        text.contains(
            "warning: CVE-2025-2: `cpe:2.3:a:git-scm:git:2.35.1`: 6 fields, a CPE 2.3 name has 13"
        ),
        "{text}"
    );
    assert!(
        text.contains("warning: 1 CVEs have no CPE configurations"),
        "{text}"
    );
    // The rest was scanned: zlib-1.2.11 still has its 2022 and 2023 CVEs, not the 2018 one.
    assert!(
        text.contains("CVE-2022-37434") && !text.contains("CVE-2018-25032"),
        "{text}"
    );
    assert!(
        text.contains("git-2.35.1") && !text.contains("CVE-2025-2 "),
        "{text}"
    );
}

/// Copy a store (small) so a test can damage it. Another test reading the same fixture store
/// at the same time makes SQLite's `-shm`/`-wal` files come and go: a copy that met one
/// vanishing is made again.
fn copy_store(from: &Path, to: &Path) {
    for attempt in 0..10 {
        if to.exists() {
            std::fs::remove_dir_all(to).expect("remove a partial copy");
        }
        let st = Std::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .expect("cp");
        if st.success() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50 * (attempt + 1)));
    }
    panic!("could not copy {} to {}", from.display(), to.display());
}

#[test]
fn a_drv_that_is_not_aterm_falls_back_to_the_name() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("s");
    copy_store(&f.store, &store);
    let drv = std::fs::read_dir(store.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-openssl-3.0.8.drv"))
        .expect("drv");
    std::fs::write(&drv, "{ not an ATerm }").expect("write");
    let out = nixsec()
        .args(["vulns", "--store-root"])
        .arg(&store)
        .arg("--nvd")
        .arg(f.nvd.join("feeds-2.0"))
        .arg(&f.top)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains(&format!("error: `{}`: not a derivation in ATerm format: expected `Derive(` at byte 0; using the store path name instead", drv.display())),
        "{text}"
    );
    // Without the .drv its patch is unknown: CVE-2023-0464 is reported for 3.0.8 now.
    assert!(
        text.contains("openssl-3.0.8  (openssl 3.0.8, runtime"),
        "{text}"
    );
    let (_, got, _) = vulnix_json(&[
        os("--store-root"),
        store.as_os_str(),
        os("--nvd"),
        f.nvd.join("feeds-2.0").as_os_str(),
        os(&f.top),
    ]);
    assert_eq!(got["openssl-3.0.8"], ["CVE-2023-0464", "CVE-2024-5535"]);
    assert_eq!(got["git-2.35.1"], expected_public()["git-2.35.1"]);
}

#[test]
fn targets_system_profiles_gc_roots_and_result_links() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let git = std::fs::read_dir(f.store.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("-git-2.35.1"))
        .map(|n| format!("/nix/store/{n}"))
        .expect("git");
    // git's runtime closure: git, curl-8.3.0, openssl-3.0.6, openssl-3.0.8, zlib-1.2.11, zlib-1.3.1.
    let all = expected_public();
    let want: Findings = all
        .iter()
        .filter(|(k, _)| {
            [
                "git-2.35.1",
                "curl-8.3.0",
                "openssl-3.0.6",
                "openssl-3.0.8",
                "zlib-1.2.11",
            ]
            .contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    std::fs::create_dir_all(root.join("run")).expect("mkdir");
    std::os::unix::fs::symlink(&f.top, root.join("run/current-system")).expect("link");
    std::fs::create_dir_all(root.join("nix/var/nix/gcroots/auto")).expect("mkdir");
    std::fs::create_dir_all(root.join("home/u")).expect("mkdir");
    std::os::unix::fs::symlink(&git, root.join("home/u/result")).expect("link");
    std::os::unix::fs::symlink("/home/u/result", root.join("nix/var/nix/gcroots/auto/abc"))
        .expect("link");
    std::fs::create_dir_all(root.join("nix/var/nix/profiles")).expect("mkdir");
    std::os::unix::fs::symlink("profile-1-link", root.join("nix/var/nix/profiles/profile"))
        .expect("link");
    std::os::unix::fs::symlink(&git, root.join("nix/var/nix/profiles/profile-1-link"))
        .expect("link");
    let run = |args: &[&std::ffi::OsStr]| {
        let mut v = vec![
            os("--root"),
            root.as_os_str(),
            os("--store-root"),
            f.store.as_os_str(),
            os("--nvd"),
            f.nvd.as_os_str(),
        ];
        v.extend_from_slice(args);
        vulnix_json(&v)
    };
    assert_eq!(run(&[os("--system")]).1, all);
    assert_eq!(run(&[os("--gc-roots")]).1, want);
    assert_eq!(
        run(&[os("--profile"), os("/nix/var/nix/profiles/profile")]).1,
        want
    );
    assert_eq!(run(&[os("/home/u/result")]).1, want);
    // A ./result link on the invoking host.
    let result = tmp.path().join("result");
    std::os::unix::fs::symlink(&git, &result).expect("link");
    assert_eq!(run(&[result.as_os_str()]).1, want);
    // A `nix profile` manifest (version 2) in a copy of the store.
    let store = tmp.path().join("s");
    copy_store(&f.store, &store);
    let prof = "/nix/store/11111111111111111111111111111111-profile";
    std::fs::create_dir_all(store.join(&prof[1..])).expect("mkdir");
    let zlib_old = std::fs::read_dir(store.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("-zlib-1.2.11"))
        .expect("zlib");
    std::fs::write(
        store.join(&prof[1..]).join("manifest.json"),
        format!(r#"{{"version": 2, "elements": [{{"active": true, "storePaths": ["/nix/store/{zlib_old}"]}}]}}"#),
    )
    .expect("write");
    let link = tmp.path().join("nixprofile");
    std::os::unix::fs::symlink(prof, &link).expect("link");
    let (_, got, stderr) = vulnix_json(&[
        os("--store-root"),
        store.as_os_str(),
        os("--nvd"),
        f.nvd.as_os_str(),
        os("--profile"),
        link.as_os_str(),
    ]);
    assert_eq!(got.keys().collect::<Vec<_>>(), ["zlib-1.2.11"], "{stderr}");
}

#[test]
fn aterm_parser_agrees_with_nix_show_derivation() {
    let Some(f) = cve() else { return };
    let mut checked = 0;
    for (root, _) in [(&f.store, &f.top), (&f.extra, &f.extra_top)] {
        let drvs: Vec<String> = std::fs::read_dir(root.join("nix/store"))
            .expect("store")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".drv"))
            .map(|n| format!("/nix/store/{n}"))
            .collect();
        let out = Std::new("nix")
            .args([
                "--experimental-features",
                "nix-command",
                "show-derivation",
                "--store",
            ])
            .arg(format!("local?root={}", root.display()))
            .args(&drvs)
            .output()
            .expect("nix show-derivation");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let nix: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        for d in &drvs {
            let ours = nixsec_vulns::aterm::parse(&std::fs::read(root.join(&d[1..])).expect("drv"))
                .unwrap_or_else(|e| panic!("{d}: {e}"));
            let n = &nix[d];
            for (name, (path, _, _)) in &ours.outputs {
                assert_eq!(n["outputs"][name]["path"], path.as_str(), "{d}");
            }
            assert_eq!(
                n["outputs"].as_object().expect("outputs").len(),
                ours.outputs.len()
            );
            let inputs: BTreeMap<String, Vec<String>> =
                serde_json::from_value(n["inputDrvs"].clone()).expect("inputDrvs");
            assert_eq!(inputs, ours.input_drvs, "{d}");
            assert_eq!(n["inputSrcs"], serde_json::json!(ours.input_srcs), "{d}");
            assert_eq!(n["system"], ours.system.as_str());
            assert_eq!(n["builder"], ours.builder.as_str());
            assert_eq!(n["args"], serde_json::json!(ours.args), "{d}");
            let env: BTreeMap<String, String> =
                serde_json::from_value(n["env"].clone()).expect("env");
            assert_eq!(env, ours.env, "{d}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}

#[test]
fn audit_runs_nix_150_when_an_index_exists() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    // A root holding the store, with the fixture's top level as the current system.
    let root = tmp.path().join("root");
    copy_store(&f.store, &root);
    std::fs::create_dir_all(root.join("run")).expect("mkdir");
    std::os::unix::fs::symlink(&f.top, root.join("run/current-system")).expect("link");
    let cache = tmp.path().join("cache");
    let audit = || {
        crate::run_json(
            nixsec()
                .env("NIXSEC_CACHE_DIR", &cache)
                .args(["audit", "--rule", "NIX-150", "--format", "json", "--root"])
                .arg(&root),
        )
    };
    let (_, v) = audit();
    let x = crate::finding(&v, "NIX-150");
    assert_eq!(x["status"], "skip");
    assert_eq!(
        x["message"],
        "no NVD index (run `nixsec vulns update` first)"
    );
    let out = nixsec()
        .args(["vulns", "update", "--cache-dir"])
        .arg(&cache)
        .arg("--from")
        .arg(f.nvd.join("feeds-2.0"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let (code, v) = audit();
    assert_eq!(code, 1);
    // One failure per CVE of a package, about `<name> <CVE>`.
    let fails = nix_150_failures(&v);
    assert_eq!(fails.len(), 19);
    assert_eq!(by_package(&fails), expected_public());
    for x in &fails {
        let subject = x["subject"].as_str().expect("subject");
        assert!(
            x["message"]
                .as_str()
                .expect("message")
                .starts_with(&subject.replacen(' ', ": ", 1)),
            "{x}"
        );
    }
    let severity = |subject: &str| {
        fails
            .iter()
            .find(|x| x["subject"] == subject)
            .map(|x| x["severity"].clone())
    };
    assert_eq!(
        severity("xz-5.6.0 CVE-2024-3094"),
        Some("critical".into()),
        "CVE-2024-3094 scores 10.0"
    );
    // 9.0 and above in cves.json: 38545, 41903, 5535 (x2), 37434, 45853, 3094.
    assert_eq!(
        fails.iter().filter(|x| x["severity"] == "critical").count(),
        7
    );

    // A vulnix whitelist, given with -w or named by nixsec.toml, masks what it names.
    std::fs::write(
        tmp.path().join("wl.toml"),
        "[\"zlib\"]\ncomment = \"all of zlib\"\n\n[\"openssl-3.0.6\"]\ncve = [\"CVE-2022-3602\"]\n",
    )
    .expect("write");
    let mut want = expected_public();
    let zlib = want.remove("zlib-1.2.11").expect("zlib").len();
    want.get_mut("openssl-3.0.6")
        .expect("openssl")
        .retain(|c| c != "CVE-2022-3602");
    let whitelisted = format!("{} CVEs of the closure whitelisted", zlib + 1);
    let wl = tmp.path().join("wl.toml");
    let audit_with = |extra: &[&std::ffi::OsStr]| {
        crate::run_json(
            nixsec()
                .env("NIXSEC_CACHE_DIR", &cache)
                .args(["audit", "--rule", "NIX-150", "--format", "json"])
                .args(extra)
                .arg("--root")
                .arg(&root),
        )
    };
    let check = |v: &serde_json::Value| {
        let fails = nix_150_failures(v);
        assert_eq!(by_package(&fails), want);
        // Each names what the whitelist accepted, as evidence.
        for x in &fails {
            assert!(
                x["evidence"].as_array().expect("evidence").iter().any(|e| {
                    e["value"] == whitelisted.as_str()
                        && e["path"].as_str().is_some_and(|p| p.ends_with("wl.toml"))
                }),
                "{x}"
            );
        }
    };
    let (code, v) = audit_with(&[os("-w"), wl.as_os_str()]);
    assert_eq!(code, 1);
    check(&v);
    let toml = tmp.path().join("nixsec.toml");
    std::fs::write(&toml, "vulns-whitelist = [\"wl.toml\"]\n").expect("write");
    let (_, v) = audit_with(&[os("--config"), toml.as_os_str()]);
    check(&v);
    // An invalid whitelist is an input error, naming the file, before any rule runs.
    std::fs::write(&wl, "[broken").expect("write");
    let out = nixsec()
        .env("NIXSEC_CACHE_DIR", &cache)
        .args(["audit", "--rule", "NIX-150", "-w"])
        .arg(&wl)
        .arg("--root")
        .arg(&root)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wl.toml` line 1: `[broken`"), "{err}");
}

/// The failing NIX-150 findings of an audit report.
fn nix_150_failures(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| x["rule"] == "NIX-150" && x["status"] == "fail")
        .collect()
}

/// `name -> CVEs` from findings about `<name> <CVE>` (every subject distinct).
fn by_package(fails: &[&serde_json::Value]) -> Findings {
    let mut got: Findings = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for x in fails {
        let subject = x["subject"].as_str().expect("subject");
        assert!(seen.insert(subject), "two findings about {subject}");
        let (name, id) = subject.split_once(' ').expect("`<name> <CVE>`");
        got.entry(name.to_string())
            .or_default()
            .push(id.to_string());
    }
    for ids in got.values_mut() {
        ids.sort();
    }
    got
}

// ---------------------------------------------------------------------------------------------
// The store half of the suite derived from vulnix 1.12.3's own tests (the library half is
// `crates/nixsec-vulns/tests/vulnix.rs`): vulnix's `.drv` fixtures rebuilt as real derivations
// in a chroot store (`tests/fixtures/cve-vulnix/packages.nix`), its NVD records, whitelist
// files and expected outputs. Expected findings: `tests/fixtures/cve-vulnix/expected.json`,
// labelled by hand from the CPE configurations. Deliberate differences: docs/vulnix-compat.md.

fn vulnix_expected() -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(fixtures().join("cve-vulnix/expected.json")).expect("expected.json"),
    )
    .expect("json")
}

/// The store path of the vulnix store whose name ends with `-{name}`.
fn vulnix_path(f: &Cve, name: &str) -> String {
    std::fs::read_dir(f.vulnix.join("nix/store"))
        .expect("store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(&format!("-{name}")) && n.len() == 33 + name.len())
        .map(|n| format!("/nix/store/{n}"))
        .unwrap_or_else(|| panic!("{name} not in the vulnix store"))
}

/// `nixsec vulns --json` (vulnix's spelling) on the vulnix store: (exit code, the array,
/// stderr).
fn vulnix_run(f: &Cve, args: &[&std::ffi::OsStr]) -> (i32, Vec<serde_json::Value>, String) {
    let out = nixsec()
        .args(["vulns", "--json", "--store-root"])
        .arg(&f.vulnix)
        .arg("--nvd")
        .arg(&f.vnvd)
        .args(args)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (
        out.status.code().expect("code"),
        v.as_array().expect("array").clone(),
        stderr,
    )
}

fn by_name(v: &[serde_json::Value]) -> Findings {
    v.iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name").to_string(),
                e["affected_by"]
                    .as_array()
                    .expect("affected_by")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect()
}

/// test_check_returns_cves, test_ignore_AND_operator, test_parse_single_matches,
/// test_match_multiple_version_ranges, test_match_right_version, test_parse_vuln, test_ordering,
/// test_cvss_score, test_no_cvss_score, test_description_json; and issue 17's letter releases
/// (openssl, ntp, bind, openssh) against their real CPEs.
#[test]
fn vulnix_suite_findings_on_the_rebuilt_store() {
    let Some(f) = cve() else { return };
    let exp = vulnix_expected();
    let want: Findings = exp["packages"]
        .as_object()
        .expect("packages")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .expect("ids")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    let (code, v, stderr) = vulnix_run(f, &[os(&f.vulnix_top)]);
    assert_eq!(by_name(&v), want, "{stderr}");
    assert_eq!(code, 1);
    // Ordered by pname, then Nix version order (vulnix's Derive ordering): 2.7.9 before 2.7.10.
    let order: Vec<&str> = v.iter().filter_map(|e| e["name"].as_str()).collect();
    let py: Vec<&&str> = order.iter().filter(|n| n.starts_with("python-")).collect();
    assert_eq!(
        py,
        [
            &"python-2.7.9",
            &"python-2.7.10",
            &"python-2.7.16",
            &"python-3.5.2",
            &"python-3.5.3"
        ]
    );
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| {
        let (pa, va) = a.split_once('-').expect("name");
        let (pb, vb) = b.split_once('-').expect("name");
        pa.cmp(pb)
            .then_with(|| nixsec_vulns::version::compare_versions(va, vb))
    });
    assert_eq!(order, sorted);
    let entry = |n: &str| v.iter().find(|e| e["name"] == n).expect(n).clone();
    // CVSS v3 scores as vulnix reads them; none for CVE-2010-0748 (no metric at all).
    assert_eq!(
        entry("python-2.7.16")["cvssv3_basescore"]["CVE-2019-10160"],
        9.8
    );
    let t = entry("transmission-1.91");
    assert_eq!(t["cvssv3_basescore"], serde_json::json!({}));
    assert_eq!(
        t["description"]["CVE-2010-0748"],
        "Transmission before 1.92 allows an attacker to cause a denial of service (crash) or possibly have other unspecified impact via a large number of tr arguments in a magnet link."
    );
    assert!(t["derivation"]
        .as_str()
        .is_some_and(|d| d.ends_with("-transmission-1.91.drv")));
    // The scope is said.
    assert!(
        stderr.contains("note: scanned the runtime closure of the targets"),
        "{stderr}"
    );
}

/// test_derivation.py on the rebuilt derivations: what nixsec reads from them (pname, version,
/// CVEs named by patches) is what vulnix reads from the originals, and the rebuilt `.drv` files
/// carry the originals' `name`, `version` and patch file names.
#[test]
fn vulnix_suite_derivations_read_like_vulnixs_fixtures() {
    let Some(f) = cve() else { return };
    let exp = vulnix_expected();
    let sel = nixsec_vulns::packages::select(&f.vulnix, std::slice::from_ref(&f.vulnix_top), false)
        .expect("select");
    let find = |name: &str| sel.packages.iter().find(|p| p.name == name);
    for (name, want) in exp["identification"].as_object().expect("identification") {
        match want.as_array() {
            Some(pv) => {
                let p = find(name).unwrap_or_else(|| panic!("{name} not a package"));
                assert_eq!(
                    (p.pname.as_str(), p.version.as_str()),
                    (pv[0].as_str().expect("p"), pv[1].as_str().expect("v")),
                    "{name}"
                );
            }
            None => assert!(find(name).is_none(), "{name} has no version: not a package"),
        }
    }
    for (name, want) in exp["patched"].as_object().expect("patched") {
        let p = find(name).unwrap_or_else(|| panic!("{name}"));
        let want: BTreeSet<String> = want
            .as_array()
            .expect("ids")
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        assert_eq!(p.patched, want, "{name}");
    }
    // The rebuilt derivations against the originals.
    let strip = |p: &str| {
        p.rsplit('/')
            .next()
            .unwrap_or(p)
            .split_once('-')
            .map_or(String::new(), |x| x.1.to_string())
    };
    for orig in [
        "audiofile-0.3.6",
        "bzip2-1.0.6.0.1",
        "cpio-2.12",
        "cyrus-sasl-2.5.10",
        "transmission-1.91",
        "unzip-6.0",
        "xercesc-3.2.3",
        "structured-attrs-1",
    ] {
        let o = nixsec_vulns::aterm::parse(
            &std::fs::read(fixtures().join(format!("cve-vulnix/vulnix/{orig}.drv"))).expect("drv"),
        )
        .expect("ATerm")
        .info();
        let p = find(&o.name).unwrap_or_else(|| panic!("{} not rebuilt", o.name));
        let drv = p.drv.as_deref().expect("drv");
        let r = nixsec_vulns::aterm::parse(&std::fs::read(f.vulnix.join(&drv[1..])).expect("drv"))
            .expect("ATerm")
            .info();
        assert_eq!(r.name, o.name);
        assert_eq!(r.version, o.version, "{orig}");
        let names = |v: &[String]| v.iter().map(|x| strip(x)).collect::<Vec<_>>();
        assert_eq!(names(&r.patches), names(&o.patches), "{orig}");
    }
}

/// output_test.py: test_output_json (with the rules of fixture_wl_items as a whitelist file)
/// and test_exitcode (under --vulnix-exit-codes); resource_test.py: test_open_remote.
#[test]
fn vulnix_suite_output_json_exit_codes_and_remote_whitelists() {
    let Some(f) = cve() else { return };
    let exp = vulnix_expected();
    let wl = fixtures().join("cve-vulnix/output-test-whitelist.toml");
    let targets: Vec<String> = ["test-0.2", "foo-1", "bar-2"]
        .iter()
        .map(|n| vulnix_path(f, n))
        .collect();
    let mut args: Vec<&std::ffi::OsStr> = vec![os("-w"), wl.as_os_str()];
    args.extend(targets.iter().map(|t| os(t)));
    let (code, v, stderr) = vulnix_run(f, &args);
    let got: Vec<serde_json::Value> = v
        .into_iter()
        .map(|mut e| {
            // vulnix's test derivations have no .drv; nixsec's are real.
            e.as_object_mut().expect("object").remove("derivation");
            e
        })
        .collect();
    assert_eq!(
        serde_json::Value::Array(got),
        exp["output_test_json"],
        "{stderr}"
    );
    assert_eq!(code, 1);
    // test_exitcode: something to report 2; nothing 0; everything masked 0, and 1 with -s.
    let exit = |extra: &[&std::ffi::OsStr], t: &[String]| {
        let mut a: Vec<&std::ffi::OsStr> = vec![os("--vulnix-exit-codes")];
        a.extend_from_slice(extra);
        a.extend(t.iter().map(|x| os(x)));
        vulnix_run(f, &a).0
    };
    assert_eq!(exit(&[], &targets), 2);
    assert_eq!(exit(&[], &[vulnix_path(f, "cpio-2.12")]), 0);
    let tmp = tempfile::tempdir().expect("tmp");
    let all = tmp.path().join("all.toml");
    std::fs::write(&all, "[test]\n[foo]\n[bar]\n").expect("write");
    assert_eq!(exit(&[os("-w"), all.as_os_str()], &targets), 0);
    assert_eq!(exit(&[os("-w"), all.as_os_str(), os("-s")], &targets), 1);
    let out = nixsec()
        .args(["vulns", "--vulnix-exit-codes", "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    // -s lists the packages with only whitelisted CVEs too, and `whitelisted` is always filled.
    let mut a: Vec<&std::ffi::OsStr> = vec![os("-w"), all.as_os_str(), os("-s")];
    a.extend(targets.iter().map(|t| os(t)));
    let (_, v, _) = vulnix_run(f, &a);
    assert_eq!(v.len(), 3);
    assert!(v.iter().all(|e| e["affected_by"] == serde_json::json!([])));
    assert_eq!(v[0]["whitelisted"], serde_json::json!(["CVE-2018-0006"]));
    // A whitelist from a URL, served on 127.0.0.1: only with --fetch-whitelists.
    let (url, _) = serve(fixtures().join("cve-vulnix"));
    let remote = format!("{url}output-test-whitelist.toml");
    let out = nixsec()
        .args(["vulns", "--json", "-w", &remote, "--store-root"])
        .arg(&f.vulnix)
        .arg("--nvd")
        .arg(&f.vnvd)
        .args(&targets)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only with --fetch-whitelists"));
    let mut a: Vec<&std::ffi::OsStr> = vec![os("--fetch-whitelists"), os("-w"), os(&remote)];
    a.extend(targets.iter().map(|t| os(t)));
    let (_, v, stderr) = vulnix_run(f, &a);
    let foo = v.iter().find(|e| e["name"] == "foo-1").expect("foo-1");
    assert_eq!(
        foo["whitelisted"],
        serde_json::json!(["CVE-2018-0004"]),
        "{stderr}"
    );
    assert!(v.iter().all(|e| e["name"] != "bar-2"));
}

/// nvd_test.py: test_update (vulnix's modified feed from a mirror on 127.0.0.1: three CVEs,
/// CVE-2010-0748 found through its product), then test_check_returns_cves from the index.
#[test]
fn vulnix_suite_index_from_vulnixs_feed() {
    let Some(f) = cve() else { return };
    let (url, _) = serve(fixtures().join("cve-vulnix/vulnix"));
    let cache = tempfile::tempdir().expect("tmp");
    let out = nixsec()
        .args(["vulns", "update", "--mirror", &url, "--cache-dir"])
        .arg(cache.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(": 3 CVEs"), "{text}");
    let out = nixsec()
        .args(["vulns", "--json", "--cache-dir"])
        .arg(cache.path())
        .arg("--store-root")
        .arg(&f.vulnix)
        .arg(vulnix_path(f, "transmission-1.91"))
        .arg(vulnix_path(f, "transmission-1.92"))
        .output()
        .expect("run");
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        by_name(&v),
        Findings::from([(
            "transmission-1.91".to_string(),
            vec!["CVE-2010-0748".to_string()]
        )])
    );
}

/// vulnix's `-W` (whitelist_test.py: test_dump_add_cve, on a real scan): the whitelists read
/// plus an entry per package with reported CVEs, with nixsec's `until` and a comment; scanning
/// again with it reports nothing. `-R` scans the targets only.
#[test]
fn vulnix_suite_write_whitelist_and_scopes() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let out_wl = tmp.path().join("new.toml");
    let vwl = fixtures().join("cve-vulnix/vulnix/whitelist.toml");
    let (code, v, stderr) = vulnix_run(
        f,
        &[
            os("-w"),
            vwl.as_os_str(),
            os("-W"),
            out_wl.as_os_str(),
            os("--whitelist-until"),
            os("2099-01-31"),
            os(&f.vulnix_top),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let written = std::fs::read_to_string(&out_wl).expect("written");
    // vulnix's rules come first, as vulnix writes them; then one entry per package found.
    assert!(
        written.starts_with("[\"*\"]\ncve = [ \"CVE-2015-2504\", \"CVE-2015-7696\" ]\n"),
        "{written}"
    );
    assert!(
        written
            .contains("[\"openssl-1.0.2a\"]\ncve = \"CVE-2015-1789\"\ncomment = \"nixsec vulns "),
        "{written}"
    );
    assert!(written.contains("until = \"2099-01-31\""), "{written}");
    assert_eq!(written.matches("until = \"2099-01-31\"").count(), v.len());
    let (code, v, _) = vulnix_run(f, &[os("-w"), out_wl.as_os_str(), os(&f.vulnix_top)]);
    assert_eq!((code, v.len()), (0, 0));
    // -R: the top level alone (a package without CVEs); -C: the runtime closure.
    let out = nixsec()
        .args(["vulns", "-R", "--store-root"])
        .arg(&f.vulnix)
        .arg("--nvd")
        .arg(&f.vnvd)
        .arg(&f.vulnix_top)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("among 1 packages of 1 store paths"), "{text}");
    assert!(
        text.contains("scope: the targets only, without their closure"),
        "{text}"
    );
    let (_, v, _) = vulnix_run(f, &[os("-C"), os(&f.vulnix_top)]);
    assert_eq!(
        v.len(),
        vulnix_expected()["packages"].as_object().expect("p").len()
    );
}

/// Issue 17's bugs, one test each, on the vulnix store with real NVD records, using only
/// options `nixsec vulns` had before the issue (`--format vulnix-json`, `--format json`, `-w`),
/// so the same tests show each bug on the code before the fix.
fn issue17_run(f: &Cve, extra: &[&std::ffi::OsStr], targets: &[String]) -> (i32, Findings, String) {
    let mut a = vec![
        os("--store-root"),
        f.vulnix.as_os_str(),
        os("--nvd"),
        f.vnvd.as_os_str(),
    ];
    a.extend_from_slice(extra);
    a.extend(targets.iter().map(|t| os(t)));
    vulnix_json(&a)
}

/// Bug 1: Letter releases are not their base version: `openssl:1.0.2:*` is not 1.0.2b.
#[test]
fn issue17_bug1_letter_releases_are_not_their_base_version() {
    let Some(f) = cve() else { return };
    for fixed in ["1.0.0s", "1.0.1n", "1.0.2b", "1.0.2u"] {
        let (_, got, _) = issue17_run(f, &[], &[vulnix_path(f, &format!("openssl-{fixed}"))]);
        assert!(got.is_empty(), "openssl-{fixed}: {got:?}");
    }
    let (_, got, _) = issue17_run(f, &[], &[vulnix_path(f, "openssl-1.0.2a")]);
    assert_eq!(got["openssl-1.0.2a"], ["CVE-2015-1789"]);
}

/// Bug 2: Whitelist keys as vulnix users write them: the name with its version, or the pname.
#[test]
fn issue17_bug2_whitelist_keys_name_or_pname() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let requests = [vulnix_path(f, "python3.11-requests-2.28.1")];
    for key in [
        "python3.11-requests-2.28.1",
        "python3.11-requests",
        "requests-2.28.1",
        "requests",
    ] {
        let wl = tmp.path().join("k.toml");
        std::fs::write(&wl, format!("[\"{key}\"]\n")).expect("write");
        let (code, got, stderr) = issue17_run(f, &[os("-w"), wl.as_os_str()], &requests);
        assert_eq!((code, got.len()), (0, 0), "[\"{key}\"]: {got:?} {stderr}");
    }
}

/// Bug 3: The most specific rule is shown, whatever the order of the file; none is "unused".
#[test]
fn issue17_bug3_most_specific_rule_wins() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let wl = tmp.path().join("p.toml");
    std::fs::write(
        &wl,
        "[\"*\"]\ncve = [\"CVE-2015-1789\"]\ncomment = \"any package\"\n\n[\"openssl-1.0.2a\"]\ncve = [\"CVE-2015-1789\"]\ncomment = \"this one\"\nissue_url = \"https://example.org/issues/7\"\n",
    )
    .expect("write");
    let (_, v) = crate::run_json(
        nixsec()
            .args(["vulns", "--format", "json", "-w"])
            .arg(&wl)
            .arg("--store-root")
            .arg(&f.vulnix)
            .arg("--nvd")
            .arg(&f.vnvd)
            .arg(vulnix_path(f, "openssl-1.0.2a")),
    );
    let ignored: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| x["ignored"].is_object())
        .collect();
    assert_eq!(ignored.len(), 1);
    let reason = ignored[0]["ignored"]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("[\"openssl-1.0.2a\"]")
            && reason.contains("this one")
            && reason.contains("https://example.org/issues/7"),
        "{reason}"
    );
    let warnings = v["warnings"].to_string();
    assert!(!warnings.contains("matched nothing"), "{warnings}");
}

/// Bug 4: Invalid whitelists are errors naming the file and line.
#[test]
fn issue17_bug4_invalid_whitelists_are_errors() {
    let Some(f) = cve() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    for (text, line) in [
        (
            "[\"ok-1.0\"]\n\n[libxslt-2.0.1]\ncomment = \"unquoted\"\n",
            3,
        ),
        ("[\"pkg\"]\nissue_url = \"foobar\"\n", 1),
        ("\n[\"broken-section 1.2\"]\n", 2),
    ] {
        let wl = tmp.path().join("bad.toml");
        std::fs::write(&wl, text).expect("write");
        let out = nixsec()
            .args(["vulns", "-w"])
            .arg(&wl)
            .arg("--store-root")
            .arg(&f.vulnix)
            .arg("--nvd")
            .arg(&f.vnvd)
            .arg(vulnix_path(f, "cpio-2.12"))
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(
            err.contains(&format!("bad.toml` line {line}:")),
            "{text}: {err}"
        );
    }
}

/// Bug 5: The pname map is keyed by pnames: apache-httpd 2.4.49 has CVE-2021-41773.
#[test]
fn issue17_bug5_cpe_map_keyed_by_pnames() {
    let Some(f) = cve() else { return };
    let (_, got, stderr) = issue17_run(f, &[], &[vulnix_path(f, "apache-httpd-2.4.49")]);
    assert_eq!(got["apache-httpd-2.4.49"], ["CVE-2021-41773"], "{stderr}");
}

/// Bug 6: CPE version `-` (not applicable) matches no concrete version.
#[test]
fn issue17_bug6_version_na_matches_nothing() {
    let Some(f) = cve() else { return };
    let (_, got, _) = issue17_run(f, &[], &[vulnix_path(f, "cloud-backup-1.0")]);
    assert!(got.is_empty(), "{got:?}");
}

/// Bug 7: vulnix-json as vulnix writes it (`whitelisted` filled without -s, no empty
/// descriptions, Nix version order).
#[test]
fn issue17_bug7_vulnix_json_like_vulnix() {
    let Some(f) = cve() else { return };
    let wl = fixtures().join("cve-vulnix/output-test-whitelist.toml");
    let out = nixsec()
        .args(["vulns", "--format", "vulnix-json", "-w"])
        .arg(&wl)
        .arg("--store-root")
        .arg(&f.vulnix)
        .arg("--nvd")
        .arg(&f.vnvd)
        .arg(vulnix_path(f, "foo-1"))
        .arg(vulnix_path(f, "test-0.2"))
        .arg(vulnix_path(f, "python-2.7.10"))
        .arg(vulnix_path(f, "python-2.7.9"))
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let arr = v.as_array().expect("array");
    let foo = arr.iter().find(|e| e["name"] == "foo-1").expect("foo");
    assert_eq!(foo["whitelisted"], serde_json::json!(["CVE-2018-0004"]));
    assert_eq!(foo["description"], serde_json::json!({}));
    let names: Vec<&str> = arr.iter().filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(
        names,
        ["foo-1", "python-2.7.9", "python-2.7.10", "test-0.2"]
    );
}
