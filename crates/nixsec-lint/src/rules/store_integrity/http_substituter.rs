//! NIX-021: a binary cache reached over plain HTTP.

use nixsec_core::url::is_plain_http;

use crate::index::{Assignment, ModuleKind};
use crate::rules::{elements, nix_conf_lines, FileCx, Hit, LintRule};

struct HttpSubstituter;

crate::lint_rule!("NIX-021", HttpSubstituter);

const KEYS: &[&str] = &[
    "substituters",
    "trusted-substituters",
    "binary-caches",
    "trusted-binary-caches",
];

impl LintRule for HttpSubstituter {
    fn kinds(&self) -> &'static [ModuleKind] {
        &[ModuleKind::NixOS, ModuleKind::Darwin]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["nix", "settings", "substituters"],
            &["nix", "settings", "extra-substituters"],
            &["nix", "settings", "trusted-substituters"],
            // Nix's older names for the same settings.
            &["nix", "settings", "binary-caches"],
            &["nix", "settings", "extra-binary-caches"],
            &["nix", "settings", "trusted-binary-caches"],
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
        for (url, range, cond) in elements(&a.value) {
            if is_plain_http(url) {
                out.push(
                    Hit::new(range, format!("plain-HTTP cache: {url}"))
                        .when(cond)
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
        // Under an `assert` (the set, when the assertion holds).
        assert_eq!(
            hits(
                "{ config, ... }: {\n  nix.settings =\n    assert config.networking.hostName != \"hut\";\n    { substituters = [ \"http://hut/cache\" ]; };\n}",
                ID
            ),
            [h("\"http://hut/cache\"", 4, Medium)]
        );
        // Nix's older setting names.
        assert_eq!(
            hits(
                r#"{ nix.settings.trusted-binary-caches = [ "http://nas.localnet:8081" ]; }"#,
                ID
            )
            .len(),
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
