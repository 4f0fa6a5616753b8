//! NIX-020: `require-sigs = false`.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::{Assignment, ModuleKind};
use crate::rules::{nix_conf_lines, FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `nix.settings.require-sigs = false` (old `nix.requireSignedBinaryCaches = false`) and a
/// `require-sigs = false` line in a literal `nix.extraOptions`.
///
/// ## Why it matters
/// Store paths from any substituter are then accepted unsigned: whoever controls a cache or
/// the network path to it controls the system.
///
/// ## Fix (NixOS)
/// `nix.settings.require-sigs = true;`
///
/// ## References
/// nix.conf(5) require-sigs; CWE-347.
pub struct SignatureCheckingDisabled;

static META: RuleMeta = RuleMeta {
    id: "NIX-020",
    title: "Signature checking disabled",
    section: Section::StoreIntegrity,
    severity: Severity::Critical,
    checks: "`nix.settings.require-sigs = false`",
    rationale: "Unsigned store paths are accepted from any substituter: whoever controls a cache or the path to it controls the system.",
    fix: "Require signatures",
    nixos: "nix.settings.require-sigs = true;",
    references: &["nix.conf(5): require-sigs", "CWE-347"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &SignatureCheckingDisabled;

impl LintRule for SignatureCheckingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nix", "settings", "require-sigs"],
            &["nix", "requireSignedBinaryCaches"],
            &["nix", "extraOptions"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path[1] == "extraOptions" {
            for (_, v, range) in nix_conf_lines(a, cx, &["require-sigs"]) {
                if v == "false" {
                    out.push(Hit::new(
                        range,
                        "`require-sigs = false` in nix.extraOptions",
                    ));
                }
            }
        } else if a.value.v.as_bool() == Some(false) {
            out.push(Hit::new(
                a.value.range,
                "unsigned store paths are accepted from substituters",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Critical;

    const ID: &str = "NIX-020";

    #[test]
    fn spellings_and_negatives() {
        assert_eq!(
            hits("{ nix.settings.require-sigs = false; }", ID),
            [h("false", 1, Critical)]
        );
        assert_eq!(
            hits("{ nix.requireSignedBinaryCaches = false; }", ID),
            [h("false", 1, Critical)]
        );
        assert_eq!(
            hits("{ nix.settings = { \"require-sigs\" = false; }; }", ID),
            [h("false", 1, Critical)]
        );
        assert_eq!(
            hits("{ nix.extraOptions = \"require-sigs = false\\n\"; }", ID),
            [h("require-sigs = false", 1, Critical)]
        );
        for src in [
            "{ nix.settings.require-sigs = true; }",
            "{ nix.settings.require-sigs = cfg.x; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
