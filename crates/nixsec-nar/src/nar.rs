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
use std::os::unix::ffi::OsStringExt as _;
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
    /// Take a directory listing (`getdents64`) that left room in its buffer for another entry
    /// as the whole listing, instead of asking again for the end: one system call less per
    /// directory. Linux's local filesystems fill the buffer while entries remain, but POSIX
    /// does not promise it, so a caller setting this must check the result against a known
    /// NAR hash and walk again without it when they differ.
    pub one_read_listings: bool,
}

/// Contents on, nothing else.
impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            contents: true,
            on_node: None,
            on_bytes: None,
            flat_hash: None,
            one_read_listings: false,
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

    /// A sink with buffers of its own reads file contents straight into them: `Some` with the
    /// bytes just read (none at the end of the file) and how many were asked for, to be
    /// followed by [`Sink::settle`]. `None`: the caller reads into its own buffer and calls
    /// [`Sink::put`].
    fn read_into(&mut self, _file: &File) -> Option<io::Result<(&[u8], usize)>> {
        None
    }

    /// After [`Sink::read_into`]: pass on a buffer that is full.
    fn settle(&mut self) -> Result<(), NarError> {
        Ok(())
    }

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

/// Fills [`lanes::CHUNK`](crate::lanes::CHUNK)-byte buffers and sends them to a hashing
/// hub ([`crate::lanes::Hub`]).
struct FeedSink<'a> {
    feed: crate::lanes::Feed<'a>,
    buf: Vec<u8>,
    size: u64,
}

impl FeedSink<'_> {
    fn send(&mut self, last: bool) -> Result<(), NarError> {
        use crate::lanes::Msg;
        let next = if last {
            Vec::new()
        } else {
            self.feed.hub.buffer()
        };
        let buf = std::mem::replace(&mut self.buf, next);
        let id = self.feed.id;
        let msg = if last {
            Msg::End { id, buf }
        } else {
            Msg::Data { id, buf }
        };
        self.feed
            .hub
            .send(msg)
            .map_err(|e| NarError::Write(io::Error::other(e)))
    }
}

