//! NIX-004: the system profile or root's profile can be changed by someone other than root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::perms::unreadable;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe;

/// A profile link, its directory or its target is not root's alone.
pub struct ProfileWritable;

crate::host_rule!("NIX-004", ProfileWritable);

fn candidates(cx: &HostCx) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok((_, names)) = cx.root().read_dir("/nix/var/nix/profiles") {
        for n in names {
            let n = n.to_string_lossy().into_owned();
            if n == "system"
                || n == "default"
                || (n.starts_with("system-") && n.ends_with("-link"))
                || (n.starts_with("default-") && n.ends_with("-link"))
            {
                out.push(format!("/nix/var/nix/profiles/{n}"));
            }
        }
    }
    if let Ok((_, names)) = cx.root().read_dir("/nix/var/nix/profiles/per-user/root") {
        out.extend(names.iter().map(|n| {
            format!(
                "/nix/var/nix/profiles/per-user/root/{}",
                n.to_string_lossy()
            )
        }));
    }
    out.push("/root/.nix-profile".into());
    out
}

/// Add a problem about `subject` unless one exists (a directory or target shared by several
/// links is one problem).
fn add(problems: &mut Vec<Problem>, subject: String, message: String, ev: Evidence) {
    if problems
        .iter()
        .all(|p| p.subject.as_deref() != Some(subject.as_str()))
    {
        problems.push(Problem::about(subject, message).with_evidence([ev]));
    }
}

impl Rule for ProfileWritable {
    fn check(&self, cx: &HostCx) -> Outcome {
        let accounts = Accounts::of(cx);
        // One problem per link, directory or target that is not root's alone.
        let mut problems = Vec::new();
        let mut errors = Vec::new();
        let mut seen = 0;
        for p in candidates(cx) {
            let (_, lmd) = match cx.root().symlink_metadata(&p) {
                Ok(x) => x,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            seen += 1;
            if lmd.uid() != 0 {
                add(
                    &mut problems,
                    p.clone(),
                    format!(
                        "the profile link `{p}` is owned by `{}`",
                        accounts.user_name(lmd.uid())
                    ),
                    Evidence::value(&p, describe(&lmd, &accounts)),
                );
            }
            let dir = p.rsplit_once('/').map_or("/", |(d, _)| d).to_string();
            match cx.root().metadata(&dir) {
                Ok((_, md)) => {
                    if md.uid() != 0 || md.permissions().mode() & 0o022 != 0 {
                        let shown = describe(&md, &accounts);
                        add(
                            &mut problems,
                            dir.clone(),
                            format!("`{dir}`, the directory of the profile link `{p}`, is {shown}"),
                            Evidence::value(&dir, shown.clone()),
                        );
                    }
                }
                Err(e) => errors.push(e.to_string()),
            }
            if lmd.file_type().is_symlink() {
                match cx.root().metadata(&p) {
                    Ok((r, md)) => {
                        if md.uid() != 0 || md.permissions().mode() & 0o022 != 0 {
                            let target = r.display();
                            let shown = describe(&md, &accounts);
                            add(
                                &mut problems,
                                target.clone(),
                                format!(
                                    "`{target}`, the target of the profile link `{p}`, is {shown}"
                                ),
                                Evidence::value(&target, shown.clone()),
                            );
                        }
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
        if !problems.is_empty() {
            problems.extend(errors.iter().map(|e| unreadable(e, "profile")));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if seen == 0 {
            return Outcome::skip("no system, default or root profile under /nix/var/nix/profiles or /root/.nix-profile");
        }
        Outcome::pass(format!(
            "{seen} profile links, their directories and targets belong to root alone"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn nixos() -> RootBuilder {
        RootBuilder::new()
            .dir("/nix/store/aaaa-nixos-system-host-24.11", 0o555)
            .dir("/nix/var/nix/profiles", 0o755)
            .symlink(
                "/nix/var/nix/profiles/system-42-link",
                "/nix/store/aaaa-nixos-system-host-24.11",
            )
            .symlink("/nix/var/nix/profiles/system", "system-42-link")
    }

    #[test]
    fn root_owned_profiles_pass() {
        if !root_or_skip("needs root-owned fixtures") {
            return;
        }
        let o = run(&ProfileWritable, &nixos());
        assert_eq!(
            message(&o),
            "2 profile links, their directories and targets belong to root alone"
        );
    }

    #[test]
    fn writable_directory_or_target_fails() {
        if !root_or_skip("needs root-owned fixtures") {
            return;
        }
        // Both links live in the writable directory: one problem about it.
        let o = run(
            &ProfileWritable,
            &nixos().chmod("/nix/var/nix/profiles", 0o777),
        );
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/nix/var/nix/profiles"));
        assert!(
            p[0].message.starts_with(
                "`/nix/var/nix/profiles`, the directory of the profile link `/nix/var/nix/profiles/system"
            ) && p[0].message.contains("is drwxrwxrwx"),
            "{}",
            p[0].message
        );
        // Both links lead to the writable target: one problem about it.
        let b = nixos().chmod("/nix/store/aaaa-nixos-system-host-24.11", 0o777);
        let o = run(&ProfileWritable, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(
            p[0].subject.as_deref(),
            Some("/nix/store/aaaa-nixos-system-host-24.11")
        );
        assert!(
            p[0].message.contains("the target of the profile link")
                && p[0].message.contains("is drwxrwxrwx"),
            "{}",
            p[0].message
        );
        let b = nixos();
        std::os::unix::fs::lchown(
            b.path().join("nix/var/nix/profiles/system"),
            Some(1000),
            None,
        )
        .expect("lchown");
        let o = run(&ProfileWritable, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(
            p[0].subject.as_deref(),
            Some("/nix/var/nix/profiles/system")
        );
        assert_eq!(
            p[0].message,
            "the profile link `/nix/var/nix/profiles/system` is owned by `1000`"
        );
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn skip_and_loop() {
        assert_eq!(
            run(&ProfileWritable, &RootBuilder::new()).status(),
            Status::Skip
        );
        if !root_or_skip("needs root-owned fixture directories") {
            return;
        }
        let b = RootBuilder::new()
            .dir("/nix/var/nix/profiles", 0o755)
            .symlink(
                "/nix/var/nix/profiles/system",
                "/nix/var/nix/profiles/system",
            );
        assert_eq!(run(&ProfileWritable, &b).status(), Status::Error);
    }
}
