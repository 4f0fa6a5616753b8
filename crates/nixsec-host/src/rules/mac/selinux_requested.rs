//! NIX-102: SELinux asked for on NixOS, which ships no SELinux policy.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use super::{cmdline_mac_params, lsm_list, selinux_enforce, LSM, SELINUX_ENFORCE};
use crate::engine::Rule;

/// SELinux on NixOS.
pub struct SelinuxRequested;

crate::host_rule!("NIX-102", SelinuxRequested);

const CONFIG: &str = "/etc/selinux/config";

impl Rule for SelinuxRequested {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not NixOS: the distribution ships its own SELinux policy");
        }
        let root = cx.root();
        let mut ev = Vec::new();
        match selinux_enforce(root) {
            Ok(Some(e)) => ev.push(Evidence::value(
                SELINUX_ENFORCE,
                if e { "1 (enforcing)" } else { "0 (permissive)" },
            )),
            Ok(None) => {}
            Err(e) => return Outcome::error(e),
        }
        match lsm_list(root) {
            Ok(Some(l)) if l.iter().any(|x| x == "selinux") => {
                ev.push(Evidence::value(LSM, l.join(",")))
            }
            Ok(_) => {}
            Err(e) => return Outcome::error(e),
        }
        match root.read_to_string(CONFIG) {
            Ok((_, t)) => {
                for (i, line) in t.lines().enumerate() {
                    let v = line.trim();
                    if let Some(mode) = v.strip_prefix("SELINUX=") {
                        if matches!(mode, "enforcing" | "permissive") {
                            ev.push(Evidence::line(
                                CONFIG,
                                u32::try_from(i + 1).unwrap_or(u32::MAX),
                                v.to_string(),
                            ));
                        }
                    }
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Outcome::error(e.to_string()),
        }
        for p in cmdline_mac_params(root) {
            if p == "security=selinux"
                || p == "selinux=1"
                || (p.starts_with("lsm=") && p.split([',', '=']).any(|x| x == "selinux"))
            {
                ev.push(Evidence::value("/proc/cmdline", p));
            }
        }
        if ev.is_empty() {
            return Outcome::pass("SELinux is neither active nor configured");
        }
        let what: Vec<String> = ev
            .iter()
            .map(|e| format!("{} {}", e.path, e.value.clone().unwrap_or_default()))
            .collect();
        Outcome::fail(format!(
            "SELinux is requested but NixOS ships no policy or labelling: {}",
            what.join("; ")
        ))
        .with_evidence(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::mac::fixtures::mac;
    use crate::testing::*;

    fn nixos() -> RootBuilder {
        RootBuilder::new().file("/etc/NIXOS", "")
    }

    #[test]
    fn selinux_on_nixos_fails() {
        for b in [
            nixos().file(SELINUX_ENFORCE, mac("selinux/enforce.permissive")),
            nixos().file(LSM, mac("lsm/lsm.selinux")),
            nixos().file(CONFIG, mac("selinux/etc-selinux-config")),
            nixos().file("/proc/cmdline", "init=/nix/store/x/init security=selinux\n"),
        ] {
            let o = run(&SelinuxRequested, &b);
            assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        }
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&run(
            &SelinuxRequested,
            &nixos().file(CONFIG, mac("selinux/etc-selinux-config")),
        )) else {
            panic!()
        };
        assert_eq!(evidence[0].line, Some(2));
    }

    #[test]
    fn no_selinux_passes_other_distros_skip() {
        let b = nixos()
            .file(LSM, mac("lsm/lsm.apparmor"))
            .file("/proc/cmdline", mac("cmdline/nixos-hardened"));
        assert_eq!(run(&SelinuxRequested, &b).status(), Status::Pass);
        let b = RootBuilder::new().file(SELINUX_ENFORCE, "1");
        assert_eq!(run(&SelinuxRequested, &b).status(), Status::Skip);
    }

    #[test]
    fn garbage_is_an_error() {
        let o = run(&SelinuxRequested, &nixos().file(SELINUX_ENFORCE, "2"));
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains(SELINUX_ENFORCE), "{}", message(&o));
        let o = run(&SelinuxRequested, &nixos().file(CONFIG, b"\xff"));
        assert_eq!(o.status(), Status::Error);
    }
}
