//! The verifier: every selected valid path is checked in parallel (largest first, so one huge
//! path starts early and does not leave a core idle at the end), each file streamed once.

use std::collections::HashSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nixsec_nar::ca::ContentAddress;
use nixsec_nar::hash::{Algo, Hash};
use nixsec_nar::nar::{self, Node};
use nixsec_nar::path::{StorePath, STORE_DIR};
use nixsec_nar::sig::{self, PublicKey};

use crate::trust::Tally;

use crate::db::{Database, DbError, ValidPath};
use crate::problem::{Kind, Problem};

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// NAR-hash the contents (otherwise metadata, references and signatures only).
    pub check_contents: bool,
    /// Valid signatures by trusted keys a path needs (Nix's `--sigs-needed`; 0 trusts paths
    /// built locally).
    pub sigs_needed: usize,
    /// Trusted public keys.
    pub trusted_keys: Vec<PublicKey>,
    /// Cores to use (0: all). With contents, two walker threads per core read the paths and
    /// share the hashing.
    pub jobs: usize,
    /// Only these store paths (full paths); `None` for every valid path.
    pub paths: Option<Vec<String>>,
    /// Add everything the given paths reference, transitively.
    pub closure: bool,
}

/// Progress callbacks (the binary draws a bar; libraries never depend on indicatif).
pub trait Progress: Sync {
    /// Checking starts: this many paths and, when hashing, this many NAR bytes.
    fn start(&self, _paths: u64, _bytes: u64) {}
    /// Bytes of file content read.
    fn bytes(&self, _n: u64) {}
    /// One path done.
    fn path_done(&self) {}
    /// All done.
    fn finish(&self) {}
}

/// No progress output.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Why verification could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The database could not be read.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The store directory is missing or unreadable (read through the root: a link leaving
    /// it restarts inside it).
    #[error("the store directory {0}")]
    Store(nixsec_core::RootError),
    /// A path given on the command line is not a valid store path.
    #[error("`{0}`: not a valid path in this store's database")]
    NotValid(String),
    /// The thread pool could not start.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The store root as given.
    pub store: String,
    /// Valid paths checked.
    pub paths_checked: u64,
    /// Bytes of NAR serialisation hashed.
    pub bytes_hashed: u64,
    /// Problems, sorted by path then kind.
    pub problems: Vec<Problem>,
    /// Database schema version, if readable.
    pub schema: Option<String>,
    /// Paths checked of which part could not be read (an `unreadable` problem): when every
    /// checked path is one, nothing was verified.
    pub paths_unverified: u64,
}

impl Outcome {
    /// True when paths were to be checked and none of them could be read: the run verified
    /// nothing and must not pass.
    #[must_use]
    pub fn nothing_verified(&self) -> bool {
        self.paths_checked > 0 && self.paths_unverified >= self.paths_checked
    }
}

/// The number of distinct paths with an `unreadable` problem.
#[must_use]
pub fn unverified(problems: &[Problem]) -> u64 {
    let paths: HashSet<&str> = problems
        .iter()
        .filter(|p| p.kind == Kind::Unreadable)
        .map(|p| p.path.as_str())
        .collect();
    paths.len() as u64
}

/// Map a path given by the user (`/nix/store/h-n`, `/nix/store/h-n/bin/x`, or the same under
/// the store root on this machine) to its store path.
#[must_use]
pub fn normalize_path(store_root: &Path, given: &str) -> String {
    let root = store_root.to_string_lossy();
    let logical = if root != "/" {
        given
            .strip_prefix(root.trim_end_matches('/'))
            .unwrap_or(given)
    } else {
        given
    };
    match logical.strip_prefix("/nix/store/") {
        Some(rest) => format!("{STORE_DIR}/{}", rest.split('/').next().unwrap_or(rest)),
        None => logical.to_string(),
    }
}

