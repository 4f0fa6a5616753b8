//! Finding and merging a unit's files under a root, as systemd's offline loader does.
//!
//! The fragment is the first `NAME` in [`SEARCH_PATH`] (for an instance `a@b.service` without
//! its own file, `a@.service`). Drop-ins are the `*.conf` files of `NAME.d/`, the template's
//! `a@.service.d/`, the dash-prefix directories (`a-b-.service.d/`, `a-.service.d/`), the
//! type-wide `service.d/` and an alias's `.d/`, in every search directory; a basename in a
//! higher-priority directory shadows the same basename elsewhere, and the survivors apply in
//! lexicographic order of basename after the fragment. Every path is resolved inside the
//! [`Root`], so NixOS links into `/nix/store` work on a mounted closure.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use nixsec_core::root::Resolved;
use nixsec_core::{Root, RootError};

use crate::unit::{self, Assignment, ParseError};

/// The offline system unit search path of systemd 252 as built by Debian, highest priority
/// first (transient and generator directories are empty temporary directories offline).
pub const SEARCH_PATH: &[&str] = &[
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// Why a unit could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not a valid unit name.
    #[error("`{unit}`: not a valid unit name")]
    BadName {
        /// The name given.
        unit: String,
    },
    /// No fragment in any search directory.
    #[error("Unit {unit} not found.")]
    NotFound {
        /// The unit.
        unit: String,
    },
    /// Linked to `/dev/null` or empty.
    #[error("Unit {unit} is masked ({path}).")]
    Masked {
        /// The unit.
        unit: String,
        /// The masking file.
        path: String,
    },
    /// A file could not be read (a symlink loop, binary data, permissions, …).
    #[error("{unit}: {source}")]
    Read {
        /// The unit.
        unit: String,
        /// The underlying error, naming the file.
        source: RootError,
    },
    /// A file systemd refuses to parse.
    #[error("{unit}: {source}")]
    Parse {
        /// The unit.
        unit: String,
        /// The error with file and line.
        source: ParseError,
    },
}

impl LoadError {
    /// True when the unit has no fragment, or a file it needs does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            LoadError::NotFound { .. } => true,
            LoadError::Read { source, .. } => source.is_not_found(),
            _ => false,
        }
    }
}

/// A unit with its fragment and drop-ins merged in application order.
#[derive(Debug, Clone)]
pub struct LoadedUnit {
    /// The name analysed (`getty@i.service` for `getty@.service`).
    pub name: String,
    /// The fragment as found (inside the root, before following links).
    pub fragment: String,
    /// Drop-ins applied, in order.
    pub dropins: Vec<String>,
    /// All assignments: fragment first, then drop-ins.
    pub assignments: Vec<Assignment>,
    /// Ignored lines.
    pub warnings: Vec<String>,
}

impl LoadedUnit {
    /// The unit type: the suffix after the last dot (`service`).
    #[must_use]
    pub fn unit_type(&self) -> &str {
        self.name.rsplit_once('.').map_or("", |(_, t)| t)
    }
}

/// Split `name` into (prefix-with-instance, type) and check it looks like a unit name.
fn valid_name(name: &str) -> bool {
    let Some((stem, ty)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !ty.is_empty()
        && name.len() <= 255
        && !name.contains('/')
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_.\\@".contains(c))
}

/// What a directory listing says an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A regular file: read it in place, nothing to follow.
    File,
    /// A directory.
    Dir,
    /// A symlink, or unknown: resolve it inside the root.
    Other,
}

impl Kind {
    fn of(ft: Option<std::fs::FileType>) -> Kind {
        match ft {
            Some(t) if t.is_file() => Kind::File,
            Some(t) if t.is_dir() => Kind::Dir,
            _ => Kind::Other,
        }
    }
}

/// One search directory: where it resolved to and what it holds.
#[derive(Debug, Clone)]
struct IndexedDir {
    path: &'static str,
    resolved: Option<Resolved>,
    entries: HashMap<String, Kind>,
}

/// The entries of every search directory, listed once, so that looking a unit or a drop-in
/// directory up costs no system call when it is not there (most lookups), and a unit file
/// that is a plain file is read without resolving its path again.
#[derive(Debug, Default, Clone)]
pub struct Index {
    dirs: Vec<IndexedDir>,
}

