//! NIX-020: `require-sigs = false`.

use crate::index::{Assignment, ModuleKind};
use crate::rules::{nix_conf_lines, FileCx, Hit, LintRule};

struct SignatureCheckingDisabled;

crate::lint_rule!("NIX-020", SignatureCheckingDisabled);

impl LintRule for SignatureCheckingDisabled {
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