struct Ctx<'a> {
    store_dir: PathBuf,
    opts: &'a Options,
    multi_user: bool,
    progress: &'a dyn Progress,
    hashed: AtomicU64,
    /// The signature tallies of the paths checked, by their place in the order (`None` where
    /// the database hash does not parse, so there is no fingerprint to sign).
    tallies: Vec<Option<Tally>>,
}

/// Verify the store under `store_root` (the directory holding `nix/`).
///
/// # Errors
/// The database or store directory cannot be read, or a given path is not valid.
pub fn verify(
    store_root: &Path,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Outcome, VerifyError> {
    // Every file is reached through the root: `nix/store` and `nix/var/nix/db` resolve inside
    // it (a symlink leaving the root restarts at the root), and the walk starts from the
    // resolved directory, whose components are no symlinks, never following one below it.
    let root = if store_root == Path::new("/") {
        nixsec_core::Root::host()
    } else {
        nixsec_core::Root::new(store_root).map_err(VerifyError::Store)?
    };
    let (store_res, store_md) = root.metadata("/nix/store").map_err(VerifyError::Store)?;
    if !store_md.is_dir() {
        return Err(VerifyError::Store(nixsec_core::RootError::NotRegular {
            path: store_res.display(),
            kind: "not a directory",
        }));
    }
    let store_dir = store_res.host.clone();
    let db = Database::load_from(&root)?;
    let selected: Vec<&ValidPath> = match &opts.paths {
        None => db.paths.iter().collect(),
        Some(given) => {
            let given: Vec<String> = given
                .iter()
                .map(|p| normalize_path(store_root, p))
                .collect();
            for p in &given {
                if db.get(p).is_none() {
                    return Err(VerifyError::NotValid(p.clone()));
                }
            }
            let list = if opts.closure {
                db.closure(&given).0
            } else {
                given
            };
            list.iter().filter_map(|p| db.get(p)).collect()
        }
    };
    let mut problems = store_dir_problems(&store_md);
    let multi_user = store_md.uid() == 0;
    if opts.paths.is_none() {
        problems.extend(unregistered(&store_res, &db)?);
    }
    let mut order = selected;
    order.sort_by(|a, b| {
        b.nar_size
            .unwrap_or(0)
            .cmp(&a.nar_size.unwrap_or(0))
            .then_with(|| a.path.cmp(&b.path))
    });
    let total_bytes = if opts.check_contents {
        order.iter().map(|p| p.nar_size.unwrap_or(0)).sum()
    } else {
        0
    };
    progress.start(order.len() as u64, total_bytes);
    let tallies = tallies(&order, opts)?;
    let cx = Ctx {
        store_dir,
        opts,
        multi_user,
        progress,
        hashed: AtomicU64::new(0),
        tallies,
    };
    let indexed: Vec<(usize, &ValidPath)> = order.iter().copied().enumerate().collect();
    let found = if opts.check_contents {
        hash_all(&cx, &indexed)?
    } else {
        crate::parallel::run(&indexed, opts.jobs, progress, |&(id, row)| {
            check_path(&cx, id, row, None).0
        })
        .map_err(VerifyError::Threads)?
        .into_iter()
        .flatten()
        .collect()
    };
    progress.finish();
    problems.extend(found);
    problems.sort();
    problems.dedup();
    Ok(Outcome {
        store: store_root.display().to_string(),
        paths_checked: order.len() as u64,
        bytes_hashed: cx.hashed.load(Ordering::Relaxed),
        paths_unverified: unverified(&problems),
        problems,
        schema: db.schema.clone(),
    })
}

/// Walker threads at most when hashing contents.
const MAX_WALKERS: usize = 16;

/// Check every path with its contents. Walker threads (two per job: their time goes mostly to
/// system calls, and more streams in flight keep the hashing lanes full) serialise the paths
/// into hubs ([`nixsec_nar::lanes`], one per four walkers), which hash several NARs at once;
/// each NAR hash is then compared with the database.
fn hash_all(cx: &Ctx<'_>, indexed: &[(usize, &ValidPath)]) -> Result<Vec<Problem>, VerifyError> {
    use nixsec_nar::lanes::{self, Feed, Hub};
    let jobs = crate::parallel::threads(cx.opts.jobs);
    // Memory: every walker fills one buffer and the hubs share `MAX_HELD` in flight (each
    // keeping at least enough for its lanes), so about 50 MiB on a small machine and under
    // 100 MiB on any: walkers stop at `MAX_WALKERS`, where the disk is the limit anyway.
    let walkers = (2 * jobs).min(MAX_WALKERS);
    let hub_count = walkers.div_ceil(4);
    let limit = (lanes::MAX_HELD / hub_count).max(2 * nixsec_nar::sha256x::LANES);
    let hubs: Vec<Hub> = (0..hub_count).map(|_| Hub::with_limit(limit)).collect();
    let walked = crate::parallel::run(indexed, walkers, cx.progress, |&(id, row)| {
        let feed = Feed {
            id,
            hub: &hubs[id % hubs.len()],
        };
        check_path(cx, id, row, Some(feed))
    });
    let mut hashes = vec![None; indexed.len()];
    for hub in &hubs {
        for done in hub.finish() {
            if let Some(slot) = hashes.get_mut(done.id) {
                *slot = Some(done);
            }
        }
    }
    let walked = walked.map_err(VerifyError::Threads)?;
    let mut out = Vec::new();
    let mut again = Vec::new();
    for ((mut problems, fed), &(id, row)) in walked.into_iter().zip(indexed) {
        // The walk took one-read directory listings on trust; only a NAR hash equal to the
        // database's shows that nothing was missed. Any other path is walked again, strictly
        // (and hashed by its walker), and that walk's findings are the ones reported.
        let got = match (fed, hashes.get(id).copied().flatten()) {
            (Some(size), Some(done)) if done.size == size => Some((Hash::sha256(done.hash), size)),
            _ => None,
        };
        match got {
            Some((hash, size)) if Hash::parse(&row.hash).ok().as_ref() == Some(&hash) => {
                check_nar(cx, row, hash, size, &mut problems);
                out.extend(problems);
            }
            _ => again.push((id, row)),
        }
    }
    let strict = crate::parallel::run(&again, jobs, &NoProgress, |&(id, row)| {
        check_path(cx, id, row, None).0
    })
    .map_err(VerifyError::Threads)?;
    out.extend(strict.into_iter().flatten());
    Ok(out)
}

/// What a path's signatures sign.
fn fingerprint(row: &ValidPath, nar_hash: &Hash) -> String {
    sig::fingerprint(
        &row.path,
        nar_hash,
        row.nar_size.unwrap_or(0),
        &row.references,
    )
}

/// The signature tallies of `order`, verified a batch of paths at a time on every core
/// (batch ed25519 verification takes about half the time per signature).
fn tallies(order: &[&ValidPath], opts: &Options) -> Result<Vec<Option<Tally>>, VerifyError> {
    let batches: Vec<&[&ValidPath]> = order.chunks(sig::BATCH).collect();
    let per_batch = crate::parallel::run(&batches, opts.jobs, &NoProgress, |rows| {
        let prints: Vec<Option<String>> = rows
            .iter()
            .map(|row| match Hash::parse(&row.hash) {
                Ok(h) if h.algo == Algo::Sha256 => Some(fingerprint(row, &h)),
                _ => None,
            })
            .collect();
        let signed: Vec<(&[String], &str)> = rows
            .iter()
            .zip(&prints)
            .filter_map(|(row, fp)| Some((row.sigs.as_slice(), fp.as_deref()?)))
            .collect();
        let mut t = Tally::of_many(&signed, &opts.trusted_keys).into_iter();
        prints
            .iter()
            .map(|fp| fp.as_ref().and_then(|_| t.next()))
            .collect::<Vec<_>>()
    })
    .map_err(VerifyError::Threads)?;
    Ok(per_batch.into_iter().flatten().collect())
}

fn store_dir_problems(md: &std::fs::Metadata) -> Vec<Problem> {
    let mode = md.permissions().mode() & 0o7777;
    let mut out = Vec::new();
    if mode & 0o002 != 0 {
        out.push(Problem {
            path: STORE_DIR.into(),
            kind: Kind::WorldWritable,
            detail: format!("the store directory has mode {mode:04o}: every user can add or (without the sticky bit) remove store paths"),
        });
    } else if md.uid() == 0 && mode != 0o1775 && mode != 0o755 {
        out.push(Problem {
            path: STORE_DIR.into(),
            kind: Kind::BadPermissions,
            detail: format!("the store directory has mode {mode:04o}, expected 1775 (root:nixbld) on a multi-user store"),
        });
    }
    out
}

/// Entries of the store directory that belong to no valid path. Lock files, the `.links`
/// pool and sandbox build roots are Nix's own and are skipped.
fn unregistered(
    store_dir: &nixsec_core::root::Resolved,
    db: &Database,
) -> Result<Vec<Problem>, VerifyError> {
    let rd = nixsec_core::Root::read_dir_resolved(store_dir).map_err(VerifyError::Store)?;
    let known: HashSet<&str> = db
        .paths
        .iter()
        .filter_map(|p| p.path.strip_prefix("/nix/store/"))
        .collect();
    let mut out = Vec::new();
    for (name, _) in rd {
        let shown =
            nixsec_core::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(name.as_os_str()));
        let Some(s) = name.to_str() else {
            out.push(Problem {
                path: format!("{STORE_DIR}/{shown}"),
                kind: Kind::Unregistered,
                detail: "an entry whose name is not valid UTF-8 (no store path can have it)".into(),
            });
            continue;
        };
        if s == ".links" || s.ends_with(".lock") || s.ends_with(".chroot") || known.contains(s) {
            continue;
        }
        let what = match StorePath::from_base_name(s) {
            Ok(_) => "a store path not registered in the database (left by an interrupted build, or planted)",
            Err(_) => "an entry that is not even a valid store path name",
        };
        out.push(Problem {
            path: format!("{STORE_DIR}/{shown}"),
            kind: Kind::Unregistered,
            detail: what.into(),
        });
    }
    Ok(out)
}

