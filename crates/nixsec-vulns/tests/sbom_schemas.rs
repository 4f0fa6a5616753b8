//! The SBOM and VEX writers against the official schemas (CycloneDX 1.6, SPDX 2.3, OpenVEX
//! 0.2.0; `tests/fixtures/sbom-schemas`), on models built in memory with every case the writers
//! distinguish: one target or several, packages and files, patches with and without CVE ids,
//! build-only packages, the four VEX statuses, each justification, CVSS 2.0 to 4.0 and none,
//! names that need quoting. The closures nixsec builds from real stores are checked in
//! `tests/cli/sbom.rs`. Besides the schemas, the references inside each document are checked
//! (ids unique, every reference names an element of the document), which no schema says.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use nixsec_testutil::schema::{errors, Schema};
use nixsec_vulns::nvd::Cvss;
use nixsec_vulns::sbom::{
    cyclonedx, openvex, purl, spdx, Component, Justification, Kind, Patch, Sbom, Statement, Status,
};
use serde_json::{json, Value};

fn store(hash_char: char, name: &str) -> String {
    format!("/nix/store/{}-{name}", hash_char.to_string().repeat(32))
}

fn package(c: char, pname: &str, version: &str, deps: &[usize]) -> Component {
    let drv = store(c, &format!("{pname}-{version}.drv"));
    Component {
        id: drv.clone(),
        name: pname.into(),
        version: version.into(),
        full_name: format!("{pname}-{version}"),
        kind: Kind::Package,
        drv: Some(drv.clone()),
        paths: vec![
            store(c, &format!("{pname}-{version}")),
            store(c, &format!("{pname}-{version}-dev")),
        ],
        cpes: vec![format!(
            "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
            pname, pname, version
        )],
        purl: Some(purl(pname, version, Some(&drv))),
        patches: Vec::new(),
        depends_on: deps.to_vec(),
        build_only: false,
    }
}

fn cvss(version: &str, score: f64, severity: &str, vector: &str) -> Option<Cvss> {
    Some(Cvss {
        version: version.into(),
        score,
        severity: severity.into(),
        vector: vector.into(),
    })
}

fn statement(cve: &str, component: usize, status: Status) -> Statement {
    Statement {
        cve: cve.into(),
        component,
        status,
        justification: None,
        notes: format!("{cve}: notes"),
        until: None,
        patches: Vec::new(),
        cvss: cvss(
            "3.1",
            7.5,
            "HIGH",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        ),
        description: "A description with \"quotes\", <tags> and unicode: ünïcödé".into(),
    }
}

/// A model with every case, and `roots` as its targets.
fn model(roots: Vec<usize>) -> Sbom {
    let mut openssl = package('a', "openssl", "3.0.8", &[1, 3]);
    openssl.patches = vec![
        Patch {
            path: store('p', "CVE-2023-0464.patch"),
            name: "CVE-2023-0464.patch".into(),
            cves: vec!["CVE-2023-0464".into()],
        },
        Patch {
            path: "fix build with spaces.patch".into(),
            name: "fix build with spaces.patch".into(),
            cves: Vec::new(),
        },
    ];
    let zlib = package('b', "zlib", "1.2.11", &[]);
    let mut gtk = package('c', "gtk+3", "3.24.41+git", &[1]);
    gtk.cpes
        .push("cpe:2.3:a:gnome:gtk:3.24.41\\+git:*:*:*:*:*:*:*".into());
    gtk.patches = openssl.patches[..1].to_vec();
    let etc = Component {
        id: store('d', "etc"),
        name: "etc".into(),
        version: String::new(),
        full_name: "etc".into(),
        kind: Kind::File,
        drv: None,
        paths: vec![store('d', "etc")],
        cpes: Vec::new(),
        purl: None,
        patches: Vec::new(),
        depends_on: vec![0],
        build_only: false,
    };
    let mut system = package('e', "nixos-system-host", "24.05", &[0, 1, 2, 3]);
    system.cpes.clear();
    let mut perl = package('f', "perl", "5.36.0", &[]);
    perl.build_only = true;
    // A package whose `.drv` is gone: no drvpath in its PURL.
    let mut nodrv = package('g', "xz", "5.6.0", &[]);
    nodrv.id = nodrv.paths[0].clone();
    nodrv.drv = None;
    nodrv.purl = Some(purl("xz", "5.6.0", None));
    let mut statements = vec![
        statement("CVE-2024-5535", 0, Status::Affected),
        statement("CVE-2023-0464", 0, Status::Fixed),
        statement("CVE-2018-25032", 1, Status::NotAffected),
        statement("CVE-2022-37434", 1, Status::NotAffected),
        statement("CVE-2023-45853", 1, Status::UnderInvestigation),
        statement("CVE-2024-3094", 6, Status::Affected),
    ];
    statements[1].patches = vec![0];
    statements[2].justification = Some(Justification::VulnerableCodeNotInExecutePath);
    statements[4].until = NaiveDate::from_ymd_opt(2099, 1, 1);
    statements[5].cvss = cvss(
        "4.0",
        10.0,
        "CRITICAL",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    );
    for (i, j) in [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = statement(&format!("CVE-2025-9000{i}"), 2, Status::NotAffected);
        s.justification = Some(j);
        s.cvss = match i {
            0 => None,
            1 => cvss("2.0", 5.0, "MEDIUM", "AV:N/AC:L/Au:N/C:N/I:N/A:P"),
            2 => cvss("3.0", 0.0, "NONE", ""),
            _ => cvss("3.1", 3.1, "LOW", ""),
        };
        if i == 0 {
            s.description.clear();
        }
        statements.push(s);
    }
    Sbom {
        uuid: "3e671687-395b-41f5-a30f-a58921a69b79".into(),
        created: Utc
            .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
            .single()
            .expect("date"),
        tool: ("nixsec".into(), "0.1.0".into()),
        roots,
        components: vec![openssl, zlib, gtk, etc, system, perl, nodrv],
        statements,
    }
}

