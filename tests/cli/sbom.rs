//! `nixsec vulns --format cyclonedx|spdx|openvex` on a store built with real Nix from
//! `tests/fixtures/sbom/packages.nix` (two-output package, patches in the environment and in
//! structured attrs, a path that is not a package, a name that needs quoting), with the NVD data
//! of the public CVE fixture. Every document is validated against its official schema
//! (`tests/fixtures/sbom-schemas`); the closure, the references, the derivers and the patches are
//! compared with what Nix itself answers (`nix-store -qR`, `-q --references`, `-q --deriver`,
//! `nix show-derivation`), and the VEX statuses with `tests/fixtures/cve/expected.json` (written
//! by hand) and the whitelist written here. The SPDX documents are also checked by the SPDX
//! project's own validator, spdx-tools (PyPI, installed by `scripts/test`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command as Std;
use std::sync::OnceLock;

use nixsec_testutil::schema::{errors, Schema};
use serde_json::Value;

use crate::nixsec;
use crate::tools;

/// The built store and the rendered NVD data.
struct Fixture {
    /// Store root (holds `nix/`).
    store: PathBuf,
    /// The top-level path.
    top: String,
    /// NVD JSON 2.0 feeds of the public CVE fixture.
    feeds: PathBuf,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run(c: &mut Std) -> Result<String, String> {
    let out = c.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn build(base: &Path) -> Result<(), String> {
    let cve = fixtures().join("cve");
    // One retry: another build on the machine can make a sandboxed build fail once.
    let build = || {
        run(Std::new("bash")
            .arg(cve.join("build-store.sh"))
            .arg(base.join("store"))
            .env("EXPR", fixtures().join("sbom/packages.nix")))
    };
    build().or_else(|_| build())?;
    run(Std::new("python3")
        .arg(cve.join("make-nvd.py"))
        .arg(base.join("nvd"))
        .arg(cve.join("cves.json"))
        .env("TIMESTAMP", "2026-11-28T00:00:00"))?;
    Ok(())
}

/// Built once per test run under `CARGO_TARGET_TMPDIR` (a mkdir lock for concurrent test
/// processes); `None` (skip) without root or Nix.
fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        if !tools::require_root("real Nix builds the SBOM fixture as root")
            || !tools::require(&["nix-build", "nix-store", "nix", "python3"])
        {
            return None;
        }
        let mut tag = 0u64;
        for f in [
            "sbom/packages.nix",
            "cve/lib.nix",
            "cve/build-store.sh",
            "cve/cves.json",
            "cve/make-nvd.py",
        ] {
            for b in std::fs::read(fixtures().join(f)).expect("fixture") {
                tag = tag.wrapping_mul(31).wrapping_add(u64::from(b));
            }
        }
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sbom-fixture-{tag:016x}"));
        let ready = base.join("ready");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let _ = std::fs::remove_dir_all(&base);
                std::fs::create_dir_all(&base).expect("mkdir");
                let r = build(&base);
                if r.is_ok() {
                    std::fs::write(&ready, "").expect("ready");
                }
                let _ = std::fs::remove_dir(&lock);
                if let Err(e) = r {
                    panic!("building the SBOM fixture failed: {e}");
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
        Some(Fixture {
            top: std::fs::read_to_string(base.join("store/roots.txt"))
                .expect("roots.txt")
                .trim()
                .to_string(),
            store: base.join("store"),
            feeds: base.join("nvd/feeds-2.0"),
        })
    })
    .as_ref()
}

/// What Nix answers about the fixture store.
struct Nix<'a>(&'a Fixture);

