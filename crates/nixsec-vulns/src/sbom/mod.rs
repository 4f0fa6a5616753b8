//! SBOM and VEX of a scanned closure: the model every writer reads ([`Sbom`]: components with
//! their store paths, CPEs, PURL, patches and runtime dependencies; VEX statements from the
//! scan, the whitelist triage and the patches), and one module per format:
//! [`cyclonedx`] (CycloneDX 1.6 JSON, with VEX), [`spdx`] (SPDX 2.3 JSON) and [`openvex`]
//! (OpenVEX 0.2.0).
//!
//! Components: one per package of the scan (the outputs of one derivation, as
//! [`crate::packages`] groups them), and one per other store path of the closure (configuration
//! files, unit files, scripts: kind [`Kind::File`]), so the dependency graph is the one Nix
//! records. Dependencies are the runtime references of the store database.
//!
//! PURL: `pkg:nix/<pname>@<version>?drvpath=<.drv>`. `nix` is not (yet) a registered PURL type:
//! the purl-spec lists it among the candidate types (its type index has no `nix`); the proposals
//! (purl-spec pull requests 314 and 877) name the package by its `pname` and `version` and carry
//! the derivation in qualifiers, which is what is written here. `pkg:generic` would be registered
//! but says nothing of where the package comes from.
//!
//! VEX status of a CVE on a package:
//! - reported (not whitelisted, not patched): `affected`;
//! - whitelisted by a rule with `until`: `under_investigation` (a temporary exception, vulnix's
//!   use of `until`); by a rule without `until`: `not_affected`. The rule's comments and issue
//!   URLs are the impact statement; a comment that starts with an OpenVEX justification label
//!   (`vulnerable_code_not_in_execute_path: ...`) gives the justification;
//! - named by a patch of the package (`CVE-2023-0464.patch`): `fixed`.

pub mod cyclonedx;
pub mod openvex;
pub mod spdx;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use nixsec_store::db::Database;

use crate::aterm;
use crate::nvd::Cvss;
use crate::packages::{cve_ids, path_name};
use crate::policy::Filter;
use crate::run::Scan;
use crate::scan::{Hit, PackageResult};

/// Why an SBOM could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// The store's database.
    #[error(transparent)]
    Db(#[from] nixsec_store::db::DbError),
    /// No random bytes for the document's serial number.
    #[error("no random bytes for the document's serial number: {0}")]
    Random(String),
    /// An OpenVEX document needs one statement at least.
    #[error("no CVE to state: an OpenVEX document needs at least one statement (nothing written)")]
    NoStatements,
    /// Writing.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Serialising.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A package: a derivation with a name and a version.
    Package,
    /// Any other store path of the closure (configuration, units, scripts).
    File,
}

/// A patch applied to a package (from the `patches` of its `.drv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    /// As written in the `.drv` (a store path, or a file name).
    pub path: String,
    /// Its file name, without the store hash.
    pub name: String,
    /// The CVE ids its name carries.
    pub cves: Vec<String>,
}

/// One component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// A reference unique in the document: the `.drv` when known, else the first store path.
    pub id: String,
    /// The pname (a package) or the store path name (a file).
    pub name: String,
    /// The version; empty for files.
    pub version: String,
    /// The derivation name (`openssl-3.0.6`).
    pub full_name: String,
    /// Package or file.
    pub kind: Kind,
    /// The deriver (`.drv`), when known.
    pub drv: Option<String>,
    /// Its store paths (outputs) in the closure.
    pub paths: Vec<String>,
    /// CPE 2.3 names, with the version (vendor known: from the map, or resolved by the scan).
    pub cpes: Vec<String>,
    /// Package URL (packages only).
    pub purl: Option<String>,
    /// Patches applied.
    pub patches: Vec<Patch>,
    /// The components its store paths reference (indices, sorted).
    pub depends_on: Vec<usize>,
    /// Only a build-time input (`--build-time`), not in the runtime closure.
    pub build_only: bool,
}

/// A VEX status, in OpenVEX's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Reported by the scan.
    Affected,
    /// Whitelisted for good.
    NotAffected,
    /// Whitelisted until a date.
    UnderInvestigation,
    /// Named by a patch of the package.
    Fixed,
}

impl Status {
    /// OpenVEX's status value.
    #[must_use]
    pub fn openvex(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::NotAffected => "not_affected",
            Status::UnderInvestigation => "under_investigation",
            Status::Fixed => "fixed",
        }
    }
}

