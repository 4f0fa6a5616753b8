//! NIX-102: SELinux asked for on NixOS, which ships no SELinux policy.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};

use crate::engine::Rule;
use nixsec_readers::mac::{cmdline_mac_params, lsm_list, selinux_enforce, LSM, SELINUX_ENFORCE};

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
        // One problem per place that asks for SELinux.
        let mut problems: Vec<Problem> = Vec::new();
        match selinux_enforce(root) {
            Ok(Some(e)) => problems.push(
                Problem::about(
                    SELINUX_ENFORCE,
                    format!(
                        "SELinux is active ({}) but NixOS ships no policy or labelling",
                        if e { "enforcing" } else { "permissive" }
                    ),
                )
                .with_evidence([Evidence::value(
                    SELINUX_ENFORCE,
                    if e { "1 (enforcing)" } else { "0 (permissive)" },
                )]),
            ),
            Ok(None) => {}
            Err(e) => return Outcome::error(e.to_string()),
        }
        match lsm_list(root) {
            Ok(Some(l)) if l.iter().any(|x| x == "selinux") => problems.push(
                Problem::about(
                    LSM,
                    "SELinux is an active LSM but NixOS ships no policy or labelling",
                )
                .with_evidence([Evidence::value(LSM, l.join(","))]),
            ),
            Ok(_) => {}
            Err(e) => return Outcome::error(e.to_string()),
        }
        match root.read_to_string(CONFIG) {
            Ok((_, t)) => {
                for (i, line) in t.lines().enumerate() {
                    let v = line.trim();
                    if let Some(mode) = v.strip_prefix("SELINUX=") {
                        if matches!(mode, "enforcing" | "permissive") {
                            problems.push(
                                Problem::about(
                                    CONFIG,
                                    format!("`{CONFIG}` sets `{v}` but NixOS ships no SELinux policy or labelling"),
                                )
                                .with_evidence([Evidence::line(
                                    CONFIG,
                                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                                    v.to_string(),
                                )]),
                            );
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
                let shown = escape(&p).into_owned();
                problems.push(
                    Problem::about(
                        shown.as_str(),
                        format!("the kernel command line asks for SELinux with `{shown}` but NixOS ships no policy or labelling"),
                    )
                    .with_evidence([Evidence::value("/proc/cmdline", p)]),
                );
            }
        }
        Outcome::problems_or(crate::isolation::merged(problems), || {
            Outcome::pass("SELinux is neither active nor configured")
        })
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
    fn each_request_is_a_problem() {
        let b = nixos()
            .file(SELINUX_ENFORCE, mac("selinux/enforce.permissive"))
            .file(LSM, mac("lsm/lsm.selinux"))
            .file(CONFIG, mac("selinux/etc-selinux-config"))
            .file(
                "/proc/cmdline",
                "init=/nix/store/x/init security=selinux selinux=1 lsm=landlock,selinux\n",
            );
        let o = run(&SelinuxRequested, &b);
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                Some(SELINUX_ENFORCE),
                Some(LSM),
                Some(CONFIG),
                Some("security=selinux"),
                Some("selinux=1"),
                Some("lsm=landlock,selinux"),
            ],
            "{o:?}"
        );
        assert_eq!(
            o.problems()[0].message,
            "SELinux is active (permissive) but NixOS ships no policy or labelling"
        );
        assert_eq!(
            o.problems()[3].message,
            "the kernel command line asks for SELinux with `security=selinux` but NixOS ships no policy or labelling"
        );
        assert_eq!(
            o.problems()[3].evidence,
            [Evidence::value("/proc/cmdline", "security=selinux")]
        );
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
