//! SPDX 2.3 JSON: one package per component (name, version, CPE 2.3 and PURL external
//! references, store paths and derivation in the comment), `DESCRIBES` for the targets,
//! `DEPENDS_ON` for the runtime references, and each patch as a package of purpose `SOURCE` that
//! is `PATCH_APPLIED` to the package it patches. SPDX 2.3 has no VEX: the CVEs the scan reports
//! (not whitelisted, not patched) are `SECURITY`/`advisory` references to their NVD pages.
//!
//! Licences, download locations and copyrights are not known from a store: `NOASSERTION`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{json, Value};

use super::{Kind, Sbom, SbomError, Status};

/// An SPDX id (`SPDXRef-` and letters, digits, `.` and `-`) from a store path or name, unique
/// in `taken`.
fn spdx_id(prefix: &str, id: &str, taken: &mut BTreeSet<String>) -> String {
    let base = id.rsplit('/').next().unwrap_or(id);
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut s = format!("SPDXRef-{prefix}{clean}");
    let mut n = 1;
    while taken.contains(&s) {
        n += 1;
        s = format!("SPDXRef-{prefix}{clean}-{n}");
    }
    taken.insert(s.clone());
    s
}

fn relationship(a: &str, kind: &str, b: &str) -> Value {
    json!({ "spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b })
}

/// The document's name: the targets' names.
fn name(sbom: &Sbom) -> String {
    let names: Vec<&str> = sbom
        .roots
        .iter()
        .map(|&i| sbom.components[i].full_name.as_str())
        .collect();
    if names.is_empty() {
        "nix closure".into()
    } else {
        format!("closure of {}", names.join(", "))
    }
}

/// The document as a JSON value.
#[must_use]
pub fn document(sbom: &Sbom) -> Value {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    taken.insert("SPDXRef-DOCUMENT".into());
    let ids: Vec<String> = sbom
        .components
        .iter()
        .map(|c| spdx_id("", &c.id, &mut taken))
        .collect();
    let mut advisories: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for s in &sbom.statements {
        if s.status == Status::Affected {
            advisories.entry(s.component).or_default().push(&s.cve);
        }
    }
    let mut packages: Vec<Value> = Vec::new();
    let mut relationships: Vec<Value> = sbom
        .roots
        .iter()
        .map(|&i| relationship("SPDXRef-DOCUMENT", "DESCRIBES", &ids[i]))
        .collect();
    let mut patch_ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut patch_packages: Vec<Value> = Vec::new();
    for (i, c) in sbom.components.iter().enumerate() {
        let mut refs: Vec<Value> = c
            .cpes
            .iter()
            .map(|cpe| {
                json!({
                    "referenceCategory": "SECURITY",
                    "referenceType": "cpe23Type",
                    "referenceLocator": cpe,
                })
            })
            .collect();
        if let Some(p) = &c.purl {
            refs.push(json!({
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p,
            }));
        }
        for cve in advisories.get(&i).into_iter().flatten() {
            refs.push(json!({
                "referenceCategory": "SECURITY",
                "referenceType": "advisory",
                "referenceLocator": Sbom::nvd_url(cve),
                "comment": format!("{cve}: reported by nixsec vulns (not whitelisted, not patched)"),
            }));
        }
        let mut comment = format!("store paths: {}", c.paths.join(" "));
        if let Some(d) = &c.drv {
            comment.push_str(&format!("; derivation: {d}"));
        }
        if c.full_name != c.name {
            comment.push_str(&format!("; name: {}", c.full_name));
        }
        if c.build_only {
            comment.push_str("; a build-time input only, not in the runtime closure");
        }
        let mut p = json!({
            "SPDXID": ids[i],
            "name": c.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": match c.kind {
                Kind::Package => "APPLICATION",
                Kind::File => "FILE",
            },
            "comment": comment,
        });
        if !c.version.is_empty() {
            p["versionInfo"] = json!(c.version);
        }
        if !refs.is_empty() {
            p["externalRefs"] = Value::Array(refs);
        }
        packages.push(p);
        for &j in &c.depends_on {
            relationships.push(relationship(&ids[i], "DEPENDS_ON", &ids[j]));
        }
        for patch in &c.patches {
            let id = patch_ids
                .entry(patch.path.as_str())
                .or_insert_with(|| {
                    let id = spdx_id("patch-", &patch.path, &mut taken);
                    let mut comment = format!("patch {}", patch.path);
                    if !patch.cves.is_empty() {
                        comment.push_str(&format!("; its name carries {}", patch.cves.join(", ")));
                    }
                    patch_packages.push(json!({
                        "SPDXID": id,
                        "name": patch.name,
                        "downloadLocation": "NOASSERTION",
                        "filesAnalyzed": false,
                        "licenseConcluded": "NOASSERTION",
                        "licenseDeclared": "NOASSERTION",
                        "copyrightText": "NOASSERTION",
                        "primaryPackagePurpose": "SOURCE",
                        "comment": comment,
                    }));
                    id
                })
                .clone();
            relationships.push(relationship(&id, "PATCH_APPLIED", &ids[i]));
        }
    }
    packages.extend(patch_packages);
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name(sbom),
        "documentNamespace": format!("urn:uuid:{}", sbom.uuid),
        "creationInfo": {
            "created": sbom.created_text(),
            "creators": [format!("Tool: {}-{}", sbom.tool.0, sbom.tool.1)],
        },
        "packages": packages,
        "relationships": relationships,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_spdx_ids_and_unique() {
        let mut taken = BTreeSet::new();
        let a = spdx_id(
            "",
            "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-gtk+3-3.24.drv",
            &mut taken,
        );
        assert_eq!(a, "SPDXRef-0123456789abcdfghijklmnpqrsvwxyz-gtk-3-3.24.drv");
        assert_eq!(
            spdx_id("", "gtk+3-3.24.drv", &mut taken),
            "SPDXRef-gtk-3-3.24.drv"
        );
        assert_eq!(
            spdx_id("", "gtk_3-3.24.drv", &mut taken),
            "SPDXRef-gtk-3-3.24.drv-2"
        );
    }
}