/// OpenVEX's justifications for `not_affected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Justification {
    /// `component_not_present`.
    ComponentNotPresent,
    /// `vulnerable_code_not_present`.
    VulnerableCodeNotPresent,
    /// `vulnerable_code_not_in_execute_path`.
    VulnerableCodeNotInExecutePath,
    /// `vulnerable_code_cannot_be_controlled_by_adversary`.
    VulnerableCodeCannotBeControlledByAdversary,
    /// `inline_mitigations_already_exist`.
    InlineMitigationsAlreadyExist,
}

/// Every justification with its OpenVEX label and the closest CycloneDX 1.6 justification
/// (`None`: CycloneDX has none that says the same; the label stays in the detail).
const JUSTIFICATIONS: &[(Justification, &str, Option<&str>)] = &[
    (
        Justification::ComponentNotPresent,
        "component_not_present",
        Some("code_not_present"),
    ),
    (
        Justification::VulnerableCodeNotPresent,
        "vulnerable_code_not_present",
        Some("code_not_present"),
    ),
    (
        Justification::VulnerableCodeNotInExecutePath,
        "vulnerable_code_not_in_execute_path",
        Some("code_not_reachable"),
    ),
    (
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        "vulnerable_code_cannot_be_controlled_by_adversary",
        None,
    ),
    (
        Justification::InlineMitigationsAlreadyExist,
        "inline_mitigations_already_exist",
        Some("protected_by_mitigating_control"),
    ),
];

impl Justification {
    /// OpenVEX's label.
    #[must_use]
    pub fn openvex(self) -> &'static str {
        JUSTIFICATIONS
            .iter()
            .find(|j| j.0 == self)
            .map_or("", |j| j.1)
    }

    /// The closest CycloneDX 1.6 justification, if one says the same.
    #[must_use]
    pub fn cyclonedx(self) -> Option<&'static str> {
        JUSTIFICATIONS
            .iter()
            .find(|j| j.0 == self)
            .and_then(|j| j.2)
    }

    /// The justification a whitelist comment starts with: the label alone, or followed by `:`,
    /// a space or a dash (`vulnerable_code_not_present: the module is not built`).
    #[must_use]
    pub fn from_comment(comment: &str) -> Option<Justification> {
        let c = comment.trim_start();
        JUSTIFICATIONS.iter().find_map(|(j, label, _)| {
            let rest = c.strip_prefix(label)?;
            (rest.is_empty() || rest.starts_with([':', ' ', '-', ','])).then_some(*j)
        })
    }
}

/// One VEX statement: a CVE on a component.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The CVE id.
    pub cve: String,
    /// The component (index).
    pub component: usize,
    /// Its status.
    pub status: Status,
    /// For `not_affected`: from the whitelist comment, when it names one.
    pub justification: Option<Justification>,
    /// Why, in one line: the whitelist rule (file, key, until, comments, issue URLs) or the
    /// patch; for `affected`, the CPE criteria that matched.
    pub notes: String,
    /// The whitelist rule's date, for `under_investigation`.
    pub until: Option<NaiveDate>,
    /// The patches naming the CVE, for `fixed` (indices into the component's patches).
    pub patches: Vec<usize>,
    /// NVD's score.
    pub cvss: Option<Cvss>,
    /// NVD's description.
    pub description: String,
}

/// The document model every writer reads.
#[derive(Debug, Clone)]
pub struct Sbom {
    /// A random UUID (the CycloneDX serial number, the SPDX namespace, the OpenVEX id).
    pub uuid: String,
    /// When the scan ran.
    pub created: DateTime<Utc>,
    /// The tool's name and version.
    pub tool: (String, String),
    /// The components the targets are (indices), in target order.
    pub roots: Vec<usize>,
    /// Every component: packages sorted by name and version, then files by path.
    pub components: Vec<Component>,
    /// VEX statements, by component then CVE.
    pub statements: Vec<Statement>,
}

/// The documents this module writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.6 JSON (SBOM with VEX).
    CycloneDx,
    /// SPDX 2.3 JSON (SBOM).
    Spdx,
    /// OpenVEX 0.2.0 (VEX).
    OpenVex,
}

