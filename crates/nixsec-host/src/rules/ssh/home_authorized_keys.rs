//! NIX-081: sshd honours key files in home directories, and they hold keys the configuration
//! does not declare.

use std::collections::BTreeSet;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::accounts::Accounts;
use crate::engine::Rule;
use crate::sshd::{with_sshd, Value};

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
                Err(e) => return Outcome::error(e.clone()),
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
                                problems.push(format!("{path}: {extra} key(s) of `{}` not declared in /etc/ssh/authorized_keys.d/{}", nixsec_core::escape(&u.name), nixsec_core::escape(&u.name)));
                                evidence.push(Evidence::value(
                                    &path,
                                    format!("{extra} undeclared key(s)"),
                                ));
                            }
                        }
                        Err(e) if e.is_not_found() => {}
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            }
            if !problems.is_empty() {
                let mut msg = problems.join("; ");
                if !errors.is_empty() {
                    msg.push_str(&format!("; also could not read: {}", errors.join("; ")));
                }
                return Outcome::fail(msg).with_evidence(evidence);
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
        assert_eq!(message(&o), "/home/alice/.ssh/authorized_keys: 1 key(s) of `alice` not declared in /etc/ssh/authorized_keys.d/alice");
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
