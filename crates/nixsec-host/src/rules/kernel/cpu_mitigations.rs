//! NIX-118: CPU vulnerability mitigations turned off on the command line, or reported
//! vulnerable by the kernel.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;

/// A mitigation-disabling parameter, or a `Vulnerable` line under
/// `/sys/devices/system/cpu/vulnerabilities`.
pub struct CpuMitigations;

crate::host_rule!("NIX-118", CpuMitigations);

fn weakening(key: &str, value: Option<&str>) -> bool {
    nixsec_core::cmdline::weakens_cpu_mitigations(key, value)
}

/// Add `p`, or merge its evidence into the problem with the same subject.
fn push(problems: &mut Vec<Problem>, p: Problem) {
    match problems.iter_mut().find(|q| q.subject == p.subject) {
        Some(q) => q.evidence.extend(p.evidence),
        None => problems.push(p),
    }
}

impl Rule for CpuMitigations {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        let mut seen_any = false;
        match crate::kernel::cmdline(cx) {
            Ok(Some((path, items))) => {
                seen_any = true;
                for (k, v) in &items {
                    if weakening(k, v.as_deref()) {
                        let item = v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}"));
                        let shown = nixsec_core::escape(&item).into_owned();
                        push(
                            &mut problems,
                            Problem::about(
                                shown.clone(),
                                format!("`{shown}` on the kernel command line"),
                            )
                            .with_evidence([Evidence::value(path.as_str(), item)]),
                        );
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        const DIR: &str = "/sys/devices/system/cpu/vulnerabilities";
        match cx.root().read_dir(DIR) {
            Ok((_, names)) => {
                seen_any = true;
                for n in names {
                    let n = n.to_string_lossy().into_owned();
                    let path = format!("{DIR}/{n}");
                    match cx.root().read_to_string(&path) {
                        Ok((_, t)) => {
                            let t = t.trim_end_matches('\n');
                            if t.starts_with("Vulnerable") {
                                let name = nixsec_core::escape(&n).into_owned();
                                push(
                                    &mut problems,
                                    Problem::about(
                                        name.clone(),
                                        format!(
                                            "the kernel reports the CPU vulnerability `{name}` unmitigated: {}",
                                            nixsec_core::escape(t)
                                        ),
                                    )
                                    .with_evidence([Evidence::value(&path, t)]),
                                );
                            }
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => errors.push(e.to_string()),
        }
        if !seen_any && errors.is_empty() {
            return Outcome::skip("no `/proc/cmdline` or `/sys/devices/system/cpu/vulnerabilities` under this root: only the running system can be checked");
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass("no mitigation is turned off and the kernel reports no CPU vulnerability as unmitigated")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, text};
    use crate::testing::*;

    #[test]
    fn weakened_grub_cmdline_fails() {
        // tests/fixtures/kernel/cmdline/nixos-grub-weakened has `mitigations=off`.
        let b = RootBuilder::new().file("/proc/cmdline", text("cmdline/nixos-grub-weakened"));
        let o = run(&CpuMitigations, &b);
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            pairs(&o),
            [(
                "mitigations=off".into(),
                "`mitigations=off` on the kernel command line".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::value("/proc/cmdline", "mitigations=off")]
        );
    }

    #[test]
    fn each_parameter_and_vulnerability_is_its_own_problem() {
        let b = RootBuilder::new()
            .file(
                "/proc/cmdline",
                "quiet nopti mitigations=off nopti tsx=on\n",
            )
            .file(
                "/sys/devices/system/cpu/vulnerabilities/meltdown",
                "Vulnerable\n",
            )
            .file(
                "/sys/devices/system/cpu/vulnerabilities/spectre_v1",
                "Mitigation: usercopy/swapgs barriers and __user pointer sanitization\n",
            );
        let o = run(&CpuMitigations, &b);
        assert_eq!(
            pairs(&o),
            [
                ("nopti".into(), "`nopti` on the kernel command line".into()),
                (
                    "mitigations=off".into(),
                    "`mitigations=off` on the kernel command line".into()
                ),
                (
                    "tsx=on".into(),
                    "`tsx=on` on the kernel command line".into()
                ),
                (
                    "meltdown".into(),
                    "the kernel reports the CPU vulnerability `meltdown` unmitigated: Vulnerable"
                        .into()
                ),
            ]
        );
        // A parameter given twice is one problem with both.
        assert_eq!(o.problems()[0].evidence.len(), 2);
        assert_eq!(
            o.problems()[3].evidence,
            [Evidence::value(
                "/sys/devices/system/cpu/vulnerabilities/meltdown",
                "Vulnerable"
            )]
        );
    }

    #[test]
    fn default_cmdline_and_mitigated_cpu_pass() {
        let b = RootBuilder::new()
            .file("/proc/cmdline", text("cmdline/nixos-systemd-boot-default"))
            .file(
                "/sys/devices/system/cpu/vulnerabilities/meltdown",
                "Not affected\n",
            )
            .file(
                "/sys/devices/system/cpu/vulnerabilities/spectre_v2",
                "Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; RSB filling\n",
            );
        assert_eq!(run(&CpuMitigations, &b).status(), Status::Pass);
        // A parameter after `--` belongs to init, not the kernel.
        let b = RootBuilder::new().file("/proc/cmdline", "quiet -- mitigations=off\n");
        assert_eq!(run(&CpuMitigations, &b).status(), Status::Pass);
    }

    #[test]
    fn vulnerable_cpu_fails() {
        let b = RootBuilder::new().file(
            "/sys/devices/system/cpu/vulnerabilities/mds",
            "Vulnerable: Clear CPU buffers attempted, no microcode; SMT vulnerable\n",
        );
        assert_eq!(
            pairs(&run(&CpuMitigations, &b)),
            [(
                "mds".into(),
                "the kernel reports the CPU vulnerability `mds` unmitigated: Vulnerable: Clear CPU buffers attempted, no microcode; SMT vulnerable".into()
            )]
        );
    }

    #[test]
    fn skip_and_error() {
        assert_eq!(
            run(&CpuMitigations, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file("/proc/cmdline", b"\xff\xfe".as_slice());
        assert_eq!(run(&CpuMitigations, &b).status(), Status::Error);
    }
}
