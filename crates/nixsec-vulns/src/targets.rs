//! What `nixsec vulns` scans: store paths and links to them (`./result`), profiles, the current
//! system and the garbage-collector roots, resolved to the store paths they name.
//!
//! Links are followed with [`Root`]'s resolution (absolute links restart at the root, `..` stops
//! there, loops are errors) until a path lies in `/nix/store`: that store path is the answer.
//! The store itself is not looked at here, so it may live under another directory than the
//! links (`--store-root`).

use std::path::{Component, Path, PathBuf};

use nixsec_core::root::MAX_SYMLINKS;
use nixsec_core::{Root, RootError};

use crate::profile::{self, ManifestError};

/// What to scan, as the user named it.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Store paths, `.drv` paths or links to them: inside the root when they exist there
    /// (an absolute path with `--root`), else on this machine.
    pub paths: Vec<String>,
    /// `/run/current-system` of the root.
    pub system: bool,
    /// Profiles: a `nix profile` manifest's store paths, or the profile's store path.
    pub profiles: Vec<PathBuf>,
    /// Everything the root's `/nix/var/nix/gcroots` links to.
    pub gc_roots: bool,
}

impl Targets {
    /// True when nothing is named.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.profiles.is_empty() && !self.system && !self.gc_roots
    }
}

/// A target that names no store path.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A path given that is not in the store and links nowhere into it.
    #[error("`{0}`: not a store path or a symlink to one")]
    NotStorePath(String),
    /// `--system` on a root without `/run/current-system`.
    #[error("`{0}`: no current system (not a NixOS root?)")]
    NoSystem(String),
    /// `--profile` that links nowhere into the store.
    #[error("`{0}`: not a profile (no link into the store)")]
    NotProfile(String),
    /// A profile's manifest that cannot be used.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The root or store root is not a directory.
    #[error(transparent)]
    Root(#[from] RootError),
}

/// `/nix/store/<name>` when `p` lies in the store (lexically).
fn in_store(p: &Path) -> Option<String> {
    let mut c = p.components();
    let store = [
        Component::RootDir,
        Component::Normal("nix".as_ref()),
        Component::Normal("store".as_ref()),
    ];
    if !store.iter().all(|s| c.next() == Some(*s)) {
        return None;
    }
    match c.next() {
        Some(Component::Normal(name)) => Some(format!("/nix/store/{}", name.to_string_lossy())),
        _ => None,
    }
}

/// The store path `path` (inside `root`) is in or links to: its links are followed inside the
/// root until one points into `/nix/store`. `None` when the chain breaks, loops or ends outside
/// the store.
#[must_use]
pub fn store_path(root: &Root, path: &Path) -> Option<String> {
    let mut cur = path.to_path_buf();
    for _ in 0..=MAX_SYMLINKS {
        if let Some(sp) = in_store(&cur) {
            return Some(sp);
        }
        // Every link before the last component is followed inside the root; the last one is
        // read here, so that the walk stops where it enters the store.
        let r = root.resolve_nofollow(&cur).ok()?;
        if let Some(sp) = in_store(&r.inner) {
            return Some(sp);
        }
        let target = std::fs::read_link(&r.host).ok()?;
        cur = r.inner.parent().unwrap_or(Path::new("/")).join(target);
    }
    None
}

/// The store path of the root's current system (`/run/current-system`), if it has one.
#[must_use]
pub fn current_system(root: &Root) -> Option<String> {
    store_path(root, Path::new("/run/current-system"))
}

