//! NIX-134: every user can execute the setuid sudo binary.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::perms::describe_as;

/// The sudo wrapper (or binary) is executable by "other".
pub struct SudoForEveryone;

crate::host_rule!("NIX-134", SudoForEveryone);

impl Rule for SudoForEveryone {
    fn check(&self, cx: &HostCx) -> Outcome {
        let accounts = Accounts::of(cx);
        for path in ["/run/wrappers/bin/sudo", "/usr/bin/sudo", "/bin/sudo"] {
            let (r, md) = match cx.root().metadata(path) {
                Ok(x) => x,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let perm = cx.root().perm(&r, &md);
            let mode = perm.mode;
            let ev = Evidence::value(path, describe_as(&md, perm, &accounts));
            if mode & 0o4000 == 0 || perm.uid != 0 {
                return Outcome::pass(format!("{path} is not setuid root")).with_evidence([ev]);
            }
            if mode & 0o001 != 0 {
                return Outcome::fail(format!(
                    "{path} is setuid root and executable by every user ({:04o})",
                    mode & 0o7777
                ))
                .with_evidence([ev]);
            }
            return Outcome::pass(format!(
                "{path} is executable only by its owner and group `{}`",
                accounts.group_name(perm.gid)
            ))
            .with_evidence([ev]);
        }
        Outcome::skip(
            "sudo is not installed (no /run/wrappers/bin/sudo, /usr/bin/sudo or /bin/sudo)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn wrapper_modes() {
        if !root_or_skip("needs root to create a root-owned setuid fixture") {
            return;
        }
        let b = RootBuilder::new()
            .multi_user_nix()
            .file("/run/wrappers/bin/sudo", "")
            .chmod("/run/wrappers/bin/sudo", 0o4511);
        let o = run(&SudoForEveryone, &b);
        assert_eq!(
            message(&o),
            "/run/wrappers/bin/sudo is setuid root and executable by every user (4511)"
        );
        let b = b.chmod("/run/wrappers/bin/sudo", 0o4510);
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Pass);
    }

    #[test]
    fn no_sudo_skips_and_a_loop_is_an_error() {
        assert_eq!(
            run(&SudoForEveryone, &RootBuilder::new()).status(),
            Status::Skip
        );
        let b = RootBuilder::new().symlink("/run/wrappers/bin/sudo", "/run/wrappers/bin/sudo");
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Error);
    }

    #[test]
    fn not_setuid_passes() {
        let b = RootBuilder::new()
            .file("/usr/bin/sudo", "")
            .chmod("/usr/bin/sudo", 0o755);
        assert_eq!(run(&SudoForEveryone, &b).status(), Status::Pass);
    }
}
