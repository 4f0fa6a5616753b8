//! The local NVD index: one SQLite file in the cache directory.
//!
//! Tables: `cves(id PRIMARY KEY, modified, data)` holds each advisory as compact JSON (the
//! [`Advisory`] serde form); `cpes(cve, vendor, product)` lists the vendor/product of every
//! vulnerable CPE match, indexed by product, so a scan reads only the advisories of the products
//! it looks for; `meta(key, value)` holds `built`, `updated` (RFC 3339), `source` and the feed
//! timestamp. A full build writes a new file and renames it over the old one; an incremental
//! update (the `-modified` feed) changes rows in place in one transaction.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::nvd::{self, Advisory, FeedError, Loaded};

/// NVD's JSON 2.0 feeds: the default mirror of `nixsec vulns update`.
pub const NVD_FEEDS: &str = "https://nvd.nist.gov/feeds/json/cve/2.0/";

/// The index file in a cache directory.
#[must_use]
pub fn index_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("nvd-index.sqlite")
}

/// The default cache directory: `$NIXSEC_CACHE_DIR`, else `$XDG_CACHE_HOME/nixsec`, else
/// `~/.cache/nixsec`.
#[must_use]
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|x| !x.is_empty())
            .map(PathBuf::from)
    };
    var("NIXSEC_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|x| x.join("nixsec")))
        .or_else(|| var("HOME").map(|h| h.join(".cache/nixsec")))
}

/// Index errors.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// SQLite.
    #[error("`{path}`: {message}")]
    Sqlite {
        /// The index file.
        path: String,
        /// What SQLite said.
        message: String,
    },
    /// Reading a feed failed.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// I/O on the cache directory.
    #[error("`{path}`: {cause}")]
    Io {
        /// The path.
        path: String,
        /// The error (in the message, not chained: the error stays one line).
        cause: std::io::Error,
    },
    /// Nothing to build from.
    #[error("{0}")]
    Empty(String),
}

fn sq(path: &Path) -> impl Fn(rusqlite::Error) -> IndexError + '_ {
    move |e| IndexError::Sqlite {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// An open index.
pub struct Index {
    conn: Connection,
    path: PathBuf,
}

/// Where feeds come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A directory of feed files.
    Dir(PathBuf),
    /// A base URL serving `nvdcve-2.0-<YEAR>.json.gz` and `nvdcve-2.0-modified.json.gz`.
    Mirror(String),
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateReport {
    /// Incremental (modified feed only) or full.
    pub incremental: bool,
    /// Feeds read.
    pub feeds: Vec<String>,
    /// Advisories written.
    pub written: usize,
    /// Advisories in the index afterwards.
    pub total: usize,
    /// CVEs without configurations (not analysed yet).
    pub unconfigured: usize,
    /// Per-CVE problems and skipped feeds, one line each.
    pub problems: Vec<String>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cves (id TEXT PRIMARY KEY, modified TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS cpes (cve TEXT NOT NULL, vendor TEXT NOT NULL, product TEXT NOT NULL,
  PRIMARY KEY (cve, vendor, product)) WITHOUT ROWID;
";

/// One advisory ready to store (serialised by the parsing threads).
struct Row {
    id: String,
    modified: String,
    data: Vec<u8>,
    products: Vec<(String, String)>,
}

impl Row {
    fn of(a: &Advisory) -> Row {
        Row {
            id: a.id.clone(),
            modified: a.modified.clone(),
            data: serde_json::to_vec(a).unwrap_or_default(),
            products: a.products(),
        }
    }
}

/// Rows are handed to the writer in chunks of this many, so that memory holds a few chunks
/// and the feeds being decompressed, never a whole feed's advisories.
const CHUNK: usize = 2000;

/// What a reading thread tells the writer.
enum Msg {
    /// Advisories ready to store.
    Rows(Vec<Row>),
    /// A feed is finished: what else it said, `None` when a mirror does not have it (404), or
    /// why it could not be read.
    Done(String, Result<Option<Loaded>, FeedError>),
}

/// Write advisories in one transaction, keeping the newer copy of a CVE seen twice.
struct Writer<'c> {
    tx: rusqlite::Transaction<'c>,
}

impl Writer<'_> {
    fn put(&mut self, a: &Row) -> rusqlite::Result<bool> {
        let inserted = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO cves (id, modified, data) VALUES (?1, ?2, ?3)")?
            .execute(params![a.id, a.modified, a.data])?;
        if inserted == 0 {
            let old: String = self
                .tx
                .prepare_cached("SELECT modified FROM cves WHERE id = ?1")?
                .query_row([&a.id], |r| r.get(0))?;
            if old > a.modified {
                return Ok(false);
            }
            self.tx
                .prepare_cached("DELETE FROM cpes WHERE cve = ?1")?
                .execute([&a.id])?;
            self.tx
                .prepare_cached("UPDATE cves SET modified = ?2, data = ?3 WHERE id = ?1")?
                .execute(params![a.id, a.modified, a.data])?;
        }
        let mut ins = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO cpes (cve, vendor, product) VALUES (?1, ?2, ?3)",
        )?;
        for (vendor, product) in &a.products {
            ins.execute(params![a.id, vendor, product])?;
        }
        Ok(true)
    }
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )
    .map(|_| ())
}

