//! What is scanned: the runtime closure of the targets (references from `db.sqlite`), each
//! output mapped to its deriver's `.drv` for pname, version, name and patches; optionally the
//! build-time closure (the `.drv` inputs, recursively).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use nixsec_store::db::Database;

use crate::aterm::{self, DrvInfo};
use crate::version::parse_drv_name;

/// A package found in the closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Derivation name (`openssl-3.0.6`).
    pub name: String,
    /// pname.
    pub pname: String,
    /// version.
    pub version: String,
    /// The `.drv`, when known.
    pub drv: Option<String>,
    /// Its store paths in the scanned set (outputs).
    pub paths: Vec<String>,
    /// Only in the build-time closure.
    pub build_only: bool,
    /// CVE ids named by its patches.
    pub patched: BTreeSet<String>,
}

/// The scanned set.
#[derive(Debug, Default)]
pub struct Selection {
    /// Packages, sorted by pname then version.
    pub packages: Vec<Package>,
    /// Problems that did not stop the scan (a `.drv` that is not ATerm...), one line each.
    pub problems: Vec<String>,
    /// Store paths examined.
    pub paths: usize,
}

/// Why the selection failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// The database.
    #[error(transparent)]
    Db(#[from] nixsec_store::db::DbError),
    /// A target that is not a valid store path.
    #[error("`{0}`: not a valid path in the store's database")]
    Invalid(String),
}

/// File name endings of derivations that are not packages (sources, patches).
const NOT_PACKAGES: &[&str] = &[
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".tar.lz",
    ".tar.zst",
    ".tgz",
    ".tbz2",
    ".txz",
    ".zip",
    ".gem",
    ".patch",
    ".patch.gz",
    ".patch.xz",
    ".diff",
    ".diff.gz",
    ".jar",
    ".whl",
    ".crate",
    ".deb",
    ".rpm",
    ".sh",
    ".conf",
    ".json",
    ".nix",
];

/// Output names nixpkgs appends to store path names (`openssl-3.0.6-dev`).
const OUTPUT_SUFFIXES: &[&str] = &[
    "-bin",
    "-dev",
    "-lib",
    "-out",
    "-man",
    "-doc",
    "-info",
    "-devdoc",
    "-debug",
    "-static",
    "-modules",
    "-py",
    "-data",
    "-lib32",
    "-terminfo",
];

/// The name part of a store path (after the hash).
#[must_use]
pub fn path_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    match base.find('-') {
        Some(32) => &base[33..],
        _ => base,
    }
}

/// CVE ids (`CVE-YYYY-NNNN...`, any case, `_` also accepted as separator) in a string,
/// uppercased.
#[must_use]
pub fn cve_ids(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= b.len() {
        if b[i..i + 3].eq_ignore_ascii_case(b"cve") && (b[i + 3] == b'-' || b[i + 3] == b'_') {
            let y = i + 4;
            let ye = y + b[y..].iter().take_while(|c| c.is_ascii_digit()).count();
            if ye - y == 4 && b.get(ye).is_some_and(|c| *c == b'-' || *c == b'_') {
                let n = ye + 1;
                let ne = n + b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
                if ne - n >= 4 {
                    out.push(format!("CVE-{}-{}", &s[y..ye], &s[n..ne]));
                    i = ne;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

fn is_package_name(name: &str) -> bool {
    !NOT_PACKAGES.iter().any(|e| name.ends_with(e)) && !name.ends_with(".drv")
}

/// pname/version of a derivation: its `pname`/`version` when set, else its name split as
/// `parseDrvName` does.
fn identify(info: &DrvInfo) -> (String, String) {
    let (sp, sv) = parse_drv_name(&info.name);
    let pname = info.pname.clone().unwrap_or_else(|| sp.to_string());
    let version = info.version.clone().unwrap_or_else(|| sv.to_string());
    (pname, version)
}

/// Reads `.drv` files under a store root, once each.
struct Drvs<'a> {
    store_root: &'a Path,
    cache: HashMap<String, Option<aterm::Derivation>>,
    problems: Vec<String>,
}

impl Drvs<'_> {
    fn file(&self, path: &str) -> PathBuf {
        self.store_root.join(path.trim_start_matches('/'))
    }
    fn get(&mut self, path: &str) -> Option<&aterm::Derivation> {
        if !self.cache.contains_key(path) {
            let file = self.file(path);
            let parsed = match std::fs::read(&file) {
                Ok(bytes) => match aterm::parse(&bytes) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.problems.push(format!(
                            "`{}`: {e}; using the store path name instead",
                            file.display()
                        ));
                        None
                    }
                },
                // No `.drv` (substituted from a cache, or garbage-collected): fall back silently.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    self.problems.push(format!(
                        "`{}`: {e}; using the store path name instead",
                        file.display()
                    ));
                    None
                }
            };
            self.cache.insert(path.to_string(), parsed);
        }
        self.cache.get(path).and_then(Option::as_ref)
    }
}

/// What is scanned around the targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The runtime closure of the targets (nixsec's default; vulnix's `-C`).
    #[default]
    Runtime,
    /// The runtime closure and the build-time inputs of its derivations (`--build-time`;
    /// vulnix's default, `-r`).
    BuildTime,
    /// The targets themselves, without their closure (vulnix's `-R`).
    Targets,
}

impl Scope {
    /// For people: `runtime closure`, ...
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Runtime => "the runtime closure of the targets",
            Scope::BuildTime => "the runtime closure and the build-time inputs of the targets",
            Scope::Targets => "the targets only, without their closure",
        }
    }
}

