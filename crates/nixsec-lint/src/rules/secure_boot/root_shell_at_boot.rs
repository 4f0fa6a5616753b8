//! NIX-094: a root shell at boot: the initrd's emergency shell without a password, or a kernel
//! parameter that opens a shell.

use nixsec_core::Severity;

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};
use crate::value::Value;

struct RootShellAtBoot;

crate::lint_rule!("NIX-094", RootShellAtBoot);

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "fish", "csh", "tcsh", "busybox",
];

fn truthy(v: Option<&str>) -> bool {
    !matches!(
        v.map(str::to_ascii_lowercase).as_deref(),
        Some("0" | "no" | "false" | "off" | "n")
    )
}

/// Why a kernel parameter opens a root shell (`dracut.cmdline(7)`, `kernel-command-line(7)`,
/// NixOS stage 1), or `None`.
fn shell_param(p: &str) -> Option<&'static str> {
    let (k, v) = p.split_once('=').map_or((p, None), |(k, v)| (k, Some(v)));
    match k {
        "init" | "rdinit" => {
            let v = v.unwrap_or("");
            let base = v.rsplit('/').next().unwrap_or(v);
            SHELLS.contains(&base).then_some("starts a shell as PID 1")
        }
        "rd.shell" | "rd.break" if truthy(v) => Some("drops to a shell in the initrd"),
        "rd.emergency" if !matches!(v, Some("reboot" | "poweroff" | "halt")) => {
            Some("opens the initrd emergency shell")
        }
        "boot.shell_on_fail" => Some("lets NixOS stage 1 start a root shell on failure"),
        "boot.debug1" | "boot.debug1devices" | "boot.debug1mounts" => {
            Some("starts a root shell in NixOS stage 1")
        }
        "systemd.debug_shell" | "systemd.debug-shell" if truthy(v) => {
            Some("starts a root shell on tty9")
        }
        _ => None,
    }
}

impl LintRule for RootShellAtBoot {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["boot", "initrd", "systemd", "emergencyAccess"],
            &["boot", "kernelParams"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path[1] == "kernelParams" {
            for (p, range, cond) in elements(&a.value) {
                for param in p.split_whitespace() {
                    if let Some(why) = shell_param(param) {
                        out.push(
                            Hit::new(range, format!("`{param}` on the kernel command line {why}"))
                                .subject(param)
                                .when(cond)
                                .fix(format!("# remove \"{param}\" from boot.kernelParams")),
                        );
                    }
                }
            }
            return;
        }
        match &a.value.v {
            Value::Bool(true) => out.push(Hit::new(
                a.value.range,
                "the initrd's emergency shell is a root shell without a password",
            )),
            Value::Str(h) | Value::Interp(h) if !h.is_empty() => out.push(
                Hit::new(
                    a.value.range,
                    "the initrd has an emergency root shell, behind the password of this hash",
                )
                .severity(Severity::Low)
                .fix("boot.initrd.systemd.emergencyAccess = false;"),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::{High, Low};

    const ID: &str = "NIX-094";

    #[test]
    fn emergency_access_and_kernel_parameters() {
        assert_eq!(
            hits("{ boot.initrd.systemd.emergencyAccess = true; }", ID),
            [h("true", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ boot.initrd.systemd = { enable = true; emergencyAccess = "$y$j9T$abc$def"; }; }"#,
                ID
            ),
            [h("\"$y$j9T$abc$def\"", 1, Low)]
        );
        assert_eq!(
            hits(
                r#"{ boot.kernelParams = [ "quiet" "boot.shell_on_fail" "init=/bin/sh" "rd.shell=0" ]; }"#,
                ID
            ),
            [
                h("\"boot.shell_on_fail\"", 1, High),
                h("\"init=/bin/sh\"", 1, High)
            ]
        );
        for ok in [
            "{ boot.initrd.systemd.emergencyAccess = false; }",
            r#"{ boot.kernelParams = [ "rd.emergency=reboot" "systemd.debug_shell=0" ]; }"#,
        ] {
            assert!(hits(ok, ID).is_empty(), "{ok}");
        }
    }
}
