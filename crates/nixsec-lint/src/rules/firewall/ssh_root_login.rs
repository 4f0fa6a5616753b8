//! NIX-078: sshd lets root log in (unless `AllowUsers`/`AllowGroups`/`DenyUsers`/`DenyGroups`
//! keep root out).

use nixsec_core::Severity;

use crate::config::{ConfigHit, ConfigView};
use crate::index::{Assignment, ModuleKind};
use crate::rules::{FileCx, Hit, LintRule};
use crate::sshd::{self, EXTRA};
use crate::value::Value;

struct SshRootLogin;

crate::lint_rule!("NIX-078", SshRootLogin);

const SETTING: &[&str] = &["services", "openssh", "settings", "PermitRootLogin"];
const LEGACY: &[&str] = &["services", "openssh", "permitRootLogin"];
/// Root's authorized keys (read for nix-darwin, whose root has none of its own).
const ROOT_KEYS: &[&[&str]] = &[ROOT_KEY_LIST, ROOT_KEY_FILES];
const ROOT_KEY_LIST: &[&str] = &[
    "users",
    "users",
    "root",
    "openssh",
    "authorizedKeys",
    "keys",
];
const ROOT_KEY_FILES: &[&str] = &[
    "users",
    "users",
    "root",
    "openssh",
    "authorizedKeys",
    "keyFiles",
];
/// What starts sshd at boot; the installer profile empties it.
const WANTED_BY: &[&str] = &["systemd", "services", "sshd", "wantedBy"];

/// What a `PermitRootLogin` value lets root do, when it lets root in: (message, low).
fn verdict(v: &str) -> Option<(&'static str, bool)> {
    match v {
        "yes" => Some((
            "root may log in over SSH (`yes` allows every authentication method)",
            false,
        )),
        "prohibit-password" | "without-password" => {
            Some(("root may log in over SSH with a key", true))
        }
        _ => None,
    }
}

