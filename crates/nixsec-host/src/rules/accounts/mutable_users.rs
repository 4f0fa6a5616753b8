//! NIX-135: users and passwords can be changed outside the NixOS configuration.

use std::collections::BTreeSet;

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::{users_groups_json, Accounts};

/// `mutableUsers` is true in the system's `users-groups.json`.
pub struct MutableUsers;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &MutableUsers;

static META: RuleMeta = RuleMeta {
    id: "NIX-135",
    title: "Users and passwords mutable outside the config",
    section: Section::Accounts,
    severity: Severity::Low,
    checks: "On NixOS, the `users-groups.json` store file that `/run/current-system/activate` passes to `update-users-groups.pl`: its `mutableUsers` flag (`users.mutableUsers`, default `true`), and which accounts of `/etc/passwd` it does not declare (drift). Fails when `mutableUsers` is true. Skipped off NixOS or when the activation script does not use `users-groups.json` (userborn, systemd-sysusers, a mounted root without `/run`).",
    rationale: "With mutable users, `useradd`, `passwd` and `usermod` changes persist across rebuilds: the configuration no longer says who can log in, and an attacker's added account or changed password survives a redeploy.",
    fix: "Make accounts declarative and give human users password files.",
    nixos: "users.mutableUsers = false;\nusers.users.<name>.hashedPasswordFile = \"/run/secrets/<name>-password\";",
    references: &["NixOS option users.mutableUsers", "nixos/modules/config/update-users-groups.pl"],
    source: file!(),
};

impl Rule for MutableUsers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip(
                "not a NixOS system: accounts are not declared in a configuration",
            );
        }
        let (path, v) = match users_groups_json(cx) {
            Ok(Some(x)) => x,
            Ok(None) => return Outcome::skip("no `users-groups.json` in `/run/current-system/activate` (userborn, systemd-sysusers, or not a running system)"),
            Err(e) => return Outcome::error(e),
        };
        let Some(mutable) = v.get("mutableUsers").and_then(serde_json::Value::as_bool) else {
            return Outcome::error(format!("`{path}`: no boolean `mutableUsers`"));
        };
        let declared: BTreeSet<&str> = v
            .get("users")
            .and_then(|u| u.as_array())
            .map(|a| a.iter().filter_map(|u| u.get("name")?.as_str()).collect())
            .unwrap_or_default();
        let accounts = Accounts::of(cx);
        let undeclared: Vec<String> = match &accounts.users {
            Ok(us) => us
                .iter()
                .filter(|u| !declared.contains(u.name.as_str()))
                .map(|u| u.name.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        let ev = Evidence::value(&path, format!("mutableUsers = {mutable}"));
        if mutable {
            let mut msg = "`users.mutableUsers` is true: account and password changes made with useradd/passwd persist".to_string();
            if !undeclared.is_empty() {
                msg.push_str(&format!(
                    "; accounts not in the configuration: {}",
                    undeclared.join(", ")
                ));
            }
            Outcome::fail(msg).with_evidence([ev])
        } else {
            Outcome::pass("accounts are declarative (`users.mutableUsers = false`)")
                .with_evidence([ev])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const JSON: &str = "/nix/store/3v1y3ncb3yllqcz6q8x5fnzcqh1g9jl8-users-groups.json";

    fn nixos(json: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file("/etc/passwd", "root:x:0:0::/root:/bin/bash\nalice:x:1000:100::/home/alice:/bin/bash\nmallory:x:1001:100::/home/m:/bin/bash\n")
            .file("/nix/store/abc-nixos-system/activate", format!("#!/bin/sh\n/nix/store/x-perl/bin/perl -w /nix/store/y-update-users-groups.pl {JSON}\n"))
            .symlink("/run/current-system", "/nix/store/abc-nixos-system")
            .file(JSON, json)
    }

    #[test]
    fn mutable_fails_with_drift() {
        let o = run(
            &MutableUsers,
            &nixos(
                r#"{"mutableUsers":true,"users":[{"name":"root"},{"name":"alice"}],"groups":[]}"#,
            ),
        );
        assert_eq!(message(&o), "`users.mutableUsers` is true: account and password changes made with useradd/passwd persist; accounts not in the configuration: mallory");
    }

    #[test]
    fn immutable_passes() {
        assert_eq!(
            run(
                &MutableUsers,
                &nixos(r#"{"mutableUsers":false,"users":[],"groups":[]}"#)
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn skips() {
        assert_eq!(
            run(&MutableUsers, &RootBuilder::new()).status(),
            Status::Skip
        );
        assert_eq!(
            run(&MutableUsers, &RootBuilder::new().file("/etc/NIXOS", "")).status(),
            Status::Skip
        );
    }

    #[test]
    fn garbage_json_is_an_error() {
        let o = run(&MutableUsers, &nixos("{\"mutableUsers\": tru"));
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("not valid JSON"), "{}", message(&o));
        assert_eq!(run(&MutableUsers, &nixos("{}")).status(), Status::Error);
    }
}
