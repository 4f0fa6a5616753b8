//! NIX-060: QEMU under libvirt runs as root.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};
use nixsec_isolation::libvirt;

/// QEMU processes of libvirt run as uid 0.
pub struct QemuRunsAsRoot;

crate::host_rule!("NIX-060", QemuRunsAsRoot);

impl Rule for QemuRunsAsRoot {
    fn check(&self, cx: &HostCx) -> Outcome {
        let q = libvirt::qemu(cx.root());
        let mut evidence: Vec<Evidence> = q
            .processes
            .iter()
            .filter(|(_, _, uid)| *uid == 0)
            .map(|(pid, comm, _)| {
                Evidence::value(
                    format!("/proc/{pid}/status"),
                    format!("{comm} runs as uid 0"),
                )
            })
            .collect();
        if let (Some(conf), Some(u)) = (&q.conf, &q.user) {
            if libvirt::is_root(&u.value) {
                evidence.push(Evidence::line(
                    conf.clone(),
                    u.line,
                    format!("user = \"{}\"", u.value),
                ));
            }
        }
        if let (Some(conf), None, None) = (&q.conf, &q.user, &q.error) {
            if cx.info().is_nixos {
                evidence.push(Evidence::value(
                    conf.clone(),
                    "no `user` line: NixOS's runAsRoot = true (the default)",
                ));
            }
        }
        if !evidence.is_empty() {
            return Outcome::fail("QEMU runs as root: a guest escape is root on the host")
                .with_evidence(evidence);
        }
        if let Some(e) = q.error {
            return Outcome::error(e);
        }
        if !q.present {
            return Outcome::skip("libvirt is not installed (no qemu.conf, no /var/lib/libvirt)");
        }
        match (&q.conf, &q.user) {
            (Some(conf), Some(u)) => Outcome::pass(format!("QEMU runs as `{}`", nixsec_core::escape(&u.value))).with_evidence([Evidence::line(conf.clone(), u.line, format!("user = \"{}\"", u.value))]),
            _ if !q.processes.is_empty() => Outcome::pass(format!("{} QEMU process(es), none as root", q.processes.len())),
            _ => Outcome::skip("qemu.conf sets no `user` and no QEMU runs: the user is libvirt's build-time default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cx::HostCx;
    use crate::testing::*;
    use nixsec_core::HostInfo;

    fn nixos(b: &RootBuilder) -> Outcome {
        QemuRunsAsRoot.check(&HostCx::with_info(
            b.root(),
            HostInfo {
                is_nixos: true,
                os_name: None,
            },
        ))
    }

    #[test]
    fn run_as_root_default_on_nixos_fails() {
        // NixOS's generated qemu.conf with runAsRoot = true: no user line.
        let b = RootBuilder::new().file("/var/lib/libvirt/qemu.conf", "namespaces = []\n");
        assert_eq!(nixos(&b).status(), Status::Fail);
        let b = RootBuilder::new().file(
            "/etc/libvirt/qemu.conf",
            "user = \"root\"\ngroup = \"root\"\n",
        );
        let o = run(&QemuRunsAsRoot, &b);
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!("{o:?}")
        };
        assert_eq!(
            evidence[0],
            Evidence::line("/etc/libvirt/qemu.conf", 1, "user = \"root\"")
        );
    }

    #[test]
    fn unprivileged_user_passes() {
        let b = RootBuilder::new().file(
            "/var/lib/libvirt/qemu.conf",
            "user = \"qemu-libvirtd\"\ngroup = \"qemu-libvirtd\"\nnamespaces = []\n",
        );
        assert_eq!(nixos(&b).status(), Status::Pass);
        assert_eq!(
            run(&QemuRunsAsRoot, &RootBuilder::new()).status(),
            Status::Skip
        );
        // Not NixOS, no user line, nothing running: unknown, skipped.
        let b = RootBuilder::new().file("/etc/libvirt/qemu.conf", "# all defaults\n");
        assert_eq!(run(&QemuRunsAsRoot, &b).status(), Status::Skip);
    }

    #[test]
    fn root_qemu_process_fails() {
        let b = RootBuilder::new()
            .file("/etc/libvirt/qemu.conf", "user = \"libvirt-qemu\"\n")
            .file("/proc/4242/comm", "qemu-system-x86\n")
            .file(
                "/proc/4242/status",
                "Name:\tqemu-system-x86\nUid:\t0\t0\t0\t0\n",
            );
        let o = run(&QemuRunsAsRoot, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
    }

    #[test]
    fn garbage_conf_is_an_error() {
        let b = RootBuilder::new().file("/etc/libvirt/qemu.conf", "user = \"unterminated\n");
        assert_eq!(nixos(&b).status(), Status::Error);
    }
}
