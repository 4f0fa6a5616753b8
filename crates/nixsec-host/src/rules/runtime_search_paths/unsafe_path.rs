//! NIX-003: the system-wide `PATH` has empty, relative or writable entries.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::perms::unreadable;
use nixsec_readers::accounts::Accounts;
use nixsec_readers::environment::EnvFiles;
use nixsec_readers::perms::describe;

/// An empty entry, `.`, a relative directory, or a directory writable by non-root.
pub struct UnsafePath;

crate::host_rule!("NIX-003", UnsafePath);

/// One unsafe entry: what is wrong with it and every place that puts it in `PATH`.
struct Bad {
    entry: String,
    why: String,
    places: Vec<(&'static str, u32)>,
    evidence: Vec<Evidence>,
}

impl Bad {
    fn problem(self) -> Problem {
        let places: Vec<String> = self
            .places
            .iter()
            .map(|(f, l)| format!("`{f}` (line {l})"))
            .collect();
        let subject = if self.entry.is_empty() {
            "(empty)".to_string()
        } else {
            nixsec_core::escape(&self.entry).into_owned()
        };
        Problem::about(subject, format!("{} in {}", self.why, places.join(" and ")))
            .with_evidence(self.evidence)
    }
}

impl Rule for UnsafePath {
    fn check(&self, cx: &HostCx) -> Outcome {
        let env = EnvFiles::of(cx);
        let sets = env.assignments("PATH");
        if sets.is_empty() {
            if !env.errors.is_empty() {
                return Outcome::error(crate::environment::errors(&env));
            }
            return Outcome::skip("no system-wide environment file sets PATH");
        }
        let accounts = Accounts::of(cx);
        // One problem per distinct entry, wherever it is set.
        let mut bad: Vec<Bad> = Vec::new();
        let mut errors = Vec::new();
        let mut checked = 0;
        for a in &sets {
            for entry in a.value.split(':') {
                if entry.contains('$') || entry.contains('`') {
                    continue;
                }
                if let Some(b) = bad.iter_mut().find(|b| b.entry == entry) {
                    if !b.places.contains(&(a.file, a.line)) {
                        b.places.push((a.file, a.line));
                        b.evidence.push(a.evidence());
                    }
                    continue;
                }
                let mut evidence = Vec::new();
                let why = if entry.is_empty() {
                    Some("an empty `PATH` entry (the current directory)".to_string())
                } else if entry == "." || !entry.starts_with('/') {
                    Some(format!(
                        "relative `PATH` entry `{}`",
                        nixsec_core::escape(entry)
                    ))
                } else {
                    match cx.root().metadata(entry) {
                        Ok((r, md)) => {
                            checked += 1;
                            let mode = md.permissions().mode();
                            if md.uid() != 0 || mode & 0o022 != 0 {
                                evidence
                                    .push(Evidence::value(r.display(), describe(&md, &accounts)));
                                Some(format!(
                                    "`PATH` entry `{}` is {}",
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
                            errors.push((entry.to_string(), e.to_string()));
                            None
                        }
                    }
                };
                if let Some(why) = why {
                    evidence.push(a.evidence());
                    bad.push(Bad {
                        entry: entry.to_string(),
                        why,
                        places: vec![(a.file, a.line)],
                        evidence,
                    });
                }
            }
        }
        if !bad.is_empty() {
            let mut problems: Vec<Problem> = bad.into_iter().map(Bad::problem).collect();
            problems.extend(errors.iter().map(|(entry, e)| unreadable(e, entry)));
            problems.extend(crate::environment::unreadable(&env));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() || !env.errors.is_empty() {
            let all: Vec<String> = errors
                .into_iter()
                .map(|(_, e)| e)
                .chain(env.errors.iter().map(ToString::to_string))
                .collect();
            return Outcome::error(all.join("; "));
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
        let o = run(&UnsafePath, &b);
        let p = o.problems();
        assert_eq!(p.len(), 3, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("(empty)"));
        assert_eq!(
            p[0].message,
            "an empty `PATH` entry (the current directory) in `/etc/profile` (line 1)"
        );
        assert_eq!(p[1].subject.as_deref(), Some("bin"));
        assert_eq!(
            p[1].message,
            "relative `PATH` entry `bin` in `/etc/profile` (line 1)"
        );
        assert_eq!(p[2].subject.as_deref(), Some("/tmp/x"));
        assert!(
            p[2].message.starts_with("`PATH` entry `/tmp/x` is ")
                && p[2].message.ends_with(" in `/etc/profile` (line 1)"),
            "{}",
            p[2].message
        );
        // The directory's mode, then the line.
        assert_eq!(p[2].evidence.len(), 2);
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn an_entry_set_in_two_files_is_one_problem() {
        let b = RootBuilder::new()
            .file(
                "/etc/set-environment",
                "export PATH=\"/run/wrappers/bin::.:bin\"\n",
            )
            .file("/etc/profile", "PATH=/usr/local/bin:./scripts:.:$PATH\n");
        let o = run(&UnsafePath, &b);
        let subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        assert_eq!(subjects, ["(empty)", ".", "bin", "./scripts"], "{o:?}");
        assert_eq!(
            o.problems()[1].message,
            "relative `PATH` entry `.` in `/etc/set-environment` (line 1) and `/etc/profile` (line 1)"
        );
        assert_eq!(o.problems()[1].evidence.len(), 2);
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
        // Next to a problem, the entry that could not be checked is a problem of its own.
        let b = b.file("/etc/profile", "PATH=/loop/bin:bin\n");
        let o = run(&UnsafePath, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[1].subject.as_deref(), Some("/loop/bin"));
        assert!(p[1].message.ends_with("; not checked"), "{}", p[1].message);
    }
}
