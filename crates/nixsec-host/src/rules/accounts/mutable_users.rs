//! NIX-135: users and passwords can be changed outside the NixOS configuration.

use std::collections::BTreeSet;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use nixsec_readers::accounts::{users_groups_json, Accounts};

/// `mutableUsers` is true in the system's `users-groups.json`.
pub struct MutableUsers;

crate::host_rule!("NIX-135", MutableUsers);

impl Rule for MutableUsers {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip(
                "not a NixOS system: accounts are not declared in a configuration",
            );
        }
        let (path, v) = match users_groups_json(cx.root()) {
            Ok(Some(x)) => x,
            Ok(None) => return Outcome::skip("no `users-groups.json` in `/run/current-system/activate` (userborn, systemd-sysusers, or not a running system)"),
            Err(e) => return Outcome::error(e.to_string()),
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
        // Drift: accounts of /etc/passwd the configuration does not declare. Not a problem of
        // its own (it passes with mutableUsers false), but what mutability has already let in.
        let undeclared: Vec<Evidence> = match &accounts.users {
            Ok(us) => us
                .iter()
                .filter(|u| !declared.contains(u.name.as_str()))
                .map(|u| {
                    Evidence::line(
                        "/etc/passwd",
                        u.line,
                        format!("{}: not in the configuration", u.name),
                    )
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let ev = Evidence::value(&path, format!("mutableUsers = {mutable}"));
        if mutable {
            let mut msg = "`users.mutableUsers` is true: account and password changes made with useradd/passwd persist".to_string();
            match undeclared.len() {
                0 => {}
                1 => msg.push_str(" (1 account of `/etc/passwd` is not in the configuration)"),
                n => msg.push_str(&format!(
                    " ({n} accounts of `/etc/passwd` are not in the configuration)"
                )),
            }
            Outcome::fail_about("users.mutableUsers", msg)
                .with_evidence(std::iter::once(ev).chain(undeclared))
        } else {
            Outcome::pass("accounts are declarative (`users.mutableUsers = false`)")
                .with_evidence([ev])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::pairs;
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
        // One problem: the undeclared account is what mutability let in, shown as evidence.
        assert_eq!(
            pairs(&o),
            [(
                "users.mutableUsers".into(),
                "`users.mutableUsers` is true: account and password changes made with useradd/passwd persist (1 account of `/etc/passwd` is not in the configuration)".into()
            )]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [
                Evidence::value(JSON, "mutableUsers = true"),
                Evidence::line("/etc/passwd", 3, "mallory: not in the configuration")
            ]
        );
        let o = run(
            &MutableUsers,
            &nixos(
                r#"{"mutableUsers":true,"users":[{"name":"root"},{"name":"alice"},{"name":"mallory"}],"groups":[]}"#,
            ),
        );
        assert_eq!(
            message(&o),
            "`users.mutableUsers` is true: account and password changes made with useradd/passwd persist"
        );
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
