//! NIX-131: a second uid-0 account, or two accounts (groups) sharing an id.

use std::collections::BTreeMap;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use nixsec_readers::accounts::Accounts;

/// A non-root uid 0, a duplicate uid or a duplicate gid.
pub struct DuplicateIds;

crate::host_rule!("NIX-131", DuplicateIds);

impl Rule for DuplicateIds {
    fn check(&self, cx: &HostCx) -> Outcome {
        let a = Accounts::of(cx);
        let (users, groups) = match (&a.users, &a.groups) {
            (Ok(u), Ok(g)) => (u, g),
            (Err(e), _) | (_, Err(e)) => return Outcome::error(e.to_string()),
        };
        let mut problems = Vec::new();
        for u in users.iter().filter(|u| u.uid == 0 && u.name != "root") {
            problems.push(
                Problem::about(
                    nixsec_core::escape(&u.name),
                    format!("`{}` has uid 0", nixsec_core::escape(&u.name)),
                )
                .with_evidence([Evidence::line(
                    "/etc/passwd",
                    u.line,
                    format!("{}:x:0:{}", u.name, u.gid),
                )]),
            );
        }
        let mut by_uid: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for u in users.iter() {
            by_uid.entry(u.uid).or_default().push(&u.name);
        }
        for (uid, names) in by_uid.iter().filter(|(_, n)| n.len() > 1) {
            if *uid != 0 || names.iter().filter(|n| **n != "root").count() > 1 {
                problems.push(
                    Problem::about(
                        format!("uid {uid}"),
                        format!("uid {uid} is shared by {}", quoted(names)),
                    )
                    .with_evidence(users.iter().filter(|u| u.uid == *uid).map(
                        |u| {
                            Evidence::line("/etc/passwd", u.line, format!("{}:x:{}", u.name, u.uid))
                        },
                    )),
                );
            }
        }
        let mut by_gid: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for g in groups.iter() {
            by_gid.entry(g.gid).or_default().push(&g.name);
        }
        for (gid, names) in by_gid.iter().filter(|(_, n)| n.len() > 1) {
            problems.push(
                Problem::about(
                    format!("gid {gid}"),
                    format!("gid {gid} is shared by {}", quoted(names)),
                )
                .with_evidence(groups.iter().filter(|g| g.gid == *gid).map(|g| {
                    Evidence::line("/etc/group", g.line, format!("{}:x:{}", g.name, g.gid))
                })),
            );
        }
        Outcome::problems_or(problems, || {
            Outcome::pass(format!(
                "{} accounts and {} groups, ids unique, only root has uid 0",
                users.len(),
                groups.len()
            ))
        })
    }
}

/// `` `a`, `b` ``: the names sharing one id.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", nixsec_core::escape(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, subjects};
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
            pairs(&o),
            [
                ("toor".into(), "`toor` has uid 0".into()),
                (
                    "uid 1000".into(),
                    "uid 1000 is shared by `alice`, `bob`".into()
                ),
                (
                    "gid 100".into(),
                    "gid 100 is shared by `users`, `staff`".into()
                )
            ]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::line("/etc/passwd", 2, "toor:x:0:0")]
        );
        assert_eq!(
            o.problems()[1].evidence,
            [
                Evidence::line("/etc/passwd", 3, "alice:x:1000"),
                Evidence::line("/etc/passwd", 4, "bob:x:1000")
            ]
        );
        assert_eq!(
            o.problems()[2].evidence,
            [
                Evidence::line("/etc/group", 2, "users:x:100"),
                Evidence::line("/etc/group", 3, "staff:x:100")
            ]
        );
    }

    #[test]
    fn two_extra_roots_also_share_uid_0() {
        let b = RootBuilder::new()
            .file("/etc/passwd", "root:x:0:0::/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nadmin:x:0:0::/root:/bin/sh\n")
            .file("/etc/group", "root:x:0:\n");
        let o = run(&DuplicateIds, &b);
        assert_eq!(subjects(&o), ["toor", "admin", "uid 0"]);
        assert_eq!(
            o.problems()[2].message,
            "uid 0 is shared by `root`, `toor`, `admin`"
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
