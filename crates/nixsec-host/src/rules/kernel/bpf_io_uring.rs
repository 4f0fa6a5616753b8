//! NIX-112: unprivileged BPF, an unhardened BPF JIT, or io_uring open to every user.

use crate::cx::HostCx;
use nixsec_core::{Outcome, Severity};

use crate::engine::Rule;
use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// `unprivileged_bpf_disabled` = 0, `bpf_jit_harden` < 2, or `io_uring_disabled` = 0 (low).
pub struct BpfIoUring;

crate::host_rule!("NIX-112", BpfIoUring);

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
    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(
            cx,
            CHECKS,
            "unprivileged BPF is off, the JIT is hardened and io_uring is restricted",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, problems, proc_sys};
    use crate::testing::*;

    #[test]
    fn captured_kernel_fails_on_jit_and_io_uring() {
        // proc-sys-captured: unprivileged_bpf_disabled 2, bpf_jit_harden 0, io_uring_disabled 0.
        let o = run(&BpfIoUring, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        // The JIT at the rule's severity (medium), io_uring at its own (low).
        assert_eq!(
            problems(&o),
            [
                (
                    "net.core.bpf_jit_harden".into(),
                    "`net.core.bpf_jit_harden = 0` (want 2)".into(),
                    None
                ),
                (
                    "kernel.io_uring_disabled".into(),
                    "`kernel.io_uring_disabled = 0` (want 1 or 2)".into(),
                    Some(Severity::Low)
                )
            ]
        );
    }

    #[test]
    fn io_uring_alone_is_low() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/unprivileged_bpf_disabled", "1\n")
            .file("/proc/sys/net/core/bpf_jit_harden", "2\n")
            .file("/proc/sys/kernel/io_uring_disabled", "0\n");
        let o = run(&BpfIoUring, &b);
        assert_eq!(
            problems(&o),
            [(
                "kernel.io_uring_disabled".into(),
                "`kernel.io_uring_disabled = 0` (want 1 or 2)".into(),
                Some(Severity::Low)
            )]
        );
    }

    #[test]
    fn unprivileged_bpf_is_its_own_problem() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/unprivileged_bpf_disabled", "0\n")
            .file("/proc/sys/net/core/bpf_jit_harden", "2\n")
            .file("/proc/sys/kernel/io_uring_disabled", "2\n");
        let o = run(&BpfIoUring, &b);
        assert_eq!(
            problems(&o),
            [(
                "kernel.unprivileged_bpf_disabled".into(),
                "`kernel.unprivileged_bpf_disabled = 0` (want 1 or 2)".into(),
                None
            )]
        );
    }

    #[test]
    fn hardened_profile_value_1_for_the_jit_still_fails() {
        // The hardened fixture has bpf_jit_harden = 1; the catalogue wants 2.
        let o = run(&BpfIoUring, &proc_sys("proc-sys-hardened"));
        assert_eq!(
            pairs(&o),
            [(
                "net.core.bpf_jit_harden".into(),
                "`net.core.bpf_jit_harden = 1` (want 2)".into()
            )]
        );
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
