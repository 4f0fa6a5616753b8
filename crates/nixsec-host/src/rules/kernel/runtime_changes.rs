//! NIX-113: the running kernel can still be changed (module loading, kexec).

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::kernel::{cmdline, have_proc_sys, Absent, IntCheck, Verdict, NO_PROC};

/// `kernel.modules_disabled` or `kernel.kexec_load_disabled` is 0.
pub struct RuntimeChanges;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &RuntimeChanges;

static META: RuleMeta = RuleMeta {
    id: "NIX-113",
    title: "Kernel can be changed at runtime",
    section: Section::Kernel,
    severity: Severity::Low,
    checks: "`/proc/sys/kernel/modules_disabled` and `/proc/sys/kernel/kexec_load_disabled`, and `nohibernate` in `/proc/cmdline`. Fails when modules can still be loaded after boot or kexec is allowed. An absent `modules_disabled` means the kernel has no loadable-module support, an absent `kexec_load_disabled` no kexec: nothing to lock. Whether `nohibernate` is set is reported (hibernation lets the resume image replace the running kernel). Skipped under a root without `/proc/sys`.",
    rationale: "Root (or anything that gains root) can load a rootkit module or kexec into another kernel, bypassing everything the booted kernel enforces (lockdown, LSMs, signed modules). Locking both after boot makes kernel compromise need a kernel bug.",
    fix: "Load every needed module at boot, then forbid module loading and kexec.",
    nixos: "security.lockKernelModules = true;\nsecurity.protectKernelImage = true;",
    references: &["Documentation/admin-guide/sysctl/kernel.rst: modules_disabled, kexec_load_disabled", "DevSec sysctl-29", "lynis KRNL-6000"],
    source: file!(),
};

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_proc_sys(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut v = Verdict::run(cx, CHECKS);
        match cmdline(cx) {
            Ok(Some(items)) => {
                let nohib = items.iter().any(|(k, _)| k == "nohibernate");
                v.evidence.push(Evidence::value(
                    "/proc/cmdline",
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
            Err(e) => v.errors.push(e),
        }
        v.outcome(
            META.severity,
            "neither module loading nor kexec can change the running kernel",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{proc_sys, text};
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
        assert_eq!(message(&o), "kernel.modules_disabled = 0 (want 1)");
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
