//! NIX-081: sshd honours key files in home directories, and they hold keys the configuration
//! does not declare.

use std::collections::BTreeSet;

use crate::cx::{Fact, HostCx};
use nixsec_core::{escape, Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::sshd::with_sshd;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::sshd::Value;

/// Home-directory key files are honoured and contain undeclared keys.
pub struct HomeAuthorizedKeys;

crate::host_rule!("NIX-081", HomeAuthorizedKeys);

/// The `type blob` of each key line (options and comments dropped).
fn keys(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in text.lines() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let w: Vec<&str> = l.split_whitespace().collect();
        if let Some(i) = w
            .iter()
            .position(|x| x.starts_with("ssh-") || x.starts_with("ecdsa-") || x.starts_with("sk-"))
        {
            if let Some(blob) = w.get(i + 1) {
                out.insert(format!("{} {blob}", w[i]));
            }
        }
    }
    out
}

/// Home-relative entries of an `AuthorizedKeysFile` list, with `%h`/`~` stripped.
fn home_entries(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|a| {
            if let Some(r) = a.strip_prefix("%h/").or_else(|| a.strip_prefix("~/")) {
                Some(r.to_string())
            } else if a.starts_with('/') || a.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(a.clone())
            }
        })
        .collect()
}

impl Rule for HomeAuthorizedKeys {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_sshd(cx, |c| {
            let eff = c
                .effective("AuthorizedKeysFile")
                .unwrap_or(Value::Default(".ssh/authorized_keys .ssh/authorized_keys2"));
            let args: Vec<String> = match &eff {
                Value::Set(d) => d.args.clone(),
                Value::Default(v) => v.split_whitespace().map(str::to_string).collect(),
            };
            let mut evidence = vec![eff.evidence("AuthorizedKeysFile")];
            let mut entries = home_entries(&args);
            for (_, d) in c.overrides("AuthorizedKeysFile") {
                let more = home_entries(&d.args);
                if !more.is_empty() {
                    evidence.push(d.evidence());
                }
                entries.extend(more);
            }
            entries.sort();
            entries.dedup();
            if entries.is_empty() {
                return Outcome::pass(format!(
                    "AuthorizedKeysFile is {}: no key file in home directories is honoured",
                    eff.describe()
                ))
                .with_evidence(evidence);
            }
            let accounts = Accounts::of(cx);
            let users = match &accounts.users {
                Ok(u) => u,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let mut problems = Vec::new();
            let mut errors = Vec::new();
            for u in users
                .iter()
                .filter(|u| u.has_login_shell() && u.home.starts_with('/'))
            {
                let declared = match cx
                    .root()
                    .read_to_string(format!("/etc/ssh/authorized_keys.d/{}", u.name))
                {
                    Ok((_, t)) => keys(&t),
                    Err(e) if e.is_not_found() => BTreeSet::new(),
                    Err(e) => {
                        errors.push(e.to_string());
                        continue;
                    }
                };
                for e in &entries {
                    let rel = e.replace("%u", &u.name).replace("%%", "%");
                    let path = format!("{}/{rel}", u.home.trim_end_matches('/'));
                    match cx.root().read_to_string(&path) {
                        Ok((_, t)) => {
                            let extra = keys(&t).difference(&declared).count();
                            if extra > 0 {
                                // One file may serve two accounts (root and a uid-0 alias).
                                let (shown, user) = (escape(&path), escape(&u.name));
                                problems.push(
                                    Problem::about(
                                        format!("{shown} ({user})"),
                                        format!("{shown}: {extra} key(s) of `{user}` not declared in /etc/ssh/authorized_keys.d/{user}"),
                                    )
                                    .with_evidence([Evidence::value(
                                        &path,
                                        format!("{extra} undeclared key(s)"),
                                    )]),
                                );
                            }
                        }
                        Err(e) if e.is_not_found() => {}
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            }
            if !problems.is_empty() {
                problems.extend(errors.iter().map(|e| crate::isolation::unread(e)));
                return Outcome::Fail {
                    problems: crate::isolation::merged(problems),
                };
            }
            if !errors.is_empty() {
                return Outcome::error(errors.join("; ")).with_evidence(evidence);
            }
            Outcome::pass(format!(
                "home-directory key files are honoured ({}) but hold no undeclared key",
                entries.join(", ")
            ))
            .with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshd::fixtures::{nixos, plain};
    use crate::testing::*;

    const ALICE: &str = "root:x:0:0::/root:/bin/bash\nalice:x:1000:100::/home/alice:/run/current-system/sw/bin/bash\nsshd:x:998:998::/var/empty:/run/current-system/sw/bin/nologin\n";
    const KEY_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa alice@laptop";
    const KEY_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb old-admin";

    #[test]
    fn undeclared_home_key_fails() {
        let b = nixos("nixos-default.sshd_config")
            .file("/etc/passwd", ALICE)
            .file("/etc/ssh/authorized_keys.d/alice", format!("{KEY_A}\n"))
            .file(
                "/home/alice/.ssh/authorized_keys",
                format!("# mine\n{KEY_A}\nno-pty,from=\"10.0.0.1\" {KEY_B}\n"),
            );
        let o = run(&HomeAuthorizedKeys, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(
            p[0].subject.as_deref(),
            Some("/home/alice/.ssh/authorized_keys (alice)")
        );
        assert_eq!(p[0].message, "/home/alice/.ssh/authorized_keys: 1 key(s) of `alice` not declared in /etc/ssh/authorized_keys.d/alice");
        assert_eq!(
            p[0].evidence,
            [Evidence::value(
                "/home/alice/.ssh/authorized_keys",
                "1 undeclared key(s)"
            )]
        );
    }

    #[test]
    fn each_account_and_key_file_is_a_problem() {
        // toor shares root's home; alice has keys in both default files, one unreadable file.
        let passwd = "root:x:0:0::/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/bash\nbob:x:1001:100::/home/bob:/bin/bash\n";
        let b = plain("")
            .file("/etc/passwd", passwd)
            .file("/root/.ssh/authorized_keys", format!("{KEY_A}\n"))
            .file("/home/alice/.ssh/authorized_keys", format!("{KEY_A}\n"))
            .file("/home/alice/.ssh/authorized_keys2", format!("{KEY_B}\n"))
            .dir("/home/bob/.ssh/authorized_keys", 0o755);
        let o = run(&HomeAuthorizedKeys, &b);
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                Some("/root/.ssh/authorized_keys (root)"),
                Some("/root/.ssh/authorized_keys (toor)"),
                Some("/home/alice/.ssh/authorized_keys (alice)"),
                Some("/home/alice/.ssh/authorized_keys2 (alice)"),
                Some("/home/bob/.ssh/authorized_keys"),
            ],
            "{o:?}"
        );
        assert!(
            o.problems()[4]
                .message
                .starts_with("`/home/bob/.ssh/authorized_keys` could not be read: "),
            "{o:?}"
        );
    }

    #[test]
    fn declared_keys_only_pass_with_a_note() {
        let b = nixos("nixos-default.sshd_config")
            .file("/etc/passwd", ALICE)
            .file("/etc/ssh/authorized_keys.d/alice", format!("{KEY_A}\n"))
            .file(
                "/home/alice/.ssh/authorized_keys",
                format!("{KEY_A} other comment\n"),
            );
        let o = run(&HomeAuthorizedKeys, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(message(&o).contains("honoured (.ssh/authorized_keys)"));
    }

    #[test]
    fn store_only_key_files_pass() {
        let b = nixos("hardened.sshd_config")
            .file("/etc/passwd", ALICE)
            .file("/home/alice/.ssh/authorized_keys", format!("{KEY_B}\n"));
        let o = run(&HomeAuthorizedKeys, &b);
        assert_eq!(message(&o), "AuthorizedKeysFile is `/etc/ssh/authorized_keys.d/%u` (/etc/ssh/sshd_config:5): no key file in home directories is honoured");
        // Unset: sshd's default reads .ssh/authorized_keys and .ssh/authorized_keys2.
        let b = plain("")
            .file("/etc/passwd", ALICE)
            .file("/home/alice/.ssh/authorized_keys2", format!("{KEY_B}\n"));
        assert!(message(&run(&HomeAuthorizedKeys, &b))
            .starts_with("/home/alice/.ssh/authorized_keys2: 1 key(s)"));
    }

    #[test]
    fn skip_and_unreadable() {
        assert_eq!(
            run(&HomeAuthorizedKeys, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = plain("")
            .file("/etc/passwd", ALICE)
            .dir("/home/alice/.ssh/authorized_keys", 0o755);
        let o = run(&HomeAuthorizedKeys, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let o = run(&HomeAuthorizedKeys, &plain(""));
        assert_eq!(o.status(), Status::Error, "no /etc/passwd: {}", message(&o));
    }
}
