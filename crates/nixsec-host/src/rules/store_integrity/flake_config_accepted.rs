//! NIX-023: `accept-flake-config = true` lets any flake change Nix settings.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::nix::{bool_setting, default_evidence, with_conf};

/// `accept-flake-config` is true.
pub struct FlakeConfigAccepted;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &FlakeConfigAccepted;

static META: RuleMeta = RuleMeta {
    id: "NIX-023",
    title: "Flakes may change Nix settings",
    section: Section::StoreIntegrity,
    severity: Severity::High,
    checks: "The `accept-flake-config` setting of the effective nix.conf. Fails when it is true; Nix's default is `false`.",
    rationale: "A flake's `nixConfig` can add substituters and trusted public keys. With `accept-flake-config` on, evaluating someone else's flake applies them without a prompt, so that flake's author can serve signed binaries for any store path.",
    fix: "Leave `accept-flake-config` off and add the caches you trust to nix.conf yourself.",
    nixos: "nix.settings.accept-flake-config = false;",
    references: &["nix.conf(5): accept-flake-config", "nix3-flake(1): nixConfig"],
    source: file!(),
};

impl Rule for FlakeConfigAccepted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "accept-flake-config") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((true, s))) => Outcome::fail(
                "`accept-flake-config` is on: a flake's `nixConfig` can add substituters and keys without a prompt",
            )
            .with_evidence(s.evidence()),
            Ok(Some((false, s))) => Outcome::pass("`accept-flake-config` is off").with_evidence(s.evidence()),
            Ok(None) => Outcome::pass("`accept-flake-config` is unset; Nix's default is `false`")
                .with_evidence([default_evidence(conf, "accept-flake-config", "false")]),
        }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        assert_eq!(
            run(
                &FlakeConfigAccepted,
                &root_with_conf("accept-flake-config = true\n")
            )
            .status(),
            Status::Fail
        );
        assert_eq!(
            run(
                &FlakeConfigAccepted,
                &root_with_conf("accept-flake-config = false\n")
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            run(&FlakeConfigAccepted, &root_with_conf("")).status(),
            Status::Pass
        );
    }
}