impl Nix<'_> {
    fn store(&self) -> String {
        format!("local?root={}", self.0.store.display())
    }
    fn query(&self, args: &[&str]) -> Vec<String> {
        let out = run(Std::new("nix-store")
            .arg("--store")
            .arg(self.store())
            .args(args))
        .unwrap_or_else(|e| panic!("nix-store {args:?}: {e}"));
        out.lines().map(str::to_string).collect()
    }
    fn closure(&self, top: &str) -> BTreeSet<String> {
        self.query(&["-qR", top]).into_iter().collect()
    }
    fn references(&self, path: &str) -> BTreeSet<String> {
        self.query(&["-q", "--references", path])
            .into_iter()
            .filter(|r| r != path)
            .collect()
    }
    fn deriver(&self, path: &str) -> String {
        self.query(&["-q", "--deriver", path]).concat()
    }
    /// The `patches` of a derivation: `env.patches`, or `patches` in `__json` (structured
    /// attrs).
    fn patches(&self, drv: &str) -> Vec<String> {
        let out = run(Std::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "show-derivation",
            ])
            .arg("--store")
            .arg(self.store())
            .arg(drv))
        .unwrap_or_else(|e| panic!("nix show-derivation {drv}: {e}"));
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let env = &v[drv]["env"];
        if let Some(j) = env["__json"].as_str() {
            let j: Value = serde_json::from_str(j).expect("__json");
            return j["patches"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
        }
        env["patches"]
            .as_str()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

const WHITELIST: &str = r#"
["zlib-1.2.11"]
cve = ["CVE-2018-25032"]
comment = "vulnerable_code_not_in_execute_path: nothing here deflates with Z_FIXED"

["zlib"]
cve = ["CVE-2022-37434"]
until = "2099-01-01"
issue_url = "https://example.org/issues/2"
comment = "inflateGetHeader: checking the callers"
"#;

/// `nixsec vulns --format FORMAT -w WHITELIST` on `target`; (exit code, document).
fn document(f: &Fixture, format: &str, target: &str, wl: &Path) -> (i32, Value) {
    crate::run_json(
        nixsec()
            .args(["vulns", "--format", format, "-w"])
            .arg(wl)
            .arg("--store-root")
            .arg(&f.store)
            .arg("--nvd")
            .arg(&f.feeds)
            .arg(target),
    )
}

fn whitelist() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let wl = tmp.path().join("whitelist.toml");
    std::fs::write(&wl, WHITELIST).expect("write");
    (tmp, wl)
}

fn assert_valid(schema: Schema, doc: &Value) {
    let e = errors(schema, doc);
    assert!(e.is_empty(), "{schema:?}: {e:#?}");
}

fn props<'a>(c: &'a Value, name: &str) -> Vec<&'a str> {
    c["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == name)
        .filter_map(|p| p["value"].as_str())
        .collect()
}

/// The statuses a correct VEX gives on this closure: every CVE `expected.json` (by hand) lists
/// for the packages of `packages.nix`, as `affected` unless this file's whitelist or a patch
/// says otherwise. Key: (package name, CVE).
fn expected_statuses() -> BTreeMap<(String, String), &'static str> {
    let v: Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("cve/expected.json")).expect("expected.json"),
    )
    .expect("JSON");
    let in_closure = ["zlib-1.2.11", "openssl-3.0.8", "xz-5.6.0", "curl-8.3.0"];
    let mut out = BTreeMap::new();
    for p in v["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("name");
        if !in_closure.contains(&name) {
            continue;
        }
        for id in p["affected_by"].as_array().into_iter().flatten() {
            out.insert(
                (name.to_string(), id.as_str().expect("id").to_string()),
                "affected",
            );
        }
        for id in p["patched"].as_array().into_iter().flatten() {
            out.insert(
                (name.to_string(), id.as_str().expect("id").to_string()),
                "fixed",
            );
        }
    }
    // This fixture's own patch: xz's structured-attrs patch names CVE-2024-3094.
    out.insert(("xz-5.6.0".into(), "CVE-2024-3094".into()), "fixed");
    // The whitelist above.
    out.insert(
        ("zlib-1.2.11".into(), "CVE-2018-25032".into()),
        "not_affected",
    );
    out.insert(
        ("zlib-1.2.11".into(), "CVE-2022-37434".into()),
        "under_investigation",
    );
    out
}

