//! What the Nix rules share: is Nix installed under the root, and the effective nix.conf.

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};
use nixsec_nixconf::{NixConf, SystemConf, NIX_CONF};

/// The system nix.conf of the audited root, parsed once per audit.
#[must_use]
pub fn system_conf(cx: &HostCx) -> Arc<SystemConf> {
    cx.fact(|f| &f.nix_conf, |cx| SystemConf::load(cx.root()))
}

/// True when the root has a Nix installation: `/nix` or `/etc/nix/nix.conf`.
#[must_use]
pub fn nix_installed(cx: &HostCx) -> bool {
    let r = cx.root();
    ["/nix/store", "/nix/var/nix", NIX_CONF]
        .iter()
        .any(|p| !r.presence(p).is_absent())
}

/// The reason used when Nix is absent.
pub const NOT_INSTALLED: &str =
    "Nix is not installed under this root (no `/nix` and no `/etc/nix/nix.conf`)";

/// Run a nix.conf rule: skip when Nix is absent, `error` when nix.conf is broken, defaults when
/// it is absent (`None`), and `error` instead of `pass` when an included file could not be read
/// (next to a failure's problems, each such file is a problem of its own).
pub fn with_conf(cx: &HostCx, f: impl FnOnce(Option<&NixConf>) -> Outcome) -> Outcome {
    if !nix_installed(cx) {
        return Outcome::skip(NOT_INSTALLED);
    }
    match &*system_conf(cx) {
        SystemConf::Broken(reason) => Outcome::error(reason.to_string()),
        SystemConf::Absent => f(None),
        SystemConf::Present(conf) => {
            let mut out = f(Some(conf));
            if matches!(out, Outcome::Pass { .. }) && !conf.unreadable.is_empty() {
                return Outcome::error(format!(
                    "an included file could not be read, so its settings are unknown: {}",
                    conf.unreadable.join("; ")
                ));
            }
            if let Outcome::Fail { problems } = &mut out {
                problems.extend(
                    conf.unreadable
                        .iter()
                        .map(|e| crate::perms::unreadable(e, "included nix.conf file")),
                );
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

#[cfg(test)]
mod tests {
    use crate::rules::multi_user::sandbox_disabled::SandboxDisabled;
    use crate::testing::*;

    #[test]
    fn an_unreadable_include_is_an_error_or_a_problem_of_its_own() {
        let b = root_with_conf("sandbox = true\ninclude /etc/nix/extra.conf\n")
            .dir("/etc/nix/extra.conf", 0o700);
        assert_eq!(run(&SandboxDisabled, &b).status(), Status::Error);
        let b = b.file(
            "/etc/nix/nix.conf",
            "sandbox = false\ninclude /etc/nix/extra.conf\n",
        );
        let o = run(&SandboxDisabled, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("sandbox"));
        assert_eq!(p[1].subject.as_deref(), Some("/etc/nix/extra.conf"));
        assert!(
            p[1].message
                .starts_with("`/etc/nix/extra.conf` could not be read: ")
                && p[1].message.ends_with("; not checked"),
            "{}",
            p[1].message
        );
    }
}
