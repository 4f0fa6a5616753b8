//! NAR serialisation: streaming SHA-256 of a filesystem tree ([`walk`]), writing the NAR
//! ([`dump`]) and a strict streaming NAR parser ([`read`]).
//!
//! A NAR is a sequence of strings (8-byte little-endian length, bytes, zero padding to a
//! multiple of 8):
//!
//! ```text
//! nar   := "nix-archive-1" node
//! node  := "(" "type" ( "regular" [ "executable" "" ] "contents" <bytes>
//!                     | "symlink" "target" <target>
//!                     | "directory" entry* ) ")"
//! entry := "entry" "(" "name" <name> "node" node ")"
//! ```
//!
//! Directory entries are sorted bytewise; a file is executable iff its owner-execute bit is
//! set; nothing else (owner, times, other permission bits) is recorded. Everything here works
//! in constant memory per directory level: file contents pass through one reused buffer.
//! Directory nesting is handled with an explicit stack, never by recursion.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::hash::{Algo, Hash, Hasher};

/// Size of the buffer file contents are streamed through.
pub const BUF_SIZE: usize = 256 * 1024;

/// Longest entry name [`read`] accepts (Linux's `NAME_MAX`: no longer name can be restored).
pub const MAX_NAME_LEN: usize = 255;

/// Longest symlink target [`read`] accepts (Linux's `PATH_MAX` less the terminating NUL).
pub const MAX_TARGET_LEN: usize = 4095;

/// Deepest directory nesting [`read`] accepts (a path under `PATH_MAX` cannot be deeper).
pub const MAX_DEPTH: usize = 2048;

const MAGIC: &[u8] = b"nix-archive-1";

/// What went wrong while serialising or parsing a NAR.
#[derive(Debug, thiserror::Error)]
pub enum NarError {
    /// A filesystem operation failed.
    #[error("cannot {op} `{}`: {source}", .path.display())]
    Io {
        /// What was attempted (`get the status of`, `open`, `read`, `list`, `read the link`).
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A socket, FIFO or device node.
    #[error("`{}` is a {kind}, which a NAR cannot hold", .path.display())]
    Unsupported {
        /// The path.
        path: PathBuf,
        /// `socket`, `FIFO`, `character device`, `block device` or `file of unknown type`.
        kind: &'static str,
    },
    /// A file that changed while it was being read.
    #[error("`{}` changed while being read: {what}", .path.display())]
    Changed {
        /// The path.
        path: PathBuf,
        /// How.
        what: String,
    },
    /// A directory entry whose name Nix cannot have in a NAR.
    #[error("`{}`: entry name {name:?} cannot be in a NAR ({why})", .path.display())]
    BadName {
        /// The directory.
        path: PathBuf,
        /// The name (lossily converted).
        name: String,
        /// Why.
        why: &'static str,
    },
    /// Writing the NAR failed.
    #[error("cannot write the NAR: {0}")]
    Write(#[source] io::Error),
    /// Reading the NAR input failed.
    #[error("cannot read the NAR at byte {offset}: {source}")]
    Read {
        /// Bytes consumed before the failure.
        offset: u64,
        /// The error.
        source: io::Error,
    },
    /// The input ended inside the NAR.
    #[error("NAR is truncated: it ends at byte {offset}, inside {context}")]
    Truncated {
        /// Bytes consumed.
        offset: u64,
        /// What was being read.
        context: &'static str,
    },
    /// The input breaks the NAR grammar.
    #[error("invalid NAR at byte {offset}: {message}")]
    Format {
        /// Offset of the offending string (or byte).
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// The NAR is longer than the limit given to [`read`].
    #[error("NAR is larger than the limit of {limit} bytes")]
    Limit {
        /// The limit.
        limit: u64,
    },
}

/// Result of serialising a tree as a NAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NarSummary {
    /// SHA-256 of the whole NAR (Nix's `narHash`).
    pub hash: [u8; 32],
    /// Length of the NAR in bytes (Nix's `narSize`).
    pub size: u64,
}

impl NarSummary {
    /// The hash as a [`struct@Hash`].
    #[must_use]
    pub fn nar_hash(&self) -> Hash {
        Hash::sha256(self.hash)
    }
}

/// The `lstat` of one node, as the walker saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// `st_mode`: file type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Inode.
    pub ino: u64,
    /// Device.
    pub dev: u64,
}

impl Meta {
    fn from_stat(st: &rustix::fs::Stat) -> Meta {
        Meta {
            mode: st.st_mode,
            uid: st.st_uid,
            gid: st.st_gid,
            size: u64::try_from(st.st_size).unwrap_or(0),
            ino: st.st_ino,
            dev: st.st_dev,
        }
    }

