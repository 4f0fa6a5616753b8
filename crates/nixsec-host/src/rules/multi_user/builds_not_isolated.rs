//! NIX-011: builds do not run as dedicated, locked-down build users.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::nix::{bool_setting, with_conf};
use crate::perms::unreadable;
use nixsec_readers::accounts::Accounts;

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
                return Outcome::fail_about(
                    "build-users-group",
                    "`build-users-group` is empty: builds run as the daemon's user (root)",
                )
                .with_evidence(evidence);
            }
            let accounts = Accounts::of(cx);
            let groups = match &accounts.groups {
                Ok(g) => g,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let Some(group) = groups.iter().find(|g| g.name == group_name) else {
                return Outcome::fail_about(
                    "build-users-group",
                    format!(
                        "the build users group `{}` does not exist in `/etc/group` (the daemon cannot build)",
                        nixsec_core::escape(&group_name)
                    ),
                )
                .with_evidence(evidence);
            };
            evidence.push(Evidence::line(
                "/etc/group",
                group.line,
                format!("{}:{}:{}", group.name, group.gid, group.members.join(",")),
            ));
            if group.members.is_empty() {
                return Outcome::fail_about(
                    "build-users-group",
                    format!(
                        "the build users group `{}` has no members",
                        nixsec_core::escape(&group.name)
                    ),
                )
                .with_evidence(evidence);
            }
            let users = match &accounts.users {
                Ok(u) => u,
                Err(e) => return Outcome::error(e.to_string()),
            };
            // One problem per member: each is locked down on its own.
            let mut problems = Vec::new();
            let mut unknown = false;
            for m in &group.members {
                let Some(u) = users.iter().find(|u| &u.name == m) else {
                    problems.push(
                        Problem::about(
                            m.clone(),
                            format!(
                                "build user `{}` is not in /etc/passwd",
                                nixsec_core::escape(m)
                            ),
                        )
                        .with_evidence(evidence.iter().cloned()),
                    );
                    continue;
                };
                let mut bad = Vec::new();
                if u.uid == 0 {
                    bad.push("has uid 0".to_string());
                }
                if u.has_login_shell() {
                    bad.push(format!(
                        "has login shell `{}`",
                        if u.shell.is_empty() {
                            "/bin/sh"
                        } else {
                            &u.shell
                        }
                    ));
                }
                if u.gid != group.gid {
                    bad.push(format!(
                        "has primary group `{}`",
                        nixsec_core::escape(&accounts.group_name(u.gid))
                    ));
                }
                let others: Vec<String> = groups
                    .iter()
                    .filter(|g| g.gid != group.gid && g.members.contains(m))
                    .map(|g| format!("`{}`", nixsec_core::escape(&g.name)))
                    .collect();
                if !others.is_empty() {
                    bad.push(format!("is also in {}", others.join(", ")));
                }
                match &accounts.shadow {
                    Ok(sh) => {
                        if let Some(s) = sh.iter().find(|s| &s.name == m) {
                            if s.hash.is_empty() {
                                bad.push("has an empty password".into());
                            } else if s.password_usable() {
                                bad.push("has a usable password".into());
                            }
                        }
                    }
                    Err(_) => unknown = true,
                }
                if !bad.is_empty() {
                    let last = bad.pop().unwrap_or_default();
                    let said = if bad.is_empty() {
                        last
                    } else {
                        format!("{} and {last}", bad.join(", "))
                    };
                    problems.push(
                        Problem::about(
                            m.clone(),
                            format!("build user `{}` {said}", nixsec_core::escape(m)),
                        )
                        .with_evidence(evidence.iter().cloned().chain([
                            Evidence::line(
                                "/etc/passwd",
                                u.line,
                                format!("{}:{}:{}:{}", u.name, u.uid, u.gid, u.shell),
                            ),
                        ])),
                    );
                }
            }
            if !problems.is_empty() {
                if let Err(e) = &accounts.shadow {
                    problems.push(unreadable(&e.to_string(), "/etc/shadow"));
                }
                return Outcome::Fail { problems };
            }
            if unknown {
                let reason = accounts
                    .shadow
                    .as_ref()
                    .err()
                    .map(ToString::to_string)
                    .unwrap_or_default();
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
            o.problems()[0].subject.as_deref(),
            Some("build-users-group")
        );
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
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("nixbld1"));
        assert_eq!(
            p[0].message,
            "build user `nixbld1` has login shell `/bin/bash`"
        );
        assert_eq!(p[1].subject.as_deref(), Some("nixbld2"));
        assert_eq!(
            p[1].message,
            "build user `nixbld2` is also in `wheel` and has an empty password"
        );
        // The group's line and the user's.
        assert_eq!(p[1].evidence.last().map(|e| e.line), Some(Some(3)));
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn every_member_is_its_own_problem() {
        let b = root_with_conf("")
            .file(
                "/etc/passwd",
                "root:x:0:0::/root:/bin/bash\nnixbld1:x:30001:100::/var/empty:/bin/bash\n",
            )
            .file("/etc/group", "users:x:100:\nnixbld:x:30000:nixbld1,ghost\n");
        std::fs::remove_file(b.path().join("etc/shadow")).expect("rm");
        std::fs::create_dir(b.path().join("etc/shadow")).expect("dir in the way");
        let o = run(&BuildsNotIsolated, &b);
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        // The unreadable shadow file is a problem of its own: passwords were not checked.
        assert_eq!(subjects, ["nixbld1", "ghost", "/etc/shadow"], "{o:?}");
        assert_eq!(
            o.problems()[0].message,
            "build user `nixbld1` has login shell `/bin/bash` and has primary group `users`"
        );
        assert_eq!(
            o.problems()[1].message,
            "build user `ghost` is not in /etc/passwd"
        );
        assert!(o.problems()[2].message.ends_with("; not checked"));
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
