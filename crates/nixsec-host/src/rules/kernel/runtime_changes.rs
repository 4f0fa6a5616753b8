//! NIX-113: the running kernel can still be changed (module loading, kexec).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::kernel::{cmdline, have_sysctl};
use crate::kernel::{Absent, IntCheck, Verdict, NO_PROC};

/// `kernel.modules_disabled` or `kernel.kexec_load_disabled` is 0.
pub struct RuntimeChanges;

crate::host_rule!("NIX-113", RuntimeChanges);

const CHECKS: &[IntCheck] = &[
    IntCheck::new(
        "kernel.modules_disabled",
        |v| v == 1,
        "1",
        Absent::Safe("kernel without loadable-module support"),
    ),
    IntCheck::new(
        "kernel.kexec_load_disabled",
        |v| v == 1,
        "1",
        Absent::Safe("kernel without kexec"),
    ),
];

impl Rule for RuntimeChanges {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_sysctl(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut v = Verdict::run(cx, CHECKS);
        match cmdline(cx) {
            Ok(Some((path, items))) => {
                let nohib = items.iter().any(|(k, _)| k == "nohibernate");
                v.context.push(Evidence::value(
                    path,
                    if nohib {
                        "nohibernate"
                    } else {
                        "no nohibernate"
                    },
                ));
                if !nohib {
                    v.notes
                        .push("hibernation not disabled (`nohibernate` absent)".into());
                }
            }
            Ok(None) => {}
            Err(e) => v.error("kernel command line", e),
        }
        v.outcome("neither module loading nor kexec can change the running kernel")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, proc_sys, text};
    use crate::testing::*;

    #[test]
    fn hardened_passes() {
        let b = proc_sys("proc-sys-hardened").file("/proc/cmdline", text("cmdline/nixos-hardened"));
        let o = run(&RuntimeChanges, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(
            message(&o),
            "neither module loading nor kexec can change the running kernel"
        );
    }

    #[test]
    fn captured_kernel_has_neither_modules_nor_kexec() {
        // proc-sys-captured.missing.txt: both files are absent on this kernel.
        let o = run(&RuntimeChanges, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Pass);
        assert!(
            message(&o).contains("kernel without loadable-module support"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn loadable_modules_fail() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/modules_disabled", "0\n")
            .file("/proc/sys/kernel/kexec_load_disabled", "1\n")
            .file("/proc/cmdline", text("cmdline/nixos-systemd-boot-default"));
        let o = run(&RuntimeChanges, &b);
        assert_eq!(
            pairs(&o),
            [(
                "kernel.modules_disabled".into(),
                "`kernel.modules_disabled = 0` (want 1)".into()
            )]
        );
        // Whether hibernation is off is context of every problem.
        assert_eq!(
            o.problems()[0].evidence,
            [
                Evidence::value("/proc/sys/kernel/modules_disabled", "0"),
                Evidence::value("/proc/cmdline", "no nohibernate")
            ]
        );
    }

    #[test]
    fn modules_and_kexec_are_two_problems() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/modules_disabled", "0\n")
            .file("/proc/sys/kernel/kexec_load_disabled", "0\n");
        let o = run(&RuntimeChanges, &b);
        assert_eq!(
            pairs(&o),
            [
                (
                    "kernel.modules_disabled".into(),
                    "`kernel.modules_disabled = 0` (want 1)".into()
                ),
                (
                    "kernel.kexec_load_disabled".into(),
                    "`kernel.kexec_load_disabled = 0` (want 1)".into()
                )
            ]
        );
    }

    #[test]
    fn skip_and_error() {
        assert_eq!(
            run(&RuntimeChanges, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file("/proc/sys/kernel/modules_disabled", "yes\n");
        assert_eq!(run(&RuntimeChanges, &b).status(), Status::Error);
    }
}
