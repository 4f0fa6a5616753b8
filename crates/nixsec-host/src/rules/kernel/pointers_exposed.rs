//! NIX-110: kernel pointers or the kernel log are readable by unprivileged users.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// `kernel.kptr_restrict` < 1 or `kernel.dmesg_restrict` ≠ 1.
pub struct PointersExposed;

crate::host_rule!("NIX-110", PointersExposed);

const CHECKS: &[IntCheck] = &[
    IntCheck::new(
        "kernel.kptr_restrict",
        |v| v >= 1,
        "≥ 1, 2 recommended",
        Absent::Default(0, "kernel without the knob shows pointers"),
    ),
    IntCheck::new(
        "kernel.dmesg_restrict",
        |v| v == 1,
        "1",
        Absent::Default(0, "CONFIG_SECURITY_DMESG_RESTRICT off"),
    ),
];

impl Rule for PointersExposed {
    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(
            cx,
            CHECKS,
            "kernel pointers are hidden and the kernel log is restricted",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{problems, proc_sys};
    use crate::testing::*;

    #[test]
    fn captured_debian_kernel_fails_on_kptr_restrict() {
        // tests/fixtures/kernel/proc-sys-captured: kptr_restrict 0, dmesg_restrict 1.
        let o = run(&PointersExposed, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            problems(&o),
            [(
                "kernel.kptr_restrict".into(),
                "`kernel.kptr_restrict = 0` (want ≥ 1, 2 recommended)".into(),
                None
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [nixsec_core::Evidence::value(
                "/proc/sys/kernel/kptr_restrict",
                "0"
            )]
        );
    }

    #[test]
    fn each_key_is_its_own_problem() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/kptr_restrict", "0\n")
            .file("/proc/sys/kernel/dmesg_restrict", "0\n");
        let o = run(&PointersExposed, &b);
        assert_eq!(
            problems(&o),
            [
                (
                    "kernel.kptr_restrict".into(),
                    "`kernel.kptr_restrict = 0` (want ≥ 1, 2 recommended)".into(),
                    None
                ),
                (
                    "kernel.dmesg_restrict".into(),
                    "`kernel.dmesg_restrict = 0` (want 1)".into(),
                    None
                )
            ]
        );
        assert_eq!(
            o.problems()[1].evidence,
            [nixsec_core::Evidence::value(
                "/proc/sys/kernel/dmesg_restrict",
                "0"
            )]
        );
    }

    #[test]
    fn an_unreadable_key_beside_a_failing_one_is_its_own_problem() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/kptr_restrict", "0\n")
            .file("/proc/sys/kernel/dmesg_restrict", "one\n");
        let o = run(&PointersExposed, &b);
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            problems(&o)[1],
            (
                "kernel.dmesg_restrict".into(),
                "`/proc/sys/kernel/dmesg_restrict` could not be read: not an integer: `one`; not checked"
                    .into(),
                None
            )
        );
    }

    #[test]
    fn hardened_values_pass() {
        assert_eq!(
            run(&PointersExposed, &proc_sys("proc-sys-hardened")).status(),
            Status::Pass
        );
    }

    #[test]
    fn skipped_without_proc() {
        assert_eq!(
            run(&PointersExposed, &RootBuilder::new().file("/etc/NIXOS", "")).status(),
            Status::Skip
        );
    }

    #[test]
    fn garbage_value_is_an_error() {
        let b = RootBuilder::new()
            .file("/proc/sys/kernel/kptr_restrict", "two\n")
            .file("/proc/sys/kernel/dmesg_restrict", "1\n");
        let o = run(&PointersExposed, &b);
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/proc/sys/kernel/kptr_restrict`: not an integer: `two`"
        );
    }

    #[test]
    fn absent_key_uses_the_kernel_default() {
        let o = run(
            &PointersExposed,
            &RootBuilder::new().file("/proc/sys/kernel/kptr_restrict", "2\n"),
        );
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            problems(&o),
            [(
                "kernel.dmesg_restrict".into(),
                "`kernel.dmesg_restrict = 0` (want 1)".into(),
                None
            )]
        );
        assert_eq!(
            o.problems()[0].evidence[0].value.as_deref(),
            Some("absent: kernel default 0 applies (CONFIG_SECURITY_DMESG_RESTRICT off)")
        );
    }
}
