//! NIX-036: secrets deployed by sops-nix, agenix or systemd credentials are readable by others.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::perms::{capped, unreadable};
use nixsec_readers::accounts::Accounts;

/// Most files reported one by one.
const MAX_LISTED: usize = 20;

/// Deployed secrets readable by others.
pub struct DeployedSecretsReadable;

crate::host_rule!("NIX-036", DeployedSecretsReadable);

const DIRS: &[&str] = &["/run/secrets", "/run/agenix", "/run/credentials"];

fn walk(
    cx: &HostCx,
    dir: &str,
    depth: u32,
    files: &mut Vec<(String, std::fs::Metadata)>,
    errors: &mut Vec<String>,
) {
    let names = match cx.root().read_dir(dir) {
        Ok((_, n)) => n,
        Err(e) => {
            errors.push(e.to_string());
            return;
        }
    };
    for n in names {
        let p = format!("{}/{}", dir.trim_end_matches('/'), n.to_string_lossy());
        match cx.root().metadata(Path::new(&p)) {
            Ok((_, md)) if md.is_dir() && depth > 0 => walk(cx, &p, depth - 1, files, errors),
            Ok((_, md)) if md.is_file() => files.push((p, md)),
            Ok(_) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
}

impl Rule for DeployedSecretsReadable {
    fn check(&self, cx: &HostCx) -> Outcome {
        let present: Vec<&str> = DIRS
            .iter()
            .copied()
            .filter(|d| !cx.root().presence(d).is_absent())
            .collect();
        if present.is_empty() {
            return Outcome::skip(
                "no /run/secrets, /run/agenix or /run/credentials under this root",
            );
        }
        let accounts = Accounts::of(cx);
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for d in &present {
            walk(cx, d, 3, &mut files, &mut errors);
        }
        let mut bad = Vec::new();
        for (p, md) in &files {
            let mode = md.mode() & 0o7777;
            let group_members = accounts
                .groups
                .as_ref()
                .ok()
                .and_then(|gs| gs.iter().find(|g| g.gid == md.gid()))
                .is_some_and(|g| !g.members.is_empty());
            let why = if mode & 0o004 != 0 {
                Some("readable by every user")
            } else if mode & 0o040 != 0 && group_members {
                Some("readable by a group with members")
            } else {
                None
            };
            if let Some(why) = why {
                let group = accounts.group_name(md.gid());
                bad.push(
                    Problem::about(
                        p.clone(),
                        format!(
                            "the deployed secret `{}` is {why} (mode {mode:04o}, group `{}`)",
                            nixsec_core::escape(p),
                            nixsec_core::escape(&group)
                        ),
                    )
                    .with_evidence([Evidence::value(
                        p.clone(),
                        format!("mode {mode:04o} group {group}: {why}"),
                    )]),
                );
            }
        }
        if !bad.is_empty() {
            // One problem per file; directories that could not be read are problems too.
            let mut problems = capped(bad, MAX_LISTED, "readable secrets");
            problems.extend(errors.iter().map(|e| unreadable(e, "secrets directory")));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() && files.is_empty() {
            return Outcome::error(format!(
                "cannot read the secrets directories: {}",
                errors.join("; ")
            ));
        }
        Outcome::pass(format!(
            "{} deployed secret files, none readable by others",
            files.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn world_readable_secret_fails() {
        let b = RootBuilder::new()
            .file("/run/secrets/db", "x")
            .file("/run/secrets/ok", "y");
        let dir = b.path().join("run/secrets");
        std::fs::set_permissions(
            dir.join("db"),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .expect("chmod");
        std::fs::set_permissions(
            dir.join("ok"),
            std::os::unix::fs::PermissionsExt::from_mode(0o400),
        )
        .expect("chmod");
        let o = run(&DeployedSecretsReadable, &b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(format!("{o:?}").contains("/run/secrets/db"));
        assert!(!format!("{o:?}").contains("/run/secrets/ok"));
        let p = o.problems();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].subject.as_deref(), Some("/run/secrets/db"));
        assert!(
            p[0].message
                .starts_with("the deployed secret `/run/secrets/db` is readable by every user (mode 0644, group "),
            "{}",
            p[0].message
        );
        assert_eq!(
            run(&DeployedSecretsReadable, &RootBuilder::new()).status(),
            Status::Skip
        );
    }
}