/// Hygiene findings of one path, aggregated per kind.
#[derive(Default)]
struct Hygiene {
    writable: Vec<String>,
    setuid: Vec<String>,
    bad_mode: Vec<String>,
}

impl Hygiene {
    fn visit(&mut self, node: &Node<'_>, multi_user: bool) {
        let md = node.meta;
        if md.is_symlink() {
            if multi_user && md.uid != 0 {
                self.writable.push(format!(
                    "{} (symlink owned by uid {})",
                    show(node.rel),
                    md.uid
                ));
            }
            return;
        }
        let mode = md.perm();
        if multi_user && md.uid != 0 {
            self.writable
                .push(format!("{} (owned by uid {})", show(node.rel), md.uid));
        }
        if mode & 0o022 != 0 {
            self.writable
                .push(format!("{} (mode {mode:04o})", show(node.rel)));
        }
        if mode & 0o6000 != 0 {
            self.setuid
                .push(format!("{} (mode {mode:04o})", show(node.rel)));
        }
        let canonical = if md.is_dir() {
            mode == 0o555
        } else {
            mode == 0o444 || mode == 0o555
        };
        if !canonical {
            self.bad_mode
                .push(format!("{} (mode {mode:04o})", show(node.rel)));
        }
    }

    fn into_problems(self, path: &str, out: &mut Vec<Problem>) {
        for (kind, list) in [
            (Kind::Writable, self.writable),
            (Kind::Setuid, self.setuid),
            (Kind::BadPermissions, self.bad_mode),
        ] {
            if !list.is_empty() {
                out.push(Problem {
                    path: path.to_string(),
                    kind,
                    detail: summarize(&list),
                });
            }
        }
    }
}

