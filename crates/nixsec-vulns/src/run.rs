//! One scan as `nixsec vulns` runs it: the whitelists and CPE mappings, the NVD data (the index
//! or feed files), the targets' closure, the matching, and the warnings about all of them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::index::{self, Index, IndexError};
use crate::mapping::{Mapping, MappingError};
use crate::nvd;
use crate::packages::{self, Scope, SelectError, Selection};
use crate::scan::{self, Data, ScanResult};
use crate::targets::{self, TargetError, Targets};
use crate::whitelist::{Whitelist, WhitelistError};

/// Problems in the NVD data listed one by one; more are counted.
const LISTED_PROBLEMS: usize = 20;

/// Where the NVD data comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The local index in a cache directory (`None`: no cache directory could be found).
    Index {
        /// The cache directory.
        cache_dir: Option<PathBuf>,
        /// Warn when the index is older than this many days.
        max_age_days: u32,
    },
    /// Feed files or directories read for this scan.
    Feeds(Vec<PathBuf>),
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The system whose links (`/run/current-system`, profiles, gcroots) are read; `/` for
    /// this machine.
    pub root: &'a Path,
    /// The directory holding `nix/store` and `nix/var/nix/db`.
    pub store_root: &'a Path,
    /// What to scan.
    pub targets: &'a Targets,
    /// What is scanned around the targets.
    pub scope: Scope,
    /// The NVD data.
    pub source: Source,
    /// vulnix whitelists: files, or URLs when `fetch_whitelists` allows downloading them.
    pub whitelists: &'a [String],
    /// Download whitelists given as URLs.
    pub fetch_whitelists: bool,
    /// Extra pname → CPE files.
    pub cpe_maps: &'a [PathBuf],
    /// The time of the scan (index age, whitelist expiry).
    pub now: DateTime<Utc>,
}

/// A finished scan.
#[derive(Debug)]
pub struct Scan {
    /// Packages and their CVEs.
    pub result: ScanResult,
    /// The whitelists read.
    pub whitelist: Whitelist,
    /// The packages examined.
    pub selection: Selection,
    /// The store paths the targets resolved to (the roots of the closure).
    pub targets: Vec<String>,
    /// The pname → CPE table used (built in, plus `--cpe-map` files).
    pub mapping: Mapping,
    /// Things to act on that did not stop the scan: stale data, expired or unused whitelist
    /// entries, ambiguous vendors, odd NVD data.
    pub warnings: Vec<String>,
    /// Files that could not be read; the rest was scanned.
    pub errors: Vec<String>,
    /// Where the data came from, for people (`index … (20 CVEs, updated …)`).
    pub data_note: String,
    /// What was scanned around the targets.
    pub scope: Scope,
}

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A whitelist that cannot be used.
    #[error(transparent)]
    Whitelist(#[from] WhitelistError),
    /// A CPE mapping file that cannot be used.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// No cache directory for the index.
    #[error("no cache directory: set --cache-dir, NIXSEC_CACHE_DIR or HOME")]
    NoCacheDir,
    /// The index cannot be opened.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// No feed file could be read.
    #[error("no NVD data could be read: {0}")]
    Unreadable(String),
    /// The feed files hold no CVE.
    #[error("no NVD data in {0}")]
    NoData(String),
    /// A target names no store path.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The store's database, or a target it does not know.
    #[error(transparent)]
    Select(#[from] SelectError),
}

/// The NVD data of `source`, a note on where it came from, and warnings and errors about it.
fn load(
    source: &Source,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> Result<(Data, String), ScanError> {
    match source {
        Source::Index {
            cache_dir,
            max_age_days,
        } => {
            let dir = cache_dir.as_deref().ok_or(ScanError::NoCacheDir)?;
            let path = index::index_path(dir);
            let ix = Index::open(&path)?;
            let updated = ix.updated();
            if let Some(u) = updated {
                let age = now - u;
                if age > chrono::Duration::days(i64::from(*max_age_days)) {
                    warnings.push(format!(
                        "the NVD index is {} days old (updated {}); run `nixsec vulns update`",
                        age.num_days(),
                        u.format("%Y-%m-%d")
                    ));
                }
            }
            let note = format!(
                "index {} ({} CVEs, updated {})",
                path.display(),
                ix.len(),
                updated.map_or_else(
                    || "never".into(),
                    |u| u.format("%Y-%m-%d %H:%M UTC").to_string()
                )
            );
            Ok((Data::Index(ix), note))
        }
        Source::Feeds(paths) => {
            let merged = nvd::load_paths(paths);
            errors.extend(merged.errors.iter().map(ToString::to_string));
            if merged.by_id.is_empty() {
                if let Some(e) = merged.errors.first() {
                    return Err(ScanError::Unreadable(e.to_string()));
                }
                return Err(ScanError::NoData(
                    paths
                        .iter()
                        .map(|p| format!("`{}`", p.display()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            if merged.unconfigured > 0 {
                warnings.push(format!(
                    "{} CVEs have no CPE configurations (not analysed by NVD yet, or only malformed CPEs) and cannot be matched",
                    merged.unconfigured
                ));
            }
            let n = merged.problems.len();
            warnings.extend(merged.problems.iter().take(LISTED_PROBLEMS).cloned());
            if n > LISTED_PROBLEMS {
                warnings.push(format!(
                    "... and {} more problems in the NVD data",
                    n - LISTED_PROBLEMS
                ));
            }
            let note = format!(
                "{} CVEs from {}",
                merged.by_id.len(),
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok((Data::memory(merged), note))
        }
    }
}

/// Run the scan: configuration first (a bad whitelist or mapping stops it before any work),
/// then the data, the targets, the closure and the matching.
///
/// # Errors
/// Unusable configuration, no NVD data, a target that names no store path, an unreadable
/// store database.
pub fn run(req: &Request<'_>) -> Result<Scan, ScanError> {
    let today = req.now.date_naive();
    let mut whitelist = Whitelist::default();
    for w in req.whitelists {
        whitelist.add_source(w, req.fetch_whitelists)?;
    }
    let mut mapping = Mapping::builtin();
    for m in req.cpe_maps {
        mapping.merge_file(m)?;
    }
    let mut warnings: Vec<String> = whitelist.warnings.clone();
    let mut errors: Vec<String> = Vec::new();
    let (data, data_note) = load(&req.source, req.now, &mut warnings, &mut errors)?;
    let targets = targets::resolve(req.root, req.store_root, req.targets)?;
    let selection = packages::select_scope(req.store_root, &targets, req.scope)?;
    errors.extend(selection.problems.iter().cloned());
    let result = scan::scan(&selection, &data, &mapping, &whitelist, today);
    errors.extend(result.problems.iter().cloned());
    warnings.extend(result.ambiguous.iter().cloned());
    for (i, r) in whitelist.rules.iter().enumerate() {
        if r.until.is_some_and(|u| u <= today) {
            warnings.push(format!(
                "whitelist `{}`: [\"{}\"] expired on {}",
                r.origin(),
                r.key,
                r.until.map(|u| u.to_string()).unwrap_or_default()
            ));
        } else if !result.used_rules.contains(&i) {
            warnings.push(format!(
                "whitelist `{}`: [\"{}\"] matched nothing",
                r.origin(),
                r.key
            ));
        }
    }
    Ok(Scan {
        result,
        whitelist,
        selection,
        targets,
        mapping,
        warnings,
        errors,
        data_note,
        scope: req.scope,
    })
}
