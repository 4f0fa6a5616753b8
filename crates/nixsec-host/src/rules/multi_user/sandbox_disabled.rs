//! NIX-012: the build sandbox is off (`sandbox = false` or `relaxed`).

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::nix::{default_evidence, with_conf};

/// `sandbox` is `false` or `relaxed` in the effective nix.conf.
pub struct SandboxDisabled;

crate::host_rule!("NIX-012", SandboxDisabled);

impl Rule for SandboxDisabled {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let Some(s) = conf.and_then(|c| c.get("sandbox")) else {
                return Outcome::pass("`sandbox` is unset; Nix's default on Linux is `true`")
                    .with_evidence([default_evidence(conf, "sandbox", "true")]);
            };
            let value = s.value();
            match value.as_str() {
                "true" => Outcome::pass("`sandbox = true`: builds run in the sandbox").with_evidence(s.evidence()),
                "false" => Outcome::fail_about("sandbox", "`sandbox = false`: builds run unsandboxed, with access to the host and the network")
                    .with_evidence(s.evidence()),
                "relaxed" => Outcome::fail_about("sandbox", "`sandbox = relaxed`: derivations marked `__noChroot` build outside the sandbox")
                    .with_evidence(s.evidence()),
                other => {
                    let e: Vec<Evidence> = s.evidence();
                    let at = s.sources.last().map(|e| format!("`{}`: line {}: ", e.path, e.line)).unwrap_or_default();
                    Outcome::error(format!(
                        "{at}`sandbox` has the value `{}`, which Nix rejects (it accepts true, false or relaxed)",
                        nixsec_core::escape(other)
                    ))
                    .with_evidence(e)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn false_and_relaxed_fail() {
        for v in ["false", "relaxed"] {
            let o = run(
                &SandboxDisabled,
                &root_with_conf(&format!("# x\nsandbox = {v}\n")),
            );
            assert_eq!(o.status(), Status::Fail, "{v}");
            let Some(crate::testing::Failed { evidence, .. }) = crate::testing::failed(&o) else {
                unreachable!()
            };
            assert_eq!(evidence[0].line, Some(2));
            assert_eq!(evidence[0].path, "/etc/nix/nix.conf");
            assert_eq!(o.problems()[0].subject.as_deref(), Some("sandbox"));
        }
    }

    #[test]
    fn true_and_unset_pass() {
        assert_eq!(
            run(&SandboxDisabled, &root_with_conf("sandbox = true\n")).status(),
            Status::Pass
        );
        assert_eq!(
            run(&SandboxDisabled, &root_with_conf("trusted-users = root\n")).status(),
            Status::Pass
        );
        assert_eq!(
            run(&SandboxDisabled, &RootBuilder::new().multi_user_nix()).status(),
            Status::Pass
        );
    }

    #[test]
    fn invalid_value_and_garbage_are_errors() {
        let o = run(&SandboxDisabled, &root_with_conf("sandbox = yes\n"));
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("line 1"), "{}", message(&o));
        let o = run(&SandboxDisabled, &root_with_conf("\u{0}\u{1}\u{2}binary\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        let o = run(
            &SandboxDisabled,
            &RootBuilder::new()
                .multi_user_nix()
                .file("/etc/nix/nix.conf", b"\xff\xfe\xfd"),
        );
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("/etc/nix/nix.conf"), "{}", message(&o));
    }

    #[test]
    fn skipped_without_nix() {
        assert_eq!(
            run(
                &SandboxDisabled,
                &RootBuilder::new().file("/etc/passwd", "")
            )
            .status(),
            Status::Skip
        );
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let b = RootBuilder::new()
            .multi_user_nix()
            .symlink("/etc/nix/nix.conf", "/etc/nix/other")
            .symlink("/etc/nix/other", "nix.conf");
        let o = run(&SandboxDisabled, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(message(&o).contains("symbolic links"), "{}", message(&o));
    }
}
