//! NIX-001: `LD_LIBRARY_PATH` set for every login, overriding the store RPATHs.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::environment::{EnvFiles, FILES};

/// A system-wide environment file assigns `LD_LIBRARY_PATH`.
pub struct LdLibraryPath;

crate::host_rule!("NIX-001", LdLibraryPath);

impl Rule for LdLibraryPath {
    fn check(&self, cx: &HostCx) -> Outcome {
        let env = EnvFiles::of(cx);
        let hits = env.assignments("LD_LIBRARY_PATH");
        if !hits.is_empty() {
            let places: Vec<String> = hits
                .iter()
                .map(|a| {
                    format!(
                        "{}:{} (`{}`)",
                        a.file,
                        a.line,
                        nixsec_core::escape(&a.value)
                    )
                })
                .collect();
            return Outcome::fail(format!(
                "LD_LIBRARY_PATH is set for every login: {}",
                places.join(", ")
            ))
            .with_evidence(hits.iter().map(|a| a.evidence()));
        }
        if !env.errors.is_empty() {
            return Outcome::error(env.errors.join("; "));
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
        assert_eq!(message(&run(&LdLibraryPath, &b)), "LD_LIBRARY_PATH is set for every login: /etc/set-environment:2 (`/run/opengl-driver/lib`)");
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
    fn unreadable_file_is_an_error() {
        let b = RootBuilder::new()
            .file("/etc/profile", "PATH=/bin\n")
            .dir("/etc/set-environment", 0o700);
        assert_eq!(run(&LdLibraryPath, &b).status(), Status::Error);
    }
}
