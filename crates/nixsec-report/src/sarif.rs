//! The SARIF 2.1.0 report, for code-scanning dashboards, built with `serde-sarif`'s types.
//!
//! One run. `tool.driver.rules` holds one reporting descriptor per distinct rule id among the
//! report's findings (every status), sorted by id. Results are the `fail` findings only; a
//! failure accepted by an ignore carries an `external` suppression. Locations are relative
//! URIs against the `ROOT` base id, which `originalUriBaseIds` maps to the audited root.
//! The mapping is documented in `docs/json-output.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use nixsec_core::{Finding, Report, Severity, Status};
use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use crate::Options;

/// The `$schema` written into every SARIF log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";

/// The `uriBaseId` every location is relative to; `originalUriBaseIds` maps it to the root.
pub const ROOT_BASE_ID: &str = "ROOT";

/// The SARIF level of a severity: critical and high are `error`, medium is `warning`, low and
/// info are `note`.
#[must_use]
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

/// The `security-severity` property (a CVSS-like score as a string) of a severity.
#[must_use]
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "2.5",
        Severity::Info => "0.0",
    }
}

/// Percent-encode every byte of `s` that is not unreserved (RFC 3986) and not `/`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The relative URI of an evidence path (`/etc/nix/nix.conf` becomes `etc/nix/nix.conf`).
fn relative_uri(path: &str) -> String {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        ".".to_string()
    } else {
        percent_encode(rel)
    }
}

/// The `file://` URI of the audited root, with a trailing slash.
fn root_uri(root: &str) -> String {
    let mut uri = String::from("file://");
    if !root.starts_with('/') {
        uri.push('/');
    }
    uri.push_str(&percent_encode(root));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn descriptor(f: &Finding) -> ReportingDescriptor {
    // The catalogue describes the rule (its default severity and generic fix); a finding's own
    // severity and exact fix belong to its result.
    let entry = nixsec_catalogue::get(&f.rule);
    let title = entry.map_or(f.title.as_str(), |e| e.title);
    let full = entry.map_or(title, |e| e.rationale);
    let (fix, nixos) = entry.map_or(
        (f.remediation.text.as_str(), f.remediation.nixos.as_str()),
        |e| (e.fix, e.nixos),
    );
    let severity = entry.map_or(f.severity, |e| e.severity);
    let help = format!("{fix}\n\nNixOS:\n{nixos}");
    let help_md = format!("{fix}\n\n**NixOS:**\n\n```nix\n{nixos}\n```");
    let mut props = BTreeMap::from([
        ("section".to_string(), json!(f.section)),
        (
            "security-severity".to_string(),
            json!(security_severity(severity)),
        ),
    ]);
    if let Some(e) = entry {
        for (k, v) in [
            ("lynis", e.others.lynis),
            ("devsec", e.others.devsec),
            ("cis", e.others.cis),
        ] {
            if !v.is_empty() {
                props.insert(k.to_string(), json!(v));
            }
        }
    }
    ReportingDescriptor::builder()
        .id(f.rule.clone())
        .name(title)
        .short_description(text(title))
        .full_description(text(full))
        .help(
            MultiformatMessageString::builder()
                .text(help)
                .markdown(help_md)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), f.section.clone()])
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn result(f: &Finding, rule_index: usize) -> io::Result<SarifResult> {
    let props = BTreeMap::from([
        (
            "evidence".to_string(),
            serde_json::to_value(&f.evidence).map_err(io::Error::from)?,
        ),
        ("severity".to_string(), json!(f.severity.as_str())),
    ]);
    let mut props = props;
    if let Some(subject) = &f.subject {
        props.insert("subject".to_string(), json!(subject));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule.clone())
        .rule_index(i64::try_from(rule_index).unwrap_or(i64::MAX))
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    if !f.evidence.is_empty() {
        let locations = f
            .evidence
            .iter()
            .map(|e| {
                let artifact = ArtifactLocation::builder()
                    .uri(relative_uri(&e.path))
                    .uri_base_id(ROOT_BASE_ID)
                    .build();
                let mut physical = PhysicalLocation::builder()
                    .artifact_location(artifact)
                    .build();
                physical.region = e
                    .line
                    .map(|l| Region::builder().start_line(i64::from(l)).build());
                Location::builder().physical_location(physical).build()
            })
            .collect();
        r.locations = Some(locations);
    }
    if let Some(ig) = &f.ignored {
        let mut s = Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(ig.reason.clone())
            .build();
        if let Some(until) = &ig.until {
            s.properties = Some(
                PropertyBag::builder()
                    .additional_properties(BTreeMap::from([("until".to_string(), json!(until))]))
                    .build(),
            );
        }
        r.suppressions = Some(vec![s]);
    }
    Ok(r)
}

