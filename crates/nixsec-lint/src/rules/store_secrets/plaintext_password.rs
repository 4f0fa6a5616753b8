//! NIX-030: a plaintext password in the configuration (it lands in the world-readable store).

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct PlaintextPassword;

crate::lint_rule!("NIX-030", PlaintextPassword);

impl LintRule for PlaintextPassword {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "password"],
            &["users", "users", "*", "initialPassword"],
            &["users", "extraUsers", "*", "password"],
            &["users", "extraUsers", "*", "initialPassword"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let user = &a.path[2];
        let key = &a.path[3];
        let what = match &a.value.v {
            Value::Null => return,
            Value::Str(s) if s.is_empty() => return,
            Value::Str(_) | Value::Interp(_) => "a plaintext password",
            // Another user's password (`root.password = mkForce config.users.users.${user}.password`):
            // judged where that one is written.
            Value::Unknown(t) if copies_a_user_password(t) => return,
            Value::Unknown(_) => "a password computed at evaluation (still stored in plain text)",
            _ => "a password",
        };
        let hit = Hit::new(
            a.value.range,
            format!(
                "`{key}` of user `{user}` is {what}, readable by every local user in the store"
            ),
        )
        .fix(format!(
            "users.users.{user}.hashedPasswordFile = \"/run/secrets/{user}-password\";"
        ))
        // One literal given to many users (`genAttrs names mkUser`): one finding.
        .grouped(key.clone(), user.clone());
        // The password itself is never shown: not as the value, not in the source line.
        out.push(match &a.value.v {
            Value::Str(_) | Value::Interp(_) => hit.secret("\"<redacted>\""),
            _ => hit,
        });
    }
    fn merged(&self, key: &str, users: &[String]) -> String {
        let names: Vec<String> = users.iter().map(|u| format!("`{u}`")).collect();
        format!(
            "`{key}` of users {} is one plaintext password, readable by every local user in the store",
            names.join(", ")
        )
    }
}

/// The text of a value that is another user's password option, read through `config` (under
/// `mkForce`, `mkDefault`...).
fn copies_a_user_password(text: &str) -> bool {
    let read = text.split_whitespace().next_back().unwrap_or_default();
    let read = read.trim_matches(|c| c == '(' || c == ')');
    ["config.users.users.", "config.users.extraUsers."]
        .iter()
        .any(|p| read.starts_with(p))
        && [".password", ".initialPassword"]
            .iter()
            .any(|s| read.ends_with(s))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, h, hc, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-030";

    #[test]
    fn one_literal_for_many_users_is_one_finding() {
        let src = r#"{ lib, ... }: let mkuser = user: { isNormalUser = true; initialPassword = "test1234"; }; in { users.users = lib.genAttrs [ "a" "b" "c" ] mkuser; }"#;
        let f = findings(src, ID);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].finding.message.contains("users `a`, `b`, `c`"),
            "{}",
            f[0].finding.message
        );
    }

    #[test]
    fn spellings() {
        // Computed at evaluation: still in the store (not another user's password).
        assert_eq!(
            hits(
                "{ config, ... }: { users.users.root.password = config.my.rootPassword; }",
                ID
            ),
            [h("config.my.rootPassword", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.users.alice.password = "hunter2"; }"#, ID),
            [h("\"hunter2\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ users.users.alice = { isNormalUser = true; initialPassword = "changeme"; }; }"#,
                ID
            ),
            [h("\"changeme\"", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.extraUsers.root.password = "x"; }"#, ID).len(),
            1
        );
        assert_eq!(
            hits(
                r#"let pw = "x"; in { users.users = { bob = { password = pw; }; }; }"#,
                ID
            ),
            [h("pw", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ users.users.bob.password = builtins.readFile ./pw; }"#,
                ID
            )
            .len(),
            1
        );
        // In a module-valued option written as a module function: the build-vm variant, an
        // image's modules, a specialisation (the variant is the condition).
        for src in [
            r#"{ virtualisation.vmVariant = { lib, ... }: { users.users.root.initialPassword = "123"; }; }"#,
            r#"{ config, lib, ... }: { config = lib.mkIf config.x.on { virtualisation.vmVariantWithBootLoader = { ... }: { users.users.root.initialPassword = "123"; }; }; }"#,
            r#"{ image.modules.iso = { lib, ... }: { users.users.root.initialPassword = "123"; }; }"#,
            r#"{ specialisation.demo.configuration = { ... }: { users.users.root.initialPassword = "123"; }; }"#,
        ] {
            assert_eq!(hits(src, ID), [hc("\"123\"", 1, High)], "{src}");
        }
        let f = findings(r#"{ users.users.alice.password = "x"; }"#, ID);
        assert_eq!(
            f[0].finding.remediation.nixos,
            r#"users.users.alice.hashedPasswordFile = "/run/secrets/alice-password";"#
        );
    }

    #[test]
    fn negatives() {
        for src in [
            "{ users.users.alice.password = null; }",
            r#"{ users.users.alice.hashedPasswordFile = "/run/secrets/pw"; }"#,
            r#"{ users.users.alice.passwordFile = "/run/secrets/pw"; }"#,
            // Empty passwords are NIX-130.
            r#"{ users.users.alice.password = ""; }"#,
            // A home-manager module has no users.users.
            r#"{ home.stateVersion = "24.05"; users.users.alice.password = "x"; }"#,
            // Another user's password, judged where it is written.
            r#"{ config, lib, ... }: { users.users.root.password = lib.mkForce config.users.users.${user}.password; }"#,
            "{ config, ... }: { users.users.root.initialPassword = config.users.users.alice.initialPassword; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
