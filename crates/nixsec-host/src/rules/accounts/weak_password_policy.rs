//! NIX-138: weak password hashing or a loose default umask.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::kernel::not_checked;
use nixsec_readers::accounts::{login_defs, Accounts};

/// Weak `ENCRYPT_METHOD`, weak hashes in shadow, `UMASK` looser than 027, or a PAM `md5` hash.
pub struct WeakPasswordPolicy;

crate::host_rule!("NIX-138", WeakPasswordPolicy);

fn weak_hash(h: &str) -> Option<&'static str> {
    if h.starts_with("$1$") || h.starts_with("$md5") {
        Some("MD5")
    } else if h.starts_with("$5$") {
        Some("SHA-256")
    } else if h.starts_with('_') && h.len() == 20 {
        Some("BSDi DES")
    } else if h.len() == 13
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
    {
        Some("DES")
    } else {
        None
    }
}

impl Rule for WeakPasswordPolicy {
    fn check(&self, cx: &HostCx) -> Outcome {
        const DEFS: &str = "/etc/login.defs";
        let mut problems = Vec::new();
        // What could not be checked: (subject, message).
        let mut errors: Vec<(String, String)> = Vec::new();
        // The password-aging settings: reported with every problem.
        let mut context = Vec::new();
        let defs = match login_defs(cx.root()) {
            Ok(d) => d,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let get = |k: &str| {
            defs.as_ref()
                .and_then(|d| d.iter().rev().find(|(key, _, _)| key == k).cloned())
        };
        match get("ENCRYPT_METHOD") {
            Some((_, v, line)) => {
                if !matches!(v.to_ascii_uppercase().as_str(), "YESCRYPT" | "SHA512") {
                    problems.push(
                        Problem::about(
                            "ENCRYPT_METHOD",
                            format!(
                                "`ENCRYPT_METHOD {}`: new passwords are hashed weakly (want YESCRYPT or SHA512)",
                                nixsec_core::escape(&v)
                            ),
                        )
                        .with_evidence([Evidence::line(DEFS, line, format!("ENCRYPT_METHOD {v}"))]),
                    );
                }
            }
            None => problems.push(
                Problem::about(
                    "ENCRYPT_METHOD",
                    "`ENCRYPT_METHOD` unset (shadow's default is DES)",
                )
                .with_evidence([Evidence::value(
                    DEFS,
                    "ENCRYPT_METHOD unset: shadow's default DES",
                )]),
            ),
        }
        match get("UMASK") {
            Some((_, v, line)) => match u32::from_str_radix(&v, 8) {
                Ok(m) if m & 0o027 == 0o027 => {}
                Ok(_) => problems.push(
                    Problem::about(
                        "UMASK",
                        format!("`UMASK {}` is looser than 027", nixsec_core::escape(&v)),
                    )
                    .with_evidence([Evidence::line(
                        DEFS,
                        line,
                        format!("UMASK {v}"),
                    )]),
                ),
                Err(_) => errors.push((
                    "UMASK".into(),
                    format!(
                        "`{DEFS}` line {line}: UMASK `{}` is not an octal mask",
                        nixsec_core::escape(&v)
                    ),
                )),
            },
            None => problems.push(
                Problem::about("UMASK", "`UMASK` unset (default 022 is looser than 027)")
                    .with_evidence([Evidence::value(DEFS, "UMASK unset: default 022")]),
            ),
        }
        for k in ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE"] {
            if let Some((_, v, line)) = get(k) {
                context.push(Evidence::line(DEFS, line, format!("{k} {v}")));
            }
        }
        for f in [
            "/etc/pam.d/passwd",
            "/etc/pam.d/chpasswd",
            "/etc/pam.d/common-password",
        ] {
            match cx.root().read_to_string(f) {
                Ok((_, t)) => {
                    // One problem per file, with each weak line.
                    let mut weak_in_file: Option<Problem> = None;
                    for (i, l) in t.lines().enumerate() {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        if w.first() == Some(&"password")
                            && w.iter().any(|x| x.ends_with("pam_unix.so"))
                        {
                            if let Some(weak) = w.iter().find(|x| matches!(**x, "md5" | "bigcrypt"))
                            {
                                let ev = Evidence::line(
                                    f,
                                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                                    l.trim(),
                                );
                                match &mut weak_in_file {
                                    Some(p) => p.evidence.push(ev),
                                    None => {
                                        weak_in_file = Some(
                                            Problem::about(
                                                f,
                                                format!("`{f}` hashes new passwords with `{weak}`"),
                                            )
                                            .with_evidence([ev]),
                                        );
                                    }
                                }
                            }
                        }
                    }
                    problems.extend(weak_in_file);
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => errors.push((f.to_string(), e.to_string())),
            }
        }
        let a = Accounts::of(cx);
        match &a.shadow {
            Ok(s) => {
                for e in s {
                    if let Some(w) = weak_hash(&e.hash) {
                        problems.push(
                            Problem::about(
                                nixsec_core::escape(&e.name),
                                format!(
                                    "`{}` has a weak password hash ({w})",
                                    nixsec_core::escape(&e.name)
                                ),
                            )
                            .with_evidence([Evidence::line(
                                "/etc/shadow",
                                e.line,
                                format!(
                                    "{}:{}…",
                                    e.name,
                                    e.hash.chars().take(3).collect::<String>()
                                ),
                            )]),
                        );
                    }
                }
            }
            Err(e) => {
                if problems.is_empty() && errors.is_empty() {
                    return Outcome::error(format!("cannot check password hashes: {e}"));
                }
                errors.push(("/etc/shadow".into(), e.to_string()));
            }
        }
        if !problems.is_empty() {
            problems.extend(
                errors
                    .iter()
                    .map(|(subject, e)| not_checked(e).subject(subject.as_str())),
            );
            return Outcome::Fail { problems }.with_evidence(context);
        }
        if !errors.is_empty() {
            let errors: Vec<&str> = errors.iter().map(|(_, e)| e.as_str()).collect();
            return Outcome::error(errors.join("; "));
        }
        let mut evidence = Vec::new();
        for k in ["ENCRYPT_METHOD", "UMASK"] {
            if let Some((_, v, line)) = get(k) {
                evidence.push(Evidence::line(DEFS, line, format!("{k} {v}")));
            }
        }
        evidence.extend(context);
        Outcome::pass(
            "strong hashing (yescrypt/SHA-512), no weak hash in /etc/shadow, umask 027 or tighter",
        )
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fixtures::pairs;
    use crate::testing::*;

    const GOOD: &str =
        "# NixOS security.loginDefs\nENCRYPT_METHOD YESCRYPT\nUMASK 077\nPASS_MAX_DAYS 99999\n";

    #[test]
    fn strong_policy_passes() {
        let b = RootBuilder::new().file("/etc/login.defs", GOOD).file(
            "/etc/shadow",
            "root:!:1::::::\nalice:$y$j9T$abc$def:1::::::\nbob:$6$rounds=5000$x$y:1::::::\n",
        );
        let o = run(&WeakPasswordPolicy, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn debian_defaults_and_weak_hashes_fail() {
        // Debian 12's login.defs has UMASK 022 and ENCRYPT_METHOD SHA512.
        let b = RootBuilder::new()
            .file("/etc/login.defs", "UMASK\t\t022\nENCRYPT_METHOD SHA512\nPASS_MAX_DAYS 99999\n")
            .file("/etc/shadow", "root:*:1::::::\nold:$1$salt$hash:1::::::\ndes:abJnggxhB/yWI:1::::::\nsha:$5$s$h:1::::::\n")
            .file("/etc/pam.d/passwd", "password required pam_unix.so md5 shadow\n");
        let o = run(&WeakPasswordPolicy, &b);
        assert_eq!(
            pairs(&o),
            [
                ("UMASK".into(), "`UMASK 022` is looser than 027".into()),
                (
                    "/etc/pam.d/passwd".into(),
                    "`/etc/pam.d/passwd` hashes new passwords with `md5`".into()
                ),
                ("old".into(), "`old` has a weak password hash (MD5)".into()),
                ("des".into(), "`des` has a weak password hash (DES)".into()),
                (
                    "sha".into(),
                    "`sha` has a weak password hash (SHA-256)".into()
                ),
            ]
        );
        // Each problem has its own line, and the password-aging settings as context.
        assert_eq!(
            o.problems()[2].evidence,
            [
                Evidence::line("/etc/shadow", 2, "old:$1$…"),
                Evidence::line("/etc/login.defs", 3, "PASS_MAX_DAYS 99999")
            ]
        );
        assert_eq!(
            o.problems()[0].evidence[0],
            Evidence::line("/etc/login.defs", 1, "UMASK 022")
        );
    }

    #[test]
    fn weak_method_and_pam_lines_as_in_the_weak_fixture_root() {
        let b = RootBuilder::new()
            .file("/etc/login.defs", "ENCRYPT_METHOD MD5\nUMASK 077\n")
            .file("/etc/shadow", "root:!:1::::::\n")
            .file("/etc/pam.d/passwd", "password sufficient pam_unix.so nullok md5 shadow\npassword required pam_unix.so bigcrypt\n")
            .file("/etc/pam.d/chpasswd", "account required pam_unix.so\npassword required pam_unix.so bigcrypt\n");
        let o = run(&WeakPasswordPolicy, &b);
        assert_eq!(
            pairs(&o),
            [
                (
                    "ENCRYPT_METHOD".into(),
                    "`ENCRYPT_METHOD MD5`: new passwords are hashed weakly (want YESCRYPT or SHA512)"
                        .into()
                ),
                (
                    "/etc/pam.d/passwd".into(),
                    "`/etc/pam.d/passwd` hashes new passwords with `md5`".into()
                ),
                (
                    "/etc/pam.d/chpasswd".into(),
                    "`/etc/pam.d/chpasswd` hashes new passwords with `bigcrypt`".into()
                ),
            ]
        );
        // Two weak lines of one file: one problem with both.
        assert_eq!(o.problems()[1].evidence.len(), 2);
        assert_eq!(
            o.problems()[2].evidence,
            [Evidence::line(
                "/etc/pam.d/chpasswd",
                2,
                "password required pam_unix.so bigcrypt"
            )]
        );
    }

    #[test]
    fn missing_login_defs_uses_shadow_defaults() {
        let b = RootBuilder::new().file("/etc/shadow", "root:!:1::::::\n");
        assert_eq!(
            pairs(&run(&WeakPasswordPolicy, &b)),
            [
                (
                    "ENCRYPT_METHOD".into(),
                    "`ENCRYPT_METHOD` unset (shadow's default is DES)".into()
                ),
                (
                    "UMASK".into(),
                    "`UMASK` unset (default 022 is looser than 027)".into()
                )
            ]
        );
    }

    #[test]
    fn an_unreadable_shadow_beside_other_problems_is_its_own_problem() {
        let b = RootBuilder::new()
            .file("/etc/login.defs", "ENCRYPT_METHOD YESCRYPT\nUMASK 022\n")
            .dir("/etc/shadow", 0o700);
        let o = run(&WeakPasswordPolicy, &b);
        assert_eq!(
            pairs(&o),
            [
                ("UMASK".into(), "`UMASK 022` is looser than 027".into()),
                (
                    "/etc/shadow".into(),
                    "`/etc/shadow` could not be read: not a regular file (a directory); not checked"
                        .into()
                )
            ]
        );
    }

    #[test]
    fn broken_inputs_are_errors() {
        let b = RootBuilder::new()
            .file("/etc/login.defs", GOOD)
            .dir("/etc/shadow", 0o700);
        assert_eq!(run(&WeakPasswordPolicy, &b).status(), Status::Error);
        let b = RootBuilder::new()
            .file("/etc/login.defs", "ENCRYPT_METHOD YESCRYPT\nUMASK 09x\n")
            .file("/etc/shadow", "");
        let o = run(&WeakPasswordPolicy, &b);
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/etc/login.defs` line 2: UMASK `09x` is not an octal mask"
        );
    }
}