    fn kind(&self) -> rustix::fs::FileType {
        rustix::fs::FileType::from_raw_mode(self.mode)
    }

    /// A directory.
    #[must_use]
    pub fn is_dir(&self) -> bool {
        self.kind() == rustix::fs::FileType::Directory
    }

    /// A regular file.
    #[must_use]
    pub fn is_file(&self) -> bool {
        self.kind() == rustix::fs::FileType::RegularFile
    }

    /// A symbolic link.
    #[must_use]
    pub fn is_symlink(&self) -> bool {
        self.kind() == rustix::fs::FileType::Symlink
    }

    /// Permission bits with setuid, setgid and sticky (`mode & 0o7777`).
    #[must_use]
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// What a walk saw at one node.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// Path relative to the top (empty for the top itself).
    pub rel: &'a Path,
    /// Its `lstat`.
    pub meta: &'a Meta,
}

/// How [`walk`] works.
pub struct Options<'a> {
    /// `false`: only `lstat` every node (no file or link reading, no hashing); the result's
    /// `nar` and `flat` are then `None`.
    pub contents: bool,
    /// Called for every node, in NAR order, with its `lstat` (for permission and ownership
    /// checks by the caller).
    pub on_node: Option<&'a mut dyn FnMut(Node<'_>)>,
    /// Progress: called with the number of bytes of file content just read.
    pub on_bytes: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Also hash the contents of the top-level regular file with this algorithm (for
    /// `fixed:<algo>` and `text:` content-address checks); the result is
    /// [`WalkResult::flat`], `None` when the top is not a regular file.
    pub flat_hash: Option<Algo>,
    /// Hash on a second thread while this one reads (for large paths: reading and hashing
    /// then use two cores, so one huge path does not serialise the run). Memory stays bounded:
    /// at most [`PIPE_DEPTH`] batches of [`PIPE_BATCH`] bytes are in flight.
    pub pipeline: bool,
}

/// Bytes handed to the hashing thread at a time when [`Options::pipeline`] is set.
pub const PIPE_BATCH: usize = 1024 * 1024;
/// Batches in flight at most when [`Options::pipeline`] is set.
pub const PIPE_DEPTH: usize = 4;

/// Contents on, nothing else.
impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            contents: true,
            on_node: None,
            on_bytes: None,
            flat_hash: None,
            pipeline: false,
        }
    }
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("contents", &self.contents)
            .field("on_node", &self.on_node.is_some())
            .field("on_bytes", &self.on_bytes.is_some())
            .field("flat_hash", &self.flat_hash)
            .finish()
    }
}

/// What [`walk`] and [`read`] computed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WalkResult {
    /// Hash and size of the NAR (`None` when contents were not read).
    pub nar: Option<NarSummary>,
    /// Flat hash of the top-level regular file, when asked for and the top is one.
    pub flat: Option<Hash>,
}

/// Why a name cannot be a NAR entry name, if it cannot.
fn bad_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty")
    } else if name == b"." || name == b".." {
        Some("`.` and `..` are not entries")
    } else if name.contains(&b'/') {
        Some("contains `/`")
    } else if name.contains(&0) {
        Some("contains a NUL byte")
    } else if name.len() > MAX_NAME_LEN {
        Some("longer than 255 bytes")
    } else {
        None
    }
}

fn padding(len: u64) -> usize {
    // (8 - len % 8) % 8, always < 8.
    usize::from((8 - (len % 8) as u8) % 8)
}

/// Where serialised bytes go.
trait Sink {
    fn put(&mut self, bytes: &[u8]) -> Result<(), NarError>;

    fn put_u64(&mut self, n: u64) -> Result<(), NarError> {
        self.put(&n.to_le_bytes())
    }

    fn put_pad(&mut self, len: u64) -> Result<(), NarError> {
        self.put(&[0u8; 8][..padding(len)])
    }

    fn put_str(&mut self, s: &[u8]) -> Result<(), NarError> {
        let len = s.len() as u64;
        self.put_u64(len)?;
        self.put(s)?;
        self.put_pad(len)
    }
}

struct HashSink {
    hasher: sha2::Sha256,
    size: u64,
}

impl Sink for HashSink {
    fn put(&mut self, bytes: &[u8]) -> Result<(), NarError> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        Ok(())
    }
}

struct WriteSink<'w> {
    out: BufWriter<&'w mut dyn Write>,
    size: u64,
}

impl Sink for WriteSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), NarError> {
        self.out.write_all(bytes).map_err(NarError::Write)?;
        self.size += bytes.len() as u64;
        Ok(())
    }
}

