//! CycloneDX 1.6 JSON: the closure as components (name, version, CPE, PURL, store paths as
//! `nix:store_path` properties, patches as `pedigree.patches` with the CVEs they resolve), the
//! runtime references as `dependencies`, and the scan's CVEs as `vulnerabilities` with their VEX
//! analysis.
//!
//! With one target, that target is `metadata.component` (the subject of the BOM) and the rest
//! of the closure are its `components`; with several, every one is a component. Analysis states:
//! whitelisted for good `not_affected` (justification mapped from OpenVEX's, see
//! [`super::Justification::cyclonedx`]), whitelisted until a date `in_triage`, named by a patch
//! `resolved_with_pedigree` (the patch is in the component's pedigree); a CVE the scan reports
//! has no analysis (not triaged), as scanners write it. Patch type: `unofficial` (a
//! distribution's patch; whether it is a backport cannot be told from the `.drv`).

use std::io::Write;

use serde_json::{json, Map, Value};

use super::{Component, Kind, Sbom, SbomError, Statement, Status};

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

fn nvd_source(cve: &str) -> Value {
    json!({ "name": "NVD", "url": Sbom::nvd_url(cve) })
}

fn component(c: &Component) -> Value {
    let mut m = Map::new();
    m.insert(
        "type".into(),
        json!(match c.kind {
            Kind::Package => "application",
            Kind::File => "file",
        }),
    );
    m.insert("bom-ref".into(), json!(c.id));
    m.insert("name".into(), json!(c.name));
    if !c.version.is_empty() {
        m.insert("version".into(), json!(c.version));
    }
    if c.build_only {
        m.insert("scope".into(), json!("excluded"));
    }
    if let Some(cpe) = c.cpes.first() {
        m.insert("cpe".into(), json!(cpe));
    }
    if let Some(p) = &c.purl {
        m.insert("purl".into(), json!(p));
    }
    if !c.patches.is_empty() {
        let patches: Vec<Value> = c
            .patches
            .iter()
            .map(|p| {
                let mut v = json!({
                    "type": "unofficial",
                    "diff": { "url": p.path.replace(' ', "%20") },
                });
                if !p.cves.is_empty() {
                    v["resolves"] = p
                        .cves
                        .iter()
                        .map(|id| json!({ "type": "security", "id": id, "source": nvd_source(id) }))
                        .collect();
                }
                v
            })
            .collect();
        m.insert("pedigree".into(), json!({ "patches": patches }));
    }
    let mut props: Vec<Value> = c.paths.iter().map(|p| prop("nix:store_path", p)).collect();
    if let Some(d) = &c.drv {
        props.push(prop("nix:narinfo:deriver", d));
    }
    if c.full_name != c.name {
        props.push(prop("nixsec:name", &c.full_name));
    }
    for cpe in c.cpes.iter().skip(1) {
        props.push(prop("nixsec:cpe", cpe));
    }
    if c.build_only {
        props.push(prop("nixsec:scope", "build-time input only"));
    }
    m.insert("properties".into(), Value::Array(props));
    Value::Object(m)
}

/// CycloneDX's scoring method of a CVSS version.
fn method(version: &str) -> &'static str {
    match version {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
        _ => "other",
    }
}

fn vulnerability(sbom: &Sbom, s: &Statement) -> Value {
    let c = &sbom.components[s.component];
    let mut m = Map::new();
    m.insert("bom-ref".into(), json!(format!("{}@{}", s.cve, c.id)));
    m.insert("id".into(), json!(s.cve));
    m.insert("source".into(), nvd_source(&s.cve));
    if let Some(cv) = &s.cvss {
        let mut r = json!({
            "source": nvd_source(&s.cve),
            "score": cv.score,
            "severity": cv.severity.to_lowercase(),
            "method": method(&cv.version),
        });
        if !matches!(
            r["severity"].as_str(),
            Some("critical" | "high" | "medium" | "low" | "info" | "none")
        ) {
            r["severity"] = json!("unknown");
        }
        if !cv.vector.is_empty() {
            r["vector"] = json!(cv.vector);
        }
        m.insert("ratings".into(), json!([r]));
    }
    if !s.description.is_empty() {
        m.insert("description".into(), json!(s.description));
    }
    let analysis = match s.status {
        Status::Affected => {
            m.insert("detail".into(), json!(s.notes));
            m.insert(
                "recommendation".into(),
                json!(format!(
                    "Update {} to a version outside the affected range, or apply the upstream fix as a patch; if it does not apply here, whitelist it with the reason",
                    c.name
                )),
            );
            None
        }
        Status::NotAffected => {
            let mut a = json!({ "state": "not_affected", "detail": s.notes });
            if let Some(j) = s.justification.and_then(super::Justification::cyclonedx) {
                a["justification"] = json!(j);
            }
            Some(a)
        }
        Status::UnderInvestigation => Some(json!({ "state": "in_triage", "detail": s.notes })),
        Status::Fixed => Some(json!({ "state": "resolved_with_pedigree", "detail": s.notes })),
    };
    if let Some(a) = analysis {
        m.insert("analysis".into(), a);
    }
    m.insert("affects".into(), json!([{ "ref": c.id }]));
    Value::Object(m)
}

/// The document as a JSON value.
#[must_use]
pub fn document(sbom: &Sbom) -> Value {
    let subject = match sbom.roots.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let mut metadata = json!({
        "timestamp": sbom.created_text(),
        "tools": { "components": [{
            "type": "application",
            "name": sbom.tool.0,
            "version": sbom.tool.1,
        }] },
    });
    if let Some(i) = subject {
        metadata["component"] = component(&sbom.components[i]);
    }
    let components: Vec<Value> = sbom
        .components
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != subject)
        .map(|(_, c)| component(c))
        .collect();
    let dependencies: Vec<Value> = sbom
        .components
        .iter()
        .map(|c| {
            json!({
                "ref": c.id,
                "dependsOn": c.depends_on.iter().map(|&j| &sbom.components[j].id).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", sbom.uuid),
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    });
    if !sbom.statements.is_empty() {
        doc["vulnerabilities"] = sbom
            .statements
            .iter()
            .map(|s| vulnerability(sbom, s))
            .collect();
    }
    doc
}

/// Write the document, pretty-printed, with a final newline.
///
/// # Errors
/// Writing fails.
pub fn write(sbom: &Sbom, out: &mut dyn Write) -> Result<(), SbomError> {
    serde_json::to_writer_pretty(&mut *out, &document(sbom))?;
    writeln!(out)?;
    Ok(())
}
