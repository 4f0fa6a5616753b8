//! NIX-133: NOPASSWD rules that amount to a root shell.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use crate::sudoers::{broad_command, doas_subject, sudo_subject};
use nixsec_readers::sudoers::Policies;

/// A passwordless rule for `ALL`, a shell, an editor, nix, nixos-rebuild, systemctl or env.
pub struct BroadNopasswd;

crate::host_rule!("NIX-133", BroadNopasswd);

/// Add `p`, or merge its evidence into the problem with the same subject (the same command
/// granted twice).
fn push(problems: &mut Vec<Problem>, p: Problem) {
    match problems.iter_mut().find(|q| q.subject == p.subject) {
        Some(q) => q.evidence.extend(p.evidence),
        None => problems.push(p),
    }
}

impl Rule for BroadNopasswd {
    fn check(&self, cx: &HostCx) -> Outcome {
        let p = Policies::of(cx);
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        let mut any = false;
        match &p.sudoers {
            Ok(Some(s)) => {
                any = true;
                errors.extend(s.unreadable.iter().map(ToString::to_string));
                for r in s
                    .rules
                    .iter()
                    .filter(|r| r.nopasswd && !r.command.starts_with('!'))
                {
                    // `SETENV:` in the specification (sudo carries a tag to the commands after
                    // it; `NOSETENV:` takes it back).
                    let setenv = r.text.contains("SETENV:") && !r.text.contains("NOSETENV:");
                    if let Some(what) = broad_command(&r.command, setenv) {
                        let command = if r.command == "ALL" {
                            String::new()
                        } else {
                            format!(": `{}`", nixsec_core::escape(&r.command))
                        };
                        push(
                            &mut problems,
                            Problem::about(
                                sudo_subject(r),
                                format!(
                                    "`{}` may run {what} without a password{command} ({}:{})",
                                    nixsec_core::escape(&r.users.join(",")),
                                    r.file,
                                    r.line
                                ),
                            )
                            .with_evidence([r.evidence()]),
                        );
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
        match &p.doas {
            Ok(Some(rules)) => {
                any = true;
                for r in rules.iter().filter(|r| r.permit && r.nopass) {
                    let what = match &r.cmd {
                        None => Some("any command (no `cmd`)"),
                        // `cmd X args A B`: only those arguments (none given: any).
                        Some(c) => match &r.args {
                            Some(a) => broad_command(&format!("{c} {}", a.join(" ")), r.keepenv),
                            None => broad_command(c, r.keepenv),
                        },
                    };
                    if let Some(what) = what {
                        let command = r
                            .cmd
                            .as_ref()
                            .map(|c| format!(": `{}`", nixsec_core::escape(c)))
                            .unwrap_or_default();
                        push(
                            &mut problems,
                            Problem::about(
                                doas_subject(r),
                                format!(
                                    "`{}` may run {what} without a password{command} (doas, {}:{})",
                                    nixsec_core::escape(&r.identity),
                                    r.evidence.path,
                                    r.evidence.line.unwrap_or(0)
                                ),
                            )
                            .with_evidence([r.evidence.clone()]),
                        );
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if !any {
            return Outcome::skip("neither `/etc/sudoers` nor `/etc/doas.conf` exists");
        }
        Outcome::pass("no passwordless rule grants a shell-equivalent command")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, subjects};
    use crate::testing::*;

    #[test]
    fn broad_rules_fail() {
        let b = RootBuilder::new().file(
            "/etc/sudoers",
            "root ALL=(ALL:ALL) SETENV: ALL\ndeploy ALL=(root) NOPASSWD: /run/current-system/sw/bin/systemctl restart *, /run/current-system/sw/bin/systemctl restart app, /run/current-system/sw/bin/nixos-rebuild\nbackup ALL=(root) NOPASSWD: /nix/store/aaaa-restic/bin/restic snapshots\n",
        );
        let o = run(&BroadNopasswd, &b);
        assert_eq!(
            pairs(&o),
            [
                (
                    "sudo deploy /run/current-system/sw/bin/systemctl restart *".into(),
                    "`deploy` may run `systemctl` (starts any unit) without a password: `/run/current-system/sw/bin/systemctl restart *` (/etc/sudoers:2)".into()
                ),
                (
                    "sudo deploy /run/current-system/sw/bin/nixos-rebuild".into(),
                    "`deploy` may run `nixos-rebuild` (installs any configuration) without a password: `/run/current-system/sw/bin/nixos-rebuild` (/etc/sudoers:2)".into()
                )
            ]
        );
        assert_eq!(o.problems()[1].evidence[0].line, Some(2));
    }

    #[test]
    fn an_alias_gives_one_problem_per_command_and_a_repeated_grant_is_one() {
        let b = RootBuilder::new().file(
            "/etc/sudoers",
            "Cmnd_Alias SHELLS = /bin/sh, /run/current-system/sw/bin/bash\nbob ALL=(ALL) NOPASSWD: SHELLS\nbob  ALL=(ALL) NOPASSWD: /bin/sh\n%wheel ALL=(ALL:ALL) NOPASSWD:SETENV: ALL\n",
        );
        let o = run(&BroadNopasswd, &b);
        assert_eq!(
            subjects(&o),
            [
                "sudo bob /bin/sh",
                "sudo bob /run/current-system/sw/bin/bash",
                "sudo %wheel ALL"
            ]
        );
        let lines: Vec<Option<u32>> = o.problems()[0].evidence.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(2), Some(3)]);
        assert_eq!(
            o.problems()[2].message,
            "`%wheel` may run any command (`ALL`) without a password (/etc/sudoers:4)"
        );
    }

    #[test]
    fn narrow_rules_pass() {
        let b = RootBuilder::new().file("/etc/sudoers", "backup ALL=(root) NOPASSWD: /nix/store/aaaa-restic/bin/restic snapshots\n%wheel ALL=(ALL:ALL) SETENV: ALL\n");
        assert_eq!(run(&BroadNopasswd, &b).status(), Status::Pass);
    }

    /// `systemctl` with fixed arguments that only operate the unit named passes, unless the
    /// caller may set the environment (sudo `SETENV`, doas `keepenv`).
    #[test]
    fn fixed_systemctl_unless_the_environment_is_the_callers() {
        let b = RootBuilder::new()
            .file(
                "/etc/sudoers",
                "deploy ALL=(root) NOPASSWD: /run/current-system/sw/bin/systemctl restart app\nops ALL=(root) NOPASSWD:SETENV: /run/current-system/sw/bin/systemctl restart app\n",
            )
            .file(
                "/etc/doas.conf",
                "permit nopass deploy as root cmd /run/current-system/sw/bin/systemctl args restart app\npermit nopass keepenv ops as root cmd /run/current-system/sw/bin/systemctl args restart app\n",
            );
        let o = run(&BroadNopasswd, &b);
        let s = subjects(&o);
        assert!(s.iter().any(|x| x.starts_with("sudo ops ")), "{s:?}");
        assert!(s.iter().any(|x| x.starts_with("doas ops ")), "{s:?}");
        assert!(!s.iter().any(|x| x.contains("deploy")), "{s:?}");
    }

    #[test]
    fn doas_without_cmd_fails() {
        let o = run(
            &BroadNopasswd,
            &RootBuilder::new().file(
                "/etc/doas.conf",
                "permit nopass backup as root cmd /bin/sh\npermit nopass alice\n",
            ),
        );
        assert_eq!(
            pairs(&o),
            [
                (
                    "doas backup /bin/sh".into(),
                    "`backup` may run a shell without a password: `/bin/sh` (doas, /etc/doas.conf:1)"
                        .into()
                ),
                (
                    "doas alice".into(),
                    "`alice` may run any command (no `cmd`) without a password (doas, /etc/doas.conf:2)"
                        .into()
                )
            ]
        );
    }

    #[test]
    fn skip_and_unreadable() {
        assert_eq!(
            run(&BroadNopasswd, &RootBuilder::new()).status(),
            Status::Skip
        );
        assert_eq!(
            run(
                &BroadNopasswd,
                &RootBuilder::new().dir("/etc/doas.conf", 0o700)
            )
            .status(),
            Status::Error
        );
    }
}
