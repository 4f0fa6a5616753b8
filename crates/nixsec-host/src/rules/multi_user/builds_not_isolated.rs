//! NIX-011: builds do not run as dedicated, locked-down build users.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::accounts::Accounts;
use crate::engine::Rule;
use crate::nix::{bool_setting, with_conf};

/// `build-users-group` is empty, missing, or its users could log in.
pub struct BuildsNotIsolated;

crate::host_rule!("NIX-011", BuildsNotIsolated);

impl Rule for BuildsNotIsolated {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let setting = conf.and_then(|c| c.get("build-users-group"));
            let group_name = setting
                .as_ref()
                .map_or_else(|| "nixbld".to_string(), |s| s.value());
            let mut evidence: Vec<Evidence> =
                setting.as_ref().map(|s| s.evidence()).unwrap_or_default();
            let auto = match bool_setting(conf, "auto-allocate-uids") {
                Ok(v) => v.is_some_and(|(b, _)| b),
                Err(bad) => return Outcome::error(bad.message).with_evidence(bad.evidence),
            };
            if auto {
                return Outcome::pass(
                    "`auto-allocate-uids` is on: each build gets its own uid range",
                );
            }
            if group_name.is_empty() {
                return Outcome::fail(
                    "`build-users-group` is empty: builds run as the daemon's user (root)",
                )
                .with_evidence(evidence);
            }
            let accounts = Accounts::of(cx);
            let groups = match &accounts.groups {
                Ok(g) => g,
                Err(e) => return Outcome::error(e.clone()),
            };
            let Some(group) = groups.iter().find(|g| g.name == group_name) else {
                return Outcome::fail(format!(
                    "the build users group `{}` does not exist in `/etc/group` (the daemon cannot build)",
                    nixsec_core::escape(&group_name)
                ))
                .with_evidence(evidence);
            };
            evidence.push(Evidence::line(
                "/etc/group",
                group.line,
                format!("{}:{}:{}", group.name, group.gid, group.members.join(",")),
            ));
            if group.members.is_empty() {
                return Outcome::fail(format!(
                    "the build users group `{}` has no members",
                    group.name
                ))
                .with_evidence(evidence);
            }
            let users = match &accounts.users {
                Ok(u) => u,
                Err(e) => return Outcome::error(e.clone()),
            };
            let mut problems = Vec::new();
            let mut unknown = false;
            for m in &group.members {
                let Some(u) = users.iter().find(|u| &u.name == m) else {
                    problems.push(format!(
                        "`{}` is not in /etc/passwd",
                        nixsec_core::escape(m)
                    ));
                    continue;
                };
                let mut bad = Vec::new();
                if u.uid == 0 {
                    bad.push("uid 0".to_string());
                }
                if u.has_login_shell() {
                    bad.push(format!(
                        "login shell `{}`",
                        if u.shell.is_empty() {
                            "/bin/sh"
                        } else {
                            &u.shell
                        }
                    ));
                }
                if u.gid != group.gid {
                    bad.push(format!("primary group `{}`", accounts.group_name(u.gid)));
                }
                let others: Vec<&str> = groups
                    .iter()
                    .filter(|g| g.gid != group.gid && g.members.contains(m))
                    .map(|g| g.name.as_str())
                    .collect();
                if !others.is_empty() {
                    bad.push(format!("also in {}", others.join(", ")));
                }
                match &accounts.shadow {
                    Ok(sh) => {
                        if let Some(s) = sh.iter().find(|s| &s.name == m) {
                            if s.hash.is_empty() {
                                bad.push("an empty password".into());
                            } else if s.password_usable() {
                                bad.push("a usable password".into());
                            }
                        }
                    }
                    Err(_) => unknown = true,
                }
                if !bad.is_empty() {
                    evidence.push(Evidence::line(
                        "/etc/passwd",
                        u.line,
                        format!("{}:{}:{}:{}", u.name, u.uid, u.gid, u.shell),
                    ));
                    problems.push(format!(
                        "`{}` has {}",
                        nixsec_core::escape(m),
                        bad.join(", ")
                    ));
                }
            }
            if !problems.is_empty() {
                return Outcome::fail(format!(
                    "build users are not locked down: {}",
                    problems.join("; ")
                ))
                .with_evidence(evidence);
            }
            if unknown {
                let reason = accounts.shadow.as_ref().err().cloned().unwrap_or_default();
                return Outcome::error(format!(
                    "cannot tell whether build users have passwords: {reason}"
                ))
                .with_evidence(evidence);
            }
            Outcome::pass(format!(
                "builds run as the {} locked members of `{}`",
                group.members.len(),
                nixsec_core::escape(&group.name)
            ))
            .with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn default_layout_passes() {
        let o = run(&BuildsNotIsolated, &root_with_conf(""));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn empty_or_missing_group_fails() {
        assert_eq!(
            run(&BuildsNotIsolated, &root_with_conf("build-users-group =\n")).status(),
            Status::Fail
        );
        let o = run(
            &BuildsNotIsolated,
            &root_with_conf("build-users-group = builders\n"),
        );
        assert!(message(&o).contains("does not exist"), "{}", message(&o));
        assert_eq!(
            run(
                &BuildsNotIsolated,
                &root_with_conf("build-users-group =\nauto-allocate-uids = true\n")
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn loose_build_user_fails() {
        let b = root_with_conf("")
            .file("/etc/passwd", "root:x:0:0::/root:/bin/bash\nnixbld1:x:30001:30000::/var/empty:/bin/bash\nnixbld2:x:30002:30000::/var/empty:/sbin/nologin\n")
            .file("/etc/group", "wheel:x:1:nixbld2\nnixbld:x:30000:nixbld1,nixbld2\n")
            .file("/etc/shadow", "nixbld1:!:1::::::\nnixbld2::1::::::\n");
        let o = run(&BuildsNotIsolated, &b);
        let m = message(&o).to_string();
        assert_eq!(o.status(), Status::Fail, "{m}");
        assert!(m.contains("`nixbld1` has login shell `/bin/bash`"), "{m}");
        assert!(
            m.contains("`nixbld2` has also in wheel, an empty password"),
            "{m}"
        );
    }

    #[test]
    fn missing_group_file_is_an_error() {
        let b = root_with_conf("");
        std::fs::remove_file(b.path().join("etc/group")).expect("rm");
        let o = run(&BuildsNotIsolated, &b);
        assert_eq!(o.status(), Status::Error);
        assert_eq!(message(&o), "`/etc/group`: no such file or directory");
    }

    #[test]
    fn unreadable_shadow_is_an_error_not_a_pass() {
        let b = root_with_conf("");
        std::fs::remove_file(b.path().join("etc/shadow")).expect("rm");
        std::fs::create_dir(b.path().join("etc/shadow")).expect("dir in the way");
        let o = run(&BuildsNotIsolated, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
