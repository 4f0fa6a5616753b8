//! What the privilege-escalation rules share about sudo and doas: the subjects of their
//! problems and which commands amount to a root shell. The policies themselves are read by
//! [`nixsec_readers::sudoers`] once per audit (`Policies::of(cx)`, [`crate::cx::Fact`]).

use nixsec_readers::sudoers::{DoasRule, SudoRule};

/// What a problem about one command of a sudo rule is about: `sudo %wheel ALL`, `sudo alice
/// /run/current-system/sw/bin/systemctl` (the users as written, the command after alias
/// expansion, whitespace collapsed).
#[must_use]
pub fn sudo_subject(r: &SudoRule) -> String {
    let text = format!("sudo {} {}", r.users.join(","), r.command);
    nixsec_core::escape(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

/// What a problem about a doas rule is about: `doas :wheel`, `doas carol /bin/sh` (the
/// identity, and the command when the rule names one).
#[must_use]
pub fn doas_subject(r: &DoasRule) -> String {
    let text = match &r.cmd {
        Some(c) => format!("doas {} {c}", r.identity),
        None => format!("doas {}", r.identity),
    };
    nixsec_core::escape(&text).into_owned()
}

/// Commands that give a root shell (or the equivalent) when allowed without a password
/// (`systemctl` with fixed arguments that only operate the units named is not one, unless
/// `setenv`: a rule that lets the caller set the environment, `SETENV`, hands `LD_PRELOAD` and
/// the like to any command).
#[must_use]
pub fn broad_command(cmd: &str, setenv: bool) -> Option<&'static str> {
    let first = cmd.split_whitespace().next().unwrap_or("");
    if first == "ALL" {
        return Some("any command (`ALL`)");
    }
    // A wildcard in the program's path (`/nix/store/*/bin/switch-to-configuration`): any
    // program of that name, and anyone may add one to the store.
    if first.starts_with('/') && first.contains(['*', '?', '[']) {
        return Some("any program its path matches (a wildcard in the path)");
    }
    let base = first.rsplit('/').next().unwrap_or(first);
    Some(match base {
        "sh" | "bash" | "zsh" | "dash" | "fish" | "ksh" | "csh" | "tcsh" | "su" | "sudo"
        | "doas" => "a shell",
        "vi" | "vim" | "nvim" | "nano" | "emacs" | "ed" | "less" | "more" | "sudoedit" => {
            "an editor or pager (shell escape)"
        }
        "nix" | "nix-shell" | "nix-env" | "nix-build" | "nix-store" => {
            "Nix (builds and runs anything)"
        }
        "nixos-rebuild" => "`nixos-rebuild` (installs any configuration)",
        "systemctl" => {
            let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
            if !setenv && nixsec_core::sudo::systemctl_fixed_operation(&args) {
                return None;
            }
            "`systemctl` (starts any unit)"
        }
        "env" => "`env` (runs any program)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cx::Fact;
    use nixsec_readers::sudoers::{parse_doas, Policies, Sudoers};
    use nixsec_testutil::RootBuilder;

    fn with_sudoers(b: &RootBuilder, f: impl FnOnce(&Sudoers)) {
        match &Policies::of(&crate::testing::cx(b)).sudoers {
            Ok(Some(s)) => f(s),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subjects_name_the_principal_and_the_command() {
        let b = RootBuilder::new().file(
            "/etc/sudoers",
            "Cmnd_Alias SHELLS = /bin/sh, /bin/bash\nalice, bob   ALL = (root) NOPASSWD: /usr/bin/systemctl   restart app, SHELLS\n%wheel ALL=(ALL:ALL) ALL\n",
        );
        with_sudoers(&b, |s| {
            let subjects: Vec<String> = s.rules.iter().map(sudo_subject).collect();
            assert_eq!(
                subjects,
                [
                    "sudo alice,bob /usr/bin/systemctl restart app",
                    "sudo alice,bob /bin/sh",
                    "sudo alice,bob /bin/bash",
                    "sudo %wheel ALL"
                ]
            );
        });
        let r = parse_doas("permit nopass :wheel\npermit nopass carol cmd /bin/bash -l\n");
        let subjects: Vec<String> = r.iter().map(doas_subject).collect();
        assert_eq!(subjects, ["doas :wheel", "doas carol /bin/bash"]);
    }

    #[test]
    fn broad_commands() {
        assert!(broad_command("ALL", false).is_some());
        assert!(broad_command("/run/current-system/sw/bin/systemctl", false).is_some());
        assert!(broad_command("/run/current-system/sw/bin/systemctl restart *", false).is_some());
        assert!(broad_command("/run/current-system/sw/bin/systemctl edit x", false).is_some());
        // Fixed arguments that only operate the unit named: what the fix asks for, unless the
        // caller may set the environment.
        assert!(broad_command("/run/current-system/sw/bin/systemctl restart x", false).is_none());
        assert!(broad_command("/run/current-system/sw/bin/systemctl restart x", true).is_some());
        assert!(broad_command("/usr/bin/apt update", false).is_none());
        assert!(broad_command("/nix/store/*/bin/switch-to-configuration", false).is_some());
    }
}
