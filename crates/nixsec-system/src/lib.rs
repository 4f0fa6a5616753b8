//! nixsec-system: a built NixOS system (a toplevel store path: `./result`, a generation of
//! `/nix/var/nix/profiles/system`, `/run/current-system`) read as the host it will be, before
//! it is switched to.
//!
//! [`System::read`] reads what the toplevel holds, through a [`Root`] on the store root: the
//! `etc` tree with its `.mode`/`.uid`/`.gid` sidecars, `kernel-params`, `etc/sysctl.d`, the
//! kernel series from `kernel-modules/lib/modules`, users and groups (`users-groups.json`,
//! `etc/sysusers.d` or userborn's configuration), the setuid/setgid wrappers of the
//! `suid-sgid-wrappers` unit, `boot.json` (bootspec) and the specialisations. [`View`] then
//! lays out, in a private temporary directory, the few files NixOS makes at activation (the
//! `/etc` links and copies, `/etc/passwd`, `/etc/group`, `/etc/shadow`, `/run/current-system`,
//! `/run/wrappers/bin`) and gives a [`Root`] whose `/nix` is the store's: every host rule reads
//! the built system through it as it reads a mounted one. Nothing under the store is written.
//!
//! The layout is that of the NixOS modules that write it (`system/activation/top-level.nix`,
//! `system/etc/`, `security/wrappers/`, `config/users-groups.nix`, `config/sysctl.nix`,
//! `system/activation/bootspec.nix`), NixOS 24.05 to 25.05; a toplevel without `etc` or
//! `nixos-version` is an unknown layout and an error naming what is missing.

pub mod bootspec;
pub mod etc;
pub mod sysctl;
pub mod users;
mod view;
pub mod wrappers;

use std::path::{Path, PathBuf};

use nixsec_core::{Root, RootError};

pub use view::View;

/// The store directory systems are built in.
pub const STORE_DIR: &str = "/nix/store";

/// Most bytes of `kernel-params` read: the kernel itself takes at most a few KiB.
pub const MAX_KERNEL_PARAMS: u64 = 64 * 1024;

/// Most symlinks followed to find a toplevel, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Why a built system could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    /// The path given is not (and does not lead to) a store path of the store root.
    #[error("`{path}` is not a path of the Nix store under `{store_root}`")]
    OutsideStore {
        /// The path given.
        path: String,
        /// The store root.
        store_root: String,
    },
    /// The path given could not be read on this machine.
    #[error("`{path}`: {source}")]
    Io {
        /// The path given.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The toplevel lacks a file every NixOS system has.
    #[error("`{toplevel}` is not a NixOS system of a known layout: no `{missing}` (NixOS 24.05 to 25.05 systems have it)")]
    UnknownLayout {
        /// The toplevel.
        toplevel: String,
        /// What is missing.
        missing: &'static str,
    },
    /// A file of the system could not be read.
    #[error(transparent)]
    Read(#[from] RootError),
    /// A file of the system is not in the form NixOS writes it.
    #[error("`{path}`: {why}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The private directory that stands for the activated system could not be made.
    #[error("cannot lay out the system in a temporary directory: {0}")]
    Temp(std::io::Error),
}

/// Escaped text of a path of this machine, for messages.
fn shown(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    nixsec_core::escape_bytes(p.as_os_str().as_bytes())
}

/// The store path (`/nix/store/NAME`) a path of this machine is, or leads to through symlinks:
/// a link into `/nix/store` names a path of the store under `store_root` (as `./result` of a
/// build into that store does).
///
/// # Errors
/// A path that is not in the store (or a link loop), or that cannot be read.
pub fn locate(store_root: &Path, given: &Path) -> Result<String, SystemError> {
    let store_root = std::fs::canonicalize(store_root).map_err(|source| SystemError::Io {
        path: shown(store_root),
        source,
    })?;
    let outside = || SystemError::OutsideStore {
        path: shown(given),
        store_root: shown(&store_root),
    };
    let host_store = store_root.join("nix/store");
    let mut p = given.to_path_buf();
    for _ in 0..=MAX_LINKS {
        for base in [host_store.as_path(), Path::new(STORE_DIR)] {
            if let Ok(rest) = p.strip_prefix(base) {
                let mut parts = rest.components();
                let Some(std::path::Component::Normal(name)) = parts.next() else {
                    return Err(outside());
                };
                let top = format!("{STORE_DIR}/{}", name.to_string_lossy());
                let rest: PathBuf = parts.collect();
                if rest.as_os_str().is_empty() {
                    return Ok(top);
                }
                // A path inside a store path: follow it inside the store root.
                let root = Root::new(&store_root)?;
                let r = root.resolve(Path::new(&top).join(rest))?;
                return locate(
                    &store_root,
                    &host_store.join(r.inner.strip_prefix(STORE_DIR).map_err(|_| outside())?),
                );
            }
        }
        let md = std::fs::symlink_metadata(&p).map_err(|source| SystemError::Io {
            path: shown(&p),
            source,
        })?;
        if !md.file_type().is_symlink() {
            return Err(outside());
        }
        let target = std::fs::read_link(&p).map_err(|source| SystemError::Io {
            path: shown(&p),
            source,
        })?;
        p = if target.is_absolute() {
            target
        } else {
            p.parent().unwrap_or(Path::new("/")).join(target)
        };
        p = normalize(&p);
    }
    Err(SystemError::Io {
        path: shown(given),
        source: std::io::Error::other("too many levels of symbolic links"),
    })
}

/// `a/./b/../c` → `a/c`, lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// A specialisation of a system: its name and toplevel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specialisation {
    /// The name (`specialisation/<name>`).
    pub name: String,
    /// Its toplevel store path.
    pub toplevel: String,
}