fn to_value(
    write: fn(&Sbom, &mut dyn std::io::Write) -> Result<(), nixsec_vulns::sbom::SbomError>,
    m: &Sbom,
) -> Value {
    let mut buf = Vec::new();
    write(m, &mut buf).expect("write");
    serde_json::from_slice(&buf).expect("JSON")
}

fn assert_valid(schema: Schema, doc: &Value) {
    let e = errors(schema, doc);
    assert!(e.is_empty(), "{schema:?}: {e:#?}");
}

/// CycloneDX: bom-refs unique; every dependency, `dependsOn` and `affects` names one.
fn check_cyclonedx_refs(doc: &Value) {
    let mut refs = BTreeSet::new();
    let comps = doc["components"].as_array().expect("components");
    for c in comps.iter().chain(doc["metadata"].get("component")) {
        assert!(refs.insert(c["bom-ref"].as_str().expect("bom-ref").to_string()));
    }
    let mut vrefs = BTreeSet::new();
    for v in doc["vulnerabilities"].as_array().into_iter().flatten() {
        assert!(vrefs.insert(v["bom-ref"].as_str().expect("bom-ref")));
        for a in v["affects"].as_array().expect("affects") {
            assert!(refs.contains(a["ref"].as_str().expect("ref")), "{a}");
        }
    }
    let deps = doc["dependencies"].as_array().expect("dependencies");
    assert_eq!(deps.len(), refs.len(), "one dependency entry per component");
    for d in deps {
        assert!(refs.contains(d["ref"].as_str().expect("ref")));
        for x in d["dependsOn"].as_array().expect("dependsOn") {
            assert!(refs.contains(x.as_str().expect("ref")), "{x}");
        }
    }
}

/// SPDX: ids of the SPDX 2.3 form (`SPDXRef-[a-zA-Z0-9.-]+`) and unique; every relationship
/// names the document or a package of it.
fn check_spdx_refs(doc: &Value) {
    let mut ids = BTreeSet::new();
    ids.insert("SPDXRef-DOCUMENT".to_string());
    for p in doc["packages"].as_array().expect("packages") {
        let id = p["SPDXID"].as_str().expect("SPDXID");
        let rest = id.strip_prefix("SPDXRef-").expect("SPDXRef-");
        assert!(
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{id}"
        );
        assert!(ids.insert(id.to_string()), "duplicate {id}");
    }
    for r in doc["relationships"].as_array().expect("relationships") {
        for k in ["spdxElementId", "relatedSpdxElement"] {
            assert!(ids.contains(r[k].as_str().expect("id")), "{r}");
        }
    }
}

#[test]
fn cyclonedx_validates_with_one_target_and_with_several() {
    for roots in [vec![4], vec![4, 0], vec![]] {
        let m = model(roots.clone());
        let doc = to_value(cyclonedx::write, &m);
        assert_valid(Schema::CycloneDx16, &doc);
        check_cyclonedx_refs(&doc);
        let n = doc["components"].as_array().expect("components").len();
        if roots.len() == 1 {
            assert_eq!(doc["metadata"]["component"]["name"], "nixos-system-host");
            assert_eq!(n, 6);
        } else {
            assert!(doc["metadata"].get("component").is_none());
            assert_eq!(n, 7);
        }
    }
}

#[test]
fn cyclonedx_vex_analysis_and_pedigree() {
    let doc = to_value(cyclonedx::write, &model(vec![4]));
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    let find = |id: &str| {
        vulns
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert!(find("CVE-2024-5535").get("analysis").is_none());
    assert_eq!(
        find("CVE-2023-0464")["analysis"]["state"],
        "resolved_with_pedigree"
    );
    assert_eq!(find("CVE-2018-25032")["analysis"]["state"], "not_affected");
    assert_eq!(
        find("CVE-2018-25032")["analysis"]["justification"],
        "code_not_reachable"
    );
    assert!(find("CVE-2022-37434")["analysis"]
        .get("justification")
        .is_none());
    assert_eq!(find("CVE-2023-45853")["analysis"]["state"], "in_triage");
    assert_eq!(find("CVE-2024-3094")["ratings"][0]["method"], "CVSSv4");
    assert_eq!(find("CVE-2025-90001")["ratings"][0]["method"], "CVSSv2");
    assert_eq!(find("CVE-2025-90002")["ratings"][0]["severity"], "none");
    let openssl = doc["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "openssl")
        .expect("openssl");
    let patches = openssl["pedigree"]["patches"].as_array().expect("patches");
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0]["resolves"][0]["id"], "CVE-2023-0464");
    assert_eq!(
        patches[1]["diff"]["url"],
        "fix%20build%20with%20spaces.patch"
    );
    assert_eq!(openssl["properties"][0]["name"], "nix:store_path");
}

