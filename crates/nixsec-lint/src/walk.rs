//! Finding the `.nix` files under the given paths, with `.gitignore` (and `.ignore`) honoured.

use std::path::{Path, PathBuf};

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where it is.
    pub path: PathBuf,
    /// How it is reported: the given path, joined with the path below it.
    pub display: String,
    /// Its canonical path (the canonical given path joined with the path below it; the
    /// walk does not enter symbolic links to directories, so no further resolution is needed).
    pub canon: PathBuf,
}

/// Why the walk could not start.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A given path does not exist or cannot be read.
    #[error("`{path}`: {cause}")]
    Path {
        /// The path as given.
        path: String,
        /// The cause (in the message, not chained: the error stays one line).
        cause: std::io::Error,
    },
}

/// Problems met while walking that do not stop it (an unreadable directory, a symlink that
/// leads outside the given paths).
pub type Skipped = Vec<(String, String)>;

/// The display form of a path: no leading `./`.
#[must_use]
pub fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// The `.nix` files under `paths` (a given file is taken whatever its name), sorted and
/// de-duplicated, the canonical roots nothing may be read outside of, and the files skipped
/// with why. `.gitignore` rules are honoured inside a git work tree for files git does not
/// track (a tracked file is always read, git's own rule; outside a work tree they ignore
/// nothing); `.ignore` rules and hidden directories for files git does not track. A `.nix` file that is
/// skipped (ignored and untracked, a link leading outside, an unreadable directory) is listed.
///
/// # Errors
///
/// A given path that does not exist.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<SourceFile>, Vec<PathBuf>, Skipped), WalkError> {
    let mut files = Vec::new();
    let mut roots = Vec::new();
    let mut skipped = Vec::new();
    for given in paths {
        let canon = given.canonicalize().map_err(|cause| WalkError::Path {
            path: display(given),
            cause,
        })?;
        roots.push(canon.clone());
        if canon.is_file() {
            files.push(SourceFile {
                path: given.clone(),
                display: display(given),
                canon: canon.clone(),
            });
            continue;
        }
        let first = files.len();
        let tracked = crate::gitindex::tracked(&canon);
        let walker = ignore::WalkBuilder::new(given)
            .standard_filters(true)
            // `.gitignore` rules only inside a git work tree, as git itself: an exported tree
            // (a tarball, `git archive`, a store path) holds only files that were tracked.
            .require_git(true)
            // So are its hidden files (`.nextcloud.nix`): outside a work tree they are read;
            // inside one, what git tracks is (below).
            .hidden(tracked.is_some() || canon.ancestors().any(|a| a.join(".git").exists()))
            .filter_entry(|e| e.file_name() != ".git")
            .follow_links(false)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    skipped.push((display(given), e.to_string()));
                    continue;
                }
            };
            if let Some(f) =
                source_file(given, &canon, entry.path(), entry.file_type(), &mut skipped)
            {
                files.push(f);
            }
        }
        // Tracked files a `.gitignore` rule (or a hidden directory) kept out of the walk.
        let seen: std::collections::HashSet<PathBuf> =
            files[first..].iter().map(|f| f.canon.clone()).collect();
        let mut is_tracked: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        if let Some(t) = &tracked {
            for rel in t.paths.iter().filter(|p| nix_name(p)) {
                let abs = t.root.join(rel);
                let Ok(below) = abs.strip_prefix(&canon) else {
                    continue;
                };
                is_tracked.insert(canon.join(below));
                if seen.contains(&canon.join(below)) {
                    continue;
                }
                let p = given.join(below);
                let ft = std::fs::symlink_metadata(&p).ok().map(|m| m.file_type());
                if let Some(f) = source_file_meta(given, &canon, &p, ft, &mut skipped) {
                    files.push(f);
                }
            }
        }
        // Every other `.nix` file below: skipped, and said so.
        let all = ignore::WalkBuilder::new(given)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        let found: std::collections::HashSet<PathBuf> =
            files[first..].iter().map(|f| f.canon.clone()).collect();
        for entry in all.flatten() {
            let p = entry.path();
            if !p.file_name().and_then(|n| n.to_str()).is_some_and(nix_name)
                || !entry.file_type().is_some_and(|t| t.is_file())
            {
                continue;
            }
            let Ok(below) = p.strip_prefix(given) else {
                continue;
            };
            let c = canon.join(below);
            if found.contains(&c) {
                continue;
            }
            let why = if below
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            {
                "hidden (a name starting with `.`) and not tracked by git, not read"
            } else {
                "ignored by a `.gitignore` or `.ignore` rule and not tracked by git, not read"
            };
            skipped.push((display(p), why.to_string()));
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);
    dedup_links(&mut files, &mut skipped);
    skipped.sort();
    skipped.dedup();
    Ok((files, roots, skipped))
}

