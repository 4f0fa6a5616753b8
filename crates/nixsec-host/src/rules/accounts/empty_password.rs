//! NIX-130: an account that can log in has an empty password field.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use nixsec_readers::accounts::Accounts;

/// `/etc/shadow` field 2 empty (or `/etc/passwd` field 2 empty) for an account with a shell.
pub struct EmptyPassword;

crate::host_rule!("NIX-130", EmptyPassword);

/// The problem of one account with an empty password.
fn empty(name: &str, evidence: Evidence) -> Problem {
    Problem::about(
        nixsec_core::escape(name),
        format!("`{}` has an empty password", nixsec_core::escape(name)),
    )
    .with_evidence([evidence])
}

impl Rule for EmptyPassword {
    fn check(&self, cx: &HostCx) -> Outcome {
        let a = Accounts::of(cx);
        let users = match &a.users {
            Ok(u) => u,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let passwd_fields = match cx.root().read_to_string("/etc/passwd") {
            Ok((_, t)) => t,
            Err(e) => return Outcome::error(e.to_string()),
        };
        // Linear in the number of accounts: the lines indexed once, shadow entries by name (the
        // first one wins, as in glibc's lookup), reported names in a set.
        let passwd_lines: Vec<&str> = passwd_fields.lines().collect();
        let mut problems = Vec::new();
        let mut reported = std::collections::HashSet::new();
        // A passwd field other than `x` is used instead of shadow: empty there means no password.
        for u in users.iter().filter(|u| u.has_login_shell()) {
            let field = (u.line as usize)
                .checked_sub(1)
                .and_then(|i| passwd_lines.get(i))
                .and_then(|l| l.split(':').nth(1))
                .unwrap_or("x");
            if field.is_empty() && reported.insert(u.name.as_str()) {
                problems.push(empty(
                    &u.name,
                    Evidence::line(
                        "/etc/passwd",
                        u.line,
                        format!("{}::{}:{}", u.name, u.uid, u.gid),
                    ),
                ));
            }
        }
        let shadow = match &a.shadow {
            Ok(s) => s,
            Err(e) => {
                if problems.is_empty() {
                    return Outcome::error(format!(
                        "cannot tell which accounts have empty passwords: {e}"
                    ));
                }
                problems.push(not_checked(&e.to_string()));
                return Outcome::Fail { problems };
            }
        };
        let mut by_name = std::collections::HashMap::with_capacity(shadow.len());
        for s in shadow {
            by_name.entry(s.name.as_str()).or_insert(s);
        }
        for u in users.iter().filter(|u| u.has_login_shell()) {
            if let Some(s) = by_name.get(u.name.as_str()) {
                if s.hash.is_empty() && reported.insert(u.name.as_str()) {
                    problems.push(empty(
                        &u.name,
                        Evidence::line("/etc/shadow", s.line, format!("{}::…", s.name)),
                    ));
                }
            }
        }
        Outcome::problems_or(problems, || {
            Outcome::pass("no account with a login shell has an empty password")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::{pairs, subjects};
    use crate::testing::*;

    const PASSWD: &str = "root:x:0:0::/root:/bin/bash\nalice:x:1000:100::/home/alice:/bin/bash\nsvc:x:990:990::/var/empty:/sbin/nologin\n";

    fn root(shadow: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .file("/etc/shadow", shadow)
    }

    #[test]
    fn empty_field_fails() {
        let o = run(
            &EmptyPassword,
            &root("root:!:1::::::\nalice::19000:0:99999:7:::\nsvc::1::::::\n"),
        );
        assert_eq!(
            pairs(&o),
            [("alice".into(), "`alice` has an empty password".into())]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::line("/etc/shadow", 2, "alice::…")]
        );
        let b = root("root:!:1::::::\n").file("/etc/passwd", "root::0:0::/root:/bin/bash\n");
        let o = run(&EmptyPassword, &b);
        assert_eq!(
            pairs(&o),
            [("root".into(), "`root` has an empty password".into())]
        );
        assert_eq!(
            o.problems()[0].evidence,
            [Evidence::line("/etc/passwd", 1, "root::0:0")]
        );
    }

    #[test]
    fn a_malformed_shadow_line_is_an_error_not_a_pass() {
        // Regression (issue 20): `alice::1` (too few fields) and a last line cut short were
        // read as entries; now the rule cannot tell, so it is an error.
        for shadow in [
            "root:!:1::::::\nalice::1\n",
            "root:!:1::::::\nalice::19000::::::",
        ] {
            let o = run(&EmptyPassword, &root(shadow));
            assert!(matches!(o, Outcome::Error { .. }), "{shadow:?}: {o:?}");
        }
    }

    #[test]
    fn many_accounts_take_linear_time() {
        // Regression (issue 20): 32,000 accounts took 5.4 s (quadratic lookups).
        let n = 64_000;
        let mut passwd = String::new();
        let mut shadow = String::new();
        for i in 0..n {
            passwd.push_str(&format!("u{i}:x:{}:100::/home/u{i}:/bin/sh\n", 1000 + i));
            shadow.push_str(&format!(
                "u{i}:{}:19000::::::\n",
                if i == n - 1 { "" } else { "!" }
            ));
        }
        let b = RootBuilder::new()
            .file("/etc/passwd", passwd)
            .file("/etc/shadow", shadow);
        let t = std::time::Instant::now();
        let o = run(&EmptyPassword, &b);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(subjects(&o), [format!("u{}", n - 1)]);
    }

    #[test]
    fn each_account_is_its_own_problem() {
        // root empty in passwd and in shadow: one problem; alice empty in shadow.
        let b = root("root::1::::::\nalice::19000::::::\nsvc::1::::::\n")
            .file("/etc/passwd", PASSWD.replacen("root:x:", "root::", 1));
        let o = run(&EmptyPassword, &b);
        assert_eq!(
            pairs(&o),
            [
                ("root".into(), "`root` has an empty password".into()),
                ("alice".into(), "`alice` has an empty password".into())
            ]
        );
    }

    #[test]
    fn an_unreadable_shadow_beside_an_empty_passwd_field_is_its_own_problem() {
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD.replacen("alice:x:", "alice::", 1))
            .dir("/etc/shadow", 0o700);
        let o = run(&EmptyPassword, &b);
        assert_eq!(subjects(&o), ["alice", "/etc/shadow"]);
        assert!(
            o.problems()[1]
                .message
                .starts_with("`/etc/shadow` could not be read: "),
            "{o:?}"
        );
    }

    #[test]
    fn locked_and_nologin_pass() {
        assert_eq!(
            run(
                &EmptyPassword,
                &root("root:!:1::::::\nalice:$y$j9T$abc$def:1::::::\nsvc::1::::::\n")
            )
            .status(),
            Status::Pass
        );
    }

    #[test]
    fn unreadable_shadow_is_an_error() {
        let b = RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .dir("/etc/shadow", 0o700);
        let o = run(&EmptyPassword, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/etc/shadow"), "{}", message(&o));
    }

    #[test]
    fn no_passwd_is_an_error() {
        assert_eq!(
            run(&EmptyPassword, &RootBuilder::new()).status(),
            Status::Error
        );
    }
}