#[test]
fn cyclonedx_is_valid_and_describes_the_closure_nix_records() {
    let Some(f) = fixture() else { return };
    let nix = Nix(f);
    let (_tmp, wl) = whitelist();
    let (code, doc) = document(f, "cyclonedx", &f.top, &wl);
    assert_eq!(code, 1, "CVEs are reported");
    assert_valid(Schema::CycloneDx16, &doc);
    let subject = &doc["metadata"]["component"];
    assert_eq!(subject["name"], "nixos-system-sbomfixture");
    assert_eq!(props(subject, "nix:store_path"), [f.top.as_str()]);
    let mut comps: Vec<&Value> = doc["components"]
        .as_array()
        .expect("components")
        .iter()
        .collect();
    comps.push(subject);
    // Every store path of the closure, in exactly one component.
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for c in &comps {
        for p in props(c, "nix:store_path") {
            assert!(
                owner
                    .insert(p.to_string(), c["bom-ref"].as_str().expect("ref"))
                    .is_none(),
                "{p} twice"
            );
        }
    }
    let closure = nix.closure(&f.top);
    assert_eq!(owner.keys().cloned().collect::<BTreeSet<_>>(), closure);
    // Dependencies: the references Nix records, lifted to components.
    let deps: BTreeMap<&str, BTreeSet<&str>> = doc["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .map(|d| {
            (
                d["ref"].as_str().expect("ref"),
                d["dependsOn"]
                    .as_array()
                    .expect("dependsOn")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect(),
            )
        })
        .collect();
    assert_eq!(deps.len(), comps.len());
    for c in &comps {
        let me = c["bom-ref"].as_str().expect("ref");
        let mut want: BTreeSet<&str> = BTreeSet::new();
        for p in props(c, "nix:store_path") {
            for r in nix.references(p) {
                want.insert(owner[&r]);
            }
        }
        want.remove(me);
        assert_eq!(deps[me], want, "{me}");
        // The deriver Nix records, and the `.drv` is the component's reference.
        for p in props(c, "nix:store_path") {
            assert_eq!(props(c, "nix:narinfo:deriver"), [nix.deriver(p).as_str()]);
        }
    }
    let by_name = |n: &str| {
        comps
            .iter()
            .find(|c| c["name"] == n)
            .copied()
            .unwrap_or_else(|| panic!("{n}"))
    };
    // Two outputs, one component.
    let openssl = by_name("openssl");
    assert_eq!(props(openssl, "nix:store_path").len(), 2);
    assert_eq!(openssl["version"], "3.0.8");
    assert_eq!(
        openssl["cpe"],
        "cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*"
    );
    let drv = props(openssl, "nix:narinfo:deriver").concat();
    assert_eq!(
        openssl["purl"],
        format!("pkg:nix/openssl@3.0.8?drvpath={}", drv.replace('/', "%2F"))
    );
    // Patches: those of the `.drv`, in its order, with the CVEs their names carry.
    for (name, resolves) in [
        ("openssl", vec![vec!["CVE-2023-0464"], vec![]]),
        ("xz", vec![vec!["CVE-2024-3094"]]),
    ] {
        let c = by_name(name);
        let drv = props(c, "nix:narinfo:deriver").concat();
        let patches = c["pedigree"]["patches"].as_array().expect("patches");
        let urls: Vec<&str> = patches
            .iter()
            .filter_map(|p| p["diff"]["url"].as_str())
            .collect();
        assert_eq!(urls, nix.patches(&drv), "{name}");
        let ids: Vec<Vec<&str>> = patches
            .iter()
            .map(|p| {
                p["resolves"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["id"].as_str())
                    .collect()
            })
            .collect();
        assert_eq!(ids, resolves, "{name}");
    }
    // Not a package: a file, no version, no PURL.
    let curlrc = by_name("curlrc");
    assert_eq!(curlrc["type"], "file");
    assert!(curlrc.get("version").is_none() && curlrc.get("purl").is_none());
    assert_eq!(
        by_name("gtk+3")["purl"].as_str().map(|p| &p[..24]),
        Some("pkg:nix/gtk%2B3@3.24.41?")
    );
    // VEX: the analysis of each (package, CVE).
    let names: BTreeMap<&str, String> = comps
        .iter()
        .map(|c| {
            (
                c["bom-ref"].as_str().expect("ref"),
                format!(
                    "{}-{}",
                    c["name"].as_str().unwrap_or(""),
                    c["version"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let got: BTreeMap<(String, String), &str> = doc["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| {
            let comp = v["affects"][0]["ref"].as_str().expect("ref");
            let state = match v["analysis"]["state"].as_str() {
                None => "affected",
                Some("not_affected") => "not_affected",
                Some("in_triage") => "under_investigation",
                Some("resolved_with_pedigree") => "fixed",
                Some(other) => panic!("unexpected state {other}"),
            };
            (
                (
                    names[comp].clone(),
                    v["id"].as_str().expect("id").to_string(),
                ),
                state,
            )
        })
        .collect();
    assert_eq!(got, expected_statuses());
    let z = doc["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .find(|v| v["id"] == "CVE-2018-25032")
        .expect("CVE-2018-25032");
    assert_eq!(z["analysis"]["justification"], "code_not_reachable");
    assert!(z["analysis"]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("nothing here deflates")));
}

#[test]
fn spdx_is_valid_and_relates_what_nix_records() {
    let Some(f) = fixture() else { return };
    let nix = Nix(f);
    let (_tmp, wl) = whitelist();
    let (code, doc) = document(f, "spdx", &f.top, &wl);
    assert_eq!(code, 1);
    assert_valid(Schema::Spdx23, &doc);
    let packages = doc["packages"].as_array().expect("packages");
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    ids.insert("SPDXRef-DOCUMENT");
    // The store paths of each package, from its comment (`store paths: A B; ...`).
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for p in packages {
        let id = p["SPDXID"].as_str().expect("SPDXID");
        assert!(ids.insert(id), "{id} twice");
        let rest = id.strip_prefix("SPDXRef-").expect("SPDXRef-");
        assert!(rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        if p["primaryPackagePurpose"] == "SOURCE" {
            continue;
        }
        let comment = p["comment"].as_str().expect("comment");
        let paths = comment
            .strip_prefix("store paths: ")
            .and_then(|c| c.split(';').next())
            .expect("store paths");
        for s in paths.split(' ') {
            owner.insert(s.to_string(), id);
        }
    }
    assert_eq!(
        owner.keys().cloned().collect::<BTreeSet<_>>(),
        nix.closure(&f.top)
    );
    let rels = doc["relationships"].as_array().expect("relationships");
    let mut depends: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut applied: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut describes = Vec::new();
    for r in rels {
        let (a, b) = (
            r["spdxElementId"].as_str().expect("a"),
            r["relatedSpdxElement"].as_str().expect("b"),
        );
        assert!(ids.contains(a) && ids.contains(b), "{r}");
        match r["relationshipType"].as_str() {
            Some("DEPENDS_ON") => {
                depends.insert((a, b));
            }
            Some("PATCH_APPLIED") => {
                applied.insert((a, b));
            }
            Some("DESCRIBES") => describes.push(b),
            other => panic!("unexpected relationship {other:?}"),
        }
    }
    assert_eq!(describes, [owner[&f.top]]);
    let mut want: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (path, id) in &owner {
        for r in nix.references(path) {
            if owner[&r] != *id {
                want.insert((id, owner[&r]));
            }
        }
    }
    assert_eq!(depends, want);
    // openssl's two patches and xz's one.
    assert_eq!(applied.len(), 3);
    let openssl = packages
        .iter()
        .find(|p| p["name"] == "openssl")
        .expect("openssl");
    let refs = openssl["externalRefs"].as_array().expect("externalRefs");
    let locator = |t: &str| {
        refs.iter()
            .filter(|r| r["referenceType"] == t)
            .filter_map(|r| r["referenceLocator"].as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        locator("cpe23Type"),
        ["cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*"]
    );
    assert!(locator("purl")[0].starts_with("pkg:nix/openssl@3.0.8?drvpath="));
    // Only what is reported (not whitelisted, not patched) is an advisory.
    assert_eq!(
        locator("advisory"),
        ["https://nvd.nist.gov/vuln/detail/CVE-2024-5535"]
    );
}

#[test]
fn openvex_is_valid_with_every_status() {
    let Some(f) = fixture() else { return };
    let (_tmp, wl) = whitelist();
    let (code, doc) = document(f, "openvex", &f.top, &wl);
    assert_eq!(code, 1);
    assert_valid(Schema::OpenVex020, &doc);
    let got: BTreeMap<(String, String), String> = doc["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| {
            let purl = s["products"][0]["@id"].as_str().expect("@id");
            // pkg:nix/<pname>@<version>?drvpath=...
            let nv = purl
                .strip_prefix("pkg:nix/")
                .and_then(|p| p.split('?').next())
                .expect("purl")
                .replace('@', "-");
            (
                (
                    nv,
                    s["vulnerability"]["name"]
                        .as_str()
                        .expect("name")
                        .to_string(),
                ),
                s["status"].as_str().expect("status").to_string(),
            )
        })
        .collect();
    let want: BTreeMap<(String, String), String> = expected_statuses()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    assert_eq!(got, want);
    let st = doc["statements"].as_array().expect("statements");
    let z = st
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2018-25032")
        .expect("zlib");
    assert_eq!(z["justification"], "vulnerable_code_not_in_execute_path");
    let u = st
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2022-37434")
        .expect("zlib");
    assert!(u["status_notes"].as_str().is_some_and(
        |n| n.contains("until 2099-01-01") && n.contains("https://example.org/issues/2")
    ));
}

#[test]
fn a_drv_target_gives_the_same_closure_and_an_empty_vex_is_refused() {
    let Some(f) = fixture() else { return };
    let nix = Nix(f);
    let (tmp, wl) = whitelist();
    let drv = nix.deriver(&f.top);
    let (_, by_drv) = document(f, "cyclonedx", &drv, &wl);
    assert_valid(Schema::CycloneDx16, &by_drv);
    let paths: BTreeSet<String> = by_drv["components"]
        .as_array()
        .expect("components")
        .iter()
        .chain([&by_drv["metadata"]["component"]])
        .flat_map(|c| props(c, "nix:store_path"))
        .map(str::to_string)
        .collect();
    assert_eq!(paths, nix.closure(&f.top));
    // Neither gtk+3 nor zlib 1.3.1 has a CVE in the data: no statement, so no OpenVEX document
    // and no file.
    let gtk = nix
        .closure(&f.top)
        .into_iter()
        .find(|p| p.ends_with("-gtk+3-3.24.41"))
        .expect("gtk");
    let out = tmp.path().join("vex.json");
    let o = nixsec()
        .args(["vulns", "--format", "openvex", "-o"])
        .arg(&out)
        .arg("--store-root")
        .arg(&f.store)
        .arg("--nvd")
        .arg(&f.feeds)
        .arg(&gtk)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("an OpenVEX document needs at least one statement"),
        "{err}"
    );
    assert!(!out.exists());
    // The SBOM of it is still written, and valid.
    let (code, doc) = crate::run_json(
        nixsec()
            .args(["vulns", "--format", "spdx", "--store-root"])
            .arg(&f.store)
            .arg("--nvd")
            .arg(&f.feeds)
            .arg(&gtk),
    );
    assert_eq!(code, 0);
    assert_valid(Schema::Spdx23, &doc);
    assert_eq!(
        doc["packages"].as_array().map(Vec::len),
        Some(2),
        "gtk+3 and zlib 1.3.1"
    );
}

/// The SPDX project's own validator, spdx-tools (PyPI): parses the JSON document into its model
/// and checks the SPDX 2.3 rules the JSON schema cannot say (every relationship names an element
/// of the document, SPDX ids, external reference types and locators, dates). Prints one message
/// a line and exits 1 when there is one.
const SPDX_TOOLS_CHECK: &str = r#"
import sys
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
try:
    doc = parse_file(sys.argv[1])
except SPDXParsingError as e:
    print("\n".join(e.get_messages()))
    sys.exit(1)
msgs = [m.validation_message for m in validate_full_spdx_document(doc, "SPDX-2.3")]
print("\n".join(msgs))
sys.exit(1 if msgs else 0)
"#;

/// The Python interpreter that has spdx-tools (`NIXSEC_SPDX_PYTHON`, set by `scripts/test`,
/// which installs it from PyPI in a virtualenv under `target/`); `None` (skip) without it.
fn spdx_tools() -> Option<PathBuf> {
    let p = std::env::var_os("NIXSEC_SPDX_PYTHON").map(PathBuf::from);
    if p.is_none() {
        tools::skip("NIXSEC_SPDX_PYTHON is not set (scripts/test installs spdx-tools)");
    }
    p
}

/// spdx-tools' verdict on `doc`: its messages (empty: valid).
fn spdx_tools_messages(python: &Path, doc: &Value) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tmp");
    // spdx-tools picks the parser by the file name's ending.
    let file = tmp.path().join("doc.spdx.json");
    std::fs::write(&file, serde_json::to_vec(doc).expect("JSON")).expect("write");
    let out = Std::new(python)
        .args(["-c", SPDX_TOOLS_CHECK])
        .arg(&file)
        .output()
        .expect("spdx-tools");
    let text = String::from_utf8_lossy(&out.stdout);
    let msgs: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(
        out.status.success(),
        msgs.is_empty(),
        "spdx-tools: {msgs:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    msgs
}

#[test]
fn spdx_is_valid_for_the_spdx_projects_own_tools() {
    let Some(f) = fixture() else { return };
    let Some(python) = spdx_tools() else { return };
    let nix = Nix(f);
    let (_tmp, wl) = whitelist();
    // The whole closure, the same by its `.drv`, and a package alone.
    let gtk = nix
        .closure(&f.top)
        .into_iter()
        .find(|p| p.ends_with("-gtk+3-3.24.41"))
        .expect("gtk");
    let drv = nix.deriver(&f.top);
    for target in [f.top.as_str(), drv.as_str(), gtk.as_str()] {
        let (_, doc) = document(f, "spdx", target, &wl);
        assert_eq!(
            spdx_tools_messages(&python, &doc),
            Vec::<String>::new(),
            "{target}"
        );
    }
    // The oracle is awake: a relationship to an element the document lacks is an error.
    let (_, mut doc) = document(f, "spdx", &f.top, &wl);
    doc["relationships"]
        .as_array_mut()
        .expect("relationships")
        .push(serde_json::json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-absent",
        }));
    let msgs = spdx_tools_messages(&python, &doc);
    assert!(
        msgs.iter().any(|m| m.contains("SPDXRef-absent")),
        "{msgs:?}"
    );
}
