//! Validation of SBOM and VEX documents against the official JSON schemas committed under
//! `tests/fixtures/sbom-schemas` (see the README there), with the `jsonschema` crate: draft-07
//! (CycloneDX 1.6, SPDX 2.3) and 2020-12 (OpenVEX 0.2.0), `format` keywords checked, and no
//! reference resolved outside the committed files (the validator is built offline; CycloneDX's
//! `spdx.schema.json` and `jsf-0.82.schema.json` are registered under the URIs `bom-1.6` refers
//! to them by).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A format and version with an official schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// CycloneDX 1.6 JSON.
    CycloneDx16,
    /// SPDX 2.3 JSON.
    Spdx23,
    /// OpenVEX 0.2.0.
    OpenVex020,
}

/// The directory of the committed schemas.
#[must_use]
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sbom-schemas")
}

fn load(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The errors of `doc` against `schema`, one line each (`/instance/path: message`); empty when
/// it is valid.
///
/// # Panics
/// A committed schema that cannot be read or compiled.
#[must_use]
pub fn errors(schema: Schema, doc: &Value) -> Vec<String> {
    let (main, draft) = match schema {
        Schema::CycloneDx16 => ("bom-1.6.schema.json", jsonschema::Draft::Draft7),
        Schema::Spdx23 => ("spdx-2.3.schema.json", jsonschema::Draft::Draft7),
        Schema::OpenVex020 => ("openvex-0.2.0.schema.json", jsonschema::Draft::Draft202012),
    };
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            load("spdx.schema.json"),
        )
        .and_then(|r| {
            r.add(
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                load("jsf-0.82.schema.json"),
            )
        })
        .and_then(jsonschema::RegistryBuilder::prepare)
        .unwrap_or_else(|e| panic!("schema registry: {e}"));
    let validator = jsonschema::options()
        .with_draft(draft)
        .with_registry(&registry)
        .should_validate_formats(true)
        .offline()
        .build(&load(main))
        .unwrap_or_else(|e| panic!("{main}: {e}"));
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