/// Batches bytes and hands them to a hashing thread; spent buffers come back for reuse.
struct PipeSink {
    batch: Vec<u8>,
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    free: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl PipeSink {
    fn flush(&mut self) -> Result<(), NarError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let next = self
            .free
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(PIPE_BATCH));
        let full = std::mem::replace(&mut self.batch, next);
        self.tx
            .send(full)
            .map_err(|_| NarError::Write(io::Error::other("the hashing thread stopped")))
    }
}

impl Sink for PipeSink {
    fn put(&mut self, bytes: &[u8]) -> Result<(), NarError> {
        self.batch.extend_from_slice(bytes);
        if self.batch.len() >= PIPE_BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

struct NullSink;

impl Sink for NullSink {
    fn put(&mut self, _: &[u8]) -> Result<(), NarError> {
        Ok(())
    }
}

fn io_err<'p>(op: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> NarError + 'p {
    move |source| NarError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

struct Walker<'o, S> {
    sink: S,
    contents: bool,
    on_node: Option<&'o mut dyn FnMut(Node<'_>)>,
    on_bytes: Option<&'o (dyn Fn(u64) + Sync)>,
    flat_algo: Option<Algo>,
    flat: Option<Hash>,
    bufs: Bufs,
}

thread_local! {
    /// A finished walk's read and listing buffers, kept for the next walk on this thread.
    static SPARE_BUFS: std::cell::Cell<(Vec<u8>, Vec<std::mem::MaybeUninit<u8>>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// A walk's read and listing buffers, taken from and given back to [`SPARE_BUFS`].
struct Bufs {
    read: Vec<u8>,
    dir: Vec<std::mem::MaybeUninit<u8>>,
}

impl Bufs {
    fn take() -> Bufs {
        let (read, dir) = SPARE_BUFS.with(std::cell::Cell::take);
        Bufs { read, dir }
    }
}

impl Drop for Bufs {
    fn drop(&mut self) {
        let bufs = (
            std::mem::take(&mut self.read),
            std::mem::take(&mut self.dir),
        );
        SPARE_BUFS.with(|b| b.set(bufs));
    }
}

/// The buffer for one `getdents64` call.
const DIR_BUF_SIZE: usize = 32 * 1024;

use rustix::fs::FileType;

/// A directory being serialised: its open descriptor, its sorted entry names and the next one
/// to do. Children are reached relative to the descriptor (`fstatat`, `openat`, `readlinkat`),
/// so the kernel never walks the whole path again for each file.
struct Frame {
    dir: rustix::fd::OwnedFd,
    names: std::vec::IntoIter<(OsString, bool)>,
}

/// An opened directory and its sorted entry names, each with whether the listing says it is a
/// regular file (a hint, checked on the opened file).
type Listing = (rustix::fd::OwnedFd, Vec<(OsString, bool)>);

impl<'o, S: Sink> Walker<'o, S> {
    fn new(
        sink: S,
        contents: bool,
        on_node: Option<&'o mut dyn FnMut(Node<'_>)>,
        on_bytes: Option<&'o (dyn Fn(u64) + Sync)>,
        flat_algo: Option<Algo>,
    ) -> Self {
        Walker {
            sink,
            contents,
            on_node,
            on_bytes,
            flat_algo,
            flat: None,
            // This thread's buffers from its previous walk: a store of thousands of paths
            // allocates (and the kernel zeroes) them once per thread, not once per path.
            bufs: Bufs::take(),
        }
    }

    /// `lstat` of `name` in `dir`.
    fn lstat(
        &self,
        dir: &impl rustix::fd::AsFd,
        name: &std::ffi::OsStr,
        full: &Path,
    ) -> Result<Meta, NarError> {
        let st = rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| io_err("get the status of", full)(io::Error::from(e)))?;
        Ok(Meta::from_stat(&st))
    }

    fn run(&mut self, top: &Path) -> Result<(), NarError> {
        // `lstat("dir/")` would follow a symlink `dir`; dropping trailing slashes keeps the top
        // node itself unfollowed.
        let mut full: PathBuf = top.components().collect();
        if full.as_os_str().is_empty() {
            full = top.to_path_buf();
        }
        let parent = match full.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let top_name: OsString = full
            .file_name()
            .map_or_else(|| OsString::from("."), ToOwned::to_owned);
        let parent_fd = rustix::fs::open(
            &parent,
            rustix::fs::OFlags::RDONLY
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| io_err("open", &parent)(io::Error::from(e)))?;
        let mut rel = PathBuf::new();
        self.sink.put_str(MAGIC)?;
        let mut stack: Vec<Frame> = Vec::new();
        if let Some((dir, names)) = self.node(&parent_fd, &top_name, false, &full, &rel, true)? {
            stack.push(Frame {
                dir,
                names: names.into_iter(),
            });
        }
        while let Some(frame) = stack.last_mut() {
            if let Some((name, hint_file)) = frame.names.next() {
                self.sink.put_str(b"entry")?;
                self.sink.put_str(b"(")?;
                self.sink.put_str(b"name")?;
                self.sink.put_str(name.as_bytes())?;
                self.sink.put_str(b"node")?;
                full.push(&name);
                rel.push(&name);
                let opened = {
                    let dir = rustix::fd::AsFd::as_fd(&frame.dir);
                    self.node(&dir, &name, hint_file, &full, &rel, false)?
                };
                match opened {
                    Some((dir, names)) => stack.push(Frame {
                        dir,
                        names: names.into_iter(),
                    }),
                    None => {
                        self.sink.put_str(b")")?;
                        full.pop();
                        rel.pop();
                    }
                }
            } else {
                stack.pop();
                // Close the directory node, then the entry holding it (if not the top).
                self.sink.put_str(b")")?;
                if !stack.is_empty() {
                    self.sink.put_str(b")")?;
                    full.pop();
                    rel.pop();
                }
            }
        }
        Ok(())
    }

    /// Serialise the start of one node (`name` in directory `dir`; `full` only names it in
    /// errors); for a directory, return it opened with its sorted entry names and leave the
    /// node open, otherwise close it.
    fn node(
        &mut self,
        dir: &impl rustix::fd::AsFd,
        name: &std::ffi::OsStr,
        hint_file: bool,
        full: &Path,
        rel: &Path,
        is_top: bool,
    ) -> Result<Option<Listing>, NarError> {
        // A regular file by the listing, when its contents are wanted: open it and take the
        // status of what was opened (no `lstat` first, and nothing can be swapped in between).
        // O_NOFOLLOW: a symlink is not followed; O_NONBLOCK: a FIFO does not hang the open.
        let mut opened: Option<File> = None;
        let meta = if hint_file && self.contents {
            let fd = rustix::fs::openat(
                dir,
                name,
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::NOFOLLOW
                    | rustix::fs::OFlags::NONBLOCK
                    | rustix::fs::OFlags::NOCTTY
                    | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .ok();
            match fd.map(|fd| (rustix::fs::fstat(&fd), fd)) {
                Some((Ok(st), fd))
                    if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile =>
                {
                    opened = Some(File::from(fd));
                    Meta::from_stat(&st)
                }
                _ => self.lstat(dir, name, full)?,
            }
        } else {
            self.lstat(dir, name, full)?
        };
        if let Some(cb) = self.on_node.as_mut() {
            cb(Node { rel, meta: &meta });
        }
        let unsupported = |kind| {
            Err(NarError::Unsupported {
                path: full.to_path_buf(),
                kind,
            })
        };
        match meta.kind() {
            FileType::RegularFile => {
                self.sink.put_str(b"(")?;
                self.sink.put_str(b"type")?;
                self.sink.put_str(b"regular")?;
                if meta.mode & 0o100 != 0 {
                    self.sink.put_str(b"executable")?;
                    self.sink.put_str(b"")?;
                }
                self.sink.put_str(b"contents")?;
                if self.contents {
                    self.file_contents(dir, name, opened, full, &meta, is_top)?;
                }
                self.sink.put_str(b")")?;
                Ok(None)
            }
            FileType::Symlink => {
                self.sink.put_str(b"(")?;
                self.sink.put_str(b"type")?;
                self.sink.put_str(b"symlink")?;
                self.sink.put_str(b"target")?;
                if self.contents {
                    let target = rustix::fs::readlinkat(dir, name, Vec::new())
                        .map_err(|e| io_err("read the link", full)(io::Error::from(e)))?;
                    self.sink.put_str(target.as_bytes())?;
                }
                self.sink.put_str(b")")?;
                Ok(None)
            }
            FileType::Directory => {
                self.sink.put_str(b"(")?;
                self.sink.put_str(b"type")?;
                self.sink.put_str(b"directory")?;
                let fd = rustix::fs::openat(
                    dir,
                    name,
                    rustix::fs::OFlags::RDONLY
                        | rustix::fs::OFlags::DIRECTORY
                        | rustix::fs::OFlags::NOFOLLOW
                        | rustix::fs::OFlags::CLOEXEC,
                    rustix::fs::Mode::empty(),
                )
                .map_err(|e| io_err("open", full)(io::Error::from(e)))?;
                let mut names = Vec::new();
                if self.bufs.dir.is_empty() {
                    self.bufs.dir = vec![std::mem::MaybeUninit::uninit(); DIR_BUF_SIZE];
                }
                // getdents64 on the descriptor itself: children are then opened relative to it.
                let mut listing = rustix::fs::RawDir::new(&fd, &mut self.bufs.dir);
                while let Some(entry) = listing.next() {
                    let entry = entry.map_err(|e| io_err("list", full)(io::Error::from(e)))?;
                    let bytes = entry.file_name().to_bytes();
                    if bytes == b"." || bytes == b".." {
                        continue;
                    }
                    if let Some(why) = bad_name(bytes) {
                        return Err(NarError::BadName {
                            path: full.to_path_buf(),
                            name: String::from_utf8_lossy(bytes).into_owned(),
                            why,
                        });
                    }
                    names.push((
                        std::ffi::OsStr::from_bytes(bytes).to_os_string(),
                        entry.file_type() == FileType::RegularFile,
                    ));
                }
                names.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                Ok(Some((fd, names)))
            }
            FileType::Socket => unsupported("socket"),
            FileType::Fifo => unsupported("FIFO"),
            FileType::CharacterDevice => unsupported("character device"),
            FileType::BlockDevice => unsupported("block device"),
            FileType::Unknown => unsupported("file of unknown type"),
        }
    }

    /// Stream one regular file's contents (length, bytes, padding) through the sink.
    fn file_contents(
        &mut self,
        dir: &impl rustix::fd::AsFd,
        name: &std::ffi::OsStr,
        opened: Option<File>,
        full: &Path,
        meta: &Meta,
        is_top: bool,
    ) -> Result<(), NarError> {
        let changed = |what: String| NarError::Changed {
            path: full.to_path_buf(),
            what,
        };
        let mut file = if let Some(f) = opened {
            f
        } else {
            // O_NOFOLLOW: a file swapped for a symlink after the lstat is not followed;
            // O_NONBLOCK: one swapped for a FIFO does not hang the open.
            let fd = rustix::fs::openat(
                dir,
                name,
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::NOFOLLOW
                    | rustix::fs::OFlags::NONBLOCK
                    | rustix::fs::OFlags::NOCTTY
                    | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .map_err(|e| io_err("open", full)(io::Error::from(e)))?;
            let file = File::from(fd);
            let fmeta = file.metadata().map_err(io_err("get the status of", full))?;
            if !fmeta.is_file() || fmeta.ino() != meta.ino || fmeta.dev() != meta.dev {
                return Err(changed("it was replaced by another file".into()));
            }
            file
        };
        let size = meta.size;
        self.sink.put_u64(size)?;
        let mut flat = if is_top {
            self.flat_algo.map(Hasher::new)
        } else {
            None
        };
        if self.bufs.read.is_empty() {
            self.bufs.read = vec![0u8; BUF_SIZE];
        }
        let mut remaining = size;
        loop {
            // Ask for one byte more than should be left: a short read of a regular file means
            // end of file, so the common small file takes one read, and growth still shows.
            let want =
                usize::try_from(remaining.saturating_add(1)).map_or(BUF_SIZE, |r| r.min(BUF_SIZE));
            let n = match file.read(self.bufs.read.get_mut(..want).unwrap_or_default()) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("read", full)(e)),
            };
            if n == 0 {
                if remaining > 0 {
                    return Err(changed(format!(
                        "it shrank from {size} to {} bytes",
                        size - remaining
                    )));
                }
                break;
            }
            let chunk = self.bufs.read.get(..n).unwrap_or_default();
            if n as u64 > remaining {
                return Err(changed(format!("it grew beyond {size} bytes")));
            }
            remaining -= n as u64;
            self.sink.put(chunk)?;
            if let Some(h) = flat.as_mut() {
                h.update(chunk);
            }
            if let Some(cb) = self.on_bytes {
                cb(n as u64);
            }
            if remaining == 0 && n < want {
                break;
            }
        }
        self.sink.put_pad(size)?;
        if let Some(h) = flat {
            self.flat = Some(h.finish());
        }
        Ok(())
    }
}

/// Walk `path` (never following symlinks, not even `path` itself) and compute its NAR hash and
/// size, streaming file contents through SHA-256 with one reused [`BUF_SIZE`] buffer.
/// Directory entries are sorted bytewise; a file is executable iff `S_IXUSR` is set.
///
/// Errors name the path and the problem: unreadable, a socket/FIFO/device, a file that changed
/// size or identity while being read, a name Nix cannot have.
pub fn walk(path: &Path, opts: Options<'_>) -> Result<WalkResult, NarError> {
    let Options {
        contents,
        on_node,
        on_bytes,
        flat_hash,
        pipeline,
    } = opts;
    if contents && pipeline {
        return std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_DEPTH);
            let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            let hasher = s.spawn(move || {
                let mut h = sha2::Sha256::new();
                let mut size = 0u64;
                for mut b in rx {
                    h.update(&b);
                    size += b.len() as u64;
                    b.clear();
                    let _ = free_tx.send(b);
                }
                (h.finalize(), size)
            });
            let mut w = Walker::new(
                PipeSink {
                    batch: Vec::with_capacity(PIPE_BATCH),
                    tx,
                    free: free_rx,
                },
                contents,
                on_node,
                on_bytes,
                flat_hash,
            );
            let walked = w.run(path).and_then(|()| w.sink.flush());
            let flat = w.flat.take();
            drop(w); // closes the channel: the hashing thread finishes
            let (digest, size) = hasher
                .join()
                .map_err(|_| NarError::Write(io::Error::other("the hashing thread panicked")))?;
            walked?;
            Ok(WalkResult {
                nar: Some(NarSummary {
                    hash: digest.into(),
                    size,
                }),
                flat,
            })
        });
    }
    if contents {
        let mut w = Walker::new(
            HashSink {
                hasher: sha2::Sha256::new(),
                size: 0,
            },
            contents,
            on_node,
            on_bytes,
            flat_hash,
        );
        w.run(path)?;
        Ok(WalkResult {
            nar: Some(NarSummary {
                hash: w.sink.hasher.finalize().into(),
                size: w.sink.size,
            }),
            flat: w.flat,
        })
    } else {
        let mut w = Walker::new(NullSink, contents, on_node, on_bytes, None);
        w.run(path)?;
        Ok(WalkResult::default())
    }
}

