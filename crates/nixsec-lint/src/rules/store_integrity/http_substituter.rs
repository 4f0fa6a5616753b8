//! NIX-021: a binary cache reached over plain HTTP.

use linkme::distributed_slice;
use nixsec_core::url::is_plain_http;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::{Assignment, ModuleKind};
use crate::rules::{nix_conf_lines, strings, FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `http://` URLs (to hosts other than loopback) in `nix.settings.substituters`,
/// `extra-substituters`, `trusted-substituters` (old `nix.binaryCaches`,
/// `nix.trustedBinaryCaches`), in the same keys of a literal `nix.extraOptions`, and in a
/// flake's `nixConfig`.
///
/// ## Why it matters
/// Anyone on the network path sees what the host installs and can serve stale (vulnerable)
/// signed paths; without signature checks (NIX-020) they can serve anything.
///
/// ## Fix (NixOS)
/// Use `https://`.
///
/// ## References
/// nix.conf(5) substituters; CWE-319.
pub struct HttpSubstituter;

static META: RuleMeta = RuleMeta {
    id: "NIX-021",
    title: "Substituter over plain HTTP",
    section: Section::StoreIntegrity,
    severity: Severity::Medium,
    checks: "`http://` URLs in the substituter settings",
    rationale:
        "Anyone on the network path sees what the host installs and can replay stale signed paths.",
    fix: "Use https:// for every substituter",
    nixos: "nix.settings.substituters = [ \"https://cache.nixos.org/\" ];",
    references: &["nix.conf(5): substituters", "CWE-319"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &HttpSubstituter;

const KEYS: &[&str] = &[
    "substituters",
    "trusted-substituters",
    "binary-caches",
    "trusted-binary-caches",
];

impl LintRule for HttpSubstituter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nix", "settings", "substituters"],
            &["nix", "settings", "extra-substituters"],
            &["nix", "settings", "trusted-substituters"],
            &["nix", "binaryCaches"],
            &["nix", "trustedBinaryCaches"],
            &["nix", "extraOptions"],
            &["nixConfig", "substituters"],
            &["nixConfig", "extra-substituters"],
            &["nixConfig", "trusted-substituters"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        if a.path[1] == "extraOptions" {
            for (k, v, range) in nix_conf_lines(a, cx, KEYS) {
                for url in v.split_whitespace().filter(|u| is_plain_http(u)) {
                    out.push(Hit::new(
                        range,
                        format!("`{k}` has a plain-HTTP cache: {url}"),
                    ));
                }
            }
            return;
        }
        for (url, range) in strings(&a.value) {
            if is_plain_http(url) {
                out.push(
                    Hit::new(range, format!("plain-HTTP cache: {url}"))
                        .fix(format!("\"{}\"", url.replacen("http://", "https://", 1))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::Medium;

    const ID: &str = "NIX-021";

    #[test]
    fn spellings_and_negatives() {
        assert_eq!(
            hits(
                r#"{ nix.settings.substituters = [ "https://cache.nixos.org" "http://cache.lan:5000" ]; }"#,
                ID
            ),
            [h("\"http://cache.lan:5000\"", 1, Medium)]
        );
        assert_eq!(
            hits(
                r#"let host = "cache.lan"; in { nix.settings.extra-substituters = [ "http://${host}" ]; }"#,
                ID
            ),
            [h("\"http://${host}\"", 1, Medium)]
        );
        assert_eq!(
            hits(r#"{ nix.binaryCaches = [ "http://x.example" ]; }"#, ID).len(),
            1
        );
        assert_eq!(
            hits(
                r#"{ nixConfig.extra-substituters = [ "http://x.example" ]; outputs = _: {}; }"#,
                ID
            )
            .len(),
            1
        );
        for src in [
            r#"{ nix.settings.substituters = [ "https://cache.nixos.org" ]; }"#,
            r#"{ nix.settings.substituters = [ "http://localhost:5000" "http://127.0.0.1" ]; }"#,
            r#"{ nix.settings.trusted-public-keys = [ "http://x" ]; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }
}
