//! NIX-036: secrets deployed by sops-nix, agenix or systemd credentials are readable by others.
//!
//! ## What it checks
//! Files under `/run/secrets`, `/run/agenix` and `/run/credentials` (links resolved inside the
//! root, three levels deep): other-readable, or group-readable by a group with members.
//!
//! ## Why it matters
//! Secrets managers keep secrets out of the store; a world-readable decrypted copy undoes that.
//!
//! ## Fix (NixOS)
//! `sops.secrets.<n>.mode = "0400";` (or `age.secrets.<n>.mode`) with `owner` set.
//!
//! ## References
//! sops-nix, agenix documentation; CWE-732.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::Accounts;

/// Deployed secrets readable by others.
pub struct DeployedSecretsReadable;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &DeployedSecretsReadable;

static META: RuleMeta = RuleMeta {
    id: "NIX-036",
    title: "Deployed secrets readable by others",
    section: Section::StoreSecrets,
    severity: Severity::High,
    checks: "Regular files under `/run/secrets`, `/run/agenix` and `/run/credentials` (three levels, links resolved inside the root): fails when one is readable by others, or readable by a group that has members in `/etc/group`.",
    rationale: "sops-nix, agenix and systemd credentials keep secrets out of the world-readable store by decrypting them to `/run` at boot; a decrypted file that other users can read is as exposed as one in the store.",
    fix: "Give each secret mode 0400 (or 0440 for a dedicated service group) and an owner.",
    nixos: "sops.secrets.<n>.mode = \"0400\";\nsops.secrets.<n>.owner = \"<service user>\";",
    references: &["sops-nix: sops.secrets.<name>.mode", "agenix: age.secrets.<name>.mode", "CWE-732"],
    source: file!(),
};

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        let present: Vec<&str> = DIRS
            .iter()
            .copied()
            .filter(|d| cx.root().exists(d))
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
                bad.push(Evidence::value(
                    p.clone(),
                    format!(
                        "mode {mode:04o} group {}: {why}",
                        accounts.group_name(md.gid())
                    ),
                ));
            }
        }
        if !bad.is_empty() {
            return Outcome::fail(format!(
                "{} deployed secret(s) readable by others",
                bad.len()
            ))
            .with_evidence(bad.into_iter().take(20));
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
        assert_eq!(
            run(&DeployedSecretsReadable, &RootBuilder::new()).status(),
            Status::Skip
        );
    }
}
