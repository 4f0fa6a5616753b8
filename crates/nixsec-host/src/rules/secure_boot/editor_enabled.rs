//! NIX-090: systemd-boot lets anyone at the console edit the kernel command line.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};

/// The systemd-boot editor is enabled.
pub struct EditorEnabled;

crate::host_rule!("NIX-090", EditorEnabled);

impl Rule for EditorEnabled {
    fn check(&self, cx: &HostCx) -> Outcome {
        let esp = match nixsec_boot::esp::find(cx.root()) {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::skip(
                    "no ESP with an EFI or loader directory at /boot, /efi or /boot/efi",
                )
            }
            Err(e) => return Outcome::error(e.to_string()),
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
        let Some(crate::testing::Failed { evidence, .. }) =
            crate::testing::failed(&run(&EditorEnabled, &b))
        else {
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
