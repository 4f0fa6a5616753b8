//! OpenVEX 0.2.0: one statement per CVE and package. The product is the package, named by its
//! PURL (`@id` and `identifiers.purl`) and its first CPE; the status follows the scan and the
//! triage (see [`super`]): `affected` with an action statement, `not_affected` with the
//! whitelist rule as impact statement (and the justification its comment names),
//! `under_investigation` with the rule and its date as status notes, `fixed` with the patch.
//!
//! A document without statements is not valid OpenVEX (`statements` has `minItems: 1`):
//! writing one is an error ([`SbomError::NoStatements`]).

use std::io::Write;

use serde_json::{json, Map, Value};

use super::{Sbom, SbomError, Statement, Status};

fn statement(sbom: &Sbom, s: &Statement) -> Value {
    let c = &sbom.components[s.component];
    let mut identifiers = Map::new();
    let id = c.purl.clone().unwrap_or_else(|| c.id.clone());
    if let Some(p) = &c.purl {
        identifiers.insert("purl".into(), json!(p));
    }
    if let Some(cpe) = c.cpes.first() {
        identifiers.insert("cpe23".into(), json!(cpe));
    }
    let mut product = json!({ "@id": id });
    if !identifiers.is_empty() {
        product["identifiers"] = Value::Object(identifiers);
    }
    let mut vuln = json!({ "@id": Sbom::nvd_url(&s.cve), "name": s.cve });
    if !s.description.is_empty() {
        vuln["description"] = json!(s.description);
    }
    let mut m = json!({
        "vulnerability": vuln,
        "timestamp": sbom.created_text(),
        "products": [product],
        "status": s.status.openvex(),
    });
    match s.status {
        Status::Affected => {
            m["action_statement"] = json!(format!(
                "Update {} to a version outside the affected range, or apply the upstream fix as a patch; if it does not apply here, whitelist it with the reason",
                c.name
            ));
            m["status_notes"] = json!(s.notes);
        }
        Status::NotAffected => {
            if let Some(j) = s.justification {
                m["justification"] = json!(j.openvex());
            }
            m["impact_statement"] = json!(s.notes);
        }
        Status::UnderInvestigation | Status::Fixed => m["status_notes"] = json!(s.notes),
    }
    m
}

/// The statements; two packages that cannot be told apart (same name and version, no `.drv`)
/// make one statement, not two identical ones.
fn statements(sbom: &Sbom) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(sbom.statements.len());
    for s in &sbom.statements {
        let v = statement(sbom, s);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The document as a JSON value.
#[must_use]
pub fn document(sbom: &Sbom) -> Value {
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("urn:uuid:{}", sbom.uuid),
        "author": sbom.tool.0,
        "timestamp": sbom.created_text(),
        "version": 1,
        "tooling": format!("{} {} (nixsec vulns: the scan, the whitelists and the patches of the derivations)", sbom.tool.0, sbom.tool.1),
        "statements": statements(sbom),
    })
}

/// Write the document, pretty-printed, with a final newline.
///
/// # Errors
/// No statement to write ([`SbomError::NoStatements`]), or writing fails.
pub fn write(sbom: &Sbom, out: &mut dyn Write) -> Result<(), SbomError> {
    if sbom.statements.is_empty() {
        return Err(SbomError::NoStatements);
    }
    serde_json::to_writer_pretty(&mut *out, &document(sbom))?;
    writeln!(out)?;
    Ok(())
}
