//! NIX-013: Nix silently builds without the sandbox when it cannot set one up.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::nix::{bool_setting, default_evidence, with_conf};

/// `sandbox-fallback` is not `false`.
pub struct SandboxFallback;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &SandboxFallback;

static META: RuleMeta = RuleMeta {
    id: "NIX-013",
    title: "Silent fallback to unsandboxed builds",
    section: Section::MultiUser,
    severity: Severity::Low,
    checks: "The `sandbox-fallback` setting of the effective nix.conf. Fails unless it is `false`; Nix's default is `true`.",
    rationale: "With the fallback on, a daemon that cannot create namespaces (a missing kernel feature, a container, a seccomp policy) builds without the sandbox and only logs a warning. Turning it off makes such builds fail loudly instead of running unconfined.",
    fix: "Set `sandbox-fallback = false` so builds fail instead of running without the sandbox.",
    nixos: "nix.settings.sandbox-fallback = false;",
    references: &["nix.conf(5): sandbox-fallback"],
    source: file!(),
};

impl Rule for SandboxFallback {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "sandbox-fallback") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((false, s))) => Outcome::pass("`sandbox-fallback = false`: builds fail rather than run unsandboxed")
                .with_evidence(s.evidence()),
            Ok(Some((true, s))) => {
                Outcome::fail("`sandbox-fallback` is on: builds run unsandboxed when the sandbox cannot be set up")
                    .with_evidence(s.evidence())
            }
            Ok(None) => Outcome::fail(
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
        assert_eq!(
            run(&SandboxFallback, &root_with_conf("")).status(),
            Status::Fail
        );
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
