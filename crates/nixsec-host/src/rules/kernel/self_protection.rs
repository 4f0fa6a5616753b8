//! NIX-117: other kernel self-protection knobs (SysRq, ASLR, perf, line disciplines,
//! userfaultfd, low mappings, lockdown with debugfs).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::kernel::{have_proc_sys, mounts, Absent, IntCheck, Verdict, NO_PROC};

/// One of the knobs is below its target, or lockdown is `none` while debugfs is mounted.
pub struct SelfProtection;

crate::host_rule!("NIX-117", SelfProtection);

const CHECKS: &[IntCheck] = &[
    IntCheck::new(
        "kernel.sysrq",
        |v| v == 0,
        "0",
        Absent::Safe("kernel without SysRq"),
    ),
    IntCheck::new(
        "kernel.randomize_va_space",
        |v| v == 2,
        "2",
        Absent::Default(2, "kernel default"),
    ),
    IntCheck::new(
        "kernel.perf_event_paranoid",
        |v| v >= 2,
        "≥ 2",
        Absent::Safe("kernel without perf events"),
    ),
    IntCheck::new(
        "dev.tty.ldisc_autoload",
        |v| v == 0,
        "0",
        Absent::Default(1, "kernel before 5.1 autoloads line disciplines"),
    ),
    IntCheck::new(
        "vm.unprivileged_userfaultfd",
        |v| v == 0,
        "0",
        Absent::Default(1, "kernel before 5.2 lets every user use userfaultfd"),
    ),
    IntCheck::new(
        "vm.mmap_min_addr",
        |v| v >= 65536,
        "≥ 65536",
        Absent::Safe("kernel without the knob"),
    ),
];

impl Rule for SelfProtection {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !have_proc_sys(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut v = Verdict::run(cx, CHECKS);
        for key in ["kernel.ftrace_enabled", "vm.mmap_rnd_bits"] {
            if let Ok(Some(x)) = crate::kernel::read_sysctl(cx, key) {
                v.evidence
                    .push(Evidence::value(crate::kernel::sysctl_path(key), x));
            }
        }
        let lockdown = match cx.root().read_to_string("/sys/kernel/security/lockdown") {
            Ok((_, t)) => {
                let active = t
                    .split_whitespace()
                    .find(|w| w.starts_with('['))
                    .map(|w| w.trim_matches(['[', ']']).to_string());
                match active {
                    Some(a) => Some(a),
                    None => {
                        v.errors.push(format!(
                            "`/sys/kernel/security/lockdown`: no active mode in `{}`",
                            nixsec_core::escape(t.trim())
                        ));
                        None
                    }
                }
            }
            Err(e) if e.is_not_found() => Some("none".to_string()),
            Err(e) => {
                v.errors.push(e.to_string());
                None
            }
        };
        if let Some(mode) = &lockdown {
            v.evidence.push(Evidence::value(
                "/sys/kernel/security/lockdown",
                format!("[{mode}]"),
            ));
            if mode == "none" {
                match mounts(cx) {
                    Ok(Some(m)) => {
                        if let Some(d) = m.iter().find(|m| m.fstype == "debugfs") {
                            v.evidence.push(Evidence::line(
                                "/proc/self/mountinfo",
                                d.line,
                                format!("{} debugfs", d.point),
                            ));
                            v.fail(
                                format!(
                                    "debugfs is mounted at {} and kernel lockdown is `none`",
                                    d.point
                                ),
                                None,
                            );
                        }
                    }
                    Ok(None) => {}
                    Err(e) => v.errors.push(e),
                }
            }
        }
        v.outcome(
            nixsec_catalogue::entry("NIX-117").severity,
            "SysRq, ASLR, perf, line disciplines, userfaultfd and low mappings are hardened",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{proc_sys, text};
    use crate::testing::*;

    #[test]
    fn captured_values_fail() {
        // proc-sys-captured: sysrq absent, randomize_va_space 2, perf_event_paranoid 2,
        // ldisc_autoload 1, unprivileged_userfaultfd 0, mmap_min_addr 4096.
        let o = run(&SelfProtection, &proc_sys("proc-sys-captured"));
        assert_eq!(
            message(&o),
            "dev.tty.ldisc_autoload = 1 (want 0); vm.mmap_min_addr = 4096 (want ≥ 65536)"
        );
    }

    #[test]
    fn hardened_passes_with_lockdown() {
        let b = proc_sys("proc-sys-hardened")
            .file("/sys/kernel/security/lockdown", text("lockdown/integrity"))
            .file("/proc/self/mountinfo", "40 23 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime - debugfs debugfs rw\n");
        let o = run(&SelfProtection, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn debugfs_without_lockdown_fails() {
        let b = proc_sys("proc-sys-hardened")
            .file("/sys/kernel/security/lockdown", text("lockdown/none"))
            .file("/proc/self/mountinfo", "40 23 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime - debugfs debugfs rw\n");
        assert_eq!(
            message(&run(&SelfProtection, &b)),
            "debugfs is mounted at /sys/kernel/debug and kernel lockdown is `none`"
        );
    }

    #[test]
    fn skip_and_garbage() {
        assert_eq!(
            run(&SelfProtection, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = proc_sys("proc-sys-hardened").file("/sys/kernel/security/lockdown", "garbage\n");
        let o = run(&SelfProtection, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("no active mode"), "{}", message(&o));
    }
}