/// A built system: what its toplevel holds, read once.
#[derive(Debug)]
pub struct System {
    /// The directory holding `nix/store` (and `nix/var/nix/db`).
    pub store_root: PathBuf,
    /// The store, read through a root at `store_root`.
    pub store: Root,
    /// The toplevel store path (`/nix/store/...-nixos-system-host-24.11...`).
    pub toplevel: String,
    /// The `etc` tree (`/nix/store/...-etc/etc`).
    pub etc: String,
    /// `nixos-version`.
    pub nixos_version: String,
    /// The kernel parameters (`kernel-params`, split as the kernel does): `Ok(None)` for a
    /// system without its own kernel (a container).
    pub kernel_params: Result<Option<Vec<String>>, String>,
    /// The kernel release from `kernel-modules/lib/modules/<release>`.
    pub kernel_release: Option<String>,
    /// `boot.json`: `Ok(None)` when the system has none (bootspec disabled).
    pub bootspec: Result<Option<bootspec::Bootspec>, String>,
    /// The specialisations (`specialisation/<name>`), by name.
    pub specialisations: Vec<Specialisation>,
    /// Users and groups as the system declares them.
    pub users: Result<users::Users, String>,
    /// The setuid/setgid and capability wrappers of `/run/wrappers/bin`.
    pub wrappers: Result<wrappers::Wrappers, String>,
    /// The sysctl values the system sets (`etc/sysctl.d/*.conf`).
    pub sysctl: Result<sysctl::Sysctl, String>,
}