#[test]
fn spdx_validates_and_relates() {
    for roots in [vec![4], vec![4, 0], vec![]] {
        let doc = to_value(spdx::write, &model(roots.clone()));
        assert_valid(Schema::Spdx23, &doc);
        check_spdx_refs(&doc);
        let rels = doc["relationships"].as_array().expect("relationships");
        let count = |kind: &str| {
            rels.iter()
                .filter(|r| r["relationshipType"] == kind)
                .count()
        };
        assert_eq!(count("DESCRIBES"), roots.len());
        assert_eq!(count("DEPENDS_ON"), 2 + 1 + 1 + 4);
        // openssl's two patches, gtk's one (the same patch file as openssl's first).
        assert_eq!(count("PATCH_APPLIED"), 3);
        let packages = doc["packages"].as_array().expect("packages");
        assert_eq!(packages.len(), 7 + 2);
    }
}

#[test]
fn openvex_validates_every_status() {
    let doc = to_value(openvex::write, &model(vec![4]));
    assert_valid(Schema::OpenVex020, &doc);
    let st = doc["statements"].as_array().expect("statements");
    assert_eq!(st.len(), 10);
    let statuses: BTreeSet<&str> = st.iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(
        statuses,
        ["affected", "fixed", "not_affected", "under_investigation"]
            .into_iter()
            .collect()
    );
    let justifications: BTreeSet<&str> = st
        .iter()
        .filter_map(|s| s.get("justification").and_then(Value::as_str))
        .collect();
    assert_eq!(justifications.len(), 5);
    // The package without `.drv` is named by its PURL without qualifiers.
    let xz = st
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2024-3094")
        .expect("xz");
    assert_eq!(xz["products"][0]["@id"], "pkg:nix/xz@5.6.0");
    assert!(xz["action_statement"].is_string());
}

#[test]
fn openvex_without_statements_is_an_error_not_an_invalid_document() {
    let mut m = model(vec![4]);
    m.statements.clear();
    let mut buf = Vec::new();
    assert!(openvex::write(&m, &mut buf).is_err());
    assert!(buf.is_empty());
    // The schema agrees: `statements` needs one item.
    let mut doc = openvex::document(&model(vec![4]));
    doc["statements"] = json!([]);
    assert!(!errors(Schema::OpenVex020, &doc).is_empty());
}

#[test]
fn the_validator_rejects_what_the_schemas_forbid() {
    // Proves the validator and the bundled references are in force, not a pass-everything.
    let good = cyclonedx::document(&model(vec![4]));
    let mut bad = good.clone();
    bad["components"][0]["type"] = json!("package");
    assert!(!errors(Schema::CycloneDx16, &bad).is_empty());
    // `spdx.schema.json` is resolved: an unknown licence id is refused.
    let mut bad = good.clone();
    bad["components"][0]["licenses"] = json!([{ "license": { "id": "NOT-A-LICENCE" } }]);
    assert!(!errors(Schema::CycloneDx16, &bad).is_empty());
    let mut ok = good.clone();
    ok["components"][0]["licenses"] = json!([{ "license": { "id": "OpenSSL" } }]);
    assert!(errors(Schema::CycloneDx16, &ok).is_empty());
    // `format` is checked: a timestamp that is not a date-time.
    let mut bad = good;
    bad["metadata"]["timestamp"] = json!("yesterday");
    assert!(!errors(Schema::CycloneDx16, &bad).is_empty());
    let mut bad = spdx::document(&model(vec![4]));
    bad["packages"][0]["primaryPackagePurpose"] = json!("OPERATING-SYSTEM");
    assert!(!errors(Schema::Spdx23, &bad).is_empty());
    let mut bad = openvex::document(&model(vec![4]));
    bad["statements"][0]["status"] = json!("exploitable");
    assert!(!errors(Schema::OpenVex020, &bad).is_empty());
    let mut bad = openvex::document(&model(vec![4]));
    // not_affected without justification and without impact statement.
    let st = bad["statements"]
        .as_array_mut()
        .expect("statements")
        .iter_mut()
        .find(|s| s["status"] == "not_affected")
        .expect("not_affected");
    st.as_object_mut()
        .expect("object")
        .remove("impact_statement");
    st.as_object_mut().expect("object").remove("justification");
    assert!(!errors(Schema::OpenVex020, &bad).is_empty());
}