/// Write the NAR of `path` to `out` (the serialiser of [`walk`]; `out` is buffered here).
/// Returns the NAR size.
pub fn dump(path: &Path, out: &mut dyn Write) -> Result<u64, NarError> {
    let mut w = Walker::new(
        WriteSink {
            out: BufWriter::with_capacity(64 * 1024, out),
            size: 0,
        },
        true,
        None,
        None,
        None,
    );
    w.run(path)?;
    w.sink.out.flush().map_err(NarError::Write)?;
    Ok(w.sink.size)
}

/// The input side of [`read`]: counts, limits and hashes every byte consumed.
struct Source<'r> {
    input: BufReader<&'r mut dyn Read>,
    hasher: sha2::Sha256,
    pos: u64,
    limit: u64,
}

impl Source<'_> {
    fn format<T>(&self, offset: u64, message: String) -> Result<T, NarError> {
        Err(NarError::Format { offset, message })
    }

    fn take(&mut self, buf: &mut [u8], context: &'static str) -> Result<(), NarError> {
        let len = buf.len() as u64;
        if len > self.limit.saturating_sub(self.pos) {
            return Err(NarError::Limit { limit: self.limit });
        }
        let mut got = 0;
        while got < buf.len() {
            let rest = buf.get_mut(got..).unwrap_or_default();
            match self.input.read(rest) {
                Ok(0) => {
                    return Err(NarError::Truncated {
                        offset: self.pos + got as u64,
                        context,
                    })
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(NarError::Read {
                        offset: self.pos + got as u64,
                        source,
                    })
                }
            }
        }
        self.hasher.update(&*buf);
        self.pos += len;
        Ok(())
    }

    fn u64(&mut self, context: &'static str) -> Result<u64, NarError> {
        let mut b = [0u8; 8];
        self.take(&mut b, context)?;
        Ok(u64::from_le_bytes(b))
    }

    fn pad(&mut self, len: u64, context: &'static str) -> Result<(), NarError> {
        let mut b = [0u8; 8];
        let p = b.get_mut(..padding(len)).unwrap_or_default();
        let at = self.pos;
        self.take(p, context)?;
        if p.iter().any(|&x| x != 0) {
            return self.format(at, format!("non-zero padding after {context}"));
        }
        Ok(())
    }

    /// Read a string of at most `max` bytes into `out` (cleared first).
    fn string(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        context: &'static str,
    ) -> Result<(), NarError> {
        let at = self.pos;
        let len = self.u64(context)?;
        if len > max as u64 {
            return self.format(
                at,
                format!("{context} is {len} bytes long, at most {max} allowed"),
            );
        }
        out.clear();
        out.resize(len as usize, 0);
        self.take(out, context)?;
        self.pad(len, context)
    }

    /// Read a short keyword string (at most 16 bytes); returns its offset and bytes.
    fn token(&mut self, expected: &'static str) -> Result<(u64, Vec<u8>), NarError> {
        let at = self.pos;
        let len = self.u64(expected)?;
        if len > 16 {
            return self.format(
                at,
                format!("expected {expected}, found a string of {len} bytes"),
            );
        }
        let mut out = vec![0u8; len as usize];
        self.take(&mut out, expected)?;
        self.pad(len, expected)?;
        Ok((at, out))
    }

    fn expect(&mut self, tok: &'static [u8], expected: &'static str) -> Result<(), NarError> {
        let (at, got) = self.token(expected)?;
        if got != tok {
            return self.format(
                at,
                format!(
                    "expected {expected}, found {:?}",
                    String::from_utf8_lossy(&got)
                ),
            );
        }
        Ok(())
    }
}

