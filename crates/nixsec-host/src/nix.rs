//! What the Nix rules share: is Nix installed under the root, and the effective nix.conf.

use std::sync::Arc;

use nixsec_core::{Evidence, HostCx, Outcome};
use nixsec_nixconf::{NixConf, SystemConf, NIX_CONF};

/// The system nix.conf of the audited root, parsed once per audit.
#[must_use]
pub fn system_conf(cx: &HostCx) -> Arc<SystemConf> {
    cx.cached(|cx| SystemConf::load(cx.root()))
}

/// True when the root has a Nix installation: `/nix` or `/etc/nix/nix.conf`.
#[must_use]
pub fn nix_installed(cx: &HostCx) -> bool {
    let r = cx.root();
    r.exists("/nix/store") || r.exists("/nix/var/nix") || r.exists(NIX_CONF)
}

/// The reason used when Nix is absent.
pub const NOT_INSTALLED: &str =
    "Nix is not installed under this root (no `/nix` and no `/etc/nix/nix.conf`)";

/// Run a nix.conf rule: skip when Nix is absent, `error` when nix.conf is broken, defaults when
/// it is absent (`None`), and `error` instead of `pass` when an included file could not be read.
pub fn with_conf(cx: &HostCx, f: impl FnOnce(Option<&NixConf>) -> Outcome) -> Outcome {
    if !nix_installed(cx) {
        return Outcome::skip(NOT_INSTALLED);
    }
    match &*system_conf(cx) {
        SystemConf::Broken(reason) => Outcome::error(reason.clone()),
        SystemConf::Absent => f(None),
        SystemConf::Present(conf) => {
            let out = f(Some(conf));
            if matches!(out, Outcome::Pass { .. }) && !conf.unreadable.is_empty() {
                return Outcome::error(format!(
                    "an included file could not be read, so its settings are unknown: {}",
                    conf.unreadable.join("; ")
                ));
            }
            out
        }
    }
}

/// Evidence for a setting that no line sets: nix.conf (or its absence) and Nix's default.
#[must_use]
pub fn default_evidence(conf: Option<&NixConf>, name: &str, default: &str) -> Evidence {
    let what = if conf.is_some() {
        "unset"
    } else {
        "no nix.conf"
    };
    Evidence::value(NIX_CONF, format!("{name}: {what}, Nix default `{default}`"))
}

/// A boolean setting of an optional nix.conf: `Ok(None)` when unset or there is no file.
///
/// # Errors
/// A value Nix rejects.
pub fn bool_setting<'a>(
    conf: Option<&'a NixConf>,
    name: &str,
) -> Result<Option<(bool, nixsec_nixconf::Setting<'a>)>, nixsec_nixconf::BadValue> {
    match conf {
        Some(c) => c.bool(name),
        None => Ok(None),
    }
}
