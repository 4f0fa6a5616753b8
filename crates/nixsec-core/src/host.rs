//! `HostCx`: what a host rule gets: the root, facts about the host, and a shared cache so that
//! files several rules read (nix.conf, /etc/passwd) are parsed once per audit.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::root::Root;

/// Facts about the audited system that many rules ask for.
#[derive(Debug, Clone, Default)]
pub struct HostInfo {
    /// `/etc/NIXOS` exists or `/etc/os-release` says `ID=nixos`.
    pub is_nixos: bool,
    /// `PRETTY_NAME` (or `NAME`) from `/etc/os-release`, if readable.
    pub os_name: Option<String>,
}

impl HostInfo {
    /// Read the facts from the root; unreadable files leave the defaults.
    #[must_use]
    pub fn detect(root: &Root) -> Self {
        let mut info = HostInfo::default();
        let os_release = root
            .read_to_string("/etc/os-release")
            .or_else(|_| root.read_to_string("/usr/lib/os-release"))
            .map(|(_, s)| s)
            .unwrap_or_default();
        let mut id = None;
        let mut pretty = None;
        let mut name = None;
        for line in os_release.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => id = Some(v),
                "PRETTY_NAME" => pretty = Some(v),
                "NAME" => name = Some(v),
                _ => {}
            }
        }
        info.is_nixos = root.exists("/etc/NIXOS") || id.as_deref() == Some("nixos");
        info.os_name = pretty.or(name);
        info
    }
}

/// Choices the user makes for an audit that some rules honour.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Hash the contents of every store path (NIX-026); without it, store rules check
    /// metadata, references and signatures only.
    pub store_contents: bool,
    /// `nft -j list ruleset` output saved on this machine (`--nft-json FILE`): the live
    /// nftables ruleset for the firewall rules.
    pub nft_json: Option<std::path::PathBuf>,
    /// The host's role, where the catalogue's verdict differs by role (`--profile`). `None`:
    /// not declared; rules then use [`Profile::Server`] except where the catalogue changes a
    /// verdict only "if declared" (NIX-040).
    pub profile: Option<Profile>,
    /// vulnix whitelists (TOML, on this machine) NIX-150 honours (`--whitelist`, and
    /// `vulns-whitelist` of nixsec.toml).
    pub vulns_whitelists: Vec<std::path::PathBuf>,
}

/// The role of the audited host (`nixsec audit --profile`). The rule catalogue is stricter on
/// servers (nix-ld, SSH forwarding, USB storage); the default is `server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A server: no desktop conveniences expected.
    #[default]
    Server,
    /// A desktop or laptop used by people at the console.
    Desktop,
}

impl Profile {
    /// `server` or `desktop`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Server => "server",
            Profile::Desktop => "desktop",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" => Ok(Profile::Server),
            "desktop" => Ok(Profile::Desktop),
            _ => Err(format!(
                "unknown profile `{s}` (expected server or desktop)"
            )),
        }
    }
}

impl AuditOptions {
    /// The declared profile, or [`Profile::Server`].
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or_default()
    }
}

type Slot = Arc<dyn Any + Send + Sync>;

/// The context a host rule runs in.
pub struct HostCx {
    root: Root,
    info: HostInfo,
    options: AuditOptions,
    cache: Mutex<HashMap<TypeId, Slot>>,
}

impl HostCx {
    /// A context for `root`, detecting [`HostInfo`].
    #[must_use]
    pub fn new(root: Root) -> Self {
        let info = HostInfo::detect(&root);
        HostCx {
            root,
            info,
            options: AuditOptions::default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Set the audit options.
    #[must_use]
    pub fn with_options(mut self, options: AuditOptions) -> Self {
        self.options = options;
        self
    }

    /// The audit options.
    #[must_use]
    pub fn options(&self) -> &AuditOptions {
        &self.options
    }

    /// A context with given facts (tests).
    #[must_use]
    pub fn with_info(root: Root, info: HostInfo) -> Self {
        HostCx {
            root,
            info,
            options: AuditOptions::default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The audited system's files.
    #[must_use]
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Facts about the audited system.
    #[must_use]
    pub fn info(&self) -> &HostInfo {
        &self.info
    }

    /// The value of type `T` for this audit, computed once by `init` and shared by every rule.
    ///
    /// Rules run in parallel; the map lock is held only to find the slot, so `init` may itself
    /// ask for other cached values.
    pub fn cached<T, F>(&self, init: F) -> Arc<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce(&HostCx) -> T,
    {
        let slot = {
            let mut map = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(
                map.entry(TypeId::of::<T>())
                    .or_insert_with(|| Arc::new(OnceLock::<Arc<T>>::new()) as Slot),
            )
        };
        match slot.downcast_ref::<OnceLock<Arc<T>>>() {
            Some(cell) => Arc::clone(cell.get_or_init(|| Arc::new(init(self)))),
            // Unreachable: the slot for `TypeId::of::<T>()` always holds a `OnceLock<Arc<T>>`.
            None => Arc::new(init(self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn cache_computes_once() {
        let t = tempfile::tempdir().expect("tempdir");
        let cx = HostCx::new(Root::new(t.path()).expect("root"));
        let calls = AtomicUsize::new(0);
        let a = cx.cached(|_| {
            calls.fetch_add(1, Ordering::SeqCst);
            41u32 + 1
        });
        let b = cx.cached::<u32, _>(|_| unreachable!());
        assert_eq!((*a, *b), (42, 42));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn nixos_detection() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(t.path().join("etc")).expect("mkdir");
        std::fs::write(
            t.path().join("etc/os-release"),
            "NAME=NixOS\nID=nixos\nPRETTY_NAME=\"NixOS 25.05 (Warbler)\"\n",
        )
        .expect("write");
        let info = HostInfo::detect(&Root::new(t.path()).expect("root"));
        assert!(info.is_nixos);
        assert_eq!(info.os_name.as_deref(), Some("NixOS 25.05 (Warbler)"));
    }
}