/// A node just opened by [`parse_node`].
enum Opened {
    Leaf,
    Directory,
}

struct Reader<'r> {
    src: Source<'r>,
    buf: Vec<u8>,
    flat_algo: Option<Algo>,
    flat: Option<Hash>,
}

impl Reader<'_> {
    /// Parse `"(" "type" ...` up to the end of a regular or symlink node, or up to the entries
    /// of a directory node.
    fn node(&mut self, is_top: bool) -> Result<Opened, NarError> {
        self.src.expect(b"(", "`(`")?;
        self.src.expect(b"type", "`type`")?;
        let (at, kind) = self.src.token("a node type")?;
        match kind.as_slice() {
            b"regular" => {
                let (at2, mut next) = self.src.token("`executable` or `contents`")?;
                if next == b"executable" {
                    let (at3, empty) = self.src.token("`\"\"` after `executable`")?;
                    if !empty.is_empty() {
                        return self
                            .src
                            .format(at3, "expected an empty string after `executable`".into());
                    }
                    let (at4, n) = self.src.token("`contents`")?;
                    if n != b"contents" {
                        return self.src.format(
                            at4,
                            format!(
                                "expected `contents`, found {:?}",
                                String::from_utf8_lossy(&n)
                            ),
                        );
                    }
                    next = n;
                }
                if next != b"contents" {
                    return self.src.format(
                        at2,
                        format!(
                            "expected `executable` or `contents`, found {:?}",
                            String::from_utf8_lossy(&next)
                        ),
                    );
                }
                self.contents(is_top)?;
                self.src.expect(b")", "`)` closing a regular file")?;
                Ok(Opened::Leaf)
            }
            b"symlink" => {
                self.src.expect(b"target", "`target`")?;
                let at = self.src.pos;
                let mut target = std::mem::take(&mut self.buf);
                let r = self
                    .src
                    .string(&mut target, MAX_TARGET_LEN, "symlink target");
                let bad = if target.is_empty() {
                    Some("empty symlink target")
                } else if target.contains(&0) {
                    Some("symlink target contains a NUL byte")
                } else {
                    None
                };
                self.buf = target;
                r?;
                if let Some(m) = bad {
                    return self.src.format(at, m.into());
                }
                self.src.expect(b")", "`)` closing a symlink")?;
                Ok(Opened::Leaf)
            }
            b"directory" => Ok(Opened::Directory),
            other => self.src.format(
                at,
                format!(
                    "unknown node type {:?} (expected `regular`, `symlink` or `directory`)",
                    String::from_utf8_lossy(other)
                ),
            ),
        }
    }

    /// Stream a file's contents through the hashers, never holding more than the buffer.
    fn contents(&mut self, is_top: bool) -> Result<(), NarError> {
        let len = self.src.u64("the file length")?;
        if len > self.src.limit.saturating_sub(self.src.pos) {
            return Err(NarError::Limit {
                limit: self.src.limit,
            });
        }
        let mut flat = if is_top {
            self.flat_algo.map(Hasher::new)
        } else {
            None
        };
        if self.buf.len() < BUF_SIZE {
            self.buf.resize(BUF_SIZE, 0);
        }
        let mut remaining = len;
        while remaining > 0 {
            let n = usize::try_from(remaining).map_or(BUF_SIZE, |r| r.min(BUF_SIZE));
            let chunk = self.buf.get_mut(..n).unwrap_or_default();
            self.src.take(chunk, "file contents")?;
            if let Some(h) = flat.as_mut() {
                h.update(chunk);
            }
            remaining -= n as u64;
        }
        self.src.pad(len, "file contents")?;
        if let Some(h) = flat {
            self.flat = Some(h.finish());
        }
        Ok(())
    }
}

