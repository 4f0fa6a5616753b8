//! NIX-117: other kernel self-protection knobs (SysRq, ASLR, perf, line disciplines,
//! userfaultfd, low mappings, lockdown with debugfs).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::{Absent, IntCheck, Verdict, NO_PROC};
use nixsec_readers::kernel::mounts;

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
        if !crate::kernel::have_sysctl(cx) {
            return Outcome::skip(NO_PROC);
        }
        let mut v = Verdict::run(cx, CHECKS);
        for key in ["kernel.ftrace_enabled", "vm.mmap_rnd_bits"] {
            if let Ok(Some((_, ev))) = crate::kernel::sysctl(cx, key) {
                v.context.push(ev);
            }
        }
        const LOCKDOWN: &str = "/sys/kernel/security/lockdown";
        let lockdown = match cx.root().read_to_string(LOCKDOWN) {
            Ok((_, t)) => {
                let active = t
                    .split_whitespace()
                    .find(|w| w.starts_with('['))
                    .map(|w| w.trim_matches(['[', ']']).to_string());
                match active {
                    Some(a) => Some(a),
                    None => {
                        v.error(
                            LOCKDOWN,
                            format!(
                                "`{LOCKDOWN}`: no active mode in `{}`",
                                nixsec_core::escape(t.trim())
                            ),
                        );
                        None
                    }
                }
            }
            Err(e) if e.is_not_found() => Some("none".to_string()),
            Err(e) => {
                v.error(LOCKDOWN, e.to_string());
                None
            }
        };
        if let Some(mode) = &lockdown {
            let seen = Evidence::value(LOCKDOWN, format!("[{mode}]"));
            v.evidence.push(seen.clone());
            if mode == "none" {
                match mounts(cx.root()) {
                    Ok(Some(m)) => {
                        if let Some(d) = m.iter().find(|m| m.fstype == "debugfs") {
                            let mounted = Evidence::line(
                                "/proc/self/mountinfo",
                                d.line,
                                format!("{} debugfs", d.point),
                            );
                            v.evidence.push(mounted.clone());
                            v.fail(
                                Problem::about(
                                    "debugfs",
                                    format!(
                                        "debugfs is mounted at `{}` and kernel lockdown is `none`",
                                        nixsec_core::escape(&d.point)
                                    ),
                                )
                                .with_evidence([seen, mounted]),
                            );
                        }
                    }
                    Ok(None) => {}
                    Err(e) => v.error("/proc/self/mountinfo", e.to_string()),
                }
            }
        }
        v.outcome("SysRq, ASLR, perf, line disciplines, userfaultfd and low mappings are hardened")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, proc_sys, text};
    use crate::testing::*;

    #[test]
    fn captured_values_fail() {
        // proc-sys-captured: sysrq absent, randomize_va_space 2, perf_event_paranoid 2,
        // ldisc_autoload 1, unprivileged_userfaultfd 0, mmap_min_addr 4096.
        let o = run(&SelfProtection, &proc_sys("proc-sys-captured"));
        assert_eq!(
            pairs(&o),
            [
                (
                    "dev.tty.ldisc_autoload".into(),
                    "`dev.tty.ldisc_autoload = 1` (want 0)".into()
                ),
                (
                    "vm.mmap_min_addr".into(),
                    "`vm.mmap_min_addr = 4096` (want ≥ 65536)".into()
                )
            ]
        );
        // ftrace_enabled and mmap_rnd_bits are reported with every problem.
        let paths: Vec<&str> = o.problems()[1]
            .evidence
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "/proc/sys/vm/mmap_min_addr",
                "/proc/sys/kernel/ftrace_enabled",
                "/proc/sys/vm/mmap_rnd_bits"
            ]
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
        let o = run(&SelfProtection, &b);
        assert_eq!(
            pairs(&o),
            [(
                "debugfs".into(),
                "debugfs is mounted at `/sys/kernel/debug` and kernel lockdown is `none`".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence[..2],
            [
                Evidence::value("/sys/kernel/security/lockdown", "[none]"),
                Evidence::line("/proc/self/mountinfo", 1, "/sys/kernel/debug debugfs")
            ]
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
