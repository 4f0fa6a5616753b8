//! nixsec-scan: one parallel pass over store paths (or any files and directories) that reads
//! each regular file at most once and hands its bytes to the ELF analyser and the secret
//! matcher.
//!
//! The walk never follows symbolic links (they are neither read nor descended into, so nothing
//! outside a store path is reached), skips special files (devices, FIFOs, sockets), and skips
//! files above a size cap (counted, and reported). Files are opened with `O_NOFOLLOW`. Work is
//! spread over a rayon pool: the store paths are listed in parallel, then the files are read
//! and analysed in parallel, each thread reusing one read buffer.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nixsec_core::{Root, RootError};
use nixsec_elf::Escape;
use nixsec_secrets::{Hit, Scanner};
use nixsec_store::db::Database;
use rayon::prelude::*;
use serde::Serialize;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Options {
    /// ELF search paths and hardening.
    pub elf: bool,
    /// Secrets.
    pub secrets: bool,
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Files larger than this are skipped.
    pub max_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            elf: true,
            secrets: true,
            jobs: 0,
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// The default size cap: 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// Progress callbacks (the CLI draws a bar; the audit passes [`NoProgress`]).
pub trait Progress: Sync {
    /// The walk is done: this many files and bytes will be read.
    fn start(&self, files: u64, bytes: u64);
    /// One file read (its size).
    fn file(&self, bytes: u64);
    /// All done.
    fn finish(&self);
}

/// No progress display.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: u64) {}
    fn file(&self, _: u64) {}
    fn finish(&self) {}
}

/// One ELF file.
#[derive(Debug, Clone, Serialize)]
pub struct ElfRecord {
    /// The file (logical path: `/nix/store/...` for store scans).
    pub file: String,
    /// `exec`, `dyn`, `rel`, `core` or `other`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// checksec's PIE word: `yes`, `no`, `dso`, `rel`.
    pub pie: &'static str,
    /// Non-executable stack.
    pub nx: bool,
    /// `full`, `partial` or `none`.
    pub relro: &'static str,
    /// Stack protector.
    pub canary: bool,
    /// FORTIFY_SOURCE (`*_chk` imports).
    pub fortify: bool,
    /// Setuid or setgid mode bit.
    pub setuid: bool,
    /// `PT_INTERP`.
    pub interpreter: Option<String>,
    /// `DT_RPATH` entries as written.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH` entries as written.
    pub runpath: Vec<String>,
    /// `DT_NEEDED` names not found along the search path.
    pub unresolved_needed: Vec<String>,
    /// NIX-008 problems.
    pub escapes: Vec<Escape>,
    /// `hardeningDisable` of the deriver, when a property is missing and the `.drv` is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardening_disable: Option<Vec<String>>,
    /// The store path the file belongs to (empty outside the store).
    #[serde(skip)]
    pub store_path: String,
}

impl ElfRecord {
    /// An executable (not a shared library or object).
    #[must_use]
    pub fn is_program(&self) -> bool {
        self.kind == "exec" || self.pie == "yes" || self.interpreter.is_some() && self.kind == "dyn"
    }

    /// Hardening properties missing (NIX-009): PIE, NX, full RELRO, canary for programs;
    /// NX and full RELRO for libraries.
    #[must_use]
    pub fn missing_hardening(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.kind == "rel" || self.kind == "core" || self.kind == "other" {
            return v;
        }
        let program = self.is_program();
        if program && self.pie == "no" {
            v.push("pie");
        }
        if !self.nx {
            v.push("nx");
        }
        if self.relro != "full" {
            v.push(if self.relro == "partial" {
                "relro (partial)"
            } else {
                "relro"
            });
        }
        if program && !self.canary {
            v.push("stackprotector");
        }
        v
    }
}

/// One secret, redacted.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRecord {
    /// The file (logical path).
    pub file: String,
    /// The store path it belongs to (empty outside the store).
    pub store_path: String,
    /// The hit (redacted value, line, kind, rule, option).
    #[serde(flatten)]
    pub hit: Hit,
}

/// The result of a scan.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    /// Store paths or arguments scanned.
    pub roots: u64,
    /// Files read.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Files skipped for the size cap.
    pub too_large: Vec<String>,
    /// ELF files.
    pub elf: Vec<ElfRecord>,
    /// Secrets.
    pub secrets: Vec<SecretRecord>,
    /// Files that could not be read or parsed: `(file, problem)`.
    pub errors: Vec<(String, String)>,
}

