//! NIX-090: the systemd-boot menu lets anyone at the console edit the kernel command line.

use crate::config::{ConfigHit, ConfigView};
use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};

struct BootEditorEnabled;

crate::lint_rule!("NIX-090", BootEditorEnabled);

impl LintRule for BootEditorEnabled {
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["boot", "loader", "systemd-boot", "enable"],
            &["boot", "lanzaboote", "enable"],
        ]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["boot", "loader", "systemd-boot", "editor"],
            &["boot", "lanzaboote", "settings", "editor"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.value.v.as_bool() == Some(true) {
            let fix = if a.path[1] == "lanzaboote" {
                "boot.lanzaboote.settings.editor = false;"
            } else {
                "boot.loader.systemd-boot.editor = false;"
            };
            out.push(
                Hit::new(
                    a.value.range,
                    "the boot menu's kernel command line is editable",
                )
                .fix(fix),
            );
        }
    }
    fn check_config(&self, cfg: &ConfigView<'_>, out: &mut Vec<ConfigHit>) {
        // nix-darwin has no systemd-boot.
        if cfg.cfg.kind == crate::index::ModuleKind::Darwin {
            return;
        }
        if cfg.is_set(&[&["boot", "loader", "systemd-boot", "editor"]]) {
            return;
        }
        // Lanzaboote replaces systemd-boot (`enable = mkForce false` beside it) and writes its
        // own `loader.conf`, whose `editor` defaults to `boot.loader.systemd-boot.editor`
        // (lanzaboote's module at 0277d34c): on unless one of them is set.
        // Lanzaboote under a condition (`mkIf cfg.secureBoot`): where the condition does not
        // hold, a systemd-boot turned on under another condition is the boot loader, judged
        // below. One turned on for good may be what the condition overrides (the host turns
        // Secure Boot on; nixsec does not evaluate it): not judged.
        let mut lanza_when: Option<String> = None;
        // Under a condition that is an option of the repository's own: the host says whether
        // lanzaboote is on (`my.secureboot.enable` set true, or set by no module).
        let lanza = cfg
            .enabled(&["boot", "lanzaboote", "enable"])
            .map(|on| {
                let holds = on
                    .condition
                    .as_deref()
                    .and_then(|c| cfg.condition_holds(on.file, c));
                (on, holds)
            })
            .filter(|(_, holds)| *holds != Some(false));
        if let Some((on, holds)) = lanza {
            if !cfg.is_set(&[&["boot", "lanzaboote", "settings", "editor"]]) {
                out.push(ConfigHit::default_at(
                    cfg,
                    &on,
                    "lanzaboote is enabled and its `settings.editor` is never set: it follows `boot.loader.systemd-boot.editor`, whose NixOS default (`true`) lets anyone at the console edit the kernel command line".into(),
                    "boot.lanzaboote.settings.editor",
                ));
            }
            match on.condition {
                Some(c) if holds.is_none() => lanza_when = Some(c),
                _ => return,
            }
        }
        // Turned on only by a known module set (srvos' systemd-boot mixin): nothing the
        // repository wrote to point at.
        let Some(on) = cfg
            .enabled(&["boot", "loader", "systemd-boot", "enable"])
            .filter(|on| on.by.is_none())
            .filter(|on| {
                lanza_when.is_none() || (on.condition.is_some() && on.condition != lanza_when)
            })
        else {
            return;
        };
        out.push(ConfigHit::default_at(
            cfg,
            &on,
            "systemd-boot is enabled and `editor` is never set: the NixOS default (`true`) lets anyone at the console edit the kernel command line".into(),
            "boot.loader.systemd-boot.editor",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-090";

    #[test]
    fn explicit_true() {
        assert_eq!(
            hits("{ boot.loader.systemd-boot.editor = true; }", ID),
            [h("true", 1, High)]
        );
        assert_eq!(
            hits(
                "{ boot.loader = { systemd-boot = { enable = true; editor = true; }; }; }",
                ID
            ),
            [h("true", 1, High)]
        );
        assert_eq!(
            hits("{ boot.lanzaboote.settings.editor = true; }", ID),
            [h("true", 1, High)]
        );
        assert!(hits("{ boot.loader.systemd-boot.editor = false; }", ID).is_empty());
        // In a variant that inherits the configuration: conditional.
        assert_eq!(
            hits(
                "{ virtualisation.vmVariantWithBootLoader.boot.loader.systemd-boot.editor = true; }",
                ID
            ),
            [crate::rules::testing::hc("true", 1, High)]
        );
        // The default is a configuration-level question.
        assert!(hits("{ boot.loader.systemd-boot.enable = true; }", ID).is_empty());
    }
}
