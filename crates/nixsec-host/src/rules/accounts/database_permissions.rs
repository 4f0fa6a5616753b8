//! NIX-139: /etc/shadow, /etc/passwd, /etc/group or /etc/sudoers with unsafe owner or mode.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::Accounts;
use crate::perms::describe;

/// Shadow readable beyond root and group `shadow`; passwd/group writable by non-root; sudoers
/// not 0440 root.
pub struct DatabasePermissions;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &DatabasePermissions;

static META: RuleMeta = RuleMeta {
    id: "NIX-139",
    title: "Permissions of account databases",
    section: Section::Accounts,
    severity: Severity::Medium,
    checks: "Owner, group and mode of `/etc/shadow` (NixOS and Debian: 0640 root:shadow), `/etc/passwd` and `/etc/group` (0644 root:root; NixOS store links resolve to 0444 files), and `/etc/sudoers` (0440 root). Fails when shadow is not owned by root, readable by others, group-readable by a group other than `shadow`, or writable by anyone but root; passwd or group are not owned by root or are group/other writable; sudoers is not 0440 (or stricter) root-owned. Missing passwd/shadow is an error; a missing sudoers is fine.",
    rationale: "A readable shadow hands every password hash to offline cracking; a writable passwd or group lets a user make themselves uid 0 or a wheel member; sudo refuses a sudoers file with the wrong mode, and a writable one is root for its writer.",
    fix: "Restore the modes (a NixOS rebuild does), and find out how they changed.",
    nixos: "# nixos-rebuild switch restores them; by hand:\nchown root:shadow /etc/shadow && chmod 0640 /etc/shadow\nchown root:root /etc/passwd /etc/group && chmod 0644 /etc/passwd /etc/group",
    references: &["shadow(5)", "sudoers(5)", "DevSec os-02 (expects group root), os-03", "lynis AUTH-9252", "CWE-732"],
    source: file!(),
};

impl Rule for DatabasePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let accounts = Accounts::of(cx);
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for (path, required) in [
            ("/etc/shadow", true),
            ("/etc/passwd", true),
            ("/etc/group", true),
            ("/etc/sudoers", false),
        ] {
            let md = match cx.root().metadata(path) {
                Ok((_, md)) => md,
                Err(e) if e.is_not_found() && !required => continue,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let mode = md.permissions().mode() & 0o7777;
            let group = accounts.group_name(md.gid());
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
                problems.push(format!("{path} is {}", bad.join(", ")));
                evidence.push(Evidence::value(path, describe(&md, &accounts)));
            }
        }
        if problems.is_empty() {
            Outcome::pass("shadow, passwd, group and sudoers have safe owners and modes")
        } else {
            Outcome::fail(problems.join("; ")).with_evidence(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        if !am_root() {
            eprintln!("skipped: needs root-owned fixture files");
            return;
        }
        let b = good();
        std::os::unix::fs::chown(b.path().join("etc/shadow"), None, Some(42)).expect("chgrp");
        let o = run(&DatabasePermissions, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // Group-readable by group root (gid 0) instead of shadow.
        std::os::unix::fs::chown(b.path().join("etc/shadow"), None, Some(0)).expect("chgrp");
        let o = run(&DatabasePermissions, &b);
        assert_eq!(message(&o), "/etc/shadow is readable by group `root`");
    }

    #[test]
    fn loose_modes_fail() {
        if !am_root() {
            eprintln!("skipped: needs root-owned fixture files");
            return;
        }
        let b = good()
            .chmod("/etc/shadow", 0o604)
            .chmod("/etc/passwd", 0o666)
            .chmod("/etc/sudoers", 0o640);
        assert_eq!(
            message(&run(&DatabasePermissions, &b)),
            "/etc/shadow is readable by others; /etc/passwd is writable by group or others; /etc/sudoers is mode 0640, not 0440"
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
