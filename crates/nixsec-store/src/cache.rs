//! Binary-cache verification: every narinfo of a `file://` or HTTP(S) binary cache (or those of
//! the given store paths) is parsed strictly, its signatures and content address are checked, and
//! its NAR file is streamed once: hashed as stored (`FileHash`, `FileSize`), decompressed and
//! parsed as a NAR (`NarHash`, `NarSize`). Decompression is bounded by the narinfo's `NarSize`,
//! so a NAR that expands past it is reported, never buffered.

use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nixsec_nar::ca::ContentAddress;
use nixsec_nar::hash::{Algo, Hash, Hasher};
use nixsec_nar::nar::{self, NarError};
use nixsec_nar::narinfo::{self, NarInfo, NarInfoError};
use nixsec_nar::path::{StorePath, STORE_DIR};
use nixsec_nar::sig::PublicKey;

use crate::trust::Tally;

use crate::problem::{Kind, Problem};
use crate::verify::{Outcome, Progress};

/// Longest narinfo or `nix-cache-info` read (real ones are well under 10 KiB).
pub const MAX_METADATA_SIZE: u64 = 1024 * 1024;

/// Memory the xz decoder may use (a dictionary of preset 9 needs 65 MiB).
const XZ_MEMLIMIT: u64 = 128 * 1024 * 1024;

/// Largest zstd window accepted (zstd's own default limit, 128 MiB).
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Default overall deadline of one HTTP request, body included (`--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default cap on the bytes of one NAR, decompressed or as stored (`--max-nar-size`): a path
/// whose `NarSize` or stored file is larger is reported `unreadable` and not decompressed, so a
/// small file that expands to tens of GiB (with an honest `NarSize`) cannot keep a run going.
pub const DEFAULT_MAX_NAR_SIZE: u64 = 8 * 1024 * 1024 * 1024;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CacheOptions {
    /// The overall deadline of one HTTP request, from connecting to the last byte of the body
    /// (`None`: [`DEFAULT_TIMEOUT`]). A server that sends a byte now and then cannot hold a run.
    pub timeout: Option<Duration>,
    /// The most bytes a NAR may have, decompressed or as stored (`None`:
    /// [`DEFAULT_MAX_NAR_SIZE`]).
    pub max_nar_size: Option<u64>,
    /// Valid signatures by trusted keys a path needs (at least one unless its content address
    /// reproduces its store path).
    pub sigs_needed: usize,
    /// Trusted public keys.
    pub trusted_keys: Vec<PublicKey>,
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Only these store paths (`/nix/store/<hash>-<name>` or `<hash>-<name>`); `None` for every
    /// narinfo of a directory cache. Required for an HTTP cache, which cannot be listed.
    pub paths: Option<Vec<String>>,
}

/// Why the cache could not be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A URL scheme other than `file`, `http` and `https`.
    #[error("`{0}`: unsupported cache URL (give a directory, a file:// URL or an http(s):// URL)")]
    Scheme(String),
    /// The cache root or its `nix-cache-info` cannot be read.
    #[error("`{location}`: {source}")]
    Source {
        /// The directory or URL.
        location: String,
        /// What went wrong.
        source: FetchError,
    },
    /// No `nix-cache-info` at the root.
    #[error("`{0}`: not a binary cache (it has no nix-cache-info)")]
    NotACache(String),
    /// `nix-cache-info` names another store directory.
    #[error("`{location}`: StoreDir is `{found}`; only caches of {STORE_DIR} can be verified")]
    StoreDir {
        /// Where `nix-cache-info` is.
        location: String,
        /// The `StoreDir` value.
        found: String,
    },
    /// An HTTP cache and no store paths.
    #[error("`{0}`: an HTTP cache cannot be listed; give store paths")]
    NeedPaths(String),
    /// A given path that is not a store path.
    #[error("`{path}`: not a store path: {message}")]
    BadPath {
        /// The argument.
        path: String,
        /// Why.
        message: String,
    },
    /// The thread pool could not start.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

impl CacheError {
    /// True when the cache directory (or a parent of it) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, CacheError::Source { source, .. } if source.is_not_found())
    }
}

/// Why a directory or file of a cache could not be read (the error that holds it names it).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The cache directory's status could not be read.
    #[error("{0}")]
    Stat(io::Error),
    /// The cache is not a directory.
    #[error("not a directory")]
    NotADirectory,
    /// The cache directory could not be listed.
    #[error("cannot list it: {0}")]
    List(io::Error),
    /// A file could not be opened.
    #[error("cannot open it: {0}")]
    Open(io::Error),
    /// An opened file's status could not be read.
    #[error("cannot get its status: {0}")]
    Status(io::Error),
    /// Something other than a regular file.
    #[error("not a regular file")]
    NotRegular,
    /// A file could not be read.
    #[error("cannot read it: {0}")]
    Read(io::Error),
    /// A metadata file larger than [`MAX_METADATA_SIZE`].
    #[error("larger than {MAX_METADATA_SIZE} bytes")]
    TooLarge,
    /// An HTTP status other than success or absence (404, 403, 410).
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    /// The HTTP request failed (connection, TLS, timeout, …).
    #[error(transparent)]
    Http(Box<ureq::Error>),
    /// A URL of a directory cache (nothing is fetched over the network for it).
    #[error("not fetched from a directory cache")]
    NotLocal,
    /// A file or directory of a directory cache could not be opened inside it (a loop, not a
    /// regular file, …).
    #[error("{0}")]
    Root(nixsec_core::RootError),
}

impl FetchError {
    /// True when the file or directory does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match self {
            FetchError::Stat(e)
            | FetchError::List(e)
            | FetchError::Open(e)
            | FetchError::Status(e)
            | FetchError::Read(e) => e.kind() == io::ErrorKind::NotFound,
            FetchError::Root(e) => e.is_not_found(),
            _ => false,
        }
    }
}

/// Where a file of the cache is: a file of a directory cache (its path on this machine, for
/// messages, and inside the cache, where it is opened through the cache's confined root) or a
/// URL.
#[derive(Debug, Clone)]
enum Locator {
    File { shown: PathBuf, inner: PathBuf },
    Url(String),
}

impl Locator {
    fn show(&self) -> String {
        match self {
            Locator::File { shown, .. } => nixsec_core::escape_bytes(shown.as_os_str().as_bytes()),
            Locator::Url(u) => nixsec_core::escape(u).into_owned(),
        }
    }
}

/// A fetched file: its bytes as a stream, or absent (no file, HTTP 404/403/410).
type Fetched = Option<Box<dyn Read + Send>>;

/// The cache root. A directory cache is read as an audited root is: every narinfo, NAR file and
/// `nar/` directory resolves inside it (a symlink leaving it restarts at the cache's top, `..`
/// stops there), and files open `O_NOFOLLOW | O_NONBLOCK`, regular files only.
enum Root {
    Dir {
        shown: PathBuf,
        root: nixsec_core::Root,
    },
    Http {
        base: String,
        agent: ureq::Agent,
    },
}

impl Root {
    fn open(source: &str, timeout: Duration) -> Result<Root, CacheError> {
        let lower = source.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let base = strip_query(source).trim_end_matches('/').to_string();
            let config = ureq::Agent::config_builder()
                // The whole request, body included: per-read timeouts alone let a server that
                // trickles one byte every few seconds hold the run forever.
                .timeout_global(Some(timeout))
                .timeout_connect(Some(Duration::from_secs(15)))
                .timeout_recv_response(Some(Duration::from_secs(60)))
                .timeout_per_read(Some(Duration::from_secs(60)))
                .timeout_per_write(Some(Duration::from_secs(30)))
                .user_agent(concat!("nixsec/", env!("CARGO_PKG_VERSION")))
                .build();
            return Ok(Root::Http {
                base,
                agent: config.into(),
            });
        }
        let dir = if let Some(rest) = lower.strip_prefix("file://") {
            let rest = source.get(source.len() - rest.len()..).unwrap_or(rest);
            PathBuf::from(strip_query(rest))
        } else if source
            .split_once("://")
            .is_some_and(|(scheme, _)| !scheme.contains('/'))
        {
            return Err(CacheError::Scheme(nixsec_core::escape(source).into_owned()));
        } else {
            PathBuf::from(source)
        };
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => match nixsec_core::Root::new(&dir) {
                Ok(root) => Ok(Root::Dir { shown: dir, root }),
                Err(e) => Err(CacheError::Source {
                    location: nixsec_core::escape_bytes(dir.as_os_str().as_bytes()),
                    source: FetchError::Root(e),
                }),
            },
            Ok(_) => Err(CacheError::Source {
                location: nixsec_core::escape_bytes(dir.as_os_str().as_bytes()),
                source: FetchError::NotADirectory,
            }),
            Err(e) => Err(CacheError::Source {
                location: nixsec_core::escape_bytes(dir.as_os_str().as_bytes()),
                source: FetchError::Stat(e),
            }),
        }
    }

    fn is_http(&self) -> bool {
        matches!(self, Root::Http { .. })
    }

    /// A file of the cache by its path relative to the root (already checked by
    /// [`relative_url`] when it comes from a narinfo).
    fn at(&self, rel: &str) -> Locator {
        match self {
            Root::Dir { shown, .. } => Locator::File {
                shown: shown.join(rel),
                inner: Path::new("/").join(rel),
            },
            Root::Http { base, .. } => Locator::Url(format!("{base}/{rel}")),
        }
    }

    /// Where the NAR of a narinfo `URL` is, or why it will not be fetched.
    fn nar_locator(&self, url: &str) -> Result<Locator, String> {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            // Nix fetches absolute URLs of an HTTP cache as they are.
            return if self.is_http() {
                Ok(Locator::Url(url.to_string()))
            } else {
                Err("is an absolute URL, but this cache is a directory: not fetched".into())
            };
        }
        // An HTTP cache may hand out a query string (harmonia: `nar/<narhash>.nar?hash=<path
        // hash>`); Nix requests it as written. A directory cache has no queries.
        if let (true, Some((path, query))) = (self.is_http(), url.split_once('?')) {
            let rel = relative_url(path)?;
            if query
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '#')
            {
                return Err(format!(
                    "`{}` has an odd query string: not fetched",
                    nixsec_core::escape(url)
                ));
            }
            return Ok(match self.at(rel) {
                Locator::Url(u) => Locator::Url(format!("{u}?{query}")),
                other => other,
            });
        }
        relative_url(url).map(|rel| self.at(rel))
    }

    /// Open a file for reading.
    fn fetch(&self, loc: &Locator) -> Result<Fetched, FetchError> {
        match (self, loc) {
            (Root::Dir { root, .. }, Locator::File { inner, .. }) => {
                // The cache's confined opener: resolved inside the cache, O_NOFOLLOW |
                // O_NONBLOCK (a FIFO planted in the cache does not hang the open), regular
                // files only.
                match root.open(inner) {
                    Ok((_, file, _)) => Ok(Some(Box::new(file))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(FetchError::Root(e)),
                }
            }
            (Root::Http { .. }, Locator::File { .. }) => Err(FetchError::NotLocal),
            (Root::Http { agent, .. }, Locator::Url(u)) => match agent.get(u).call() {
                Ok(resp) => Ok(Some(Box::new(resp.into_body().into_reader()))),
                Err(ureq::Error::StatusCode(404 | 403 | 410)) => Ok(None),
                Err(ureq::Error::StatusCode(code)) => Err(FetchError::HttpStatus(code)),
                Err(e) => Err(FetchError::Http(Box::new(e))),
            },
            (Root::Dir { .. }, Locator::Url(_)) => Err(FetchError::NotLocal),
        }
    }

    /// Read a small text file whole (at most [`MAX_METADATA_SIZE`] bytes).
    fn read_small(&self, loc: &Locator) -> Result<Option<Vec<u8>>, FetchError> {
        let Some(reader) = self.fetch(loc)? else {
            return Ok(None);
        };
        let mut buf = Vec::new();
        reader
            .take(MAX_METADATA_SIZE + 1)
            .read_to_end(&mut buf)
            .map_err(FetchError::Read)?;
        if buf.len() as u64 > MAX_METADATA_SIZE {
            return Err(FetchError::TooLarge);
        }
        Ok(Some(buf))
    }
}

