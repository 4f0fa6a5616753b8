//! NIX-017: the store or Nix's state directories are writable by someone other than root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::nix::{nix_installed, system_conf, NOT_INSTALLED};
use crate::perms::unreadable;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe;

/// `/nix/store`, the database, the daemon socket directory, profiles or gcroots are writable by
/// a user or group that should not write there.
pub struct StateWritable;

crate::host_rule!("NIX-017", StateWritable);

#[derive(Clone, Copy)]
enum Expect {
    /// Root-owned, no group/other write.
    RootOnly,
    /// `/nix/store`: group write only for the build group and only with the sticky bit.
    Store,
    /// Root-owned, no other write (group write is an access-control choice).
    SocketDir,
}

const TARGETS: &[(&str, Expect)] = &[
    ("/nix", Expect::RootOnly),
    ("/nix/store", Expect::Store),
    ("/nix/var", Expect::RootOnly),
    ("/nix/var/nix", Expect::RootOnly),
    ("/nix/var/nix/db", Expect::RootOnly),
    ("/nix/var/nix/db/db.sqlite", Expect::RootOnly),
    ("/nix/var/nix/daemon-socket", Expect::SocketDir),
    ("/nix/var/nix/profiles", Expect::RootOnly),
    ("/nix/var/nix/gcroots", Expect::RootOnly),
];

fn build_gid(cx: &HostCx, accounts: &Accounts) -> Option<u32> {
    let name = match &*system_conf(cx) {
        nixsec_nixconf::SystemConf::Present(c) => c.get("build-users-group").map(|s| s.value()),
        _ => None,
    }
    .unwrap_or_else(|| "nixbld".to_string());
    accounts.group(&name).map(|g| g.gid)
}

impl Rule for StateWritable {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !nix_installed(cx) {
            return Outcome::skip(NOT_INSTALLED);
        }
        let accounts = Accounts::of(cx);
        let nixbld = build_gid(cx, &accounts);
        let mut problems = Vec::new();
        let mut ok_ev = Vec::new();
        let mut errors = Vec::new();
        for (path, expect) in TARGETS {
            let md = match cx.root().metadata(path) {
                Ok((_, md)) => md,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let mode = md.permissions().mode();
            let shown = describe(&md, &accounts);
            let mut why = Vec::new();
            if md.uid() != 0 {
                why.push(format!(
                    "owned by `{}`",
                    nixsec_core::escape(&accounts.user_name(md.uid()))
                ));
            }
            if mode & 0o002 != 0 {
                why.push("writable by every user".to_string());
            }
            if mode & 0o020 != 0 {
                let group = nixsec_core::escape(&accounts.group_name(md.gid())).into_owned();
                match expect {
                    Expect::RootOnly => why.push(format!("writable by group `{group}`")),
                    Expect::SocketDir => {}
                    Expect::Store => {
                        if Some(md.gid()) != nixbld {
                            why.push(format!(
                                "writable by group `{group}`, not the build users group"
                            ));
                        } else if mode & 0o1000 == 0 {
                            why.push("group-writable without the sticky bit (build users can delete paths)".to_string());
                        }
                    }
                }
            }
            if why.is_empty() {
                ok_ev.push(Evidence::value(*path, shown));
            } else {
                // One problem per path: its owner and mode are one fix.
                problems.push(
                    Problem::about(*path, format!("`{path}` is {}", why.join(" and ")))
                        .with_evidence([Evidence::value(*path, shown)]),
                );
            }
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| unreadable(e, "Nix directory")));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if ok_ev.is_empty() {
            return Outcome::skip("none of Nix's directories exist under this root yet");
        }
        Outcome::pass("the store and Nix's state directories are writable only by root (and the build users group)")
            .with_evidence(ok_ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// The multi-user fixture with the store given to the `nixbld` group, as Nix installs it.
    fn standard() -> RootBuilder {
        let b = RootBuilder::new().multi_user_nix();
        if am_root() {
            std::os::unix::fs::chown(b.path().join("nix/store"), Some(0), Some(30000))
                .expect("chown");
        }
        b
    }

    #[test]
    fn standard_layout_passes_as_root() {
        if !root_or_skip("needs root to give the fixture root-owned directories") {
            return;
        }
        let o = run(&StateWritable, &standard());
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn world_writable_db_fails() {
        let b = standard()
            .chmod("/nix/var/nix/db", 0o777)
            .chmod("/nix/var/nix/profiles", 0o777);
        let o = run(&StateWritable, &b);
        assert_eq!(o.status(), Status::Fail);
        // One problem per path (when not root, the fixture's owner is one more problem each).
        let p: Vec<&nixsec_core::Problem> = o
            .problems()
            .iter()
            .filter(|p| p.message.contains("writable by every user"))
            .collect();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/nix/var/nix/db"));
        assert!(
            p[0].message.starts_with("`/nix/var/nix/db` is"),
            "{}",
            p[0].message
        );
        assert_eq!(p[1].subject.as_deref(), Some("/nix/var/nix/profiles"));
        assert_eq!(p[1].evidence[0].path, "/nix/var/nix/profiles");
    }

    #[test]
    fn store_without_sticky_bit_or_foreign_group_fails() {
        if !root_or_skip("needs root to set the store's group") {
            return;
        }
        let o = run(&StateWritable, &standard().chmod("/nix/store", 0o775));
        assert!(message(&o).contains("sticky"), "{}", message(&o));
        let b = standard();
        std::os::unix::fs::chown(b.path().join("nix/store"), Some(0), Some(100)).expect("chown");
        let o = run(&StateWritable, &b);
        assert!(
            message(&o).contains("writable by group `users`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn group_restricted_socket_dir_is_fine() {
        if !root_or_skip("needs root-owned fixture directories") {
            return;
        }
        let o = run(
            &StateWritable,
            &standard().chmod("/nix/var/nix/daemon-socket", 0o770),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let o = run(
            &StateWritable,
            &standard().chmod("/nix/var/nix/daemon-socket", 0o777),
        );
        assert_eq!(o.status(), Status::Fail);
    }
}