/// One file reached by several paths (`configuration.nix -> nixos/configuration.nix`) is linted
/// once, under the path that is not a symbolic link: Nix reads an imported link from its
/// target (its relative paths are the target's), and two copies would make two hosts of one
/// and report each finding twice. The links are listed as skipped, naming where they are read.
fn dedup_links(files: &mut Vec<SourceFile>, skipped: &mut Skipped) {
    let mut by_canon: std::collections::HashMap<&Path, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        by_canon.entry(f.canon.as_path()).or_default().push(i);
    }
    let mut drop = vec![false; files.len()];
    for same in by_canon.values().filter(|v| v.len() > 1) {
        let is_link = |i: usize| {
            std::fs::symlink_metadata(&files[i].path).is_ok_and(|m| m.file_type().is_symlink())
        };
        let keep = same
            .iter()
            .copied()
            .find(|&i| !is_link(i))
            .unwrap_or(same[0]);
        for &i in same.iter().filter(|&&i| i != keep) {
            drop[i] = true;
            skipped.push((
                files[i].display.clone(),
                format!(
                    "the same file as `{}` (a symbolic link), linted there",
                    files[keep].display
                ),
            ));
        }
    }
    if drop.iter().any(|d| *d) {
        let mut i = 0;
        files.retain(|_| {
            i += 1;
            !drop[i - 1]
        });
    }
}

/// A walked entry as a file to lint, if it is a `.nix` file (a link only when it stays inside
/// the given path).
fn source_file(
    given: &Path,
    canon: &Path,
    p: &Path,
    ft: Option<std::fs::FileType>,
    skipped: &mut Skipped,
) -> Option<SourceFile> {
    if !p.file_name().and_then(|n| n.to_str()).is_some_and(nix_name) {
        return None;
    }
    source_file_meta(given, canon, p, ft, skipped)
}

/// A Nix file's name: `*.nix`, or a yadm alternate of one (`configuration.nix##hostname.nipsu`,
/// the file yadm links as `configuration.nix` on the host it names).
fn nix_name(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    name.ends_with(".nix")
        || name
            .split_once("##")
            .is_some_and(|(base, _)| base.ends_with(".nix"))
}

