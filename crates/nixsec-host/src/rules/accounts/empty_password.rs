//! NIX-130: an account that can log in has an empty password field.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::accounts::Accounts;
use crate::engine::Rule;

/// `/etc/shadow` field 2 empty (or `/etc/passwd` field 2 empty) for an account with a shell.
pub struct EmptyPassword;

crate::host_rule!("NIX-130", EmptyPassword);

impl Rule for EmptyPassword {
    fn check(&self, cx: &HostCx) -> Outcome {
        let a = Accounts::of(cx);
        let users = match &a.users {
            Ok(u) => u,
            Err(e) => return Outcome::error(e.clone()),
        };
        let passwd_fields = match cx.root().read_to_string("/etc/passwd") {
            Ok((_, t)) => t,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut bad = Vec::new();
        let mut evidence = Vec::new();
        // A passwd field other than `x` is used instead of shadow: empty there means no password.
        for u in users.iter().filter(|u| u.has_login_shell()) {
            let field = passwd_fields
                .lines()
                .nth(u.line as usize - 1)
                .and_then(|l| l.split(':').nth(1))
                .unwrap_or("x");
            if field.is_empty() {
                bad.push(u.name.clone());
                evidence.push(Evidence::line(
                    "/etc/passwd",
                    u.line,
                    format!("{}::{}:{}", u.name, u.uid, u.gid),
                ));
            }
        }
        let shadow = match &a.shadow {
            Ok(s) => s,
            Err(e) => {
                if bad.is_empty() {
                    return Outcome::error(format!(
                        "cannot tell which accounts have empty passwords: {e}"
                    ));
                }
                return Outcome::fail(format!(
                    "empty password for {} (and /etc/shadow unreadable: {e})",
                    bad.join(", ")
                ))
                .with_evidence(evidence);
            }
        };
        for u in users.iter().filter(|u| u.has_login_shell()) {
            if let Some(s) = shadow.iter().find(|s| s.name == u.name) {
                if s.hash.is_empty() && !bad.contains(&u.name) {
                    bad.push(u.name.clone());
                    evidence.push(Evidence::line(
                        "/etc/shadow",
                        s.line,
                        format!("{}::…", s.name),
                    ));
                }
            }
        }
        if bad.is_empty() {
            Outcome::pass("no account with a login shell has an empty password")
        } else {
            Outcome::fail(format!(
                "empty password for {}",
                bad.iter()
                    .map(|b| format!("`{}`", nixsec_core::escape(b)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_evidence(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(message(&o), "empty password for `alice`");
        let b = root("root:!:1::::::\n").file("/etc/passwd", "root::0:0::/root:/bin/bash\n");
        assert_eq!(
            message(&run(&EmptyPassword, &b)),
            "empty password for `root`"
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