impl Index {
    /// List the search directories under `root` (missing or unreadable ones are empty).
    #[must_use]
    pub fn build(root: &Root) -> Index {
        let dirs = SEARCH_PATH
            .iter()
            .map(|d| match root.read_dir_typed(d) {
                Ok((r, e)) => IndexedDir {
                    path: d,
                    resolved: Some(r),
                    entries: e
                        .into_iter()
                        .filter_map(|(n, t)| Some((n.into_string().ok()?, Kind::of(t))))
                        .collect(),
                },
                Err(_) => IndexedDir {
                    path: d,
                    resolved: None,
                    entries: HashMap::new(),
                },
            })
            .collect();
        Index { dirs }
    }

    fn get(&self, dir: &str, name: &str) -> Option<(Kind, Option<&Resolved>)> {
        self.dirs
            .iter()
            .find(|d| d.path == dir)
            .and_then(|d| d.entries.get(name).map(|k| (*k, d.resolved.as_ref())))
    }
}

/// A file found by listing its directory: resolved already when it is a plain file in a
/// resolved directory, else to be resolved inside the root.
fn fast_path(kind: Kind, dir: Option<&Resolved>, name: &str) -> Option<Resolved> {
    match (kind, dir) {
        (Kind::File, Some(d)) => Some(d.child(std::ffi::OsStr::new(name))),
        _ => None,
    }
}

/// Loads many units of one root with one [`Index`].
#[derive(Debug)]
pub struct Loader<'r> {
    root: &'r Root,
    index: Index,
}

impl<'r> Loader<'r> {
    /// Index the search path of `root`.
    #[must_use]
    pub fn new(root: &'r Root) -> Self {
        Loader {
            root,
            index: Index::build(root),
        }
    }

    /// Load one unit (see [`load`]).
    ///
    /// # Errors
    /// See [`LoadError`].
    pub fn load(&self, name: &str) -> Result<LoadedUnit, LoadError> {
        load_indexed(self.root, &self.index, name)
    }

    /// Every unit of type `ty`, as [`list_units`].
    #[must_use]
    pub fn list(&self, ty: &str) -> Vec<String> {
        let suffix = format!(".{ty}");
        let mut out = std::collections::BTreeSet::new();
        for d in &self.index.dirs {
            out.extend(
                d.entries
                    .keys()
                    .filter(|n| n.ends_with(&suffix) && valid_name(n))
                    .cloned(),
            );
        }
        out.into_iter().collect()
    }
}

/// True when `path` is (a chain of symlinks ending in) a link to `/dev/null`, the way units
/// and drop-ins are masked. `/dev/null` itself need not exist inside the root.
fn is_dev_null(root: &Root, path: &Path) -> Result<bool, RootError> {
    let mut cur = path.to_path_buf();
    for _ in 0..nixsec_core::root::MAX_SYMLINKS {
        if cur == Path::new("/dev/null") {
            return Ok(true);
        }
        let r = match root.resolve_nofollow(&cur) {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(false),
            Err(e) => return Err(e),
        };
        let Ok(target) = std::fs::read_link(&r.host) else {
            return Ok(false);
        };
        let parent = r.inner.parent().unwrap_or(Path::new("/")).to_path_buf();
        cur = nixsec_core::root::inner_join(&parent, target.as_os_str());
    }
    Err(RootError::Loop {
        path: path.display().to_string(),
    })
}

/// Load `name` from the search path under `root`.
///
/// # Errors
/// See [`LoadError`]; each error concerns this unit only.
pub fn load(root: &Root, name: &str) -> Result<LoadedUnit, LoadError> {
    load_indexed(root, &Index::build(root), name)
}

