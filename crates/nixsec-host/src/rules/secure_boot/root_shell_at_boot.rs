//! NIX-094: a kernel parameter that gives a root shell at boot.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};

/// A boot parameter that opens a root shell.
pub struct RootShellAtBoot;

crate::host_rule!("NIX-094", RootShellAtBoot);

const SHELLS: [&str; 11] = [
    "sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "fish", "csh", "tcsh", "busybox",
];

use crate::engine::Rule;
use nixsec_readers::kernel::split_cmdline;

fn truthy(v: Option<&str>) -> bool {
    !matches!(
        v.map(str::to_ascii_lowercase).as_deref(),
        Some("0" | "no" | "false" | "off" | "n")
    )
}

/// Why a parameter opens a root shell, or `None`.
#[must_use]
pub fn shell_param(p: &str) -> Option<String> {
    let (k, v) = p.split_once('=').map_or((p, None), |(k, v)| (k, Some(v)));
    match k {
        "init" | "rdinit" => {
            let v = v.unwrap_or("");
            let base = v.rsplit('/').next().unwrap_or(v);
            SHELLS
                .contains(&base)
                .then(|| format!("`{p}` starts a shell as PID 1"))
        }
        "rd.shell" | "rd.break" if truthy(v) => {
            Some(format!("`{p}` drops to a shell in the initrd"))
        }
        "rd.emergency" if !matches!(v, Some("reboot" | "poweroff" | "halt")) => {
            Some(format!("`{p}` opens the initrd emergency shell"))
        }
        "boot.shell_on_fail" => Some(format!(
            "`{p}` lets NixOS stage 1 start a root shell on failure"
        )),
        "boot.debug1" | "boot.debug1devices" | "boot.debug1mounts" => {
            Some(format!("`{p}` starts a root shell in NixOS stage 1"))
        }
        "systemd.debug_shell" | "systemd.debug-shell" if truthy(v) => {
            Some(format!("`{p}` starts a root shell on tty9"))
        }
        _ => None,
    }
}

/// A boot entry as people name it: `11` for `nixos-generation-11.conf`, else its id without
/// the extension.
fn entry_name(id: &str) -> String {
    let stem = id
        .strip_suffix(".conf")
        .or_else(|| id.strip_suffix(".efi"))
        .unwrap_or(id);
    escape(stem.strip_prefix("nixos-generation-").unwrap_or(stem)).into_owned()
}

