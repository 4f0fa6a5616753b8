//! NIX-010: the store belongs to a regular user (a single-user install).

use std::os::unix::fs::MetadataExt;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::nix::{nix_installed, NOT_INSTALLED};
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe;

/// `/nix/store` or `/nix/var/nix/db` is not owned by root.
pub struct SingleUserInstall;

crate::host_rule!("NIX-010", SingleUserInstall);

impl Rule for SingleUserInstall {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !nix_installed(cx) {
            return Outcome::skip(NOT_INSTALLED);
        }
        let accounts = Accounts::of(cx);
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        for p in ["/nix/store", "/nix/var/nix/db"] {
            match cx.root().metadata(p) {
                Ok((_, md)) => {
                    let ev = Evidence::value(p, describe(&md, &accounts));
                    if md.uid() != 0 {
                        bad.push((p, accounts.user_name(md.uid()), md.uid(), ev));
                    } else {
                        seen.push(ev);
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        if !bad.is_empty() {
            let problems = bad
                .into_iter()
                .map(|(p, name, uid, ev)| {
                    Problem::about(
                        p,
                        format!(
                            "single-user install: `{p}` is owned by `{}` (uid {uid}), who can rewrite anything in the store",
                            nixsec_core::escape(&name)
                        ),
                    )
                    .with_evidence([ev])
                })
                .collect();
            return Outcome::Fail { problems };
        }
        if seen.is_empty() {
            return Outcome::skip("Nix is installed but its store is not created yet (no `/nix/store`, no `/nix/var/nix/db`)");
        }
        let socket = if cx
            .root()
            .presence("/nix/var/nix/daemon-socket/socket")
            .is_present()
        {
            "the daemon socket is present"
        } else {
            "no daemon socket yet (it appears when nix-daemon first starts)"
        };
        Outcome::pass(format!(
            "the store and its database are owned by root; {socket}"
        ))
        .with_evidence(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn skip_without_nix_and_without_store() {
        assert_eq!(
            run(&SingleUserInstall, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().file("/etc/nix/nix.conf", "");
        let o = run(&SingleUserInstall, &b);
        assert_eq!(o.status(), Status::Skip);
        assert!(message(&o).contains("not created yet"));
    }

    #[test]
    fn owner_decides() {
        // The fixture is owned by whoever runs the tests: root passes, anyone else is exactly
        // the single-user case.
        let b = RootBuilder::new().multi_user_nix();
        let o = run(&SingleUserInstall, &b);
        if am_root() {
            assert_eq!(o.status(), Status::Pass, "{}", message(&o));
            std::os::unix::fs::chown(b.path().join("nix/store"), Some(1000), Some(100))
                .expect("chown");
            let o = run(&SingleUserInstall, &b);
            assert_eq!(o.status(), Status::Fail);
            assert!(message(&o).contains("uid 1000"), "{}", message(&o));
            assert_eq!(o.problems()[0].subject.as_deref(), Some("/nix/store"));
            // The database too: one problem each.
            std::os::unix::fs::chown(b.path().join("nix/var/nix/db"), Some(1000), Some(100))
                .expect("chown");
            let o = run(&SingleUserInstall, &b);
            let subjects: Vec<&str> = o
                .problems()
                .iter()
                .filter_map(|p| p.subject.as_deref())
                .collect();
            assert_eq!(subjects, ["/nix/store", "/nix/var/nix/db"]);
            assert_eq!(
                o.problems()[1].message,
                "single-user install: `/nix/var/nix/db` is owned by `1000` (uid 1000), who can rewrite anything in the store"
            );
        } else {
            assert_eq!(o.status(), Status::Fail);
        }
    }
}
