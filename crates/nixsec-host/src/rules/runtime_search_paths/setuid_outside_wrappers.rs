//! NIX-007: setuid/setgid programs outside `/run/wrappers`, or extra root setuid wrappers.

use std::os::unix::fs::MetadataExt;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::perms::{capped, unreadable};
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe_as;

/// A setuid/setgid file outside the wrapper directory, or a root setuid wrapper NixOS does not
/// install by default.
pub struct SetuidOutsideWrappers;

crate::host_rule!("NIX-007", SetuidOutsideWrappers);

/// Wrappers NixOS modules install by default or through common options.
const DEFAULT_WRAPPERS: &[&str] = &[
    "chsh",
    "dbus-daemon-launch-helper",
    "fusermount",
    "fusermount3",
    "mount",
    "umount",
    "newgidmap",
    "newgrp",
    "newuidmap",
    "passwd",
    "pkexec",
    "polkit-agent-helper-1",
    "sg",
    "su",
    "sudo",
    "sudoedit",
    "unix_chkpwd",
    "crontab",
    "at",
    "atq",
    "atrm",
    "batch",
    "doas",
    "ping",
    "ping6",
    "kcheckpass",
    "start_kdeinit",
    "Xorg.wrap",
    "firejail",
    "bwrap",
    "spice-client-glib-usb-acl-helper",
    "usernetctl",
    "wireshark",
    "dumpcap",
    "mtr-packet",
    "traceroute",
];

const SKIP_DIRS: &[&str] = &["/nix/store", "/proc", "/sys", "/dev", "/run/wrappers"];

/// Most files reported one by one.
const MAX_LISTED: usize = 10;

/// Most entries walked before giving up (a runaway tree).
const MAX_ENTRIES: usize = 2_000_000;

impl Rule for SetuidOutsideWrappers {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: setuid programs live in FHS paths by design (see DevSec os-06)");
        }
        let accounts = Accounts::of(cx);
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let root_dev = match cx.root().metadata("/") {
            Ok((_, md)) => md.dev(),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut stack = vec!["/".to_string()];
        let mut walked = 0usize;
        while let Some(dir) = stack.pop() {
            let names = match cx.root().read_dir(&dir) {
                Ok((_, n)) => n,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            for n in names {
                walked += 1;
                if walked > MAX_ENTRIES {
                    return Outcome::error(format!(
                        "more than {MAX_ENTRIES} files outside the store: walk stopped"
                    ));
                }
                let p = if dir == "/" {
                    format!("/{}", n.to_string_lossy())
                } else {
                    format!("{dir}/{}", n.to_string_lossy())
                };
                if SKIP_DIRS.contains(&p.as_str()) {
                    continue;
                }
                let (r, md) = match cx.root().symlink_metadata(&p) {
                    Ok(x) => x,
                    Err(e) if e.is_not_found() => continue,
                    Err(e) => {
                        errors.push(e.to_string());
                        continue;
                    }
                };
                if md.is_dir() {
                    if md.dev() == root_dev {
                        stack.push(p);
                    }
                } else if md.is_file() && cx.root().perm(&r, &md).mode & 0o6000 != 0 {
                    found.push((p, describe_as(&md, cx.root().perm(&r, &md), &accounts)));
                }
            }
        }
        let mut problems: Vec<Problem> = found
            .iter()
            .map(|(p, d)| {
                Problem::about(
                    p.clone(),
                    format!(
                        "`{}` is setuid/setgid outside the wrapper set",
                        nixsec_core::escape(p)
                    ),
                )
                .with_evidence([Evidence::value(p, d.clone())])
            })
            .collect();
        if let Ok((_, names)) = cx.root().read_dir("/run/wrappers/bin") {
            for n in names {
                let n = n.to_string_lossy().into_owned();
                let p = format!("/run/wrappers/bin/{n}");
                if let Ok((r, md)) = cx.root().symlink_metadata(&p) {
                    let perm = cx.root().perm(&r, &md);
                    if md.is_file()
                        && perm.mode & 0o4000 != 0
                        && perm.uid == 0
                        && !DEFAULT_WRAPPERS.contains(&n.as_str())
                    {
                        problems.push(
                            Problem::about(
                                p.clone(),
                                format!(
                                    "`{}` is an extra setuid-root wrapper",
                                    nixsec_core::escape(&p)
                                ),
                            )
                            .with_evidence([Evidence::value(
                                &p,
                                describe_as(&md, perm, &accounts),
                            )]),
                        );
                    }
                }
            }
        }
        if !problems.is_empty() {
            let mut problems = capped(problems, MAX_LISTED, "setuid/setgid files");
            problems.extend(capped(
                errors.iter().map(|e| unreadable(e, "directory")).collect(),
                3,
                "unreadable directories",
            ));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(format!(
                "could not read every directory: {}",
                errors
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        Outcome::pass(format!("no setuid/setgid file outside /run/wrappers ({walked} entries walked) and no extra root wrapper"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn nixos() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file("/run/wrappers/bin/sudo", "")
            .chmod("/run/wrappers/bin/sudo", 0o4511)
            .file("/usr/bin/env", "")
    }

    #[test]
    fn clean_tree_passes() {
        let o = run(&SetuidOutsideWrappers, &nixos());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn planted_setuid_file_fails() {
        let b = nixos()
            .file("/var/tmp/.x/bash", "")
            .chmod("/var/tmp/.x/bash", 0o4755)
            .file("/home/a/tool", "")
            .chmod("/home/a/tool", 0o2755);
        let o = run(&SetuidOutsideWrappers, &b);
        let mut p = o.problems().to_vec();
        p.sort_by(|a, b| a.subject.cmp(&b.subject));
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/home/a/tool"));
        assert_eq!(
            p[0].message,
            "`/home/a/tool` is setuid/setgid outside the wrapper set"
        );
        assert_eq!(p[1].subject.as_deref(), Some("/var/tmp/.x/bash"));
        assert!(p[1].evidence[0]
            .value
            .as_deref()
            .is_some_and(|v| v.starts_with("-rwsr-xr-x")));
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn extra_root_wrapper_fails() {
        if !root_or_skip("needs a root-owned wrapper") {
            return;
        }
        let b = nixos()
            .file("/run/wrappers/bin/nmap", "")
            .chmod("/run/wrappers/bin/nmap", 0o4555);
        let o = run(&SetuidOutsideWrappers, &b);
        assert_eq!(
            message(&o),
            "`/run/wrappers/bin/nmap` is an extra setuid-root wrapper"
        );
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("/run/wrappers/bin/nmap")
        );
    }

    #[test]
    fn skip_and_unreadable_dir() {
        assert_eq!(
            run(&SetuidOutsideWrappers, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = nixos().dir("/var/secret", 0o000);
        let o = run(&SetuidOutsideWrappers, &b);
        if am_root() {
            // Root reads mode-000 directories: nothing to report.
            assert_eq!(o.status(), Status::Pass);
        } else {
            assert_eq!(o.status(), Status::Error);
        }
    }
}