/// Where the files come from.
pub enum Source<'a> {
    /// Store paths (`/nix/store/...`) under a store root (the directory holding `nix/store`);
    /// the database, when present, names derivers and references.
    Store {
        /// The directory holding `nix/store`.
        store_root: &'a Path,
        /// Store paths to scan.
        paths: &'a [String],
        /// The store database.
        db: Option<&'a Database>,
    },
    /// Files and directories of this machine (for `nixsec elf`).
    Files(&'a [PathBuf]),
}

/// A file that could not be read or parsed, and why.
type FileError = (String, String);
/// The files of one root and the problems met listing it.
type Listing = (Vec<Item>, Vec<FileError>);
/// What one file gave.
type FileResult = (Option<ElfRecord>, Vec<SecretRecord>, Option<FileError>);

struct Item {
    /// Path on this machine.
    real: PathBuf,
    /// Logical path (`/nix/store/...` or the given path).
    logical: String,
    /// Path inside its store path (for the secret allowlist and option names).
    rel: String,
    /// Index of its root (store path or argument).
    root: usize,
    size: u64,
    mode: u32,
}

fn walk(
    real: &Path,
    logical: &str,
    rel: &str,
    root: usize,
    out: &mut Vec<Item>,
    errors: &mut Vec<(String, String)>,
) {
    let md = match std::fs::symlink_metadata(real) {
        Ok(m) => m,
        Err(e) => {
            errors.push((logical.to_string(), e.to_string()));
            return;
        }
    };
    let ft = md.file_type();
    if ft.is_dir() {
        let rd = match std::fs::read_dir(real) {
            Ok(r) => r,
            Err(e) => {
                errors.push((logical.to_string(), format!("cannot list: {e}")));
                return;
            }
        };
        let mut names: Vec<_> = rd.filter_map(Result::ok).map(|e| e.file_name()).collect();
        names.sort();
        for n in names {
            let ns = n.to_string_lossy();
            let sub_rel = if rel.is_empty() {
                ns.to_string()
            } else {
                format!("{rel}/{ns}")
            };
            walk(
                &real.join(&n),
                &format!("{}/{ns}", logical.trim_end_matches('/')),
                &sub_rel,
                root,
                out,
                errors,
            );
        }
    } else if ft.is_file() {
        out.push(Item {
            real: real.to_path_buf(),
            logical: logical.to_string(),
            rel: rel.to_string(),
            root,
            size: md.len(),
            mode: md.mode(),
        });
    }
    // Symlinks and special files: never followed, never read.
}

fn store_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split_once('-').map_or(base, |(_, n)| n)
}

/// Run the scan.
#[must_use]
pub fn scan(source: &Source<'_>, opts: &Options, progress: &dyn Progress) -> Outcome {
    let work = || match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
    {
        Ok(pool) => pool.install(|| scan_in_pool(source, opts, progress)),
        Err(_) => scan_in_pool(source, opts, progress),
    };
    // Called from a worker of another rayon pool (the audit runs its rules in parallel), a
    // blocking `install` would let that worker steal other jobs while it waits, and a rule
    // waiting on this result in the audit's cache could then run on the same thread: a
    // deadlock. The wait happens on a plain scoped thread, which never steals.
    if rayon::current_thread_index().is_some() {
        std::thread::scope(|s| s.spawn(work).join()).unwrap_or_else(|_| Outcome {
            errors: vec![(String::new(), "the scan panicked".to_string())],
            ..Outcome::default()
        })
    } else {
        work()
    }
}