fn source_file_meta(
    given: &Path,
    canon: &Path,
    p: &Path,
    ft: Option<std::fs::FileType>,
    skipped: &mut Skipped,
) -> Option<SourceFile> {
    let ft = ft?;
    let file_canon = if ft.is_symlink() {
        // Read a link only when it stays inside this root.
        match p.canonicalize() {
            Ok(t) if t.starts_with(canon) && t.is_file() => t,
            Ok(_) | Err(_) => {
                skipped.push((
                    display(p),
                    "symbolic link to outside the given path, not read".to_string(),
                ));
                return None;
            }
        }
    } else if !ft.is_file() {
        return None;
    } else {
        canon.join(p.strip_prefix(given).ok()?)
    };
    Some(SourceFile {
        path: p.to_path_buf(),
        display: display(p),
        canon: file_canon,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files' paths below `root`.
    fn below(files: &[SourceFile], root: &Path) -> Vec<String> {
        files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn gitignore_is_respected_and_only_nix_files_are_taken() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        std::fs::create_dir_all(root.join("hosts/a")).expect("mkdir");
        std::fs::create_dir_all(root.join("result")).expect("mkdir");
        std::fs::write(root.join(".gitignore"), "result\nsecret.nix\n").expect("write");
        std::fs::write(root.join("flake.nix"), "{}").expect("write");
        std::fs::write(root.join("secret.nix"), "{}").expect("write");
        std::fs::write(root.join("README.md"), "x").expect("write");
        std::fs::write(root.join("hosts/a/configuration.nix"), "{}").expect("write");
        // yadm's alternates of a file (linked as `configuration.nix` on the host named).
        std::fs::write(root.join("configuration.nix##hostname.nipsu"), "{}").expect("write");
        std::fs::write(root.join("notes.txt##hostname.nipsu"), "x").expect("write");
        std::fs::write(root.join("result/x.nix"), "{}").expect("write");
        let names = || {
            let (files, roots, _) = discover(&[root.to_path_buf()]).expect("walk");
            assert_eq!(roots.len(), 1);
            below(&files, root)
        };
        // Outside a git work tree (an exported tree) `.gitignore` ignores nothing.
        assert_eq!(
            names(),
            [
                "configuration.nix##hostname.nipsu",
                "flake.nix",
                "hosts/a/configuration.nix",
                "result/x.nix",
                "secret.nix"
            ]
        );
        std::fs::create_dir(root.join(".git")).expect("mkdir");
        assert_eq!(
            names(),
            [
                "configuration.nix##hostname.nipsu",
                "flake.nix",
                "hosts/a/configuration.nix"
            ]
        );
    }

    #[test]
    fn a_linked_file_is_linted_once_under_its_target() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        std::fs::create_dir_all(root.join("nixos")).expect("mkdir");
        std::fs::write(root.join("nixos/configuration.nix"), "{}").expect("write");
        std::os::unix::fs::symlink("nixos/configuration.nix", root.join("configuration.nix"))
            .expect("symlink");
        let (files, _, skipped) = discover(&[root.to_path_buf()]).expect("walk");
        assert_eq!(below(&files, root), ["nixos/configuration.nix"]);
        assert!(
            skipped
                .iter()
                .any(|(p, why)| p.ends_with("/configuration.nix")
                    && !p.ends_with("nixos/configuration.nix")
                    && why.contains("linted there")),
            "{skipped:?}"
        );
    }

    #[test]
    fn hidden_files_are_read_outside_a_work_tree() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = d.path();
        std::fs::create_dir_all(root.join("srvs/.old")).expect("mkdir");
        std::fs::write(root.join("srvs/.nextcloud.nix"), "{}").expect("write");
        std::fs::write(root.join("srvs/.old/x.nix"), "{}").expect("write");
        std::fs::write(root.join("configuration.nix"), "{}").expect("write");
        // An exported tree (`git archive`, a tarball) holds what was tracked: all of it is read.
        let (files, _, skipped) = discover(&[root.to_path_buf()]).expect("walk");
        assert_eq!(
            below(&files, root),
            [
                "configuration.nix",
                "srvs/.nextcloud.nix",
                "srvs/.old/x.nix"
            ]
        );
        assert!(skipped.is_empty(), "{skipped:?}");
        // In a work tree, an untracked hidden file is skipped, and said so.
        std::fs::create_dir(root.join(".git")).expect("mkdir");
        let (files, _, skipped) = discover(&[root.to_path_buf()]).expect("walk");
        assert_eq!(below(&files, root), ["configuration.nix"]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped.iter().all(|(_, why)| why.starts_with("hidden")),
            "{skipped:?}"
        );
    }

    #[test]
    fn missing_paths_are_an_error() {
        let err = discover(&[PathBuf::from("/nonexistent/nixsec-lint")]).expect_err("missing");
        assert!(
            err.to_string().contains("/nonexistent/nixsec-lint"),
            "{err}"
        );
    }
}
