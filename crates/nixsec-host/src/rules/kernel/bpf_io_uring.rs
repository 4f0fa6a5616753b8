//! NIX-112: unprivileged BPF, an unhardened BPF JIT, or io_uring open to every user.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// `unprivileged_bpf_disabled` = 0, `bpf_jit_harden` < 2, or `io_uring_disabled` = 0 (low).
pub struct BpfIoUring;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &BpfIoUring;

static META: RuleMeta = RuleMeta {
    id: "NIX-112",
    title: "Unprivileged BPF or io_uring attack surface",
    section: Section::Kernel,
    severity: Severity::Medium,
    checks: "`/proc/sys/kernel/unprivileged_bpf_disabled`, `/proc/sys/net/core/bpf_jit_harden` and `/proc/sys/kernel/io_uring_disabled`. Fails when unprivileged BPF is allowed (0) or the JIT is not hardened for everyone (< 2); `io_uring_disabled` = 0 is reported as low. An absent BPF file means the kernel has no BPF syscall or JIT (nothing to harden); an absent `io_uring_disabled` (kernels before 6.6) means the kernel default 0 applies if io_uring is built. Skipped under a root without `/proc/sys`.",
    rationale: "The BPF verifier and io_uring are the two largest sources of recent local privilege escalations; letting every user reach them turns any code execution into a kernel exploit attempt. JIT hardening blinds constants so that JIT spraying does not work.",
    fix: "Disable unprivileged BPF, harden the JIT for all users, and restrict io_uring to privileged processes (1) or turn it off (2).",
    nixos: "boot.kernel.sysctl = { \"kernel.unprivileged_bpf_disabled\" = 1; \"net.core.bpf_jit_harden\" = 2; \"kernel.io_uring_disabled\" = 2; };",
    references: &["Documentation/admin-guide/sysctl/kernel.rst: unprivileged_bpf_disabled, io_uring_disabled", "Documentation/admin-guide/sysctl/net.rst: bpf_jit_harden", "lynis KRNL-6000"],
    source: file!(),
};

const CHECKS: &[IntCheck] = &[
    IntCheck::new(
        "kernel.unprivileged_bpf_disabled",
        |v| v >= 1,
        "1 or 2",
        Absent::Safe("no BPF syscall in this kernel"),
    ),
    IntCheck::new(
        "net.core.bpf_jit_harden",
        |v| v >= 2,
        "2",
        Absent::Safe("no BPF JIT in this kernel"),
    ),
    IntCheck::new(
        "kernel.io_uring_disabled",
        |v| v >= 1,
        "1 or 2",
        Absent::Default(0, "kernel before 6.6 or without io_uring"),
    )
    .at(Severity::Low),
];

impl Rule for BpfIoUring {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(
            cx,
            CHECKS,
            META.severity,
            "unprivileged BPF is off, the JIT is hardened and io_uring is restricted",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::proc_sys;
    use crate::testing::*;

    #[test]
    fn captured_kernel_fails_on_jit_and_io_uring() {
        // proc-sys-captured: unprivileged_bpf_disabled 2, bpf_jit_harden 0, io_uring_disabled 0.
        let o = run(&BpfIoUring, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            message(&o),
            "net.core.bpf_jit_harden = 0 (want 2); kernel.io_uring_disabled = 0 (want 1 or 2)"
        );
        assert!(
            matches!(o, Outcome::Fail { severity: None, .. }),
            "the medium key decides"
        );
    }

    #[test]
    fn io_uring_alone_is_low() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/unprivileged_bpf_disabled", "1\n")
            .file("/proc/sys/net/core/bpf_jit_harden", "2\n")
            .file("/proc/sys/kernel/io_uring_disabled", "0\n");
        let o = run(&BpfIoUring, &b);
        assert!(
            matches!(
                o,
                Outcome::Fail {
                    severity: Some(Severity::Low),
                    ..
                }
            ),
            "{o:?}"
        );
    }

    #[test]
    fn hardened_profile_value_1_for_the_jit_still_fails() {
        // The hardened fixture has bpf_jit_harden = 1; the catalogue wants 2.
        let o = run(&BpfIoUring, &proc_sys("proc-sys-hardened"));
        assert_eq!(message(&o), "net.core.bpf_jit_harden = 1 (want 2)");
    }

    #[test]
    fn pass_skip_and_error() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/unprivileged_bpf_disabled", "1\n")
            .file("/proc/sys/net/core/bpf_jit_harden", "2\n")
            .file("/proc/sys/kernel/io_uring_disabled", "2\n");
        assert_eq!(run(&BpfIoUring, &b).status(), Status::Pass);
        // No BPF at all and a kernel with io_uring turned off: nothing to harden.
        let b = RootBuilder::new().file("/proc/sys/kernel/io_uring_disabled", "2\n");
        let o = run(&BpfIoUring, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("no BPF syscall"));
        assert_eq!(run(&BpfIoUring, &RootBuilder::new()).status(), Status::Skip);
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/unprivileged_bpf_disabled", "1 2\n")
            .file("/proc/sys/kernel/io_uring_disabled", "2\n");
        assert_eq!(run(&BpfIoUring, &b).status(), Status::Error);
    }
}
