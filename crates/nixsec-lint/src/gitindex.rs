//! The paths a git repository tracks, read from its index file (`.git/index`, formats 2, 3 and
//! 4) without running git. A tracked file is linted even when a `.gitignore` rule matches it:
//! git's own rule is that ignore rules apply to untracked files only.

use std::path::{Path, PathBuf};

/// A work tree and the paths its index tracks (relative to the work tree, `/`-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracked {
    /// The work tree's root.
    pub root: PathBuf,
    /// Tracked paths.
    pub paths: Vec<String>,
}

/// The repository `dir` is in: its work tree and its git directory.
fn find_repo(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    for anc in dir.ancestors() {
        let dot = anc.join(".git");
        let Ok(meta) = std::fs::symlink_metadata(&dot) else {
            continue;
        };
        if meta.is_dir() {
            return Some((anc.to_path_buf(), dot));
        }
        if meta.is_file() {
            // A worktree or a submodule: `gitdir: PATH`.
            let text = std::fs::read_to_string(&dot).ok()?;
            let gd = text.trim().strip_prefix("gitdir:")?.trim();
            let gd = if Path::new(gd).is_absolute() {
                PathBuf::from(gd)
            } else {
                anc.join(gd)
            };
            return Some((anc.to_path_buf(), gd));
        }
    }
    None
}

/// Object ids are SHA-256 (32 bytes) in repositories that say so, else SHA-1 (20).
fn hash_len(gitdir: &Path) -> usize {
    // A worktree's config is the common directory's.
    let common = std::fs::read_to_string(gitdir.join("commondir"))
        .ok()
        .map_or_else(|| gitdir.to_path_buf(), |c| gitdir.join(c.trim()));
    let config = std::fs::read_to_string(common.join("config")).unwrap_or_default();
    let sha256 = config.lines().any(|l| {
        let l = l.trim().to_ascii_lowercase();
        l.starts_with("objectformat") && l.ends_with("sha256")
    });
    if sha256 {
        32
    } else {
        20
    }
}

/// The paths tracked by the repository `dir` is in, if it is in one whose index can be read.
#[must_use]
pub fn tracked(dir: &Path) -> Option<Tracked> {
    let (root, gitdir) = find_repo(dir)?;
    let data = std::fs::read(gitdir.join("index")).ok()?;
    let paths = parse(&data, hash_len(&gitdir))?;
    Some(Tracked { root, paths })
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// The entry paths of an index file; `None` when it is not one (or is cut short).
#[must_use]
pub fn parse(b: &[u8], hash: usize) -> Option<Vec<String>> {
    if b.get(0..4)? != b"DIRC" {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let n = be32(b, 8)?;
    let mut at = 12;
    let mut out: Vec<String> = Vec::with_capacity(usize::try_from(n).ok()?.min(1 << 20));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..n {
        let start = at;
        // ctime, mtime, dev, ino, mode, uid, gid, size: 40 bytes; then the object id.
        at += 40 + hash;
        let flags = be16(b, at)?;
        at += 2;
        if version >= 3 && flags & 0x4000 != 0 {
            at += 2;
        }
        let path: Vec<u8> = if version == 4 {
            // A varint: how many bytes of the previous path to drop, then the rest, NUL-ended.
            let mut strip: usize = 0;
            let mut byte = *b.get(at)?;
            at += 1;
            strip = strip.checked_add(usize::from(byte & 0x7f))?;
            while byte & 0x80 != 0 {
                byte = *b.get(at)?;
                at += 1;
                strip = strip
                    .checked_add(1)?
                    .checked_mul(128)?
                    .checked_add(usize::from(byte & 0x7f))?;
            }
            let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
            let keep = prev.len().checked_sub(strip)?;
            let mut p = prev[..keep].to_vec();
            p.extend_from_slice(&b[at..end]);
            at = end + 1;
            p
        } else {
            let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
            let p = b[at..end].to_vec();
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            let len = end - start;
            at = start + (len + 8) / 8 * 8;
            p
        };
        // Stage 0 only (a conflicted path has stages 1-3 with the same name).
        if (flags >> 12) & 0x3 == 0 {
            if let Ok(s) = std::str::from_utf8(&path) {
                out.push(s.to_string());
            }
        }
        prev = path;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> bool {
        Command::new("git")
            .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Real git is the oracle: the paths it tracks (`git ls-files`) are the index's, in index
    /// versions 2, 3 and 4. Skipped with a message when git is missing (it fails in CI).
    #[test]
    fn same_paths_as_git_ls_files() {
        let d = tempfile::tempdir().expect("tempdir");
        if !git(d.path(), &["init", "-q"]) {
            assert!(
                std::env::var_os("CI").is_none(),
                "git does not run: CI is set, so this fails instead of skipping"
            );
            eprintln!("skipped: git does not run");
            return;
        }
        let names = [
            "flake.nix",
            "lib/default.nix",
            "lib/mkHost.nix",
            "hosts/a/default.nix",
            "hosts/a/hardware-configuration.nix",
            "hosts/b/default.nix",
            "a very long directory name that is longer than most/x.nix",
        ];
        for n in names {
            let p = d.path().join(n);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "{ }").expect("write");
        }
        std::fs::write(d.path().join(".gitignore"), "lib/\n").expect("write");
        assert!(git(d.path(), &["add", "."]));
        assert!(git(
            d.path(),
            &["add", "-f", "lib/default.nix", "lib/mkHost.nix"]
        ));
        for version in ["2", "3", "4"] {
            assert!(git(d.path(), &["update-index", "--index-version", version]));
            let out = Command::new("git")
                .args(["ls-files", "-z"])
                .current_dir(d.path())
                .output()
                .expect("git ls-files");
            let mut want: Vec<String> = out
                .stdout
                .split(|&c| c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect();
            let mut got = tracked(&d.path().join("hosts")).expect("tracked").paths;
            want.sort();
            got.sort();
            assert_eq!(got, want, "index version {version}");
        }
    }

    #[test]
    fn garbage_is_not_an_index() {
        assert_eq!(parse(b"", 20), None);
        assert_eq!(parse(b"DIRC\0\0\0\x02\0\0\0\x05", 20), None);
        assert_eq!(parse(&[0xff; 100], 20), None);
    }
}
