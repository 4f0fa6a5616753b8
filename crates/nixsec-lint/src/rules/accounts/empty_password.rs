//! NIX-130: an account with an empty password.

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct EmptyPassword;

crate::lint_rule!("NIX-130", EmptyPassword);

impl LintRule for EmptyPassword {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "hashedPassword"],
            &["users", "users", "*", "initialHashedPassword"],
            &["users", "users", "*", "password"],
            &["users", "users", "*", "initialPassword"],
            &["users", "extraUsers", "*", "hashedPassword"],
            &["users", "extraUsers", "*", "initialHashedPassword"],
            &["users", "extraUsers", "*", "password"],
            &["users", "extraUsers", "*", "initialPassword"],
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
            // The old name of `users.users`.
            let src = format!(r#"{{ users.extraUsers.root.{key} = ""; }}"#);
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
