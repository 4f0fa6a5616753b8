//! NIX-090: systemd-boot lets anyone at the console edit the kernel command line.
//!
//! ## What it checks
//! The ESP (`/boot`, `/efi` or `/boot/efi`): when systemd-boot is installed (its EFI binary or
//! `loader/loader.conf`), the `editor` line of `loader/loader.conf`. systemd-boot's default is
//! editable, so an absent line fails, as does a true value; NixOS writes `editor 0` only with
//! `boot.loader.systemd-boot.editor = false`.
//!
//! ## Why it matters
//! With the editor on, anyone at the console (or a remote KVM) appends `init=/bin/sh` and gets a
//! root shell without a password, bypassing disk-encryption prompts' protection of the running
//! system.
//!
//! ## Fix (NixOS)
//! `boot.loader.systemd-boot.editor = false;` (lanzaboote: `boot.lanzaboote.settings.editor = false;`).
//!
//! ## References
//! loader.conf(5): editor; NixOS option boot.loader.systemd-boot.editor.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// The systemd-boot editor is enabled.
pub struct EditorEnabled;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &EditorEnabled;

static META: RuleMeta = RuleMeta {
    id: "NIX-090",
    title: "Boot-menu kernel command line editable",
    section: Section::SecureBoot,
    severity: Severity::High,
    checks: "On the ESP (/boot, /efi or /boot/efi), when systemd-boot is installed: the `editor` line of loader/loader.conf. Fails when it is true or absent (systemd-boot's default is editable; NixOS writes `editor 0` only when boot.loader.systemd-boot.editor = false). Skipped without an ESP or without systemd-boot.",
    rationale: "With the boot-menu editor on, anyone at the console or a remote KVM can append `init=/bin/sh` or `rd.emergency` and get a root shell without a password.",
    fix: "Disable the systemd-boot editor.",
    nixos: "boot.loader.systemd-boot.editor = false;\n# lanzaboote: boot.lanzaboote.settings.editor = false;",
    references: &["loader.conf(5): editor", "NixOS option boot.loader.systemd-boot.editor"],
    source: file!(),
};

impl Rule for EditorEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let esp = match nixsec_boot::esp::find(cx.root()) {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::skip(
                    "no ESP with an EFI or loader directory at /boot, /efi or /boot/efi",
                )
            }
            Err(e) => return Outcome::error(e),
        };
        if !esp.systemd_boot {
            return Outcome::skip(format!(
                "systemd-boot is not installed on the ESP at {}",
                esp.dir
            ));
        }
        let Some(conf) = esp.loader_conf else {
            return Outcome::fail(format!("{}/loader/loader.conf is missing: systemd-boot's default lets the kernel command line be edited", esp.dir))
                .with_evidence([Evidence::path(format!("{}/loader", esp.dir))]);
        };
        if let Some((n, line)) = conf.invalid.first() {
            return Outcome::error(format!(
                "`{}`: line {n}: `{line}` is not a boolean systemd-boot accepts",
                conf.path
            ))
            .with_evidence([Evidence::line(conf.path.clone(), *n, line.clone())]);
        }
        match conf.editor {
            None => Outcome::fail("loader.conf has no `editor` line: systemd-boot's default lets the kernel command line be edited at the boot menu")
                .with_evidence([Evidence::value(conf.path, "editor (absent)")]),
            Some((true, n, v)) => Outcome::fail(format!("`editor {v}`: the kernel command line can be edited at the boot menu"))
                .with_evidence([Evidence::line(conf.path, n, format!("editor {v}"))]),
            Some((false, n, v)) => Outcome::pass(format!("`editor {v}`: the boot-menu editor is off"))
                .with_evidence([Evidence::line(conf.path, n, format!("editor {v}"))]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secure_boot::fixtures::*;
    use crate::testing::*;

    #[test]
    fn default_editor_fails() {
        let o = run(&EditorEnabled, &esp(RootBuilder::new(), "esp-systemd-boot"));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("no `editor` line"));
        let b = esp(RootBuilder::new(), "esp-systemd-boot")
            .file("/boot/loader/loader.conf", "timeout 3\neditor yes\n");
        let Outcome::Fail { evidence, .. } = run(&EditorEnabled, &b) else {
            panic!()
        };
        assert_eq!(evidence[0].line, Some(2));
    }

    #[test]
    fn editor_off_passes() {
        for layout in ["esp-systemd-boot-editor-off", "esp-lanzaboote"] {
            let o = run(&EditorEnabled, &esp(RootBuilder::new(), layout));
            assert_eq!(o.status(), Status::Pass, "{layout}: {}", message(&o));
        }
    }

    #[test]
    fn skips_without_esp_or_systemd_boot() {
        assert_eq!(
            run(&EditorEnabled, &RootBuilder::new()).status(),
            Status::Skip
        );
        let grub_only = RootBuilder::new().file("/boot/EFI/nixos/grubx64.efi", "x");
        assert_eq!(run(&EditorEnabled, &grub_only).status(), Status::Skip);
    }

    #[test]
    fn broken_input_is_an_error() {
        let b = esp(RootBuilder::new(), "esp-systemd-boot")
            .file("/boot/loader/loader.conf", "editor maybe\n");
        let o = run(&EditorEnabled, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("line 1"), "{}", message(&o));
        let b = esp(RootBuilder::new(), "esp-systemd-boot")
            .file("/boot/loader/loader.conf", b"\xff\xfe");
        assert_eq!(run(&EditorEnabled, &b).status(), Status::Error);
    }
}
