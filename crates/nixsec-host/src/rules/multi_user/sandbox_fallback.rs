//! NIX-013: Nix silently builds without the sandbox when it cannot set one up.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::nix::{bool_setting, default_evidence, with_conf};

/// `sandbox-fallback` is not `false`.
pub struct SandboxFallback;

crate::host_rule!("NIX-013", SandboxFallback);

impl Rule for SandboxFallback {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "sandbox-fallback") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((false, s))) => Outcome::pass("`sandbox-fallback = false`: builds fail rather than run unsandboxed")
                .with_evidence(s.evidence()),
            Ok(Some((true, s))) => {
                Outcome::fail_about("sandbox-fallback", "`sandbox-fallback` is on: builds run unsandboxed when the sandbox cannot be set up")
                    .with_evidence(s.evidence())
            }
            Ok(None) => Outcome::fail_about(
                "sandbox-fallback",
                "`sandbox-fallback` is unset (Nix default `true`): builds run unsandboxed when the sandbox cannot be set up",
            )
            .with_evidence([default_evidence(conf, "sandbox-fallback", "true")]),
        }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn default_and_true_fail_false_passes() {
        let o = run(&SandboxFallback, &root_with_conf(""));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(o.problems()[0].subject.as_deref(), Some("sandbox-fallback"));
        assert_eq!(
            run(
                &SandboxFallback,
                &root_with_conf("sandbox-fallback = yes\n")
            )
            .status(),
            Status::Fail
        );
        assert_eq!(
            run(&SandboxFallback, &root_with_conf("sandbox-fallback = 0\n")).status(),
            Status::Pass
        );
        assert_eq!(
            run(
                &SandboxFallback,
                &root_with_conf("sandbox-fallback = maybe\n")
            )
            .status(),
            Status::Error
        );
    }
}
