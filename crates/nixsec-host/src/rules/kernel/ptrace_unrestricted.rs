//! NIX-111: any process may ptrace any other process of the same user.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::kernel::{sysctl_rule, Absent, IntCheck};

/// `kernel.yama.ptrace_scope` is 0, or Yama is not in the kernel.
pub struct PtraceUnrestricted;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &PtraceUnrestricted;

static META: RuleMeta = RuleMeta {
    id: "NIX-111",
    title: "ptrace unrestricted",
    section: Section::Kernel,
    severity: Severity::Medium,
    checks: "`/proc/sys/kernel/yama/ptrace_scope`. Fails when it is 0 (the NixOS default is `mkDefault 0`), or when the file is absent: without the Yama LSM the kernel applies classic ptrace permissions, the same as 0. Skipped under a root without `/proc/sys`.",
    rationale: "With classic ptrace rules any process can attach to every other process of the same user and read its memory: one compromised program (a browser tab escape, a malicious npm script) steals SSH agent keys, password manager contents and session tokens from the user's other programs.",
    fix: "Restrict ptrace to descendants (1) or to CAP_SYS_PTRACE (2); use 1 on developer machines that need debuggers.",
    nixos: "boot.kernel.sysctl.\"kernel.yama.ptrace_scope\" = 2;",
    references: &["Documentation/admin-guide/LSM/Yama.rst", "DevSec sysctl-35", "lynis KRNL-6000", "CWE-269"],
    source: file!(),
};

const CHECKS: &[IntCheck] = &[IntCheck::new(
    "kernel.yama.ptrace_scope",
    |v| v >= 1,
    "≥ 1, 2 on servers",
    Absent::Default(0, "no Yama LSM: classic ptrace permissions"),
)];

impl Rule for PtraceUnrestricted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        sysctl_rule(cx, CHECKS, META.severity, "ptrace is restricted by Yama")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::proc_sys;
    use crate::testing::*;

    #[test]
    fn captured_kernel_without_yama_fails_with_the_default() {
        // proc-sys-captured.missing.txt: kernel.yama.ptrace_scope does not exist there.
        let o = run(&PtraceUnrestricted, &proc_sys("proc-sys-captured"));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            message(&o),
            "kernel.yama.ptrace_scope = 0 (want ≥ 1, 2 on servers)"
        );
        match &o {
            Outcome::Fail { evidence, .. } => assert_eq!(
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
