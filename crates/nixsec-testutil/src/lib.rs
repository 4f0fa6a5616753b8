//! Fixture-root builders and tree snapshots for nixsec's tests; [`schema`]: SBOM and VEX
//! documents checked against their official JSON schemas.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod schema;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nixsec_core::Root;

/// A root directory built file by file in a tempdir.
pub struct RootBuilder {
    dir: tempfile::TempDir,
}

impl Default for RootBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RootBuilder {
    /// An empty root.
    #[must_use]
    pub fn new() -> Self {
        RootBuilder {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn host(&self, p: &str) -> PathBuf {
        self.dir.path().join(p.trim_start_matches('/'))
    }

    /// Write a file (parents created).
    #[must_use]
    pub fn file(self, p: &str, content: impl AsRef<[u8]>) -> Self {
        let h = self.host(p);
        fs::create_dir_all(h.parent().unwrap()).unwrap();
        fs::write(h, content).unwrap();
        self
    }

    /// Create a directory with a mode (parents created with 0755).
    #[must_use]
    pub fn dir(self, p: &str, mode: u32) -> Self {
        let h = self.host(p);
        fs::create_dir_all(&h).unwrap();
        fs::set_permissions(&h, fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    /// Set a mode on an existing path.
    #[must_use]
    pub fn chmod(self, p: &str, mode: u32) -> Self {
        fs::set_permissions(self.host(p), fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    /// Create a symlink at `p` pointing to `target` (as written, absolute or relative).
    #[must_use]
    pub fn symlink(self, p: &str, target: &str) -> Self {
        let h = self.host(p);
        fs::create_dir_all(h.parent().unwrap()).unwrap();
        symlink(target, h).unwrap();
        self
    }

    /// Copy the fixture tree `src` into the root at `p` (symlinks kept as links).
    #[must_use]
    pub fn tree(self, p: &str, src: &Path) -> Self {
        copy_into(src, &self.host(p));
        self
    }

    /// The common multi-user layout: `/nix/store` 1775, db, daemon socket dir, profiles, and
    /// `nixbld` with ten build users in passwd/group/shadow.
    #[must_use]
    pub fn multi_user_nix(self) -> Self {
        let mut passwd = String::from("root:x:0:0:root:/root:/bin/bash\n");
        let mut shadow = String::from("root:!:19000::::::\n");
        let mut members = Vec::new();
        for i in 1..=10 {
            passwd.push_str(&format!("nixbld{i}:x:{}:30000:Nix build user {i}:/var/empty:/run/current-system/sw/bin/nologin\n", 30000 + i));
            shadow.push_str(&format!("nixbld{i}:!:1::::::\n"));
            members.push(format!("nixbld{i}"));
        }
        let group = format!(
            "root:x:0:\nwheel:x:1:\nusers:x:100:\nnixbld:x:30000:{}\n",
            members.join(",")
        );
        self.dir("/nix/store", 0o1775)
            .dir("/nix/var/nix/db", 0o755)
            .file("/nix/var/nix/db/db.sqlite", "")
            .dir("/nix/var/nix/daemon-socket", 0o755)
            .dir("/nix/var/nix/profiles", 0o755)
            .dir("/nix/var/nix/gcroots", 0o755)
            .file("/etc/passwd", passwd)
            .file("/etc/group", group)
            .file("/etc/shadow", shadow)
            .chmod("/etc/shadow", 0o640)
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `Root` on it.
    #[must_use]
    pub fn root(&self) -> Root {
        Root::new(self.dir.path()).unwrap()
    }
}

/// What a tree holds: per path, its type, mode, owner, size, mtime and content (or link target).
#[derive(Debug, PartialEq, Eq)]
pub struct TreeSnapshot(BTreeMap<PathBuf, Entry>);

/// Mode, uid, gid, mtime (s, ns) and content of one path.
type Entry = (u32, u32, u32, i64, i64, Vec<u8>);

impl TreeSnapshot {
    /// Paths that differ between two snapshots (added, removed or changed), for short messages.
    #[must_use]
    pub fn diff(&self, other: &TreeSnapshot) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .0
            .iter()
            .filter(|(k, v)| other.0.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect();
        out.extend(other.0.keys().filter(|k| !self.0.contains_key(*k)).cloned());
        out
    }
}

/// Snapshot a tree without following symlinks.
#[must_use]
pub fn snapshot(dir: &Path) -> TreeSnapshot {
    fn walk(base: &Path, p: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let md = fs::symlink_metadata(p).unwrap();
        let content = if md.file_type().is_symlink() {
            fs::read_link(p)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else if md.is_file() {
            fs::read(p).unwrap_or_default()
        } else {
            Vec::new()
        };
        let rel = p.strip_prefix(base).unwrap().to_path_buf();
        out.insert(
            rel,
            (
                md.mode(),
                md.uid(),
                md.gid(),
                md.mtime(),
                md.mtime_nsec(),
                content,
            ),
        );
        if md.is_dir() {
            let mut names: Vec<_> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            names.sort();
            for n in names {
                walk(base, &n, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    TreeSnapshot(out)
}

/// Copy `src` to `dst` (parents created, symlinks kept as links).
fn copy_into(src: &Path, dst: &Path) {
    let md = fs::symlink_metadata(src).unwrap();
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    if md.file_type().is_symlink() {
        symlink(fs::read_link(src).unwrap(), dst).unwrap();
    } else if md.is_dir() {
        fs::create_dir_all(dst).unwrap();
        for e in fs::read_dir(src).unwrap() {
            let e = e.unwrap();
            copy_into(&e.path(), &dst.join(e.file_name()));
        }
    } else {
        fs::copy(src, dst).unwrap();
    }
}

/// Copy a fixture tree (symlinks kept as links) into a fresh tempdir.
#[must_use]
pub fn copy_tree(src: &Path) -> tempfile::TempDir {
    fn copy(src: &Path, dst: &Path) {
        let md = fs::symlink_metadata(src).unwrap();
        if md.file_type().is_symlink() {
            symlink(fs::read_link(src).unwrap(), dst).unwrap();
        } else if md.is_dir() {
            fs::create_dir_all(dst).unwrap();
            for e in fs::read_dir(src).unwrap() {
                let e = e.unwrap();
                copy(&e.path(), &dst.join(e.file_name()));
            }
        } else {
            fs::copy(src, dst).unwrap();
        }
    }
    let t = tempfile::tempdir().unwrap();
    copy(src, t.path());
    t
}
