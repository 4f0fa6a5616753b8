//! NIX-044: a LUKS key file in the Nix store or on an unencrypted filesystem such as `/boot`.

use std::os::unix::fs::MetadataExt;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use nixsec_readers::blockdev::{self, Protection};

/// A LUKS key file stored where others can read it.
pub struct LuksKeyFileExposed;

crate::host_rule!("NIX-044", LuksKeyFileExposed);

/// Key-file values that are not key files.
fn is_not_a_key_file(k: &str) -> bool {
    matches!(
        k,
        "" | "-" | "none" | "/dev/urandom" | "/dev/random" | "/dev/hw_random"
    )
}

impl Rule for LuksKeyFileExposed {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let text = match root.read_to_string("/etc/crypttab") {
            Ok((_, t)) => t,
            Err(e) if e.is_not_found() => return Outcome::skip("no /etc/crypttab (initrd-only LUKS devices are checked by the configuration linter)"),
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mounts = crate::blockdev::mounts(cx);
        // One problem per crypttab entry: its key file is moved or re-moded on its own.
        let (mut bad, mut ok) = (Vec::new(), Vec::new());
        // Entries that could not be checked: name, why, evidence.
        let mut errors: Vec<(String, String, Option<Evidence>)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 2 {
                errors.push((
                    nixsec_core::escape(f[0]).into_owned(),
                    format!("`/etc/crypttab`: line {n}: fewer than two fields"),
                    Some(Evidence::line(
                        "/etc/crypttab",
                        n,
                        nixsec_core::escape(line),
                    )),
                ));
                continue;
            }
            let name = nixsec_core::escape(f[0]).into_owned();
            // systemd accepts `keyfile:device` (the key on another device): the path part.
            let key = f.get(2).copied().unwrap_or("");
            let key = key.split_once(':').map_or(key, |(p, _)| p);
            if is_not_a_key_file(key) {
                continue;
            }
            let shown = nixsec_core::escape(key);
            let ev = Evidence::line("/etc/crypttab", n, format!("{name} {shown}"));
            if key.starts_with("/nix/store/") {
                bad.push(
                    Problem::about(
                        name.clone(),
                        format!("`{name}`: key file `{shown}` is in the world-readable Nix store"),
                    )
                    .with_evidence([ev]),
                );
                continue;
            }
            let mut issues = Vec::new();
            let mut unknown = Vec::new();
            match root.metadata(key) {
                Ok((_, md)) => {
                    if md.mode() & 0o077 != 0 || md.uid() != 0 {
                        issues.push(format!(
                            "has mode {:04o} (owner uid {})",
                            md.mode() & 0o7777,
                            md.uid()
                        ));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => unknown.push(e.to_string()),
            }
            match &*mounts {
                Ok(Some(m)) => match m
                    .holding(key)
                    .map(|mount| (mount, blockdev::protection(root, mount)))
                {
                    Some((mount, Ok(Protection::Plain(st)))) => issues.push(format!(
                        "is on the unencrypted filesystem `{}` ({})",
                        mount.mount_point,
                        st.describe()
                    )),
                    Some((_, Ok(Protection::Unknown(why)))) => unknown.push(why),
                    Some((_, Err(e))) => unknown.push(e.to_string()),
                    _ => {}
                },
                Ok(None) => {}
                Err(e) => unknown.push(e.to_string()),
            }
            if !issues.is_empty() {
                let mut msg = format!("`{name}`: key file `{shown}` {}", issues.join(" and "));
                if !unknown.is_empty() {
                    msg.push_str(&format!(" (not checked: {})", unknown.join("; ")));
                }
                bad.push(Problem::about(name, msg).with_evidence([ev]));
            } else if !unknown.is_empty() {
                errors.push((
                    name.clone(),
                    format!("`{name}`: {}", unknown.join("; ")),
                    Some(ev),
                ));
            } else {
                ok.push(format!("`{name}`: {key}"));
            }
        }
        if !bad.is_empty() {
            // An entry that could not be checked is a problem too.
            let mut problems = bad;
            problems.extend(errors.into_iter().map(|(name, why, ev)| {
                Problem::about(name, format!("{why}; not checked")).with_evidence(ev)
            }));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            let why: Vec<String> = errors.into_iter().map(|(_, why, _)| why).collect();
            return Outcome::error(why.join("; "));
        }
        if ok.is_empty() {
            return Outcome::pass(
                "/etc/crypttab names no key files (passphrase, token or random-key entries only)",
            )
            .with_evidence([Evidence::path("/etc/crypttab")]);
        }
        Outcome::pass(format!(
            "key files are root-only on encrypted filesystems: {}",
            ok.join("; ")
        ))
        .with_evidence([Evidence::path("/etc/crypttab")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encryption::fixtures::*;
    use crate::testing::*;

    fn keys(b: RootBuilder, mode: u32) -> RootBuilder {
        b.file("/etc/keys/data.key", "k")
            .chmod("/etc/keys/data.key", mode)
            .file("/etc/keys/old.key", "k")
            .chmod("/etc/keys/old.key", mode)
    }

    #[test]
    fn keys_on_encrypted_root_pass() {
        if !root_or_skip("needs root-owned key files") {
            return;
        }
        let o = run(&LuksKeyFileExposed, &keys(luks_host(), 0o400));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert!(
            message(&o).contains("`cryptdata`: /etc/keys/data.key"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn readable_keys_store_keys_and_plain_boot_fail() {
        let o = run(&LuksKeyFileExposed, &keys(luks_host(), 0o644));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("mode 0644"), "{}", message(&o));
        // One problem per crypttab entry with a key file.
        let p = o.problems();
        let subjects: Vec<&str> = p.iter().filter_map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, ["cryptdata", "plainold"], "{o:?}");
        assert!(
            p[0].message.starts_with(
                "`cryptdata`: key file `/etc/keys/data.key` has mode 0644 (owner uid "
            ),
            "{}",
            p[0].message
        );
        assert_eq!(p[0].evidence[0].line, Some(4));
        assert!(p.iter().all(|p| p.severity.is_none()));
        let store =
            "cryptdata /dev/sdb1 /nix/store/0123456789abcdfghijklmnpqrsvwxyz-data.key luks\n";
        let o = run(
            &LuksKeyFileExposed,
            &luks_host().file("/etc/crypttab", store),
        );
        assert!(
            message(&o).contains("world-readable Nix store"),
            "{}",
            message(&o)
        );
        let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
            panic!()
        };
        assert_eq!(evidence[0].line, Some(1));
        let boot = "cryptdata /dev/sdb1 /boot/data.key luks\n";
        let b = keys(luks_host(), 0o400)
            .file("/etc/crypttab", boot)
            .file("/boot/data.key", "k")
            .chmod("/boot/data.key", 0o400)
            .file("/sys/class/none", "");
        let o = run(&LuksKeyFileExposed, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert_eq!(
            message(&o),
            "`cryptdata`: key file `/boot/data.key` is on the unencrypted filesystem `/boot` (nvme0n1p1)"
        );
        assert_eq!(o.problems()[0].subject.as_deref(), Some("cryptdata"));
    }

    #[test]
    fn no_key_files_pass_no_crypttab_skips() {
        let b = RootBuilder::new().file("/etc/crypttab", "# none\ncryptroot UUID=x none luks\nswap /dev/sda2 /dev/urandom swap\nhome /dev/sda3 - luks\n");
        assert_eq!(run(&LuksKeyFileExposed, &b).status(), Status::Pass);
        assert_eq!(
            run(&LuksKeyFileExposed, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let o = run(
            &LuksKeyFileExposed,
            &RootBuilder::new().file("/etc/crypttab", b"\xff\xfe"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/etc/crypttab"), "{}", message(&o));
        let o = run(
            &LuksKeyFileExposed,
            &RootBuilder::new().file("/etc/crypttab", "lonely\n"),
        );
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        // Next to an exposed key, the line that could not be read is a problem too.
        let o = run(
            &LuksKeyFileExposed,
            &RootBuilder::new().file(
                "/etc/crypttab",
                "lonely\ndata /dev/sdb1 /nix/store/0123456789abcdfghijklmnpqrsvwxyz-data.key\n",
            ),
        );
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        assert_eq!(subjects, ["data", "lonely"], "{o:?}");
        assert_eq!(
            o.problems()[1].message,
            "`/etc/crypttab`: line 1: fewer than two fields; not checked"
        );
    }
}