/// `s` without its `?query` and `#fragment`.
fn strip_query(s: &str) -> &str {
    s.split(['?', '#']).next().unwrap_or(s)
}

/// A narinfo `URL` that stays inside the cache: relative, no `.`/`..`/empty segments, no
/// backslash, control character, `?` or `#`.
fn relative_url(url: &str) -> Result<&str, String> {
    let shown = nixsec_core::escape(url);
    if url.starts_with('/') {
        return Err(format!("`{shown}` is an absolute path: not fetched"));
    }
    if url
        .chars()
        .any(|c| c.is_control() || matches!(c, '\\' | '?' | '#'))
        || url.contains("://")
    {
        return Err(format!(
            "`{shown}` is not a plain relative path: not fetched"
        ));
    }
    if url
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(format!(
            "`{shown}` has an empty, `.` or `..` segment: not fetched"
        ));
    }
    Ok(url)
}

/// One narinfo to check.
struct Item {
    /// Where the narinfo is.
    narinfo: Locator,
    /// The store path asked for, if any.
    expect: Option<StorePath>,
    /// The hash part its file name gives (`<hash>.narinfo`), if the name has that form.
    stem: Option<String>,
}

struct Ctx<'a> {
    root: &'a Root,
    opts: &'a CacheOptions,
    progress: &'a dyn Progress,
    hashed: AtomicU64,
}

