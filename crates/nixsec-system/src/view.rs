//! The built system as a [`Root`]: a private temporary directory holding what activation makes
//! (the `/etc` links and copies, the account databases, `/etc/NIXOS`, `/run/current-system`,
//! the wrappers of `/run/wrappers/bin`), with the store root's `/nix` seen inside it. Copied
//! files and wrappers carry the mode and owners the system gives them ([`Root::perm`]).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nixsec_core::{Perm, Root};

use crate::etc::{self, Entry};
use crate::{System, SystemError};

/// A built system laid out as the root it will be; the directory is removed when dropped.
pub struct View {
    root: Root,
    system: Arc<System>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("toplevel", &self.system.toplevel)
            .finish_non_exhaustive()
    }
}

fn io(e: std::io::Error) -> SystemError {
    SystemError::Temp(e)
}

fn mkparent(p: &Path) -> Result<(), SystemError> {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).map_err(io)?;
    }
    Ok(())
}

/// `+N`, or a name looked up in `names`; an unknown name is 0, as Perl's `getpwnam` gives
/// `setup-etc.pl`.
fn id_of(s: &str, names: &HashMap<String, u32>) -> u32 {
    match s.strip_prefix('+') {
        Some(n) => n.parse().unwrap_or(0),
        None => s
            .parse()
            .ok()
            .or_else(|| names.get(s).copied())
            .unwrap_or(0),
    }
}

impl View {
    /// Lay out `system`.
    ///
    /// # Errors
    /// The etc tree cannot be read, or the temporary directory cannot be written.
    pub fn new(system: Arc<System>) -> Result<View, SystemError> {
        let dir = tempfile::Builder::new()
            .prefix("nixsec-system-")
            .tempdir()
            .map_err(io)?;
        let base = dir.path();
        let mut owners: HashMap<PathBuf, Perm> = HashMap::new();
        let (uids, gids) = match &system.users {
            Ok(u) => u.ids(),
            Err(_) => (HashMap::new(), HashMap::new()),
        };
        for d in ["etc", "run/wrappers/bin", "nix"] {
            std::fs::create_dir_all(base.join(d)).map_err(io)?;
        }
        let plan = etc::plan(&system.store, &system.etc).map_err(|e| SystemError::Invalid {
            path: system.etc.clone(),
            why: e.to_string(),
        })?;
        let mut made = std::collections::BTreeSet::new();
        for e in &plan {
            let rel = etc::rel_of(e);
            let host = base.join("etc").join(rel);
            mkparent(&host)?;
            match e {
                Entry::Link { target, .. } => {
                    std::os::unix::fs::symlink(target, &host).map_err(io)?;
                }
                Entry::Copy {
                    mode, user, group, ..
                } => {
                    // `copy "$static/$fn"`: the tree's file, through its link.
                    let src = format!("{}/{rel}", system.etc);
                    match system.store.read(&src) {
                        Ok((_, bytes)) => {
                            std::fs::write(&host, bytes).map_err(io)?;
                            std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o644))
                                .map_err(io)?;
                            owners.insert(
                                host.clone(),
                                Perm {
                                    mode: *mode,
                                    uid: id_of(user, &uids),
                                    gid: id_of(group, &gids),
                                },
                            );
                        }
                        // A directory or a missing file: `copy` fails and activation warns.
                        Err(_) => continue,
                    }
                }
            }
            made.insert(rel.to_string());
        }
        std::os::unix::fs::symlink(&system.etc, base.join("etc/static")).map_err(io)?;
        std::fs::write(base.join("etc/NIXOS"), "").map_err(io)?;
        if let Ok(users) = &system.users {
            let shadow_gid = gids.get("shadow").copied().unwrap_or(0);
            for (name, text, perm) in [
                ("passwd", users.passwd(), (0o644, 0)),
                ("group", users.group(), (0o644, 0)),
                ("shadow", users.shadow(), (0o640, shadow_gid)),
            ] {
                if made.contains(name) {
                    continue;
                }
                let host = base.join("etc").join(name);
                std::fs::write(&host, text).map_err(io)?;
                owners.insert(
                    host,
                    Perm {
                        mode: perm.0,
                        uid: 0,
                        gid: perm.1,
                    },
                );
            }
        }
        std::os::unix::fs::symlink(&system.toplevel, base.join("run/current-system"))
            .map_err(io)?;
        if let Ok(w) = &system.wrappers {
            for w in &w.wrappers {
                let host = base.join("run/wrappers/bin").join(&w.name);
                std::fs::write(&host, format!("{}/bin/security-wrapper\n", w.wrapper))
                    .map_err(io)?;
                owners.insert(
                    host,
                    Perm {
                        mode: w.mode,
                        uid: id_of(&w.owner, &uids),
                        gid: id_of(&w.group, &gids),
                    },
                );
            }
        }
        let root = Root::new(base)?
            .with_mount("/nix", system.store_root.join("nix"))
            .with_owners(owners);
        Ok(View {
            root,
            system,
            _dir: dir,
        })
    }

    /// The built system as a root.
    #[must_use]
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// What the toplevel holds.
    #[must_use]
    pub fn system(&self) -> &Arc<System> {
        &self.system
    }
}
