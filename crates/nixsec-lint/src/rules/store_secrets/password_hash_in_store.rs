//! NIX-031: a password hash written into the configuration.

use nixsec_core::Severity;

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule};
use crate::value::Value;

struct PasswordHashInStore;

crate::lint_rule!("NIX-031", PasswordHashInStore);

/// A weak crypt scheme, by prefix (or DES by shape).
fn weak(h: &str) -> Option<&'static str> {
    if h.starts_with("$1$") {
        Some("MD5")
    } else if h.starts_with("$5$") {
        Some("SHA-256")
    } else if h.len() == 13 && !h.starts_with('$') {
        Some("DES")
    } else {
        None
    }
}

impl LintRule for PasswordHashInStore {
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "hashedPassword"],
            &["users", "users", "*", "initialHashedPassword"],
            &["users", "extraUsers", "*", "hashedPassword"],
            &["users", "extraUsers", "*", "initialHashedPassword"],
        ]
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let Value::Str(hash) = &a.value.v else { return };
        if hash.is_empty() || hash.starts_with('!') || hash == "*" {
            return;
        }
        let user = &a.path[2];
        let mut hit = Hit::new(
            a.value.range,
            format!("the password hash of user `{user}` is world-readable in the store"),
        )
        .fix(format!(
            "users.users.{user}.hashedPasswordFile = \"/run/secrets/{user}-password\";"
        ));
        if let Some(scheme) = weak(hash) {
            hit.message = format!(
                "the {scheme} password hash of user `{user}` is world-readable in the store (weak scheme)"
            );
            hit = hit.severity(Severity::High);
        }
        // The hash is shown by its scheme only (offline cracking needs the rest).
        let shown = hash.split('$').nth(1).map_or_else(
            || "\"<redacted hash>\"".to_string(),
            |id| format!("\"${id}$<redacted>\""),
        );
        out.push(hit.secret(shown));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::{High, Medium};

    const ID: &str = "NIX-031";

    #[test]
    fn hashes() {
        assert_eq!(
            hits(
                r#"{ users.users.alice.hashedPassword = "$y$j9T$abc$def"; }"#,
                ID
            ),
            [h("\"$y$j9T$abc$def\"", 1, Medium)]
        );
        assert_eq!(
            hits(
                r#"{ users.users.root.initialHashedPassword = "$1$salt$hash"; }"#,
                ID
            ),
            [h("\"$1$salt$hash\"", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.users.a.hashedPassword = "abDEFghIJklMN"; }"#, ID)[0].2,
            High
        );
        for src in [
            r#"{ users.users.root.hashedPassword = "!"; }"#,
            r#"{ users.users.root.hashedPassword = "*"; }"#,
            r#"{ users.users.root.hashedPassword = "!$6$locked"; }"#,
            r#"{ users.users.root.hashedPassword = null; }"#,
            r#"{ users.users.root.hashedPassword = ""; }"#,
            r#"{ users.users.root.hashedPasswordFile = "/run/secrets/x"; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
