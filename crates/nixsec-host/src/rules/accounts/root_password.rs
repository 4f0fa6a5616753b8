//! NIX-137: root can log in with a password although admins have sudo or doas.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::sudoers::Policies;

/// root's shadow field is a usable hash while a sudo/doas path exists.
pub struct RootPassword;

crate::host_rule!("NIX-137", RootPassword);

impl Rule for RootPassword {
    fn check(&self, cx: &HostCx) -> Outcome {
        let a = Accounts::of(cx);
        let shadow = match &a.shadow {
            Ok(s) => s,
            Err(e) => return Outcome::error(format!("cannot read root's password: {e}")),
        };
        let Some(root) = shadow.iter().find(|s| s.name == "root") else {
            return Outcome::pass("root has no `/etc/shadow` entry (no password)");
        };
        let ev = Evidence::line(
            "/etc/shadow",
            root.line,
            format!("root:{}…", root.hash.chars().take(3).collect::<String>()),
        );
        if !root.password_usable() || root.hash.is_empty() {
            return Outcome::pass("root's password is locked").with_evidence([ev]);
        }
        let p = Policies::of(cx);
        let other = matches!(p.sudoers, Ok(Some(_))) || matches!(p.doas, Ok(Some(_)));
        if !other {
            return Outcome::pass(
                "root has a password, and no sudo or doas offers admins another way",
            )
            .with_evidence([ev]);
        }
        Outcome::fail("root has a usable password although sudo/doas is configured for admins")
            .with_evidence([ev])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const SUDOERS: &str = "%wheel ALL=(ALL:ALL) SETENV: ALL\n";

    #[test]
    fn usable_root_hash_with_sudo_fails() {
        let b = RootBuilder::new()
            .file("/etc/shadow", "root:$y$j9T$salt$hash:19000::::::\n")
            .file("/etc/sudoers", SUDOERS);
        assert_eq!(
            message(&run(&RootPassword, &b)),
            "root has a usable password although sudo/doas is configured for admins"
        );
    }

    #[test]
    fn locked_or_no_alternative_passes() {
        let b = RootBuilder::new()
            .file("/etc/shadow", "root:!:19000::::::\n")
            .file("/etc/sudoers", SUDOERS);
        assert_eq!(run(&RootPassword, &b).status(), Status::Pass);
        let b = RootBuilder::new().file("/etc/shadow", "root:$6$x$y:19000::::::\n");
        assert_eq!(run(&RootPassword, &b).status(), Status::Pass);
    }

    #[test]
    fn unreadable_shadow_is_an_error() {
        let b = RootBuilder::new()
            .dir("/etc/shadow", 0o700)
            .file("/etc/sudoers", SUDOERS);
        assert_eq!(run(&RootPassword, &b).status(), Status::Error);
    }
}
