//! NIX-012: the Nix build sandbox switched off or relaxed.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::{Assignment, ModuleKind};
use crate::rules::{nix_conf_lines, FileCx, Hit, LintRule, LINT_RULES};
use crate::value::Value;

/// ## What it checks
/// `nix.settings.sandbox` (old `nix.useSandbox`) set to `false` or `"relaxed"`, and a
/// `sandbox = false|relaxed` line in a literal `nix.extraOptions`.
///
/// ## Why it matters
/// Without the sandbox a build sees the host's files and the network; a hostile derivation can
/// read secrets and poison other builds.
///
/// ## Fix (NixOS)
/// `nix.settings.sandbox = true;`
///
/// ## References
/// nix.conf(5) sandbox.
pub struct SandboxDisabled;

static META: RuleMeta = RuleMeta {
    id: "NIX-012",
    title: "Build sandbox disabled",
    section: Section::MultiUser,
    severity: Severity::High,
    checks: "`nix.settings.sandbox` false or relaxed",
    rationale: "Without the sandbox a build sees the host's files and the network; a hostile derivation can read secrets and poison other builds.",
    fix: "Build in the sandbox",
    nixos: "nix.settings.sandbox = true;",
    references: &["nix.conf(5): sandbox", "NixOS option nix.settings.sandbox"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &SandboxDisabled;

impl LintRule for SandboxDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nix", "settings", "sandbox"],
            &["nix", "useSandbox"],
            &["nix", "extraOptions"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path[1] == "extraOptions" {
            for (_, v, range) in nix_conf_lines(a, cx, &["sandbox"]) {
                if v == "false" || v == "relaxed" {
                    out.push(Hit::new(
                        range,
                        format!("`sandbox = {v}` in nix.extraOptions"),
                    ));
                }
            }
            return;
        }
        match &a.value.v {
            Value::Bool(false) => {
                out.push(Hit::new(a.value.range, "builds run without the sandbox"))
            }
            Value::Str(s) if s == "relaxed" => out.push(Hit::new(
                a.value.range,
                "relaxed sandbox: derivations with `__noChroot` build outside it",
            )),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-012";

    #[test]
    fn spellings() {
        assert_eq!(
            hits("{ nix.settings.sandbox = false; }", ID),
            [h("false", 1, High)]
        );
        assert_eq!(
            hits(r#"{ nix.settings = { sandbox = "relaxed"; }; }"#, ID),
            [h("\"relaxed\"", 1, High)]
        );
        assert_eq!(
            hits("{ nix.useSandbox = false; }", ID),
            [h("false", 1, High)]
        );
        let extra =
            "{\n  nix.extraOptions = ''\n    keep-outputs = true\n    sandbox = false\n  '';\n}";
        assert_eq!(hits(extra, ID), [h("sandbox = false", 4, High)]);
        // nix-darwin has the same option.
        assert_eq!(
            hits(
                "{ homebrew.enable = true; nix.settings.sandbox = false; }",
                ID
            )
            .len(),
            1
        );
    }

    #[test]
    fn negatives() {
        for src in [
            "{ nix.settings.sandbox = true; }",
            "{ nix.extraOptions = \"sandbox = true\"; }",
            // home-manager's user nix.conf cannot turn the daemon's sandbox off.
            "{ home.stateVersion = \"24.05\"; nix.settings.sandbox = false; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