fn show(rel: &Path) -> String {
    if rel.as_os_str().is_empty() {
        ".".into()
    } else {
        nixsec_core::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(rel.as_os_str()))
    }
}

fn summarize(list: &[String]) -> String {
    const SHOWN: usize = 3;
    let head = list
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        format!(
            "{} entries: {head}, and {} more",
            list.len(),
            list.len() - SHOWN
        )
    } else {
        head
    }
}

fn problem(row: &ValidPath, kind: Kind, detail: impl Into<String>) -> Problem {
    Problem {
        path: nixsec_core::escape(&row.path).into_owned(),
        kind,
        detail: detail.into(),
    }
}

/// Everything about one path but its NAR hash when the contents go to a hub (`feed`): then the
/// NAR size is returned too, for [`check_nar`] once the hub has the hash.
fn check_path(
    cx: &Ctx<'_>,
    id: usize,
    row: &ValidPath,
    feed: Option<nixsec_nar::lanes::Feed<'_>>,
) -> (Vec<Problem>, Option<u64>) {
    let mut out = Vec::new();
    let store_path = match StorePath::parse(&row.path) {
        Ok(p) => p,
        Err(e) => {
            out.push(problem(
                row,
                Kind::BadMetadata,
                format!("the path itself is malformed: {e}"),
            ));
            return (out, None);
        }
    };
    let db_hash = match Hash::parse(&row.hash) {
        Ok(h) if h.algo == Algo::Sha256 => Some(h),
        Ok(h) => {
            out.push(problem(
                row,
                Kind::BadMetadata,
                format!("the database hash uses {}, not sha256", h.algo.as_str()),
            ));
            None
        }
        Err(e) => {
            out.push(problem(
                row,
                Kind::BadMetadata,
                format!(
                    "malformed hash `{}` in the database: {e}",
                    nixsec_core::escape(&row.hash)
                ),
            ));
            None
        }
    };
    for id in &row.dangling {
        out.push(problem(
            row,
            Kind::DanglingReference,
            format!("references row id {id}, which is not a valid path"),
        ));
    }
    let ca = match row.ca.as_deref().map(ContentAddress::parse) {
        None => None,
        Some(Ok(ca)) => Some(ca),
        Some(Err(e)) => {
            out.push(problem(
                row,
                Kind::BadMetadata,
                format!(
                    "malformed content address `{}`: {e}",
                    nixsec_core::escape(row.ca.as_deref().unwrap_or(""))
                ),
            ));
            None
        }
    };
    // Content address: the store path must follow from `ca`, references and name.
    let mut ca_ok = false;
    if let Some(ca) = &ca {
        match ca.store_path(store_path.name(), &row.references, &row.path) {
            Ok(expected) if expected.to_full() == row.path => ca_ok = true,
            Ok(expected) => out.push(problem(
                row,
                Kind::CaMismatch,
                format!(
                    "its content address `{}` gives the store path {}",
                    row.ca.as_deref().unwrap_or(""),
                    expected.to_full()
                ),
            )),
            Err(e) => out.push(problem(
                row,
                Kind::BadMetadata,
                format!("cannot compute the store path of its content address: {e}"),
            )),
        }
        if let (
            ContentAddress::Fixed {
                recursive: true,
                hash,
            },
            Some(db),
        ) = (ca, &db_hash)
        {
            if hash.algo == Algo::Sha256 && hash != db {
                out.push(problem(
                    row,
                    Kind::CaMismatch,
                    format!(
                        "`ca` claims NAR hash {} but the database records {}",
                        hash.to_nix32(),
                        db.to_nix32()
                    ),
                ));
            }
        }
    }
    if let Some(h) = &db_hash {
        check_signatures(cx, id, row, h, ca_ok, &mut out);
    } else if !((row.ultimate && cx.opts.sigs_needed == 0) || ca_ok) {
        // Without a NAR hash there is no fingerprint, so no signature can vouch for the path:
        // it is untrusted, never trusted by default (NIX-025 passed when every hash was bad).
        out.push(problem(
            row,
            Kind::Untrusted,
            "its database hash cannot be read, so no signature can vouch for it (not built locally)",
        ));
    }
    // The files: metadata always, contents when asked.
    let on_disk = cx.store_dir.join(store_path.base_name());
    if let Err(e) = std::fs::symlink_metadata(&on_disk) {
        let detail = if e.kind() == std::io::ErrorKind::NotFound {
            "valid in the database but absent from the store directory".to_string()
        } else {
            format!("cannot be examined: {e}")
        };
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::Missing
        } else {
            Kind::Unreadable
        };
        out.push(problem(row, kind, detail));
        return (out, None);
    }
    let flat_algo = match &ca {
        Some(ContentAddress::Text { hash })
        | Some(ContentAddress::Fixed {
            recursive: false,
            hash,
        }) if cx.opts.check_contents => Some(hash.algo),
        _ => None,
    };
    let mut hygiene = Hygiene::default();
    let multi_user = cx.multi_user;
    let mut on_node = |n: Node<'_>| hygiene.visit(&n, multi_user);
    let on_bytes = |n: u64| cx.progress.bytes(n);
    let options = nar::Options {
        contents: cx.opts.check_contents,
        on_node: Some(&mut on_node),
        on_bytes: Some(&on_bytes),
        flat_hash: flat_algo,
        // Checked: `hash_all` walks the path again without it unless the NAR hash matches.
        one_read_listings: feed.is_some(),
    };
    let walked = match feed {
        Some(feed) if cx.opts.check_contents => {
            nar::walk_feed(&on_disk, options, feed).map(|(w, size)| (w, Some(size)))
        }
        _ => nar::walk(&on_disk, options).map(|w| (w, None)),
    };
    hygiene.into_problems(&row.path, &mut out);
    let (walked, fed) = match walked {
        Ok(w) => w,
        Err(e) => {
            out.push(problem(row, Kind::Unreadable, format!("{e}")));
            return (out, None);
        }
    };
    if let Some(nar) = walked.nar {
        check_nar(cx, row, Hash::sha256(nar.hash), nar.size, &mut out);
    }
    if let (
        Some(flat),
        Some(
            ContentAddress::Text { hash }
            | ContentAddress::Fixed {
                recursive: false,
                hash,
            },
        ),
    ) = (&walked.flat, &ca)
    {
        if flat != hash {
            out.push(problem(
                row,
                Kind::CaMismatch,
                format!(
                    "`ca` claims the file hashes to {}, it hashes to {}",
                    hash.to_nix32(),
                    flat.to_nix32()
                ),
            ));
        }
    } else if flat_algo.is_some() && walked.flat.is_none() && cx.opts.check_contents {
        out.push(problem(
            row,
            Kind::CaMismatch,
            "a flat content address, but the path is not a single regular file",
        ));
    }
    (out, fed)
}

