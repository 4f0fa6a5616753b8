//! NIX-023: `accept-flake-config = true` lets any flake change Nix settings.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::nix::{bool_setting, default_evidence, with_conf};

/// `accept-flake-config` is true.
pub struct FlakeConfigAccepted;

crate::host_rule!("NIX-023", FlakeConfigAccepted);

impl Rule for FlakeConfigAccepted {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "accept-flake-config") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((true, s))) => Outcome::fail_about(
                "accept-flake-config",
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
        let o = run(
            &FlakeConfigAccepted,
            &root_with_conf("accept-flake-config = true\n"),
        );
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("accept-flake-config")
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