/// Verify the binary cache at `source`: a directory, a `file://` URL or an `http(s)://` URL.
///
/// # Errors
/// The cache cannot be read or is not a binary cache of `/nix/store`, an HTTP cache without
/// store paths, a given path that is not a store path, or no worker threads.
pub fn verify_cache(
    source: &str,
    opts: &CacheOptions,
    progress: &dyn Progress,
) -> Result<Outcome, CacheError> {
    let root = Root::open(source, opts.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
    let shown_source = nixsec_core::escape(source).into_owned();
    // The paths asked for, checked before any network access.
    let expect: Option<Vec<StorePath>> = match &opts.paths {
        None => None,
        Some(given) => {
            let mut list = given
                .iter()
                .map(|p| parse_given(p))
                .collect::<Result<Vec<_>, _>>()?;
            list.sort();
            list.dedup();
            Some(list)
        }
    };
    if root.is_http() && expect.as_ref().is_none_or(Vec::is_empty) {
        return Err(CacheError::NeedPaths(shown_source));
    }
    check_cache_info(&root)?;
    let mut items: Vec<Item> = match (&root, expect) {
        (_, Some(list)) => list
            .into_iter()
            .map(|sp| Item {
                narinfo: root.at(&format!("{}.narinfo", sp.hash_part())),
                stem: Some(sp.hash_part().to_string()),
                expect: Some(sp),
            })
            .collect(),
        (Root::Dir { shown, root: dir }, None) => list_dir(shown, dir)?,
        (Root::Http { .. }, None) => return Err(CacheError::NeedPaths(shown_source)),
    };
    items.sort_by_key(|i| i.narinfo.show());
    progress.start(items.len() as u64, 0);
    let cx = Ctx {
        root: &root,
        opts,
        progress,
        hashed: AtomicU64::new(0),
    };
    let mut problems: Vec<Problem> =
        crate::parallel::run(&items, opts.jobs, progress, |item| check_item(&cx, item))
            .map_err(CacheError::Threads)?
            .into_iter()
            .flatten()
            .collect();
    progress.finish();
    problems.sort();
    problems.dedup();
    Ok(Outcome {
        store: source.to_string(),
        paths_checked: items.len() as u64,
        bytes_hashed: cx.hashed.load(Ordering::Relaxed),
        paths_unverified: crate::verify::unverified(&problems),
        problems,
        schema: None,
    })
}

/// A store path given by the user: `/nix/store/<hash>-<name>[/...]` or `<hash>-<name>`.
fn parse_given(p: &str) -> Result<StorePath, CacheError> {
    let base = match p.strip_prefix(STORE_DIR).and_then(|r| r.strip_prefix('/')) {
        Some(rest) => rest.split('/').next().unwrap_or(rest),
        None => p,
    };
    StorePath::from_base_name(base).map_err(|e| CacheError::BadPath {
        path: nixsec_core::escape(p).into_owned(),
        message: e.to_string(),
    })
}

/// `nix-cache-info` must exist; its `StoreDir`, when given, must be `/nix/store`.
fn check_cache_info(root: &Root) -> Result<(), CacheError> {
    let loc = root.at("nix-cache-info");
    let bytes = match root.read_small(&loc) {
        Ok(Some(b)) => b,
        Ok(None) => {
            let shown = match root {
                Root::Dir { shown, .. } => nixsec_core::escape_bytes(shown.as_os_str().as_bytes()),
                Root::Http { base, .. } => nixsec_core::escape(base).into_owned(),
            };
            return Err(CacheError::NotACache(shown));
        }
        Err(source) => {
            return Err(CacheError::Source {
                location: loc.show(),
                source,
            })
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    for line in text.lines() {
        if let Some((key, value)) = line.split_once(':') {
            if key.trim() == "StoreDir" && value.trim() != STORE_DIR {
                return Err(CacheError::StoreDir {
                    location: loc.show(),
                    found: nixsec_core::escape(value.trim()).into_owned(),
                });
            }
        }
    }
    Ok(())
}

/// Every `*.narinfo` at the top of a directory cache.
fn list_dir(shown: &Path, dir: &nixsec_core::Root) -> Result<Vec<Item>, CacheError> {
    let (_, names) = dir.read_dir("/").map_err(|e| CacheError::Source {
        location: nixsec_core::escape_bytes(shown.as_os_str().as_bytes()),
        source: FetchError::Root(e),
    })?;
    let mut items = Vec::new();
    for name in names {
        let Some(stem) = name.as_bytes().strip_suffix(b".narinfo") else {
            continue;
        };
        let stem = std::str::from_utf8(stem)
            .ok()
            .filter(|s| {
                s.len() == nixsec_nar::path::HASH_PART_LEN
                    && s.bytes()
                        .all(|b| nixsec_nar::nixbase32::ALPHABET.contains(&b))
            })
            .map(str::to_string);
        items.push(Item {
            narinfo: Locator::File {
                shown: shown.join(&name),
                inner: Path::new("/").join(&name),
            },
            expect: None,
            stem,
        });
    }
    Ok(items)
}

/// A problem of `path`: a store path (only safe characters) or an already escaped location.
fn problem(path: &str, kind: Kind, detail: impl Into<String>) -> Problem {
    Problem {
        path: path.to_string(),
        kind,
        detail: detail.into(),
    }
}

/// A narinfo parsed strictly, except that malformed `Sig` lines are set aside (and reported)
/// so that the rest of the narinfo can still be checked.
#[derive(Debug)]
struct Parsed {
    info: NarInfo,
    /// (line, value, why) of each `Sig` line that could not be decoded.
    bad_sigs: Vec<(usize, String, String)>,
}

fn parse_narinfo(text: &str) -> Result<Parsed, String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines: Vec<(usize, &str)> = if body.is_empty() {
        Vec::new()
    } else {
        body.split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect()
    };
    let mut bad_sigs = Vec::new();
    loop {
        let joined = lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
        let orig = |line: usize| {
            line.checked_sub(1)
                .and_then(|i| lines.get(i))
                .map_or(line, |(n, _)| *n)
        };
        match narinfo::parse(&joined) {
            Ok(info) => return Ok(Parsed { info, bad_sigs }),
            Err(NarInfoError::Field {
                line,
                field,
                message,
            }) if field == "Sig" && line >= 1 && line <= lines.len() => {
                let (n, l) = lines.remove(line - 1);
                let value = l.strip_prefix("Sig:").unwrap_or(l).trim_start();
                bad_sigs.push((n, value.to_string(), message));
            }
            Err(NarInfoError::Syntax { line, message }) => {
                return Err(NarInfoError::Syntax {
                    line: orig(line),
                    message,
                }
                .to_string())
            }
            Err(NarInfoError::Field {
                line,
                field,
                message,
            }) => {
                return Err(NarInfoError::Field {
                    line: orig(line),
                    field,
                    message,
                }
                .to_string())
            }
            Err(NarInfoError::Duplicate { line, field }) => {
                return Err(NarInfoError::Duplicate {
                    line: orig(line),
                    field,
                }
                .to_string())
            }
            Err(e @ NarInfoError::Missing { .. }) => return Err(e.to_string()),
        }
    }
}

fn check_item(cx: &Ctx<'_>, item: &Item) -> Vec<Problem> {
    let mut out = Vec::new();
    let loc = item.narinfo.show();
    // Until the narinfo is parsed, problems are named after the path asked for, else the file.
    let early_path = item
        .expect
        .as_ref()
        .map_or_else(|| loc.clone(), StorePath::to_full);
    let bytes = match cx.root.read_small(&item.narinfo) {
        Ok(Some(b)) => b,
        Ok(None) => {
            out.push(problem(
                &early_path,
                Kind::Missing,
                format!("the cache has no narinfo `{loc}`"),
            ));
            return out;
        }
        Err(e) => {
            out.push(problem(
                &early_path,
                Kind::Unreadable,
                format!("narinfo `{loc}`: {e}"),
            ));
            return out;
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        out.push(problem(
            &loc,
            Kind::BadMetadata,
            format!("narinfo `{loc}` is not UTF-8 text"),
        ));
        return out;
    };
    let Parsed { info, bad_sigs } = match parse_narinfo(text) {
        Ok(p) => p,
        Err(e) => {
            out.push(problem(&loc, Kind::BadMetadata, format!("`{loc}`: {e}")));
            return out;
        }
    };
    let path = info.store_path.to_full();
    if let Some(stem) = &item.stem {
        if info.store_path.hash_part() != stem {
            out.push(problem(
                &path,
                Kind::BadMetadata,
                format!("narinfo `{loc}` describes {path}, whose hash part is not `{stem}`"),
            ));
        }
    }
    if let Some(want) = &item.expect {
        if want.hash_part() == info.store_path.hash_part() && want != &info.store_path {
            out.push(problem(
                &path,
                Kind::BadMetadata,
                format!(
                    "asked for {}, but narinfo `{loc}` describes {path}",
                    want.to_full()
                ),
            ));
        }
    }
    // Content address: the store path must follow from `CA`, references and name.
    let ca = match info.ca.as_deref().map(ContentAddress::parse) {
        None => None,
        Some(Ok(ca)) => Some(ca),
        Some(Err(e)) => {
            out.push(problem(
                &path,
                Kind::BadMetadata,
                format!("`{loc}`: field `CA`: {e}"),
            ));
            None
        }
    };
    let mut ca_ok = false;
    if let Some(ca) = &ca {
        match ca.store_path(info.store_path.name(), &info.references, &path) {
            Ok(expected) if expected == info.store_path => ca_ok = true,
            Ok(expected) => out.push(problem(
                &path,
                Kind::CaMismatch,
                format!(
                    "its content address `{}` (with its references) gives the store path {}",
                    info.ca.as_deref().unwrap_or(""),
                    expected.to_full()
                ),
            )),
            Err(e) => out.push(problem(
                &path,
                Kind::BadMetadata,
                format!("`{loc}`: cannot compute the store path of its content address: {e}"),
            )),
        }
        if let ContentAddress::Fixed {
            recursive: true,
            hash,
        } = ca
        {
            if hash.algo == Algo::Sha256 && hash != &info.nar_hash {
                out.push(problem(
                    &path,
                    Kind::CaMismatch,
                    format!(
                        "`CA` claims NAR hash {} but `NarHash` is {}",
                        hash.to_nix32(),
                        info.nar_hash.to_nix32()
                    ),
                ));
            }
        }
    }
    check_signatures(cx, &info, &path, &loc, &bad_sigs, ca_ok, &mut out);
    check_nar(cx, &info, &path, ca.as_ref(), &mut out);
    out
}

fn check_signatures(
    cx: &Ctx<'_>,
    info: &NarInfo,
    path: &str,
    loc: &str,
    bad_sigs: &[(usize, String, String)],
    ca_ok: bool,
    out: &mut Vec<Problem>,
) {
    let fingerprint = info.fingerprint();
    let trusted_name = |name: &str| cx.opts.trusted_keys.iter().any(|k| k.name == name);
    let mut t = Tally::of(&info.sigs, &cx.opts.trusted_keys, &fingerprint);
    for (line, value, why) in bad_sigs {
        let name = value.split_once(':').map_or("", |(n, _)| n);
        if !name.is_empty() && trusted_name(name) {
            t.invalid.push(format!(
                "`{}` (line {line}) cannot be decoded ({why})",
                nixsec_core::escape(name)
            ));
        } else {
            out.push(problem(
                path,
                Kind::BadMetadata,
                format!("`{loc}`: narinfo line {line}: field `Sig`: {why}"),
            ));
        }
    }
    if !t.invalid.is_empty() {
        out.push(problem(path, Kind::InvalidSignature, t.invalid.join("; ")));
    }
    let needed = cx.opts.sigs_needed.max(1);
    if !(ca_ok || t.valid >= needed) {
        let reasons: &[&str] = if info.ca.is_none() {
            &["not content-addressed"]
        } else {
            &[]
        };
        out.push(problem(
            path,
            Kind::Untrusted,
            t.untrusted_detail(needed, reasons),
        ));
    }
}

/// The compressed stream: hashes and counts every byte read, stops at `cap` bytes, and keeps
/// the first I/O error of the underlying file (to tell it from a decompression error).
struct Tee {
    inner: Box<dyn Read + Send>,
    hasher: Option<Hasher>,
    count: u64,
    cap: u64,
    over_cap: bool,
    io_error: Option<String>,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.over_cap {
            return Err(io::Error::other("file longer than expected"));
        }
        let room = self.cap.saturating_sub(self.count);
        if room == 0 {
            // At the cap: only the end of the file may follow.
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one) {
                Ok(0) => Ok(0),
                Ok(_) => {
                    self.over_cap = true;
                    Err(io::Error::other("file longer than expected"))
                }
                Err(e) => Err(self.note(e)),
            };
        }
        let n = usize::try_from(room).map_or(buf.len(), |r| r.min(buf.len()));
        let chunk = buf.get_mut(..n).unwrap_or_default();
        match self.inner.read(chunk) {
            Ok(k) => {
                if let (Some(h), Some(bytes)) = (self.hasher.as_mut(), chunk.get(..k)) {
                    h.update(bytes);
                }
                self.count += k as u64;
                Ok(k)
            }
            Err(e) => Err(self.note(e)),
        }
    }
}

impl Tee {
    fn note(&mut self, e: io::Error) -> io::Error {
        if e.kind() != io::ErrorKind::Interrupted && self.io_error.is_none() {
            self.io_error = Some(e.to_string());
        }
        e
    }
}

/// The decompressed stream: counts NAR bytes for the outcome and the progress bar.
struct Counted<'a, 'c> {
    inner: Box<dyn Read + 'a>,
    progress: &'c dyn Progress,
    count: u64,
}

impl Read for Counted<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        self.progress.bytes(n as u64);
        Ok(n)
    }
}

