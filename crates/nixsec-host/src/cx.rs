//! `HostCx`: what a host checker gets: the root, facts about the host, the user's options, and
//! the host facts several checkers share (nix.conf, accounts, sshd_config, mounts, …), each read
//! at most once per audit into one typed, lazily-filled field of [`Facts`].
//!
//! The facts are read by `nixsec-readers` (or the area crate that owns the format) and kept
//! with their typed errors; the glue modules of this crate (`crate::sshd`, `crate::blockdev`,
//! …) turn those errors into outcomes.

use std::sync::{Arc, OnceLock};

use nixsec_core::{AuditOptions, HostInfo, Root};
use nixsec_isolation::{flatpak, lxc, nspawn};
use nixsec_nixconf::SystemConf;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::blockdev::{Mounts, MountsError};
use nixsec_readers::environment::EnvFiles;
use nixsec_readers::sshd::{SshdConfig, SshdError};
use nixsec_readers::sudoers::Policies;

use crate::firewall::Firewall;
use crate::isolation::Docker;
use crate::scan::SystemScan;
use crate::store::StoreCheck;

/// The host facts shared by checkers: one field per fact, filled on first use.
#[derive(Default)]
pub struct Facts {
    pub(crate) accounts: OnceLock<Arc<Accounts>>,
    pub(crate) mounts: OnceLock<Arc<Result<Option<Mounts>, MountsError>>>,
    pub(crate) env_files: OnceLock<Arc<EnvFiles>>,
    pub(crate) firewall: OnceLock<Arc<Firewall>>,
    pub(crate) flatpak: OnceLock<Arc<flatpak::Scan>>,
    pub(crate) nspawn: OnceLock<Arc<nspawn::Scan>>,
    pub(crate) lxc: OnceLock<Arc<lxc::Scan>>,
    pub(crate) docker: OnceLock<Arc<Docker>>,
    pub(crate) nix_conf: OnceLock<Arc<SystemConf>>,
    pub(crate) system_scan: OnceLock<Arc<SystemScan>>,
    pub(crate) sshd: OnceLock<Arc<Result<Option<SshdConfig>, SshdError>>>,
    pub(crate) store_check: OnceLock<Arc<StoreCheck>>,
    pub(crate) sudoers: OnceLock<Arc<Policies>>,
}

/// A host fact of one type that checkers share, read at most once per audit:
/// `Accounts::of(cx)`, `EnvFiles::of(cx)`, `Policies::of(cx)`.
pub trait Fact: Sized {
    /// This audit's value, read on first use.
    fn of(cx: &HostCx) -> Arc<Self>;
}

impl Fact for Accounts {
    fn of(cx: &HostCx) -> Arc<Accounts> {
        cx.fact(
            |f| &f.accounts,
            |cx| match cx.built_system().map(|s| &s.users) {
                // A built system whose users could not be read has no account databases: say
                // why, not that `/etc/passwd` is missing.
                Some(Err(why)) => {
                    let err = |path: &str| nixsec_core::RootError::Io {
                        path: path.to_string(),
                        source: std::io::Error::other(format!(
                            "not made: the built system's users could not be read: {why}"
                        )),
                    };
                    Accounts {
                        users: Err(err("/etc/passwd")),
                        groups: Err(err("/etc/group")),
                        shadow: Err(err("/etc/shadow").into()),
                    }
                }
                _ => Accounts::read(cx.root()),
            },
        )
    }
}

impl Fact for EnvFiles {
    fn of(cx: &HostCx) -> Arc<EnvFiles> {
        cx.fact(|f| &f.env_files, |cx| EnvFiles::read(cx.root()))
    }
}

impl Fact for Policies {
    fn of(cx: &HostCx) -> Arc<Policies> {
        cx.fact(|f| &f.sudoers, |cx| Policies::read(cx.root()))
    }
}

/// The context a host checker runs in.
pub struct HostCx {
    root: Root,
    info: HostInfo,
    options: AuditOptions,
    facts: Facts,
    built: Option<Arc<nixsec_system::System>>,
}

impl HostCx {
    /// A context for `root`, detecting [`HostInfo`].
    #[must_use]
    pub fn new(root: Root) -> Self {
        let info = HostInfo::detect(&root);
        HostCx::with_info(root, info)
    }

    /// A context with given facts (tests).
    #[must_use]
    pub fn with_info(root: Root, info: HostInfo) -> Self {
        HostCx {
            root,
            info,
            options: AuditOptions::default(),
            facts: Facts::default(),
            built: None,
        }
    }

    /// A context for a built system (`nixsec audit --system`): the root is its [`View`], and
    /// rules that need a running system skip ([`crate::system`]).
    ///
    /// [`View`]: nixsec_system::View
    #[must_use]
    pub fn built(view: &nixsec_system::View) -> Self {
        let mut cx = HostCx::new(view.root().clone());
        cx.built = Some(Arc::clone(view.system()));
        cx
    }

    /// The built system audited, when this is not a running (or mounted) one.
    #[must_use]
    pub fn built_system(&self) -> Option<&Arc<nixsec_system::System>> {
        self.built.as_ref()
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

    /// The fact in `field`, read by `init` the first time any checker asks. Checkers run in
    /// parallel; `init` may ask for other facts (never for its own).
    pub(crate) fn fact<T>(
        &self,
        field: impl FnOnce(&Facts) -> &OnceLock<Arc<T>>,
        init: impl FnOnce(&HostCx) -> T,
    ) -> Arc<T> {
        Arc::clone(field(&self.facts).get_or_init(|| Arc::new(init(self))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_fact_is_read_once() {
        let t = tempfile::tempdir().expect("tempdir");
        let cx = HostCx::new(Root::new(t.path()).expect("root"));
        let calls = AtomicUsize::new(0);
        let read = || {
            cx.fact(
                |f| &f.env_files,
                |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    EnvFiles::default()
                },
            )
        };
        let a = read();
        let b = read();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
