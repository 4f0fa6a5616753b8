//! NIX-138: weak password hashing or a loose default umask.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::accounts::{login_defs, Accounts};
use crate::engine::Rule;

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
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let defs = match login_defs(cx) {
            Ok(d) => d,
            Err(e) => return Outcome::error(e),
        };
        let get = |k: &str| {
            defs.as_ref()
                .and_then(|d| d.iter().rev().find(|(key, _, _)| key == k).cloned())
        };
        match get("ENCRYPT_METHOD") {
            Some((_, v, line)) => {
                evidence.push(Evidence::line(
                    "/etc/login.defs",
                    line,
                    format!("ENCRYPT_METHOD {v}"),
                ));
                if !matches!(v.to_ascii_uppercase().as_str(), "YESCRYPT" | "SHA512") {
                    problems.push(format!("ENCRYPT_METHOD is {v}"));
                }
            }
            None => {
                evidence.push(Evidence::value(
                    "/etc/login.defs",
                    "ENCRYPT_METHOD unset: shadow's default DES",
                ));
                problems.push("ENCRYPT_METHOD unset (shadow's default is DES)".into());
            }
        }
        match get("UMASK") {
            Some((_, v, line)) => {
                evidence.push(Evidence::line(
                    "/etc/login.defs",
                    line,
                    format!("UMASK {v}"),
                ));
                match u32::from_str_radix(&v, 8) {
                    Ok(m) if m & 0o027 == 0o027 => {}
                    Ok(_) => problems.push(format!("UMASK {v} is looser than 027")),
                    Err(_) => {
                        return Outcome::error(format!(
                            "`/etc/login.defs` line {line}: UMASK `{}` is not an octal mask",
                            nixsec_core::escape(&v)
                        ))
                    }
                }
            }
            None => {
                evidence.push(Evidence::value(
                    "/etc/login.defs",
                    "UMASK unset: default 022",
                ));
                problems.push("UMASK unset (default 022 is looser than 027)".into());
            }
        }
        for k in ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE"] {
            if let Some((_, v, line)) = get(k) {
                evidence.push(Evidence::line("/etc/login.defs", line, format!("{k} {v}")));
            }
        }
        for f in [
            "/etc/pam.d/passwd",
            "/etc/pam.d/chpasswd",
            "/etc/pam.d/common-password",
        ] {
            match cx.root().read_to_string(f) {
                Ok((_, t)) => {
                    for (i, l) in t.lines().enumerate() {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        if w.first() == Some(&"password")
                            && w.iter().any(|x| x.ends_with("pam_unix.so"))
                        {
                            if let Some(weak) = w.iter().find(|x| matches!(**x, "md5" | "bigcrypt"))
                            {
                                problems.push(format!("{f} hashes new passwords with {weak}"));
                                evidence.push(Evidence::line(
                                    f,
                                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                                    l.trim(),
                                ));
                            }
                        }
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        let a = Accounts::of(cx);
        match &a.shadow {
            Ok(s) => {
                let weak: Vec<String> = s
                    .iter()
                    .filter_map(|e| weak_hash(&e.hash).map(|w| format!("{} ({w})", e.name)))
                    .collect();
                for e in s.iter().filter(|e| weak_hash(&e.hash).is_some()) {
                    evidence.push(Evidence::line(
                        "/etc/shadow",
                        e.line,
                        format!("{}:{}…", e.name, e.hash.chars().take(3).collect::<String>()),
                    ));
                }
                if !weak.is_empty() {
                    problems.push(format!("weak password hashes: {}", weak.join(", ")));
                }
            }
            Err(e) => {
                if problems.is_empty() {
                    return Outcome::error(format!("cannot check password hashes: {e}"));
                }
                problems.push(format!("(password hashes not checked: {e})"));
            }
        }
        if problems.is_empty() {
            Outcome::pass("strong hashing (yescrypt/SHA-512), no weak hash in /etc/shadow, umask 027 or tighter").with_evidence(evidence)
        } else {
            Outcome::fail(problems.join("; ")).with_evidence(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            .file("/etc/login.defs", "UMASK\t\t022\nENCRYPT_METHOD SHA512\n")
            .file("/etc/shadow", "root:*:1::::::\nold:$1$salt$hash:1::::::\ndes:abJnggxhB/yWI:1::::::\nsha:$5$s$h:1::::::\n")
            .file("/etc/pam.d/passwd", "password required pam_unix.so md5 shadow\n");
        assert_eq!(
            message(&run(&WeakPasswordPolicy, &b)),
            "UMASK 022 is looser than 027; /etc/pam.d/passwd hashes new passwords with md5; weak password hashes: old (MD5), des (DES), sha (SHA-256)"
        );
    }

    #[test]
    fn missing_login_defs_uses_shadow_defaults() {
        let b = RootBuilder::new().file("/etc/shadow", "root:!:1::::::\n");
        assert_eq!(message(&run(&WeakPasswordPolicy, &b)), "ENCRYPT_METHOD unset (shadow's default is DES); UMASK unset (default 022 is looser than 027)");
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
