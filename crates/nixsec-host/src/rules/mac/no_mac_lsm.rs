//! NIX-100: no mandatory-access-control LSM is active.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use nixsec_readers::mac::{
    apparmor_param, cmdline_mac_params, lsm_list, selinux_enforce, APPARMOR_ENABLED, LSM,
    SELINUX_ENFORCE,
};

/// No AppArmor, SELinux, Smack or TOMOYO.
pub struct NoMacLsm;

crate::host_rule!("NIX-100", NoMacLsm);

const MAC: [&str; 4] = ["apparmor", "selinux", "smack", "tomoyo"];

impl Rule for NoMacLsm {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let hints = cmdline_mac_params(root);
        let hint = if hints.is_empty() {
            String::new()
        } else {
            format!(" (/proc/cmdline: {})", hints.join(" "))
        };
        let mut ev: Vec<Evidence> = hints
            .iter()
            .map(|h| Evidence::value("/proc/cmdline", h.clone()))
            .collect();
        match lsm_list(root) {
            Err(e) => return Outcome::error(e.to_string()),
            Ok(Some(list)) => {
                ev.insert(0, Evidence::value(LSM, list.join(",")));
                let active: Vec<&str> = list
                    .iter()
                    .map(String::as_str)
                    .filter(|l| MAC.contains(l))
                    .collect();
                return if active.is_empty() {
                    Outcome::fail(format!(
                        "no MAC LSM among the active LSMs `{}`{hint}",
                        list.join(",")
                    ))
                    .with_evidence(ev)
                } else {
                    Outcome::pass(format!("MAC LSM active: {}", active.join(", ")))
                        .with_evidence(ev)
                };
            }
            Ok(None) => {}
        }
        let aa = match apparmor_param(root) {
            Ok(v) => v,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let se = match selinux_enforce(root) {
            Ok(v) => v,
            Err(e) => return Outcome::error(e.to_string()),
        };
        if aa == Some(true) {
            return Outcome::pass("AppArmor is enabled (module parameter)")
                .with_evidence([Evidence::value(APPARMOR_ENABLED, "Y")]);
        }
        if let Some(enforcing) = se {
            return Outcome::pass(format!(
                "SELinux is active ({})",
                if enforcing { "enforcing" } else { "permissive" }
            ))
            .with_evidence([Evidence::value(
                SELINUX_ENFORCE,
                if enforcing { "1" } else { "0" },
            )]);
        }
        if root.presence("/sys/kernel").is_absent() {
            return Outcome::skip(
                "no /sys/kernel under the root (an offline root): the active LSMs cannot be read",
            );
        }
        ev.insert(0, Evidence::value(LSM, "absent"));
        if aa == Some(false) {
            ev.push(Evidence::value(APPARMOR_ENABLED, "N"));
        }
        Outcome::fail(format!(
            "no MAC LSM: {LSM} is absent (securityfs not mounted or a kernel before 5.1), AppArmor is {}, and there is no selinuxfs{hint}",
            if aa == Some(false) { "disabled" } else { "not built in" }
        ))
        .with_evidence(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::mac::fixtures::mac;
    use crate::testing::*;

    #[test]
    fn apparmor_or_selinux_pass() {
        for f in ["lsm/lsm.apparmor", "lsm/lsm.selinux"] {
            let o = run(&NoMacLsm, &RootBuilder::new().file(LSM, mac(f)));
            assert_eq!(o.status(), Status::Pass, "{f}");
        }
        let b = RootBuilder::new().file(APPARMOR_ENABLED, mac("apparmor/module-parameter-enabled"));
        assert_eq!(run(&NoMacLsm, &b).status(), Status::Pass);
        let b = RootBuilder::new().file(SELINUX_ENFORCE, mac("selinux/enforce.permissive"));
        assert!(message(&run(&NoMacLsm, &b)).contains("permissive"));
    }

    #[test]
    fn no_mac_fails() {
        let b = RootBuilder::new()
            .file(LSM, mac("lsm/lsm.none"))
            .file("/proc/cmdline", mac("cmdline/nixos-grub-weakened"));
        let o = run(&NoMacLsm, &b);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            message(&o).contains("apparmor=0") && message(&o).contains("selinux=0"),
            "{}",
            message(&o)
        );
        // This machine's state: securityfs not mounted, no AppArmor module.
        let b = RootBuilder::new().dir("/sys/kernel/security", 0o755);
        assert_eq!(run(&NoMacLsm, &b).status(), Status::Fail);
        let b = RootBuilder::new().dir("/sys/kernel", 0o755).file(
            APPARMOR_ENABLED,
            mac("apparmor/module-parameter-enabled.disabled"),
        );
        assert!(message(&run(&NoMacLsm, &b)).contains("AppArmor is disabled"));
    }

    #[test]
    fn offline_root_skips() {
        assert_eq!(run(&NoMacLsm, &RootBuilder::new()).status(), Status::Skip);
    }

    #[test]
    fn garbage_is_an_error() {
        for g in [&b"\xff\xfe"[..], b"capability,,bpf", b"capability, bpf"] {
            let o = run(&NoMacLsm, &RootBuilder::new().file(LSM, g));
            assert_eq!(o.status(), Status::Error, "{g:?}");
            assert!(message(&o).contains(LSM), "{}", message(&o));
        }
        let o = run(
            &NoMacLsm,
            &RootBuilder::new().file(APPARMOR_ENABLED, "maybe"),
        );
        assert_eq!(o.status(), Status::Error);
    }
}
