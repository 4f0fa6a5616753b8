//! Reading Nix's database (`nix/var/nix/db/db.sqlite`) without writing to it or locking it, and
//! without SQLite ever opening a path under the audited root.
//!
//! The database (and its write-ahead log, when not empty) is copied through the root's confined
//! opener ([`Root::copy_to`]: resolved inside the root, `O_NOFOLLOW | O_NONBLOCK`, regular
//! files only) into a private temporary directory, and SQLite opens the copy. A symlink in the
//! audited tree cannot make SQLite read a database of the auditing host, a FIFO cannot hang it,
//! no lock is taken on the host's files (a running nix-daemon is never blocked), and nothing
//! under the root is written, not even the WAL index. The `schema` file is read through the
//! root too.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use nixsec_core::{Root, RootError};
use rusqlite::{Connection, OpenFlags};

/// The database, inside the audited root.
pub const DB_FILE: &str = "/nix/var/nix/db/db.sqlite";
/// Its write-ahead log.
pub const WAL_FILE: &str = "/nix/var/nix/db/db.sqlite-wal";
/// The schema version file.
pub const SCHEMA_FILE: &str = "/nix/var/nix/db/schema";

/// One row of `ValidPaths`, with its references resolved to paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPath {
    /// Row id.
    pub id: i64,
    /// Full store path as stored (`/nix/store/...`).
    pub path: String,
    /// The `hash` column as stored (`sha256:<base16>`).
    pub hash: String,
    /// `narSize`; `None` when NULL or 0 (very old databases).
    pub nar_size: Option<u64>,
    /// Built locally (`ultimate = 1`).
    pub ultimate: bool,
    /// Signatures (`sigs`, space-separated).
    pub sigs: Vec<String>,
    /// Content-address assertion.
    pub ca: Option<String>,
    /// Deriver.
    pub deriver: Option<String>,
    /// References as full store paths (may include the path itself).
    pub references: Vec<String>,
    /// Reference ids that name no valid path (a corrupted `Refs` table).
    pub dangling: Vec<i64>,
}

/// Problems opening or reading the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The file is missing.
    #[error("`{0}`: no Nix database here (is this the directory that holds `nix/store`?)")]
    Missing(String),
    /// The store root is not a directory that can be audited.
    #[error("the store root: {0}")]
    Root(RootError),
    /// The database or its WAL could not be read (a loop, not a regular file, …).
    #[error("{0}")]
    Read(RootError),
    /// SQLite refused the file or a query.
    #[error("`{path}`: {}", sqlite_message(.source))]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The private copy could not be made.
    #[error("`{path}`: cannot copy the database for a private read: {source}")]
    Copy {
        /// The file being copied.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The whole `ValidPaths` table with references, read once.
#[derive(Debug, Default)]
pub struct Database {
    /// Rows by path.
    pub paths: Vec<ValidPath>,
    /// Index into `paths` by full store path.
    pub by_path: HashMap<String, usize>,
    /// Schema version from `nix/var/nix/db/schema`, if readable.
    pub schema: Option<String>,
}

/// What SQLite said, in words: a file that is not a database or is corrupt says so.
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(m))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            format!("not a SQLite database ({m}): truncated or garbage")
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            "not a SQLite database: truncated or garbage".to_string()
        }
        rusqlite::Error::SqliteFailure(f, Some(m))
            if f.code == rusqlite::ErrorCode::DatabaseCorrupt =>
        {
            format!("the database is corrupt ({m})")
        }
        other => other.to_string(),
    }
}

fn sqlite_err(path: &str, e: rusqlite::Error) -> DbError {
    DbError::Sqlite {
        path: path.to_string(),
        source: e,
    }
}

/// A private file in `dir`, readable and writable by this process only.
fn private_file(dir: &Path, name: &str) -> Result<File, DbError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dir.join(name))
        .map_err(|source| DbError::Copy {
            path: name.to_string(),
            source,
        })
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a write-ahead log (big- or little-endian checksums).
const WAL_MAGIC: [&[u8]; 2] = [&[0x37, 0x7f, 0x06, 0x82], &[0x37, 0x7f, 0x06, 0x83]];