fn scan_in_pool(source: &Source<'_>, opts: &Options, progress: &dyn Progress) -> Outcome {
    let fs_root = match source {
        Source::Store { store_root, .. } if *store_root == Path::new("/") => Some(Root::host()),
        Source::Store { store_root, .. } => Root::new(store_root).ok(),
        Source::Files(_) => Some(Root::host()),
    };
    // (real, logical, rel-prefix) of each root. A store path is resolved inside the store
    // root, its own name not followed: `nix/store` being a symlink that leaves the root cannot
    // make the scan read the auditing host's files.
    let mut unresolved: Vec<FileError> = Vec::new();
    let roots: Vec<(PathBuf, String, String)> = match source {
        Source::Store { paths, .. } => paths
            .iter()
            .filter_map(|p| {
                let resolved = match &fs_root {
                    Some(r) => r.resolve_nofollow(p),
                    None => Err(RootError::Io {
                        path: nixsec_core::escape(p).into_owned(),
                        source: std::io::Error::from(std::io::ErrorKind::NotFound),
                    }),
                };
                match resolved {
                    // A store path that is a file: its name (without the hash) stands for it.
                    Ok(r) => Some((r.host, p.clone(), String::new())),
                    Err(e) => {
                        unresolved.push((p.clone(), e.to_string()));
                        None
                    }
                }
            })
            .collect(),
        Source::Files(files) => files
            .iter()
            .map(|f| (f.clone(), f.to_string_lossy().into_owned(), String::new()))
            .collect(),
    };
    let listed: Vec<Listing> = roots
        .par_iter()
        .enumerate()
        .map(|(i, (real, logical, rel))| {
            let mut items = Vec::new();
            let mut errors = Vec::new();
            walk(real, logical, rel, i, &mut items, &mut errors);
            // A store path that is itself a file: use its name for the allowlist/options.
            if let [only] = items.as_mut_slice() {
                if only.rel.is_empty() {
                    only.rel = if matches!(source, Source::Store { .. }) {
                        store_name(logical).to_string()
                    } else {
                        logical.rsplit('/').next().unwrap_or(logical).to_string()
                    };
                }
            }
            (items, errors)
        })
        .collect();
    let mut out = Outcome {
        roots: roots.len() as u64,
        errors: unresolved,
        ..Outcome::default()
    };
    let mut items = Vec::new();
    for (i, e) in listed {
        items.extend(i);
        out.errors.extend(e);
    }
    let (items, large): (Vec<Item>, Vec<Item>) =
        items.into_iter().partition(|i| i.size <= opts.max_size);
    out.too_large = large.into_iter().map(|i| i.logical).collect();
    let total: u64 = items.iter().map(|i| i.size).sum();
    progress.start(items.len() as u64, total);
    let scanner = Scanner::new();
    let in_store = matches!(source, Source::Store { .. });
    let glibc_dirs = |root: usize| -> Vec<String> {
        if let Source::Store {
            paths,
            db: Some(db),
            ..
        } = source
        {
            if let Some(row) = db
                .get(&roots[root].1)
                .or_else(|| paths.get(root).and_then(|p| db.get(p)))
            {
                return row
                    .references
                    .iter()
                    .filter(|r| store_name(r).starts_with("glibc-"))
                    .map(|r| format!("{r}/lib"))
                    .collect();
            }
        }
        Vec::new()
    };
    let bytes_read = AtomicU64::new(0);
    let results: Vec<FileResult> = items
        .par_iter()
        .map_init(Vec::new, |buf: &mut Vec<u8>, item| {
            let r = read_into(&item.real, buf, |first| {
                opts.secrets || nixsec_elf::is_elf(first)
            });
            progress.file(item.size);
            if let Err(e) = r {
                return (
                    None,
                    Vec::new(),
                    Some((item.logical.clone(), e.to_string())),
                );
            }
            bytes_read.fetch_add(buf.len() as u64, Ordering::Relaxed);
            let store_path = if in_store {
                roots[item.root].1.clone()
            } else {
                String::new()
            };
            let mut err = None;
            let mut elf = None;
            if opts.elf && nixsec_elf::is_elf(buf) {
                match nixsec_elf::parse(buf) {
                    Ok(e) => {
                        let origin = nixsec_elf::dirname(&item.logical);
                        let setuid = item.mode & 0o6000 != 0;
                        let defaults: Vec<String> = if in_store {
                            match &e.interpreter {
                                Some(i) if nixsec_elf::in_store(i) => {
                                    vec![nixsec_elf::dirname(i).to_string()]
                                }
                                _ => glibc_dirs(item.root),
                            }
                        } else {
                            nixsec_elf::host_default_dirs(e.machine, e.is_64)
                        };
                        // As ld.so: a candidate it cannot reach is skipped like a missing one.
                        let exists =
                            |p: &str| fs_root.as_ref().is_some_and(|r| r.presence(p).is_present());
                        let resolved = nixsec_elf::resolve(&e, origin, &defaults, exists);
                        let escapes = if in_store {
                            nixsec_elf::escapes(&e, origin, setuid, &resolved)
                        } else {
                            Vec::new()
                        };
                        elf = Some(ElfRecord {
                            file: item.logical.clone(),
                            kind: e.kind,
                            pie: e.pie.as_str(),
                            nx: e.nx,
                            relro: e.relro.as_str(),
                            canary: e.canary,
                            fortify: e.fortify,
                            setuid,
                            interpreter: e.interpreter.clone(),
                            rpath: e.rpath.clone().unwrap_or_default(),
                            runpath: e.runpath.clone().unwrap_or_default(),
                            unresolved_needed: resolved
                                .iter()
                                .filter(|r| r.found.is_none())
                                .map(|r| r.name.clone())
                                .collect(),
                            escapes,
                            hardening_disable: None,
                            store_path: store_path.clone(),
                        });
                    }
                    Err(e) => err = Some((item.logical.clone(), e.to_string())),
                }
            }
            let secrets = if opts.secrets {
                scanner
                    .scan_in(
                        if in_store {
                            store_name(&roots[item.root].1)
                        } else {
                            ""
                        },
                        &item.rel,
                        buf,
                    )
                    .into_iter()
                    .map(|hit| SecretRecord {
                        file: item.logical.clone(),
                        store_path: store_path.clone(),
                        hit,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            (elf, secrets, err)
        })
        .collect();
    progress.finish();
    out.files = items.len() as u64;
    out.bytes = bytes_read.load(Ordering::Relaxed);
    for (e, s, err) in results {
        out.elf.extend(e);
        out.secrets.extend(s);
        out.errors.extend(err);
    }
    // The deriver's hardeningDisable, read once per store path, for files missing hardening.
    if let (Source::Store { db: Some(db), .. }, Some(fs_root)) = (source, &fs_root) {
        let mut cache: HashMap<String, Option<Vec<String>>> = HashMap::new();
        for r in &mut out.elf {
            if r.missing_hardening().is_empty() {
                continue;
            }
            let hd = cache.entry(r.store_path.clone()).or_insert_with(|| {
                let drv = db.get(&r.store_path)?.deriver.clone()?;
                let (_, text) = fs_root.read_to_string(&drv).ok()?;
                // A readable `.drv` without the attribute disables nothing.
                nixsec_elf::hardening_disable(&text).or(Some(Vec::new()))
            });
            r.hardening_disable.clone_from(hd);
        }
    }
    out
}

/// Read a file into `buf`: its first 64 KiB, and the rest only when `rest(first)` says so
/// (an ELF-only scan stops at files that do not start like ELF).
fn read_into(path: &Path, buf: &mut Vec<u8>, rest: impl Fn(&[u8]) -> bool) -> std::io::Result<()> {
    buf.clear();
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    (&mut f).take(64 * 1024).read_to_end(buf)?;
    if buf.len() == 64 * 1024 && rest(buf) {
        f.read_to_end(buf)?;
    }
    Ok(())
}

/// Why a system's closure could not be found.
#[derive(Debug, thiserror::Error)]
pub enum ClosureError {
    /// The store root is not a directory that can be read.
    #[error(transparent)]
    Root(RootError),
    /// `/run/current-system` could not be resolved.
    #[error("/run/current-system: {source}")]
    CurrentSystem {
        /// The error resolving it.
        source: RootError,
    },
    /// The system is not a valid path of the store's database.
    #[error("`{path}` is not a valid store path")]
    NotValid {
        /// The store path.
        path: String,
    },
}

impl ClosureError {
    /// True when the store root or a directory on the way to `/run/current-system` does not
    /// exist (a dangling `/run/current-system` is [`ClosureError::NotValid`]).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            ClosureError::Root(e) | ClosureError::CurrentSystem { source: e } => e.is_not_found(),
            ClosureError::NotValid { .. } => false,
        }
    }
}

/// The store paths of a system's closure: `/run/current-system` (or `system`) resolved inside
/// `store_root`, then every reference in the database, transitively.
///
/// # Errors
/// No current system link, or it does not point into the store.
pub fn system_closure(
    store_root: &Path,
    db: &Database,
    system: Option<&str>,
) -> Result<Vec<String>, ClosureError> {
    let top = match system {
        Some(s) => s.to_string(),
        None => {
            let root = Root::new(store_root).map_err(ClosureError::Root)?;
            let r = root
                .resolve("/run/current-system")
                .map_err(|source| ClosureError::CurrentSystem { source })?;
            let shown = r.display();
            nixsec_store::verify::normalize_path(store_root, &shown)
        }
    };
    let top = nixsec_store::verify::normalize_path(store_root, &top);
    if db.get(&top).is_none() {
        return Err(ClosureError::NotValid { path: top });
    }
    Ok(db.closure(&[top]).0)
}

/// Every valid store path.
#[must_use]
pub fn all_paths(db: &Database) -> Vec<String> {
    let mut v: Vec<String> = db.paths.iter().map(|p| p.path.clone()).collect();
    v.sort();
    v
}

/// The evidence and message of each result, as findings of their catalogue rules (titles,
/// sections and fixes come from the catalogue); the subject is the file.
pub mod findings {
    use nixsec_core::{Evidence, Finding, Severity, Status};

    use super::{ElfRecord, Outcome, SecretRecord};

    fn finding(
        id: &str,
        severity: Option<Severity>,
        message: String,
        evidence: Vec<Evidence>,
    ) -> Finding {
        let mut f = nixsec_catalogue::entry(id).finding(Status::Fail, message);
        f.subject = evidence.first().map(|e| e.path.clone());
        f.evidence = evidence;
        if let Some(s) = severity {
            f.severity = s;
        }
        f
    }

    /// NIX-008 for one ELF file, if its search path escapes the store.
    #[must_use]
    pub fn search_path(r: &ElfRecord) -> Option<Finding> {
        if r.escapes.is_empty() {
            return None;
        }
        let ev = r
            .escapes
            .iter()
            .map(|e| {
                Evidence::value(
                    r.file.clone(),
                    format!("{} `{}`: {}", e.what, e.entry, e.reason),
                )
            })
            .collect();
        Some(finding(
            "NIX-008",
            None,
            format!(
                "{}: {} search path entr{} outside the store",
                r.file,
                r.escapes.len(),
                if r.escapes.len() == 1 { "y" } else { "ies" }
            ),
            ev,
        ))
    }

    /// NIX-009 for one ELF file, if hardening is missing (medium for setuid/setgid files).
    #[must_use]
    pub fn hardening(r: &ElfRecord) -> Option<Finding> {
        let missing = r.missing_hardening();
        if missing.is_empty() {
            return None;
        }
        let cited = match &r.hardening_disable {
            Some(h) if !h.is_empty() => {
                format!(" (deriver's hardeningDisable = [ {} ])", h.join(" "))
            }
            Some(_) => " (the deriver disables no hardening)".to_string(),
            None => String::new(),
        };
        Some(finding(
            "NIX-009",
            Some(if r.setuid {
                Severity::Medium
            } else {
                Severity::Low
            }),
            format!("{}: no {}{cited}", r.file, missing.join(", no ")),
            vec![Evidence::value(
                r.file.clone(),
                format!(
                    "pie={} nx={} relro={} canary={}",
                    r.pie, r.nx, r.relro, r.canary
                ),
            )],
        ))
    }

    /// The finding of one secret (NIX-030, 031, 034 or 035).
    #[must_use]
    pub fn secret(s: &SecretRecord) -> Finding {
        let h = &s.hit;
        let option = h
            .option
            .as_deref()
            .map(|o| format!(" (set by {o})"))
            .unwrap_or_default();
        finding(
            h.rule,
            h.weak.then_some(Severity::High),
            format!("{}:{}: {}{option}", s.file, h.line, h.description),
            vec![Evidence::line(s.file.clone(), h.line, h.redacted.clone())],
        )
    }

    /// Every finding of a scan, in file order.
    #[must_use]
    pub fn all(o: &Outcome) -> Vec<Finding> {
        let mut v: Vec<Finding> = Vec::new();
        for r in &o.elf {
            v.extend(search_path(r));
            v.extend(hardening(r));
        }
        v.extend(o.secrets.iter().map(secret));
        v
    }
}
