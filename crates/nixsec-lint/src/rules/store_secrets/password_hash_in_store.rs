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

/// A hash shown by its scheme only (offline cracking needs the rest).
fn shown(hash: &str) -> String {
    hash.split('$').nth(1).map_or_else(
        || "\"<redacted hash>\"".to_string(),
        |id| format!("\"${id}$<redacted>\""),
    )
}

/// Every crypt or PHC hash literal under a `hashedPassword`-like key inside `v` (whose own key is
/// `key`), with its range and place (`[0].users.root.hashedPassword`).
fn nested_hashes(
    v: &crate::value::Val,
    key: &str,
    place: String,
    depth: usize,
    f: &mut dyn FnMut(&str, rnix::TextRange, &str),
) {
    // Values are bounded by the index's own depth limit; this is a second guard.
    if depth > 64 {
        return;
    }
    match &v.v {
        Value::Str(h)
            if matches!(
                key,
                "hashedPassword" | "initialHashedPassword" | "passwordHash"
            ) && nixsec_secrets::is_password_hash(h) =>
        {
            f(h, v.range, &place);
        }
        Value::List(items) => {
            for (n, i) in items.iter().enumerate() {
                nested_hashes(i, key, format!("{place}[{n}]"), depth + 1, f);
            }
        }
        Value::Attrs(kv) => {
            for (k, x) in kv {
                let last = k.rsplit('.').next().unwrap_or(k);
                nested_hashes(x, last, format!("{place}.{k}"), depth + 1, f);
            }
        }
        _ => {}
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
    /// A service's own users (`services.mosquitto.listeners.*.users.<name>.hashedPassword`,
    /// any `…hashedPassword` option or attribute inside an option's value) written as a crypt
    /// or PHC hash literal.
    fn wants(&self, a: &Assignment) -> bool {
        a.path.first().is_some_and(|p| p != "users") && {
            let mut found = false;
            nested_hashes(
                &a.value,
                a.path.last().map_or("", String::as_str),
                String::new(),
                0,
                &mut |_, _, _| found = true,
            );
            found
        }
    }
    fn check(&self, a: &Assignment, _cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path.first().is_some_and(|p| p != "users") {
            let option = crate::value::path_string(&a.path);
            nested_hashes(
                &a.value,
                a.path.last().map_or("", String::as_str),
                String::new(),
                0,
                &mut |hash, range, place| {
                    let hit = Hit::new(
                        range,
                        format!(
                            "the password hash of `{option}{place}` is world-readable in the store"
                        ),
                    );
                    out.push(hit.secret(shown(hash)));
                },
            );
            return;
        }
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
        out.push(hit.secret(shown(hash)));
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
        // A service's own users: the same hash in the store.
        assert_eq!(
            hits(
                r#"{ services.mosquitto.listeners = [ { users.root.hashedPassword = "$7$101$6NzKy3TgCqP2vZf8$hBO"; } ]; }"#,
                ID
            ),
            [h("\"$7$101$6NzKy3TgCqP2vZf8$hBO\"", 1, Medium)]
        );
        for src in [
            r#"{ services.foo.hashedPassword = "not a hash"; }"#,
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