/// A feed to read: its name and how to get its bytes.
enum Feed {
    File(PathBuf),
    Url(String),
}

impl Feed {
    fn name(&self) -> String {
        match self {
            Feed::File(p) => p.display().to_string(),
            Feed::Url(u) => u.clone(),
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("nixsec/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Parse one feed as it is read (a file, or an HTTP body), handing each advisory to `each`;
/// `Ok(None)` when a mirror does not have it (404). Memory stays bounded whatever the feed
/// holds, and at most [`nvd::MAX_FEED_BYTES`] of JSON are read.
fn stream_feed(
    agent: &ureq::Agent,
    f: &Feed,
    each: &mut dyn FnMut(Advisory),
) -> Result<Option<nvd::Loaded>, FeedError> {
    match f {
        Feed::File(p) => nvd::stream_file(p, each).map(Some),
        Feed::Url(u) => {
            let err = |message: String| FeedError {
                path: u.clone(),
                message,
            };
            match agent.get(u).call() {
                Ok(resp) => nvd::stream_reader(u, resp.into_body().into_reader(), each).map(Some),
                Err(ureq::Error::StatusCode(404 | 410)) => Ok(None),
                Err(ureq::Error::StatusCode(code)) => Err(err(format!("HTTP status {code}"))),
                Err(e) => Err(err(e.to_string())),
            }
        }
    }
}

/// Read one feed and send its rows to the writer in chunks as they are parsed.
fn read_feed(agent: &ureq::Agent, f: &Feed, tx: &mpsc::SyncSender<Msg>) {
    let name = f.name();
    let mut chunk = Vec::with_capacity(CHUNK);
    let r = stream_feed(agent, f, &mut |a| {
        chunk.push(Row::of(&a));
        if chunk.len() == CHUNK {
            let _ = tx.send(Msg::Rows(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(CHUNK),
            )));
        }
    });
    if r.is_ok() && !chunk.is_empty() {
        let _ = tx.send(Msg::Rows(chunk));
    }
    let _ = tx.send(Msg::Done(name, r));
}

/// Read `feeds` in parallel and write them through `conn`; returns advisories written.
fn ingest(
    conn: &mut Connection,
    path: &Path,
    feeds: &[Feed],
    report: &mut UpdateReport,
) -> Result<Option<String>, IndexError> {
    use rayon::prelude::*;
    let agent = agent();
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let mut first_err = None;
    let mut timestamp: Option<String> = None;
    std::thread::scope(|s| -> Result<(), IndexError> {
        s.spawn(|| {
            feeds
                .par_iter()
                .for_each_with(tx, |tx, f| read_feed(&agent, f, tx));
        });
        let t = conn.transaction().map_err(sq(path))?;
        let mut w = Writer { tx: t };
        for msg in rx {
            match msg {
                Msg::Rows(rows) => {
                    // After a failed feed nothing is committed: the rest is only drained.
                    if first_err.is_some() {
                        continue;
                    }
                    for a in &rows {
                        if w.put(a).map_err(sq(path))? {
                            report.written += 1;
                        }
                    }
                }
                Msg::Done(name, Ok(Some(l))) => {
                    report.feeds.push(name);
                    report.unconfigured += l.unconfigured;
                    report.problems.extend(l.problems);
                    if l.timestamp > timestamp {
                        timestamp = l.timestamp;
                    }
                }
                Msg::Done(name, Ok(None)) => report
                    .problems
                    .push(format!("`{name}`: not on the mirror (404), skipped")),
                Msg::Done(_, Err(e)) => {
                    if first_err.is_none() {
                        first_err = Some(e);
                    }
                }
            }
        }
        if first_err.is_none() {
            w.tx.commit().map_err(sq(path))?;
        }
        Ok(())
    })?;
    if let Some(e) = first_err {
        return Err(e.into());
    }
    Ok(timestamp)
}

/// The feed names of a full download from a mirror: every year since 2002, and `modified`.
fn mirror_feeds(base: &str, full: bool, now: DateTime<Utc>) -> Vec<Feed> {
    let base = base.trim_end_matches('/');
    let mut out = Vec::new();
    if full {
        let year: i32 = now.format("%Y").to_string().parse().unwrap_or(2026);
        for y in 2002..=year {
            out.push(Feed::Url(format!("{base}/nvdcve-2.0-{y}.json.gz")));
        }
    }
    out.push(Feed::Url(format!("{base}/nvdcve-2.0-modified.json.gz")));
    out
}

/// Build or update the index in `cache_dir` from `source`. When the index was updated less
/// than `incremental_within` ago, only the `-modified` (and `-recent`) feeds are read and
/// applied in place; otherwise every feed is read into a new index.
///
/// # Errors
/// A feed that cannot be read (the index is left unchanged), or SQLite errors.
pub fn update(
    cache_dir: &Path,
    source: &Source,
    incremental_within: chrono::Duration,
    force_full: bool,
    now: DateTime<Utc>,
) -> Result<UpdateReport, IndexError> {
    std::fs::create_dir_all(cache_dir).map_err(|e| IndexError::Io {
        path: cache_dir.display().to_string(),
        cause: e,
    })?;
    let path = index_path(cache_dir);
    let recent = !force_full
        && Index::open(&path)
            .ok()
            .and_then(|i| i.updated())
            .is_some_and(|u| now - u < incremental_within);
    let mut report = UpdateReport::default();
    let feeds: Vec<Feed> = match source {
        Source::Dir(d) => {
            let all = nvd::feed_files(d)?;
            let modified: Vec<PathBuf> = all
                .iter()
                .filter(|p| {
                    let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    n.is_some_and(|n| n.contains("-modified") || n.contains("-recent"))
                })
                .cloned()
                .collect();
            if recent && !modified.is_empty() {
                report.incremental = true;
                modified.into_iter().map(Feed::File).collect()
            } else {
                all.into_iter().map(Feed::File).collect()
            }
        }
        Source::Mirror(url) => {
            report.incremental = recent;
            mirror_feeds(url, !recent, now)
        }
    };
    if feeds.is_empty() {
        return Err(IndexError::Empty(match source {
            Source::Dir(d) => format!("`{}`: no NVD feed files (*.json, *.json.gz)", d.display()),
            Source::Mirror(u) => format!("`{u}`: nothing to download"),
        }));
    }
    let source_name = match source {
        Source::Dir(d) => d.display().to_string(),
        Source::Mirror(u) => u.clone(),
    };
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if report.incremental {
        let mut conn = Connection::open(&path).map_err(sq(&path))?;
        let ts = ingest(&mut conn, &path, &feeds, &mut report)?;
        set_meta(&conn, "updated", &stamp).map_err(sq(&path))?;
        if let Some(ts) = ts {
            set_meta(&conn, "feed_timestamp", &ts).map_err(sq(&path))?;
        }
        report.total = count(&conn).map_err(sq(&path))?;
        return Ok(report);
    }
    let tmp = cache_dir.join(format!(".nvd-index.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<(), IndexError> {
        let mut conn = Connection::open(&tmp).map_err(sq(&tmp))?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 8192;",
        )
        .map_err(sq(&tmp))?;
        conn.execute_batch(SCHEMA).map_err(sq(&tmp))?;
        let ts = ingest(&mut conn, &tmp, &feeds, &mut report)?;
        conn.execute_batch("CREATE INDEX IF NOT EXISTS cpes_product ON cpes (product);")
            .map_err(sq(&tmp))?;
        set_meta(&conn, "built", &stamp).map_err(sq(&tmp))?;
        set_meta(&conn, "updated", &stamp).map_err(sq(&tmp))?;
        set_meta(&conn, "source", &source_name).map_err(sq(&tmp))?;
        if let Some(ts) = ts {
            set_meta(&conn, "feed_timestamp", &ts).map_err(sq(&tmp))?;
        }
        report.total = count(&conn).map_err(sq(&tmp))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &path).map_err(|e| IndexError::Io {
        path: path.display().to_string(),
        cause: e,
    })?;
    Ok(report)
}

fn count(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("SELECT count(*) FROM cves", [], |r| r.get::<_, i64>(0))
        .map(|n| usize::try_from(n).unwrap_or(0))
}

impl Index {
    /// Open an existing index read-only.
    ///
    /// # Errors
    /// Missing or not an index.
    pub fn open(path: &Path) -> Result<Index, IndexError> {
        if !path.exists() {
            return Err(IndexError::Empty(format!(
                "`{}`: no NVD index (run `nixsec vulns update`, or pass --nvd PATH)",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sq(path))?;
        conn.query_row("SELECT count(*) FROM meta", [], |_| Ok(()))
            .map_err(|e| IndexError::Sqlite {
                path: path.display().to_string(),
                message: format!("not a nixsec NVD index ({e})"),
            })?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// A `meta` value.
    #[must_use]
    pub fn meta(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    }

    /// When the index was last updated.
    #[must_use]
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        self.meta("updated")
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|d| d.with_timezone(&Utc))
    }

    /// Number of advisories.
    #[must_use]
    pub fn len(&self) -> usize {
        count(&self.conn).unwrap_or(0)
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The advisories with a vulnerable CPE match for one of `products`.
    ///
    /// # Errors
    /// SQLite errors; a stored row that does not decode.
    pub fn by_products(&self, products: &[String]) -> Result<Vec<Advisory>, IndexError> {
        let e = sq(&self.path);
        // One read transaction for all the lookups of a package: SQLite otherwise locks,
        // checks for a journal and rereads the header around every statement.
        let tx = self.conn.unchecked_transaction().map_err(&e)?;
        let mut ids = std::collections::BTreeSet::new();
        let mut q = self
            .conn
            .prepare_cached("SELECT cve FROM cpes WHERE product = ?1")
            .map_err(&e)?;
        for p in products {
            let rows = q.query_map([p], |r| r.get::<_, String>(0)).map_err(&e)?;
            for r in rows {
                ids.insert(r.map_err(&e)?);
            }
        }
        let mut get = self
            .conn
            .prepare_cached("SELECT data FROM cves WHERE id = ?1")
            .map_err(&e)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let data: Vec<u8> = get.query_row([&id], |r| r.get(0)).map_err(&e)?;
            let a: Advisory = serde_json::from_slice(&data).map_err(|err| IndexError::Sqlite {
                path: self.path.display().to_string(),
                message: format!("{id}: corrupt row ({err}); rebuild with `nixsec vulns update`"),
            })?;
            out.push(a);
        }
        drop(get);
        drop(q);
        tx.commit().map_err(&e)?;
        Ok(out)
    }
}
