//! NIX-020: `require-sigs = false` lets unsigned paths into the store.

use linkme::distributed_slice;
use nixsec_core::{HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

use crate::nix::{bool_setting, default_evidence, with_conf};

/// `require-sigs` is false.
pub struct SignatureCheckingDisabled;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &SignatureCheckingDisabled;

static META: RuleMeta = RuleMeta {
    id: "NIX-020",
    title: "Signature checking disabled",
    section: Section::StoreIntegrity,
    severity: Severity::Critical,
    checks: "The `require-sigs` setting of the effective nix.conf. Fails when it is false (`false`, `no` or `0`); Nix's default is `true`.",
    rationale: "With signatures off, the daemon accepts any store path a substituter or a `nix copy` sends, signed or not. Whoever controls a substituter, the network path to a plain-HTTP cache, or a user allowed to import paths can put arbitrary binaries into the system closure.",
    fix: "Require signatures (`require-sigs = true`, Nix's default) and trust only the keys of the caches you use.",
    nixos: "nix.settings.require-sigs = true;",
    references: &["nix.conf(5): require-sigs", "CWE-347"],
    source: file!(),
};

impl Rule for SignatureCheckingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            match bool_setting(conf, "require-sigs") {
            Err(bad) => Outcome::error(bad.message).with_evidence(bad.evidence),
            Ok(Some((true, s))) => Outcome::pass("`require-sigs` is on").with_evidence(s.evidence()),
            Ok(Some((false, s))) => {
                Outcome::fail("`require-sigs` is off: the daemon accepts unsigned store paths from substituters and imports")
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
    }
}
