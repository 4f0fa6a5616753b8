//! Shared test helpers: a model of a file tree, building it on disk, and an independent NAR
//! serialiser written straight from the grammar in the spec (section 3).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{symlink, PermissionsExt as _};
use std::path::Path;

/// A file tree. Directory entries are kept in the given order (the serialiser writes them in
/// that order, so unsorted NARs can be made on purpose).
#[derive(Debug, Clone)]
pub enum Tree {
    /// A regular file.
    File { data: Vec<u8>, exec: bool },
    /// A symlink with this target.
    Link(Vec<u8>),
    /// A directory.
    Dir(Vec<(Vec<u8>, Tree)>),
}

pub fn file(data: &[u8]) -> Tree {
    Tree::File {
        data: data.to_vec(),
        exec: false,
    }
}

pub fn exec(data: &[u8]) -> Tree {
    Tree::File {
        data: data.to_vec(),
        exec: true,
    }
}

pub fn link(target: &str) -> Tree {
    Tree::Link(target.as_bytes().to_vec())
}

pub fn dir(entries: Vec<(&str, Tree)>) -> Tree {
    Tree::Dir(
        entries
            .into_iter()
            .map(|(n, t)| (n.as_bytes().to_vec(), t))
            .collect(),
    )
}

impl Tree {
    /// The same tree with every directory's entries sorted bytewise.
    pub fn sorted(&self) -> Tree {
        match self {
            Tree::Dir(entries) => {
                let mut e: Vec<(Vec<u8>, Tree)> = entries
                    .iter()
                    .map(|(n, t)| (n.clone(), t.sorted()))
                    .collect();
                e.sort_by(|a, b| a.0.cmp(&b.0));
                Tree::Dir(e)
            }
            other => other.clone(),
        }
    }

    /// Create the tree at `path` (which must not exist).
    pub fn build(&self, path: &Path) {
        match self {
            Tree::File { data, exec } => {
                fs::write(path, data).expect("write file");
                let mode = if *exec { 0o755 } else { 0o644 };
                fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
            }
            Tree::Link(target) => symlink(OsStr::from_bytes(target), path).expect("symlink"),
            Tree::Dir(entries) => {
                fs::create_dir(path).expect("mkdir");
                for (name, t) in entries {
                    t.build(&path.join(OsStr::from_bytes(name)));
                }
            }
        }
    }

    /// Total bytes of file contents.
    pub fn content_bytes(&self) -> u64 {
        match self {
            Tree::File { data, .. } => data.len() as u64,
            Tree::Link(_) => 0,
            Tree::Dir(e) => e.iter().map(|(_, t)| t.content_bytes()).sum(),
        }
    }
}

/// `str(b)`: 8-byte little-endian length, bytes, zero padding to a multiple of 8.
pub fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

fn node(out: &mut Vec<u8>, t: &Tree) {
    put(out, b"(");
    put(out, b"type");
    match t {
        Tree::File { data, exec } => {
            put(out, b"regular");
            if *exec {
                put(out, b"executable");
                put(out, b"");
            }
            put(out, b"contents");
            put(out, data);
        }
        Tree::Link(target) => {
            put(out, b"symlink");
            put(out, b"target");
            put(out, target);
        }
        Tree::Dir(entries) => {
            put(out, b"directory");
            for (name, child) in entries {
                put(out, b"entry");
                put(out, b"(");
                put(out, b"name");
                put(out, name);
                put(out, b"node");
                node(out, child);
                put(out, b")");
            }
        }
    }
    put(out, b")");
}

/// The NAR of `t`, entries in the order given.
pub fn nar(t: &Tree) -> Vec<u8> {
    let mut out = Vec::new();
    put(&mut out, b"nix-archive-1");
    node(&mut out, t);
    out
}

/// SHA-256 hex of bytes, computed with the crate's hasher (checked separately against known
/// vectors in the unit tests).
pub fn sha256_hex(b: &[u8]) -> String {
    nixsec_nar::Hash::of(nixsec_nar::Algo::Sha256, b).hex()
}

// ---- tools ----------------------------------------------------------------------------------

/// The first executable `tool` on `PATH`, as a shell finds it.
pub fn find(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata().is_ok_and(|m| {
                m.is_file()
                    && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
}

/// True when every one of `tools` is on `PATH`; otherwise [`skip`] naming the missing ones.
pub fn require(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        skip(&format!("not on PATH: {}", missing.join(", ")));
    }
    missing.is_empty()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set
/// (`scripts/test` installs every tool the suite uses).
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs it)"
    );
    eprintln!("skipped: {reason}");
}