fn load_indexed(root: &Root, index: &Index, name: &str) -> Result<LoadedUnit, LoadError> {
    if !valid_name(name) {
        return Err(LoadError::BadName { unit: name.into() });
    }
    let Some((stem, ty)) = name.rsplit_once('.') else {
        return Err(LoadError::BadName { unit: name.into() });
    };
    // Templates are analysed as instance `i`, as the offline tool does.
    let name = if stem.ends_with('@') {
        format!("{stem}i.{ty}")
    } else {
        name.to_string()
    };
    let template = stem.split_once('@').map(|(p, _)| format!("{p}@.{ty}"));
    let read_err = |source| LoadError::Read {
        unit: name.clone(),
        source,
    };

    let mut candidates = vec![name.clone()];
    candidates.extend(template.clone());
    let mut found: Option<(PathBuf, Option<Resolved>)> = None;
    'outer: for cand in &candidates {
        for dir in SEARCH_PATH {
            // The index was listed from these directories: a name it holds is the fragment.
            if let Some((kind, rdir)) = index.get(dir, cand) {
                found = Some((Path::new(dir).join(cand), fast_path(kind, rdir, cand)));
                break 'outer;
            }
        }
    }
    let Some((frag, fast)) = found else {
        return Err(LoadError::NotFound { unit: name });
    };
    let shown = frag.display().to_string();
    let (resolved, text) = if let Some(r) = fast {
        // A plain file: not a link to /dev/null, and its own resolved path.
        let text = Root::read_resolved_to_string(&r).map_err(read_err)?;
        (r, text)
    } else {
        if is_dev_null(root, &frag).map_err(read_err)? {
            return Err(LoadError::Masked {
                unit: name,
                path: shown,
            });
        }
        let resolved = root.resolve(&frag).map_err(read_err)?;
        let (_, text) = root.read_to_string(&frag).map_err(read_err)?;
        (resolved, text)
    };
    if text.trim().is_empty() {
        return Err(LoadError::Masked {
            unit: name,
            path: shown,
        });
    }
    let parsed = unit::parse(&text, &shown).map_err(|source| LoadError::Parse {
        unit: name.clone(),
        source,
    })?;
    let mut assignments = parsed.assignments;
    let mut warnings = parsed.warnings;

    // Names whose drop-in directories apply.
    let mut names = vec![name.clone()];
    names.extend(template);
    if let Some(alias) = resolved.inner.file_name().and_then(|s| s.to_str()) {
        let in_search = resolved
            .inner
            .parent()
            .is_some_and(|p| SEARCH_PATH.iter().any(|d| Path::new(d) == p));
        if in_search && alias != name && valid_name(alias) && !names.iter().any(|n| n == alias) {
            names.push(alias.to_string());
        }
    }
    let mut dirs: Vec<String> = Vec::new();
    for n in &names {
        dirs.push(format!("{n}.d"));
        let (stem, ty) = n.rsplit_once('.').unwrap_or((n, ""));
        let base = stem.split_once('@').map_or(stem, |(p, _)| p);
        let mut cut = base;
        while let Some(i) = cut.rfind('-') {
            cut = &cut[..i];
            dirs.push(format!("{cut}-.{ty}.d"));
        }
        let ty_dir = format!("{ty}.d");
        if !dirs.contains(&ty_dir) {
            dirs.push(ty_dir);
        }
    }
    let mut chosen: BTreeMap<String, (PathBuf, Option<Resolved>)> = BTreeMap::new();
    for sdir in SEARCH_PATH {
        for d in &dirs {
            let Some((kind, rdir)) = index.get(sdir, d) else {
                continue;
            };
            let dir = Path::new(sdir).join(d);
            let listed = match (kind, rdir) {
                (Kind::Dir, Some(rd)) => {
                    let rd = rd.child(std::ffi::OsStr::new(d));
                    Root::read_dir_resolved(&rd).map(|e| (rd, e))
                }
                _ => root.read_dir_typed(&dir),
            };
            let Ok((rd, entries)) = listed else { continue };
            for (e, t) in entries {
                let Some(base) = e.to_str() else { continue };
                if !base.ends_with(".conf") || chosen.contains_key(base) {
                    continue;
                }
                let fast = fast_path(Kind::of(t), Some(&rd), base);
                chosen.insert(base.to_string(), (dir.join(base), fast));
            }
        }
    }
    let mut dropins = Vec::new();
    for (path, fast) in chosen.values() {
        let shown = path.display().to_string();
        let text = if let Some(r) = fast {
            Root::read_resolved_to_string(r).map_err(read_err)?
        } else {
            if is_dev_null(root, path).map_err(read_err)? {
                continue;
            }
            root.read_to_string(path).map_err(read_err)?.1
        };
        let p = unit::parse(&text, &shown).map_err(|source| LoadError::Parse {
            unit: name.clone(),
            source,
        })?;
        assignments.extend(p.assignments);
        warnings.extend(p.warnings);
        dropins.push(shown);
    }
    Ok(LoadedUnit {
        name,
        fragment: frag.display().to_string(),
        dropins,
        assignments,
        warnings,
    })
}

/// Every unit name of type `ty` (e.g. `service`) in the search path, sorted and deduplicated;
/// templates are listed as written (`getty@.service`).
#[must_use]
pub fn list_units(root: &Root, ty: &str) -> Vec<String> {
    Loader::new(root).list(ty)
}
