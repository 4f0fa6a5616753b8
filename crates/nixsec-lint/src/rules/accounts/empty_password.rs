//! NIX-130: an account with an empty password.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `users.users.<n>.hashedPassword`, `initialHashedPassword`, `password` or
/// `initialPassword` set to `""`.
///
/// ## Why it matters
/// An empty password logs in without any secret wherever password logins are allowed
/// (console, su, display managers, sshd with `PermitEmptyPasswords`).
///
/// ## Fix (NixOS)
/// `users.users.<n>.hashedPassword = "!";` (locked) or a `hashedPasswordFile`.
///
/// ## References
/// shadow(5); CWE-258.
pub struct EmptyPassword;

static META: RuleMeta = RuleMeta {
    id: "NIX-130",
    title: "Account with an empty password",
    section: Section::Accounts,
    severity: Severity::Critical,
    checks: "a password or password hash option set to the empty string",
    rationale: "An empty password logs in without any secret wherever password logins are allowed.",
    fix: "Lock the account or give it a real password through a file",
    nixos: "users.users.<name>.hashedPassword = \"!\";",
    references: &["shadow(5)", "CWE-258"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &EmptyPassword;

impl LintRule for EmptyPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "hashedPassword"],
            &["users", "users", "*", "initialHashedPassword"],
            &["users", "users", "*", "password"],
            &["users", "users", "*", "initialPassword"],
            &["users", "extraUsers", "*", "hashedPassword"],
            &["users", "extraUsers", "*", "password"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if !matches!(&a.value.v, Value::Str(s) if s.is_empty()) {
            return;
        }
        let user = &a.path[2];
        out.push(
            Hit::new(
                a.value.range,
                format!("user `{user}` has an empty password"),
            )
            .fix(format!("users.users.{user}.hashedPassword = \"!\";")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Critical;

    const ID: &str = "NIX-130";

    #[test]
    fn empty_in_each_option() {
        for key in [
            "hashedPassword",
            "initialHashedPassword",
            "password",
            "initialPassword",
        ] {
            let src = format!(r#"{{ users.users.guest.{key} = ""; }}"#);
            assert_eq!(hits(&src, ID), [h("\"\"", 1, Critical)], "{src}");
        }
        assert_eq!(
            hits(
                "let e = ''''; in { users.users.guest = { hashedPassword = e; }; }",
                ID
            ),
            [h("e", 1, Critical)]
        );
        for src in [
            r#"{ users.users.guest.hashedPassword = "!"; }"#,
            r#"{ users.users.guest.hashedPassword = null; }"#,
            r#"{ users.users.guest.description = ""; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
