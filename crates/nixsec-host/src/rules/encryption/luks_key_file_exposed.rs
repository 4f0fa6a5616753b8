//! NIX-044: a LUKS key file in the Nix store or on an unencrypted filesystem such as `/boot`.

use std::os::unix::fs::MetadataExt;

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::blockdev::{self, Protection};
use crate::engine::Rule;

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
        let mounts = blockdev::mounts(cx);
        let (mut bad, mut ok, mut errors, mut evidence) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, line) in text.lines().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 2 {
                errors.push(format!("`/etc/crypttab`: line {n}: fewer than two fields"));
                continue;
            }
            let name = f[0];
            // systemd accepts `keyfile:device` (the key on another device): the path part.
            let key = f.get(2).copied().unwrap_or("");
            let key = key.split_once(':').map_or(key, |(p, _)| p);
            if is_not_a_key_file(key) {
                continue;
            }
            let ev = Evidence::line("/etc/crypttab", n, format!("{name} {key}"));
            if key.starts_with("/nix/store/") {
                bad.push(format!(
                    "`{name}`: key file `{key}` is in the world-readable Nix store"
                ));
                evidence.push(ev);
                continue;
            }
            let mut problems = Vec::new();
            match root.metadata(key) {
                Ok((_, md)) => {
                    if md.mode() & 0o077 != 0 || md.uid() != 0 {
                        problems.push(format!(
                            "mode {:04o}, owner uid {}",
                            md.mode() & 0o7777,
                            md.uid()
                        ));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => errors.push(e.to_string()),
            }
            match &*mounts {
                Ok(Some(m)) => match m
                    .holding(key)
                    .map(|mount| (mount, blockdev::protection(root, mount)))
                {
                    Some((mount, Ok(Protection::Plain(st)))) => problems.push(format!(
                        "on the unencrypted filesystem `{}` ({})",
                        mount.mount_point,
                        st.describe()
                    )),
                    Some((_, Ok(Protection::Unknown(why)))) => {
                        errors.push(format!("`{name}`: {why}"))
                    }
                    Some((_, Err(e))) => errors.push(e),
                    _ => {}
                },
                Ok(None) => {}
                Err(e) => errors.push(e.clone()),
            }
            if problems.is_empty() {
                ok.push(format!("`{name}`: {key}"));
            } else {
                bad.push(format!(
                    "`{name}`: key file `{key}` {}",
                    problems.join(", ")
                ));
                evidence.push(ev);
            }
        }
        if !bad.is_empty() {
            let mut msg = bad.join("; ");
            if !errors.is_empty() {
                msg.push_str(&format!(" (not checked: {})", errors.join("; ")));
            }
            return Outcome::fail(msg).with_evidence(evidence);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
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
        assert!(
            message(&o).contains("unencrypted filesystem `/boot` (nvme0n1p1)"),
            "{}",
            message(&o)
        );
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
    }
}
