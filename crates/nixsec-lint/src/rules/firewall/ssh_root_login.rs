//! NIX-078: sshd lets root log in.

use nixsec_core::Severity;

use crate::config::{ConfigHit, ConfigView};
use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct SshRootLogin;

crate::lint_rule!("NIX-078", SshRootLogin);

const SETTING: &[&str] = &["services", "openssh", "settings", "PermitRootLogin"];
const LEGACY: &[&str] = &["services", "openssh", "permitRootLogin"];

impl LintRule for SshRootLogin {
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["services", "openssh", "enable"]]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[SETTING, LEGACY]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        match &a.value.v {
            Value::Str(s) if s == "yes" => out.push(Hit::new(
                a.value.range,
                "root may log in over SSH (`yes` allows every authentication method)",
            )),
            Value::Bool(true) => out.push(Hit::new(a.value.range, "root may log in over SSH")),
            Value::Str(s) if s == "prohibit-password" || s == "without-password" => out.push(
                Hit::new(a.value.range, "root may log in over SSH with a key")
                    .severity(Severity::Low),
            ),
            _ => {}
        }
    }
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        let Some((file, enable)) = cfg.enabled(&["services", "openssh", "enable"]) else {
            return;
        };
        if cfg.is_set(&[SETTING, LEGACY]) {
            return;
        }
        out.push(ConfigHit {
            file,
            range: enable.value.range,
            message: "sshd is enabled and `PermitRootLogin` is never set: the NixOS default `prohibit-password` lets root log in with a key".into(),
            severity: Some(Severity::Low),
            fix: None,
            option: "services.openssh.settings.PermitRootLogin".into(),
            value: None,
            condition: enable.condition.clone(),
        });
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
