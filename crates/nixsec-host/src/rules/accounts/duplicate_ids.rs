//! NIX-131: a second uid-0 account, or two accounts (groups) sharing an id.

use std::collections::BTreeMap;

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::Accounts;

/// A non-root uid 0, a duplicate uid or a duplicate gid.
pub struct DuplicateIds;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &DuplicateIds;

static META: RuleMeta = RuleMeta {
    id: "NIX-131",
    title: "Extra UID 0 or duplicate ids",
    section: Section::Accounts,
    severity: Severity::Critical,
    checks: "`/etc/passwd` and `/etc/group`. Fails when an account other than `root` has uid 0, two accounts share a uid, or two groups share a gid.",
    rationale: "A second uid-0 account is a root backdoor with its own password; shared ids merge two identities, so files, processes and audit records of one belong to the other.",
    fix: "Give every account and group a unique id; use sudo for privilege.",
    nixos: "users.users.<name>.uid = <unique>;  # or leave uid unset and let NixOS allocate",
    references: &["passwd(5)", "group(5)", "lynis AUTH-9204, AUTH-9208", "DevSec os-07"],
    source: file!(),
};

impl Rule for DuplicateIds {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let a = Accounts::of(cx);
        let (users, groups) = match (&a.users, &a.groups) {
            (Ok(u), Ok(g)) => (u, g),
            (Err(e), _) | (_, Err(e)) => return Outcome::error(e.clone()),
        };
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for u in users.iter().filter(|u| u.uid == 0 && u.name != "root") {
            problems.push(format!("`{}` has uid 0", nixsec_core::escape(&u.name)));
            evidence.push(Evidence::line(
                "/etc/passwd",
                u.line,
                format!("{}:x:0:{}", u.name, u.gid),
            ));
        }
        let mut by_uid: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for u in users.iter() {
            by_uid.entry(u.uid).or_default().push(&u.name);
        }
        for (uid, names) in by_uid.iter().filter(|(_, n)| n.len() > 1) {
            if *uid != 0 || names.iter().filter(|n| **n != "root").count() > 1 {
                problems.push(format!("uid {uid} is shared by {}", names.join(", ")));
            }
            evidence.extend(
                users.iter().filter(|u| u.uid == *uid).map(|u| {
                    Evidence::line("/etc/passwd", u.line, format!("{}:x:{}", u.name, u.uid))
                }),
            );
        }
        let mut by_gid: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for g in groups.iter() {
            by_gid.entry(g.gid).or_default().push(&g.name);
        }
        for (gid, names) in by_gid.iter().filter(|(_, n)| n.len() > 1) {
            problems.push(format!("gid {gid} is shared by {}", names.join(", ")));
            evidence.extend(
                groups.iter().filter(|g| g.gid == *gid).map(|g| {
                    Evidence::line("/etc/group", g.line, format!("{}:x:{}", g.name, g.gid))
                }),
            );
        }
        if problems.is_empty() {
            Outcome::pass(format!(
                "{} accounts and {} groups, ids unique, only root has uid 0",
                users.len(),
                groups.len()
            ))
        } else {
            Outcome::fail(problems.join("; ")).with_evidence(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn default_layout_passes() {
        assert_eq!(
            run(&DuplicateIds, &RootBuilder::new().multi_user_nix()).status(),
            Status::Pass
        );
    }

    #[test]
    fn extra_root_and_duplicates_fail() {
        let b = RootBuilder::new()
            .file("/etc/passwd", "root:x:0:0::/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/bash\nbob:x:1000:100::/home/bob:/bin/bash\n")
            .file("/etc/group", "root:x:0:\nusers:x:100:\nstaff:x:100:\n");
        let o = run(&DuplicateIds, &b);
        assert_eq!(
            message(&o),
            "`toor` has uid 0; uid 1000 is shared by alice, bob; gid 100 is shared by users, staff"
        );
    }

    #[test]
    fn missing_group_file_is_an_error() {
        let b = RootBuilder::new().file("/etc/passwd", "root:x:0:0::/root:/bin/bash\n");
        assert_eq!(run(&DuplicateIds, &b).status(), Status::Error);
        let b = RootBuilder::new()
            .file("/etc/passwd", b"\xff\xfe".as_slice())
            .file("/etc/group", "root:x:0:\n");
        assert_eq!(run(&DuplicateIds, &b).status(), Status::Error);
    }
}
