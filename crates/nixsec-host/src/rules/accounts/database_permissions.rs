//! NIX-139: /etc/shadow, /etc/passwd, /etc/group or /etc/sudoers with unsafe owner or mode.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe;

/// Shadow readable beyond root and group `shadow`; passwd/group writable by non-root; sudoers
/// not 0440 root.
pub struct DatabasePermissions;

crate::host_rule!("NIX-139", DatabasePermissions);

/// `a`, `a and b`, `a, b and c`.
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl Rule for DatabasePermissions {
    fn check(&self, cx: &HostCx) -> Outcome {
        let accounts = Accounts::of(cx);
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        for (path, required) in [
            ("/etc/shadow", true),
            ("/etc/passwd", true),
            ("/etc/group", true),
            ("/etc/sudoers", false),
        ] {
            let md = match cx.root().metadata(path) {
                Ok((_, md)) => md,
                Err(e) if e.is_not_found() && !required => continue,
                // A missing account database is an error whatever else is found.
                Err(e) if e.is_not_found() => return Outcome::error(e.to_string()),
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let mode = md.permissions().mode() & 0o7777;
            let group = accounts.group_name(md.gid());
            // What is wrong with this one file (one problem: restoring its owner and mode).
            let mut bad = Vec::new();
            if md.uid() != 0 {
                bad.push(format!("owned by `{}`", accounts.user_name(md.uid())));
            }
            match path {
                "/etc/shadow" => {
                    if mode & 0o004 != 0 {
                        bad.push("readable by others".into());
                    }
                    if mode & 0o040 != 0 && group != "shadow" {
                        bad.push(format!("readable by group `{group}`"));
                    }
                    if mode & 0o022 != 0 {
                        bad.push("writable by group or others".into());
                    }
                }
                "/etc/sudoers" => {
                    if mode & !0o440 != 0 {
                        bad.push(format!("mode {mode:04o}, not 0440"));
                    }
                }
                _ => {
                    if mode & 0o022 != 0 {
                        bad.push("writable by group or others".into());
                    }
                }
            }
            if !bad.is_empty() {
                problems.push(
                    Problem::about(path, format!("`{path}` is {}", and_list(&bad)))
                        .with_evidence([Evidence::value(path, describe(&md, &accounts))]),
                );
            }
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| not_checked(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass("shadow, passwd, group and sudoers have safe owners and modes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::pairs;
    use crate::testing::*;

    fn good() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", "root:x:0:0::/root:/bin/bash\n")
            .chmod("/etc/passwd", 0o644)
            .file("/etc/group", "root:x:0:\nshadow:x:42:\n")
            .chmod("/etc/group", 0o644)
            .file("/etc/shadow", "root:!:1::::::\n")
            .chmod("/etc/shadow", 0o640)
            .file("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n")
            .chmod("/etc/sudoers", 0o440)
    }

    #[test]
    fn safe_modes_pass() {
        if !root_or_skip("needs root-owned fixture files") {
            return;
        }
        let b = good();
        std::os::unix::fs::chown(b.path().join("etc/shadow"), None, Some(42)).expect("chgrp");
        let o = run(&DatabasePermissions, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // Group-readable by group root (gid 0) instead of shadow.
        std::os::unix::fs::chown(b.path().join("etc/shadow"), None, Some(0)).expect("chgrp");
        let o = run(&DatabasePermissions, &b);
        assert_eq!(
            pairs(&o),
            [(
                "/etc/shadow".into(),
                "`/etc/shadow` is readable by group `root`".into()
            )]
        );
    }

    #[test]
    fn loose_modes_fail() {
        if !root_or_skip("needs root-owned fixture files") {
            return;
        }
        let b = good()
            .chmod("/etc/shadow", 0o604)
            .chmod("/etc/passwd", 0o666)
            .chmod("/etc/sudoers", 0o640);
        let o = run(&DatabasePermissions, &b);
        assert_eq!(
            pairs(&o),
            [
                (
                    "/etc/shadow".into(),
                    "`/etc/shadow` is readable by others".into()
                ),
                (
                    "/etc/passwd".into(),
                    "`/etc/passwd` is writable by group or others".into()
                ),
                (
                    "/etc/sudoers".into(),
                    "`/etc/sudoers` is mode 0640, not 0440".into()
                )
            ]
        );
        assert_eq!(
            o.problems()[1].evidence,
            [Evidence::value(
                "/etc/passwd",
                "-rw-rw-rw- root:root (0666)"
            )]
        );
        // As the weak fixture root: shadow 0644 root:root is wrong in two ways, one problem.
        let b = good().chmod("/etc/shadow", 0o644);
        std::os::unix::fs::chown(b.path().join("etc/shadow"), None, Some(0)).expect("chgrp");
        assert_eq!(
            pairs(&run(&DatabasePermissions, &b)),
            [(
                "/etc/shadow".into(),
                "`/etc/shadow` is readable by others and readable by group `root`".into()
            )]
        );
    }

    #[test]
    fn missing_shadow_is_an_error() {
        let b = RootBuilder::new()
            .file("/etc/passwd", "")
            .file("/etc/group", "");
        let o = run(&DatabasePermissions, &b);
        assert_eq!(o.status(), Status::Error);
        assert_eq!(message(&o), "`/etc/shadow`: no such file or directory");
    }
}