impl Sink for FeedSink<'_> {
    fn put(&mut self, mut bytes: &[u8]) -> Result<(), NarError> {
        self.size += bytes.len() as u64;
        if self.buf.len() + bytes.len() < crate::lanes::CHUNK {
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        while !bytes.is_empty() {
            let room = crate::lanes::CHUNK.saturating_sub(self.buf.len());
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buf.extend_from_slice(now);
            bytes = later;
            self.settle()?;
        }
        Ok(())
    }

    fn read_into(&mut self, file: &File) -> Option<io::Result<(&[u8], usize)>> {
        let before = self.buf.len();
        let asked = self.buf.capacity() - before;
        if asked == 0 {
            return None;
        }
        let read = loop {
            match rustix::io::read(file, rustix::buffer::spare_capacity(&mut self.buf)) {
                Err(rustix::io::Errno::INTR) => continue,
                other => break other,
            }
        };
        Some(match read {
            Ok(n) => {
                self.size += n as u64;
                Ok((self.buf.get(before..before + n).unwrap_or_default(), asked))
            }
            Err(e) => Err(io::Error::from(e)),
        })
    }

    fn settle(&mut self) -> Result<(), NarError> {
        if self.buf.len() >= crate::lanes::CHUNK {
            self.send(false)?;
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
    one_read_listings: bool,
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

/// The largest `getdents64` record: header, a 255-byte name and its NUL, aligned to 8.
const MAX_DIRENT: usize = (19 + 255 + 1usize).next_multiple_of(8);

use rustix::fs::FileType;

/// A directory being serialised: its open descriptor, its sorted entry names and the next one
/// to do. Children are reached relative to the descriptor (`fstatat`, `openat`, `readlinkat`),
/// so the kernel never walks the whole path again for each file.
struct Frame {
    dir: rustix::fd::OwnedFd,
    names: Names,
    /// Lengths of the full and relative paths before this directory's name was added.
    lens: (usize, usize),
}

/// A directory's entry names, sorted, in one buffer (no allocation per name), each with the
/// type the listing gives it (a hint, checked on what is then opened).
#[derive(Default)]
struct Names {
    bytes: Vec<u8>,
    /// Start and end in `bytes`, and the hint.
    entries: Vec<(usize, usize, FileType)>,
    next: usize,
}

impl Names {
    fn push(&mut self, name: &[u8], hint: FileType) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(name);
        self.entries.push((start, self.bytes.len(), hint));
    }

    fn sort(&mut self) {
        let bytes = &self.bytes;
        self.entries
            .sort_unstable_by(|a, b| bytes[a.0..a.1].cmp(&bytes[b.0..b.1]));
    }

    /// The next name and its hint.
    fn next(&mut self) -> Option<(&std::ffi::OsStr, FileType)> {
        let &(start, end, hint) = self.entries.get(self.next)?;
        self.next += 1;
        Some((
            std::ffi::OsStr::from_bytes(self.bytes.get(start..end)?),
            hint,
        ))
    }
}

/// An opened directory and its sorted entry names.
type Listing = (rustix::fd::OwnedFd, Names);

impl<'o, S: Sink> Walker<'o, S> {
    fn new(
        sink: S,
        contents: bool,
        on_node: Option<&'o mut dyn FnMut(Node<'_>)>,
        on_bytes: Option<&'o (dyn Fn(u64) + Sync)>,
        flat_algo: Option<Algo>,
        one_read_listings: bool,
    ) -> Self {
        Walker {
            sink,
            contents,
            on_node,
            on_bytes,
            flat_algo,
            one_read_listings,
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
        // The node's path, in full (for errors) and from the top (for `on_node`), grown and cut
        // back as bytes: cheaper than `PathBuf::push`/`pop`, which re-parse the path.
        let mut full = full.into_os_string().into_vec();
        let mut rel: Vec<u8> = Vec::new();
        self.sink.put_str(MAGIC)?;
        let mut stack: Vec<Frame> = Vec::new();
        if let Some((dir, names)) = self.node(
            &parent_fd,
            &top_name,
            FileType::Unknown,
            Path::new(std::ffi::OsStr::from_bytes(&full)),
            Path::new(""),
            true,
        )? {
            stack.push(Frame {
                dir,
                names,
                lens: (full.len(), 0),
            });
        }
        while let Some(frame) = stack.last_mut() {
            if let Some((name, hint)) = frame.names.next() {
                self.sink.put_str(b"entry")?;
                self.sink.put_str(b"(")?;
                self.sink.put_str(b"name")?;
                self.sink.put_str(name.as_bytes())?;
                self.sink.put_str(b"node")?;
                let lens = (full.len(), rel.len());
                if full.last() != Some(&b'/') {
                    full.push(b'/');
                }
                full.extend_from_slice(name.as_bytes());
                if !rel.is_empty() {
                    rel.push(b'/');
                }
                rel.extend_from_slice(name.as_bytes());
                let opened = {
                    let dir = rustix::fd::AsFd::as_fd(&frame.dir);
                    self.node(
                        &dir,
                        name,
                        hint,
                        Path::new(std::ffi::OsStr::from_bytes(&full)),
                        Path::new(std::ffi::OsStr::from_bytes(&rel)),
                        false,
                    )?
                };
                match opened {
                    Some((dir, names)) => stack.push(Frame { dir, names, lens }),
                    None => {
                        self.sink.put_str(b")")?;
                        full.truncate(lens.0);
                        rel.truncate(lens.1);
                    }
                }
            } else if let Some(done) = stack.pop() {
                // Close the directory node, then the entry holding it (if not the top).
                self.sink.put_str(b")")?;
                if !stack.is_empty() {
                    self.sink.put_str(b")")?;
                    full.truncate(done.lens.0);
                    rel.truncate(done.lens.1);
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
        hint: FileType,
        full: &Path,
        rel: &Path,
        is_top: bool,
    ) -> Result<Option<Listing>, NarError> {
        // A regular file by the listing, when its contents are wanted, or a directory: open it
        // and take the status of what was opened (no `lstat` first, and nothing can be swapped
        // in between). O_NOFOLLOW: a symlink is not followed; O_NONBLOCK: a FIFO does not hang
        // the open. Anything else, or an open that fails, gets an `lstat`.
        let mut opened: Option<File> = None;
        let mut opened_dir: Option<rustix::fd::OwnedFd> = None;
        let flags = match hint {
            FileType::RegularFile if self.contents => Some(
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::NOFOLLOW
                    | rustix::fs::OFlags::NONBLOCK
                    | rustix::fs::OFlags::NOCTTY
                    | rustix::fs::OFlags::CLOEXEC,
            ),
            FileType::Directory => Some(
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::DIRECTORY
                    | rustix::fs::OFlags::NOFOLLOW
                    | rustix::fs::OFlags::CLOEXEC,
            ),
            _ => None,
        };
        let fd =
            flags.and_then(|f| rustix::fs::openat(dir, name, f, rustix::fs::Mode::empty()).ok());
        let meta = match fd.map(|fd| (rustix::fs::fstat(&fd), fd)) {
            Some((Ok(st), fd)) if FileType::from_raw_mode(st.st_mode) == hint => {
                if hint == FileType::Directory {
                    opened_dir = Some(fd);
                } else {
                    opened = Some(File::from(fd));
                }
                Meta::from_stat(&st)
            }
            _ => self.lstat(dir, name, full)?,
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
                let fd = match opened_dir {
                    Some(fd) => fd,
                    None => rustix::fs::openat(
                        dir,
                        name,
                        rustix::fs::OFlags::RDONLY
                            | rustix::fs::OFlags::DIRECTORY
                            | rustix::fs::OFlags::NOFOLLOW
                            | rustix::fs::OFlags::CLOEXEC,
                        rustix::fs::Mode::empty(),
                    )
                    .map_err(|e| io_err("open", full)(io::Error::from(e)))?,
                };
                let mut names = Names::default();
                if self.bufs.dir.is_empty() {
                    self.bufs.dir = vec![std::mem::MaybeUninit::uninit(); DIR_BUF_SIZE];
                }
                // getdents64 on the descriptor itself: children are then opened relative to it.
                let mut listing = rustix::fs::RawDir::new(&fd, &mut self.bufs.dir);
                // Bytes of the entries taken from the last `getdents64` (each record: 19 bytes
                // of header, the name, a NUL, aligned to 8).
                let mut used = 0usize;
                let mut any = false;
                loop {
                    if any && listing.is_buffer_empty() {
                        if self.one_read_listings && used + MAX_DIRENT <= DIR_BUF_SIZE {
                            break;
                        }
                        used = 0;
                    }
                    let Some(entry) = listing.next() else { break };
                    any = true;
                    let entry = entry.map_err(|e| io_err("list", full)(io::Error::from(e)))?;
                    let bytes = entry.file_name().to_bytes();
                    used += (19 + bytes.len() + 1).next_multiple_of(8);
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
                    names.push(bytes, entry.file_type());
                }
                names.sort();
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
        let mut remaining = size;
        loop {
            // Ask for one byte more than should be left: a short read of a regular file means
            // end of file, so the common small file takes one read, and growth still shows.
            let want =
                usize::try_from(remaining.saturating_add(1)).map_or(BUF_SIZE, |r| r.min(BUF_SIZE));
            // Straight into the sink's buffer when it has one (a short read there is not the
            // end of the file: the buffer may just have been nearly full).
            let (n, asked) = if let Some(read) = self.sink.read_into(&file) {
                let (chunk, asked) = read.map_err(io_err("read", full))?;
                let n = chunk.len();
                if n as u64 > remaining {
                    return Err(changed(format!("it grew beyond {size} bytes")));
                }
                if let Some(h) = flat.as_mut() {
                    h.update(chunk);
                }
                self.sink.settle()?;
                (n, asked)
            } else {
                if self.bufs.read.is_empty() {
                    self.bufs.read = vec![0u8; BUF_SIZE];
                }
                let n = match file.read(self.bufs.read.get_mut(..want).unwrap_or_default()) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_err("read", full)(e)),
                };
                let chunk = self.bufs.read.get(..n).unwrap_or_default();
                if n as u64 > remaining {
                    return Err(changed(format!("it grew beyond {size} bytes")));
                }
                self.sink.put(chunk)?;
                if let Some(h) = flat.as_mut() {
                    h.update(chunk);
                }
                (n, want)
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
            remaining -= n as u64;
            if let Some(cb) = self.on_bytes {
                cb(n as u64);
            }
            if remaining == 0 && n < asked {
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
        one_read_listings,
    } = opts;
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
            one_read_listings,
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
        let mut w = Walker::new(
            NullSink,
            contents,
            on_node,
            on_bytes,
            None,
            one_read_listings,
        );
        w.run(path)?;
        Ok(WalkResult::default())
    }
}

/// [`walk`] with contents, except that the NAR is not hashed here: it goes as stream
/// `feed.id` to a hub ([`crate::lanes::Hub`]), which hashes many at once. Returns what
/// [`walk`] does with `nar` left `None` (the hub has the hash), and the NAR size. When the walk
/// fails the stream is aborted, so the hub forgets it.
///
/// # Errors
/// As [`walk`]; also when the hub has stopped (a hashing round panicked).
pub fn walk_feed(
    path: &Path,
    opts: Options<'_>,
    feed: crate::lanes::Feed<'_>,
) -> Result<(WalkResult, u64), NarError> {
    let mut w = Walker::new(
        FeedSink {
            feed,
            buf: feed.hub.buffer(),
            size: 0,
        },
        true,
        opts.on_node,
        opts.on_bytes,
        opts.flat_hash,
        opts.one_read_listings,
    );
    match w.run(path).and_then(|()| w.sink.send(true)) {
        Ok(()) => Ok((
            WalkResult {
                nar: None,
                flat: w.flat.take(),
            },
            w.sink.size,
        )),
        Err(e) => {
            let spent = std::mem::take(&mut w.sink.buf);
            feed.hub.recycle(spent);
            let _ = feed.hub.send(crate::lanes::Msg::Abort { id: feed.id });
            Err(e)
        }
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
        false,
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
