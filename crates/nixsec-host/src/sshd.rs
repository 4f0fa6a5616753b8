//! The sshd_config of the audited root for the SSH rules: read once per audit by
//! [`nixsec_readers::sshd`], and the outcomes every SSH rule shares (skip without a
//! configuration, `error` when it cannot be read, a problem per unreadable included file).

use std::sync::Arc;

use nixsec_core::{Outcome, Problem};
use nixsec_readers::sshd::{self, Directive, MatchBlock, SshdConfig, SshdError};

use crate::cx::HostCx;

/// The sshd configuration of the audited root (`Ok(None)`: no `/etc/ssh/sshd_config`), read
/// once per audit.
#[must_use]
pub fn load(cx: &HostCx) -> Arc<Result<Option<SshdConfig>, SshdError>> {
    cx.fact(|f| &f.sshd, |cx| sshd::read(cx.root()))
}

/// Why SSH rules skip without a configuration.
pub const NO_SSHD: &str =
    "no `/etc/ssh/sshd_config`: the OpenSSH server is not configured on this system";

/// The subject of a `Match` block's weaker value for `keyword`:
/// `PermitRootLogin (Match User deploy,backup)`.
#[must_use]
pub fn match_subject(keyword: &str, block: &MatchBlock) -> String {
    format!("{keyword} (Match {})", nixsec_core::escape(&block.criteria))
}

/// A problem for a `Match` block that sets `keyword` to `value` (weaker than the global one),
/// about [`match_subject`], with the line as evidence.
#[must_use]
pub fn match_problem(keyword: &str, block: &MatchBlock, d: &Directive) -> Problem {
    Problem::about(
        match_subject(keyword, block),
        format!(
            "`Match {}` ({}:{}) sets {keyword} `{}`",
            nixsec_core::escape(&block.criteria),
            block.file,
            block.line,
            nixsec_core::escape(&d.value())
        ),
    )
    .with_evidence([d.evidence()])
}

/// Run an SSH rule: skip without sshd_config, `error` when it is broken, `error` instead of
/// `pass` when an included file could not be read, and with a failure, each such file as a
/// problem of its own.
pub fn with_sshd(cx: &HostCx, f: impl FnOnce(&SshdConfig) -> Outcome) -> Outcome {
    match &*load(cx) {
        Ok(None) => Outcome::skip(NO_SSHD),
        Err(e) => Outcome::error(e.to_string()),
        Ok(Some(c)) => {
            let out = f(c);
            if c.unreadable.is_empty() {
                return out;
            }
            match out {
                Outcome::Pass { .. } => {
                    let errors: Vec<String> =
                        c.unreadable.iter().map(ToString::to_string).collect();
                    Outcome::error(format!(
                        "an included sshd_config file could not be read, so its settings are unknown: {}",
                        errors.join("; ")
                    ))
                }
                Outcome::Fail { mut problems } => {
                    problems.extend(
                        c.unreadable
                            .iter()
                            .map(|e| crate::isolation::unread(&e.to_string())),
                    );
                    Outcome::Fail {
                        problems: crate::isolation::merged(problems),
                    }
                }
                other => other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::ssh::root_login::RootLogin;
    use crate::testing::*;
    use nixsec_readers::sshd::SSHD_CONFIG;

    #[test]
    fn absent_broken_and_unreadable_includes() {
        assert_eq!(run(&RootLogin, &RootBuilder::new()).status(), Status::Skip);
        let b = RootBuilder::new().file(SSHD_CONFIG, "Include sshd_config\n");
        let o = run(&RootLogin, &b);
        assert_eq!(o.status(), Status::Error);
        assert_eq!(
            message(&o),
            "`/etc/ssh/sshd_config` line 1: `Include` nested more than 16 deep (an include loop?)"
        );
        let b = RootBuilder::new()
            .file(SSHD_CONFIG, "Include /etc/ssh/extra\nPermitRootLogin no\n")
            .dir("/etc/ssh/extra", 0o755);
        let o = run(&RootLogin, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(
            message(&o).starts_with(
                "an included sshd_config file could not be read, so its settings are unknown: `/etc/ssh/extra`: "
            ),
            "{o:?}"
        );
        let b = b.file(SSHD_CONFIG, "Include /etc/ssh/extra\nPermitRootLogin yes\n");
        let o = run(&RootLogin, &b);
        let subjects: Vec<Option<&str>> =
            o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(subjects, [Some("PermitRootLogin"), Some("/etc/ssh/extra")]);
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! sshd_config fixtures from `tests/fixtures/ssh`.
    use nixsec_readers::sshd::SSHD_CONFIG;
    use nixsec_testutil::RootBuilder;

    /// A fixture file's text.
    pub fn text(name: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/ssh")
                .join(name),
        )
        .expect("fixture")
    }

    /// A root whose `/etc/ssh/sshd_config` is the fixture, linked through `/etc/static` into a
    /// store path as on NixOS.
    pub fn nixos(name: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .file(
                "/nix/store/0c2gq9cz3xw3a5n7l5d2m6s5y4v0b8k1-sshd.conf-final",
                text(name),
            )
            .symlink(
                "/etc/static",
                "/nix/store/8l9yhb1cbq7x4r0i1h8kzwzq4xyqv6dn-etc/etc",
            )
            .symlink(
                "/nix/store/8l9yhb1cbq7x4r0i1h8kzwzq4xyqv6dn-etc/etc/ssh/sshd_config",
                "/nix/store/0c2gq9cz3xw3a5n7l5d2m6s5y4v0b8k1-sshd.conf-final",
            )
            .symlink(SSHD_CONFIG, "/etc/static/ssh/sshd_config")
    }

    /// A root with this sshd_config text as a plain file.
    pub fn plain(text: &str) -> RootBuilder {
        RootBuilder::new().file(SSHD_CONFIG, text)
    }
}
