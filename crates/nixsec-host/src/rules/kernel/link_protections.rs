//! NIX-116: link and FIFO protections off, or setuid programs dump core where users can read it.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::{have_sysctl, sysctl, sysctl_int};
use crate::kernel::{Absent, IntCheck, Verdict, NO_PROC};

/// `fs.protected_*` below target, or `fs.suid_dumpable` 1 (or 2 with a relative core pattern).
pub struct LinkProtections;

crate::host_rule!("NIX-116", LinkProtections);

const CHECKS: &[IntCheck] = &[
    IntCheck::new(
        "fs.protected_hardlinks",
        |v| v == 1,
        "1",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "fs.protected_symlinks",
        |v| v == 1,
        "1",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "fs.protected_fifos",
        |v| v >= 1,
        "1 or 2",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "fs.protected_regular",
        |v| v >= 2,
        "2",
        Absent::Default(0, "kernel default"),
    ),
    IntCheck::new(
        "fs.suid_dumpable",
        |v| v != 1,
        "0 (or 2 with an absolute core_pattern)",
        Absent::Default(0, "kernel default"),
    ),
];

impl Rule for LinkProtections {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_sysctl(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut v = Verdict::run(cx, CHECKS);
        if let Ok(Some((2, dumpable))) = sysctl_int(cx, "fs.suid_dumpable") {
            match sysctl(cx, "kernel.core_pattern") {
                Ok(Some((p, pattern))) => {
                    v.evidence.push(pattern.clone());
                    if !(p.starts_with('/') || p.starts_with('|')) {
                        v.fail(
                            Problem::about(
                                "fs.suid_dumpable",
                                format!(
                                    "`fs.suid_dumpable = 2` with a relative `kernel.core_pattern` `{}`: setuid programs dump core into the user's directory",
                                    nixsec_core::escape(&p)
                                ),
                            )
                            .with_evidence([dumpable, pattern]),
                        );
                    }
                }
                Ok(None) => v.fail(
                    Problem::about(
                        "fs.suid_dumpable",
                        "`fs.suid_dumpable = 2` and `kernel.core_pattern` absent (default `core`, relative): setuid programs dump core into the user's directory",
                    )
                    .with_evidence([
                        dumpable,
                        Evidence::value("/proc/sys/kernel/core_pattern", "absent"),
                    ]),
                ),
                Err(e) => v.error("kernel.core_pattern", e.to_string()),
            }
        }
        v.outcome("link protections are on and setuid programs do not dump core")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, proc_sys};
    use crate::testing::*;

    #[test]
    fn captured_values_fail() {
        // proc-sys-captured: hardlinks 1, symlinks 0, fifos 0, regular 0, suid_dumpable 0.
        let o = run(&LinkProtections, &proc_sys("proc-sys-captured"));
        assert_eq!(
            pairs(&o),
            [
                (
                    "fs.protected_symlinks".into(),
                    "`fs.protected_symlinks = 0` (want 1)".into()
                ),
                (
                    "fs.protected_fifos".into(),
                    "`fs.protected_fifos = 0` (want 1 or 2)".into()
                ),
                (
                    "fs.protected_regular".into(),
                    "`fs.protected_regular = 0` (want 2)".into()
                ),
            ]
        );
    }

    #[test]
    fn hardened_passes() {
        assert_eq!(
            run(&LinkProtections, &proc_sys("proc-sys-hardened")).status(),
            Status::Pass
        );
    }

    #[test]
    fn suid_dumpable_two_needs_an_absolute_pattern() {
        let b = proc_sys("proc-sys-hardened").file("/proc/sys/fs/suid_dumpable", "2\n");
        assert_eq!(
            run(&LinkProtections, &b).status(),
            Status::Pass,
            "core_pattern is a pipe"
        );
        let b = b.file("/proc/sys/kernel/core_pattern", "core.%p\n");
        let o = run(&LinkProtections, &b);
        assert_eq!(
            pairs(&o),
            [(
                "fs.suid_dumpable".into(),
                "`fs.suid_dumpable = 2` with a relative `kernel.core_pattern` `core.%p`: setuid programs dump core into the user's directory".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [
                Evidence::value("/proc/sys/fs/suid_dumpable", "2"),
                Evidence::value("/proc/sys/kernel/core_pattern", "core.%p")
            ]
        );
        let b = proc_sys("proc-sys-hardened").file("/proc/sys/fs/suid_dumpable", "1\n");
        assert_eq!(
            pairs(&run(&LinkProtections, &b)),
            [(
                "fs.suid_dumpable".into(),
                "`fs.suid_dumpable = 1` (want 0 (or 2 with an absolute core_pattern))".into()
            )]
        );
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&LinkProtections, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = proc_sys("proc-sys-hardened").file("/proc/sys/fs/protected_regular", "");
        assert_eq!(run(&LinkProtections, &b).status(), Status::Error);
    }
}