/// A decompressor for the narinfo's `Compression`, or why there is none.
fn decompressor<'a>(compression: &str, input: &'a mut Tee) -> Result<Box<dyn Read + 'a>, String> {
    Ok(match compression {
        "none" => Box::new(input),
        "xz" => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMLIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(|e| format!("cannot start the xz decoder: {e}"))?;
            Box::new(liblzma::read::XzDecoder::new_stream(input, stream))
        }
        "zstd" => {
            let mut d = zstd::stream::read::Decoder::new(input)
                .map_err(|e| format!("cannot start the zstd decoder: {e}"))?;
            d.window_log_max(ZSTD_WINDOW_LOG_MAX)
                .map_err(|e| format!("cannot start the zstd decoder: {e}"))?;
            Box::new(d)
        }
        "bzip2" => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(input, 64 * 1024)),
        other => {
            return Err(format!(
                "unsupported compression `{}` (xz, zstd, bzip2, br and none are)",
                nixsec_core::escape(other)
            ))
        }
    })
}

/// Fetch the NAR file, hash it as stored and as a NAR, and compare with the narinfo.
fn check_nar(
    cx: &Ctx<'_>,
    info: &NarInfo,
    path: &str,
    ca: Option<&ContentAddress>,
    out: &mut Vec<Problem>,
) {
    let nar_loc = match cx.root.nar_locator(&info.url) {
        Ok(l) => l,
        Err(e) => {
            out.push(problem(path, Kind::BadMetadata, format!("its `URL` {e}")));
            return;
        }
    };
    let shown = nar_loc.show();
    let raw = match cx.root.fetch(&nar_loc) {
        Ok(Some(r)) => r,
        Ok(None) => {
            out.push(problem(
                path,
                Kind::Missing,
                format!("its NAR file `{shown}` is absent"),
            ));
            return;
        }
        Err(e) => {
            out.push(problem(
                path,
                Kind::Unreadable,
                format!("NAR file `{shown}`: {e}"),
            ));
            return;
        }
    };
    // Without `FileSize`, no honest compressed NAR is more than twice its size plus 1 MiB.
    let cap = info
        .file_size
        .unwrap_or_else(|| info.nar_size.saturating_mul(2).saturating_add(1024 * 1024));
    let max = cx.opts.max_nar_size.unwrap_or(DEFAULT_MAX_NAR_SIZE);
    if info.nar_size > max || cap > max {
        out.push(problem(
            path,
            Kind::Unreadable,
            format!(
                "`{shown}`: its `NarSize` ({} bytes) or stored size ({cap} bytes) is above the cap of {max} bytes (`--max-nar-size`): not checked",
                info.nar_size
            ),
        ));
        return;
    }
    let mut tee = Tee {
        inner: raw,
        hasher: Some(Hasher::new(
            info.file_hash.as_ref().map_or(Algo::Sha256, |h| h.algo),
        )),
        count: 0,
        cap,
        over_cap: false,
        io_error: None,
    };
    let flat_algo = match ca {
        Some(
            ContentAddress::Text { hash }
            | ContentAddress::Fixed {
                recursive: false,
                hash,
            },
        ) => Some(hash.algo),
        _ => None,
    };
    let compression = info.compression.as_str();
    let (read, nar_bytes) = match decompressor(compression, &mut tee) {
        Ok(d) => {
            let mut counted = Counted {
                inner: d,
                progress: cx.progress,
                count: 0,
            };
            let r = nar::read(&mut counted, info.nar_size, flat_algo);
            (Some(r), counted.count)
        }
        Err(e) => {
            out.push(problem(
                path,
                Kind::Unreadable,
                format!("NAR file `{shown}`: {e}; its contents were not checked"),
            ));
            (None, 0)
        }
    };
    cx.hashed.fetch_add(nar_bytes, Ordering::Relaxed);
    // The rest of the stored file, for its hash and size.
    let drained = io::copy(&mut tee, &mut io::sink());
    if let Some(e) = &tee.io_error {
        out.push(problem(
            path,
            Kind::Unreadable,
            format!("cannot read the NAR file `{shown}`: {e}"),
        ));
        return;
    }
    let complete = drained.is_ok() && !tee.over_cap;
    if tee.over_cap {
        match info.file_size {
            Some(s) => out.push(problem(
                path,
                Kind::FileSizeMismatch,
                format!(
                    "`{shown}` is larger than its `FileSize` of {s} bytes (reading stopped there)"
                ),
            )),
            None => out.push(problem(
                path,
                Kind::CorruptNar,
                format!(
                    "`{shown}` goes on past {cap} bytes, more than a NAR of {} bytes compresses to",
                    info.nar_size
                ),
            )),
        }
    }
    if complete {
        if let Some(s) = info.file_size {
            if s != tee.count {
                out.push(problem(
                    path,
                    Kind::FileSizeMismatch,
                    format!("`FileSize` is {s} bytes, `{shown}` has {}", tee.count),
                ));
            }
        }
        if let (Some(want), Some(h)) = (&info.file_hash, tee.hasher.take()) {
            let got = h.finish();
            if &got != want {
                out.push(problem(
                    path,
                    Kind::FileHashMismatch,
                    format!(
                        "`FileHash` is {}, `{shown}` hashes to {}",
                        want.to_nix32(),
                        got.to_nix32()
                    ),
                ));
            }
        }
    }
    let Some(read) = read else { return };
    let walked = match read {
        Ok(w) => w,
        Err(e) => {
            // A decompression error surfaces as a read error of the NAR stream.
            let detail = match &e {
                NarError::Limit { limit } => format!(
                    "the NAR in `{shown}` expands past its `NarSize` of {limit} bytes (decompression stopped there)"
                ),
                NarError::Read { offset, source } => format!(
                    "`{shown}` cannot be decompressed ({compression}) at NAR byte {offset}: {source}"
                ),
                other => format!("`{shown}`: {other}"),
            };
            if !tee.over_cap {
                out.push(problem(path, Kind::CorruptNar, detail));
            }
            return;
        }
    };
    let Some(nar) = walked.nar else { return };
    let got = Hash::sha256(nar.hash);
    if info.nar_hash.algo != Algo::Sha256 {
        out.push(problem(
            path,
            Kind::BadMetadata,
            format!(
                "`NarHash` uses {}, not sha256: not compared",
                info.nar_hash.algo.as_str()
            ),
        ));
    } else if got != info.nar_hash {
        out.push(problem(
            path,
            Kind::HashMismatch,
            format!(
                "`NarHash` is {}, the NAR hashes to {}",
                info.nar_hash.to_nix32(),
                got.to_nix32()
            ),
        ));
    }
    if nar.size != info.nar_size {
        out.push(problem(
            path,
            Kind::SizeMismatch,
            format!(
                "`NarSize` is {} bytes, the NAR has {}",
                info.nar_size, nar.size
            ),
        ));
    }
    match ca {
        Some(ContentAddress::Fixed {
            recursive: true,
            hash,
        }) if hash.algo == Algo::Sha256 && hash != &got => out.push(problem(
            path,
            Kind::CaMismatch,
            format!(
                "`CA` claims NAR hash {}, the NAR hashes to {}",
                hash.to_nix32(),
                got.to_nix32()
            ),
        )),
        Some(
            ContentAddress::Text { hash }
            | ContentAddress::Fixed {
                recursive: false,
                hash,
            },
        ) => match &walked.flat {
            Some(flat) if flat != hash => out.push(problem(
                path,
                Kind::CaMismatch,
                format!(
                    "`CA` claims the file hashes to {}, it hashes to {}",
                    hash.to_nix32(),
                    flat.to_nix32()
                ),
            )),
            Some(_) => {}
            None => out.push(problem(
                path,
                Kind::CaMismatch,
                "a flat content address, but the NAR is not a single regular file",
            )),
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_stay_inside() {
        assert!(relative_url("nar/abc.nar.xz").is_ok());
        for bad in [
            "/etc/shadow",
            "../x",
            "nar/../../x",
            "nar//x",
            "./x",
            "nar/x?y",
            "file:///etc/passwd",
            "nar\\x",
            "nar/\u{7}",
        ] {
            assert!(relative_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_caches_may_use_queries_directories_may_not() {
        let http =
            Root::open("http://127.0.0.1:1/cache/", DEFAULT_TIMEOUT).expect("no network needed");
        match http.nar_locator("nar/abc.nar?hash=xyz") {
            Ok(Locator::Url(u)) => assert_eq!(u, "http://127.0.0.1:1/cache/nar/abc.nar?hash=xyz"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        for bad in [
            "nar/abc.nar?a b",
            "nar/abc.nar?x#y",
            "../x.nar?hash=1",
            "nar/x?\u{1}",
        ] {
            assert!(http.nar_locator(bad).is_err(), "{bad}");
        }
        let t = tempfile::tempdir().expect("tempdir");
        let dir = Root::open(&t.path().display().to_string(), DEFAULT_TIMEOUT).expect("dir");
        assert!(dir.nar_locator("nar/abc.nar?hash=xyz").is_err());
    }

    #[test]
    fn given_paths() {
        let h = "06c5fhinx3mdanmvfmxzhhpdhyva7smj";
        for p in [
            format!("/nix/store/{h}-openssl-3.0.7"),
            format!("/nix/store/{h}-openssl-3.0.7/bin/openssl"),
            format!("{h}-openssl-3.0.7"),
        ] {
            let sp = parse_given(&p).expect("should succeed");
            assert_eq!(sp.hash_part(), h);
            assert_eq!(sp.name(), "openssl-3.0.7");
        }
        assert!(parse_given("/tmp/x").is_err());
        assert!(parse_given("").is_err());
    }

    #[test]
    fn bad_sig_lines_are_set_aside_with_their_line() {
        let text = "StorePath: /nix/store/06c5fhinx3mdanmvfmxzhhpdhyva7smj-x\nURL: nar/x.nar\n\
                    Sig: k:!!!\nNarHash: sha256:1apj20c582ry0pdxkl9nc1ds4dn6jlx8bxh8p11y1m79myf5mnf6\n\
                    Sig: j:???\nNarSize: 1\n";
        let p = parse_narinfo(text).expect("should succeed");
        assert_eq!(p.info.nar_size, 1);
        let lines: Vec<usize> = p.bad_sigs.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, [3, 5]);
        assert_eq!(p.bad_sigs[0].1, "k:!!!");
        // Errors after a removed line keep the original line number.
        let e = parse_narinfo(&format!("{text}NarSize: 2\n")).expect_err("should fail");
        assert!(e.contains("line 7"), "{e}");
        let e = parse_narinfo(&text.replace("NarSize: 1\n", "")).expect_err("should fail");
        assert!(e.contains("`NarSize`"), "{e}");
        assert!(parse_narinfo("").is_err());
    }

    #[test]
    fn tee_stops_at_its_cap() {
        let data = vec![7u8; 100];
        let mut tee = Tee {
            inner: Box::new(io::Cursor::new(data.clone())),
            hasher: Some(Hasher::new(Algo::Sha256)),
            count: 0,
            cap: 100,
            over_cap: false,
            io_error: None,
        };
        let mut buf = Vec::new();
        tee.read_to_end(&mut buf).expect("exactly the cap is fine");
        assert_eq!(buf, data);
        assert!(!tee.over_cap);
        let mut tee = Tee {
            inner: Box::new(io::Cursor::new(data)),
            hasher: None,
            count: 0,
            cap: 99,
            over_cap: false,
            io_error: None,
        };
        assert!(tee.read_to_end(&mut Vec::new()).is_err());
        assert!(tee.over_cap);
        assert!(tee.io_error.is_none());
    }

    #[test]
    fn sources() {
        assert!(matches!(
            Root::open("s3://bucket", DEFAULT_TIMEOUT),
            Err(CacheError::Scheme(_))
        ));
        let e = Root::open("/nonexistent/cache/dir", DEFAULT_TIMEOUT)
            .err()
            .expect("missing");
        assert!(
            matches!(
                &e,
                CacheError::Source {
                    source: FetchError::Stat(_),
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "`/nonexistent/cache/dir`: No such file or directory (os error 2)"
        );
        let t = tempfile::tempdir().expect("tempdir");
        let file = t.path().join("nix-cache-info");
        std::fs::write(&file, "").expect("write");
        let e = Root::open(&file.display().to_string(), DEFAULT_TIMEOUT)
            .err()
            .expect("a file");
        assert_eq!(
            e.to_string(),
            format!("`{}`: not a directory", file.display())
        );
        assert!(!e.is_not_found());
        std::fs::remove_file(&file).expect("rm");
        let url = format!("file://{}?compression=xz", t.path().display());
        assert!(
            matches!(Root::open(&url, DEFAULT_TIMEOUT), Ok(Root::Dir { shown, .. }) if shown == t.path())
        );
        let opts = CacheOptions::default();
        let e = verify_cache(&url, &opts, &crate::NoProgress).expect_err("should fail");
        assert!(matches!(e, CacheError::NotACache(_)), "{e}");
        std::fs::write(t.path().join("nix-cache-info"), "StoreDir: /gnu/store\n").expect("write");
        let e = verify_cache(&url, &opts, &crate::NoProgress).expect_err("should fail");
        assert!(matches!(e, CacheError::StoreDir { .. }), "{e}");
        std::fs::write(t.path().join("nix-cache-info"), "StoreDir: /nix/store\n").expect("write");
        let o = verify_cache(&url, &opts, &crate::NoProgress).expect("should succeed");
        assert_eq!(o.paths_checked, 0);
        let e = verify_cache("http://127.0.0.1:1/", &opts, &crate::NoProgress)
            .expect_err("should fail");
        assert!(matches!(e, CacheError::NeedPaths(_)), "{e}");
    }

    /// A cache built here, without Nix: single-file NARs, signed by a test key.
    struct Fake {
        dir: tempfile::TempDir,
        key: nixsec_nar::sig::SecretKey,
        n: u8,
    }

    fn nar_of_file(contents: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |s: &[u8]| {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s);
            out.resize(out.len().div_ceil(8) * 8, 0);
        };
        for s in [
            &b"nix-archive-1"[..],
            b"(",
            b"type",
            b"regular",
            b"contents",
        ] {
            put(s);
        }
        put(contents);
        put(b")");
        out
    }

    fn compress(nar: &[u8], compression: &str) -> Vec<u8> {
        match compression {
            "xz" => liblzma::encode_all(nar, 6).expect("xz"),
            "zstd" => zstd::encode_all(nar, 3).expect("zstd"),
            "bzip2" => {
                use std::io::Write as _;
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                e.write_all(nar).expect("bzip2");
                e.finish().expect("bzip2")
            }
            _ => nar.to_vec(),
        }
    }

    impl Fake {
        fn new() -> Fake {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::create_dir(dir.path().join("nar")).expect("mkdir");
            std::fs::write(dir.path().join("nix-cache-info"), "StoreDir: /nix/store\n")
                .expect("write");
            Fake {
                dir,
                key: nixsec_nar::sig::SecretKey::from_seed("test-1", [9; 32]),
                n: 0,
            }
        }

        fn opts(&self) -> CacheOptions {
            CacheOptions {
                sigs_needed: 1,
                trusted_keys: vec![self.key.public_key()],
                jobs: 2,
                paths: None,
                ..CacheOptions::default()
            }
        }

        fn run(&self) -> Outcome {
            verify_cache(
                &self.dir.path().display().to_string(),
                &self.opts(),
                &crate::NoProgress,
            )
            .expect("should succeed")
        }

        /// Add a signed, input-addressed path whose NAR holds `contents`; `edit` may change
        /// the narinfo text and the stored file. Returns the store path.
        fn add(
            &mut self,
            contents: &[u8],
            compression: &str,
            edit: impl FnOnce(String, Vec<u8>) -> (String, Vec<u8>),
        ) -> String {
            self.n += 1;
            let hash_part = nixsec_nar::nixbase32::encode(&[self.n; 20]);
            let path = format!("{STORE_DIR}/{hash_part}-test-{}", self.n);
            // Distinct contents, so that no two paths share a NAR file.
            let mut contents = contents.to_vec();
            contents.extend_from_slice(format!(" #{}", self.n).as_bytes());
            let nar = nar_of_file(&contents);
            let file = compress(&nar, compression);
            let nar_hash = Hash::of(Algo::Sha256, &nar);
            let file_hash = Hash::of(Algo::Sha256, &file);
            let fp = nixsec_nar::sig::fingerprint(&path, &nar_hash, nar.len() as u64, &[]);
            let ext = match compression {
                "xz" => ".xz",
                "zstd" => ".zst",
                "bzip2" => ".bz2",
                "br" => ".br",
                _ => "",
            };
            let text = format!(
                "StorePath: {path}\nURL: nar/{}.nar{ext}\nCompression: {compression}\n\
                 FileHash: {}\nFileSize: {}\nNarHash: {}\nNarSize: {}\nReferences: \n\
                 Sig: {}\n",
                file_hash.nix32(),
                file_hash.to_nix32(),
                file.len(),
                nar_hash.to_nix32(),
                nar.len(),
                self.key.sign(&fp)
            );
            let (text, file) = edit(text, file);
            let url = text
                .lines()
                .find_map(|l| l.strip_prefix("URL: "))
                .map(str::to_string);
            if let Some(url) = url.filter(|u| relative_url(u).is_ok()) {
                std::fs::write(self.dir.path().join(url), file).expect("write");
            }
            std::fs::write(self.dir.path().join(format!("{hash_part}.narinfo")), text)
                .expect("write");
            path
        }
    }

    fn kinds(o: &Outcome, path: &str) -> Vec<&'static str> {
        o.problems
            .iter()
            .filter(|p| p.path == path)
            .map(|p| p.kind.as_str())
            .collect()
    }

    /// The kinds of `path` other than those of its (then no longer matching) signature.
    fn nar_kinds(o: &Outcome, path: &str) -> Vec<&'static str> {
        let mut k = kinds(o, path);
        k.retain(|k| *k != "invalid-signature" && *k != "untrusted");
        k
    }

    fn keep(t: String, f: Vec<u8>) -> (String, Vec<u8>) {
        (t, f)
    }

    #[test]
    fn clean_fake_cache_in_every_compression() {
        let mut c = Fake::new();
        for comp in ["xz", "zstd", "bzip2", "none"] {
            c.add(b"hello world\n", comp, keep);
        }
        // Each NAR: 112 bytes of tokens and 15 of contents (`hello world\n #N`) padded to 16.
        let total = 4 * 128;
        let o = c.run();
        assert!(o.problems.is_empty(), "{:#?}", o.problems);
        assert_eq!(o.paths_checked, 4);
        assert_eq!(o.bytes_hashed, total);
        // Asked for by path, and for one the cache does not have.
        let mut opts = c.opts();
        let absent = format!("{STORE_DIR}/{}-absent", "0".repeat(32));
        opts.paths = Some(vec![
            format!(
                "{STORE_DIR}/{}-test-1",
                nixsec_nar::nixbase32::encode(&[1; 20])
            ),
            absent.clone(),
        ]);
        let o = verify_cache(
            &c.dir.path().display().to_string(),
            &opts,
            &crate::NoProgress,
        )
        .expect("should succeed");
        assert_eq!(o.paths_checked, 2);
        assert_eq!(kinds(&o, &absent), ["missing"]);
        assert_eq!(o.problems.len(), 1);
    }

    #[test]
    fn hostile_nar_files_are_named() {
        let mut c = Fake::new();
        let replace =
            |from: &'static str, to: String| move |t: String, f: Vec<u8>| (t.replace(from, &to), f);
        // More bytes than NarSize says: stopped at NarSize.
        let big = c.add(b"0123456789abcdef", "xz", |t, f| {
            let t = t
                .lines()
                .map(|l| {
                    if l.starts_with("NarSize:") {
                        "NarSize: 100".to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            (t, f)
        });
        // Fewer bytes than NarSize says.
        let small = c.add(b"x", "zstd", |t, f| {
            let t = t
                .lines()
                .map(|l| {
                    if l.starts_with("NarSize:") {
                        "NarSize: 100000".to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            (t, f)
        });
        // Data after the NAR, inside the compressed stream (FileHash/FileSize made to fit).
        let trailing = c.add(b"abc", "none", |t, mut f| {
            f.extend_from_slice(&[0u8; 8]);
            let t = t
                .lines()
                .filter(|l| !l.starts_with("FileHash:") && !l.starts_with("FileSize:"))
                .collect::<Vec<_>>()
                .join("\n");
            (t, f)
        });
        // Garbage in each compression.
        let mut garbage = Vec::new();
        for comp in ["xz", "zstd", "bzip2", "br", "none"] {
            garbage.push(c.add(b"abc", comp, |t, _| {
                (t, b"\x00\x01garbage, not compressed at all".to_vec())
            }));
        }
        // An empty file.
        let empty = c.add(b"abc", "xz", |t, _| (t, Vec::new()));
        // A compression nixsec does not read: the file is still hashed.
        let gzip = c.add(
            b"abc",
            "none",
            replace("Compression: none", "Compression: gzip".into()),
        );
        // An absolute URL into the host.
        let abs = c.add(b"abc", "none", |t, f| {
            let url = t
                .lines()
                .find_map(|l| l.strip_prefix("URL: "))
                .unwrap_or("")
                .to_string();
            (t.replace(&url, "/etc/passwd"), f)
        });
        // A FileSize smaller than the file: reading stops there.
        let short = c.add(b"0123456789abcdef0123456789", "none", |t, f| {
            let t = t
                .lines()
                .map(|l| {
                    if l.starts_with("FileSize:") {
                        "FileSize: 10".to_string()
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            (t, f)
        });
        let o = c.run();
        assert_eq!(nar_kinds(&o, &big), ["corrupt-nar"], "{:#?}", o.problems);
        assert!(o
            .problems
            .iter()
            .any(|p| p.path == big && p.detail.contains("NarSize")));
        assert_eq!(nar_kinds(&o, &small), ["size-mismatch"]);
        assert_eq!(kinds(&o, &big).len(), 3, "NarSize is signed");
        assert_eq!(kinds(&o, &trailing), ["corrupt-nar"]);
        for g in &garbage {
            let k = kinds(&o, g);
            assert!(
                k.contains(&"corrupt-nar") && k.contains(&"file-hash-mismatch"),
                "{g}: {k:?}"
            );
        }
        assert_eq!(
            kinds(&o, &empty),
            ["file-hash-mismatch", "file-size-mismatch", "corrupt-nar"]
        );
        assert_eq!(kinds(&o, &gzip), ["unreadable"]);
        assert_eq!(kinds(&o, &abs), ["bad-metadata"]);
        assert_eq!(kinds(&o, &short), ["file-size-mismatch"]);
        assert_eq!(o.paths_checked, 12);
    }

    #[test]
    fn a_fifo_or_directory_as_nar_file_does_not_hang() {
        let mut c = Fake::new();
        let url = std::cell::RefCell::new(String::new());
        let fifo = c.add(b"abc", "none", |t, f| {
            *url.borrow_mut() = t
                .lines()
                .find_map(|l| l.strip_prefix("URL: "))
                .unwrap_or("")
                .to_string();
            (t, f)
        });
        let nar = c.dir.path().join(url.borrow().as_str());
        std::fs::remove_file(&nar).expect("rm");
        let made = std::process::Command::new("mkfifo")
            .arg(&nar)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            std::fs::create_dir(&nar).expect("mkdir");
        }
        let o = c.run();
        assert_eq!(kinds(&o, &fifo), ["unreadable"], "{:#?}", o.problems);
    }

    /// The NAR file name of a narinfo text.
    fn url_of(t: &str) -> String {
        t.lines()
            .find_map(|l| l.strip_prefix("URL: "))
            .unwrap_or("")
            .to_string()
    }

    #[test]
    fn symlinks_leaving_the_cache_are_not_followed() {
        // Regression (issue 20): a `.narinfo`, a NAR file or the `nar/` directory that is a
        // symlink leaving the cache was opened on the auditing host.
        let outside = tempfile::tempdir().expect("tempdir");
        let mut c = Fake::new();
        let url = std::cell::RefCell::new(String::new());
        let nar_link = c.add(b"abc", "none", |t, f| {
            *url.borrow_mut() = url_of(&t);
            (t, f)
        });
        // The real NAR moves outside; an absolute link points at it.
        let nar = c.dir.path().join(url.borrow().as_str());
        let moved = outside.path().join("moved.nar");
        std::fs::rename(&nar, &moved).expect("mv");
        std::os::unix::fs::symlink(&moved, &nar).expect("ln");
        // A narinfo that is a link to a narinfo outside.
        let info_link = c.add(b"def", "none", keep);
        let hash_part = info_link
            .strip_prefix("/nix/store/")
            .and_then(|b| b.split('-').next())
            .expect("hash part");
        let info = c.dir.path().join(format!("{hash_part}.narinfo"));
        std::fs::rename(&info, outside.path().join("x.narinfo")).expect("mv");
        std::os::unix::fs::symlink(outside.path().join("x.narinfo"), &info).expect("ln");
        let o = c.run();
        assert_eq!(kinds(&o, &nar_link), ["missing"], "{:#?}", o.problems);
        let shown = info.display().to_string();
        assert!(
            o.problems
                .iter()
                .any(|p| p.path == shown && p.kind == Kind::Missing),
            "{:#?}",
            o.problems
        );
        // `nar/` itself a link out of the cache: every NAR is absent.
        let mut c = Fake::new();
        let p = c.add(b"ghi", "none", keep);
        let real = outside.path().join("nar");
        std::fs::rename(c.dir.path().join("nar"), &real).expect("mv");
        std::os::unix::fs::symlink(&real, c.dir.path().join("nar")).expect("ln");
        let o = c.run();
        assert_eq!(kinds(&o, &p), ["missing"], "{:#?}", o.problems);
        // A relative link inside the cache is still followed (as Nix would).
        let mut c = Fake::new();
        let url = std::cell::RefCell::new(String::new());
        let p = c.add(b"jkl", "none", |t, f| {
            *url.borrow_mut() = url_of(&t);
            (t, f)
        });
        let nar = c.dir.path().join(url.borrow().as_str());
        std::fs::rename(&nar, c.dir.path().join("nar/real")).expect("mv");
        std::os::unix::fs::symlink("real", &nar).expect("ln");
        assert!(kinds(&c.run(), &p).is_empty());
    }

    #[test]
    fn decompressed_bytes_are_capped() {
        // Regression (issue 20): a NAR expanding to 32 GiB with an honest `NarSize` ran on.
        let mut c = Fake::new();
        let p = c.add(&vec![0u8; 4 << 20], "zstd", keep);
        let mut opts = c.opts();
        opts.max_nar_size = Some(1 << 20);
        let o = verify_cache(
            &c.dir.path().display().to_string(),
            &opts,
            &crate::NoProgress,
        )
        .expect("runs");
        assert_eq!(kinds(&o, &p), ["unreadable"], "{:#?}", o.problems);
        assert!(o.problems[0].detail.contains("--max-nar-size"));
        assert!(o.nothing_verified());
        assert_eq!(o.bytes_hashed, 0);
    }

    #[test]
    fn a_trickling_http_server_is_cut_at_the_deadline() {
        // Regression (issue 20): a server sending one byte every few seconds was read forever
        // (only a per-read timeout). The deadline covers the whole request, body included.
        use std::io::Write as _;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let Ok((mut sock, _)) = listener.accept() else {
                return;
            };
            let mut req = [0u8; 1024];
            let _ = sock.read(&mut req);
            let _ = sock.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nStoreDir: /nix/store\n",
            );
            for _ in 0..40 {
                std::thread::sleep(Duration::from_millis(250));
                if sock.write_all(b" ").is_err() {
                    return;
                }
            }
        });
        let opts = CacheOptions {
            timeout: Some(Duration::from_secs(2)),
            paths: Some(vec![format!("{STORE_DIR}/{}-x", "0".repeat(32))]),
            ..CacheOptions::default()
        };
        let t = std::time::Instant::now();
        let e = verify_cache(&format!("http://{addr}"), &opts, &crate::NoProgress)
            .expect_err("timed out");
        assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
        assert!(matches!(e, CacheError::Source { .. }), "{e}");
        let _ = server.join();
    }

    /// A small deterministic generator (no dependency needed for this).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next()).unwrap_or(0) % n.max(1)
        }
    }

    #[test]
    fn mutated_narinfos_and_nar_files_never_panic() {
        let mut c = Fake::new();
        let mut rng = Lcg(0x5eed);
        let comps = ["xz", "zstd", "bzip2", "none"];
        for i in 0..120 {
            let comp = comps[i % comps.len()];
            let contents: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
            let mode = rng.below(4);
            let (a, b, cut) = (rng.next(), rng.next(), rng.next());
            c.add(&contents, comp, |t, mut f| {
                let mut t = t.into_bytes();
                match mode {
                    0 if !f.is_empty() => {
                        let at = usize::try_from(a).unwrap_or(0) % f.len();
                        f[at] ^= (b as u8) | 1;
                    }
                    1 => f.truncate(usize::try_from(cut).unwrap_or(0) % (f.len() + 1)),
                    2 if !t.is_empty() => {
                        let at = usize::try_from(a).unwrap_or(0) % t.len();
                        t[at] = (b % 95) as u8 + 32;
                    }
                    _ => {
                        let at = usize::try_from(a).unwrap_or(0) % (t.len() + 1);
                        t.truncate(at);
                    }
                }
                (String::from_utf8_lossy(&t).into_owned(), f)
            });
        }
        let o = c.run();
        assert_eq!(o.paths_checked, 120);
        assert!(!o.problems.is_empty());
    }
}
