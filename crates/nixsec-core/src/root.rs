//! `Root`: the one way checks read host state.
//!
//! The audited system is a directory: `/` for the live host, or a mounted system given with
//! `--root DIR`. Paths are written as the audited system sees them (`/etc/nix/nix.conf`) and
//! resolved component by component: an absolute symlink restarts at the root (NixOS links
//! `/etc/nix/nix.conf` to `/etc/static/nix/nix.conf`, which links into `/nix/store`), `..` stops
//! at the root, and more than [`MAX_SYMLINKS`] links in one lookup is a loop error. Nothing is
//! ever opened for writing, files are opened with `O_NOFOLLOW | O_NONBLOCK` (a FIFO planted
//! where a config file should be cannot hang the audit), and reads are size-capped.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use crate::escape::escape_bytes;

/// Most symlinks followed in one lookup, as Linux's `MAXSYMLINKS`.
pub const MAX_SYMLINKS: usize = 40;

/// Default cap on the size of a file read whole (configuration files, passwd, …).
pub const DEFAULT_READ_LIMIT: u64 = 16 * 1024 * 1024;

/// Why a path under the root could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// An I/O error on a path (not found, permission denied, …).
    #[error("`{path}`: {}", io_message(source))]
    Io {
        /// The path inside the root.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
    /// Too many symlinks: a loop.
    #[error("`{path}`: too many levels of symbolic links (a symlink loop)")]
    Loop {
        /// The path inside the root.
        path: String,
    },
    /// A file was expected and something else is there.
    #[error("`{path}`: not a regular file ({kind})")]
    NotRegular {
        /// The path inside the root.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// A file larger than the read limit.
    #[error("`{path}`: larger than {limit} bytes, not read")]
    TooLarge {
        /// The path inside the root.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A text file that is not UTF-8.
    #[error("`{path}`: not a text file (invalid UTF-8 at byte {offset})")]
    NotText {
        /// The path inside the root.
        path: String,
        /// Offset of the first invalid byte.
        offset: usize,
    },
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotADirectory => "a path component is not a directory".into(),
        _ => {
            // std's message carries " (os error N)"; keep it short and lowercase.
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

impl RootError {
    /// True when the file (or a parent directory) does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, RootError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// True when a component on the way is not a directory.
    #[must_use]
    pub fn is_not_a_directory(&self) -> bool {
        matches!(self, RootError::Io { source, .. } if source.kind() == io::ErrorKind::NotADirectory)
    }

    /// The path inside the root the error is about.
    #[must_use]
    pub fn path(&self) -> &str {
        match self {
            RootError::Io { path, .. }
            | RootError::Loop { path }
            | RootError::NotRegular { path, .. }
            | RootError::TooLarge { path, .. }
            | RootError::NotText { path, .. } => path,
        }
    }
}

/// Whether a path exists, as [`Root::presence`] tells it.
#[derive(Debug)]
pub enum Presence {
    /// It exists (links followed inside the root).
    Present,
    /// It does not: the path or a parent directory is missing.
    Absent,
    /// It cannot be told: a loop, a directory that cannot be searched, a component that is not
    /// a directory. Never the same as absent.
    Unknown(RootError),
}

impl Presence {
    /// True when it exists.
    #[must_use]
    pub fn is_present(&self) -> bool {
        matches!(self, Presence::Present)
    }

    /// True only when it is known not to exist.
    #[must_use]
    pub fn is_absent(&self) -> bool {
        matches!(self, Presence::Absent)
    }
}

/// A directory entry's name and its type as the listing gives it (`None`: unknown).
pub type DirEntryTyped = (OsString, Option<std::fs::FileType>);

/// A path resolved inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Where it is on this machine (`<root>/nix/store/...`).
    pub host: PathBuf,
    /// Where it is inside the audited system, after following links (`/nix/store/...`).
    pub inner: PathBuf,
}

impl Resolved {
    /// The entry `name` of this (resolved) directory, itself not followed: right when the
    /// directory listing says `name` is not a symlink, and `name` is one component.
    #[must_use]
    pub fn child(&self, name: &std::ffi::OsStr) -> Resolved {
        Resolved {
            host: self.host.join(name),
            inner: self.inner.join(name),
        }
    }

    /// The inside path as text for evidence, with odd bytes escaped.
    #[must_use]
    pub fn display(&self) -> String {
        display_inner(&self.inner)
    }
}

/// Text form of a path inside the root, with control characters and invalid UTF-8 escaped.
#[must_use]
pub fn display_inner(p: &Path) -> String {
    escape_bytes(p.as_os_str().as_bytes())
}

/// The audited system's file tree.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
    /// Directories of this machine seen at a path inside the root (`/nix` of a built system is
    /// the store root's), longest inner path first.
    mounts: std::sync::Arc<[Mount]>,
    /// The mode and owners the audited system gives files that stand for it here (a file NixOS
    /// copies into `/etc` at activation, a setuid wrapper), by path on this machine.
    owners: std::sync::Arc<std::collections::HashMap<PathBuf, Perm>>,
}

/// A directory of this machine seen at `inner` inside the root.
#[derive(Debug, Clone)]
struct Mount {
    inner: Vec<OsString>,
    host: PathBuf,
}

/// A file's mode bits (`0o7777`), owner and group as the audited system has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perm {
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
}

impl Root {
    /// The live host: `/`.
    #[must_use]
    pub fn host() -> Self {
        Root {
            dir: PathBuf::from("/"),
            mounts: std::sync::Arc::from(Vec::new()),
            owners: std::sync::Arc::default(),
        }
    }

    /// A mounted system at `dir`, which must be a directory.
    ///
    /// # Errors
    /// When `dir` does not exist or is not a directory.
    pub fn new(dir: impl AsRef<Path>) -> Result<Self, RootError> {
        let given = dir.as_ref();
        let shown = escape_bytes(given.as_os_str().as_bytes());
        let dir = std::fs::canonicalize(given).map_err(|source| RootError::Io {
            path: shown.clone(),
            source,
        })?;
        let md = std::fs::metadata(&dir).map_err(|source| RootError::Io {
            path: shown.clone(),
            source,
        })?;
        if !md.is_dir() {
            return Err(RootError::NotRegular {
                path: shown,
                kind: "not a directory",
            });
        }
        Ok(Root {
            dir,
            mounts: std::sync::Arc::from(Vec::new()),
            owners: std::sync::Arc::default(),
        })
    }

    /// This root with the directory `host` of this machine seen at `inner` (absolute, inside the
    /// root): a built system's `/nix` is the store root's. Links inside it still resolve inside
    /// the root.
    #[must_use]
    pub fn with_mount(mut self, inner: impl AsRef<Path>, host: impl Into<PathBuf>) -> Self {
        let mut mounts: Vec<Mount> = self.mounts.iter().cloned().collect();
        mounts.push(Mount {
            inner: components(inner.as_ref()).collect(),
            host: host.into(),
        });
        mounts.sort_by_key(|m| std::cmp::Reverse(m.inner.len()));
        self.mounts = std::sync::Arc::from(mounts);
        self
    }

    /// This root with the mode and owners the audited system gives each file (by path on this
    /// machine, as [`Resolved::host`]): what [`Root::perm`] answers for them.
    #[must_use]
    pub fn with_owners(mut self, owners: std::collections::HashMap<PathBuf, Perm>) -> Self {
        self.owners = std::sync::Arc::new(owners);
        self
    }

    /// The mode and owners of a resolved file as the audited system has them: the metadata's,
    /// or those the root was given for it ([`Root::with_owners`]).
    #[must_use]
    pub fn perm(&self, r: &Resolved, md: &Metadata) -> Perm {
        use std::os::unix::fs::MetadataExt;
        self.owners.get(&r.host).copied().unwrap_or(Perm {
            mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
        })
    }

    /// The directory of this machine holding the audited system's `nix/store` and
    /// `nix/var/nix/db`: the root itself, or the directory seen at `/nix` (its parent).
    #[must_use]
    pub fn store_root(&self) -> &Path {
        self.mounts
            .iter()
            .find(|m| m.inner.len() == 1 && m.inner[0] == "nix")
            .and_then(|m| m.host.parent())
            .unwrap_or(&self.dir)
    }

    /// The root directory on this machine.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when auditing the live host (`/`).
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.dir == Path::new("/")
    }

    fn host_path(&self, parts: &[OsString]) -> PathBuf {
        let (mut p, rest) = match self
            .mounts
            .iter()
            .find(|m| parts.len() >= m.inner.len() && parts[..m.inner.len()] == m.inner[..])
        {
            Some(m) => (m.host.clone(), &parts[m.inner.len()..]),
            None => (self.dir.clone(), parts),
        };
        for c in rest {
            p.push(c);
        }
        p
    }

    fn inner_path(parts: &[OsString]) -> PathBuf {
        let mut p = PathBuf::from("/");
        for c in parts {
            p.push(c);
        }
        p
    }

    /// Resolve `path` (absolute inside the root, or relative to it) following every symlink.
    ///
    /// The result may not exist; only a missing *parent* is an error.
    ///
    /// # Errors
    /// A symlink loop, an unreadable or non-directory parent.
    pub fn resolve(&self, path: impl AsRef<Path>) -> Result<Resolved, RootError> {
        self.resolve_inner(path.as_ref(), true)
    }

    /// Resolve the parents of `path` but not its last component (as `lstat` does).
    ///
    /// # Errors
    /// As [`Root::resolve`].
    pub fn resolve_nofollow(&self, path: impl AsRef<Path>) -> Result<Resolved, RootError> {
        self.resolve_inner(path.as_ref(), false)
    }

    fn resolve_inner(&self, path: &Path, follow_last: bool) -> Result<Resolved, RootError> {
        let shown = display_inner(path);
        let mut pending: VecDeque<OsString> = components(path).collect();
        let mut parts: Vec<OsString> = Vec::new();
        let mut links = 0usize;
        while let Some(c) = pending.pop_front() {
            if c == ".." {
                parts.pop();
                continue;
            }
            parts.push(c);
            let is_last = pending.is_empty();
            if is_last && !follow_last {
                break;
            }
            let host = self.host_path(&parts);
            let md = match std::fs::symlink_metadata(&host) {
                Ok(md) => md,
                Err(e) if e.kind() == io::ErrorKind::NotFound && is_last => break,
                Err(source) => {
                    return Err(RootError::Io {
                        path: display_inner(&Self::inner_path(&parts)),
                        source,
                    })
                }
            };
            if md.file_type().is_symlink() {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(RootError::Loop { path: shown });
                }
                let target = std::fs::read_link(&host).map_err(|source| RootError::Io {
                    path: display_inner(&Self::inner_path(&parts)),
                    source,
                })?;
                parts.pop();
                if target.is_absolute() {
                    parts.clear();
                }
                for t in components(&target).collect::<Vec<_>>().into_iter().rev() {
                    pending.push_front(t);
                }
            } else if !is_last && !md.is_dir() {
                return Err(RootError::Io {
                    path: display_inner(&Self::inner_path(&parts)),
                    source: io::Error::from(io::ErrorKind::NotADirectory),
                });
            }
        }
        Ok(Resolved {
            host: self.host_path(&parts),
            inner: Self::inner_path(&parts),
        })
    }

    /// Metadata of `path`, following symlinks inside the root.
    ///
    /// # Errors
    /// Not found, permission denied, a loop.
    pub fn metadata(&self, path: impl AsRef<Path>) -> Result<(Resolved, Metadata), RootError> {
        let r = self.resolve(path)?;
        let md = std::fs::symlink_metadata(&r.host).map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })?;
        Ok((r, md))
    }

    /// Metadata of `path` itself (a symlink is not followed).
    ///
    /// # Errors
    /// Not found, permission denied, a loop in a parent.
    pub fn symlink_metadata(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<(Resolved, Metadata), RootError> {
        let r = self.resolve_nofollow(path)?;
        let md = std::fs::symlink_metadata(&r.host).map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })?;
        Ok((r, md))
    }

    /// `Ok(true)` when `path` exists (after following links), `Ok(false)` when it does not.
    ///
    /// # Errors
    /// Anything but "not found" (a loop, permission denied).
    pub fn try_exists(&self, path: impl AsRef<Path>) -> Result<bool, RootError> {
        match self.metadata(path) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether `path` exists (after following links inside the root), is absent, or cannot be
    /// told: a symlink loop, an unreadable directory on the way. A caller that treated "cannot
    /// tell" as "absent" would pass what it never read; this makes it choose.
    pub fn presence(&self, path: impl AsRef<Path>) -> Presence {
        match self.metadata(path) {
            Ok(_) => Presence::Present,
            // A file where a directory should be has no children: known absent, as a lookup
            // through it is for the audited system.
            Err(e) if e.is_not_found() || e.is_not_a_directory() => Presence::Absent,
            Err(e) => Presence::Unknown(e),
        }
    }

    /// Open a directory inside the root (read-only, `O_DIRECTORY | O_NOFOLLOW` on the resolved
    /// path): a descriptor to walk it relative to (`openat`), so that nothing below is reached
    /// through a path that could leave the root.
    ///
    /// # Errors
    /// Not found, not a directory, permission denied, a loop.
    pub fn open_dir(&self, path: impl AsRef<Path>) -> Result<(Resolved, File), RootError> {
        let r = self.resolve(path)?;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(&r.host)
            .map_err(|source| RootError::Io {
                path: r.display(),
                source,
            })?;
        Ok((r, file))
    }

    /// Copy a regular file of the root, opened as [`Root::open`] opens it, into `dest` (a file
    /// of this machine): how a library that insists on a path of its own (SQLite) gets the
    /// audited file without ever being handed a path under the root. Returns the bytes copied.
    ///
    /// # Errors
    /// As [`Root::open`]; a read or write error.
    pub fn copy_to(&self, path: impl AsRef<Path>, dest: &mut File) -> Result<u64, RootError> {
        let (r, mut file, _) = self.open(path)?;
        io::copy(&mut file, dest).map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })
    }

    /// Open a regular file for reading (never for writing).
    ///
    /// # Errors
    /// Not found, not a regular file, permission denied, a loop.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<(Resolved, File, Metadata), RootError> {
        let r = self.resolve(path)?;
        let (file, md) = Self::open_resolved(&r)?;
        Ok((r, file, md))
    }

    /// Open a path already resolved inside this root (its last component is not followed).
    ///
    /// # Errors
    /// Not found, a symlink, not a regular file, permission denied.
    pub fn open_resolved(r: &Resolved) -> Result<(File, Metadata), RootError> {
        let io_err = |source| RootError::Io {
            path: r.display(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
            .open(&r.host)
            .map_err(io_err)?;
        let md = file.metadata().map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })?;
        if !md.is_file() {
            return Err(RootError::NotRegular {
                path: r.display(),
                kind: file_kind(&md),
            });
        }
        Ok((file, md))
    }

    /// Read a whole text file already resolved inside this root (see [`Root::open_resolved`]),
    /// capped at [`DEFAULT_READ_LIMIT`]; invalid UTF-8 is an error.
    ///
    /// # Errors
    /// As [`Root::open_resolved`], [`RootError::TooLarge`] or [`RootError::NotText`].
    pub fn read_resolved_to_string(r: &Resolved) -> Result<String, RootError> {
        let (file, md) = Self::open_resolved(r)?;
        let bytes = Self::read_file(r, file, &md, DEFAULT_READ_LIMIT)?;
        String::from_utf8(bytes).map_err(|e| RootError::NotText {
            path: r.display(),
            offset: e.utf8_error().valid_up_to(),
        })
    }

    fn read_file(
        r: &Resolved,
        file: File,
        md: &Metadata,
        limit: u64,
    ) -> Result<Vec<u8>, RootError> {
        if md.len() > limit {
            return Err(RootError::TooLarge {
                path: r.display(),
                limit,
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(md.len()).unwrap_or(0));
        // A file that says its size is read up to that size: one `read`, no probe for more (a
        // file growing while it is read is read as it was when opened). Files of size 0 (procfs,
        // sysfs) are read to their end, up to the limit.
        let cap = if md.len() > 0 { md.len() } else { limit + 1 };
        file.take(cap)
            .read_to_end(&mut buf)
            .map_err(|source| RootError::Io {
                path: r.display(),
                source,
            })?;
        if buf.len() as u64 > limit {
            return Err(RootError::TooLarge {
                path: r.display(),
                limit,
            });
        }
        Ok(buf)
    }

    /// Read a whole file, up to `limit` bytes.
    ///
    /// # Errors
    /// As [`Root::open`], or [`RootError::TooLarge`].
    pub fn read_limited(
        &self,
        path: impl AsRef<Path>,
        limit: u64,
    ) -> Result<(Resolved, Vec<u8>), RootError> {
        let (r, file, md) = self.open(path)?;
        let buf = Self::read_file(&r, file, &md, limit)?;
        Ok((r, buf))
    }

    /// Read the first `len` bytes (fewer if it is shorter) of a regular file or a **block
    /// device** (a LUKS header on `/dev/NAME`), opened read-only like [`Root::open`].
    ///
    /// # Errors
    /// Not found, permission denied (reading a disk needs root), neither a regular file nor a
    /// block device, a loop, an I/O error.
    pub fn read_head(
        &self,
        path: impl AsRef<Path>,
        len: u64,
    ) -> Result<(Resolved, Vec<u8>), RootError> {
        use std::os::unix::fs::FileTypeExt;
        let r = self.resolve(path)?;
        let io_err = |source| RootError::Io {
            path: r.display(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
            .open(&r.host)
            .map_err(io_err)?;
        let md = file.metadata().map_err(io_err)?;
        if !md.is_file() && !md.file_type().is_block_device() {
            return Err(RootError::NotRegular {
                path: r.display(),
                kind: file_kind(&md),
            });
        }
        let mut buf = Vec::new();
        file.take(len).read_to_end(&mut buf).map_err(io_err)?;
        Ok((r, buf))
    }

    /// Read a whole file (capped at [`DEFAULT_READ_LIMIT`]).
    ///
    /// # Errors
    /// As [`Root::read_limited`].
    pub fn read(&self, path: impl AsRef<Path>) -> Result<(Resolved, Vec<u8>), RootError> {
        self.read_limited(path, DEFAULT_READ_LIMIT)
    }

    /// Read a whole text file; invalid UTF-8 is an error.
    ///
    /// # Errors
    /// As [`Root::read`], or [`RootError::NotText`].
    pub fn read_to_string(&self, path: impl AsRef<Path>) -> Result<(Resolved, String), RootError> {
        let (r, bytes) = self.read(path)?;
        match String::from_utf8(bytes) {
            Ok(s) => Ok((r, s)),
            Err(e) => Err(RootError::NotText {
                path: r.display(),
                offset: e.utf8_error().valid_up_to(),
            }),
        }
    }

    /// Names in a directory, sorted.
    ///
    /// # Errors
    /// Not found, not a directory, permission denied, a loop.
    pub fn read_dir(&self, path: impl AsRef<Path>) -> Result<(Resolved, Vec<OsString>), RootError> {
        let r = self.resolve(path)?;
        let rd = std::fs::read_dir(&r.host).map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })?;
        let mut names = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|source| RootError::Io {
                path: r.display(),
                source,
            })?;
            names.push(entry.file_name());
        }
        names.sort();
        Ok((r, names))
    }

    /// Entries of a directory with their types as the directory lists them (`d_type`; a
    /// symlink is reported as a symlink, not followed), sorted by name.
    ///
    /// # Errors
    /// As [`Root::read_dir`].
    pub fn read_dir_typed(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<(Resolved, Vec<DirEntryTyped>), RootError> {
        let r = self.resolve(path)?;
        let entries = Self::read_dir_resolved(&r)?;
        Ok((r, entries))
    }

    /// [`Root::read_dir_typed`] of a directory already resolved inside this root.
    ///
    /// # Errors
    /// Not found, not a directory, permission denied.
    pub fn read_dir_resolved(r: &Resolved) -> Result<Vec<DirEntryTyped>, RootError> {
        let rd = std::fs::read_dir(&r.host).map_err(|source| RootError::Io {
            path: r.display(),
            source,
        })?;
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|source| RootError::Io {
                path: r.display(),
                source,
            })?;
            out.push((entry.file_name(), entry.file_type().ok()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

/// A word for what a file is, for messages.
#[must_use]
pub fn file_kind(md: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let ft = md.file_type();
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symlink"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_char_device() {
        "a character device"
    } else {
        "a regular file"
    }
}

fn components(path: &Path) -> impl Iterator<Item = OsString> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(s) => Some(s.to_os_string()),
        Component::ParentDir => Some(OsString::from("..")),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    })
}