/// Build the model of a finished scan (see [`Sbom::build`]) and write it as `format`.
///
/// # Errors
/// See [`Sbom::build`] and the writers.
pub fn render(
    format: Format,
    scan: &Scan,
    store_root: &Path,
    filter: &Filter,
    tool: (&str, &str),
    created: DateTime<Utc>,
) -> Result<Vec<u8>, SbomError> {
    let model = Sbom::build(scan, store_root, filter, tool, created)?;
    let mut buf = Vec::new();
    match format {
        Format::CycloneDx => cyclonedx::write(&model, &mut buf)?,
        Format::Spdx => spdx::write(&model, &mut buf)?,
        Format::OpenVex => openvex::write(&model, &mut buf)?,
    }
    Ok(buf)
}

/// A random version-4 UUID.
///
/// # Errors
/// The system has no random bytes to give.
pub fn random_uuid() -> Result<String, SbomError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| SbomError::Random(e.to_string()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A CPE 2.3 formatted-string attribute value: lowercased, every character other than a
/// letter, a digit, `_`, `-` and `.` quoted with `\` (NISTIR 7695 §6.2); empty is ANY.
#[must_use]
pub fn cpe_value(s: &str) -> String {
    if s.is_empty() {
        return "*".into();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encode everything but the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`).
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The PURL of a package: `pkg:nix/<pname>@<version>?drvpath=<.drv>` (see the module doc).
#[must_use]
pub fn purl(pname: &str, version: &str, drv: Option<&str>) -> String {
    let mut s = format!("pkg:nix/{}", percent_encode(pname));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&percent_encode(version));
    }
    if let Some(d) = drv {
        s.push_str("?drvpath=");
        s.push_str(&percent_encode(d));
    }
    s
}

/// The CPE 2.3 names of a package: each identity of the map with a vendor (or the vendor the
/// scan resolved from the NVD data), with the package's version and the identity's
/// `target_sw`.
fn cpes(
    scan: &Scan,
    pname: &str,
    name: &str,
    version: &str,
    hit: Option<&PackageResult>,
) -> Vec<String> {
    let (ids, _) = scan.mapping.identities(pname, name);
    let mut out = Vec::new();
    for id in &ids {
        let part = id.part.to_string();
        let vendor = id.vendor.clone().or_else(|| {
            // The scan's identities: `part:vendor:product`, vendor `*` while unknown.
            hit.and_then(|h| {
                h.cpes.iter().find_map(|c| {
                    let mut f = c.splitn(3, ':');
                    let (p, v, pr) = (f.next()?, f.next()?, f.next()?);
                    (p == part && pr == id.product && v != "*").then(|| v.to_string())
                })
            })
        });
        let Some(vendor) = vendor else { continue };
        let cpe = format!(
            "cpe:2.3:{}:{}:{}:{}:*:*:*:*:{}:*:*",
            part,
            cpe_value(&vendor),
            cpe_value(&id.product),
            cpe_value(version),
            id.target_sw
                .first()
                .map_or_else(|| "*".into(), |t| cpe_value(t))
        );
        if !out.contains(&cpe) {
            out.push(cpe);
        }
    }
    out
}

/// The patches of a derivation, read from its `.drv` under `store_root` (none when it cannot be
/// read: the scan has reported that already).
fn patches(store_root: &Path, drv: &str) -> Vec<Patch> {
    let file = store_root.join(drv.trim_start_matches('/'));
    let Ok(bytes) = std::fs::read(file) else {
        return Vec::new();
    };
    let Ok(d) = aterm::parse(&bytes) else {
        return Vec::new();
    };
    d.info()
        .patches
        .into_iter()
        .map(|p| {
            let name = path_name(&p).to_string();
            Patch {
                cves: cve_ids(&name),
                name,
                path: p,
            }
        })
        .collect()
}

/// The whitelist rule's line for people: `whitelisted by ["key"] in FILE until DATE: comment;
/// url`.
fn whitelist_notes(scan: &Scan, h: &Hit) -> (String, Option<NaiveDate>, Option<Justification>) {
    let Some(r) = h.whitelisted_by.and_then(|i| scan.whitelist.rules.get(i)) else {
        return ("whitelisted".into(), None, None);
    };
    let mut s = format!("whitelisted by [\"{}\"] in {}", r.key, r.file);
    if let Some(u) = r.until {
        s.push_str(&format!(" until {u}"));
    }
    let extra: Vec<&str> = r
        .comments
        .iter()
        .chain(&r.issue_urls)
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        s.push_str(": ");
        s.push_str(&extra.join("; "));
    }
    let just = r
        .comments
        .iter()
        .find_map(|c| Justification::from_comment(c));
    (s, r.until, just)
}

impl Sbom {
    /// Build the model of a finished scan: the closure of its targets in the store under
    /// `store_root`, and statements for the CVEs `filter` keeps.
    ///
    /// # Errors
    /// An unreadable store database, no random bytes.
    pub fn build(
        scan: &Scan,
        store_root: &Path,
        filter: &Filter,
        tool: (&str, &str),
        created: DateTime<Utc>,
    ) -> Result<Sbom, SbomError> {
        let db = Database::load(store_root)?;
        let packages = &scan.selection.packages;
        // `.drv` targets stand for their outputs.
        let mut roots: Vec<String> = Vec::new();
        for t in &scan.targets {
            if t.ends_with(".drv") {
                for p in packages.iter().filter(|p| p.drv.as_deref() == Some(t)) {
                    roots.extend(p.paths.iter().filter(|x| db.get(x).is_some()).cloned());
                }
            } else {
                roots.push(t.clone());
            }
        }
        // The paths the scan examined: the closure of the targets, or the targets alone when
        // the scan looked at nothing more (`selection.paths` counts what it examined).
        let (mut closure, _) = db.closure(&roots);
        if scan.selection.paths < closure.len() {
            closure = roots
                .iter()
                .filter(|r| db.get(r).is_some())
                .cloned()
                .collect();
            closure.sort();
            closure.dedup();
        }
        let hits: HashMap<(&Option<String>, &[String]), &PackageResult> = scan
            .result
            .packages
            .iter()
            .map(|r| ((&r.package.drv, r.package.paths.as_slice()), r))
            .collect();
        let mut components: Vec<Component> = Vec::new();
        let mut by_path: HashMap<&str, usize> = HashMap::new();
        let mut results: Vec<Option<&PackageResult>> = Vec::new();
        for p in packages {
            let i = components.len();
            for x in &p.paths {
                by_path.entry(x.as_str()).or_insert(i);
            }
            let hit = hits.get(&(&p.drv, p.paths.as_slice())).copied();
            results.push(hit);
            components.push(Component {
                id: p
                    .drv
                    .clone()
                    .or_else(|| p.paths.first().cloned())
                    .unwrap_or_else(|| p.name.clone()),
                name: p.pname.clone(),
                version: p.version.clone(),
                full_name: p.name.clone(),
                kind: Kind::Package,
                drv: p.drv.clone(),
                paths: p.paths.clone(),
                cpes: cpes(scan, &p.pname, &p.name, &p.version, hit),
                purl: Some(purl(&p.pname, &p.version, p.drv.as_deref())),
                patches: p
                    .drv
                    .as_deref()
                    .map(|d| patches(store_root, d))
                    .unwrap_or_default(),
                depends_on: Vec::new(),
                build_only: p.build_only,
            });
        }
        for p in &closure {
            if by_path.contains_key(p.as_str()) {
                continue;
            }
            by_path.insert(p.as_str(), components.len());
            let name = path_name(p).to_string();
            components.push(Component {
                id: p.clone(),
                name: name.clone(),
                version: String::new(),
                full_name: name,
                kind: Kind::File,
                drv: db.get(p).and_then(|r| r.deriver.clone()),
                paths: vec![p.clone()],
                cpes: Vec::new(),
                purl: None,
                patches: Vec::new(),
                depends_on: Vec::new(),
                build_only: false,
            });
        }
        // Two packages can share an id only when neither has a `.drv` nor a path; keep ids
        // unique all the same.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for c in &mut components {
            let n = seen.entry(c.id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                c.id = format!("{}#{}", c.id, n);
            }
        }
        for c in &mut components {
            let mut deps: BTreeSet<usize> = BTreeSet::new();
            for p in &c.paths {
                let Some(row) = db.get(p) else { continue };
                for r in &row.references {
                    if let Some(&j) = by_path.get(r.as_str()) {
                        deps.insert(j);
                    }
                }
            }
            if let Some(&me) = c.paths.first().and_then(|p| by_path.get(p.as_str())) {
                deps.remove(&me);
            }
            c.depends_on = deps.into_iter().collect();
        }
        let mut root_ix: Vec<usize> = Vec::new();
        for r in &roots {
            if let Some(&i) = by_path.get(r.as_str()) {
                if !root_ix.contains(&i) {
                    root_ix.push(i);
                }
            }
        }
        let mut statements = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let Some(r) = r else { continue };
            let stmt = |h: &Hit, status: Status| Statement {
                cve: h.id.clone(),
                component: i,
                status,
                justification: None,
                notes: String::new(),
                until: None,
                patches: Vec::new(),
                cvss: h.cvss.clone(),
                description: h.description.clone(),
            };
            let mut mine: Vec<Statement> = Vec::new();
            for h in filter.shown(&r.affected) {
                let mut s = stmt(h, Status::Affected);
                s.notes = format!(
                    "{} {} is in the range NVD lists for {}",
                    r.package.pname,
                    r.package.version,
                    h.criteria.join(", ")
                );
                mine.push(s);
            }
            for h in filter.shown(&r.whitelisted) {
                let (notes, until, just) = whitelist_notes(scan, h);
                let mut s = stmt(
                    h,
                    if until.is_some() {
                        Status::UnderInvestigation
                    } else {
                        Status::NotAffected
                    },
                );
                s.notes = notes;
                s.until = until;
                if s.status == Status::NotAffected {
                    s.justification = just;
                }
                mine.push(s);
            }
            for h in filter.shown(&r.patched) {
                let mut s = stmt(h, Status::Fixed);
                let c = &components[i];
                s.patches = c
                    .patches
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.cves.contains(&h.id))
                    .map(|(k, _)| k)
                    .collect();
                let names: Vec<&str> = s
                    .patches
                    .iter()
                    .map(|&k| c.patches[k].name.as_str())
                    .collect();
                s.notes = if names.is_empty() {
                    "fixed by a patch of the derivation that names it".into()
                } else {
                    format!("fixed by the patch {}", names.join(", "))
                };
                mine.push(s);
            }
            mine.sort_by(|a, b| a.cve.cmp(&b.cve).then(a.status.cmp(&b.status)));
            statements.extend(mine);
        }
        Ok(Sbom {
            uuid: random_uuid()?,
            created,
            tool: (tool.0.to_string(), tool.1.to_string()),
            roots: root_ix,
            components,
            statements,
        })
    }

    /// The NVD page of a CVE.
    #[must_use]
    pub fn nvd_url(cve: &str) -> String {
        format!("https://nvd.nist.gov/vuln/detail/{cve}")
    }

    /// The creation time as `YYYY-MM-DDThh:mm:ssZ` (SPDX's form; CycloneDX and OpenVEX accept it).
    #[must_use]
    pub fn created_text(&self) -> String {
        self.created.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe_values_are_quoted() {
        assert_eq!(cpe_value("3.0.6"), "3.0.6");
        assert_eq!(cpe_value("1.0+git20240101"), "1.0\\+git20240101");
        assert_eq!(cpe_value("OpenSSL"), "openssl");
        assert_eq!(cpe_value("a:b/c"), "a\\:b\\/c");
        assert_eq!(cpe_value(""), "*");
    }

    #[test]
    fn purls_encode_names_versions_and_qualifiers() {
        assert_eq!(purl("openssl", "3.0.6", None), "pkg:nix/openssl@3.0.6");
        assert_eq!(
            purl(
                "gtk+3",
                "3.24.41",
                Some("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-gtk+3-3.24.41.drv")
            ),
            "pkg:nix/gtk%2B3@3.24.41?drvpath=%2Fnix%2Fstore%2F0123456789abcdfghijklmnpqrsvwxyz-gtk%2B3-3.24.41.drv"
        );
    }

    #[test]
    fn justifications_from_comments() {
        assert_eq!(
            Justification::from_comment("vulnerable_code_not_in_execute_path: no TLS server"),
            Some(Justification::VulnerableCodeNotInExecutePath)
        );
        assert_eq!(
            Justification::from_comment("  component_not_present"),
            Some(Justification::ComponentNotPresent)
        );
        assert_eq!(
            Justification::from_comment("vulnerable_code_not_presentable"),
            None
        );
        assert_eq!(Justification::from_comment("false positive"), None);
        assert_eq!(
            Justification::InlineMitigationsAlreadyExist.cyclonedx(),
            Some("protected_by_mitigating_control")
        );
        assert_eq!(
            Justification::VulnerableCodeCannotBeControlledByAdversary.cyclonedx(),
            None
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let u = random_uuid().expect("random");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_ne!(u, random_uuid().expect("random"));
    }
}