/// Select the packages of the closure of `targets` (logical store paths) in the store under
/// `store_root`; with `build_time`, also their build-time inputs.
///
/// # Errors
/// An unreadable database, or a target that is not valid in it.
pub fn select(
    store_root: &Path,
    targets: &[String],
    build_time: bool,
) -> Result<Selection, SelectError> {
    let scope = if build_time {
        Scope::BuildTime
    } else {
        Scope::Runtime
    };
    select_scope(store_root, targets, scope)
}

/// Select the packages of `targets` (logical store paths) in the store under `store_root`, with
/// what `scope` adds around them.
///
/// # Errors
/// An unreadable database, or a target that is not valid in it.
pub fn select_scope(
    store_root: &Path,
    targets: &[String],
    scope: Scope,
) -> Result<Selection, SelectError> {
    let build_time = scope == Scope::BuildTime;
    let db = Database::load(store_root)?;
    let mut drvs = Drvs {
        store_root,
        cache: HashMap::new(),
        problems: Vec::new(),
    };
    // `.drv` targets stand for their outputs (and, with build-time, their inputs).
    let mut roots = Vec::new();
    let mut drv_roots = Vec::new();
    for t in targets {
        if t.ends_with(".drv") {
            drv_roots.push(t.clone());
            if let Some(d) = drvs.get(t) {
                roots.extend(
                    d.outputs
                        .values()
                        .map(|o| o.0.clone())
                        .filter(|p| db.get(p).is_some()),
                );
            }
        } else if db.get(t).is_none() {
            return Err(SelectError::Invalid(t.clone()));
        } else {
            roots.push(t.clone());
        }
    }
    let closure = if scope == Scope::Targets {
        let mut r = roots.clone();
        r.sort();
        r.dedup();
        r
    } else {
        db.closure(&roots).0
    };
    let mut sel = Selection {
        paths: closure.len(),
        ..Selection::default()
    };
    // Group outputs by deriver.
    let mut by_key: BTreeMap<String, Package> = BTreeMap::new();
    for p in &closure {
        if p.ends_with(".drv") {
            continue;
        }
        let deriver = db.get(p).and_then(|r| r.deriver.clone());
        let info = deriver
            .as_deref()
            .and_then(|d| drvs.get(d))
            .map(aterm::Derivation::info);
        let (key, name, pname, version, patches, drv) = match info {
            Some(i) => {
                let (pn, v) = identify(&i);
                (
                    deriver.clone().unwrap_or_default(),
                    i.name.clone(),
                    pn,
                    v,
                    i.patches,
                    deriver.clone(),
                )
            }
            None => {
                let mut n = path_name(p);
                for s in OUTPUT_SUFFIXES {
                    if let Some(x) = n.strip_suffix(s) {
                        n = x;
                        break;
                    }
                }
                let (pn, v) = parse_drv_name(n);
                (
                    deriver.clone().unwrap_or_else(|| n.to_string()),
                    n.to_string(),
                    pn.to_string(),
                    v.to_string(),
                    Vec::new(),
                    deriver.clone().filter(|d| drvs.file(d).exists()),
                )
            }
        };
        if !is_package_name(&name) || version.is_empty() {
            continue;
        }
        let e = by_key.entry(key).or_insert_with(|| Package {
            name,
            pname,
            version,
            drv,
            paths: Vec::new(),
            build_only: false,
            patched: patches.iter().flat_map(|x| cve_ids(x)).collect(),
        });
        e.paths.push(p.clone());
    }
    if build_time {
        let mut stack: Vec<String> = by_key
            .values()
            .filter_map(|p| p.drv.clone())
            .chain(drv_roots)
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        while let Some(d) = stack.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            let Some(drv) = drvs.get(&d) else { continue };
            stack.extend(drv.input_drvs.keys().cloned());
            let info = drv.info();
            let outputs: Vec<String> = drv.outputs.values().map(|o| o.0.clone()).collect();
            if by_key.contains_key(&d) {
                continue;
            }
            let (pname, version) = identify(&info);
            if !is_package_name(&info.name) || version.is_empty() {
                continue;
            }
            by_key.insert(
                d.clone(),
                Package {
                    name: info.name.clone(),
                    pname,
                    version,
                    drv: Some(d.clone()),
                    paths: outputs,
                    build_only: true,
                    patched: info.patches.iter().flat_map(|x| cve_ids(x)).collect(),
                },
            );
        }
    }
    sel.packages = by_key.into_values().collect();
    sel.packages.sort_by(|a, b| {
        (&a.pname, &a.version, &a.name, &a.drv).cmp(&(&b.pname, &b.version, &b.name, &b.drv))
    });
    sel.problems = drvs.problems;
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cve_ids() {
        assert_eq!(
            cve_ids("/nix/store/abc-CVE-2023-0464.patch"),
            ["CVE-2023-0464"]
        );
        assert_eq!(
            cve_ids(
                "fix-cve-2021-3156_and-CVE-2024-123456.diff CVE-20-1 cve-2022-12 CVE_2023_4567"
            ),
            ["CVE-2021-3156", "CVE-2024-123456", "CVE-2023-4567"]
        );
    }

    #[test]
    fn path_names() {
        assert_eq!(
            path_name("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-openssl-3.0.6"),
            "openssl-3.0.6"
        );
        assert!(!is_package_name("xz-5.6.0.tar.bz2"));
        assert!(!is_package_name("CVE-2023-0464.patch"));
        assert!(is_package_name("openssl-3.0.6"));
    }
}
