//! NIX-093: GRUB boots without a superuser password.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{Evidence, Outcome};

/// GRUB without a superuser.
pub struct GrubUnprotected;

crate::host_rule!("NIX-093", GrubUnprotected);

const GRUB_CFGS: [&str; 2] = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"];

impl Rule for GrubUnprotected {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        if let Some(loader) = super::loader_info(cx) {
            if !loader.to_ascii_lowercase().contains("grub") {
                return Outcome::skip(format!(
                    "the firmware booted `{loader}` (LoaderInfo), not GRUB"
                ));
            }
        }
        let mut found = None;
        for p in GRUB_CFGS {
            match root.read_to_string(p) {
                Ok((_, t)) => {
                    found = Some((p, t));
                    break;
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        let Some((path, text)) = found else {
            return Outcome::skip("GRUB is not installed (no /boot/grub/grub.cfg)");
        };
        let mut superusers = None;
        let mut password = None;
        for (i, line) in text.lines().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let t = line.trim();
            if t.starts_with('#') {
                continue;
            }
            if superusers.is_none() && t.starts_with("set superusers=") {
                superusers = Some((n, t.to_string()));
            }
            if password.is_none()
                && (t.starts_with("password_pbkdf2 ") || t.starts_with("password "))
            {
                let user = t.split_whitespace().nth(1).unwrap_or("").to_string();
                password = Some((
                    n,
                    format!("{} {user} ...", t.split_whitespace().next().unwrap_or("")),
                ));
            }
        }
        match (superusers, password) {
            (Some((sn, s)), Some((pn, p))) => Outcome::pass(format!("GRUB has a superuser (`{s}`) with a password"))
                .with_evidence([Evidence::line(path, sn, s), Evidence::line(path, pn, p)]),
            (Some((sn, s)), None) => Outcome::fail(format!("`{s}` but no `password_pbkdf2` line: the superuser has no password"))
                .with_evidence([Evidence::line(path, sn, s)]),
            (None, _) => Outcome::fail("grub.cfg sets no `superusers`: anyone at the console can edit entries or open the GRUB shell")
                .with_evidence([Evidence::value(path, "set superusers (absent)")]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const PROTECTED: &str = "set timeout=5\nset superusers=\"root\"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.ABC.DEF\nmenuentry \"NixOS\" --unrestricted {\n  linux /boot/kernel init=/nix/store/x-nixos-system/init\n}\n";

    #[test]
    fn unprotected_grub_fails() {
        let b = RootBuilder::new().file(
            "/boot/grub/grub.cfg",
            "set timeout=5\nmenuentry \"NixOS\" {\n}\n",
        );
        let o = run(&GrubUnprotected, &b);
        assert_eq!(o.status(), Status::Fail);
        let b = RootBuilder::new().file(
            "/boot/grub/grub.cfg",
            "set superusers=\"root\"\n# password_pbkdf2 root x\n",
        );
        let o = run(&GrubUnprotected, &b);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            message(&o).contains("no `password_pbkdf2`"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn protected_grub_passes() {
        let o = run(
            &GrubUnprotected,
            &RootBuilder::new().file("/boot/grub/grub.cfg", PROTECTED),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        let Outcome::Pass { evidence, .. } = o else {
            panic!()
        };
        assert_eq!(evidence[1].line, Some(3));
        assert!(
            !evidence[1]
                .value
                .as_deref()
                .unwrap_or("")
                .contains("pbkdf2.sha512"),
            "no hash in the report"
        );
    }

    #[test]
    fn skipped_without_grub_or_under_systemd_boot() {
        assert_eq!(
            run(&GrubUnprotected, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = crate::rules::secure_boot::fixtures::efivars(
            RootBuilder::new().file("/boot/grub/grub.cfg", "x\n"),
            "enabled-user-mode",
        );
        let o = run(&GrubUnprotected, &b);
        assert_eq!(o.status(), Status::Skip);
        assert!(
            message(&o).contains("systemd-boot 255.9"),
            "{}",
            message(&o)
        );
    }

    #[test]
    fn unreadable_config_is_an_error() {
        let o = run(
            &GrubUnprotected,
            &RootBuilder::new().file("/boot/grub/grub.cfg", b"\xff\xfe\x00"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/boot/grub/grub.cfg"));
        let b = RootBuilder::new().symlink("/boot/grub/grub.cfg", "/boot/grub/grub.cfg");
        assert_eq!(run(&GrubUnprotected, &b).status(), Status::Error);
    }
}