/// Parse a NAR from `input` (e.g. a decompressed binary-cache NAR), strictly: magic, keywords,
/// zero padding, entries strictly sorted (so unique) with valid names (not empty, `.`, `..`, no
/// `/` or NUL, at most [`MAX_NAME_LEN`] bytes), symlink targets non-empty without NUL and at
/// most [`MAX_TARGET_LEN`] bytes, nesting at most [`MAX_DEPTH`], and nothing after the end.
/// File contents are never buffered (constant memory). Returns the SHA-256 and size of the
/// NAR, and with `flat_hash` also the flat hash of the top-level regular file.
///
/// Fails with [`NarError::Limit`] as soon as the NAR would be longer than `limit` bytes (to
/// bound decompression bombs). `input` is read through an internal buffer, so bytes after the
/// NAR may be consumed from it (they make the NAR invalid anyway).
pub fn read(
    input: &mut dyn Read,
    limit: u64,
    flat_hash: Option<Algo>,
) -> Result<WalkResult, NarError> {
    let mut r = Reader {
        src: Source {
            input: BufReader::with_capacity(64 * 1024, input),
            hasher: sha2::Sha256::new(),
            pos: 0,
            limit,
        },
        buf: Vec::new(),
        flat_algo: flat_hash,
        flat: None,
    };
    {
        let at = r.src.pos;
        let len = r.src.u64("the NAR magic")?;
        if len != MAGIC.len() as u64 {
            return r.src.format(at, "not a NAR: bad magic".into());
        }
        let mut m = [0u8; 13];
        r.src.take(&mut m, "the NAR magic")?;
        r.src.pad(13, "the NAR magic")?;
        if m != MAGIC {
            return r.src.format(at, "not a NAR: bad magic".into());
        }
    }
    // One entry per open directory: the previous entry name (for the sort check).
    let mut stack: Vec<Vec<u8>> = Vec::new();
    if let Opened::Directory = r.node(true)? {
        stack.push(Vec::new());
    }
    let mut name = Vec::new();
    while !stack.is_empty() {
        let (at, tok) = r.src.token("`entry` or `)`")?;
        match tok.as_slice() {
            b")" => {
                stack.pop();
                if !stack.is_empty() {
                    r.src.expect(b")", "`)` closing an entry")?;
                }
            }
            b"entry" => {
                r.src.expect(b"(", "`(`")?;
                r.src.expect(b"name", "`name`")?;
                let name_at = r.src.pos;
                r.src.string(&mut name, MAX_NAME_LEN, "entry name")?;
                if let Some(why) = bad_name(&name) {
                    return r.src.format(
                        name_at,
                        format!("entry name {:?}: {why}", String::from_utf8_lossy(&name)),
                    );
                }
                let Some(prev) = stack.last_mut() else {
                    return r.src.format(at, "entry outside a directory".into());
                };
                if !prev.is_empty() && name.as_slice() <= prev.as_slice() {
                    let why = if name == *prev {
                        "duplicate"
                    } else {
                        "not sorted"
                    };
                    return r.src.format(
                        name_at,
                        format!(
                            "directory entries {why}: {:?} after {:?}",
                            String::from_utf8_lossy(&name),
                            String::from_utf8_lossy(prev)
                        ),
                    );
                }
                std::mem::swap(prev, &mut name);
                r.src.expect(b"node", "`node`")?;
                match r.node(false)? {
                    Opened::Directory => {
                        if stack.len() >= MAX_DEPTH {
                            return r
                                .src
                                .format(at, format!("directories nested deeper than {MAX_DEPTH}"));
                        }
                        stack.push(Vec::new());
                    }
                    Opened::Leaf => r.src.expect(b")", "`)` closing an entry")?,
                }
            }
            other => {
                return r.src.format(
                    at,
                    format!(
                        "expected `entry` or `)`, found {:?}",
                        String::from_utf8_lossy(other)
                    ),
                )
            }
        }
    }
    // Nothing may follow.
    let mut one = [0u8; 1];
    loop {
        match r.src.input.read(&mut one) {
            Ok(0) => break,
            Ok(_) => {
                return r
                    .src
                    .format(r.src.pos, "data after the end of the NAR".into())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(NarError::Read {
                    offset: r.src.pos,
                    source,
                })
            }
        }
    }
    Ok(WalkResult {
        nar: Some(NarSummary {
            hash: r.src.hasher.finalize().into(),
            size: r.src.pos,
        }),
        flat: r.flat,
    })
}
