//! NIX-003: the system-wide `PATH` has empty, relative or writable entries.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::accounts::Accounts;
use crate::engine::Rule;
use crate::environment::EnvFiles;
use crate::perms::describe;

/// An empty entry, `.`, a relative directory, or a directory writable by non-root.
pub struct UnsafePath;

crate::host_rule!("NIX-003", UnsafePath);

impl Rule for UnsafePath {
    fn check(&self, cx: &HostCx) -> Outcome {
        let env = EnvFiles::of(cx);
        let sets = env.assignments("PATH");
        if sets.is_empty() {
            if !env.errors.is_empty() {
                return Outcome::error(env.errors.join("; "));
            }
            return Outcome::skip("no system-wide environment file sets PATH");
        }
        let accounts = Accounts::of(cx);
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let mut errors = Vec::new();
        let mut checked = 0;
        for a in &sets {
            for entry in a.value.split(':') {
                if entry.contains('$') || entry.contains('`') {
                    continue;
                }
                let bad = if entry.is_empty() {
                    Some("an empty entry (the current directory)".to_string())
                } else if entry == "." || !entry.starts_with('/') {
                    Some(format!("relative entry `{}`", nixsec_core::escape(entry)))
                } else {
                    match cx.root().metadata(entry) {
                        Ok((r, md)) => {
                            checked += 1;
                            let mode = md.permissions().mode();
                            if md.uid() != 0 || mode & 0o022 != 0 {
                                evidence
                                    .push(Evidence::value(r.display(), describe(&md, &accounts)));
                                Some(format!(
                                    "`{}` is {}",
                                    nixsec_core::escape(entry),
                                    if md.uid() != 0 {
                                        format!("owned by `{}`", accounts.user_name(md.uid()))
                                    } else {
                                        "writable by group or others".to_string()
                                    }
                                ))
                            } else {
                                None
                            }
                        }
                        Err(e) if e.is_not_found() => None,
                        Err(e) => {
                            errors.push(e.to_string());
                            None
                        }
                    }
                };
                if let Some(b) = bad {
                    problems.push(format!("{b} ({}:{})", a.file, a.line));
                    evidence.push(a.evidence());
                }
            }
        }
        if !problems.is_empty() {
            return Outcome::fail(problems.join("; ")).with_evidence(evidence);
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        Outcome::pass(format!(
            "{checked} PATH directories, all root-owned and not writable by others"
        ))
        .with_evidence(sets.iter().map(|a| a.evidence()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    // The PATH NixOS writes to /etc/set-environment (nixos/modules/config/shells-environment.nix).
    const NIXOS: &str = "export PATH=\"/run/wrappers/bin:$HOME/.nix-profile/bin:/nix/profile/bin:$HOME/.local/state/nix/profile/bin:/etc/profiles/per-user/$USER/bin:/nix/var/nix/profiles/default/bin:/run/current-system/sw/bin\"\n";

    #[test]
    fn nixos_path_passes() {
        if !root_or_skip("needs root-owned fixture directories") {
            return;
        }
        let b = RootBuilder::new()
            .file("/etc/set-environment", NIXOS)
            .dir("/run/wrappers/bin", 0o755)
            .dir("/nix/store/aaaa-system-path/bin", 0o555)
            .symlink("/run/current-system", "/nix/store/bbbb-nixos-system")
            .symlink(
                "/nix/store/bbbb-nixos-system/sw",
                "/nix/store/aaaa-system-path",
            );
        let o = run(&UnsafePath, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        assert_eq!(
            message(&o),
            "2 PATH directories, all root-owned and not writable by others"
        );
    }

    #[test]
    fn empty_relative_and_writable_entries_fail() {
        let b = RootBuilder::new()
            .file(
                "/etc/profile",
                "PATH=\"/usr/bin::bin:/tmp/x\"\nexport PATH\n",
            )
            .dir("/usr/bin", 0o755)
            .dir("/tmp/x", 0o777);
        let m = message(&run(&UnsafePath, &b)).to_string();
        assert!(m.starts_with("an empty entry (the current directory) (/etc/profile:1); relative entry `bin` (/etc/profile:1); `/tmp/x` is"), "{m}");
    }

    #[test]
    fn skip_and_error() {
        assert_eq!(
            run(
                &UnsafePath,
                &RootBuilder::new().file("/etc/profile", "umask 022\n")
            )
            .status(),
            Status::Skip
        );
        let b = RootBuilder::new()
            .file("/etc/profile", "PATH=/loop/bin\n")
            .symlink("/loop", "/loop");
        assert_eq!(run(&UnsafePath, &b).status(), Status::Error);
    }
}
