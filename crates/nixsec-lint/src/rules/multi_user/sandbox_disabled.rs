//! NIX-012: the Nix build sandbox switched off or relaxed.

use crate::index::{Assignment, ModuleKind};
use crate::rules::{nix_conf_lines, FileCx, Hit, LintRule};
use crate::value::Value;

struct SandboxDisabled;

crate::lint_rule!("NIX-012", SandboxDisabled);

impl LintRule for SandboxDisabled {
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
    use crate::rules::testing::{findings, h, hc, hits};
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

    /// Both branches of one `if` unsafe: one finding, over both, under the conditions outside
    /// the `if` only; one branch unsafe: conditional.
    #[test]
    fn both_branches_are_one_setting() {
        let src = "{ lib, pkgs, ... }: { nix.settings.sandbox = if pkgs.stdenv.isLinux then \"relaxed\" else false; }";
        assert_eq!(hits(src, ID), [h("\"relaxed\" else false", 1, High)]);
        let src = "{ lib, pkgs, config, ... }: lib.mkIf config.x.enable { nix.settings.sandbox = if pkgs.stdenv.isLinux then \"relaxed\" else false; }";
        let f = findings(src, ID);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].condition.as_deref(), Some("config.x.enable"));
        assert!(f[0]
            .finding
            .message
            .ends_with("(and `false` otherwise: both branches)"));
        // The `if`'s own condition holding ` && `.
        let src = "{ lib, pkgs, config, ... }: lib.mkIf config.x.enable { nix.settings.sandbox = if pkgs.stdenv.isLinux && config.y then \"relaxed\" else false; }";
        let f = findings(src, ID);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].condition.as_deref(), Some("config.x.enable"));
        let src = "{ pkgs, ... }: { nix.settings.sandbox = if pkgs.stdenv.isLinux then \"relaxed\" else true; }";
        assert_eq!(hits(src, ID), [hc("\"relaxed\"", 1, High)]);
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