/// Compare a path's NAR hash and size, as computed from its contents, with the database and
/// with its content address.
fn check_nar(cx: &Ctx<'_>, row: &ValidPath, got: Hash, size: u64, out: &mut Vec<Problem>) {
    cx.hashed.fetch_add(size, Ordering::Relaxed);
    if let Ok(want) = Hash::parse(&row.hash) {
        if want.algo == Algo::Sha256 && got != want {
            out.push(problem(
                row,
                Kind::HashMismatch,
                format!("expected {}, got {}", want.to_nix32(), got.to_nix32()),
            ));
        }
    }
    if let Some(expected) = row.nar_size {
        if expected != size {
            out.push(problem(
                row,
                Kind::SizeMismatch,
                format!("expected {expected} bytes, got {size}"),
            ));
        }
    }
    if let Some(Ok(ContentAddress::Fixed {
        recursive: true,
        hash,
    })) = row.ca.as_deref().map(ContentAddress::parse)
    {
        if hash.algo == Algo::Sha256 && hash != got {
            out.push(problem(
                row,
                Kind::CaMismatch,
                format!(
                    "`ca` claims NAR hash {}, contents hash to {}",
                    hash.to_nix32(),
                    got.to_nix32()
                ),
            ));
        }
    }
}

fn check_signatures(
    cx: &Ctx<'_>,
    id: usize,
    row: &ValidPath,
    nar_hash: &Hash,
    ca_ok: bool,
    out: &mut Vec<Problem>,
) {
    let t = match cx.tallies.get(id) {
        Some(Some(t)) => t.clone(),
        _ => Tally::of(
            &row.sigs,
            &cx.opts.trusted_keys,
            &fingerprint(row, nar_hash),
        ),
    };
    if !t.invalid.is_empty() {
        out.push(problem(row, Kind::InvalidSignature, t.invalid.join("; ")));
    }
    let needed = cx.opts.sigs_needed.max(1);
    let trusted = (row.ultimate && cx.opts.sigs_needed == 0) || ca_ok || t.valid >= needed;
    if !trusted {
        let mut reasons = Vec::new();
        if !row.ultimate {
            reasons.push("not built locally");
        }
        if row.ca.is_none() {
            reasons.push("not content-addressed");
        }
        out.push(problem(
            row,
            Kind::Untrusted,
            t.untrusted_detail(needed, &reasons),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const HASH: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// A Nix-shaped database with one row per `(path, hash, ultimate)`.
    fn make_db(file: &Path, rows: &[(&str, &str, bool)]) {
        let conn = rusqlite::Connection::open(file).expect("sqlite");
        conn.execute_batch(
            "CREATE TABLE ValidPaths (id integer primary key autoincrement not null, path text unique not null, hash text not null, registrationTime integer not null, deriver text, narSize integer, ultimate integer, sigs text, ca text);
             CREATE TABLE Refs (referrer integer not null, reference integer not null, primary key (referrer, reference));",
        )
        .expect("schema");
        for (p, h, u) in rows {
            conn.execute(
                "INSERT INTO ValidPaths (path, hash, registrationTime, narSize, ultimate) VALUES (?1, ?2, 0, 8, ?3)",
                rusqlite::params![p, h, i64::from(*u)],
            )
            .expect("insert");
        }
    }

    fn store_root(rows: &[(&str, &str, bool)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(t.path().join("nix/store")).expect("mkdir");
        std::fs::create_dir_all(t.path().join("nix/var/nix/db")).expect("mkdir");
        make_db(&t.path().join("nix/var/nix/db/db.sqlite"), rows);
        std::fs::write(t.path().join("nix/var/nix/db/schema"), "10\n").expect("write");
        t
    }

    fn opts() -> Options {
        Options {
            check_contents: false,
            sigs_needed: 0,
            trusted_keys: Vec::new(),
            jobs: 1,
            paths: None,
            closure: false,
        }
    }

    const P: &str = "/nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-x";

    fn mkfifo(p: &Path) -> bool {
        std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .is_ok_and(|s| s.success())
    }

    #[test]
    fn the_database_and_store_are_read_inside_the_root() {
        // Regression (issue 20): `db.sqlite`, its WAL, `schema`, `nix/store` and
        // `nix/var/nix/db` were opened by raw path: an absolute symlink read the host's files.
        let outside = store_root(&[(P, HASH, true)]);
        for link in [
            "nix/var/nix/db/db.sqlite",
            "nix/var/nix/db",
            "nix/store",
            "nix",
        ] {
            let t = store_root(&[]);
            let at = t.path().join(link);
            if at.is_dir() {
                std::fs::remove_dir_all(&at).expect("rm");
            } else {
                std::fs::remove_file(&at).expect("rm");
            }
            symlink(outside.path().join(link), &at).expect("ln");
            match verify(t.path(), &opts(), &NoProgress) {
                Err(VerifyError::Db(DbError::Missing(_)) | VerifyError::Store(_)) => {}
                other => panic!("{link}: {:?}", other.map(|o| o.problems)),
            }
        }
        // The schema and the WAL: links out of the root are absent, never the host's files.
        let t = store_root(&[(P, HASH, true)]);
        std::fs::remove_file(t.path().join("nix/var/nix/db/schema")).expect("rm");
        symlink(
            outside.path().join("nix/var/nix/db/schema"),
            t.path().join("nix/var/nix/db/schema"),
        )
        .expect("ln");
        std::fs::write(outside.path().join("nix/var/nix/db/db.sqlite-wal"), b"junk")
            .expect("write");
        symlink(
            outside.path().join("nix/var/nix/db/db.sqlite-wal"),
            t.path().join("nix/var/nix/db/db.sqlite-wal"),
        )
        .expect("ln");
        let db = Database::load(t.path()).expect("loads");
        assert_eq!(db.schema, None);
        assert_eq!(db.paths.len(), 1);
    }

    #[test]
    fn fifos_in_the_database_directory_do_not_hang() {
        // Regression (issue 20): a FIFO as `schema` or `db.sqlite` hung the run.
        let t = store_root(&[(P, HASH, true)]);
        let schema = t.path().join("nix/var/nix/db/schema");
        std::fs::remove_file(&schema).expect("rm");
        if !mkfifo(&schema) {
            return;
        }
        let db = Database::load(t.path()).expect("loads");
        assert_eq!(db.schema, None);
        let file = t.path().join("nix/var/nix/db/db.sqlite");
        std::fs::remove_file(&file).expect("rm");
        assert!(mkfifo(&file));
        let e = Database::load(t.path()).expect_err("a FIFO");
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn a_zero_filled_database_or_wal_is_refused_without_a_copy() {
        // Regression (issue 20 no-hang test): a 300 MB sparse `db.sqlite` and WAL were copied
        // whole for SQLite (8 s) before it said "not a database"; the headers are checked first.
        let t = store_root(&[(P, HASH, true)]);
        let wal =
            std::fs::File::create(t.path().join("nix/var/nix/db/db.sqlite-wal")).expect("wal");
        wal.set_len(300 << 20).expect("sparse");
        let start = std::time::Instant::now();
        let db = Database::load(t.path()).expect("a WAL without its magic is ignored");
        assert_eq!(db.paths.len(), 1);
        let file = std::fs::File::create(t.path().join("nix/var/nix/db/db.sqlite")).expect("db");
        file.set_len(300 << 20).expect("sparse");
        let e = Database::load(t.path()).expect_err("zeros");
        assert!(e.to_string().contains("not a SQLite database"), "{e}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn malformed_database_hashes_are_untrusted_not_trusted() {
        // Regression (issue 20): with every database hash malformed, no signature was checked
        // and no path was untrusted, so NIX-025 passed.
        let t = store_root(&[(P, "sha256:nonsense", false)]);
        std::fs::create_dir(t.path().join(&P[1..])).expect("mkdir");
        let o = verify(t.path(), &opts(), &NoProgress).expect("runs");
        let kinds: Vec<Kind> = o.problems.iter().map(|p| p.kind).collect();
        assert!(kinds.contains(&Kind::Untrusted), "{:#?}", o.problems);
        assert!(kinds.contains(&Kind::BadMetadata));
    }

    #[test]
    fn a_run_that_could_read_nothing_says_so() {
        // Regression (issue 20): nothing readable gave "… problems … the run passes".
        let t = store_root(&[(P, HASH, true)]);
        let fifo = t.path().join(&P[1..]);
        if !mkfifo(&fifo) {
            return;
        }
        let mut o = opts();
        o.check_contents = true;
        let out = verify(t.path(), &o, &NoProgress).expect("runs");
        assert_eq!(out.paths_checked, 1);
        assert!(out.nothing_verified(), "{:#?}", out.problems);
    }
}