/// Copy `path` of the root through the confined opener into `dest` when it starts with one of
/// `magics`; `Ok(false)` (nothing copied) when it does not. A 300 MB zero-filled or sparse file
/// planted as the database is refused after reading 16 bytes, not copied whole.
fn copy_if(root: &Root, path: &str, magics: &[&[u8]], dest: &mut File) -> Result<bool, RootError> {
    use std::io::{Read as _, Write as _};
    let (r, mut file, _) = root.open(path)?;
    let io_err = |source| RootError::Io {
        path: r.display(),
        source,
    };
    let want = magics.iter().map(|m| m.len()).max().unwrap_or(0);
    let mut head = Vec::with_capacity(want);
    (&mut file)
        .take(want as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    if !magics.iter().any(|m| head.starts_with(m)) {
        return Ok(false);
    }
    dest.write_all(&head).map_err(io_err)?;
    std::io::copy(&mut file, dest).map_err(io_err)?;
    Ok(true)
}

/// Copy the database (and its WAL when it holds transactions) out of the root through the
/// confined opener and open the copy (see the module docs). The returned guard keeps the copy
/// alive.
fn open(root: &Root) -> Result<(Connection, tempfile::TempDir), DbError> {
    let shown = nixsec_core::root::display_inner(Path::new(DB_FILE));
    let dir = tempfile::tempdir().map_err(|source| DbError::Copy {
        path: shown.clone(),
        source,
    })?;
    let mut db = private_file(dir.path(), "db.sqlite")?;
    match copy_if(root, DB_FILE, &[SQLITE_MAGIC], &mut db) {
        Ok(true) => {}
        // Not a database (an empty or zero-filled file, garbage): said without copying it.
        Ok(false) => {
            return Err(DbError::Sqlite {
                path: shown,
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
                    Some("no SQLite header".to_string()),
                ),
            })
        }
        Err(e) if e.is_not_found() => {
            return Err(DbError::Missing(
                root.dir()
                    .join(DB_FILE.trim_start_matches('/'))
                    .display()
                    .to_string(),
            ))
        }
        Err(e) => return Err(DbError::Read(e)),
    }
    drop(db);
    let mut wal = private_file(dir.path(), "db.sqlite-wal")?;
    // A WAL without its magic holds no transaction SQLite would replay: not copied.
    let wal_len = match copy_if(root, WAL_FILE, &WAL_MAGIC, &mut wal) {
        Ok(copied) => u64::from(copied),
        Err(e) if e.is_not_found() => 0,
        Err(e) => return Err(DbError::Read(e)),
    };
    drop(wal);
    let copy = dir.path().join("db.sqlite");
    if wal_len > 0 {
        // Transactions still in the WAL: SQLite replays them on the copy (and may write its
        // `-shm` index there), so the view is current.
        let conn = Connection::open_with_flags(
            &copy,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite_err(&shown, e))?;
        return Ok((conn, dir));
    }
    let _ = std::fs::remove_file(dir.path().join("db.sqlite-wal"));
    let uri = format!("file:{}?immutable=1", uri_escape(&copy));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sqlite_err(&shown, e))?;
    Ok((conn, dir))
}

/// Percent-encode what a SQLite URI filename cannot hold as is.
fn uri_escape(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in p.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Database {
    /// Read the database under `store_root` (the directory holding `nix/`).
    ///
    /// # Errors
    /// A missing, truncated or garbage database, or an unexpected schema.
    pub fn load(store_root: &Path) -> Result<Database, DbError> {
        let root = if store_root == Path::new("/") {
            Root::host()
        } else {
            Root::new(store_root).map_err(DbError::Root)?
        };
        Self::load_from(&root)
    }

    /// Read the database of an audited root, every file through its confined opener.
    ///
    /// # Errors
    /// As [`Database::load`].
    pub fn load_from(root: &Root) -> Result<Database, DbError> {
        let (conn, _copy) = open(root)?;
        let shown = DB_FILE.to_string();
        let err = |e: rusqlite::Error| sqlite_err(&shown, e);
        let mut stmt = conn
            .prepare("SELECT id, path, hash, narSize, ultimate, sigs, ca, deriver FROM ValidPaths")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ValidPath {
                    id: r.get(0)?,
                    path: r.get(1)?,
                    hash: r.get(2)?,
                    nar_size: r
                        .get::<_, Option<i64>>(3)?
                        .and_then(|n| u64::try_from(n).ok())
                        .filter(|n| *n > 0),
                    ultimate: r.get::<_, Option<i64>>(4)?.unwrap_or(0) != 0,
                    sigs: r
                        .get::<_, Option<String>>(5)?
                        .map(|s| s.split_whitespace().map(str::to_string).collect())
                        .unwrap_or_default(),
                    ca: r.get::<_, Option<String>>(6)?.filter(|s| !s.is_empty()),
                    deriver: r.get(7)?,
                    references: Vec::new(),
                    dangling: Vec::new(),
                })
            })
            .map_err(err)?;
        let mut db = Database::default();
        for row in rows {
            let row = row.map_err(err)?;
            db.by_path.insert(row.path.clone(), db.paths.len());
            db.paths.push(row);
        }
        let by_id: HashMap<i64, usize> = db
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let mut stmt = conn
            .prepare("SELECT referrer, reference FROM Refs")
            .map_err(err)?;
        let refs = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(err)?;
        for pair in refs {
            let (from, to) = pair.map_err(err)?;
            let Some(&fi) = by_id.get(&from) else {
                continue;
            };
            match by_id.get(&to) {
                Some(&ti) => {
                    let target = db.paths[ti].path.clone();
                    db.paths[fi].references.push(target);
                }
                None => db.paths[fi].dangling.push(to),
            }
        }
        for p in &mut db.paths {
            p.references.sort();
        }
        db.schema = root
            .read_limited(SCHEMA_FILE, 4096)
            .ok()
            .map(|(_, s)| String::from_utf8_lossy(&s).trim().to_string());
        Ok(db)
    }

    /// The row of a path.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&ValidPath> {
        self.by_path.get(path).map(|&i| &self.paths[i])
    }

    /// `roots` and everything they reference, transitively (paths that are not valid are
    /// returned in the second list).
    #[must_use]
    pub fn closure(&self, roots: &[String]) -> (Vec<String>, Vec<String>) {
        let mut seen = std::collections::BTreeSet::new();
        let mut invalid = Vec::new();
        let mut stack: Vec<String> = roots.to_vec();
        while let Some(p) = stack.pop() {
            if !seen.insert(p.clone()) {
                continue;
            }
            match self.get(&p) {
                Some(row) => stack.extend(
                    row.references
                        .iter()
                        .filter(|r| !seen.contains(*r))
                        .cloned(),
                ),
                None => invalid.push(p),
            }
        }
        let valid = seen
            .into_iter()
            .filter(|p| self.by_path.contains_key(p))
            .collect();
        (valid, invalid)
    }
}