impl System {
    /// Read the system `toplevel` (a store path, see [`locate`]) of the store under
    /// `store_root`.
    ///
    /// # Errors
    /// The toplevel is not a directory of the store, or lacks `etc` or `nixos-version` (an
    /// unknown layout). Problems with one part (a `kernel-params` too large to be one, a
    /// `boot.json` of another version) are kept in that part, for the rules that read it.
    pub fn read(store_root: &Path, toplevel: &str) -> Result<System, SystemError> {
        let store = Root::new(store_root)?;
        let (top_r, md) = store.metadata(toplevel)?;
        if !md.is_dir() {
            return Err(SystemError::Invalid {
                path: toplevel.to_string(),
                why: "not a directory: a NixOS system is a directory".into(),
            });
        }
        let toplevel = top_r.display();
        let unknown = |missing| SystemError::UnknownLayout {
            toplevel: toplevel.clone(),
            missing,
        };
        let etc = match store.metadata(format!("{toplevel}/etc")) {
            Ok((r, md)) if md.is_dir() => r.display(),
            Ok(_) => return Err(unknown("etc")),
            Err(e) if e.is_not_found() => return Err(unknown("etc")),
            Err(e) => return Err(e.into()),
        };
        let nixos_version = match store.read_limited(format!("{toplevel}/nixos-version"), 4096) {
            Ok((_, b)) => String::from_utf8_lossy(&b).trim().to_string(),
            Err(e) if e.is_not_found() => return Err(unknown("nixos-version")),
            Err(e) => return Err(e.into()),
        };
        let kernel_params =
            match store.read_limited(format!("{toplevel}/kernel-params"), MAX_KERNEL_PARAMS) {
                Ok((_, b)) => match String::from_utf8(b) {
                    Ok(t) => Ok(Some(split_params(&t))),
                    Err(e) => Err(format!(
                        "`{toplevel}/kernel-params`: not text (invalid UTF-8 at byte {})",
                        e.utf8_error().valid_up_to()
                    )),
                },
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e.to_string()),
            };
        let kernel_release = store
            .read_dir(format!("{toplevel}/kernel-modules/lib/modules"))
            .ok()
            .and_then(|(_, names)| names.first().map(|n| n.to_string_lossy().into_owned()));
        let bootspec = bootspec::read(&store, &toplevel);
        let specialisations = read_specialisations(&store, &toplevel)?;
        let users = users::read(&store, &toplevel, &etc).map_err(|e| e.to_string());
        let wrappers = wrappers::read(&store, &toplevel, &etc).map_err(|e| e.to_string());
        let sysctl = sysctl::read(&store, &etc).map_err(|e| e.to_string());
        Ok(System {
            store_root: store.dir().to_path_buf(),
            store,
            toplevel,
            etc,
            nixos_version,
            kernel_params,
            kernel_release,
            bootspec,
            specialisations,
            users,
            wrappers,
            sysctl,
        })
    }

    /// The kernel command line the boot loader passes: `init=<toplevel>/init` and
    /// `kernel-params`, as NixOS's boot loader entries write it.
    ///
    /// # Errors
    /// `kernel-params` could not be read.
    pub fn cmdline(&self) -> Result<Option<Vec<String>>, String> {
        Ok(self.kernel_params.clone()?.map(|params| {
            let mut v = vec![format!("init={}/init", self.toplevel)];
            v.extend(params);
            v
        }))
    }

    /// `kernel-params` as the audited system shows it.
    #[must_use]
    pub fn kernel_params_path(&self) -> String {
        "/run/current-system/kernel-params".to_string()
    }
}

/// Split `kernel-params` as the kernel splits its command line (whitespace; double quotes
/// group).
#[must_use]
pub fn split_params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn read_specialisations(store: &Root, toplevel: &str) -> Result<Vec<Specialisation>, SystemError> {
    let dir = format!("{toplevel}/specialisation");
    let names = match store.read_dir(&dir) {
        Ok((_, n)) => n,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for n in names {
        let name = n.to_string_lossy().into_owned();
        let r = store.resolve(format!("{dir}/{name}"))?;
        out.push(Specialisation {
            name,
            toplevel: r.display(),
        });
    }
    Ok(out)
}

/// The first line of a store file named `name` inside a text: the store path ending in
/// `suffix` (`-users-groups.json`), as scripts name them.
#[must_use]
pub fn store_path_ending(text: &str, suffix: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '=' | ';' | '(' | ')'))
        .find(|w| w.starts_with("/nix/store/") && w.ends_with(suffix))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_split_like_the_kernel() {
        assert_eq!(
            split_params("loglevel=4  \"quiet splash\" mitigations=off\n"),
            ["loglevel=4", "quiet splash", "mitigations=off"]
        );
        assert!(split_params("").is_empty());
    }

    #[test]
    fn locate_follows_links_into_the_store() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        std::fs::create_dir_all(d.join("nix/store/aaaa-nixos-system-x")).expect("mkdir");
        std::os::unix::fs::symlink("/nix/store/aaaa-nixos-system-x", d.join("result")).expect("ln");
        std::os::unix::fs::symlink("result", d.join("again")).expect("ln");
        assert_eq!(
            locate(d, &d.join("again")).expect("found"),
            "/nix/store/aaaa-nixos-system-x"
        );
        assert_eq!(
            locate(d, &d.join("nix/store/aaaa-nixos-system-x")).expect("found"),
            "/nix/store/aaaa-nixos-system-x"
        );
        std::fs::create_dir_all(d.join("elsewhere")).expect("mkdir");
        let e = locate(d, &d.join("elsewhere")).expect_err("outside");
        assert!(matches!(e, SystemError::OutsideStore { .. }), "{e}");
        std::os::unix::fs::symlink("loop", d.join("loop")).expect("ln");
        let e = locate(d, &d.join("loop")).expect_err("loop");
        assert!(e.to_string().contains("symbolic links"), "{e}");
    }
}