/// Join a path inside the root with a relative one, as the audited system would.
#[must_use]
pub fn inner_join(base_dir: &Path, rel: &OsStr) -> PathBuf {
    let rel = Path::new(rel);
    if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        base_dir.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, Root) {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        std::fs::create_dir_all(d.join("etc/static/nix")).expect("mkdir");
        std::fs::create_dir_all(d.join("nix/store/abc-nix.conf")).expect("mkdir");
        std::fs::write(
            d.join("nix/store/abc-nix.conf/nix.conf"),
            "sandbox = true\n",
        )
        .expect("write");
        symlink(
            "/nix/store/abc-nix.conf/nix.conf",
            d.join("etc/static/nix/nix.conf"),
        )
        .expect("ln");
        std::fs::create_dir_all(d.join("etc/nix")).expect("mkdir");
        symlink("/etc/static/nix/nix.conf", d.join("etc/nix/nix.conf")).expect("ln");
        let root = Root::new(d).expect("root");
        (t, root)
    }

    #[test]
    fn typed_listing_and_reading_in_place() {
        let (_t, root) = tree();
        let (dir, entries) = root.read_dir_typed("/etc/static/nix").expect("list");
        assert_eq!(dir.inner, Path::new("/etc/static/nix"));
        let (name, ft) = &entries[0];
        assert_eq!(name, "nix.conf");
        // The listing does not follow the link: reading it in place is refused.
        assert!(ft.is_some_and(|t| t.is_symlink()));
        assert!(Root::read_resolved_to_string(&dir.child(name)).is_err());
        let (store, entries) = root
            .read_dir_typed("/nix/store/abc-nix.conf")
            .expect("list");
        assert!(entries[0].1.is_some_and(|t| t.is_file()));
        let file = store.child(&entries[0].0);
        assert_eq!(file.inner, Path::new("/nix/store/abc-nix.conf/nix.conf"));
        assert_eq!(
            Root::read_resolved_to_string(&file).expect("read"),
            "sandbox = true\n"
        );
    }

    #[test]
    fn absolute_links_resolve_inside_the_root() {
        let (_t, root) = tree();
        let (r, text) = root.read_to_string("/etc/nix/nix.conf").expect("read");
        assert_eq!(text, "sandbox = true\n");
        assert_eq!(r.inner, Path::new("/nix/store/abc-nix.conf/nix.conf"));
        assert!(r.host.starts_with(root.dir()));
    }

    #[test]
    fn dotdot_and_links_cannot_leave_the_root() {
        let (t, root) = tree();
        let d = t.path();
        // A link to the real host's /etc/passwd and a run of `..` both stay inside.
        symlink("/etc/passwd", d.join("etc/passwd-link")).expect("ln");
        symlink("../../../../../../../../etc", d.join("etc/up")).expect("ln");
        let r = root.resolve("/etc/passwd-link").expect("resolve");
        assert_eq!(r.host, root.dir().join("etc/passwd"));
        let r = root
            .resolve("/../../../etc/nix/../up/nix")
            .expect("resolve");
        assert!(r.host.starts_with(root.dir()), "{:?}", r.host);
        assert_eq!(r.inner, Path::new("/etc/nix"));
    }

    #[test]
    fn loops_end_with_an_error() {
        let (t, root) = tree();
        let d = t.path();
        symlink("/etc/b", d.join("etc/a")).expect("ln");
        symlink("a", d.join("etc/b")).expect("ln");
        symlink("self", d.join("etc/self")).expect("ln");
        for p in ["/etc/a", "/etc/self", "/etc/a/x"] {
            let e = root.read(p).expect_err(p);
            assert!(matches!(e, RootError::Loop { .. }), "{e}");
            assert!(e.to_string().contains("symbolic links"), "{e}");
        }
    }

    #[test]
    fn missing_files_and_parents() {
        let (_t, root) = tree();
        let e = root.read("/etc/nix/missing.conf").expect_err("missing");
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "`/etc/nix/missing.conf`: no such file or directory"
        );
        let e = root
            .read("/etc/nix/nix.conf/below")
            .expect_err("below a file");
        assert!(
            !e.is_not_found() || e.to_string().contains("not a directory"),
            "{e}"
        );
        assert!(root.presence("/nope").is_absent());
        assert!(root.presence("/etc/nix/nix.conf").is_present());
        assert!(root.presence("/etc/nix/nix.conf/below").is_absent());
    }

    #[test]
    fn fifos_and_directories_are_not_read() {
        let (t, root) = tree();
        let fifo = t.path().join("etc/fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if status.map(|s| s.success()).unwrap_or(false) {
            let e = root.read("/etc/fifo").expect_err("fifo");
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        let e = root.read("/etc").expect_err("dir");
        assert!(
            e.to_string().contains("a directory") || e.to_string().contains("directory"),
            "{e}"
        );
    }

    #[test]
    fn non_utf8_text_is_an_error_and_limits_hold() {
        let (t, root) = tree();
        std::fs::write(t.path().join("etc/bin"), b"ok\xff\xfe").expect("write");
        let e = root.read_to_string("/etc/bin").expect_err("binary");
        assert_eq!(
            e.to_string(),
            "`/etc/bin`: not a text file (invalid UTF-8 at byte 2)"
        );
        let e = root.read_limited("/etc/bin", 3).expect_err("limit");
        assert!(matches!(e, RootError::TooLarge { .. }));
    }

    #[test]
    fn presence_tells_absent_from_cannot_tell() {
        let (t, root) = tree();
        let d = t.path();
        symlink("/etc/loop", d.join("etc/loop")).expect("ln");
        assert!(matches!(
            root.presence("/etc/loop"),
            Presence::Unknown(RootError::Loop { .. })
        ));
        assert!(matches!(
            root.presence("/etc/loop/sshd_config"),
            Presence::Unknown(RootError::Loop { .. })
        ));
        assert!(!root.presence("/etc/loop").is_absent());
        assert!(root.presence("/etc/missing/x").is_absent());
    }

    #[test]
    fn copies_and_directories_stay_inside() {
        let (t, root) = tree();
        let d = t.path();
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("marker"), "host secret").expect("write");
        symlink(outside.path().join("marker"), d.join("etc/db")).expect("ln");
        symlink(outside.path(), d.join("etc/dir")).expect("ln");
        let mut dest = tempfile::tempfile().expect("tmp");
        // The absolute link restarts at the root, where there is no such file.
        let e = root.copy_to("/etc/db", &mut dest).expect_err("outside");
        assert!(e.is_not_found(), "{e}");
        assert!(root
            .open_dir("/etc/dir")
            .expect_err("outside")
            .is_not_found());
        let n = root
            .copy_to("/etc/nix/nix.conf", &mut dest)
            .expect("inside");
        assert_eq!(n, 15);
        let (r, _) = root.open_dir("/etc/static").expect("dir");
        assert_eq!(r.inner, Path::new("/etc/static"));
    }

    #[test]
    fn nofollow_keeps_the_last_link() {
        let (_t, root) = tree();
        let (r, md) = root.symlink_metadata("/etc/nix/nix.conf").expect("lstat");
        assert!(md.file_type().is_symlink());
        assert_eq!(r.inner, Path::new("/etc/nix/nix.conf"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// No path, however many `..` and links it walks through, resolves outside the root.
            #[test]
            fn resolution_stays_inside(parts in prop::collection::vec(prop::sample::select(vec!["..", ".", "etc", "nix", "up", "abs", "loop", "x"]), 0..12)) {
                let (t, root) = tree();
                let d = t.path();
                let _ = symlink("../../..", d.join("etc/up"));
                let _ = symlink("/../../etc", d.join("etc/abs"));
                let _ = symlink("/etc/loop", d.join("etc/loop"));
                let p = format!("/{}", parts.join("/"));
                if let Ok(r) = root.resolve(&p) {
                    prop_assert!(r.host.starts_with(root.dir()), "{} -> {:?}", p, r.host);
                    prop_assert!(r.inner.is_absolute());
                }
            }
        }
    }

    #[test]
    fn mounts_and_owners() {
        let (t, root) = tree();
        let store = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(store.path().join("nix/store/abc-nix.conf")).expect("mkdir");
        std::fs::write(
            store.path().join("nix/store/abc-nix.conf/nix.conf"),
            "sandbox = false\n",
        )
        .expect("write");
        let root = root.with_mount("/nix", store.path().join("nix"));
        // The link in the root's /etc now reaches the mounted store's file.
        let (r, text) = root.read_to_string("/etc/nix/nix.conf").expect("read");
        assert_eq!(text, "sandbox = false\n");
        assert!(r.host.starts_with(store.path()));
        assert_eq!(r.inner, Path::new("/nix/store/abc-nix.conf/nix.conf"));
        assert_eq!(root.store_root(), store.path());
        let (r, md) = root.metadata("/etc/nix/nix.conf").expect("stat");
        let given = Perm {
            mode: 0o4711,
            uid: 0,
            gid: 3,
        };
        let root = root.with_owners([(r.host.clone(), given)].into_iter().collect());
        assert_eq!(root.perm(&r, &md), given);
        let (r2, md2) = root.metadata("/etc/static/nix").expect("stat");
        assert_ne!(root.perm(&r2, &md2), given);
        drop(t);
    }

    #[test]
    fn live_root_is_slash() {
        assert!(Root::host().is_live());
        assert!(Root::new("/definitely/not/here").is_err());
    }
}
