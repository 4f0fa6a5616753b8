//! NIX-001: `LD_LIBRARY_PATH` set for every login, overriding the store RPATHs.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Outcome, Problem};

use crate::engine::Rule;
use crate::environment::lines;
use nixsec_readers::environment::{Assignment, EnvFiles, FILES};

/// A system-wide environment file assigns `LD_LIBRARY_PATH`.
pub struct LdLibraryPath;

crate::host_rule!("NIX-001", LdLibraryPath);

impl Rule for LdLibraryPath {
    fn check(&self, cx: &HostCx) -> Outcome {
        let env = EnvFiles::of(cx);
        let mut problems: Vec<Problem> = env
            .assignments_by_file("LD_LIBRARY_PATH")
            .into_iter()
            .map(|(file, hits)| {
                // The last assignment of a file is the one that holds.
                let value = hits.last().map(|a| a.value.as_str()).unwrap_or_default();
                Problem::about(
                    file,
                    format!(
                        "`LD_LIBRARY_PATH` is set for every login in `{file}` ({}): `{}`",
                        lines(&hits),
                        nixsec_core::escape(value)
                    ),
                )
                .with_evidence(hits.iter().map(Assignment::evidence))
            })
            .collect();
        if !problems.is_empty() {
            problems.extend(crate::environment::unreadable(&env));
            return Outcome::Fail { problems };
        }
        if !env.errors.is_empty() {
            return Outcome::error(crate::environment::errors(&env));
        }
        if env.texts.is_empty() {
            return Outcome::skip(format!(
                "no system-wide environment file ({})",
                FILES.join(", ")
            ));
        }
        Outcome::pass(format!(
            "no global LD_LIBRARY_PATH in {}",
            env.texts
                .iter()
                .map(|(f, _)| *f)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn set_fails() {
        let b = RootBuilder::new().file("/etc/set-environment", "export PATH=\"/run/wrappers/bin\"\nexport LD_LIBRARY_PATH=\"/run/opengl-driver/lib\"\n");
        assert_eq!(message(&run(&LdLibraryPath, &b)), "`LD_LIBRARY_PATH` is set for every login in `/etc/set-environment` (line 2): `/run/opengl-driver/lib`");
    }

    #[test]
    fn one_problem_per_file() {
        let b = RootBuilder::new()
            .file(
                "/etc/profile",
                "LD_LIBRARY_PATH=/a\nexport LD_LIBRARY_PATH=\"/b\"\n",
            )
            .file("/etc/environment", "LD_LIBRARY_PATH=/opt/oracle/lib\n");
        let o = run(&LdLibraryPath, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("/etc/environment"));
        assert_eq!(
            p[0].message,
            "`LD_LIBRARY_PATH` is set for every login in `/etc/environment` (line 1): `/opt/oracle/lib`"
        );
        assert_eq!(p[1].subject.as_deref(), Some("/etc/profile"));
        assert_eq!(
            p[1].message,
            "`LD_LIBRARY_PATH` is set for every login in `/etc/profile` (lines 1, 2): `/b`"
        );
        assert_eq!(p[1].evidence.len(), 2);
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn unset_passes_and_no_files_skip() {
        let b = RootBuilder::new().file(
            "/etc/set-environment",
            "export PATH=\"/run/wrappers/bin\"\n# LD_LIBRARY_PATH=/x\n",
        );
        assert_eq!(run(&LdLibraryPath, &b).status(), Status::Pass);
        assert_eq!(
            run(&LdLibraryPath, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn unreadable_file_is_an_error_or_its_own_problem() {
        let b = RootBuilder::new()
            .file("/etc/profile", "PATH=/bin\n")
            .dir("/etc/set-environment", 0o700);
        assert_eq!(run(&LdLibraryPath, &b).status(), Status::Error);
        let b = b.file("/etc/profile", "LD_LIBRARY_PATH=/a\n");
        let o = run(&LdLibraryPath, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[1].subject.as_deref(), Some("/etc/set-environment"));
        assert!(
            p[1].message
                .starts_with("`/etc/set-environment` could not be read: ")
                && p[1].message.ends_with("; not checked"),
            "{}",
            p[1].message
        );
    }
}
