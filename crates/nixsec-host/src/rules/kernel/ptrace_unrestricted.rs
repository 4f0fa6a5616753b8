//! NIX-111: any process may ptrace any other process of the same user.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// `kernel.yama.ptrace_scope` is 0, or Yama is not in the kernel.
pub struct PtraceUnrestricted;

crate::host_rule!("NIX-111", PtraceUnrestricted);

const CHECKS: &[IntCheck] = &[IntCheck::new(
    "kernel.yama.ptrace_scope",
    |v| v >= 1,
    "≥ 1, 2 on servers",
    Absent::Default(0, "no Yama LSM: classic ptrace permissions"),
)];

impl Rule for PtraceUnrestricted {
    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(cx, CHECKS, "ptrace is restricted by Yama")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, proc_sys};
    use crate::testing::*;

    #[test]
    fn captured_kernel_without_yama_fails_with_the_default() {
        // proc-sys-captured.missing.txt: kernel.yama.ptrace_scope does not exist there.
        let o = run(&PtraceUnrestricted, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            pairs(&o),
            [(
                "kernel.yama.ptrace_scope".into(),
                "`kernel.yama.ptrace_scope = 0` (want ≥ 1, 2 on servers)".into()
            )]
        );
        match failed(&o) {
            Some(Failed { evidence, .. }) => assert_eq!(
                evidence[0].value.as_deref(),
                Some("absent: kernel default 0 applies (no Yama LSM: classic ptrace permissions)")
            ),
            _ => unreachable!(),
        }
    }

    #[test]
    fn hardened_passes_and_zero_fails() {
        assert_eq!(
            run(&PtraceUnrestricted, &proc_sys("proc-sys-hardened")).status(),
            Status::Pass
        );
        let b = RootBuilder::new().file("/proc/sys/kernel/yama/ptrace_scope", "0\n");
        assert_eq!(run(&PtraceUnrestricted, &b).status(), Status::Fail);
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&PtraceUnrestricted, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file("/proc/sys/kernel/yama/ptrace_scope", "\u{0}\u{7f}");
        assert_eq!(run(&PtraceUnrestricted, &b).status(), Status::Error);
    }
}
