//! `HostCx`: what a host checker gets: the root, facts about the host, the user's options, and
//! the host facts several checkers share (nix.conf, accounts, sshd_config, mounts, …), each read
//! at most once per audit into one typed, lazily-filled field of [`Facts`].

use std::sync::{Arc, OnceLock};

use nixsec_core::{AuditOptions, HostInfo, Root};
use nixsec_isolation::{flatpak, lxc, nspawn};
use nixsec_nixconf::SystemConf;

use crate::accounts::Accounts;
use crate::blockdev::Mounts;
use crate::environment::EnvFiles;
use crate::firewall::Firewall;
use crate::isolation::Docker;
use crate::scan::SystemScan;
use crate::sshd::Load;
use crate::store::StoreCheck;
use crate::sudoers::Policies;

/// The host facts shared by checkers: one field per fact, filled on first use.
#[derive(Default)]
pub struct Facts {
    pub(crate) accounts: OnceLock<Arc<Accounts>>,
    pub(crate) mounts: OnceLock<Arc<Result<Option<Mounts>, String>>>,
    pub(crate) env_files: OnceLock<Arc<EnvFiles>>,
    pub(crate) firewall: OnceLock<Arc<Firewall>>,
    pub(crate) flatpak: OnceLock<Arc<flatpak::Scan>>,
    pub(crate) nspawn: OnceLock<Arc<nspawn::Scan>>,
    pub(crate) lxc: OnceLock<Arc<lxc::Scan>>,
    pub(crate) docker: OnceLock<Arc<Docker>>,
    pub(crate) nix_conf: OnceLock<Arc<SystemConf>>,
    pub(crate) system_scan: OnceLock<Arc<SystemScan>>,
    pub(crate) sshd: OnceLock<Arc<Load>>,
    pub(crate) store_check: OnceLock<Arc<StoreCheck>>,
    pub(crate) sudoers: OnceLock<Arc<Policies>>,
}

/// The context a host checker runs in.
pub struct HostCx {
    root: Root,
    info: HostInfo,
    options: AuditOptions,
    facts: Facts,
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
