//! `/etc` as activation lays it out from a system's etc tree (`system/etc/setup-etc.pl`, and
//! the same rules for the `system.etc.overlay` image): every link of the tree becomes a link
//! `/etc/<path>` → `/etc/static/<path>`; an entry with a `<path>.mode` sidecar is copied with
//! that mode and the owner and group of `<path>.uid`/`<path>.gid` (`+N` is a number, anything
//! else a name), or linked straight to its target when the mode is `direct-symlink`.

use nixsec_core::{Root, RootError};

/// Most entries of an etc tree walked (a runaway tree is an error, not a hang).
pub const MAX_ENTRIES: usize = 200_000;

/// One thing activation makes under `/etc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// `/etc/<rel>` is a symlink to `target`.
    Link {
        /// Path under `/etc`.
        rel: String,
        /// The link's target.
        target: String,
    },
    /// `/etc/<rel>` is a copy of the tree's file with this mode and owners.
    Copy {
        /// Path under `/etc`.
        rel: String,
        /// Mode (`.mode`, octal).
        mode: u32,
        /// Owner (`.uid`: `+N` or a name).
        user: String,
        /// Group (`.gid`).
        group: String,
    },
}

/// Why the etc tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EtcError {
    /// A directory or sidecar could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A `.mode` sidecar that is not an octal mode or `direct-symlink`.
    #[error("`{path}`: `{mode}` is not a file mode (octal, or `direct-symlink`)")]
    Mode {
        /// The sidecar.
        path: String,
        /// Its text.
        mode: String,
    },
    /// More entries than [`MAX_ENTRIES`].
    #[error("`{etc}`: more than {MAX_ENTRIES} entries: not an etc tree NixOS builds")]
    TooMany {
        /// The tree.
        etc: String,
    },
}

fn sidecar(store: &Root, path: &str) -> Result<Option<String>, RootError> {
    match store.read_limited(path, 4096) {
        Ok((_, b)) => Ok(Some(String::from_utf8_lossy(&b).trim().to_string())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// What activation makes under `/etc` from the tree at `etc` (a store path).
///
/// # Errors
/// An unreadable directory or sidecar, a bad mode, a runaway tree.
pub fn plan(store: &Root, etc: &str) -> Result<Vec<Entry>, EtcError> {
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    let mut walked = 0usize;
    while let Some(rel_dir) = stack.pop() {
        let dir = if rel_dir.is_empty() {
            etc.to_string()
        } else {
            format!("{etc}/{rel_dir}")
        };
        let (dir_r, entries) = store.read_dir_typed(&dir)?;
        let names: std::collections::BTreeSet<String> = entries
            .iter()
            .map(|(n, _)| n.to_string_lossy().into_owned())
            .collect();
        for (name, ft) in &entries {
            walked += 1;
            if walked > MAX_ENTRIES {
                return Err(EtcError::TooMany {
                    etc: etc.to_string(),
                });
            }
            let name = name.to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            let is_link = ft.is_some_and(|t| t.is_symlink());
            let is_dir = ft.is_some_and(|t| t.is_dir());
            if names.contains(&format!("{name}.mode")) {
                let mode_path = format!("{etc}/{rel}.mode");
                let mode = sidecar(store, &mode_path)?.unwrap_or_default();
                if mode == "direct-symlink" {
                    let target = std::fs::read_link(dir_r.child(std::ffi::OsStr::new(&name)).host)
                        .map_err(|source| RootError::Io {
                            path: format!("{etc}/{rel}"),
                            source,
                        })?;
                    out.push(Entry::Link {
                        rel,
                        target: target.to_string_lossy().into_owned(),
                    });
                } else {
                    let m = u32::from_str_radix(&mode, 8)
                        .ok()
                        .filter(|m| *m <= 0o7777)
                        .ok_or(EtcError::Mode {
                            path: mode_path,
                            mode: mode.clone(),
                        })?;
                    let user =
                        sidecar(store, &format!("{etc}/{rel}.uid"))?.unwrap_or_else(|| "+0".into());
                    let group =
                        sidecar(store, &format!("{etc}/{rel}.gid"))?.unwrap_or_else(|| "+0".into());
                    out.push(Entry::Copy {
                        rel,
                        mode: m,
                        user,
                        group,
                    });
                }
            } else if is_link {
                out.push(Entry::Link {
                    target: format!("/etc/static/{rel}"),
                    rel,
                });
            } else if is_dir {
                stack.push(rel);
            }
        }
    }
    out.sort_by(|a, b| rel_of(a).cmp(rel_of(b)));
    Ok(out)
}

/// The path under `/etc` of an entry.
#[must_use]
pub fn rel_of(e: &Entry) -> &str {
    match e {
        Entry::Link { rel, .. } | Entry::Copy { rel, .. } => rel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixsec_testutil::RootBuilder;

    #[test]
    fn links_copies_and_direct_links() {
        let b = RootBuilder::new()
            .file("/nix/store/f-sudoers", "root ALL=(ALL:ALL) SETENV: ALL\n")
            .file("/nix/store/g-nix.conf", "sandbox = true\n")
            .symlink("/nix/store/e-etc/etc/sudoers", "/nix/store/f-sudoers")
            .file("/nix/store/e-etc/etc/sudoers.mode", "0440\n")
            .file("/nix/store/e-etc/etc/sudoers.uid", "+0\n")
            .file("/nix/store/e-etc/etc/sudoers.gid", "+0\n")
            .symlink("/nix/store/e-etc/etc/nix/nix.conf", "/nix/store/g-nix.conf")
            .symlink("/nix/store/e-etc/etc/localtime", "/etc/zoneinfo/UTC")
            .file("/nix/store/e-etc/etc/localtime.mode", "direct-symlink\n");
        let p = plan(&b.root(), "/nix/store/e-etc/etc").expect("plan");
        assert_eq!(
            p,
            [
                Entry::Link {
                    rel: "localtime".into(),
                    target: "/etc/zoneinfo/UTC".into()
                },
                Entry::Link {
                    rel: "nix/nix.conf".into(),
                    target: "/etc/static/nix/nix.conf".into()
                },
                Entry::Copy {
                    rel: "sudoers".into(),
                    mode: 0o440,
                    user: "+0".into(),
                    group: "+0".into()
                },
            ]
        );
        let b = b.file("/nix/store/e-etc/etc/sudoers.mode", "rw-r--r--\n");
        let e = plan(&b.root(), "/nix/store/e-etc/etc").expect_err("bad mode");
        assert!(e.to_string().contains("is not a file mode"), "{e}");
    }
}
