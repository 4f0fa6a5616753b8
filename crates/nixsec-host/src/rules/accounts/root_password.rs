//! NIX-137: root can log in with a password although admins have sudo or doas.

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::accounts::Accounts;
use crate::sudoers::Policies;

/// root's shadow field is a usable hash while a sudo/doas path exists.
pub struct RootPassword;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &RootPassword;

static META: RuleMeta = RuleMeta {
    id: "NIX-137",
    title: "Root account has a usable password",
    section: Section::Accounts,
    severity: Severity::Low,
    checks: "root's password field in `/etc/shadow`, and whether admins have another way up (`/etc/sudoers` or `/etc/doas.conf` exists). Fails when root's field does not start with `!` or `*` (an empty field is NIX-130) while sudo or doas is configured. Passes when root is locked, or when there is no other way to administer the host. An unreadable shadow is an error.",
    rationale: "A root password is one more secret to guess, phish or leak, usable at the console and through `su` by anyone who learns it, and logs say only \"root\". With sudo, admins authenticate as themselves.",
    fix: "Lock root's password.",
    nixos: "users.users.root.hashedPassword = \"!\";",
    references: &["shadow(5)", "lynis AUTH-9284", "CWE-521"],
    source: file!(),
};

impl Rule for RootPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

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