impl LintRule for SshRootLogin {
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["services", "openssh", "enable"],
            &["services", "sshd", "enable"],
            &["services", "openssh", "settings", "AllowUsers"],
            &["services", "openssh", "settings", "AllowGroups"],
            &["services", "openssh", "settings", "DenyUsers"],
            &["services", "openssh", "settings", "DenyGroups"],
            WANTED_BY,
            ROOT_KEY_LIST,
            ROOT_KEY_FILES,
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[SETTING, LEGACY, EXTRA]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if sshd::switched_off(a, &cx.index.assignments) {
            return;
        }
        let kept_out =
            sshd::root_kept_out(cx.index.assignments.iter().map(|b| (b, cx.src))).is_some();
        if a.is(EXTRA) {
            // Outside a `Match` block the line comes after the one `settings` writes: only the
            // blocks count. A block's own `AllowUsers` replaces the global one there.
            let lines = sshd::extra_lines(a, cx.src);
            for l in &lines {
                let Some(m) = &l.matched else { continue };
                if l.key != "permitrootlogin"
                    || !sshd::block_lets_root_in(&lines, m).unwrap_or(!kept_out)
                {
                    continue;
                }
                if let Some((msg, low)) = verdict(&l.value) {
                    let mut h = Hit::new(l.range, format!("{msg} (`{m}`)"))
                        .subject(format!("PermitRootLogin ({m})"))
                        .when(Some(m.as_str()));
                    if low {
                        h = h.severity(Severity::Low);
                    }
                    out.push(h);
                }
            }
            return;
        }
        if kept_out {
            return;
        }
        match &a.value.v {
            Value::Str(s) => {
                if let Some((msg, low)) = verdict(s) {
                    let h = Hit::new(a.value.range, msg);
                    out.push(if low { h.severity(Severity::Low) } else { h });
                }
            }
            Value::Bool(true) => out.push(Hit::new(a.value.range, "root may log in over SSH")),
            _ => {}
        }
    }
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        let Some(on) = sshd::ENABLE.iter().find_map(|p| cfg.enabled(p)) else {
            return;
        };
        let darwin = cfg.cfg.kind == ModuleKind::Darwin;
        let all = || {
            cfg.assignments()
                .map(|(fi, a)| (a, cfg.files[fi].src.as_str()))
        };
        // Set to `yes` by a known module set the host imports (the installer profile), and
        // nowhere in the repository. The profile also keeps sshd from starting at boot
        // (`systemd.services.sshd.wantedBy = mkOverride 50 [ ]`, "allow sshd to be started
        // manually"): root's login is reported only where the host starts sshd anyway, at the
        // place that turns it on.
        let written = cfg
            .assignments()
            .any(|(_, a)| a.is(SETTING) || a.is(LEGACY));
        if !written && sshd::root_kept_out(all()).is_none() {
            if let Some(k) = cfg
                .cfg
                .known
                .iter()
                .find(|k| crate::known::value_of(k.set, &SETTING.join(".")) == Some("\"yes\""))
            {
                if !cfg.assignments().any(|(_, a)| a.is(WANTED_BY)) {
                    return;
                }
                let mut hit = ConfigHit::default_at(
                    cfg,
                    &on,
                    format!(
                        "sshd is enabled and started at boot (`systemd.services.sshd.wantedBy`), and `PermitRootLogin` is `yes`, set by {} (imported by this host): root may log in with a password",
                        k.set.name
                    ),
                    &SETTING.join("."),
                );
                hit.severity = Some(Severity::High);
                hit.fix = Some("services.openssh.settings.PermitRootLogin = \"no\";".into());
                hit.value = Some("\"yes\"".into());
                hit.subject = Some("PermitRootLogin".into());
                out.push(hit);
                return;
            }
        }
        // Left at its default by a known module set that turns sshd on (srvos' server), with
        // no line of the repository turning it on: nothing the repository wrote to point at.
        if on.by.is_some()
            || cfg.is_set(&[SETTING, LEGACY])
            || (darwin && sshd::darwin_extra_sets(all(), &["permitrootlogin"]))
        {
            return;
        }
        if sshd::root_kept_out(all()).is_some() {
            return;
        }
        // macOS's root account is disabled and has no keys of its own: the default lets root in
        // only when the configuration gives root authorized keys.
        if darwin
            && !cfg
                .assignments()
                .any(|(_, a)| ROOT_KEYS.iter().any(|p| a.is(p)))
        {
            return;
        }
        let mut hit = if darwin {
            let mut h = ConfigHit::default_at(
                cfg,
                &on,
                "nix-darwin turns on macOS's sshd and `PermitRootLogin` is never set in `services.openssh.extraConfig`: macOS's default `prohibit-password` lets root log in with a key".into(),
                "services.openssh.extraConfig",
            );
            h.fix = Some("services.openssh.extraConfig = \"PermitRootLogin no\";".into());
            h
        } else {
            ConfigHit::default_at(
                cfg,
                &on,
                "sshd is enabled and `PermitRootLogin` is never set: the NixOS default `prohibit-password` lets root log in with a key".into(),
                "services.openssh.settings.PermitRootLogin",
            )
        };
        hit.severity = Some(Severity::Low);
        hit.subject = Some("PermitRootLogin".into());
        out.push(hit);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::{High, Low};

    const ID: &str = "NIX-078";

    #[test]
    fn each_spelling() {
        for src in [
            r#"{ services.openssh.settings.PermitRootLogin = "yes"; }"#,
            r#"{ services = { openssh = { settings.PermitRootLogin = "yes"; }; }; }"#,
            r#"{ services.openssh.settings = { PermitRootLogin = "yes"; }; }"#,
            r#"{ lib, ... }: { services.openssh.settings.PermitRootLogin = lib.mkForce "yes"; }"#,
            r#"{ services.openssh.permitRootLogin = "yes"; }"#,
        ] {
            assert_eq!(hits(src, ID), [h("\"yes\"", 1, High)], "{src}");
        }
        assert_eq!(
            hits(
                r#"let r = "yes"; in { services.openssh.settings.PermitRootLogin = r; }"#,
                ID
            ),
            [h("r", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ services.openssh.settings.PermitRootLogin = "prohibit-password"; }"#,
                ID
            ),
            [h("\"prohibit-password\"", 1, Low)]
        );
    }

    #[test]
    fn variants_that_inherit_the_configuration_are_conditional() {
        use crate::rules::testing::{findings, hc};
        for src in [
            r#"{ virtualisation.vmVariant.services.openssh.settings.PermitRootLogin = "yes"; }"#,
            r#"{ virtualisation.vmVariantWithBootLoader = { services.openssh.settings.PermitRootLogin = "yes"; }; }"#,
            r#"{ virtualisation = { vmVariant = { services.openssh = { settings.PermitRootLogin = "yes"; }; }; }; }"#,
            r#"{ specialisation.rescue.configuration.services.openssh.settings.PermitRootLogin = "yes"; }"#,
            // The variant's module in full form, its settings under `config`.
            r#"{ specialisation.rescue.configuration = { config = { services.openssh.settings.PermitRootLogin = "yes"; }; }; }"#,
            r#"{ virtualisation.vmVariant = { config.services.openssh.settings.PermitRootLogin = "yes"; }; }"#,
            r#"{ lib, ... }: { image.modules.iso-installer = { services.openssh.settings.PermitRootLogin = lib.mkForce "yes"; }; }"#,
        ] {
            assert_eq!(hits(src, ID), [hc("\"yes\"", 1, High)], "{src}");
            let f = findings(src, ID);
            assert!(
                f[0].condition
                    .as_deref()
                    .is_some_and(|c| c.starts_with("in the variant `")),
                "{src}: {:?}",
                f[0].condition
            );
        }
        // Not a variant: an option of another name.
        assert!(hits(
            r#"{ virtualisation.vmVariant = { }; services.openssh.settings.PermitRootLogin = "no"; }"#,
            ID
        )
        .is_empty());
    }

    /// A `Match` block's own `AllowUsers` replaces the global one inside the block: root let in
    /// there may log in as the block says, whatever the global list.
    #[test]
    fn match_blocks_with_their_own_allowed_users() {
        let with_root = "{ services.openssh = { enable = true; settings = { PermitRootLogin = \"no\"; AllowUsers = [ \"ur\" ]; }; extraConfig = ''\n  Match Address 100.64.0.0/10\n    AllowUsers ur root\n    PermitRootLogin yes\n''; }; }";
        assert_eq!(
            hits(with_root, ID).iter().map(|h| h.1).collect::<Vec<_>>(),
            [4]
        );
        let global_only = "{ services.openssh = { enable = true; settings = { PermitRootLogin = \"no\"; AllowUsers = [ \"ur\" ]; }; extraConfig = ''\n  Match Address 100.64.0.0/10\n    PermitRootLogin yes\n''; }; }";
        assert!(hits(global_only, ID).is_empty());
        let denied = "{ services.openssh = { enable = true; extraConfig = ''\n  Match Address 10.0.0.0/8\n    DenyUsers root\n    PermitRootLogin yes\n''; }; }";
        assert!(hits(denied, ID).is_empty());
    }

    #[test]
    fn negatives() {
        for src in [
            r#"{ services.openssh.settings.PermitRootLogin = "no"; }"#,
            r#"{ services.openssh.settings.PermitRootLogin = "forced-commands-only"; }"#,
            r#"{ config, ... }: { services.openssh.settings.PermitRootLogin = config.x; }"#,
            // A home-manager module's `programs.ssh` is the client, not sshd.
            r#"{ home.username = "a"; programs.ssh.matchBlocks.x.user = "root"; }"#,
            "{ services.openssh.enable = true; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
