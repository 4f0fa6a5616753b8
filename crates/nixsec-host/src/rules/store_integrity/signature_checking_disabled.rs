//! NIX-020: `require-sigs = false` lets unsigned paths into the store.

use crate::cx::HostCx;
use nixsec_core::Outcome;

use crate::engine::Rule;
use crate::nix::{bool_setting, default_evidence, with_conf};

/// `require-sigs` is false.
pub struct SignatureCheckingDisabled;

crate::host_rule!("NIX-020", SignatureCheckingDisabled);

impl Rule for SignatureCheckingDisabled {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "require-sigs") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((true, s))) => Outcome::pass("`require-sigs` is on").with_evidence(s.evidence()),
            Ok(Some((false, s))) => {
                Outcome::fail_about("require-sigs", "`require-sigs` is off: the daemon accepts unsigned store paths from substituters and imports")
                    .with_evidence(s.evidence())
            }
            Ok(None) => Outcome::pass("`require-sigs` is unset; Nix's default is `true`")
                .with_evidence([default_evidence(conf, "require-sigs", "true")]),
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
        for (conf, status) in [
            ("require-sigs = false\n", Status::Fail),
            ("require-sigs = no\n", Status::Fail),
            ("require-sigs = 0\n", Status::Fail),
            ("require-sigs = true\n", Status::Pass),
            ("", Status::Pass),
            ("require-sigs = False\n", Status::Error),
        ] {
            assert_eq!(
                run(&SignatureCheckingDisabled, &root_with_conf(conf)).status(),
                status,
                "{conf}"
            );
        }
        let o = run(
            &SignatureCheckingDisabled,
            &root_with_conf("require-sigs = false\n"),
        );
        assert_eq!(o.problems()[0].subject.as_deref(), Some("require-sigs"));
    }
}