fn log(report: &Report) -> io::Result<Sarif> {
    // One descriptor per distinct rule id, sorted; the first finding of each id describes it.
    let mut by_id: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &report.findings {
        by_id.entry(f.rule.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = by_id.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<ReportingDescriptor> = by_id.values().map(|f| descriptor(f)).collect();

    let mut results = Vec::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        let i = index.get(f.rule.as_str()).copied().unwrap_or_default();
        results.push(result(f, i)?);
    }

    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .version(report.tool.version.clone())
        .rules(rules)
        .build();
    let bases = BTreeMap::from([(
        ROOT_BASE_ID.to_string(),
        ArtifactLocation::builder()
            .uri(root_uri(&report.root))
            .build(),
    )]);
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![Invocation::builder()
            .execution_successful(true)
            .build()])
        .original_uri_base_ids(bases)
        .results(results)
        .build();
    Ok(Sarif::builder()
        .schema(SCHEMA)
        .version(Value::from(VERSION))
        .runs(vec![run])
        .build())
}

/// Render `report` as a pretty-printed SARIF 2.1.0 log followed by a newline. `opts` is not
/// used.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(report: &Report, _opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let sarif = log(report)?;
    nixsec_core::json::to_writer_pretty(&mut *out, &sarif).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn output() -> (Value, Sarif) {
        let mut out = Vec::new();
        render(&testdata::report(), &Options::default(), &mut out).expect("render");
        let v: Value = serde_json::from_slice(&out).expect("JSON");
        let sarif: Sarif = serde_json::from_slice(&out).expect("deserialises as serde_sarif Sarif");
        (v, sarif)
    }

    #[test]
    fn deserialises_into_serde_sarif() {
        let (v, sarif) = output();
        assert_eq!(sarif.version, json!("2.1.0"));
        assert_eq!(
            sarif.schema.as_deref(),
            Some("https://json.schemastore.org/sarif-2.1.0.json")
        );
        assert_eq!(
            v["$schema"],
            "https://json.schemastore.org/sarif-2.1.0.json"
        );
        assert_eq!(sarif.runs.len(), 1);
        let run = &sarif.runs[0];
        assert_eq!(run.tool.driver.name, "nixsec");
        assert_eq!(run.tool.driver.version.as_deref(), Some("0.1.0"));
        let inv = run.invocations.as_ref().expect("invocations");
        assert_eq!(inv.len(), 1);
        assert!(inv[0].execution_successful);
        let bases = run
            .original_uri_base_ids
            .as_ref()
            .expect("originalUriBaseIds");
        assert_eq!(
            bases["ROOT"].uri.as_deref(),
            Some("file:///mnt/host%20root/")
        );
    }

    #[test]
    fn rules_are_every_distinct_rule_sorted() {
        let (v, sarif) = output();
        let rules = sarif.runs[0].tool.driver.rules.as_ref().expect("rules");
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["NIX-011", "NIX-012", "NIX-013", "NIX-050", "NIX-071", "NIX-072", "NIX-110"]
        );
        // A catalogue rule is described by its catalogue entry (its default severity, its
        // generic fix), whatever a finding of it says.
        let crit = &v["runs"][0]["tool"]["driver"]["rules"][1];
        let e = nixsec_catalogue::entry("NIX-012");
        assert_eq!(
            crit,
            &json!({
                "id": "NIX-012",
                "name": e.title,
                "shortDescription": {"text": e.title},
                "fullDescription": {"text": e.rationale},
                "help": {
                    "text": format!("{}\n\nNixOS:\n{}", e.fix, e.nixos),
                    "markdown": format!("{}\n\n**NixOS:**\n\n```nix\n{}\n```", e.fix, e.nixos),
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {
                    "section": "multi-user",
                    "security-severity": "7.5",
                    "tags": ["security", "multi-user"],
                },
            })
        );
        let rules_json = v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        let levels: Vec<(&str, &str, &str)> = rules_json
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap_or(""),
                    r["defaultConfiguration"]["level"].as_str().unwrap_or(""),
                    r["properties"]["security-severity"].as_str().unwrap_or(""),
                )
            })
            .collect();
        // The catalogue's default severities: NIX-011, 012, 071, 072 high; 050, 110 medium;
        // 013 low.
        assert_eq!(
            levels,
            [
                ("NIX-011", "error", "7.5"),
                ("NIX-012", "error", "7.5"),
                ("NIX-013", "note", "2.5"),
                ("NIX-050", "warning", "5.0"),
                ("NIX-071", "error", "7.5"),
                ("NIX-072", "error", "7.5"),
                ("NIX-110", "warning", "5.0"),
            ]
        );
    }

    #[test]
    fn only_failures_are_results_and_indices_point_right() {
        let (_, sarif) = output();
        let run = &sarif.runs[0];
        let rules = run.tool.driver.rules.as_ref().expect("rules");
        let results = run.results.as_ref().expect("results");
        let ids: Vec<&str> = results
            .iter()
            .filter_map(|r| r.rule_id.as_deref())
            .collect();
        assert_eq!(ids, ["NIX-012", "NIX-013", "NIX-071"]);
        for r in results {
            let id = r.rule_id.as_deref().expect("ruleId");
            assert!(rules.iter().any(|d| d.id == id), "{id} not among the rules");
            let i = usize::try_from(r.rule_index.expect("ruleIndex")).expect("non-negative");
            assert_eq!(rules[i].id, id);
        }
        let levels: Vec<Option<ResultLevel>> = results.iter().map(|r| r.level).collect();
        assert_eq!(
            levels,
            [
                Some(ResultLevel::Error),
                Some(ResultLevel::Error),
                Some(ResultLevel::Warning)
            ]
        );
        assert_eq!(
            results[0].message.text.as_deref(),
            Some("the build sandbox is disabled")
        );
    }

    #[test]
    fn locations_are_relative_with_lines() {
        let (v, sarif) = output();
        let results = sarif.runs[0].results.as_ref().expect("results");
        for r in results {
            for l in r.locations.iter().flatten() {
                let a = l
                    .physical_location
                    .as_ref()
                    .and_then(|p| p.artifact_location.as_ref())
                    .expect("artifact");
                let uri = a.uri.as_deref().expect("uri");
                assert!(
                    !uri.starts_with('/') && !uri.contains("://") && !uri.contains(':'),
                    "{uri}"
                );
                assert!(!uri.contains(' ') && !uri.contains('\n'), "{uri}");
                assert_eq!(a.uri_base_id.as_deref(), Some("ROOT"));
            }
        }
        let crit = &v["runs"][0]["results"][0];
        assert_eq!(
            crit["locations"],
            json!([
                {"physicalLocation": {
                    "artifactLocation": {"uri": "etc/nix/nix.conf", "uriBaseId": "ROOT"},
                    "region": {"startLine": 3},
                }},
                {"physicalLocation": {
                    "artifactLocation": {"uri": "etc/nix/evil%0Aname%20conf", "uriBaseId": "ROOT"},
                }},
            ])
        );
        assert_eq!(
            crit["properties"]["evidence"],
            json!([
                {"path": "/etc/nix/nix.conf", "line": 3, "value": "sandbox = false"},
                {"path": "/etc/nix/evil\nname conf", "value": "sandbox = \u{1b}[2Jrelaxed"},
            ])
        );
        assert!(crit.get("suppressions").is_none());
        // A failure without evidence has no locations.
        assert_eq!(v["runs"][0]["results"][2]["ruleId"], "NIX-071");
        assert!(v["runs"][0]["results"][2].get("locations").is_none());
    }

    #[test]
    fn ignored_failures_are_suppressed() {
        let (v, _) = output();
        let ignored = &v["runs"][0]["results"][1];
        assert_eq!(ignored["ruleId"], "NIX-013");
        assert_eq!(
            ignored["suppressions"],
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "build box\u{7} only",
                "properties": {"until": "2027-01-01"},
            }])
        );
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(relative_uri("/etc/nix/nix.conf"), "etc/nix/nix.conf");
        assert_eq!(
            relative_uri("//a b/c:d/é+x#y?z%"),
            "a%20b/c%3Ad/%C3%A9%2Bx%23y%3Fz%25"
        );
        assert_eq!(relative_uri("/"), ".");
        assert_eq!(root_uri("/"), "file:///");
        assert_eq!(root_uri("/srv/img/"), "file:///srv/img/");
    }
}