/// `p` made absolute against the working directory.
fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Every store path `t` names, sorted and without duplicates: links are read inside the
/// system at `root` (`/` for this machine) and profile manifests in the store under
/// `store_root`.
///
/// # Errors
/// A target that names no store path, an unusable manifest, a root that is not a directory.
pub fn resolve(root: &Path, store_root: &Path, t: &Targets) -> Result<Vec<String>, TargetError> {
    let host = Root::host();
    let live = root == Path::new("/");
    // Opened when first needed: targets in the store need no root.
    let mut sys: Option<Root> = None;
    let mut sys_root = || -> Result<Root, RootError> {
        if let Some(r) = &sys {
            return Ok(r.clone());
        }
        let r = if live { Root::host() } else { Root::new(root)? };
        sys = Some(r.clone());
        Ok(r)
    };
    let mut out = Vec::new();
    for target in &t.paths {
        let p = Path::new(target);
        let sp = if let Some(sp) = in_store(p) {
            Some(sp)
        } else if !live && p.is_absolute() && sys_root()?.symlink_metadata(p).is_ok() {
            store_path(&sys_root()?, p)
        } else {
            store_path(&host, &absolute(p))
        };
        out.push(sp.ok_or_else(|| TargetError::NotStorePath(target.clone()))?);
    }
    if t.system {
        let sp = current_system(&sys_root()?).ok_or_else(|| {
            TargetError::NoSystem(root.join("run/current-system").display().to_string())
        })?;
        out.push(sp);
    }
    if !t.profiles.is_empty() {
        let store = Root::new(store_root)?;
        for prof in &t.profiles {
            let sp = if !live && prof.is_absolute() {
                store_path(&sys_root()?, prof)
            } else {
                store_path(&host, &absolute(prof))
            }
            .ok_or_else(|| TargetError::NotProfile(prof.display().to_string()))?;
            match profile::manifest_paths(&store, &sp) {
                Some(paths) => out.extend(paths?),
                None => out.push(sp),
            }
        }
    }
    if t.gc_roots {
        out.extend(gc_roots(&sys_root()?));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The store paths the root's garbage-collector roots link to, through links to directories
/// of roots (`gcroots/profiles`) and plain directories (`gcroots/auto`), four levels deep.
#[must_use]
pub fn gc_roots(root: &Root) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(PathBuf::from("/nix/var/nix/gcroots"), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok((_, names)) = root.read_dir(&dir) else {
            continue;
        };
        for name in names {
            let p = dir.join(name);
            match store_path(root, &p) {
                Some(sp) => out.push(sp),
                None if depth < 4 => {
                    if let Ok((r, md)) = root.metadata(&p) {
                        if md.is_dir() {
                            stack.push((r.inner, depth + 1));
                        }
                    }
                }
                None => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const GIT: &str = "/nix/store/0000000000000000000000000000000a-git-2.35.1";
    const TOP: &str = "/nix/store/0000000000000000000000000000000b-top";

    /// A root with links into a store that lives elsewhere (only the links are here).
    fn root() -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        for dir in [
            "run",
            "home/u",
            "nix/var/nix/gcroots/auto",
            "nix/var/nix/profiles",
        ] {
            std::fs::create_dir_all(d.join(dir)).expect("mkdir");
        }
        symlink(TOP, d.join("run/current-system")).expect("link");
        symlink(GIT, d.join("home/u/result")).expect("link");
        symlink("/home/u/result", d.join("nix/var/nix/gcroots/auto/abc")).expect("link");
        symlink(
            "/nix/var/nix/profiles",
            d.join("nix/var/nix/gcroots/profiles"),
        )
        .expect("link");
        symlink("profile-1-link", d.join("nix/var/nix/profiles/profile")).expect("link");
        symlink(
            format!("{TOP}/sw"),
            d.join("nix/var/nix/profiles/profile-1-link"),
        )
        .expect("link");
        symlink("../../loop", d.join("loop")).expect("link");
        symlink("/etc/hostname", d.join("home/u/elsewhere")).expect("link");
        t
    }

    #[test]
    fn links_are_followed_inside_the_root_up_to_the_store() {
        let t = root();
        let r = Root::new(t.path()).expect("root");
        assert_eq!(current_system(&r).as_deref(), Some(TOP));
        assert_eq!(
            store_path(&r, Path::new("/nix/var/nix/profiles/profile")).as_deref(),
            Some(TOP)
        );
        // `..` stops at the root; a relative link resolves against its directory.
        assert_eq!(
            store_path(&r, Path::new("/home/u/../../../home/u/result")).as_deref(),
            Some(GIT)
        );
        assert_eq!(
            store_path(&r, Path::new(&format!("{GIT}/bin/git"))).as_deref(),
            Some(GIT)
        );
        assert_eq!(store_path(&r, Path::new("/loop")), None);
        assert_eq!(store_path(&r, Path::new("/home/u/elsewhere")), None);
        assert_eq!(store_path(&r, Path::new("/missing")), None);
    }

    #[test]
    fn gc_roots_follow_directories_of_roots() {
        let t = root();
        let r = Root::new(t.path()).expect("root");
        let mut got = gc_roots(&r);
        got.sort();
        // `profiles` and `profile-1-link` both lead to the top level.
        assert_eq!(got, [GIT, TOP, TOP]);
    }

    #[test]
    fn resolve_every_kind_of_target() {
        let t = root();
        let none = Path::new("/nonexistent-store-root");
        let all = Targets {
            paths: vec![format!("{GIT}/bin/git"), "/home/u/result".into()],
            system: true,
            gc_roots: true,
            profiles: Vec::new(),
        };
        assert_eq!(
            resolve(t.path(), none, &all).expect("resolved"),
            [GIT.to_string(), TOP.to_string()]
        );
        let err =
            |t: &Targets, root: &Path| resolve(root, none, t).expect_err("an error").to_string();
        let missing = Targets {
            paths: vec!["/home/u/nothing".into()],
            ..Targets::default()
        };
        assert_eq!(
            err(&missing, t.path()),
            "`/home/u/nothing`: not a store path or a symlink to one"
        );
        let empty = tempfile::tempdir().expect("tempdir");
        let system = Targets {
            system: true,
            ..Targets::default()
        };
        assert_eq!(
            err(&system, empty.path()),
            format!(
                "`{}`: no current system (not a NixOS root?)",
                empty.path().join("run/current-system").display()
            )
        );
        // Store paths need no root at all.
        let store_only = Targets {
            paths: vec![GIT.into()],
            ..Targets::default()
        };
        assert_eq!(
            resolve(Path::new("/nonexistent-root"), none, &store_only).expect("resolved"),
            [GIT]
        );
        assert!(Targets::default().is_empty() && !store_only.is_empty());
    }

    #[test]
    fn a_profile_with_a_manifest_names_its_elements() {
        let t = root();
        let store = tempfile::tempdir().expect("tempdir");
        let prof = "/nix/store/0000000000000000000000000000000c-profile";
        std::fs::create_dir_all(store.path().join(&prof[1..])).expect("mkdir");
        std::fs::write(
            store.path().join(&prof[1..]).join("manifest.json"),
            format!(r#"{{"version": 2, "elements": [{{"storePaths": ["{GIT}"]}}]}}"#),
        )
        .expect("write");
        symlink(prof, t.path().join("home/u/profile")).expect("link");
        let targets = Targets {
            profiles: vec![
                "/home/u/profile".into(),
                "/nix/var/nix/profiles/profile".into(),
            ],
            ..Targets::default()
        };
        assert_eq!(
            resolve(t.path(), store.path(), &targets).expect("resolved"),
            [GIT, TOP]
        );
        let bad = Targets {
            profiles: vec!["/home/u/elsewhere".into()],
            ..Targets::default()
        };
        assert_eq!(
            resolve(t.path(), store.path(), &bad)
                .expect_err("not a profile")
                .to_string(),
            "`/home/u/elsewhere`: not a profile (no link into the store)"
        );
    }
}