impl Rule for RootShellAtBoot {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        // (file, line, command line, the boot entry it belongs to)
        let mut sources: Vec<(String, Option<u32>, String, Option<String>)> = Vec::new();
        let mut errors = Vec::new();
        match crate::kernel::cmdline(cx) {
            Ok(Some((path, items))) => sources.push((
                path,
                None,
                items
                    .iter()
                    .map(|(k, v)| v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}")))
                    .collect::<Vec<_>>()
                    .join(" "),
                None,
            )),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        // A built system's boot entry is made from its bootspec: `init` and `kernelParams`.
        if let Some(sys) = cx.built_system() {
            match &sys.bootspec {
                Ok(Some(b)) => sources.push((
                    b.path.clone(),
                    None,
                    std::iter::once(format!("init={}", b.init))
                        .chain(b.kernel_params.iter().cloned())
                        .collect::<Vec<_>>()
                        .join(" "),
                    None,
                )),
                Ok(None) => {}
                Err(e) => errors.push(e.clone()),
            }
        }
        match nixsec_boot::esp::find(root) {
            Ok(Some(esp)) => {
                for e in esp.entries.iter().filter(|e| !e.uki) {
                    if let Some((n, o)) = &e.options {
                        sources.push((
                            e.path.clone(),
                            Some(*n),
                            o.clone(),
                            Some(entry_name(&e.id)),
                        ));
                    }
                }
                // UKIs (lanzaboote) carry their command line in the `.cmdline` section; read the
                // ones that boot next (the selected or default entry, else all).
                let selected = nixsec_boot::efivars::read_string(
                    root,
                    "LoaderEntrySelected",
                    nixsec_boot::efivars::LOADER,
                )
                .ok()
                .flatten();
                for e in esp
                    .booting_entries(selected.as_deref())
                    .into_iter()
                    .filter(|e| e.uki)
                {
                    match root.read_limited(&e.path, nixsec_boot::pe::MAX_IMAGE_SIZE) {
                        Ok((_, bytes)) => match nixsec_boot::inspect(&bytes) {
                            Ok(img) => sources.extend(img.cmdline.map(|c| {
                                (
                                    format!("{} (.cmdline)", e.path),
                                    None,
                                    c,
                                    Some(entry_name(&e.id)),
                                )
                            })),
                            Err(err) => errors.push(format!("`{}`: {err}", e.path)),
                        },
                        Err(err) => errors.push(err.to_string()),
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
        if sources.is_empty() && errors.is_empty() {
            return Outcome::skip("no /proc/cmdline and no boot entries on an ESP");
        }
        // One problem per parameter and where it is: the running kernel's, or a boot entry's.
        let mut problems: Vec<Problem> = Vec::new();
        for (path, line, cmdline, entry) in &sources {
            for p in split_cmdline(cmdline) {
                if let Some(why) = shell_param(&p) {
                    let shown = escape(&p);
                    let subject = match entry {
                        Some(n) => format!("boot entry {n}: {shown}"),
                        None => shown.to_string(),
                    };
                    let evidence = match line {
                        Some(n) => Evidence::line(path.clone(), *n, p.clone()),
                        None => Evidence::value(path.clone(), p.clone()),
                    };
                    problems.push(
                        Problem::about(subject, format!("{path}: {}", escape(&why)))
                            .with_evidence([evidence]),
                    );
                }
            }
        }
        if !problems.is_empty() {
            let mut problems = crate::isolation::merged(problems);
            problems.extend(errors.iter().map(|e| crate::isolation::unread(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        let names: Vec<&str> = sources.iter().map(|(p, _, _, _)| p.as_str()).collect();
        Outcome::pass(format!("no root-shell parameter in {}", names.join(", ")))
            .with_evidence(names.iter().map(|p| Evidence::path(*p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secure_boot::fixtures::*;
    use crate::testing::*;

    #[test]
    fn parameters() {
        assert_eq!(
            split_cmdline("a \"b c\" d=\"e f\" -- init=/bin/sh\n"),
            ["a", "b c", "d=e f"]
        );
        for bad in [
            "init=/bin/sh",
            "rdinit=/bin/busybox",
            "rd.shell",
            "rd.shell=1",
            "rd.break",
            "rd.emergency",
            "boot.shell_on_fail",
            "boot.debug1",
            "systemd.debug_shell",
            "systemd.debug-shell=yes",
        ] {
            assert!(shell_param(bad).is_some(), "{bad}");
        }
        for ok in [
            "init=/nix/store/abc-nixos-system-x/init",
            "rd.shell=0",
            "rd.emergency=reboot",
            "systemd.debug_shell=0",
            "quiet",
            "initrd=/x",
        ] {
            assert!(shell_param(ok).is_none(), "{ok}");
        }
    }

    #[test]
    fn shell_parameters_fail() {
        let b = RootBuilder::new().file(
            "/proc/cmdline",
            "init=/nix/store/x-nixos-system/init boot.shell_on_fail loglevel=4\n",
        );
        let o = run(&RootShellAtBoot, &b);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            message(&o).contains("boot.shell_on_fail"),
            "{}",
            message(&o)
        );
        let b = esp(RootBuilder::new(), "esp-systemd-boot").file(
            "/boot/loader/entries/nixos-generation-43.conf",
            "title NixOS\nlinux /EFI/nixos/k.efi\noptions init=/bin/sh\n",
        );
        let Some(crate::testing::Failed { evidence, .. }) =
            crate::testing::failed(&run(&RootShellAtBoot, &b))
        else {
            panic!()
        };
        assert_eq!(
            evidence[0].path,
            "/boot/loader/entries/nixos-generation-43.conf"
        );
        assert_eq!(evidence[0].line, Some(3));
    }

    #[test]
    fn each_parameter_of_each_source_is_a_problem() {
        let b = esp(RootBuilder::new(), "esp-systemd-boot")
            .file(
                "/proc/cmdline",
                "init=/nix/store/x-nixos-system/init rd.shell boot.shell_on_fail rd.shell\n",
            )
            .file(
                "/boot/loader/entries/nixos-generation-43.conf",
                "title NixOS\nlinux /EFI/nixos/k.efi\noptions init=/bin/sh rd.shell\n",
            );
        let o = run(&RootShellAtBoot, &b);
        let got: Vec<(Option<&str>, &str)> = o
            .problems()
            .iter()
            .map(|p| (p.subject.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("rd.shell"),
                    "/proc/cmdline: `rd.shell` drops to a shell in the initrd"
                ),
                (
                    Some("boot.shell_on_fail"),
                    "/proc/cmdline: `boot.shell_on_fail` lets NixOS stage 1 start a root shell on failure"
                ),
                (
                    Some("boot entry 43: init=/bin/sh"),
                    "/boot/loader/entries/nixos-generation-43.conf: `init=/bin/sh` starts a shell as PID 1"
                ),
                (
                    Some("boot entry 43: rd.shell"),
                    "/boot/loader/entries/nixos-generation-43.conf: `rd.shell` drops to a shell in the initrd"
                ),
            ],
            "{o:?}"
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("/proc/cmdline", "rd.shell")],
            "the same parameter twice is one problem"
        );
        assert_eq!(
            o.problems()[3].evidence,
            [Evidence::line(
                "/boot/loader/entries/nixos-generation-43.conf",
                3,
                "rd.shell"
            )]
        );
    }

    #[test]
    fn nixos_cmdlines_pass() {
        let b = esp(RootBuilder::new(), "esp-systemd-boot").file("/proc/cmdline", "initrd=\\EFI\\nixos\\x.efi init=/nix/store/1sd2-nixos-system/init loglevel=4 -- init=/bin/sh\n");
        let o = run(&RootShellAtBoot, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("nixos-generation-42.conf"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn uki_cmdlines_are_read() {
        let b = esp(RootBuilder::new(), "esp-lanzaboote").file(
            "/boot/EFI/Linux/nixos-generation-41.efi",
            pe("tiny-signed.efi"),
        );
        let o = run(&RootShellAtBoot, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("nixos-generation-42.efi (.cmdline)"),
            "{}",
            message(&o)
        );
        let mut uki = pe("uki-unsigned.efi");
        let at = uki
            .windows(10)
            .position(|w| w == b"loglevel=4")
            .expect("cmdline in the fixture");
        uki[at..at + 10].copy_from_slice(b"rd.shell  ");
        let b = esp(RootBuilder::new(), "esp-lanzaboote")
            .file("/boot/EFI/Linux/nixos-generation-42.efi", uki);
        let o = run(&RootShellAtBoot, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("nixos-generation-42.efi (.cmdline): `rd.shell`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn skip_and_errors() {
        assert_eq!(
            run(&RootShellAtBoot, &RootBuilder::new()).status(),
            Status::Skip
        );
        let o = run(
            &RootShellAtBoot,
            &RootBuilder::new().file("/proc/cmdline", b"\xff\xfe"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/proc/cmdline"), "{}", message(&o));
    }
}
