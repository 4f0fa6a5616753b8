//! NIX-031: a password hash written into the configuration.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `users.users.<n>.hashedPassword` / `initialHashedPassword` set to a real hash (not `!`,
/// `*` or a locked `!...`). MD5 (`$1$`), SHA-256 (`$5$`) and DES (13 characters) hashes are
/// high; others medium. Empty strings are NIX-130.
///
/// ## Why it matters
/// The hash is world-readable in the store: any local user can crack it offline.
///
/// ## Fix (NixOS)
/// `users.users.<n>.hashedPasswordFile = "/run/secrets/<n>-password";`
///
/// ## References
/// NixOS option `users.users.<name>.hashedPassword`; crypt(5); CWE-916.
pub struct PasswordHashInStore;

static META: RuleMeta = RuleMeta {
    id: "NIX-031",
    title: "Password hash in the store",
    section: Section::StoreSecrets,
    severity: Severity::Medium,
    checks: "`hashedPassword` / `initialHashedPassword` set to a real hash",
    rationale:
        "The hash is world-readable in the store and can be cracked offline by any local user.",
    fix: "Keep the hash in a file outside the store",
    nixos: "users.users.<name>.hashedPasswordFile = \"/run/secrets/<name>-password\";",
    references: &[
        "NixOS option users.users.<name>.hashedPassword",
        "crypt(5)",
        "CWE-916",
    ],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &PasswordHashInStore;

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
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
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
        out.push(hit);
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
