//! NIX-118: CPU vulnerability mitigations turned off on the command line, or reported
//! vulnerable by the kernel.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::kernel::cmdline;

/// A mitigation-disabling parameter, or a `Vulnerable` line under
/// `/sys/devices/system/cpu/vulnerabilities`.
pub struct CpuMitigations;

crate::host_rule!("NIX-118", CpuMitigations);

fn weakening(key: &str, value: Option<&str>) -> bool {
    matches!(
        (key, value),
        ("mitigations", Some("off"))
            | (
                "nopti" | "nospectre_v1" | "nospectre_v2" | "nospec_store_bypass_disable",
                None
            )
            | (
                "pti"
                    | "spectre_v2"
                    | "spectre_v2_user"
                    | "spec_store_bypass_disable"
                    | "mds"
                    | "l1tf"
                    | "retbleed"
                    | "mmio_stale_data"
                    | "tsx_async_abort"
                    | "srbds",
                Some("off")
            )
            | ("tsx", Some("on"))
    )
}

impl Rule for CpuMitigations {
    fn check(&self, cx: &HostCx) -> Outcome {
        let mut failures = Vec::new();
        let mut evidence = Vec::new();
        let mut errors = Vec::new();
        let mut seen_any = false;
        match cmdline(cx) {
            Ok(Some(items)) => {
                seen_any = true;
                for (k, v) in &items {
                    if weakening(k, v.as_deref()) {
                        let item = v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}"));
                        failures.push(format!(
                            "`{}` on the kernel command line",
                            nixsec_core::escape(&item)
                        ));
                        evidence.push(Evidence::value("/proc/cmdline", item));
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
                                failures.push(format!("{n}: {}", nixsec_core::escape(t)));
                                evidence.push(Evidence::value(&path, t));
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
        if !failures.is_empty() {
            let mut msg = failures.join("; ");
            if !errors.is_empty() {
                msg.push_str(&format!("; also could not read: {}", errors.join("; ")));
            }
            return Outcome::fail(msg).with_evidence(evidence);
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
    use crate::kernel::fixtures::text;
    use crate::testing::*;

    #[test]
    fn weakened_grub_cmdline_fails() {
        // tests/fixtures/kernel/cmdline/nixos-grub-weakened has `mitigations=off`.
        let b = RootBuilder::new().file("/proc/cmdline", text("cmdline/nixos-grub-weakened"));
        let o = run(&CpuMitigations, &b);
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(message(&o), "`mitigations=off` on the kernel command line");
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
        assert!(message(&run(&CpuMitigations, &b)).starts_with("mds: Vulnerable"));
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
